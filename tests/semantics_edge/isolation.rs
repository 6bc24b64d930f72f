//! Union and isolation, hostNetwork and finished pods, same-class traffic.

use super::*;

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
