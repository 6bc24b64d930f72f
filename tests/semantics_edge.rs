//! Edge cases of NetworkPolicy (networking.k8s.io/v1) semantics, each
//! expectation derived from the API reference and kube-apiserver's
//! defaulting/validation, not from the engine's output.
//!
//! Every pod-to-pod expectation is checked on both evaluation paths: the
//! `connectivity` report rows and `Index::pair_verdict` must agree.

mod common;

use std::collections::BTreeMap;

use common::{all_conns, conns, policy_errors, snapshot};
use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::index::{ClassId, Index};
use netpol_tui::engine::model::{Direction, PodKey};
use netpol_tui::engine::verdict::{Endpoint, NoVerdict};

// ---- helpers ----------------------------------------------------------

/// A NetworkPolicy with a flow-style `spec`.
fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n"
    )
}

/// A pod with a flow-style `spec` and `status`.
fn pod_x(ns: &str, name: &str, labels: &str, spec: &str, status: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {labels}}}\nspec: {spec}\nstatus: {status}\n"
    )
}

fn p(ns: &str, name: &str, labels: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        "{containers: [{name: c, image: x}]}",
        "{}",
    )
}

/// A pod with a known IP.
fn p_ip(ns: &str, name: &str, labels: &str, ip: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        "{containers: [{name: c, image: x}]}",
        &format!("{{phase: Running, podIP: {ip}, podIPs: [{{ip: {ip}}}]}}"),
    )
}

/// A pod declaring container ports (flow list of ContainerPort).
fn p_ports(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        &format!("{{containers: [{{name: c, image: x, ports: {ports}}}]}}"),
        "{}",
    )
}

fn ns(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n")
}

fn docs(parts: &[String]) -> String {
    parts.join("---\n")
}

/// Namespaces a (team=shop) and b (team=pay); pods a/web, a/api, b/db.
fn base(extra: &[String]) -> String {
    let mut v = vec![
        ns("a", "{team: shop}"),
        ns("b", "{team: pay}"),
        p("a", "web", "{app: web}"),
        p("a", "api", "{app: api}"),
        p("b", "db", "{app: db}"),
    ];
    v.extend(extra.iter().cloned());
    docs(&v)
}

fn key(s: &str) -> PodKey {
    let (n, m) = s.split_once('/').expect("ns/name");
    PodKey::new(n, m)
}

fn class(idx: &Index, pod: &str) -> ClassId {
    idx.pod_class(&key(pod))
        .unwrap_or_else(|| panic!("no pod {pod}"))
}

/// What `from` may send to `to` ("-" for nothing), asserting that the
/// report and `pair_verdict` agree.
fn allowed(idx: &Index, from: &str, to: &str) -> String {
    allowed_in(idx, &conns(idx), from, to)
}

fn allowed_in(idx: &Index, c: &BTreeMap<String, String>, from: &str, to: &str) -> String {
    let row = c
        .get(&format!("{from} -> {to}"))
        .cloned()
        .unwrap_or_else(|| "-".to_string());
    let v = idx
        .pair_verdict(
            Endpoint::Class(class(idx, from)),
            Endpoint::Class(class(idx, to)),
        )
        .expect("a verdict");
    let pv = if v.allowed.is_empty() {
        "-".to_string()
    } else {
        v.allowed.to_string()
    };
    assert_eq!(
        row, pv,
        "report and pair_verdict disagree on {from} -> {to}"
    );
    row
}

fn isolated(idx: &Index, pod: &str, dir: Direction) -> bool {
    idx.is_isolated(class(idx, pod), dir)
}

const ALL: &str = "All Connections";
const NONE: &str = "-";

// ---- policyTypes ------------------------------------------------------

#[test]
fn policy_types_egress_only_ignores_ingress_rules() {
    // policyTypes: [Egress] — the ingress section is not enforced, so the
    // pods are not isolated for ingress even though ingress rules exist.
    let pol = np(
        "a",
        "p",
        "{podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {app: nobody}}}]}], egress: [{to: [{podSelector: {matchLabels: {app: api}}}]}]}",
    );
    let idx = common::index(&base(&[pol]));
    assert!(!isolated(&idx, "a/web", Direction::Ingress));
    assert!(isolated(&idx, "a/web", Direction::Egress));
    assert_eq!(allowed(&idx, "b/db", "a/web"), ALL);
    assert_eq!(allowed(&idx, "a/web", "a/api"), ALL);
    assert_eq!(allowed(&idx, "a/web", "b/db"), NONE);
    // External sources reach the (ingress-open) pods too.
    let c = all_conns(&idx);
    assert_eq!(
        c.get("0.0.0.0-255.255.255.255[External] -> a/web")
            .map(String::as_str),
        Some(ALL)
    );
}

#[test]
fn policy_types_ingress_only_ignores_egress_rules() {
    let pol = np(
        "a",
        "p",
        "{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], egress: [{to: [{podSelector: {matchLabels: {app: nobody}}}]}]}",
    );
    let idx = common::index(&base(&[pol]));
    assert!(!isolated(&idx, "a/web", Direction::Egress));
    assert_eq!(allowed(&idx, "a/web", "b/db"), ALL);
    assert_eq!(allowed(&idx, "b/db", "a/web"), NONE);
}

#[test]
fn empty_policy_types_list_is_defaulted_like_an_absent_one() {
    // SetDefaults_NetworkPolicy: len(policyTypes) == 0 => [Ingress] plus
    // Egress iff len(egress) != 0.
    for types in ["", "policyTypes: [], "] {
        let with_egress = np(
            "a",
            "p",
            &format!(
                "{{podSelector: {{matchLabels: {{app: web}}}}, {types}egress: [{{to: [{{podSelector: {{matchLabels: {{app: api}}}}}}]}}]}}"
            ),
        );
        let idx = common::index(&base(&[with_egress]));
        assert!(isolated(&idx, "a/web", Direction::Ingress), "{types}");
        assert!(isolated(&idx, "a/web", Direction::Egress), "{types}");
        assert_eq!(allowed(&idx, "a/web", "a/api"), ALL, "{types}");
        assert_eq!(allowed(&idx, "a/web", "b/db"), NONE, "{types}");
        assert_eq!(allowed(&idx, "b/db", "a/web"), NONE, "{types}");

        // No egress rules (`egress: []`): Ingress only, egress stays open.
        let empty_egress = np(
            "a",
            "p",
            &format!("{{podSelector: {{matchLabels: {{app: web}}}}, {types}egress: []}}"),
        );
        let idx = common::index(&base(&[empty_egress]));
        assert!(isolated(&idx, "a/web", Direction::Ingress), "{types}");
        assert!(!isolated(&idx, "a/web", Direction::Egress), "{types}");
        assert_eq!(allowed(&idx, "a/web", "b/db"), ALL, "{types}");
        assert_eq!(allowed(&idx, "a/api", "a/web"), NONE, "{types}");
    }
}

#[test]
fn invalid_policy_types_are_refused() {
    let e = policy_errors(&np("a", "p", "{podSelector: {}, policyTypes: [ingress]}"));
    assert!(e.iter().any(|e| e.path == "spec.policyTypes[0]"), "{e:?}");
    let e = policy_errors(&np(
        "a",
        "p",
        "{podSelector: {}, policyTypes: [Ingress, Egress, Ingress]}",
    ));
    assert!(e.iter().any(|e| e.path == "spec.policyTypes"), "{e:?}");
    // Both types listed, no rules: deny everything both ways.
    let idx = common::index(&base(&[np(
        "a",
        "p",
        "{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "a/api"), NONE);
    assert_eq!(allowed(&idx, "a/api", "a/web"), NONE);
    assert!(
        !all_conns(&idx).keys().any(|k| k.contains("a/web")),
        "{:?}",
        all_conns(&idx)
    );
}

// ---- empty rules, empty lists, empty peers ------------------------------

#[test]
fn empty_from_and_empty_ports_lists_mean_everything() {
    // NetworkPolicyIngressRule: "If this field is empty or missing, this rule
    // matches all sources" / "matches all ports".
    for rule in ["{}", "{from: []}", "{ports: []}", "{from: [], ports: []}"] {
        let idx = common::index(&base(&[np(
            "a",
            "p",
            &format!("{{podSelector: {{}}, ingress: [{rule}]}}"),
        )]));
        assert_eq!(allowed(&idx, "b/db", "a/web"), ALL, "{rule}");
        assert_eq!(allowed(&idx, "a/api", "a/web"), ALL, "{rule}");
        let c = all_conns(&idx);
        assert_eq!(
            c.get("0.0.0.0-255.255.255.255[External] -> a/web")
                .map(String::as_str),
            Some(ALL),
            "{rule}"
        );
    }
    // Same for egress `to: []`.
    let idx = common::index(&base(&[np(
        "a",
        "p",
        "{podSelector: {}, egress: [{to: [], ports: [{port: 53, protocol: UDP}]}]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "b/db"), "UDP 53");
    let c = all_conns(&idx);
    assert_eq!(
        c.get("a/web -> 0.0.0.0-255.255.255.255[External]")
            .map(String::as_str),
        Some("UDP 53")
    );
    // An empty `from` with ports: every source, those ports only.
    let idx = common::index(&base(&[np(
        "b",
        "p",
        "{podSelector: {}, ingress: [{from: [], ports: [{port: 80}]}]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "b/db"), "TCP 80");
}

#[test]
fn an_empty_peer_object_is_refused_by_validation() {
    // ValidateNetworkPolicyPeer: numPeers == 0 => "must specify a peer".
    let e = policy_errors(&np("a", "p", "{podSelector: {}, ingress: [{from: [{}]}]}"));
    assert!(
        e.iter().any(|e| e.path == "spec.ingress[0].from[0]"),
        "{e:?}"
    );
    let e = policy_errors(&np("a", "p", "{podSelector: {}, egress: [{to: [{}]}]}"));
    assert!(e.iter().any(|e| e.path == "spec.egress[0].to[0]"), "{e:?}");
    // ipBlock together with a selector: more than one peer type.
    let e = policy_errors(&np(
        "a",
        "p",
        "{podSelector: {}, ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]}",
    ));
    assert!(
        e.iter().any(|e| e.path == "spec.ingress[0].from[0]"),
        "{e:?}"
    );
}

// ---- namespaces -------------------------------------------------------

#[test]
fn empty_namespace_selector_with_pod_selector_spans_all_namespaces_but_no_ips() {
    let idx = common::index(&base(&[
        p("b", "api2", "{app: api}"),
        p("c", "api3", "{app: api}"),
        np(
            "b",
            "p",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}}}]}]}",
        ),
    ]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/api", "b/db"), ALL);
    assert_eq!(allowed_in(&idx, &c, "b/api2", "b/db"), ALL);
    assert_eq!(allowed_in(&idx, &c, "c/api3", "b/db"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/web", "b/db"), NONE);
    // Selectors never match addresses outside the cluster.
    let all = all_conns(&idx);
    assert!(
        !all.keys()
            .any(|k| k.ends_with("-> b/db") && k.contains("[External]")),
        "{all:?}"
    );

    // namespaceSelector {} alone: every pod of every namespace, still no IPs.
    let idx = common::index(&base(&[
        p("c", "x", "{}"),
        np(
            "b",
            "p",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}",
        ),
    ]));
    assert_eq!(allowed(&idx, "c/x", "b/db"), ALL);
    assert_eq!(allowed(&idx, "a/web", "b/db"), ALL);
    let all = all_conns(&idx);
    assert!(
        !all.keys()
            .any(|k| k.ends_with("-> b/db") && k.contains("[External]")),
        "{all:?}"
    );
}

#[test]
fn namespace_selectors_on_the_name_label_and_on_absent_namespaces() {
    // Pods in a, b, c; only a and b are given as Namespace objects. The API
    // server sets kubernetes.io/metadata.name on every namespace.
    let y = base(&[
        p("c", "x", "{app: x}"),
        np(
            "b",
            "by-name",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [a, c]}]}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    assert_eq!(allowed(&idx, "a/web", "b/db"), ALL);
    assert_eq!(allowed(&idx, "c/x", "b/db"), ALL);

    // NotIn on a namespace label: namespaces without the label match.
    let y = base(&[
        p("c", "x", "{app: x}"),
        np(
            "b",
            "notin",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: NotIn, values: [shop]}]}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    assert_eq!(allowed(&idx, "a/web", "b/db"), NONE);
    assert_eq!(allowed(&idx, "c/x", "b/db"), ALL);

    // Same state without any Namespace object (e.g. RBAC hid them): the
    // name label still holds, other labels are unknown (absent).
    let mut s = snapshot(&base(&[
        p("c", "x", "{app: x}"),
        np(
            "b",
            "p",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}, {namespaceSelector: {matchLabels: {team: shop}}, podSelector: {}}]}]}",
        ),
    ]));
    s.namespaces.clear();
    let idx = Index::from_snapshot(s);
    assert_eq!(allowed(&idx, "a/web", "b/db"), ALL);
    assert_eq!(allowed(&idx, "c/x", "b/db"), NONE);

    // A selector naming a namespace that does not exist selects nothing.
    let idx = common::index(&base(&[np(
        "b",
        "ghost",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ghost}}}]}]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "b/db"), NONE);
}

#[test]
fn a_policy_only_isolates_pods_of_its_own_namespace() {
    // Policy in b selecting everything for both directions, with peers in
    // namespace a: it never isolates a's pods.
    let idx = common::index(&base(&[np(
        "b",
        "p",
        "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{namespaceSelector: {matchLabels: {team: shop}}}]}], egress: [{to: [{namespaceSelector: {matchLabels: {team: shop}}}]}]}",
    )]));
    for pod in ["a/web", "a/api"] {
        assert!(!isolated(&idx, pod, Direction::Egress), "{pod}");
        assert!(!isolated(&idx, pod, Direction::Ingress), "{pod}");
    }
    assert_eq!(allowed(&idx, "a/web", "a/api"), ALL);
    assert_eq!(allowed(&idx, "a/web", "b/db"), ALL);
    assert_eq!(allowed(&idx, "b/db", "a/web"), ALL);
    let c = all_conns(&idx);
    assert_eq!(
        c.get("a/web -> 0.0.0.0-255.255.255.255[External]")
            .map(String::as_str),
        Some(ALL)
    );
    assert!(!c.contains_key("b/db -> 0.0.0.0-255.255.255.255[External]"));
}

// ---- label selectors --------------------------------------------------

#[test]
fn policy_pod_selector_with_not_in_isolates_pods_without_the_key() {
    let y = base(&[
        p("a", "prod", "{app: web, env: prod}"),
        p("a", "dev", "{app: web, env: dev}"),
        p("a", "bare", "{app: web}"),
        np(
            "a",
            "deny",
            "{podSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}}",
        ),
    ]);
    let idx = common::index(&y);
    assert!(!isolated(&idx, "a/prod", Direction::Ingress));
    assert!(isolated(&idx, "a/dev", Direction::Ingress));
    assert!(isolated(&idx, "a/bare", Direction::Ingress));
    assert_eq!(allowed(&idx, "b/db", "a/prod"), ALL);
    assert_eq!(allowed(&idx, "b/db", "a/bare"), NONE);

    let y = y.replace(
        "{key: env, operator: NotIn, values: [prod]}",
        "{key: env, operator: DoesNotExist}",
    );
    let idx = common::index(&y);
    assert!(!isolated(&idx, "a/prod", Direction::Ingress));
    assert!(!isolated(&idx, "a/dev", Direction::Ingress));
    assert!(isolated(&idx, "a/bare", Direction::Ingress));
}

#[test]
fn match_labels_and_match_expressions_are_anded() {
    let y = base(&[
        p("a", "api-prod", "{app: api, env: prod}"),
        p("a", "api-dev", "{app: api, env: dev}"),
        p("a", "web-prod", "{app: web, env: prod}"),
        np(
            "b",
            "p",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: api}, matchExpressions: [{key: env, operator: In, values: [prod, stage]}]}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/api-prod", "b/db"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/api-dev", "b/db"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/web-prod", "b/db"), NONE);
    // app=api without an env label: In needs the key.
    assert_eq!(allowed_in(&idx, &c, "a/api", "b/db"), NONE);
}

#[test]
fn invalid_selectors_are_refused() {
    // In/NotIn need values; Exists/DoesNotExist forbid them; unknown operators.
    for (expr, field) in [
        ("{key: env, operator: In, values: []}", "values"),
        ("{key: env, operator: NotIn}", "values"),
        ("{key: env, operator: Exists, values: [x]}", "values"),
        ("{key: env, operator: DoesNotExist, values: [x]}", "values"),
        ("{key: env, operator: Equals, values: [x]}", "operator"),
    ] {
        let e = policy_errors(&np(
            "a",
            "p",
            &format!(
                "{{podSelector: {{}}, ingress: [{{from: [{{podSelector: {{matchExpressions: [{expr}]}}}}]}}]}}"
            ),
        ));
        assert!(
            e.iter().any(|e| e.path
                == format!("spec.ingress[0].from[0].podSelector.matchExpressions[0].{field}")),
            "{expr}: {e:?}"
        );
    }
}

// ---- ports ------------------------------------------------------------

#[test]
fn port_protocols_and_end_port_ranges() {
    let idx = common::index(&base(&[np(
        "b",
        "p",
        "{podSelector: {}, ingress: [{ports: [{protocol: SCTP, port: 9}, {port: 80, endPort: 80}, {protocol: UDP, port: 1000, endPort: 1002}]}]}",
    )]));
    assert_eq!(
        allowed(&idx, "a/web", "b/db"),
        "SCTP 9,TCP 80,UDP 1000-1002"
    );
    // Protocol without port: every port of that protocol only.
    let idx = common::index(&base(&[np(
        "b",
        "p",
        "{podSelector: {}, ingress: [{ports: [{protocol: SCTP}]}]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "b/db"), "SCTP 1-65535");
    // endPort up to the top of the range.
    let idx = common::index(&base(&[np(
        "b",
        "p",
        "{podSelector: {}, ingress: [{ports: [{port: 65000, endPort: 65535}]}]}",
    )]));
    assert_eq!(allowed(&idx, "a/web", "b/db"), "TCP 65000-65535");
}

#[test]
fn invalid_ports_are_refused() {
    for (port, field) in [
        ("{port: 80, endPort: 79}", "endPort"),
        ("{port: http, endPort: 90}", "endPort"),
        ("{endPort: 90}", "endPort"),
        ("{port: 0}", "port"),
        ("{port: 65536}", "port"),
        ("{port: 80, protocol: tcp}", "protocol"),
        ("{port: 80, protocol: ICMP}", "protocol"),
        ("{port: \"80\"}", "port"),
        ("{port: Http}", "port"),
    ] {
        let e = policy_errors(&np(
            "a",
            "p",
            &format!("{{podSelector: {{}}, ingress: [{{ports: [{port}]}}]}}"),
        ));
        assert!(
            e.iter()
                .any(|e| e.path == format!("spec.ingress[0].ports[0].{field}")),
            "{port}: {e:?}"
        );
    }
}

#[test]
fn named_port_with_another_protocol_does_not_match() {
    let y = docs(&[
        p_ports(
            "a",
            "srv",
            "{app: srv}",
            "[{name: dns, containerPort: 53, protocol: UDP}, {name: metrics, containerPort: 9100}]",
        ),
        p("a", "cli", "{app: cli}"),
        np(
            "a",
            "p",
            "{podSelector: {matchLabels: {app: srv}}, ingress: [{ports: [{port: dns}, {port: metrics, protocol: UDP}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    // dns is UDP, the rule asks TCP (default); metrics is TCP, the rule asks UDP.
    assert_eq!(allowed(&idx, "a/cli", "a/srv"), NONE);
    let c = all_conns(&idx);
    assert!(!c.keys().any(|k| k.ends_with("-> a/srv")), "{c:?}");
}

#[test]
fn named_ports_on_egress_resolve_against_each_destination_pod() {
    let y = docs(&[
        // The client declares `http` too, on another number: it must not be used.
        p_ports(
            "a",
            "cli",
            "{app: cli}",
            "[{name: http, containerPort: 9999}]",
        ),
        p_ports(
            "b",
            "s1",
            "{app: srv}",
            "[{name: http, containerPort: 8080}]",
        ),
        p_ports(
            "b",
            "s2",
            "{app: srv}",
            "[{name: http, containerPort: 9090}]",
        ),
        p_ports("b", "s3", "{app: srv}", "[{name: web, containerPort: 80}]"),
        np(
            "a",
            "e",
            "{podSelector: {matchLabels: {app: cli}}, egress: [{to: [{namespaceSelector: {}}], ports: [{port: http}, {port: 53, protocol: UDP}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), "TCP 8080,UDP 53");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), "TCP 9090,UDP 53");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s3"), "UDP 53");
    // policyTypes absent with egress rules => [Ingress, Egress]: the client
    // is also ingress-isolated, with no ingress rule.
    assert_eq!(allowed_in(&idx, &c, "b/s1", "a/cli"), NONE);
}

#[test]
fn named_ports_on_ingress_resolve_per_pod_and_mix_with_numbers() {
    let y = docs(&[
        p("a", "cli", "{app: cli}"),
        p_ports(
            "b",
            "s1",
            "{app: srv}",
            "[{name: http, containerPort: 8080}]",
        ),
        p_ports(
            "b",
            "s2",
            "{app: srv}",
            "[{name: http, containerPort: 9090}]",
        ),
        p("b", "s3", "{app: srv}"),
        np(
            "b",
            "i",
            "{podSelector: {matchLabels: {app: srv}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 80}, {port: http}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), "TCP 80,8080");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), "TCP 80,9090");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s3"), "TCP 80");
    // Between the servers themselves: same resolution against the destination.
    assert_eq!(allowed_in(&idx, &c, "b/s2", "b/s1"), "TCP 80,8080");
    assert_eq!(allowed_in(&idx, &c, "b/s1", "b/s2"), "TCP 80,9090");
}

// ---- ipBlock ----------------------------------------------------------

fn ip_cluster(extra: &[String]) -> String {
    let mut v = vec![
        p_ip("a", "cli", "{app: cli}", "10.1.0.9"),
        p_ip("b", "s1", "{app: srv}", "10.0.0.5"),
        p_ip("b", "s4", "{app: srv}", "10.0.0.6"),
        p_ip("b", "s2", "{app: srv}", "10.0.1.5"),
        p("b", "s3", "{app: srv}"),
    ];
    v.extend(extra.iter().cloned());
    docs(&v)
}

#[test]
fn egress_ip_block_reaches_pods_whose_ip_it_contains() {
    let idx = common::index(&ip_cluster(&[np(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: cli}}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24}}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s4"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), NONE);
    // No known IP: an ipBlock cannot match it.
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s3"), NONE);

    // `except` carves one pod out.
    let idx = common::index(&ip_cluster(&[np(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: cli}}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.5/32]}}], ports: [{port: 443}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s4"), "TCP 443");
    let all = all_conns(&idx);
    assert_eq!(
        all.get("a/cli -> 10.0.0.6-10.0.0.255[External]")
            .map(String::as_str),
        Some("TCP 443")
    );
    assert!(!all.contains_key("a/cli -> 10.0.0.5-10.0.0.5[External]"));
}

#[test]
fn ingress_ip_block_admits_pods_by_ip_including_within_one_label_class() {
    // s1 and s4 share labels; only s1's IP is admitted.
    let idx = common::index(&ip_cluster(&[np(
        "b",
        "i",
        "{podSelector: {matchLabels: {app: srv}}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.5/32}}, {ipBlock: {cidr: 10.1.0.0/16}}]}]}",
    )]));
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "b/s1", "b/s4"), ALL);
    assert_eq!(allowed_in(&idx, &c, "b/s4", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), ALL);
    assert_eq!(allowed_in(&idx, &c, "b/s3", "b/s1"), NONE);
    assert_eq!(allowed_in(&idx, &c, "b/s2", "b/s1"), NONE);
}

#[test]
fn ipv6_pod_ips_and_slash_128_blocks() {
    let y = docs(&[
        p_ip("a", "v6a", "{app: c}", "fd00::7"),
        p_ip("a", "v6b", "{app: c}", "fd00::8"),
        p_ip("a", "v4", "{app: c}", "10.0.0.7"),
        p("b", "srv", "{app: srv}"),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: fd00::7/128}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/v6a", "b/srv"), ALL);
    assert_eq!(allowed_in(&idx, &c, "a/v6b", "b/srv"), NONE);
    assert_eq!(allowed_in(&idx, &c, "a/v4", "b/srv"), NONE);
    // A policy mentions IPv6: v6 external ranges are listed, cut at the /128.
    let all = all_conns(&idx);
    assert_eq!(
        all.get("fd00::7-fd00::7[External] -> b/srv")
            .map(String::as_str),
        Some(ALL),
        "{all:?}"
    );
    assert!(
        !all.contains_key("fd00::8-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff[External] -> b/srv")
    );
    // The v4 space is not admitted at all.
    assert!(
        !all.keys()
            .any(|k| k.starts_with("0.0.0.0-") && k.ends_with("-> b/srv"))
    );
    // Without any IPv6 in policies, no v6 ranges are listed.
    let y4 = y.replace("fd00::7/128", "10.0.0.7/32");
    let all = all_conns(&common::index(&y4));
    assert!(!all.keys().any(|k| k.contains("::")), "{all:?}");
}

#[test]
fn overlapping_ip_blocks_across_policies_add_up() {
    let y = docs(&[
        p_ip("a", "c0", "{app: c}", "10.0.0.9"),
        p_ip("a", "c1", "{app: c}", "10.0.1.9"),
        p_ip("a", "c2", "{app: c}", "10.0.2.9"),
        p("b", "srv", "{app: srv}"),
        np(
            "b",
            "p1",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}], ports: [{port: 80}]}]}",
        ),
        np(
            "b",
            "p2",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.1.0/24}}, {ipBlock: {cidr: 10.0.0.0/24}}], ports: [{port: 443}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/c0", "b/srv"), "TCP 80,443");
    assert_eq!(allowed_in(&idx, &c, "a/c1", "b/srv"), "TCP 443");
    assert_eq!(allowed_in(&idx, &c, "a/c2", "b/srv"), "TCP 80");
    let all = all_conns(&idx);
    let ext = |r: &str| {
        all.get(&format!("{r}[External] -> b/srv"))
            .cloned()
            .unwrap_or_else(|| "-".into())
    };
    assert_eq!(ext("10.0.0.0-10.0.0.255"), "TCP 80,443");
    assert_eq!(ext("10.0.1.0-10.0.1.255"), "TCP 443");
    assert_eq!(ext("10.0.2.0-10.0.255.255"), "TCP 80");
    assert_eq!(ext("0.0.0.0-9.255.255.255"), "-");
    assert_eq!(ext("10.1.0.0-255.255.255.255"), "-");
}

// ---- union and isolation ------------------------------------------------

#[test]
fn policies_selecting_one_pod_add_up_and_a_ruleless_one_only_isolates() {
    let y = base(&[
        p("a", "other", "{app: other}"),
        np(
            "a",
            "web80",
            "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]}",
        ),
        np(
            "a",
            "db443",
            "{podSelector: {matchLabels: {app: api}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: pay}}}], ports: [{port: 443}]}, {from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8443}]}]}",
        ),
        np("a", "deny-all", "{podSelector: {}}"),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/web", "a/api"), "TCP 80,8443");
    assert_eq!(allowed_in(&idx, &c, "b/db", "a/api"), "TCP 443");
    assert_eq!(allowed_in(&idx, &c, "a/other", "a/api"), NONE);
    // The ruleless policy isolates everything else in a.
    assert_eq!(allowed_in(&idx, &c, "a/api", "a/web"), NONE);
    assert_eq!(allowed_in(&idx, &c, "b/db", "a/other"), NONE);
    // Egress is untouched (no policy has Egress).
    assert_eq!(allowed_in(&idx, &c, "a/api", "b/db"), ALL);
}

#[test]
fn egress_policies_add_up_and_both_sides_must_allow() {
    let y = base(&[
        np(
            "a",
            "dns",
            "{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: 53, protocol: UDP}, {port: 53}]}]}",
        ),
        np(
            "a",
            "db",
            "{podSelector: {matchLabels: {app: api}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: pay}}, podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]}",
        ),
        np(
            "b",
            "db-in",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 5432}, {port: 53}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    // api: egress TCP 53,5432 + UDP 53; db ingress TCP 53,5432.
    assert_eq!(allowed_in(&idx, &c, "a/api", "b/db"), "TCP 53,5432");
    assert_eq!(allowed_in(&idx, &c, "a/web", "b/db"), "TCP 53");
    assert_eq!(allowed_in(&idx, &c, "a/web", "a/api"), "TCP 53,UDP 53");
    assert_eq!(allowed_in(&idx, &c, "b/db", "a/web"), ALL);
}

// ---- hostNetwork and finished pods --------------------------------------

#[test]
fn host_network_pods_are_neither_source_nor_destination() {
    let y = base(&[
        pod_x(
            "b",
            "agent",
            "{app: db}",
            "{hostNetwork: true, containers: [{name: c, image: x, ports: [{name: http, containerPort: 9100}]}]}",
            "{phase: Running, podIP: 192.168.1.10}",
        ),
        np(
            "a",
            "e",
            "{podSelector: {}, egress: [{to: [{namespaceSelector: {}}]}]}",
        ),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 192.168.1.0/24}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let r = report(&idx, Granularity::Pod);
    assert_eq!(r.host_network, vec!["b/agent".to_string()]);
    assert!(r.endpoints.contains(&"b/agent".to_string()));
    assert!(
        !r.internal
            .iter()
            .chain(&r.external)
            .any(|row| row.src == "b/agent" || row.dst == "b/agent"),
        "{:?}",
        r.internal
    );
    let agent = Endpoint::Class(class(&idx, "b/agent"));
    for other in ["a/web", "b/db"] {
        let o = Endpoint::Class(class(&idx, other));
        assert_eq!(idx.pair_verdict(o, agent), Err(NoVerdict::HostNetwork));
        assert_eq!(idx.pair_verdict(agent, o), Err(NoVerdict::HostNetwork));
    }
    // Its node IP is not a pod IP: it does not open b/db to anyone.
    assert_eq!(allowed(&idx, "a/web", "b/db"), NONE);
    assert!(!isolated(&idx, "b/agent", Direction::Ingress));
}

#[test]
fn finished_pods_are_absent_and_pending_pods_count() {
    let y = base(&[
        pod_x(
            "a",
            "done",
            "{app: web}",
            "{containers: [{name: c, image: x}]}",
            "{phase: Succeeded, podIP: 10.0.0.5}",
        ),
        pod_x(
            "a",
            "crashed",
            "{app: web}",
            "{containers: [{name: c, image: x}]}",
            "{phase: Failed}",
        ),
        pod_x(
            "a",
            "starting",
            "{app: web}",
            "{containers: [{name: c, image: x}]}",
            "{phase: Pending}",
        ),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.5/32}}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    assert_eq!(idx.pod_count(), 4);
    assert!(idx.pod_class(&key("a/done")).is_none());
    assert!(idx.pod_class(&key("a/crashed")).is_none());
    let r = report(&idx, Granularity::Pod);
    assert!(
        !r.endpoints
            .iter()
            .any(|e| e == "a/done" || e == "a/crashed")
    );
    // The finished pod's IP admits nobody in the cluster.
    assert_eq!(allowed(&idx, "a/web", "b/db"), NONE);
    assert_eq!(allowed(&idx, "a/starting", "a/api"), ALL);
}

#[test]
fn pods_of_one_class_reach_each_other_but_self_traffic_is_not_listed() {
    let y = docs(&[
        p("a", "r1", "{app: r}"),
        p("a", "r2", "{app: r}"),
        np(
            "a",
            "i",
            "{podSelector: {matchLabels: {app: r}}, ingress: [{from: [{podSelector: {matchLabels: {app: r}}}], ports: [{port: 7000}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    assert_eq!(allowed_in(&idx, &c, "a/r1", "a/r2"), "TCP 7000");
    assert_eq!(allowed_in(&idx, &c, "a/r2", "a/r1"), "TCP 7000");
    assert!(!c.contains_key("a/r1 -> a/r1"));
    assert_eq!(c.len(), 2, "{c:?}");
}

#[test]
fn ip_block_peers_with_named_ports_resolve_against_the_pod_they_match() {
    let y = docs(&[
        p_ip("a", "cli", "{app: cli}", "10.1.0.9"),
        pod_x(
            "b",
            "s1",
            "{app: srv}",
            "{containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
            "{phase: Running, podIP: 10.0.0.5}",
        ),
        pod_x(
            "b",
            "s2",
            "{app: srv}",
            "{containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}",
            "{phase: Running, podIP: 10.9.0.5}",
        ),
        np(
            "a",
            "e",
            "{podSelector: {matchLabels: {app: cli}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/16}}], ports: [{port: http}, {port: 443}]}]}",
        ),
        np(
            "b",
            "i",
            "{podSelector: {}, ingress: [{ports: [{port: http}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    let c = conns(&idx);
    // Egress: {http -> 8080 on s1, 443}; ingress of s1: {8080}.
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s1"), "TCP 8080");
    assert_eq!(allowed_in(&idx, &c, "a/cli", "b/s2"), NONE);
    let all = all_conns(&idx);
    // A named port never resolves for an address outside the cluster.
    assert_eq!(
        all.get("a/cli -> 10.0.0.0-10.0.255.255[External]")
            .map(String::as_str),
        Some("TCP 443")
    );
    // From outside, the ingress named port resolves against the server.
    assert_eq!(
        all.get("0.0.0.0-255.255.255.255[External] -> b/s1")
            .map(String::as_str),
        Some("TCP 8080")
    );
}

#[test]
fn a_policy_with_an_empty_spec_selects_every_pod_of_its_namespace_for_ingress() {
    // podSelector {} (or absent) selects all pods of the namespace;
    // policyTypes defaults to [Ingress]; no ingress rules => deny ingress.
    for spec in [
        "{}",
        "{podSelector: {matchLabels: {}}}",
        "{podSelector: {matchExpressions: []}}",
    ] {
        let idx = common::index(&base(&[np("a", "p", spec)]));
        assert_eq!(allowed(&idx, "b/db", "a/web"), NONE, "{spec}");
        assert_eq!(allowed(&idx, "a/web", "a/api"), NONE, "{spec}");
        assert_eq!(allowed(&idx, "a/web", "b/db"), ALL, "{spec}");
    }
}

#[test]
fn sctp_named_ports_and_adjacent_ranges() {
    let y = docs(&[
        p("a", "cli", "{app: cli}"),
        p_ports(
            "a",
            "srv",
            "{app: srv}",
            "[{name: diameter, containerPort: 3868, protocol: SCTP}]",
        ),
        np(
            "a",
            "i",
            "{podSelector: {matchLabels: {app: srv}}, ingress: [{ports: [{port: diameter, protocol: SCTP}, {port: diameter}, {port: 80, endPort: 89}, {port: 90}]}]}",
        ),
    ]);
    let idx = common::index(&y);
    assert_eq!(allowed(&idx, "a/cli", "a/srv"), "SCTP 3868,TCP 80-90");
}

#[test]
fn a_namespace_selector_does_not_include_the_policys_own_namespace_unless_it_matches() {
    let idx = common::index(&base(&[
        p("b", "peer", "{app: api}"),
        np(
            "b",
            "p",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: shop}}}]}]}",
        ),
    ]));
    assert_eq!(allowed(&idx, "a/api", "b/db"), ALL);
    assert_eq!(allowed(&idx, "b/peer", "b/db"), NONE);
}
