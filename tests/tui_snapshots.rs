//! Snapshot tests of every view, rendered with ratatui's TestBackend from
//! the real update and draw code (jobs run inline), on the embedded demo
//! cluster. Monochrome theme, so the text carries the meaning; colours are
//! checked separately.
//!
//! Update after an intended change: `INSTA_UPDATE=always cargo test --test tui_snapshots`.

use crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Event, Labels, Pod, PodKey, Protocol};
use netpol_tui::tui::app::{Detail, Overlay, Selected, SourceInfo, SourceMsg, SyncState};
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};
use netpol_tui::tui::update::Msg;
use ratatui::style::{Modifier, Style};

fn demo_with(kind: ThemeKind, w: u16, h: u16) -> Harness {
    let loaded = netpol_tui::source::demo::load();
    let mut info = SourceInfo::new(netpol_tui::source::Origin::Demo);
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

/// The style of the first cell of `needle` on screen.
fn style_of(h: &mut Harness, needle: &str) -> Style {
    let b = h.render().clone();
    let w = b.area.width as usize;
    for row in b.content.chunks(w) {
        let line: String = row.iter().map(|c| c.symbol()).collect();
        if let Some(i) = line.find(needle) {
            // Cells before the match: count chars (one symbol per cell).
            let col = line[..i].chars().count();
            return row[col].style();
        }
    }
    panic!("{needle:?} not on screen:\n{}", h.text());
}

#[test]
fn trace_needs_a_pod_and_says_so_by_greying() {
    let mut h = demo_with(ThemeKind::Dark, 120, 40);
    let dim = h.app.theme.dim.fg;
    // A namespace is selected: `t` is unavailable and does nothing.
    h.keys("t");
    assert!(matches!(h.app.overlay, Overlay::None));
    assert!(h.app.flash.is_none());
    h.keys("?");
    assert_eq!(style_of(&mut h, "trace a connection from").fg, dim);
    assert_ne!(style_of(&mut h, "find a namespace, pod").fg, dim);
    h.key(KeyCode::Esc);
    find(&mut h, "shop/checkout");
    h.keys("?");
    assert_ne!(style_of(&mut h, "trace a connection from").fg, dim);
    h.key(KeyCode::Esc);
    h.keys("t");
    assert!(matches!(h.app.overlay, Overlay::Finder(_)));
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
fn what_if_menu_offers_the_quick_actions() {
    let mut h = demo();
    find(&mut h, "shop");
    h.keys("w");
    assert!(matches!(h.app.overlay, Overlay::WhatIf));
    let t = h.text();
    insta::assert_snapshot!("what_if_menu", t);
    assert!(
        t.contains("rehearse default-deny for namespace shop"),
        "{t}"
    );
    // No policy selected: deleting one is offered, greyed, and does nothing.
    h.keys("x");
    assert!(h.app.whatif.proposal.is_none() && h.app.whatif.note.is_none());
    let key = style_of(&mut h, "x  delete a policy (select one");
    assert!(!key.add_modifier.contains(Modifier::BOLD), "{key:?}");
    assert!(
        style_of(&mut h, "d  rehearse default-deny")
            .add_modifier
            .contains(Modifier::BOLD)
    );
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
}

fn outcome_counts(h: &Harness) -> (usize, usize) {
    let o = h.app.whatif.outcome.as_ref().expect("a diff was computed");
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    (o.lost, o.gained)
}

#[test]
fn what_if_default_deny_diff_explain_and_tree_badges() {
    let mut h = demo();
    find(&mut h, "shop");
    h.keys("wd");
    let t = h.text();
    insta::assert_snapshot!("what_if_default_deny_shop", t);
    let (lost, gained) = outcome_counts(&h);
    assert!(lost > 0, "default deny cuts shop's open egress");
    // checkout's own egress policy allowed DNS on UDP only: the bundle adds TCP.
    assert_eq!(gained, 1);
    assert!(
        t.find(&format!("{lost} lost · 1 gained")) < t.find("Lost connections (")
            && t.contains("Lost connections ("),
        "totals first: {t}"
    );
    // DNS stays: what is lost towards kube-dns is everything but port 53.
    let d = h.app.whatif.diff().expect("diff");
    let to_dns: Vec<_> = d
        .entries
        .iter()
        .filter(|e| e.dst.contains("coredns"))
        .collect();
    assert!(!to_dns.is_empty());
    for e in to_dns {
        assert!(!e.lost().contains(Protocol::Udp, 53), "{e:?}");
        assert!(!e.lost().contains(Protocol::Tcp, 53), "{e:?}");
    }
    // The namespace row is badged with the touched pods.
    assert!(t.contains("shop in 5/5 eg 1/5 ⚠4 Δ5"), "{t}");
    // The end of the list: the gained connection and the findings.
    h.keys("G");
    let t = h.text();
    insta::assert_snapshot!("what_if_default_deny_shop_end", t);
    assert!(
        t.contains("Gained connections (1)") && t.contains("Findings resolved ("),
        "{t}"
    );
    assert!(
        t.contains("+ checkout[Deployment] → coredns[Deployment]  TCP 53"),
        "{t}"
    );
    h.keys("g");
    // Down moves to the next change; Enter explains it.
    h.key(KeyCode::Down);
    h.key(KeyCode::Enter);
    assert!(h.app.whatif.drill);
    let t = h.text();
    insta::assert_snapshot!("what_if_explain", t);
    assert!(t.contains("Lost connection") && t.contains("Why"), "{t}");
    // Esc: back to the list, then closed; the badges stay while active.
    h.key(KeyCode::Esc);
    assert!(!h.app.whatif.drill);
    assert!(matches!(h.app.overlay, Overlay::WhatIf));
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
    h.key(KeyCode::Enter);
    let t = h.text();
    assert!(
        t.lines()
            .any(|l| l.contains("● frontend") && l.contains("Δ")),
        "{t}"
    );
    assert!(
        t.contains(&format!("what-if: {lost} lost, {gained} gained")),
        "{t}"
    );
    // `c` clears the proposal and the badges.
    h.keys("wc");
    h.key(KeyCode::Esc);
    let t = h.text();
    assert!(!t.contains("Δ") && !t.contains("what-if:"), "{t}");
}

#[test]
fn what_if_delete_policy_and_add_to_proposal() {
    let mut h = demo();
    find(&mut h, "shop/checkout-egress");
    h.keys("wx");
    let (lost, gained) = outcome_counts(&h);
    assert_eq!(lost, 0, "deleting an egress allow-list only opens things");
    assert!(gained > 0);
    let t = h.text();
    assert!(t.contains("delete shop/checkout-egress"), "{t}");
    assert!(t.contains("+ checkout[Deployment] →"), "{t}");
    // A second policy is added to the same proposal.
    h.key(KeyCode::Esc);
    find(&mut h, "payments/default-deny");
    h.keys("wx");
    let p = h.app.whatif.proposal.as_ref().expect("proposal");
    assert_eq!(p.deletes.len(), 2);
    outcome_counts(&h);
}

#[test]
fn what_if_draft_errors_are_located() {
    let mut h = demo();
    find(&mut h, "payments");
    h.keys("we");
    assert_eq!(h.edits.len(), 1, "asked for $EDITOR");
    assert!(h.edits[0].starts_with("# What-if draft"), "{}", h.edits[0]);
    let bad = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ok, namespace: payments}\nspec: {podSelector: {}}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: payments}\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: ICMP\n";
    h.send(Msg::Edited(Ok(bad.to_string())));
    let t = h.text();
    insta::assert_snapshot!("what_if_errors", t);
    assert!(t.contains("draft: document 2"), "{t}");
    assert!(t.contains("spec.ingress[0].ports[0]"), "{t}");
    assert!(h.app.whatif.diff().is_none());
    // Editing again starts from the draft, not the template.
    h.keys("e");
    assert_eq!(h.edits[1], bad);
    // The editor failing leaves the proposal as it was.
    h.send(Msg::Edited(Err("cannot run the editor".into())));
    assert!(h.text().contains("cannot run the editor"));
    assert!(h.app.whatif.proposal.is_some());
}

#[test]
fn what_if_load_with_completion_then_save() {
    let dir = std::env::temp_dir().join(format!("netpol-whatif-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("deny-legacy.yaml"),
        netpol_tui::engine::proposal::default_deny_bundle("legacy"),
    )
    .expect("write");
    let mut h = demo();
    h.keys("wf");
    assert!(h.app.whatif.prompt.is_some());
    // q types in the prompt.
    h.keys(&format!("{}/deny-l", dir.display()));
    h.key(KeyCode::Tab);
    let want = format!("{}/deny-legacy.yaml", dir.display());
    assert_eq!(
        h.app.whatif.prompt.as_ref().map(|p| p.input.clone()),
        Some(want.clone())
    );
    h.key(KeyCode::Enter);
    assert!(h.app.whatif.prompt.is_none());
    let (lost, _) = outcome_counts(&h);
    assert!(lost > 0);
    // Save: the default path, replaced by ours.
    h.keys("s");
    assert_eq!(
        h.app.whatif.prompt.as_ref().map(|p| p.input.clone()),
        Some("./netpol-proposal.yaml".to_string())
    );
    h.ctrl('u');
    let out = dir.join("out.yaml");
    h.keys(&out.display().to_string());
    h.key(KeyCode::Enter);
    let saved = std::fs::read_to_string(&out).expect("saved");
    assert!(saved.contains("kind: NetworkPolicy") && saved.contains("namespace: legacy\n"));
    let t = h.text();
    assert!(
        t.contains(&format!("kubectl apply -f {}", out.display())),
        "{t}"
    );
    assert!(!h.app.quit);
    // A missing file is an error in the panel, not a crash.
    h.keys("f");
    h.keys(&format!("{}/missing.yaml", dir.display()));
    h.key(KeyCode::Enter);
    assert!(h.text().contains("cannot read"), "{}", h.text());
    let _ = std::fs::remove_dir_all(&dir);
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
    for effect in pending {
        if let Effect::Spawn(job) = effect {
            let out = jobs::run(job);
            update(&mut h.app, Msg::Job(out));
        }
    }
    assert!(matches!(h.app.overlay, Overlay::None));
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("shop", "checkout"))
    );
}

#[test]
fn help_and_hints_show_the_users_bindings() {
    let config = netpol_tui::tui::config::parse(
        "[keys.global]\nhelp = \"F1\"\n[keys.browse]\nmatrix = [\"M\", \"Ctrl-X\"]\n[keys.help]\nclose = \"Esc\"\n",
    )
    .expect("valid config");
    let mut h = demo();
    h.app.keymap = config.keymap;
    // The status bar names the new help key.
    let start = h.text();
    let status = start.lines().last().unwrap_or_default();
    assert!(status.contains("F1 help"), "{status}");
    // `?` no longer opens the help; F1 does, and it lists the new keys.
    h.keys("?");
    assert!(matches!(h.app.overlay, Overlay::None));
    h.key(KeyCode::F(1));
    let help = h.text();
    assert!(help.contains("Help: keys (Esc to close)"), "{help}");
    // The help row of `what`, its keys first.
    let keys_of = |what: &str| -> String {
        let line = help.lines().find(|l| l.contains(what)).unwrap_or_default();
        let row = line.split('┃').nth(1).unwrap_or_default();
        row.split("  ")
            .find(|c| !c.is_empty())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(keys_of("help (this overlay)"), "F1", "{help}");
    assert_eq!(keys_of("connectivity matrix"), "M / Ctrl-X", "{help}");
    assert_eq!(keys_of("show/hide the findings"), "f", "{help}");
    h.keys("G");
    let end = h.text();
    assert!(end.contains("Help (F1)"), "{end}");
    // The new key acts.
    h.key(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
    h.keys("M");
    assert!(
        matches!(h.app.overlay, Overlay::Matrix(_)),
        "M opens the matrix"
    );
}
