//! Ports: protocols, ranges and named ports.

use super::*;

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
