//! A cluster-scoped policy written as YAML reads back as the same policy.

use super::common::snapshot;
use super::{FROM_B, NS_A, cluster, cnp};
use netpol_tui::engine::tiers::cluster_policy_yaml;
use netpol_tui::source::convert::cluster_policy_from_value;

#[test]
fn written_yaml_reads_back_the_same_for_all_three_kinds() {
    let anp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: legacy}\nspec:\n  priority: 5\n  subject: {pods: {namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchExpressions: [{key: app, operator: In, values: [web]}]}}}\n  ingress:\n  - {name: a, action: Allow, from: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP, port: 53}}, {portRange: {start: 80, end: 90}}, {namedPort: http}]}\n  egress:\n  - {action: Pass, to: [{networks: [10.0.0.0/8]}, {nodes: {matchLabels: {role: x}}}]}\n";
    let banp = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress:\n  - {action: Deny, from: [{namespaces: {}}]}\n";
    let c = cnp(
        "full",
        "Baseline",
        7,
        NS_A,
        &format!(
            "  ingress:\n  - {{name: n, action: Accept, from: {FROM_B}, protocols: [{{destinationNamedPort: http}}, {{tcp: {{destinationPort: {{range: {{start: 1, end: 9}}}}}}}}, {{sctp: {{destinationPort: {{number: 3}}}}}}]}}\n  egress:\n  - {{action: Accept, to: [{{domainNames: [\"*.example.com\"]}}]}}\n  - {{action: Deny, to: [{{pods: {{podSelector: {{matchLabels: {{app: db}}}}}}}}]}}\n"
        ),
    );
    let s = snapshot(&cluster(&format!("{anp}\n---\n{banp}\n---\n{c}")));
    assert_eq!(s.cluster_policies.len(), 3);
    for p in &s.cluster_policies {
        let yaml = cluster_policy_yaml(p);
        let v: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("yaml");
        let json = serde_json::to_value(&v).expect("json");
        let api = json["apiVersion"].as_str().unwrap_or_default().to_string();
        let (back, _) = cluster_policy_from_value(p.kind, &api, &json);
        assert_eq!(back.as_ref(), Ok(p), "{yaml}");
    }
}
