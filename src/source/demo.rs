//! The embedded demo cluster (`--demo`): a shop, a payments backend,
//! monitoring and kube-system add-ons, with NetworkPolicies that are partly
//! right and partly wrong in the ways real clusters are wrong. The manifests
//! live in `assets/demo/` and are commented so that a reader learns from
//! them; they are compiled into the binary.
//!
//! Mistakes on show: an ingress-only "default deny" (shop), DNS allowed on
//! UDP but not TCP (shop/checkout-egress), DNS blocked entirely
//! (inventory/default-deny-egress), the namespaceSelector/podSelector AND/OR
//! trap (shop/allow-prometheus-scrape), a podSelector label typo
//! (payments/api-allow-prometheus), a peer that matches nothing
//! (payments/db-allow-migrations), the cloud metadata endpoint reachable
//! through `0.0.0.0/0` (payments/worker-egress), and host-network pods that
//! pod selectors cannot match (calico-node, kube-proxy, node-exporter).
//!
//! Cluster-scoped tiers (`cluster-tiers.yaml`): an Admin metadata guardrail
//! for the namespaces labelled `guardrails: enforced` (shop, inventory; not
//! payments, whose metadata mistake stays visible), a PCI zone that passes
//! monitoring and the shop to payments' own policies and denies the rest,
//! and a Baseline default for `legacy`, which has no NetworkPolicy.

use super::files::{Manifests, load_sources};

/// The demo's files, in load order.
pub const FILES: &[(&str, &str)] = &[
    (
        "demo/00-namespaces.yaml",
        include_str!("../../assets/demo/00-namespaces.yaml"),
    ),
    (
        "demo/kube-system.yaml",
        include_str!("../../assets/demo/kube-system.yaml"),
    ),
    (
        "demo/shop.yaml",
        include_str!("../../assets/demo/shop.yaml"),
    ),
    (
        "demo/payments.yaml",
        include_str!("../../assets/demo/payments.yaml"),
    ),
    (
        "demo/monitoring.yaml",
        include_str!("../../assets/demo/monitoring.yaml"),
    ),
    (
        "demo/inventory.yaml",
        include_str!("../../assets/demo/inventory.yaml"),
    ),
    (
        "demo/legacy.yaml",
        include_str!("../../assets/demo/legacy.yaml"),
    ),
    (
        "demo/cluster-tiers.yaml",
        include_str!("../../assets/demo/cluster-tiers.yaml"),
    ),
];

/// Loads the demo cluster.
pub fn load() -> Manifests {
    let sources: Vec<(String, String)> = FILES
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    load_sources(&sources)
}
