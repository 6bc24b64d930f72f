//! The demo's tiers (assets/demo/cluster-tiers.yaml, part of `--demo`): the
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
    let l = load_paths(&[root.join("demo")]);
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
    // shop has opted into the guardrails (`guardrails: enforced`).
    let t = why(&idx, "shop/frontend", "169.254.169.254", Some(80));
    assert!(t.starts_with("DENIED"), "{t}");
    assert!(t.contains("Admin: cnp/platform-guardrails priority 10, egress rule 1 \"deny-cloud-metadata\" (Deny)"), "{t}");
    // payments has not: its worker still reaches the metadata endpoint
    // through 0.0.0.0/0, one of the demo's showcased mistakes.
    let t = why(&idx, "payments/worker", "169.254.169.254", Some(80));
    assert!(t.starts_with("ALLOWED"), "{t}");
    assert!(!t.contains("platform-guardrails"), "{t}");
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
    // The demo's metadata mistake stays a finding: payments is not opted in.
    let f = lint(&idx, &LintOptions::default());
    let meta: Vec<_> = f
        .iter()
        .filter(|x| x.id == "metadata-endpoint-reachable")
        .collect();
    assert!(
        meta.iter()
            .any(|x| x.namespace.as_deref() == Some("payments")),
        "{f:#?}"
    );
    assert!(
        meta.iter()
            .all(|x| !matches!(x.namespace.as_deref(), Some("shop" | "inventory"))),
        "{meta:#?}"
    );
}

#[test]
fn a_what_if_applying_the_demo_tiers_explains_through_the_chain() {
    use netpol_tui::engine::connectivity::Granularity;
    use netpol_tui::engine::diff::{PreviewOptions, preview};
    use netpol_tui::engine::proposal::Proposal;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    // The demo without its tiers, then the tiers as a proposal.
    let tiers_file = root.join("demo").join("cluster-tiers.yaml");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("demo"))
        .expect("assets/demo")
        .map(|e| e.expect("entry").path())
        .filter(|p| *p != tiers_file)
        .collect();
    files.sort();
    let base = Index::from_snapshot(load_paths(&files).snapshot);
    assert!(base.snapshot().cluster_policies.is_empty());
    let tiers = load_paths(&[tiers_file]);
    let proposal = Proposal::from_loaded(&base, tiers.snapshot, &[]);
    assert_eq!(proposal.changes.len(), 3, "{:?}", proposal.summary);
    let d = preview(&base, &proposal, &PreviewOptions::new(Granularity::Pod));
    let lost = d
        .entries
        .iter()
        .find(|e| &*e.src == "shop/frontend" && &*e.dst == "legacy/ftp-bridge")
        .expect("frontend -> ftp-bridge is cut by the Baseline default");
    assert!(lost.after().is_empty(), "{lost:?}");
    let why = lost.why().join("\n");
    assert_eq!(
        why,
        "ingress of the destination: Baseline: cnp/legacy-default priority 100, ingress rule 2 \"deny-other-namespaces\" (Deny) denies All Connections"
    );
    assert!(
        d.entries
            .iter()
            .any(|e| &*e.src == "shop/frontend" && e.dst.starts_with("169.254.169.254"))
    );
}

#[test]
fn deleting_a_cluster_scoped_policy_in_a_what_if() {
    use netpol_tui::engine::connectivity::Granularity;
    use netpol_tui::engine::diff::{PreviewOptions, preview};
    use netpol_tui::engine::proposal::Proposal;
    use netpol_tui::engine::tiers::{ClusterKind, ClusterPolicyKey};
    let idx = demo_with_tiers();
    let mut p = Proposal::default();
    p.delete_cluster_policy(ClusterPolicyKey {
        kind: ClusterKind::Cnp,
        name: "legacy-default".into(),
    });
    assert_eq!(p.summary, vec!["delete cnp/legacy-default"]);
    let d = preview(&idx, &p, &PreviewOptions::new(Granularity::Pod));
    let e = d
        .entries
        .iter()
        .find(|e| &*e.src == "shop/frontend" && &*e.dst == "legacy/ftp-bridge")
        .expect("regained");
    assert!(e.before().is_empty() && e.after().is_all(), "{e:?}");
    assert!(d.entries.iter().all(|e| e.lost().is_empty()));
}
