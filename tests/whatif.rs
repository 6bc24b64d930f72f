//! The what-if of the TUI's "rehearse default-deny" quick action on the
//! demo cluster, through the same path the TUI takes (bundle -> file source
//! -> proposal -> `preview`): connections are lost, DNS to kube-dns is not.

use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::diff::{PreviewOptions, preview};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::Protocol;
use netpol_tui::engine::proposal::{Proposal, default_deny_bundle};
use netpol_tui::source::files::load_sources;
use netpol_tui::tui::whatif::{YamlInput, compute};

fn demo() -> Index {
    Index::from_snapshot(netpol_tui::source::demo::load().snapshot)
}

#[test]
fn default_deny_rehearsal_loses_connections_but_not_dns() {
    for ns in ["shop", "legacy", "monitoring"] {
        let idx = demo();
        let l = load_sources(&[("bundle".into(), default_deny_bundle(ns))]);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        let p = Proposal::from_loaded(&idx, l.snapshot, &l.implicit_namespaces);
        let d = preview(&idx, &p, &PreviewOptions::new(Granularity::Pod));
        let lost = d.lost();
        assert!(!lost.is_empty(), "{ns}: a default deny cuts something");
        assert!(
            lost.iter().any(|r| r.src.starts_with(&format!("{ns}/"))),
            "{ns}: egress of the namespace is cut"
        );
        let mut dns_rows = 0;
        for e in d.entries.iter().filter(|e| {
            e.src.starts_with(&format!("{ns}/")) && e.dst.starts_with("kube-system/coredns")
        }) {
            dns_rows += 1;
            for proto in [Protocol::Udp, Protocol::Tcp] {
                assert!(!e.lost().contains(proto, 53), "{ns}: DNS lost: {e:?}");
            }
        }
        assert!(dns_rows > 0, "{ns}: the other ports to kube-dns are cut");
        // And after the change DNS really is allowed, on both protocols.
        let mut after = demo();
        after.apply_all(p.events());
        let r = report(&after, Granularity::Pod);
        let to_dns: Vec<_> = r
            .internal
            .iter()
            .filter(|c| {
                c.src.starts_with(&format!("{ns}/")) && c.dst.starts_with("kube-system/coredns")
            })
            .collect();
        // hostNetwork pods get no verdicts.
        let pods = after
            .pods_in(ns)
            .filter(|k| after.pod(k).is_some_and(|p| !p.host_network))
            .count();
        assert!(pods > 0);
        assert_eq!(to_dns.len(), pods, "{ns}: every pod reaches kube-dns");
        for c in to_dns {
            assert!(c.ports.contains(Protocol::Udp, 53) && c.ports.contains(Protocol::Tcp, 53));
        }
    }
}

#[test]
fn the_tui_job_reports_the_same_and_restores_nothing_it_does_not_own() {
    let idx = std::sync::Arc::new(demo());
    let generation = idx.generation();
    let (o, read) = compute(
        idx.clone(),
        YamlInput::Text {
            name: "bundle".into(),
            text: default_deny_bundle("legacy"),
        },
        &[],
        true,
        None,
    );
    assert!(read.is_none());
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert!(o.lost > 0);
    let d = o.diff.expect("diff");
    assert!(
        d.findings_resolved
            .iter()
            .any(|f| f.namespace.as_deref() == Some("legacy")),
        "the missing default deny of legacy is resolved: {:?}",
        d.findings_resolved
    );
    // The shared index is untouched (the job works on a copy).
    assert_eq!(idx.generation(), generation);
    // Bad input is reported, not computed.
    let (o, _) = compute(
        idx.clone(),
        YamlInput::Text {
            name: "draft".into(),
            text: "kind: NetworkPolicy\nmetadata: {name: x}\nspec: [\n".into(),
        },
        &[],
        false,
        None,
    );
    assert!(o.diff.is_none() && !o.errors.is_empty());
    assert!(o.errors[0].starts_with("draft"), "{:?}", o.errors);
}
