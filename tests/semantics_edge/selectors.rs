//! Namespace and label selectors.

use super::*;

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
