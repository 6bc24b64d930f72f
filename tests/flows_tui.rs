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

#[test]
fn the_what_if_job_counts_and_sorts_lost_rows_with_recorded_traffic_first() {
    use netpol_tui::tui::whatif::{YamlInput, build_rows, compute};
    let idx = Arc::new(Index::from_snapshot(
        netpol_tui::source::demo::load().snapshot,
    ));
    let flows = Arc::new(netpol_tui::source::flows::load_demo_flows());
    use netpol_tui::engine::model::PolicyKey;
    // inventory -> inventory sorts before payments -> payments by name,
    // but only api -> db carried recorded traffic between pods (1 more
    // connection goes to an address outside).
    let keys = [
        PolicyKey::new("inventory", "stock-sync-egress"),
        PolicyKey::new("payments", "db-allow-clients"),
    ];
    let input = || YamlInput::Text {
        name: "draft".into(),
        text: String::new(),
    };
    let (o, _) = compute(idx.clone(), input(), &keys, false, Some(flows));
    assert_eq!(o.observed_lost, Some(4));
    assert!(o.lost >= 2, "{}", o.lost);
    let d = o.diff.clone().expect("diff");
    let rows = build_rows(&d, false, &o.observed);
    let first = rows
        .iter()
        .find_map(|r| match r {
            netpol_tui::tui::whatif::DiffRow::Entry(netpol_tui::tui::whatif::Change::Lost, i) => {
                Some(*i)
            }
            _ => None,
        })
        .expect("a lost row");
    assert_eq!(o.observed[first], 3);
    assert_eq!(&*d.entries[first].src, "payments/api[Deployment]");
    // Without flows: no counts, name order.
    let (o, _) = compute(idx, input(), &keys, false, None);
    assert_eq!(o.observed_lost, None);
    assert!(o.observed.is_empty());
    let d = o.diff.clone().expect("diff");
    let first = build_rows(&d, false, &o.observed)
        .iter()
        .find_map(|r| match r {
            netpol_tui::tui::whatif::DiffRow::Entry(netpol_tui::tui::whatif::Change::Lost, i) => {
                Some(*i)
            }
            _ => None,
        })
        .expect("a lost row");
    assert!(d.entries[first].src.starts_with("inventory/"));
}

/// The rollout view's numbers are `diff`'s and `suggest`'s: per demo
/// namespace, the default-deny bundle's lost rows and recorded connections
/// cut as the real binary prints them, and the suggestion byte for byte.
#[test]
fn rollout_counts_match_the_diff_and_suggest_commands() {
    use netpol_tui::engine::proposal::default_deny_bundle;
    use netpol_tui::tui::models::rollout::{compute, suggested};
    use std::process::Command;
    const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");
    let run = |args: &[&str]| {
        let o = Command::new(BIN)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let idx = Arc::new(Index::from_snapshot(
        netpol_tui::source::demo::load().snapshot,
    ));
    let flows = netpol_tui::source::flows::load_demo_flows();
    let r = compute(&idx, Some(&flows));
    assert!(r.flows);
    assert_eq!(r.rows.len(), idx.namespace_names().len());
    let dir = std::env::temp_dir().join(format!("netpol-rollout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut some_cut = false;
    for row in &r.rows {
        let ns = &row.namespace;
        let f = dir.join(format!("{ns}.yaml"));
        std::fs::write(&f, default_deny_bundle(ns)).expect("writes");
        let f = f.to_str().expect("utf-8 path");
        let out = run(&["--demo", "diff", "--apply", f, "--flows", "demo"]);
        let lost: usize = out
            .lines()
            .find_map(|l| l.split_once(" lost, ").map(|(n, _)| n.trim().parse().ok()))
            .flatten()
            .unwrap_or_else(|| panic!("{ns}: no lost count in {out}"));
        let cut: u64 = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("would break: "))
            .and_then(|l| l.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("{ns}: no would-break line in {out}"));
        assert_eq!(row.cut_theoretical, Ok(lost), "{ns}");
        assert_eq!(row.cut_recorded, Some(cut), "{ns}");
        assert!(row.recorded.is_some_and(|n| n >= cut), "{ns}: {row:?}");
        some_cut |= cut > 0;
    }
    assert!(
        some_cut,
        "the demo recording has traffic a default-deny cuts"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // Suggest: the same YAML as the command, and its proof.
    let s = suggested(&idx, &flows, "shop");
    assert_eq!(s.yaml, run(&["--demo", "suggest", "-n", "shop"]));
    assert_eq!(s.lost, 0);
    assert!(
        s.proof
            .starts_with("0 recorded connections lost, 43 theoretical"),
        "{}",
        s.proof
    );
    // Without recordings the recorded columns are empty, the cuts the same.
    let bare = compute(&idx, None);
    for (a, b) in bare.rows.iter().zip(&r.rows) {
        assert_eq!((a.recorded, a.cut_recorded), (None, None));
        assert_eq!(a.cut_theoretical, b.cut_theoretical);
        assert_eq!(a.stats, b.stats);
    }
}
