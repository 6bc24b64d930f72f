//! The TUI with `--flows`: the pod panes list the recorded connections of
//! the pod's workload, marking those the policies do not explain.

use std::sync::Arc;

use crossterm::event::KeyCode;
use netpol_tui::engine::index::Index;
use netpol_tui::tui::app::SourceInfo;
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};

fn demo(flows: bool) -> Harness {
    let loaded = netpol_tui::source::demo::load();
    let mut h = Harness::new(
        Index::from_snapshot(loaded.snapshot),
        SourceInfo::new(netpol_tui::source::Origin::Demo),
        Theme::new(ThemeKind::Mono),
        160,
        60,
    );
    if flows {
        h.app.flows = Some(Arc::new(netpol_tui::source::flows::load_demo_flows()));
    }
    h
}

fn open(h: &mut Harness, q: &str) -> String {
    h.keys("/");
    h.keys(q);
    h.key(KeyCode::Enter);
    h.text()
}

#[test]
fn pod_panes_list_recorded_flows_with_their_status() {
    let mut h = demo(true);
    let text = open(&mut h, "payments/db");
    assert!(text.contains("Recorded flows (2)"), "{text}");
    assert!(text.contains("  payments/api[Deployment] "), "{text}");
    assert!(
        text.contains("    TCP 5432: 3 2026-11-30T10:02:11Z "),
        "{text}"
    );
    assert!(text.contains("  inventory/stock-sync[CronJob] "), "{text}");
    assert!(
        text.contains("    TCP 5432: 1 2026-11-30T10:01:35Z "),
        "{text}"
    );
    assert!(text.contains("    ✗ forwarded-but-denied "), "{text}");
    // Without --flows nothing changes.
    let mut h = demo(false);
    assert!(!open(&mut h, "payments/db").contains("Recorded flows"));
}
