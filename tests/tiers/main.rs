//! Cluster-scoped tiers, rule by rule, written from the API text:
//! network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go
//! (ClusterNetworkPolicy) and apis/v1alpha1 (AdminNetworkPolicy,
//! BaselineAdminNetworkPolicy). Each test quotes the sentence it checks.

#[path = "../common/mod.rs"]
mod common;
mod demo;
mod explain;
mod lint;
mod manifest;
mod peers;
mod ports;
mod tui;

use common::index;
use netpol_tui::engine::explain::explain;
use netpol_tui::engine::index::Index;
use netpol_tui::engine::ipblock::IpRange;
use netpol_tui::engine::model::{PodKey, Protocol};
use netpol_tui::engine::verdict::{Endpoint, PairVerdict};

const TCP: Protocol = Protocol::Tcp;

/// Namespaces a (team: shop) and b (team: pay); a/web declares `http`
/// 8080/TCP, b/db declares `http` 9090/TCP, a/api declares nothing.
pub fn cluster(extra: &str) -> String {
    let mut y = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: shop}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {team: pay}}\n",
    );
    for (ns, name, app, ip, ports) in [
        (
            "a",
            "web",
            "web",
            "10.0.1.1",
            "[{name: http, containerPort: 8080}]",
        ),
        ("a", "api", "api", "10.0.1.2", "[]"),
        (
            "b",
            "db",
            "db",
            "10.0.2.1",
            "[{name: http, containerPort: 9090}]",
        ),
    ] {
        y.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {{app: {app}}}}}\nspec:\n  containers: [{{name: c, image: x, ports: {ports}}}]\nstatus: {{phase: Running, podIP: {ip}}}\n"
        ));
    }
    for doc in extra.split("\n---\n").filter(|d| !d.trim().is_empty()) {
        y.push_str("---\n");
        y.push_str(doc);
        y.push('\n');
    }
    y
}

/// A ClusterNetworkPolicy; `rules` is YAML under `spec` (two spaces).
pub fn cnp(name: &str, tier: &str, priority: u32, subject: &str, rules: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n  tier: {tier}\n  priority: {priority}\n  subject: {subject}\n{rules}"
    )
}

pub const ALL_NS: &str = "{namespaces: {}}";
pub const NS_A: &str = "{namespaces: {matchLabels: {team: shop}}}";
pub const FROM_B: &str = "[{namespaces: {matchLabels: {team: pay}}}]";

/// Every pod of namespace `ns` isolated for ingress, allowing nothing.
pub fn np_deny_ingress(ns: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: {ns}}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n"
    )
}

/// Every pod of namespace `ns` isolated for ingress, allowing everything.
pub fn np_allow_ingress(ns: &str, pods: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: allow, namespace: {ns}}}\nspec:\n  podSelector: {pods}\n  ingress: [{{}}]\n"
    )
}

pub fn ep(idx: &Index, pod: &str) -> Endpoint {
    if let Ok(ip) = pod.parse() {
        return Endpoint::Ip(IpRange::single(ip));
    }
    let (ns, name) = pod.split_once('/').expect("ns/name");
    Endpoint::Class(idx.pod_class(&PodKey::new(ns, name)).expect(pod))
}

pub fn verdict(idx: &Index, from: &str, to: &str) -> PairVerdict {
    idx.pair_verdict(ep(idx, from), ep(idx, to))
        .expect("a verdict")
}

pub fn allows(idx: &Index, from: &str, to: &str, p: Protocol, port: u16) -> bool {
    verdict(idx, from, to).allowed.contains(p, port)
}

/// The explanation text for one port.
pub fn why(idx: &Index, from: &str, to: &str, p: Protocol, port: u16) -> String {
    explain(idx, &verdict(idx, from, to), from, to, Some((p, port))).to_text()
}

#[test]
fn admin_deny_is_final_over_a_networkpolicy_allow() {
    // "If Admin tier has made a final decision (Accept or Deny) on a
    // connection, then no further evaluation is done."
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        np_allow_ingress("a", "{}"),
        cnp(
            "guard",
            "Admin",
            10,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 80));
    assert!(
        allows(&idx, "a/api", "a/web", TCP, 80),
        "not from b: NetworkPolicy allows"
    );
}

#[test]
fn admin_accept_is_final_over_a_networkpolicy_deny() {
    // Accept: "No further ingress ClusterNetworkPolicy or NetworkPolicy rules
    // will be processed."
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        np_deny_ingress("a"),
        cnp(
            "let-b",
            "Admin",
            10,
            NS_A,
            &format!("  ingress:\n  - {{action: Accept, from: {FROM_B}}}\n")
        )
    )));
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
    assert!(
        !allows(&idx, "a/api", "a/web", TCP, 80),
        "NetworkPolicy still denies the rest"
    );
}

#[test]
fn networkpolicy_is_final_for_the_pods_it_isolates_baseline_for_the_others() {
    // "v1.NetworkPolicy always makes a final decision for selected pods.
    // Further evaluation only happens for Pods not selected by a
    // v1.NetworkPolicy."
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        np_allow_ingress("a", "{matchLabels: {app: web}}"),
        cnp(
            "default-deny",
            "Baseline",
            10,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    assert!(
        allows(&idx, "b/db", "a/web", TCP, 80),
        "web isolated: NetworkPolicy decides"
    );
    assert!(
        !allows(&idx, "b/db", "a/api", TCP, 80),
        "api not isolated: Baseline denies"
    );
    assert!(
        allows(&idx, "a/web", "a/api", TCP, 80),
        "no tier decides: default allow"
    );
}

#[test]
fn lower_priority_values_are_checked_first_whatever_the_names() {
    // "Policies with lower priority values have higher precedence".
    let rules = |a: &str| format!("  ingress:\n  - {{action: {a}, from: {FROM_B}}}\n");
    let y = |deny_prio, accept_prio| {
        index(&cluster(&format!(
            "{}\n---\n{}",
            cnp("aaa-deny", "Admin", deny_prio, NS_A, &rules("Deny")),
            cnp("zzz-accept", "Admin", accept_prio, NS_A, &rules("Accept"))
        )))
    };
    assert!(!allows(&y(10, 20), "b/db", "a/web", TCP, 80));
    assert!(allows(&y(20, 10), "b/db", "a/web", TCP, 80));
    assert!(allows(&y(1000, 0), "b/db", "a/web", TCP, 80));
}

#[test]
fn rules_of_one_policy_apply_in_the_order_written() {
    // "a rule that appears at the top of the ingress rules would take the
    // highest precedence."
    let accept80 = format!(
        "{{action: Accept, from: {FROM_B}, protocols: [{{tcp: {{destinationPort: {{number: 80}}}}}}]}}"
    );
    let deny = format!("{{action: Deny, from: {FROM_B}}}");
    let idx = index(&cluster(&cnp(
        "p",
        "Admin",
        5,
        NS_A,
        &format!("  ingress:\n  - {accept80}\n  - {deny}\n"),
    )));
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 81));
    let idx = index(&cluster(&cnp(
        "p",
        "Admin",
        5,
        NS_A,
        &format!("  ingress:\n  - {deny}\n  - {accept80}\n"),
    )));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 80));
}

#[test]
fn pass_skips_the_rest_of_the_tier_and_hands_over_to_the_next() {
    // Pass: "Skips all further ClusterNetworkPolicy rules in the current
    // tier for the selected traffic, and passes evaluation to the next tier."
    let pass = cnp(
        "pass-b",
        "Admin",
        10,
        NS_A,
        &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n"),
    );
    let deny_later = cnp(
        "deny-b",
        "Admin",
        20,
        NS_A,
        &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n"),
    );
    let baseline = cnp(
        "base",
        "Baseline",
        1,
        NS_A,
        &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n"),
    );
    // Admin Deny at 20 is skipped; no NetworkPolicy, no Baseline: allowed.
    let idx = index(&cluster(&format!("{pass}\n---\n{deny_later}")));
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
    // The Baseline tier is next for a pod no NetworkPolicy isolates.
    let idx = index(&cluster(&format!(
        "{pass}\n---\n{deny_later}\n---\n{baseline}"
    )));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 80));
    // NetworkPolicy is final for the pods it selects: Baseline not reached.
    let idx = index(&cluster(&format!(
        "{pass}\n---\n{deny_later}\n---\n{baseline}\n---\n{}",
        np_allow_ingress("a", "{}")
    )));
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
    // Without the Pass, the Admin Deny is final.
    let idx = index(&cluster(&format!(
        "{deny_later}\n---\n{}",
        np_allow_ingress("a", "{}")
    )));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 80));
}

#[test]
fn pass_in_the_baseline_tier_leaves_the_default_allow() {
    // "If a given connection wasn't allowed or denied by any of the tiers,
    // the default kubernetes policy is applied".
    let idx = index(&cluster(&format!(
        "{}\n---\n{}",
        cnp(
            "pass",
            "Baseline",
            1,
            NS_A,
            &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n")
        ),
        cnp(
            "deny",
            "Baseline",
            2,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    assert!(allows(&idx, "b/db", "a/web", TCP, 80));
}

#[test]
fn egress_accept_still_needs_the_destinations_ingress() {
    // Egress Accept: "No further egress ClusterNetworkPolicy or
    // NetworkPolicy rules will be processed but any ingress rules at the
    // destination do apply."
    let egress_np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: no-egress, namespace: b}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n";
    let accept = cnp(
        "out",
        "Admin",
        3,
        "{namespaces: {matchLabels: {team: pay}}}",
        "  egress:\n  - {action: Accept, to: [{namespaces: {matchLabels: {team: shop}}}]}\n",
    );
    let idx = index(&cluster(&format!("{egress_np}\n---\n{accept}")));
    assert!(
        allows(&idx, "b/db", "a/web", TCP, 80),
        "egress Accept overrides the egress NetworkPolicy"
    );
    let idx = index(&cluster(&format!(
        "{egress_np}\n---\n{accept}\n---\n{}",
        np_deny_ingress("a")
    )));
    assert!(
        !allows(&idx, "b/db", "a/web", TCP, 80),
        "the destination's ingress still applies"
    );
    let v = verdict(&idx, "b/db", "a/web");
    assert!(
        v.egress
            .as_ref()
            .is_some_and(|e| e.allowed.contains(TCP, 80))
    );
}

#[test]
fn no_cluster_policy_selecting_the_pods_leaves_networkpolicy_verdicts_as_they_were() {
    let base = np_deny_ingress("a");
    let plain = index(&cluster(&base));
    // A policy whose subject selects no pod of this question.
    let other = cnp(
        "elsewhere",
        "Admin",
        1,
        "{namespaces: {matchLabels: {team: none}}}",
        &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n"),
    );
    let tiered = index(&cluster(&format!("{base}\n---\n{other}")));
    for (f, t) in [("b/db", "a/web"), ("a/web", "b/db"), ("a/api", "a/web")] {
        let (a, b) = (verdict(&plain, f, t), verdict(&tiered, f, t));
        assert_eq!(a, b, "{f} -> {t}");
        assert!(
            a.egress
                .iter()
                .chain(a.ingress.iter())
                .all(|s| s.tiers.is_none())
        );
        assert_eq!(why(&plain, f, t, TCP, 80), why(&tiered, f, t, TCP, 80));
    }
}

#[test]
fn legacy_admin_and_baseline_admin_network_policies() {
    // v1alpha1: ANP Allow/Deny/Pass with priority; the BANP named
    // `default` is the Baseline tier (Allow/Deny).
    let anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: legacy}\nspec:\n  priority: 5\n  subject: {namespaces: {matchLabels: {team: shop}}}\n  ingress:\n  - {action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {team: pay}}, podSelector: {matchLabels: {app: db}}}}], ports: [{portNumber: {port: 80}}]}\n  - {action: Pass, from: [{namespaces: {matchLabels: {team: pay}}}]}\n";
    let banp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n";
    let idx = index(&cluster(&format!(
        "{anp}\n---\n{np}\n---\n{banp}",
        np = np_deny_ingress("a")
    )));
    assert!(
        allows(&idx, "b/db", "a/web", TCP, 80),
        "ANP Allow beats the NetworkPolicy"
    );
    assert!(
        !allows(&idx, "b/db", "a/web", TCP, 443),
        "Pass: NetworkPolicy denies"
    );
    assert!(
        !allows(&idx, "a/web", "b/db", TCP, 443),
        "BANP Deny where no NetworkPolicy isolates"
    );
    // The portNumber protocol defaults to TCP.
    assert!(!allows(&idx, "b/db", "a/web", Protocol::Udp, 80));
}
