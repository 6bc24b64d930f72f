//! `protocols` (v1alpha2) and `ports` (v1alpha1): numbers, ranges, named
//! ports resolved on the destination pod.

use super::common::index;
use super::{ALL_NS, FROM_B, NS_A, TCP, allows, cluster, cnp};
use netpol_tui::engine::model::Protocol;
use netpol_tui::engine::tiers::ClusterKind;
use netpol_tui::source::convert::cluster_policy_from_value;

#[test]
fn a_named_port_resolves_on_the_destination_pod() {
    // DestinationNamedPort "selects a destination port on a pod based on
    // the ContainerPort name": web's http is 8080, db's http is 9090.
    let idx = index(&cluster(&cnp(
        "named",
        "Admin",
        1,
        ALL_NS,
        "  egress:\n  - {action: Deny, to: [{namespaces: {}}], protocols: [{destinationNamedPort: http}]}\n",
    )));
    assert!(!allows(&idx, "a/api", "a/web", TCP, 8080));
    assert!(allows(&idx, "a/api", "a/web", TCP, 9090));
    assert!(!allows(&idx, "a/web", "b/db", TCP, 9090));
    assert!(allows(&idx, "a/web", "b/db", TCP, 8080));
    // api declares no port named http: the rule matches nothing there.
    assert!(allows(&idx, "a/web", "a/api", TCP, 8080));
    // On ingress the destination is the subject itself.
    let idx = index(&cluster(&cnp(
        "named-in",
        "Admin",
        1,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Deny, from: {FROM_B}, protocols: [{{destinationNamedPort: http}}]}}\n"
        ),
    )));
    assert!(!allows(&idx, "b/db", "a/web", TCP, 8080));
    assert!(allows(&idx, "b/db", "a/web", TCP, 9090));
    assert!(allows(&idx, "b/db", "a/api", TCP, 8080));
}

#[test]
fn a_range_is_inclusive_and_only_for_its_protocol() {
    // PortRange: "an inclusive range of ports from the assigned Start value
    // to End value".
    let idx = index(&cluster(&cnp(
        "range",
        "Admin",
        1,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Deny, from: {FROM_B}, protocols: [{{tcp: {{destinationPort: {{range: {{start: 8000, end: 8100}}}}}}}}]}}\n"
        ),
    )));
    for (port, denied) in [
        (7999, false),
        (8000, true),
        (8050, true),
        (8100, true),
        (8101, false),
    ] {
        assert_eq!(
            !allows(&idx, "b/db", "a/web", TCP, port),
            denied,
            "TCP {port}"
        );
    }
    assert!(allows(&idx, "b/db", "a/web", Protocol::Udp, 8050));
    assert!(allows(&idx, "b/db", "a/web", Protocol::Sctp, 8050));
}

#[test]
fn udp_and_sctp_numbers() {
    let idx = index(&cluster(&cnp(
        "dns",
        "Admin",
        1,
        NS_A,
        &format!(
            "  ingress:\n  - {{action: Deny, from: {FROM_B}, protocols: [{{udp: {{destinationPort: {{number: 53}}}}}}, {{sctp: {{destinationPort: {{number: 9}}}}}}]}}\n"
        ),
    )));
    assert!(!allows(&idx, "b/db", "a/web", Protocol::Udp, 53));
    assert!(allows(&idx, "b/db", "a/web", TCP, 53));
    assert!(!allows(&idx, "b/db", "a/web", Protocol::Sctp, 9));
}

fn errors(kind: ClusterKind, yaml: &str) -> Vec<String> {
    let v: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
    let api = v["apiVersion"].as_str().unwrap_or_default().to_string();
    let json = serde_json::to_value(&v).expect("json");
    match cluster_policy_from_value(kind, &api, &json).0 {
        Ok(_) => vec![],
        Err(e) => e
            .iter()
            .map(|e| format!("{}: {}", e.path, e.reason))
            .collect(),
    }
}

#[test]
fn invalid_ports_are_refused_as_the_api_server_would() {
    let r = |p: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: x}}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {{namespaces: {{}}}}\n  ingress:\n  - {{action: Deny, from: [{{namespaces: {{}}}}], protocols: [{p}]}}\n"
        )
    };
    // "self.start < self.end": Start port must be less than End port.
    let e = errors(
        ClusterKind::Cnp,
        &r("{tcp: {destinationPort: {range: {start: 90, end: 90}}}}"),
    );
    assert!(
        e.iter()
            .any(|e| e.contains("range") && e.contains("Start port must be less than End port")),
        "{e:?}"
    );
    let e = errors(
        ClusterKind::Cnp,
        &r("{tcp: {destinationPort: {number: 0}}}"),
    );
    assert!(
        e.iter()
            .any(|e| e.contains("number") && e.contains("between 1 and 65535")),
        "{e:?}"
    );
    // Exactly one of tcp/udp/sctp/destinationNamedPort.
    let e = errors(
        ClusterKind::Cnp,
        &r("{tcp: {destinationPort: {number: 1}}, udp: {destinationPort: {number: 1}}}"),
    );
    assert!(
        e.iter()
            .any(|e| e.contains("protocols[0]") && e.contains("exactly one")),
        "{e:?}"
    );
    // networks peers with named ports (the CEL rule on egress rules).
    let named_net = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: x}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress:\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}], protocols: [{destinationNamedPort: http}]}\n";
    let e = errors(ClusterKind::Cnp, named_net);
    assert!(
        e.iter()
            .any(|e| e.contains("cannot be set with namedPorts")),
        "{e:?}"
    );
}
