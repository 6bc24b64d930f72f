//! Peers: fail closed on peers of unknown type, hostNetwork pods never
//! selected, `networks` also matching pod IPs, `nodes` and `domainNames`
//! never silently ignored.

use super::common::{index, snapshot};
use super::{ALL_NS, FROM_B, NS_A, TCP, allows, cluster, cnp, ep, verdict, why};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Direction, PodKey};

#[test]
fn a_peer_of_unknown_type_fails_closed() {
    // "For "Accept" rules, "fail closed" means: "treat the rule as matching
    // no traffic". For "Deny" and "Pass" rules, "fail closed" means: "treat
    // the rule as a 'Deny all' rule"."
    let deny = cnp(
        "future",
        "Admin",
        1,
        NS_A,
        "  ingress:\n  - {action: Deny, from: [{serviceAccounts: {}}]}\n",
    );
    let idx = index(&cluster(&deny));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 80));
    assert!(
        !allows(&idx, "a/api", "a/web", TCP, 80),
        "Deny all, whatever the source"
    );
    assert!(why(&idx, "a/api", "a/web", TCP, 80).contains("failing closed"));
    let pass = cnp(
        "future",
        "Admin",
        1,
        NS_A,
        "  ingress:\n  - {action: Pass, from: [{serviceAccounts: {}}]}\n",
    );
    let idx = index(&cluster(&format!(
        "{pass}\n---\n{}",
        super::np_allow_ingress("a", "{}")
    )));
    assert!(
        !allows(&idx, "a/api", "a/web", TCP, 80),
        "a Pass rule fails closed as Deny all"
    );
    let accept = cnp(
        "future",
        "Admin",
        1,
        NS_A,
        "  ingress:\n  - {action: Accept, from: [{serviceAccounts: {}}]}\n",
    );
    let idx = index(&cluster(&format!(
        "{accept}\n---\n{}",
        super::np_deny_ingress("a")
    )));
    assert!(
        !allows(&idx, "b/db", "a/web", TCP, 80),
        "an Accept rule matches nothing"
    );
}

#[test]
fn empty_peer_lists_and_empty_peers_are_refused() {
    // `from`: "This field must be defined and contain at least one item";
    // a peer: MinProperties=1.
    let base = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress:\n";
    for (rule, field) in [
        ("  - {action: Deny, from: []}\n", "spec.ingress[0].from"),
        (
            "  - {action: Deny, from: [{}]}\n",
            "spec.ingress[0].from[0]",
        ),
        ("  - {action: Deny}\n", "spec.ingress[0].from"),
    ] {
        let v: serde_yaml::Value = serde_yaml::from_str(&format!("{base}{rule}")).expect("yaml");
        let json = serde_json::to_value(&v).expect("json");
        let (res, _) = netpol_tui::source::convert::cluster_policy_from_value(
            netpol_tui::engine::tiers::ClusterKind::Cnp,
            "policy.networking.k8s.io/v1alpha2",
            &json,
        );
        let errs = res.expect_err(rule);
        assert!(errs.iter().any(|e| e.path == field), "{rule}: {errs:?}");
    }
}

fn host_network_cluster(extra: &str) -> Index {
    let node = "apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: a, labels: {app: agent}}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x}]\nstatus: {phase: Running, podIP: 192.168.0.5}\n";
    index(&cluster(&format!("{node}\n---\n{extra}")))
}

#[test]
fn host_network_pods_are_never_selected() {
    // "Note that host-networked pods are not included in subject selection"
    // nor in namespaces/pods peers.
    let idx = host_network_cluster(&cnp(
        "all",
        "Admin",
        1,
        ALL_NS,
        "  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n  egress:\n  - {action: Deny, to: [{namespaces: {}}]}\n",
    ));
    let agent = idx.pod_class(&PodKey::new("a", "agent")).expect("agent");
    let web = idx.pod_class(&PodKey::new("a", "web")).expect("web");
    assert!(idx.tier_policies_for(agent).is_empty());
    assert_eq!(idx.tier_policies_for(web).len(), 1);
    // As a peer: the agent is not matched by `namespaces: {}`, so web's
    // ingress from it is not denied by the tier.
    let side = idx
        .tier_side(web, Direction::Ingress, ep(&idx, "a/agent"), None)
        .expect("web is selected");
    assert!(side.allowed.is_all(), "{side:?}");
    let side = idx
        .tier_side(web, Direction::Ingress, ep(&idx, "a/api"), None)
        .expect("web is selected");
    assert!(side.allowed.is_empty());
}

#[test]
fn networks_match_pod_ips_too() {
    // "cluster-internal traffic will be checked against the rule as well".
    let idx = index(&cluster(&cnp(
        "nets",
        "Admin",
        1,
        ALL_NS,
        "  egress:\n  - {action: Deny, to: [{networks: [10.0.2.0/24]}]}\n",
    )));
    assert!(
        !allows(&idx, "a/web", "b/db", TCP, 80),
        "db's IP 10.0.2.1 is in 10.0.2.0/24"
    );
    assert!(allows(&idx, "a/web", "a/api", TCP, 80));
    assert!(!allows(&idx, "a/web", "10.0.2.200", TCP, 80));
    assert!(allows(&idx, "a/web", "10.0.3.1", TCP, 80));
}

#[test]
fn nodes_peers_are_never_silently_ignored() {
    let idx = index(&cluster(&cnp(
        "nodes",
        "Admin",
        1,
        ALL_NS,
        "  egress:\n  - {action: Deny, to: [{nodes: {matchLabels: {role: control-plane}}}]}\n",
    )));
    let text = why(&idx, "a/web", "172.16.0.10", TCP, 6443);
    assert!(text.contains("depends on the node's IPs"), "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("depends on the node's IPs")),
        "the summary says so: {text}"
    );
    // A pod IP is not a node IP.
    assert!(!why(&idx, "a/web", "b/db", TCP, 80).contains("depends"));
    // A hostNetwork pod's IP is its node's: that depends too.
    let idx = host_network_cluster(&cnp(
        "nodes",
        "Admin",
        1,
        ALL_NS,
        "  egress:\n  - {action: Deny, to: [{nodes: {}}]}\n",
    ));
    let web = idx.pod_class(&PodKey::new("a", "web")).expect("web");
    let side = idx
        .tier_side(web, Direction::Egress, ep(&idx, "a/agent"), None)
        .expect("web is selected");
    assert!(
        side.depends
            .iter()
            .any(|d| d.contains("depends on the node's IPs")),
        "{side:?}"
    );
}

#[test]
fn domain_names_are_never_silently_ignored() {
    // "DomainNames Accept rules should be used with a lower precedence
    // egress deny".
    let idx = index(&cluster(&cnp(
        "allowlist",
        "Admin",
        1,
        ALL_NS,
        "  egress:\n  - {action: Accept, to: [{domainNames: [api.example.com]}]}\n  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}\n",
    )));
    let v = verdict(&idx, "a/web", "203.0.113.7");
    assert!(!v.allowed.contains(TCP, 443));
    let text = why(&idx, "a/web", "203.0.113.7", TCP, 443);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("depends on DNS names")),
        "{text}"
    );
    assert!(text.contains("api.example.com"), "{text}");
}

#[test]
fn the_snapshot_reads_all_three_kinds() {
    let s = snapshot(&cluster(&format!(
        "{}\n---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: anp}}\nspec:\n  priority: 3\n  subject: {{namespaces: {{}}}}\n  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n",
        cnp(
            "c",
            "Baseline",
            1,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        )
    )));
    assert_eq!(s.cluster_policies.len(), 2);
}
