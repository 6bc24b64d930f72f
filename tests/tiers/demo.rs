//! The demo's tiers (assets/demo-tiers, loaded with assets/demo): the
//! chain can be seen without a cluster.

use std::path::PathBuf;

use netpol_tui::engine::explain::explain;
use netpol_tui::engine::findings::{LintOptions, lint};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::Protocol;
use netpol_tui::source::files::load_paths;

use super::verdict;

fn demo_with_tiers() -> Index {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    let l = load_paths(&[root.join("demo"), root.join("demo-tiers")]);
    assert!(l.errors.is_empty(), "{:#?}", l.errors);
    assert_eq!(l.snapshot.cluster_policies.len(), 3);
    Index::from_snapshot(l.snapshot)
}

fn why(idx: &Index, from: &str, to: &str, port: Option<u16>) -> String {
    let v = verdict(idx, from, to);
    explain(idx, &v, from, to, port.map(|p| (Protocol::Tcp, p))).to_text()
}

#[test]
fn the_demo_tiers_show_admin_deny_pass_and_a_baseline_default() {
    let idx = demo_with_tiers();
    let t = why(&idx, "payments/worker", "169.254.169.254", Some(80));
    assert!(t.starts_with("DENIED"), "{t}");
    assert!(t.contains("Admin: cnp/platform-guardrails priority 10, egress rule 1 \"deny-cloud-metadata\" (Deny)"), "{t}");
    let t = why(&idx, "legacy/ftp-bridge", "payments/api", Some(8080));
    assert!(
        t.contains("ingress rule 3 \"deny-outside-pci\" (Deny)"),
        "{t}"
    );
    let t = why(&idx, "shop/checkout", "payments/api", Some(8080));
    assert!(
        t.contains("(Pass) -> NetworkPolicy: isolated by payments/api-allow-checkout, payments/default-deny"),
        "{t}"
    );
    let t = why(&idx, "shop/frontend", "legacy/ftp-bridge", Some(21));
    assert!(t.contains("NetworkPolicy: not isolated -> Baseline: cnp/legacy-default priority 100, ingress rule 2 \"deny-other-namespaces\" (Deny); denies"), "{t}");
    // The demo's metadata mistake is closed by the Admin tier.
    let f = lint(&idx, &LintOptions::default());
    assert!(
        f.iter().all(|x| x.id != "metadata-endpoint-reachable"),
        "{f:#?}"
    );
}
