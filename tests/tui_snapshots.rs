//! Snapshot tests of every view, rendered with ratatui's TestBackend from
//! the real update and draw code (jobs run inline), on the embedded demo
//! cluster. Monochrome theme, so the text carries the meaning; colours are
//! checked separately.
//!
//! Update after an intended change: `INSTA_UPDATE=always cargo test --test tui_snapshots`.

use crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Event, Labels, Pod, PodKey};
use netpol_tui::tui::app::{
    Detail, Overlay, Selected, SourceInfo, SourceKind, SourceMsg, SyncState,
};
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};
use netpol_tui::tui::update::Msg;

fn demo_with(kind: ThemeKind, w: u16, h: u16) -> Harness {
    let loaded = netpol_tui::source::demo::load();
    let mut info = SourceInfo::new(SourceKind::Demo);
    info.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
    info.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
    Harness::new(
        Index::from_snapshot(loaded.snapshot),
        info,
        Theme::new(kind),
        w,
        h,
    )
}

fn demo() -> Harness {
    demo_with(ThemeKind::Mono, 120, 40)
}

/// Jumps with the finder (`/`, query, Enter).
fn find(h: &mut Harness, q: &str) {
    h.keys("/");
    h.keys(q);
    h.key(KeyCode::Enter);
}

#[test]
fn start_screen_tree_and_namespace() {
    let mut h = demo();
    insta::assert_snapshot!("start", h.text());
}

#[test]
fn tree_opens_and_badges_pods() {
    let mut h = demo();
    find(&mut h, "shop");
    h.key(KeyCode::Enter);
    h.keys("jjjjjjjjj");
    insta::assert_snapshot!("tree_open_shop", h.text());
    assert!(
        matches!(h.app.selected, Selected::Pod(_)),
        "{:?}",
        h.app.selected
    );
}

#[test]
fn pod_view() {
    let mut h = demo();
    find(&mut h, "shop/checkout");
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("shop", "checkout"))
    );
    insta::assert_snapshot!("pod_checkout", h.text());
}

#[test]
fn pod_view_wide_side_by_side() {
    let mut h = demo_with(ThemeKind::Mono, 160, 44);
    find(&mut h, "payments/api");
    insta::assert_snapshot!("pod_payments_api_wide", h.text());
}

#[test]
fn pod_view_not_isolated_and_host_network() {
    let mut h = demo();
    find(&mut h, "legacy/ftp");
    insta::assert_snapshot!("pod_not_isolated", h.text());
    find(&mut h, "kube-system/calico-node");
    insta::assert_snapshot!("pod_host_network", h.text());
}

#[test]
fn policy_view() {
    let mut h = demo();
    find(&mut h, "shop/checkout-egress");
    assert!(matches!(h.app.detail, Detail::Policy(_)));
    insta::assert_snapshot!("policy_checkout_egress", h.text());
}

#[test]
fn namespace_view_and_findings_pane() {
    let mut h = demo();
    find(&mut h, "payments");
    h.keys("f");
    insta::assert_snapshot!("namespace_payments_findings", h.text());
    // Tab to the findings pane, Enter jumps to the finding's target.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.keys("jj");
    h.key(KeyCode::Enter);
    assert_ne!(h.app.selected, Selected::Namespace("payments".into()));
}

#[test]
fn matrix_namespaces_then_pods() {
    let mut h = demo();
    find(&mut h, "shop");
    h.keys("m");
    insta::assert_snapshot!("matrix_namespaces", h.text());
    h.key(KeyCode::Enter);
    h.keys("jl");
    insta::assert_snapshot!("matrix_pods_shop", h.text());
    h.key(KeyCode::Backspace);
    assert!(matches!(&h.app.overlay, Overlay::Matrix(m) if m.zoom.is_none()));
    // The help opens over the matrix and closes back to it.
    h.keys("?");
    assert!(h.text().contains("Help: keys"));
    h.keys("?");
    assert!(matches!(&h.app.overlay, Overlay::Matrix(_)));
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
}

#[test]
fn trace_allowed_then_denied() {
    let mut h = demo();
    find(&mut h, "shop/checkout");
    h.keys("t");
    h.keys("payments/api");
    insta::assert_snapshot!("trace_pick_destination", h.text());
    h.key(KeyCode::Enter);
    h.keys("8443");
    h.key(KeyCode::Enter);
    insta::assert_snapshot!("trace_allowed", h.text());
    h.keys("d");
    h.keys("payments/db");
    h.key(KeyCode::Enter);
    h.keys("5432");
    h.key(KeyCode::Enter);
    insta::assert_snapshot!("trace_denied", h.text());
    h.keys("s");
    insta::assert_snapshot!("trace_swapped", h.text());
}

#[test]
fn trace_needs_a_pod() {
    let mut h = demo();
    h.keys("t");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(h.text().contains("select a pod first"));
}

#[test]
fn finder_narrows_and_esc_closes() {
    let mut h = demo();
    h.keys("/");
    insta::assert_snapshot!("finder_empty", h.text());
    h.keys("api");
    insta::assert_snapshot!("finder_api", h.text());
    h.key(KeyCode::Backspace);
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
}

#[test]
fn help_lists_every_key_and_scrolls() {
    let mut h = demo();
    h.keys("?");
    insta::assert_snapshot!("help", h.text());
    h.keys("G");
    insta::assert_snapshot!("help_end", h.text());
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
}

#[test]
fn what_if_placeholder() {
    let mut h = demo();
    h.keys("w");
    insta::assert_snapshot!("what_if", h.text());
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut h = demo();
    h.keys("q");
    assert!(h.app.quit);
    let mut h = demo();
    h.keys("/");
    h.keys("q");
    assert!(!h.app.quit, "q types in the finder");
    h.ctrl('c');
    assert!(h.app.quit);
}

#[test]
fn live_updates_keep_selection_and_scroll() {
    let mut h = demo_with(ThemeKind::Mono, 120, 24);
    find(&mut h, "shop/checkout");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Down);
    h.key(KeyCode::Down);
    let scroll = h.app.scroll_main;
    assert!(scroll > 0, "pane scrolled");
    let before = h.text();
    let pod = Pod {
        namespace: "legacy".into(),
        name: "new-pod".into(),
        labels: Labels::from([("app".to_string(), "new".to_string())]),
        ports: vec![],
        ips: vec![],
        host_network: false,
        owner: None,
    };
    h.send(Msg::Source(vec![
        SourceMsg::Event(Event::UpsertPod(pod)),
        SourceMsg::Health {
            kind: "pods".into(),
            state: SyncState::Live,
            detail: None,
        },
    ]));
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("shop", "checkout"))
    );
    assert_eq!(h.app.scroll_main, scroll);
    let after = h.text();
    assert!(after.contains("pods Live"), "{after}");
    assert!(after.contains("22 pods"), "{after}");
    // Same view apart from the status bar and the legacy badge (one more pod).
    let body = |s: &str| {
        s.lines()
            .take(23)
            .filter(|l| !l.contains("legacy"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&before), body(&after));
    assert!(after.contains("legacy in 0/4 eg 0/4"), "{after}");
    // The selected pod disappears: its namespace is selected instead.
    h.send(Msg::Source(vec![SourceMsg::Event(Event::DeletePod(
        PodKey::new("shop", "checkout"),
    ))]));
    assert_eq!(h.app.selected, Selected::Namespace("shop".into()));
}

#[test]
fn mouse_wheel_scrolls_and_click_selects() {
    let mut h = demo_with(ThemeKind::Mono, 120, 24);
    find(&mut h, "shop/checkout");
    h.render();
    let a = netpol_tui::tui::views::layout(&h.app);
    let wheel = |kind, x, y| MouseEvent {
        kind,
        column: x,
        row: y,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    let second = a.second.expect("pod view has an egress pane");
    h.send(Msg::Mouse(wheel(
        MouseEventKind::ScrollDown,
        second.x + 2,
        second.y + 2,
    )));
    assert!(
        h.app.scroll_second > 0,
        "the wheel scrolls the pane under the pointer"
    );
    assert_eq!(h.app.scroll_main, 0);
    // Click the first row of the tree: the first namespace.
    h.send(Msg::Mouse(wheel(
        MouseEventKind::Down(MouseButton::Left),
        a.tree.x + 3,
        a.tree.y + 1,
    )));
    assert_eq!(h.app.selected, Selected::Namespace("inventory".into()));
}

#[test]
fn themes_colour_meaning_and_no_color_has_none() {
    use ratatui::style::Color;
    for (kind, coloured) in [
        (ThemeKind::Dark, true),
        (ThemeKind::Light, true),
        (ThemeKind::Mono, false),
    ] {
        let mut h = demo_with(kind, 120, 40);
        find(&mut h, "shop/checkout");
        let buf = h.render().clone();
        let colours = buf
            .content
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset);
        assert_eq!(colours, coloured, "{kind:?}");
    }
}

#[test]
fn enter_before_the_search_lands_picks_from_the_final_query() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use netpol_tui::tui::jobs;
    use netpol_tui::tui::update::{Effect, update};
    let mut h = demo();
    h.keys("/");
    // Type and press Enter without letting any search finish.
    let mut pending = Vec::new();
    for c in "shop/checkout".chars() {
        pending.extend(update(
            &mut h.app,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        ));
    }
    pending.extend(update(
        &mut h.app,
        Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    ));
    assert!(
        matches!(h.app.overlay, Overlay::Finder(_)),
        "waits for the search"
    );
    for Effect::Spawn(job) in pending {
        let out = jobs::run(job);
        update(&mut h.app, Msg::Job(out));
    }
    assert!(matches!(h.app.overlay, Overlay::None));
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("shop", "checkout"))
    );
}
