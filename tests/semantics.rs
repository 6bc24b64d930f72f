//! NetworkPolicy semantics, case by case, written from the Kubernetes API
//! reference (networking.k8s.io/v1 NetworkPolicySpec, NetworkPolicyPeer,
//! NetworkPolicyPort, IPBlock) and the concepts page on Network Policies.

mod common;

use common::{all_conns, conns, index, pod};
use netpol_tui::engine::model::{Direction, PodKey, Protocol};
use netpol_tui::engine::verdict::Endpoint;

fn two_ns_cluster(extra: &str) -> String {
    let mut y = String::new();
    for (ns, name, labels) in [
        ("a", "web", "{app: web}"),
        ("a", "api", "{app: api}"),
        ("b", "db", "{app: db}"),
    ] {
        y.push_str(&pod(ns, name, labels));
        y.push_str("---\n");
    }
    y.push_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: shop}}\n---\n");
    y.push_str("apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {team: pay}}\n");
    if !extra.is_empty() {
        y.push_str("---\n");
        y.push_str(extra);
    }
    y
}

fn has(c: &std::collections::BTreeMap<String, String>, k: &str) -> bool {
    c.contains_key(k)
}

#[test]
fn without_policies_everything_is_allowed_but_self_traffic_is_not_listed() {
    let c = conns(&index(&two_ns_cluster("")));
    assert_eq!(c.len(), 6, "3 pods, 6 ordered pairs: {c:?}");
    assert!(c.values().all(|v| v == "All Connections"));
    assert!(!has(&c, "a/web -> a/web"));
}

#[test]
fn a_policy_with_no_ingress_rules_denies_all_ingress_to_selected_pods_only() {
    let c = conns(&index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: api}}\n",
    )));
    assert!(!has(&c, "a/web -> a/api") && !has(&c, "b/db -> a/api"));
    // Not selected: still open. Egress of api is untouched (policyTypes defaults to Ingress).
    assert!(has(&c, "a/api -> a/web") && has(&c, "a/api -> b/db") && has(&c, "b/db -> a/web"));
}

#[test]
fn policy_types_default_to_ingress_plus_egress_only_when_egress_rules_exist() {
    let idx = index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  egress: []\n",
    ));
    let web = idx.pod_class(&PodKey::new("a", "web")).expect("web");
    assert!(idx.is_isolated(web, Direction::Ingress));
    // `egress: []` is no egress rule at all: the default stays [Ingress].
    assert!(!idx.is_isolated(web, Direction::Egress));

    let idx = index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  egress: [{to: [{podSelector: {}}]}]\n",
    ));
    assert!(idx.is_isolated(web, Direction::Egress) && idx.is_isolated(web, Direction::Ingress));

    let idx = index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
    ));
    assert!(idx.is_isolated(web, Direction::Egress) && !idx.is_isolated(web, Direction::Ingress));
}

#[test]
fn an_empty_rule_allows_everything_and_an_empty_list_allows_nothing() {
    let allow_all = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress: [{}]\n";
    let c = all_conns(&index(&two_ns_cluster(allow_all)));
    assert_eq!(
        c.get("b/db -> a/web").map(String::as_str),
        Some("All Connections")
    );
    assert_eq!(
        c.get("0.0.0.0-255.255.255.255[External] -> a/web")
            .map(String::as_str),
        Some("All Connections")
    );
    let deny_all = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress: []\n";
    let c = all_conns(&index(&two_ns_cluster(deny_all)));
    assert!(
        !c.keys()
            .any(|k| k.ends_with("-> a/web") || k.ends_with("-> a/api")),
        "{c:?}"
    );
}

#[test]
fn pod_selector_alone_means_the_policys_own_namespace() {
    let c = conns(&index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{podSelector: {}}]}]\n",
    )));
    assert!(!has(&c, "a/web -> b/db") && !has(&c, "a/api -> b/db"));
}

#[test]
fn namespace_selector_alone_means_every_pod_of_matching_namespaces() {
    let c = conns(&index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: shop}}}]}]\n",
    )));
    assert!(has(&c, "a/web -> b/db") && has(&c, "a/api -> b/db"));
}

#[test]
fn namespace_and_pod_selector_in_one_peer_are_anded_in_two_peers_ored() {
    let and = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: shop}}\n      podSelector: {matchLabels: {app: api}}\n";
    let c = conns(&index(&two_ns_cluster(and)));
    assert!(has(&c, "a/api -> b/db") && !has(&c, "a/web -> b/db"));
    let or = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: shop}}\n    - podSelector: {matchLabels: {app: api}}\n";
    let c = conns(&index(&two_ns_cluster(or)));
    // The trap: every pod of namespace a is admitted.
    assert!(has(&c, "a/api -> b/db") && has(&c, "a/web -> b/db"));
}

#[test]
fn the_namespace_name_label_is_set_on_every_namespace() {
    let c = conns(&index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]\n",
    )));
    assert!(has(&c, "a/web -> b/db"));
}

#[test]
fn not_in_and_does_not_exist_match_pods_without_the_key() {
    let y = format!(
        "{}---\n{}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n  podSelector: {{matchLabels: {{app: srv}}}}\n  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n        - {{key: env, operator: NotIn, values: [prod]}}\n",
        pod("a", "nolabel", "{x: y}"),
        pod("a", "prod", "{env: prod}"),
    ) + "---\n"
        + &pod("a", "srv", "{app: srv}")
        + "---\n"
        + &pod("a", "dev", "{env: dev}");
    let c = conns(&index(&y));
    assert!(
        has(&c, "a/nolabel -> a/srv") && has(&c, "a/dev -> a/srv") && !has(&c, "a/prod -> a/srv")
    );
    let y2 = y.replace(
        "{key: env, operator: NotIn, values: [prod]}",
        "{key: env, operator: DoesNotExist}",
    );
    let c = conns(&index(&y2));
    assert!(
        has(&c, "a/nolabel -> a/srv") && !has(&c, "a/dev -> a/srv") && !has(&c, "a/prod -> a/srv")
    );
}

#[test]
fn a_connection_needs_both_egress_of_the_client_and_ingress_of_the_server() {
    let egress_deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}}]\n    ports: [{port: 5432}]\n";
    let ingress = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: i, namespace: b}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 5432}, {port: 6000, endPort: 6010}]\n";
    let c = conns(&index(&two_ns_cluster(&format!(
        "{egress_deny}---\n{ingress}"
    ))));
    assert_eq!(c.get("a/web -> b/db").map(String::as_str), Some("TCP 5432"));
    assert_eq!(
        c.get("a/api -> b/db").map(String::as_str),
        Some("TCP 5432,6000-6010")
    );
    // api's ingress is open, so only web's egress limit applies.
    assert_eq!(
        c.get("a/web -> a/api").map(String::as_str),
        Some("TCP 5432")
    );
}

#[test]
fn several_policies_add_up() {
    let p1 = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p1, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]\n";
    let p2 = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p2, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}], ports: [{port: 53, protocol: UDP}, {protocol: SCTP, port: 9}]}]\n";
    let c = conns(&index(&two_ns_cluster(&format!("{p1}---\n{p2}"))));
    assert_eq!(
        c.get("a/web -> b/db").map(String::as_str),
        Some("SCTP 9,TCP 80,UDP 53")
    );
}

#[test]
fn named_ports_resolve_against_the_destination_by_name_and_protocol() {
    let y = "apiVersion: v1\nkind: Pod\nmetadata: {name: srv, namespace: a, labels: {app: srv}}\nspec:\n  containers:\n  - name: c\n    image: x\n    ports:\n    - {name: http, containerPort: 8080}\n    - {name: dns, containerPort: 53, protocol: UDP}\n---\n"
        .to_string()
        + &pod("a", "cli", "{app: cli}")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: srv}}\n  ingress:\n  - ports: [{port: http}, {port: dns, protocol: TCP}, {port: dns, protocol: UDP}]\n";
    let c = conns(&index(&y));
    // dns/TCP is not declared: it allows nothing.
    assert_eq!(
        c.get("a/cli -> a/srv").map(String::as_str),
        Some("TCP 8080,UDP 53")
    );
    // The client declares no `http`: egress-side named ports use the destination too.
    let eg = y.clone()
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: cli}}\n  egress: [{ports: [{port: http}]}]\n";
    let c = all_conns(&index(&eg));
    assert_eq!(
        c.get("a/cli -> a/srv").map(String::as_str),
        Some("TCP 8080")
    );
    // A named port cannot resolve for an IP destination.
    assert!(!c.keys().any(|k| k.starts_with("a/cli -> 0.")), "{c:?}");
}

#[test]
fn ip_blocks_with_except_split_external_ranges() {
    let y = pod("a", "web", "{app: web}")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]\n";
    let c = all_conns(&index(&y));
    assert_eq!(
        c.get("a/web -> 0.0.0.0-169.254.169.253[External]")
            .map(String::as_str),
        Some("All Connections")
    );
    assert_eq!(
        c.get("a/web -> 169.254.169.255-255.255.255.255[External]")
            .map(String::as_str),
        Some("All Connections")
    );
    assert!(!has(
        &c,
        "a/web -> 169.254.169.254-169.254.169.254[External]"
    ));
}

#[test]
fn ip_blocks_match_pod_ips_when_known() {
    let y = "apiVersion: v1\nkind: Pod\nmetadata: {name: c1, namespace: a, labels: {app: c}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c2, namespace: a, labels: {app: c}}\nspec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 10.0.1.5}\n---\n".to_string()
        + &pod("b", "srv", "{app: srv}")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: b}\nspec:\n  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]}]\n";
    let idx = index(&y);
    let c = conns(&idx);
    assert!(
        has(&c, "a/c1 -> b/srv") && !has(&c, "a/c2 -> b/srv"),
        "{c:?}"
    );
    // Same labels, different IP verdicts: two classes.
    assert_ne!(
        idx.pod_class(&PodKey::new("a", "c1")),
        idx.pod_class(&PodKey::new("a", "c2"))
    );
}

#[test]
fn host_network_pods_get_no_verdicts() {
    let y = two_ns_cluster("")
        + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: node-agent, namespace: b}\nspec: {hostNetwork: true, containers: [{name: c, image: x}]}\n";
    let idx = index(&y);
    let c = conns(&idx);
    assert!(!c.keys().any(|k| k.contains("node-agent")));
    let r = netpol_tui::engine::connectivity::report(
        &idx,
        netpol_tui::engine::connectivity::Granularity::Pod,
    );
    assert!(r.endpoints.contains(&"b/node-agent".to_string()));
    assert_eq!(r.host_network, vec!["b/node-agent".to_string()]);
    let hn = idx
        .pod_class(&PodKey::new("b", "node-agent"))
        .expect("class");
    let web = idx.pod_class(&PodKey::new("a", "web")).expect("class");
    assert!(
        idx.pair_verdict(Endpoint::Class(web), Endpoint::Class(hn))
            .is_err()
    );
}

#[test]
fn finished_pods_are_ignored() {
    let y = two_ns_cluster("")
        + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: job-1, namespace: a}\nspec: {containers: [{name: c, image: x}]}\nstatus: {phase: Succeeded}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: job-2, namespace: a}\nspec: {containers: [{name: c, image: x}]}\nstatus: {phase: Failed}\n";
    let idx = index(&y);
    assert_eq!(idx.pod_count(), 3);
}

#[test]
fn policies_only_isolate_pods_of_their_own_namespace() {
    let c = conns(&index(&two_ns_cluster(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n",
    )));
    assert!(has(&c, "a/web -> b/db"));
}

#[test]
fn explanations_name_the_deciding_rule_and_the_closest_miss() {
    let pol = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api-to-db, namespace: b}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}]\n    ports: [{port: 5432}]\n";
    let idx = index(&two_ns_cluster(pol));
    let db = Endpoint::Class(idx.pod_class(&PodKey::new("b", "db")).expect("db"));
    let api = Endpoint::Class(idx.pod_class(&PodKey::new("a", "api")).expect("api"));
    let web = Endpoint::Class(idx.pod_class(&PodKey::new("a", "web")).expect("web"));
    let q = Some((Protocol::Tcp, 5432));

    let v = idx.pair_verdict(api, db).expect("verdict");
    let e = netpol_tui::engine::explain::explain(&idx, &v, "a/api", "b/db", q);
    assert!(e.allowed);
    let t = e.to_text();
    assert!(
        t.contains("ingress rule 1 of b/api-to-db allows TCP 5432"),
        "{t}"
    );

    let v = idx.pair_verdict(web, db).expect("verdict");
    let e = netpol_tui::engine::explain::explain(&idx, &v, "a/web", "b/db", q);
    assert!(!e.allowed);
    let t = e.to_text();
    assert!(
        t.contains("ingress of b/db: isolated by 1 (b/api-to-db); denies"),
        "{t}"
    );
    assert!(t.contains("needs app=api, has app=web"), "{t}");

    // Right peer, wrong port.
    let v = idx.pair_verdict(api, db).expect("verdict");
    let e =
        netpol_tui::engine::explain::explain(&idx, &v, "a/api", "b/db", Some((Protocol::Tcp, 80)));
    assert!(!e.allowed);
    assert!(
        e.to_text()
            .contains("matches the peer but allows only TCP 5432"),
        "{}",
        e.to_text()
    );
}
