//! Nothing panics on any input: policies whose fields hold random values of
//! random types go through loading, validation, the index, connectivity,
//! explanations, lint and a what-if. Bad documents are reported, with the
//! file and document; the good ones still load.

use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::diff::{PreviewOptions, preview};
use netpol_tui::engine::findings::{LintOptions, lint};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::proposal::{Change, Proposal};
use netpol_tui::engine::verdict::Endpoint;
use netpol_tui::source::files::load_sources;
use proptest::prelude::*;

/// A YAML scalar or collection of some type, often wrong for the field.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("\"\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0u32..70000).prop_map(|n| n.to_string()),
        Just("-1".to_string()),
        Just("TCP".to_string()),
        Just("udp".to_string()),
        Just("SCTP".to_string()),
        Just("http".to_string()),
        Just("In".to_string()),
        Just("Exists".to_string()),
        Just("10.0.0.0/8".to_string()),
        Just("010.0.0.1/33".to_string()),
        Just("::/0".to_string()),
        Just("fd00:ec2::254/128".to_string()),
        Just("169.254.169.254/32".to_string()),
        Just("[{a: 1}]".to_string()),
        "[a-zA-Z0-9./:_-]{0,12}".prop_map(|s| format!("{s:?}")),
        "\\PC{0,8}".prop_map(|s| format!("{s:?}")),
    ]
}

/// Each field is valid most of the time, so that some policies load and
/// the later stages see them; the others are refused and reported.
fn policy_doc() -> impl Strategy<Value = String> {
    let valid = [
        "web",
        "Ingress, Egress",
        "10.0.0.0/8",
        "10.9.0.0/16",
        "In",
        "x",
        "db",
        "TCP",
        "80",
        "90",
        "0.0.0.0/0",
        "http",
        "UDP",
        "53",
    ];
    let fields: Vec<_> = valid
        .iter()
        .map(|v| prop_oneof![6 => Just(v.to_string()), 1 => value()])
        .collect();
    fields.prop_map(|v| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: a}}\nspec:\n  podSelector: {{matchLabels: {{app: {}}}}}\n  policyTypes: [{}]\n  ingress:\n  - from:\n    - ipBlock: {{cidr: {}, except: [{}]}}\n    - namespaceSelector: {{matchExpressions: [{{key: team, operator: {}, values: [{}]}}]}}\n      podSelector: {{matchLabels: {{app: {}}}}}\n    ports: [{{protocol: {}, port: {}, endPort: {}}}]\n  egress:\n  - to: [{{ipBlock: {{cidr: {}}}}}]\n    ports: [{{port: {}, protocol: {}}}, {{port: {}}}]\n",
            v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]
        )
    })
}

const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: a, labels: {app: web}}\nspec:\n  containers: [{name: c, image: x, ports: [{name: http, containerPort: 80}]}]\nstatus: {podIP: 10.1.2.3}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: b, labels: {app: db}}\nspec:\n  containers: [{name: c, image: x}]\nstatus: {podIP: 10.9.9.9}\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_field_values_never_panic(doc in policy_doc()) {
        let text = format!("{PODS}---\n{doc}");
        let loaded = load_sources(&[("random.yaml".to_string(), text)]);
        // The pods always load, whatever the policy holds.
        prop_assert_eq!(loaded.snapshot.pods.len(), 2);
        // A refused policy is reported against its file.
        if loaded.snapshot.policies.is_empty() {
            prop_assert!(!loaded.errors.is_empty());
            prop_assert!(loaded.errors.iter().all(|e| e.to_string().contains("random.yaml")), "{:?}", loaded.errors);
        }
        let policies = loaded.snapshot.policies.clone();
        let idx = Index::from_snapshot(loaded.snapshot);
        let _ = report(&idx, Granularity::Pod);
        let classes: Vec<_> = idx.classes().map(|(c, _)| c).collect();
        for &a in &classes {
            for &b in &classes {
                let _ = idx.pair_verdict(Endpoint::Class(a), Endpoint::Class(b));
            }
        }
        let _ = lint(&idx, &LintOptions::default());
        // Deleting every policy as a what-if.
        let changes: Vec<Change> = policies.iter().map(|p| Change::DeletePolicy(p.key())).collect();
        let o = LintOptions::default();
        let _ = preview(&idx, &Proposal::new(changes), &PreviewOptions { granularity: Granularity::Workload, lint: Some(&o) });
    }
}
