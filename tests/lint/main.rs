//! One test per finding id with a minimal manifest, plus negative tests:
//! a well-configured namespace gets no finding.

#[path = "../common/mod.rs"]
mod common;

use common::{index, pod};
use netpol_tui::engine::findings::*;

mod output_and_fixes;

const DNS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec:\n  containers:\n  - name: c\n    image: x\n    ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]\n";

fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec}"
    )
}

fn run(docs: &[String]) -> Vec<Finding> {
    lint(&index(&docs.join("---\n")), &LintOptions::default())
}

fn ids(f: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<&str> = f.iter().map(|f| f.id).collect();
    v.sort();
    v.dedup();
    v
}

fn find<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

/// A namespace done right: default deny both ways, DNS on UDP and TCP to
/// kube-dns, and one explicit flow.
fn good_namespace() -> Vec<String> {
    vec![
        DNS.to_string(),
        pod("shop", "web", "{app: web}"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: shop, labels: {app: api}}\nspec:\n  containers:\n  - name: c\n    image: x\n    ports: [{name: http, containerPort: 8080}]\n".to_string(),
        np("shop", "default-deny", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"),
        np(
            "shop",
            "allow-dns",
            "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]\n",
        ),
        np("shop", "web-to-api", "  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}]}]\n"),
        np("shop", "web-egress", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 8080}]}]\n"),
    ]
}

#[test]
fn a_well_configured_namespace_has_no_findings() {
    let f = run(&good_namespace());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn system_namespaces_are_not_nagged_for_default_deny() {
    let f = run(&[DNS.to_string()]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn missing_default_deny_ingress_and_egress() {
    let f = run(&[pod("app", "web", "{app: web}")]);
    assert_eq!(
        ids(&f),
        [MISSING_DEFAULT_DENY_EGRESS, MISSING_DEFAULT_DENY_INGRESS]
    );
    let i = find(&f, MISSING_DEFAULT_DENY_INGRESS)[0];
    assert_eq!(
        (i.namespace.as_deref(), i.pod.as_deref(), i.severity),
        (Some("app"), Some("web"), Severity::Medium)
    );
    // The fix is a policy isolating the namespace's pods for ingress only.
    let fix = i.fix.clone().expect("a fix");
    let loaded = netpol_tui::source::files::load_sources(&[("fix.yaml".to_string(), fix.clone())]);
    assert!(loaded.errors.is_empty(), "{:?}\n{fix}", loaded.errors);
    let p = &loaded.snapshot.policies[..];
    assert!(
        p.len() == 1 && p[0].ingress_type && !p[0].egress_type && p[0].pod_selector.is_empty(),
        "{fix}"
    );
}

#[test]
fn ingress_only_default_deny_leaves_egress_open() {
    let f = run(&[
        pod("app", "web", "{app: web}"),
        np("app", "deny", "  podSelector: {}\n"),
    ]);
    assert_eq!(ids(&f), [MISSING_DEFAULT_DENY_EGRESS]);
}

#[test]
fn egress_deny_blocks_dns() {
    let f = run(&[
        DNS.to_string(),
        pod("pay", "api", "{app: api}"),
        np(
            "pay",
            "default-deny-all",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        ),
    ]);
    let d = find(&f, EGRESS_DENY_BLOCKS_DNS);
    assert_eq!(d.len(), 1, "{f:#?}");
    assert_eq!(
        (
            d[0].namespace.as_deref(),
            d[0].policy.as_deref(),
            d[0].severity
        ),
        (Some("pay"), Some("default-deny-all"), Severity::High)
    );
    assert!(
        d[0].fix
            .as_deref()
            .is_some_and(|y| y.contains("- protocol: TCP\n      port: 53"))
    );
    // No DNS pods in the input: checked against an assumed kube-dns.
    let f = run(&[
        pod("pay", "api", "{app: api}"),
        np(
            "pay",
            "default-deny-all",
            "  podSelector: {}\n  policyTypes: [Egress]\n",
        ),
    ]);
    assert_eq!(find(&f, EGRESS_DENY_BLOCKS_DNS).len(), 1, "{f:#?}");
}

#[test]
fn dns_on_the_dns_pods_ingress_side_counts_too() {
    // Egress allows DNS, but kube-dns itself only admits namespace `other`.
    let dns_lock = np(
        "kube-system",
        "dns-ingress",
        "  podSelector: {matchLabels: {k8s-app: kube-dns}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}}]}]\n",
    );
    let mut docs = good_namespace();
    docs.push(dns_lock);
    let f = run(&docs);
    // Both shop pods lose DNS (one finding per set of isolating policies).
    let mut pods: Vec<String> = find(&f, EGRESS_DENY_BLOCKS_DNS)
        .iter()
        .flat_map(|x| x.pods.iter().map(|k| k.to_string()))
        .collect();
    pods.sort();
    assert_eq!(pods, ["shop/api", "shop/web"], "{f:#?}");
}

#[test]
fn dns_allow_missing_tcp() {
    let f = run(&[
        DNS.to_string(),
        pod("pay", "api", "{app: api}"),
        np(
            "pay",
            "deny",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
        ),
        np(
            "pay",
            "dns",
            "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{protocol: UDP, port: 53}]}]\n",
        ),
    ]);
    assert_eq!(ids(&f), [DNS_ALLOW_MISSING_TCP], "{f:#?}");
}

#[test]
fn metadata_endpoint_reachable_through_open_ipblock() {
    let mut docs = good_namespace();
    docs.push(np("shop", "internet", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}], ports: [{port: 443}]}]\n"));
    let f = run(&docs);
    let m = find(&f, METADATA_ENDPOINT_REACHABLE);
    assert_eq!(m.len(), 1, "{f:#?}");
    assert_eq!(
        (m[0].policy.as_deref(), m[0].pod.as_deref()),
        (Some("internet"), Some("web"))
    );
    // With the except, it is gone.
    let mut docs = good_namespace();
    docs.push(np("shop", "internet", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.0.0/16]}}], ports: [{port: 443}]}]\n"));
    assert!(find(&run(&docs), METADATA_ENDPOINT_REACHABLE).is_empty());
}

#[test]
fn metadata_ipv6_endpoint() {
    let mut docs = good_namespace();
    docs.push(np("shop", "v6", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: '::/0'}}]}]\n"));
    assert_eq!(find(&run(&docs), METADATA_ENDPOINT_REACHABLE).len(), 1);
}

#[test]
fn selector_and_or_trap_names_rule_and_items_and_shows_the_and_form() {
    let mut docs = good_namespace();
    docs.push(np(
        "shop",
        "from-monitoring",
        "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n    - podSelector: {matchLabels: {app: web}}\n",
    ));
    let f = run(&docs);
    let t = find(&f, SELECTOR_AND_OR_TRAP);
    assert_eq!(t.len(), 1, "{f:#?}");
    assert!(
        t[0].message.contains("ingress rule 1")
            && t[0].message.contains("items 1")
            && t[0].message.contains("and 2"),
        "{}",
        t[0].message
    );
    let fix = t[0].fix.as_deref().unwrap_or_default();
    assert!(fix.contains("- namespaceSelector:\n    matchLabels:\n      kubernetes.io/metadata.name: kube-system\n  podSelector:\n    matchLabels:\n      app: web\n"), "{fix}");
    // The AND form is fine.
    let mut docs = good_namespace();
    docs.push(np("shop", "and", "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}\n      podSelector: {matchLabels: {k8s-app: kube-dns}}\n"));
    assert!(find(&run(&docs), SELECTOR_AND_OR_TRAP).is_empty());
}

#[test]
fn policy_selects_no_pods_on_a_label_typo() {
    let mut docs = good_namespace();
    docs.push(np(
        "shop",
        "typo",
        "  podSelector: {matchLabels: {app: wbe}}\n  ingress: [{}]\n",
    ));
    let f = run(&docs);
    let p = find(&f, POLICY_SELECTS_NO_PODS);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].policy.as_deref(), Some("typo"));
    assert!(p[0].message.contains("app=wbe"), "{}", p[0].message);
}

#[test]
fn peer_matches_nothing_and_namespace_label_unknown() {
    let mut docs = good_namespace();
    docs.push(np("shop", "peer-typo", "  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: monitoirng}}}]}]\n"));
    let f = run(&docs);
    assert_eq!(
        ids(&f),
        [NAMESPACE_LABEL_UNKNOWN, PEER_MATCHES_NOTHING],
        "{f:#?}"
    );
    assert!(
        find(&f, NAMESPACE_LABEL_UNKNOWN)[0]
            .message
            .contains("team=monitoirng")
    );
}

#[test]
fn named_port_unresolved() {
    let mut docs = good_namespace();
    docs.push(np(
        "shop",
        "bad-port",
        "  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: grpc}]}]\n",
    ));
    let f = run(&docs);
    assert_eq!(ids(&f), [NAMED_PORT_UNRESOLVED], "{f:#?}");
    // Declared with another protocol still does not resolve.
    let mut docs = good_namespace();
    docs.push(np("shop", "bad-proto", "  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: http, protocol: UDP}]}]\n"));
    assert_eq!(ids(&run(&docs)), [NAMED_PORT_UNRESOLVED]);
}

#[test]
fn host_network_pod() {
    let mut docs = good_namespace();
    docs.push("apiVersion: v1\nkind: Pod\nmetadata: {name: agent, namespace: shop}\nspec: {hostNetwork: true, containers: [{name: c, image: x}]}\n".into());
    docs.push("apiVersion: v1\nkind: Pod\nmetadata: {name: calico-node, namespace: kube-system}\nspec: {hostNetwork: true, containers: [{name: c, image: x}]}\n".into());
    let f = run(&docs);
    let h = find(&f, HOST_NETWORK_POD);
    assert_eq!(h.len(), 2);
    assert_eq!(
        h.iter()
            .find(|x| x.pod.as_deref() == Some("agent"))
            .map(|x| x.severity),
        Some(Severity::Low)
    );
    assert_eq!(
        h.iter()
            .find(|x| x.pod.as_deref() == Some("calico-node"))
            .map(|x| x.severity),
        Some(Severity::Info)
    );
}

#[test]
fn no_enforcing_cni_only_when_live_detection_says_so() {
    let idx = index(&good_namespace().join("---\n"));
    let mut o = LintOptions::default();
    assert!(lint(&idx, &o).iter().all(|f| f.id != NO_ENFORCING_CNI));
    o.cni = Some(CniInfo {
        enforcing: None,
        others: vec!["flannel".into()],
        known_not_enforcing: true,
    });
    let f = lint(&idx, &o);
    assert_eq!(ids(&f), [NO_ENFORCING_CNI]);
    assert!(f[0].message.contains("flannel"));
    assert_eq!(f[0].severity, Severity::High);
    // Nothing recognised: reported, but enforcement is only unknown.
    o.cni = Some(CniInfo {
        enforcing: None,
        others: vec![],
        known_not_enforcing: false,
    });
    assert_eq!(lint(&idx, &o)[0].severity, Severity::Medium);
    o.cni = Some(CniInfo {
        enforcing: Some("Calico".into()),
        others: vec![],
        known_not_enforcing: false,
    });
    assert!(lint(&idx, &o).is_empty());
}
