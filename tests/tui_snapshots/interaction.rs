//! Behaviour without snapshots: greyed bindings, what-if proposals and files,
//! quitting, live updates, the mouse, themes and typed-ahead keys. Kept out of
//! the crate root so that the snapshot tests there keep their `tui_snapshots__`
//! file names.

use super::*;

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
    assert!(after.contains("23 pods"), "{after}");
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
    // Click the first row of the tree: the namespace shown there (the tree
    // may be scrolled to keep the selected pod in view).
    let first_row = h
        .text()
        .lines()
        .nth(usize::from(a.tree.y + 1))
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        })
        .expect("a namespace on the first tree row")
        .to_string();
    h.send(Msg::Mouse(wheel(
        MouseEventKind::Down(MouseButton::Left),
        a.tree.x + 3,
        a.tree.y + 1,
    )));
    assert_eq!(h.app.selected, Selected::Namespace(first_row));
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
