//! The JSON contract, fixes that resolve findings without losing traffic, and the
//! CNI detection the live TUI feeds the lint.

use netpol_tui::engine::connectivity::Granularity;
use netpol_tui::engine::diff::{Diff, PreviewOptions, preview};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::proposal::{Change, Proposal};
use netpol_tui::source::files::load_sources;

use super::*;

/// A lint fix's policies as proposal changes; the fix must load cleanly.
fn fix_changes(fix: &str) -> Vec<Change> {
    let loaded = load_sources(&[("fix.yaml".to_string(), fix.to_string())]);
    assert!(loaded.errors.is_empty(), "{:?}\n{fix}", loaded.errors);
    loaded
        .snapshot
        .policies
        .into_iter()
        .map(Change::UpsertPolicy)
        .collect()
}

/// The what-if of `changes` per pod, with the lint run before and after.
fn preview_with_lint(idx: &Index, o: &LintOptions, changes: Vec<Change>) -> Diff {
    let po = PreviewOptions {
        granularity: Granularity::Pod,
        lint: Some(o),
    };
    preview(idx, &Proposal::new(changes), &po)
}

#[test]
fn json_follows_the_findings_contract() {
    let f = run(&[pod("app", "web", "{app: web}")]);
    let doc: serde_json::Value =
        serde_json::from_str(&netpol_tui::cli::lint::json(&f)).expect("json");
    assert_eq!(doc["schema"], "netpol-findings/v1");
    let first = &doc["findings"][0];
    let keys: Vec<&str> = first
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 6, "{keys:?}");
    for k in ["id", "severity", "namespace", "policy", "pod", "message"] {
        assert!(first.get(k).is_some(), "{k}");
    }
    assert!(first["policy"].is_null());
}

/// Applying a DNS finding's fix resolves the finding and cuts no
/// connection: it must not isolate pods that were open for egress.
#[test]
fn dns_fix_resolves_the_finding_and_loses_nothing() {
    let docs = [
        DNS.to_string(),
        pod("shop", "web", "{app: web}"),
        pod("shop", "api", "{app: api}"),
        pod("shop", "batch", "{app: batch}"),
        // Only api is egress-isolated (and may reach DNS on UDP only);
        // batch only by a policy with no rules. web stays open.
        np(
            "shop",
            "api-egress",
            "  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]\n    ports: [{protocol: UDP, port: 53}]\n",
        ),
        np(
            "shop",
            "batch-egress",
            "  podSelector: {matchLabels: {app: batch}}\n  policyTypes: [Egress]\n",
        ),
        // The obvious name is taken: the fix must not replace it.
        np(
            "shop",
            "allow-dns",
            "  podSelector: {matchLabels: {app: none}}\n  ingress: [{}]\n",
        ),
    ];
    let idx = index(&docs.join("---\n"));
    let o = LintOptions::default();
    let before = lint(&idx, &o);
    let targets = [DNS_ALLOW_MISSING_TCP, EGRESS_DENY_BLOCKS_DNS];
    for id in targets {
        let f = find(&before, id);
        assert_eq!(f.len(), 1, "{id}: {before:#?}");
        let fix = f[0].fix.clone().expect("a fix");
        assert!(!fix.contains("name: allow-dns\n"), "{fix}");
        let changes = fix_changes(&fix);
        assert_eq!(changes.len(), 1, "{fix}");
        let d = preview_with_lint(&idx, &o, changes);
        assert!(d.lost().is_empty(), "{id}: the fix cuts {:?}", d.lost());
        assert!(
            d.findings_resolved.iter().any(|r| r.id == id),
            "{id} not resolved by\n{fix}\n{d:#?}"
        );
        assert!(
            !d.findings_introduced
                .iter()
                .any(|r| targets.contains(&r.id)),
            "{:#?}",
            d.findings_introduced
        );
    }
}

#[test]
fn selector_yaml_quotes_what_yaml_would_not_read_as_a_string() {
    use netpol_tui::engine::manifest::peer_list_yaml;
    use netpol_tui::engine::model::{LabelSelector, Peer};
    let s = LabelSelector {
        match_labels: [("enabled", "true"), ("tier", "1"), ("app", "web")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        match_expressions: vec![],
    };
    let y = peer_list_yaml(
        "from",
        &Peer::Pods {
            namespace_selector: None,
            pod_selector: Some(s),
        },
    );
    assert_eq!(
        y,
        "from:\n- podSelector:\n    matchLabels:\n      app: web\n      enabled: 'true'\n      tier: '1'\n"
    );
}

/// On the demo cluster: every DNS fix, applied alone, loses no connection
/// and resolves its finding.
#[test]
fn demo_dns_fixes_lose_nothing() {
    let idx = Index::from_snapshot(netpol_tui::source::demo::load().snapshot);
    let o = LintOptions::default();
    let fixes: Vec<(&str, String)> = lint(&idx, &o)
        .into_iter()
        .filter(|f| [DNS_ALLOW_MISSING_TCP, EGRESS_DENY_BLOCKS_DNS].contains(&f.id))
        .filter_map(|f| Some((f.id, f.fix?)))
        .collect();
    assert!(fixes.len() >= 2, "the demo shows both DNS failure modes");
    for (id, fix) in fixes {
        let d = preview_with_lint(&idx, &o, fix_changes(&fix));
        assert!(d.lost().is_empty(), "{id} fix\n{fix}\ncuts {:?}", d.lost());
        assert!(
            d.findings_resolved.iter().any(|r| r.id == id),
            "{id}\n{fix}"
        );
    }
}

/// The TUI's live lint detects the network plugin from the pods it holds:
/// flannel alone is reported; no kube-system pod at all means no verdict.
#[test]
fn live_tui_lint_detects_the_cni_from_the_index() {
    use netpol_tui::source::live::detect_cni_in;
    use netpol_tui::tui::jobs::{Job, JobOutput, run as run_job};
    use std::sync::Arc;
    let flannel = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-flannel-ds-x\n  namespace: kube-system\n  labels: {app: flannel}\n  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: kube-flannel-ds, uid: u, controller: true}]\nspec:\n  containers: [{name: c, image: x}]\n";
    let docs = [
        flannel.to_string(),
        pod("app", "web", "{app: web}"),
        np("app", "deny", "  podSelector: {}\n"),
    ];
    let idx = index(&docs.join("---\n"));
    let info = detect_cni_in(&idx)
        .expect("kube-system pods are known")
        .lint_info();
    assert_eq!(info.enforcing, None);
    let f = lint(
        &idx,
        &LintOptions {
            cni: Some(info),
            ..LintOptions::default()
        },
    );
    assert_eq!(find(&f, NO_ENFORCING_CNI).len(), 1, "{f:#?}");

    let lint_job = |live: bool, idx: &netpol_tui::engine::index::Index| match run_job(Job::Lint {
        id: 1,
        index: Arc::new(idx.clone()),
        live,
    }) {
        JobOutput::Lint { rows, .. } => rows.unwrap_or_default(),
        _ => panic!("a lint job answers with lint rows"),
    };
    let ids_of = |rows: Vec<netpol_tui::tui::models::findings::FindingRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.id).collect()
    };
    assert!(ids_of(lint_job(true, &idx)).contains(&NO_ENFORCING_CNI.to_string()));
    assert!(!ids_of(lint_job(false, &idx)).contains(&NO_ENFORCING_CNI.to_string()));
    // Namespace-scoped access: no kube-system pods, no CNI verdict.
    let scoped = index(&docs[1..].join("---\n"));
    assert!(detect_cni_in(&scoped).is_none());
    assert!(!ids_of(lint_job(true, &scoped)).contains(&NO_ENFORCING_CNI.to_string()));
}
