//! Findings: the ways teams get NetworkPolicy wrong, detected with the
//! engine's own verdicts (not by pattern-matching YAML). Ids are a stable
//! contract (`netpol-findings/v1`); never rename one.

mod dns;
mod enforcement;
mod isolation;
mod metadata;
mod policies;
mod services;
mod shadowed;
mod tiers;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use super::index::{ClassId, Index};
use super::model::{LabelSelector, Labels, PodKey, Policy};
use dns::dns_findings;
use enforcement::{cni_findings, host_network_findings};
use isolation::isolation_findings;
use metadata::metadata_findings;
use policies::{PolicyCtx, policy_findings};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    // Ordered so that `>=` means "at least as severe".
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MISSING_DEFAULT_DENY_INGRESS: &str = "missing-default-deny-ingress";
pub const MISSING_DEFAULT_DENY_EGRESS: &str = "missing-default-deny-egress";
pub const EGRESS_DENY_BLOCKS_DNS: &str = "egress-deny-blocks-dns";
pub const DNS_ALLOW_MISSING_TCP: &str = "dns-allow-missing-tcp";
pub const METADATA_ENDPOINT_REACHABLE: &str = "metadata-endpoint-reachable";
pub const SELECTOR_AND_OR_TRAP: &str = "selector-and-or-trap";
pub const POLICY_SELECTS_NO_PODS: &str = "policy-selects-no-pods";
pub const PEER_MATCHES_NOTHING: &str = "peer-matches-nothing";
pub const NAMESPACE_LABEL_UNKNOWN: &str = "namespace-label-unknown";
pub const NAMED_PORT_UNRESOLVED: &str = "named-port-unresolved";
pub const HOST_NETWORK_POD: &str = "host-network-pod";
pub const NO_ENFORCING_CNI: &str = "no-enforcing-cni";
pub const DNS_PORT_MISMATCH: &str = "dns-port-mismatch";
pub const SERVICE_NO_BACKENDS: &str = "service-no-backends";
pub const SERVICE_PORT_BLOCKED: &str = "service-port-blocked";
pub const CNP_PRIORITY_TIE: &str = "cnp-priority-tie";
pub const CNP_NETWORKS_MATCH_PODS: &str = "cnp-networks-match-pods";
pub const TIER_DENY_BLOCKS_DNS: &str = "tier-deny-blocks-dns";
pub const CNP_SHADOWED_RULE: &str = "cnp-shadowed-rule";

/// Namespaces that are not nagged for a missing default deny.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: &'static str,
    pub severity: Severity,
    pub namespace: Option<String>,
    pub policy: Option<String>,
    pub pod: Option<String>,
    /// What is wrong, where.
    pub message: String,
    /// Why it matters, in one line.
    pub why: String,
    /// A fix, as YAML ready to apply (or an edit to make), where one exists.
    pub fix: Option<String>,
    /// The pods concerned (for views: jump to, badges).
    pub pods: Vec<PodKey>,
}

/// What the CNI detection of a live source found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CniInfo {
    /// The policy-enforcing plugin found, if any.
    pub enforcing: Option<String>,
    /// Other network plugins found (e.g. flannel).
    pub others: Vec<String>,
    /// The plugins found are known not to enforce policy (flannel alone);
    /// false when nothing was recognised or enforcement depends on config.
    pub known_not_enforcing: bool,
}

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub dns_namespace: String,
    pub dns_selector: LabelSelector,
    /// Live mode only.
    pub cni: Option<CniInfo>,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            dns_namespace: "kube-system".to_string(),
            dns_selector: LabelSelector {
                match_labels: Labels::from([("k8s-app".to_string(), "kube-dns".to_string())]),
                match_expressions: vec![],
            },
            cni: None,
        }
    }
}

pub const METADATA_V4: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 169, 254));
pub const METADATA_V6: IpAddr =
    IpAddr::V6(std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254));

pub(super) fn names(pods: &[PodKey]) -> String {
    const SHOW: usize = 5;
    let mut v: Vec<&str> = pods.iter().take(SHOW).map(|k| k.name.as_str()).collect();
    let more = pods.len().saturating_sub(SHOW);
    if more > 0 {
        v.push("...");
    }
    let s = v.join(", ");
    if more > 0 {
        format!("{s} (+{more} more)")
    } else {
        s
    }
}

pub(super) use super::text::plural;

/// A finding about `pods` (sorted) of `ns`, caused by `pols` (the first
/// is named); message, why and fix are the caller's.
pub(super) fn about_pods(
    id: &'static str,
    severity: Severity,
    ns: &str,
    pols: &[String],
    pods: Vec<PodKey>,
) -> Finding {
    Finding {
        id,
        severity,
        namespace: Some(ns.to_string()),
        policy: pols.first().cloned(),
        pod: (pods.len() == 1).then(|| pods[0].name.clone()),
        message: String::new(),
        why: String::new(),
        fix: None,
        pods,
    }
}

/// A finding about policy `p` as a whole (no pods listed); message, why
/// and fix are the caller's.
pub(super) fn about_policy(id: &'static str, severity: Severity, p: &Policy) -> Finding {
    Finding {
        id,
        severity,
        namespace: Some(p.namespace.clone()),
        policy: Some(p.name.clone()),
        pod: None,
        message: String::new(),
        why: String::new(),
        fix: None,
        pods: vec![],
    }
}

/// Pods of a class, as keys.
pub(super) fn members(idx: &Index, c: ClassId) -> Vec<PodKey> {
    let class = idx.class(c);
    class
        .members
        .iter()
        .map(|m| PodKey::new(&class.namespace, m))
        .collect()
}

/// Affected pods grouped by (namespace, isolating policies), so that one
/// finding names one cause.
pub(super) type Groups = BTreeMap<(String, Vec<String>), Vec<PodKey>>;

pub(super) fn group_add(g: &mut Groups, idx: &Index, c: ClassId, policies: Vec<String>) {
    let ns = idx.class(c).namespace.clone();
    g.entry((ns, policies)).or_default().extend(members(idx, c));
}

pub fn lint(idx: &Index, o: &LintOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    isolation_findings(idx, &mut out);
    dns_findings(idx, o, &mut out);
    metadata_findings(idx, &mut out);
    let mut ctx = PolicyCtx::new(idx);
    for p in idx.policies() {
        policy_findings(&mut ctx, p, &mut out);
    }
    host_network_findings(idx, &mut out);
    cni_findings(idx, o, &mut out);
    services::service_findings(idx, &mut out);
    tiers::tier_findings(idx, &mut out);
    out.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            a.id,
            &a.namespace,
            &a.policy,
            &a.pod,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                b.id,
                &b.namespace,
                &b.policy,
                &b.pod,
            ))
    });
    out
}
