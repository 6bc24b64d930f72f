//! Validation as kube-apiserver does it (ValidateNetworkPolicySpec): an
//! invalid policy is refused with the field path and the reason.

mod common;

use common::policy_errors;

fn policy(spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n{spec}"
    )
}

fn one_error(spec: &str) -> (String, String) {
    let errs = policy_errors(&policy(spec));
    assert_eq!(errs.len(), 1, "expected one error, got {errs:?}");
    (errs[0].path.clone(), errs[0].reason.clone())
}

#[test]
fn valid_policies_pass() {
    for spec in [
        "  podSelector: {}\n",
        "  podSelector: {}\n  ingress: [{}]\n  egress: [{}]\n  policyTypes: [Ingress, Egress]\n",
        "  podSelector: {matchExpressions: [{key: app, operator: In, values: [a, b]}]}\n  ingress: [{ports: [{port: 80, endPort: 90}, {port: http}, {protocol: SCTP}]}]\n",
        "  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}, {ipBlock: {cidr: 'fd00::/8'}}]}]\n",
    ] {
        assert!(policy_errors(&policy(spec)).is_empty(), "{spec}");
    }
}

#[test]
fn invalid_cidr() {
    let (path, reason) =
        one_error("  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]\n");
    assert_eq!(path, "spec.egress[0].to[0].ipBlock.cidr");
    assert!(reason.contains("must be a valid CIDR"), "{reason}");
}

#[test]
fn except_must_be_strictly_inside_cidr() {
    let (path, reason) = one_error(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]\n",
    );
    assert_eq!(path, "spec.ingress[0].from[0].ipBlock.except[0]");
    assert!(reason.contains("strict subset"), "{reason}");
    let (_, reason) = one_error(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/16, except: [192.168.0.0/24]}}]}]\n",
    );
    assert!(reason.contains("strict subset"), "{reason}");
}

#[test]
fn end_port_rules() {
    let (path, reason) =
        one_error("  podSelector: {}\n  ingress: [{ports: [{port: 90, endPort: 80}]}]\n");
    assert_eq!(path, "spec.ingress[0].ports[0].endPort");
    assert!(
        reason.contains("greater than or equal to `port`"),
        "{reason}"
    );
    let (_, reason) =
        one_error("  podSelector: {}\n  ingress: [{ports: [{port: http, endPort: 80}]}]\n");
    assert!(reason.contains("non-numeric"), "{reason}");
    let (_, reason) = one_error("  podSelector: {}\n  ingress: [{ports: [{endPort: 80}]}]\n");
    assert!(reason.contains("not specified"), "{reason}");
}

#[test]
fn ports_and_protocols() {
    let (path, reason) = one_error("  podSelector: {}\n  ingress: [{ports: [{port: 70000}]}]\n");
    assert_eq!(path, "spec.ingress[0].ports[0].port");
    assert!(reason.contains("between 1 and 65535"), "{reason}");
    let (path, _) = one_error("  podSelector: {}\n  ingress: [{ports: [{port: 0}]}]\n");
    assert_eq!(path, "spec.ingress[0].ports[0].port");
    let (path, reason) =
        one_error("  podSelector: {}\n  egress: [{ports: [{protocol: ICMP, port: 1}]}]\n");
    assert_eq!(path, "spec.egress[0].ports[0].protocol");
    assert!(reason.contains("Unsupported value"), "{reason}");
    // Lower-case protocols are refused by the API server too.
    assert_eq!(
        one_error("  podSelector: {}\n  egress: [{ports: [{protocol: tcp}]}]\n").0,
        "spec.egress[0].ports[0].protocol"
    );
    // A named port must be an IANA service name.
    let (_, reason) = one_error("  podSelector: {}\n  ingress: [{ports: [{port: Http_Port}]}]\n");
    assert!(reason.contains("alpha-numeric"), "{reason}");
    let (_, reason) = one_error("  podSelector: {}\n  ingress: [{ports: [{port: '8080'}]}]\n");
    assert!(reason.contains("at least one letter"), "{reason}");
}

#[test]
fn selector_operators_and_values() {
    let (path, reason) = one_error(
        "  podSelector: {matchExpressions: [{key: app, operator: Equals, values: [x]}]}\n",
    );
    assert_eq!(path, "spec.podSelector.matchExpressions[0].operator");
    assert!(reason.contains("not a valid selector operator"), "{reason}");
    let (path, _) =
        one_error("  podSelector: {matchExpressions: [{key: app, operator: In, values: []}]}\n");
    assert_eq!(path, "spec.podSelector.matchExpressions[0].values");
    let (path, _) = one_error(
        "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: app, operator: Exists, values: [x]}]}}]}]\n",
    );
    assert_eq!(
        path,
        "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values"
    );
    let (path, _) = one_error("  podSelector: {matchLabels: {'bad key!': x}}\n");
    assert_eq!(path, "spec.podSelector.matchLabels");
}

#[test]
fn policy_types_and_peers() {
    let (path, reason) = one_error("  podSelector: {}\n  policyTypes: [Ingress, Outgress]\n");
    assert_eq!(path, "spec.policyTypes[1]");
    assert!(reason.contains("Unsupported value"), "{reason}");
    let (path, reason) = one_error(
        "  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]\n",
    );
    assert_eq!(path, "spec.ingress[0].from[0]");
    assert!(reason.contains("more than 1 peer type"), "{reason}");
    let (path, _) = one_error("  podSelector: {}\n  ingress: [{from: [{}]}]\n");
    assert_eq!(path, "spec.ingress[0].from[0]");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let errs = policy_errors(&policy(
        "  podSelector: {}\n  ingress: [{ports: [{port: 0}], from: [{ipBlock: {cidr: nope}}]}]\n  egress: [{ports: [{protocol: XYZ}]}]\n",
    ));
    let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.ingress[0].ports[0].port",
            "spec.ingress[0].from[0].ipBlock.cidr",
            "spec.egress[0].ports[0].protocol"
        ]
    );
}

/// kube-apiserver (1.34, StrictIPCIDRValidation off) stores and enforces
/// IPv4 CIDRs with leading zeros, read as decimal; non-canonical host bits
/// are accepted too.
#[test]
fn legacy_cidr_forms_are_read_as_the_api_server_reads_them() {
    use netpol_tui::source::convert::parse_cidr;
    let net = |s: &str| parse_cidr(s).map(|n| n.to_string());
    assert_eq!(net("010.000.0.0/8").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(
        net("192.168.001.010/32").as_deref(),
        Some("192.168.1.10/32")
    );
    assert_eq!(net("10.0.0.1/8").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(net("0.0.0.0/0").as_deref(), Some("0.0.0.0/0"));
    assert_eq!(net("256.0.0.0/8"), None);
    assert_eq!(
        net("0256.0.0.0/8"),
        None,
        "still decimal: 256 is out of range"
    );
    assert_eq!(net("10..0.0/8"), None);
    assert_eq!(net("10.0.0.0/33"), None);
    assert_eq!(net("10.0.0.0"), None);
}
