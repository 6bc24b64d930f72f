//! Lint ids for cluster-scoped tiers (../shared/specs/findings-json.md):
//! `cnp-priority-tie`, `cnp-networks-match-pods`, `tier-deny-blocks-dns`.

use super::common::index;
use super::{ALL_NS, FROM_B, NS_A, cluster, cnp};
use netpol_tui::engine::findings::{Finding, LintOptions, lint};

const DNS: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec:\n  containers: [{name: c, image: x, ports: [{containerPort: 53, protocol: UDP}, {containerPort: 53}]}]\nstatus: {phase: Running, podIP: 10.0.9.9}\n";

fn findings(extra: &str) -> Vec<Finding> {
    lint(
        &index(&cluster(&format!("{DNS}\n---\n{extra}"))),
        &LintOptions::default(),
    )
}

fn with<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

#[test]
fn an_admin_deny_of_dns_is_reported_with_an_accept_before_it() {
    let f = findings(&cnp(
        "lockdown",
        "Admin",
        20,
        NS_A,
        "  egress:\n  - {name: no-internal, action: Deny, to: [{networks: [10.0.0.0/8]}]}\n",
    ));
    let dns = with(&f, "tier-deny-blocks-dns");
    assert_eq!(dns.len(), 1, "{f:#?}");
    assert_eq!(dns[0].namespace.as_deref(), Some("a"));
    assert_eq!(dns[0].policy.as_deref(), Some("lockdown"));
    assert!(
        dns[0]
            .message
            .contains("cnp/lockdown priority 20, egress rule 1 \"no-internal\" (Deny)"),
        "{}",
        dns[0].message
    );
    let fix = dns[0].fix.as_deref().unwrap_or_default();
    assert!(
        fix.contains("tier: Admin")
            && fix.contains("priority: 19")
            && fix.contains("action: Accept"),
        "{fix}"
    );
    // Not also reported as a NetworkPolicy problem: no NetworkPolicy isolates a.
    assert!(with(&f, "egress-deny-blocks-dns").is_empty());
    // The same CIDR covers pod IPs.
    let nets = with(&f, "cnp-networks-match-pods");
    assert_eq!(nets.len(), 1, "{f:#?}");
    assert!(
        nets[0].message.contains("10.0.0.0/8") && nets[0].pods.len() == 4,
        "{:?}",
        nets[0]
    );
}

#[test]
fn dns_accepted_before_the_deny_is_not_reported() {
    let f = findings(&cnp(
        "lockdown",
        "Admin",
        20,
        NS_A,
        "  egress:\n  - {action: Accept, to: [{namespaces: {}}], protocols: [{udp: {destinationPort: {number: 53}}}, {tcp: {destinationPort: {number: 53}}}]}\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}\n",
    ));
    assert!(with(&f, "tier-deny-blocks-dns").is_empty(), "{f:#?}");
}

#[test]
fn ties_are_reported_only_where_the_outcome_differs() {
    let rule = |a: &str| format!("  ingress:\n  - {{action: {a}, from: {FROM_B}}}\n");
    let f = findings(&format!(
        "{}\n---\n{}",
        cnp("x", "Admin", 7, NS_A, &rule("Accept")),
        cnp("y", "Admin", 7, ALL_NS, &rule("Deny"))
    ));
    let ties = with(&f, "cnp-priority-tie");
    assert_eq!(ties.len(), 1, "{f:#?}");
    assert!(
        ties[0]
            .message
            .contains("cnp/x (Accept) and cnp/y (Deny) share Admin priority 7"),
        "{}",
        ties[0].message
    );
    let f = findings(&format!(
        "{}\n---\n{}",
        cnp("x", "Admin", 7, NS_A, &rule("Deny")),
        cnp("y", "Admin", 7, ALL_NS, &rule("Deny"))
    ));
    assert!(with(&f, "cnp-priority-tie").is_empty(), "{f:#?}");
    let f = findings(&format!(
        "{}\n---\n{}",
        cnp("x", "Admin", 7, NS_A, &rule("Accept")),
        cnp("y", "Admin", 8, ALL_NS, &rule("Deny"))
    ));
    assert!(with(&f, "cnp-priority-tie").is_empty(), "{f:#?}");
}

#[test]
fn a_tier_default_deny_is_not_an_open_namespace_and_hides_the_metadata_endpoint() {
    let egress_allow_all = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: out, namespace: b}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n";
    let f = findings(egress_allow_all);
    assert_eq!(with(&f, "metadata-endpoint-reachable").len(), 1, "{f:#?}");
    assert!(
        with(&f, "missing-default-deny-egress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("a"))
    );
    assert!(
        with(&f, "missing-default-deny-ingress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("a"))
    );
    let f = findings(&format!(
        "{egress_allow_all}\n---\n{}\n---\n{}",
        cnp(
            "no-metadata",
            "Admin",
            1,
            ALL_NS,
            "  egress:\n  - {action: Deny, to: [{networks: [169.254.169.254/32]}]}\n"
        ),
        cnp(
            "default-deny",
            "Baseline",
            50,
            NS_A,
            "  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n  egress:\n  - {action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0]}]}\n"
        ),
    ));
    assert!(with(&f, "metadata-endpoint-reachable").is_empty(), "{f:#?}");
    assert!(
        !with(&f, "missing-default-deny-egress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("a")),
        "{f:#?}"
    );
    assert!(
        !with(&f, "missing-default-deny-ingress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("a")),
        "{f:#?}"
    );
    // Namespace b has no tier default deny: still reported for ingress.
    assert!(
        with(&f, "missing-default-deny-ingress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("b"))
    );
}

#[test]
fn a_rule_that_earlier_rules_or_policies_decide_entirely_is_shadowed() {
    // Rule 2 (port 80 only) comes after rule 1 (all ports) for the same peers.
    let f = findings(&cnp(
        "p",
        "Admin",
        5,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n  - {{name: web, action: Accept, from: {FROM_B}, protocols: [{{tcp: {{destinationPort: {{number: 80}}}}}}]}}\n"
        ),
    ));
    let s = with(&f, "cnp-shadowed-rule");
    assert_eq!(s.len(), 1, "{f:#?}");
    assert!(
        s[0].message
            .starts_with("cnp/p ingress rule 2 \"web\" (Accept) never applies"),
        "{}",
        s[0].message
    );
    // A higher-priority policy of the same tier decides it all.
    let f = findings(&format!(
        "{}\n---\n{}",
        cnp(
            "first",
            "Admin",
            1,
            ALL_NS,
            &format!("  ingress:\n  - {{action: Pass, from: {FROM_B}}}\n")
        ),
        cnp(
            "later",
            "Admin",
            9,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        ),
    ));
    assert_eq!(with(&f, "cnp-shadowed-rule").len(), 1, "{f:#?}");
    // Another tier does not shadow: Baseline rules apply when NetworkPolicy
    // does not isolate, whatever the Admin tier passes.
    let f = findings(&format!(
        "{}\n---\n{}",
        cnp(
            "first",
            "Admin",
            1,
            ALL_NS,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        ),
        cnp(
            "base",
            "Baseline",
            9,
            NS_A,
            &format!("  ingress:\n  - {{action: Deny, from: {FROM_B}}}\n")
        ),
    ));
    assert!(with(&f, "cnp-shadowed-rule").is_empty(), "{f:#?}");
    // A narrower rule first, then a broader one: both apply.
    let f = findings(&cnp(
        "p",
        "Admin",
        5,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Accept, from: {FROM_B}, protocols: [{{tcp: {{destinationPort: {{number: 80}}}}}}]}}\n  - {{action: Deny, from: {FROM_B}}}\n"
        ),
    ));
    assert!(with(&f, "cnp-shadowed-rule").is_empty(), "{f:#?}");
}

#[test]
fn only_a_deny_of_every_address_counts_as_an_egress_default_deny() {
    let f = findings(&cnp(
        "half",
        "Baseline",
        50,
        NS_A,
        "  egress:\n  - {action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/1]}]}\n",
    ));
    assert!(
        with(&f, "missing-default-deny-egress")
            .iter()
            .any(|x| x.namespace.as_deref() == Some("a")),
        "0.0.0.0/1 leaves half the addresses open: {f:#?}"
    );
}
