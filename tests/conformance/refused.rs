//! ANP/BANP cases of the netpol-analyzer corpus that the API server would
//! refuse: the tool refuses them too, so they are listed, not compared.

use std::path::{Path, PathBuf};

use netpol_tui::source::files::load_paths;

/// Scenarios whose AdminNetworkPolicy / BaselineAdminNetworkPolicy objects
/// the API server refuses, so the tool refuses them too (with file,
/// document, field and reason) and the case is not compared; netpol-analyzer
/// accepts them. Each entry: scenario, an error the load must report.
const API_REFUSED: &[(&str, &str)] = &[
    ("anp_demo", "pods.podSelector: Required value"),
    (
        "anp_test_3_pass_traffic",
        "pods.podSelector: Required value",
    ),
    ("anp_test_8", "pods.podSelector: Required value"),
    (
        "anp_test_8_swapping_rules",
        "pods.podSelector: Required value",
    ),
    ("anp_test_9", "pods.podSelector: Required value"),
    (
        "anp_test_9_swapping_rules",
        "pods.podSelector: Required value",
    ),
    ("anp_test_10", "pods.podSelector: Required value"),
    (
        "anp_test_10_swapping_rules",
        "pods.podSelector: Required value",
    ),
    ("anp_test_11", "pods.podSelector: Required value"),
    (
        "anp_test_11_swapping_rules",
        "pods.podSelector: Required value",
    ),
    ("anp_test_12", "pods.podSelector: Required value"),
    (
        "anp_test_12_swapping_rules",
        "pods.podSelector: Required value",
    ),
    (
        "anp_test_combining_test_6_and_test_10",
        "pods.podSelector: Required value",
    ),
    ("anp_test_multiple_anps", "pods.podSelector: Required value"),
    (
        "example_pods_w_same_owner_and_labels_gap_anp_good",
        "pods.namespaceSelector: Required value",
    ),
    (
        "example_pods_w_same_owner_and_labels_gap_banp_good",
        "pods.namespaceSelector: Required value",
    ),
    (
        "anp_test_named_ports_multiple_peers",
        "peer cannot be set with namedPorts",
    ),
];

/// Why: the v1alpha1 API (network-policy-api v0.1.7, the last release with
/// these kinds) says "All fields in this package are required unless
/// Explicitly marked optional" and `NamespacedPod` marks neither
/// `namespaceSelector` nor `podSelector` optional (its CRD lists both under
/// `required`); and the egress rule's CEL rule "networks/nodes/domainNames
/// peer cannot be set with namedPorts since there are no namedPorts for
/// networks/nodes/domainNames".
const API_REFUSED_WHY: &str = "the API server refuses these objects: v1alpha1 says \"All fields in this package are required unless Explicitly marked optional\" and NamespacedPod marks neither namespaceSelector nor podSelector optional (the CRD lists both under `required`); the egress rule's CEL rule says \"networks/nodes/domainNames peer cannot be set with namedPorts since there are no namedPorts for networks/nodes/domainNames\". netpol-analyzer accepts them; we follow the API";

pub fn refused_by_api(inputs: &[String], dir: &Path) -> Option<String> {
    let name = |i: &String| i.strip_prefix("tests/").unwrap_or(i).to_string();
    let (scenario, must) = inputs
        .iter()
        .find_map(|i| API_REFUSED.iter().find(|(s, _)| *s == name(i)))?;
    let paths: Vec<PathBuf> = inputs.iter().map(|i| dir.join(i)).collect();
    let errors = load_paths(&paths).errors;
    assert!(
        errors.iter().any(|e| e.to_string().contains(must)),
        "{scenario}: expected the load to refuse an object with {must:?}, got {errors:?}"
    );
    Some(format!("{scenario}: refused ({must}): {API_REFUSED_WHY}"))
}
