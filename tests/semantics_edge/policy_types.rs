//! policyTypes, empty rules, empty lists and empty peers.

use super::*;

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
