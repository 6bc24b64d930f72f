//! The rollout view: with and without recorded flows, and its keys that
//! hand a namespace to the what-if (then `s` saves it).

use std::sync::Arc;

use crossterm::event::KeyCode;
use netpol_tui::tui::app::Overlay;
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::ThemeKind;

fn rollout(flows: bool) -> Harness {
    let mut h = super::demo_with(ThemeKind::Mono, 130, 24);
    if flows {
        h.app.flows = Some(Arc::new(netpol_tui::source::flows::load_demo_flows()));
    }
    // Start at shop: the view selects the tree's namespace.
    super::find(&mut h, "shop");
    h.keys("r");
    h
}

fn selected_ns(h: &Harness) -> String {
    match &h.app.overlay {
        Overlay::Rollout(r) => r
            .selected()
            .map(|r| r.namespace.clone())
            .unwrap_or_default(),
        _ => panic!("the rollout is not open"),
    }
}

#[test]
fn rollout_with_recorded_flows() {
    let mut h = rollout(true);
    assert_eq!(selected_ns(&h), "shop");
    super::snapshot("rollout_flows", h.text());
}

#[test]
fn rollout_without_flows_greys_the_suggestion() {
    let mut h = rollout(false);
    let t = h.text();
    super::snapshot("rollout_no_flows", t);
    // `p` needs recorded flows: nothing happens.
    h.keys("p");
    assert!(matches!(h.app.overlay, Overlay::Rollout(_)));
    assert!(h.app.whatif.proposal.is_none());
    // `d` works without: the default-deny of the row's namespace.
    h.keys("j");
    let ns = selected_ns(&h);
    h.keys("d");
    assert!(matches!(h.app.overlay, Overlay::WhatIf));
    let p = h.app.whatif.proposal.as_ref().expect("a proposal");
    assert_eq!(p.title, format!("default-deny for {ns}"));
    // Closing the what-if goes back to the rollout, on the same row.
    h.key(KeyCode::Esc);
    assert_eq!(selected_ns(&h), ns);
}

#[test]
fn suggest_key_puts_the_suggestion_into_the_what_if_and_s_saves_it() {
    let mut h = rollout(true);
    h.keys("p");
    assert!(
        matches!(h.app.overlay, Overlay::WhatIf),
        "the what-if opens"
    );
    let p = h.app.whatif.proposal.clone().expect("a proposal");
    assert_eq!(p.title, "suggested for shop");
    assert!(
        p.yaml.contains("name: suggested-default-deny\n"),
        "{}",
        p.yaml
    );
    assert!(p.yaml.contains("name: suggested-cart\n"), "{}", p.yaml);
    let note = h.app.whatif.note.clone().expect("the proof");
    assert!(note.0, "{note:?}");
    assert!(note.1.contains("0 recorded connections lost"), "{}", note.1);
    // The what-if computed it: nothing recorded is cut.
    let o = h.app.whatif.outcome.clone().expect("computed");
    assert!(o.errors.is_empty(), "{:?}", o.errors);
    assert_eq!(o.observed_lost, Some(0));
    assert!(o.lost > 0, "it closes theoretical connections");
    // `s` saves it, with what to run.
    let dir = std::env::temp_dir().join(format!("netpol-rollout-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("shop.yaml");
    h.keys("s");
    h.ctrl('u');
    h.keys(&out.display().to_string());
    h.key(KeyCode::Enter);
    let saved = std::fs::read_to_string(&out).expect("saved");
    assert!(saved.starts_with("# netpol-tui what-if proposal: suggested for shop\n"));
    assert!(saved.contains(&format!("#   kubectl apply -f {}", out.display())));
    assert!(saved.ends_with(&p.yaml), "the YAML as suggested");
    let _ = std::fs::remove_dir_all(&dir);
    // Esc: back to the rollout, at shop.
    h.key(KeyCode::Esc);
    assert_eq!(selected_ns(&h), "shop");
}

#[test]
fn rollout_before_its_job_returns_lists_namespaces_with_isolation() {
    use netpol_tui::tui::update::{Msg, update};
    let mut h = super::demo_with(ThemeKind::Mono, 130, 24);
    // Opened without running the job it asks for.
    let fx = update(
        &mut h.app,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('r'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(!fx.is_empty(), "the rows are a background job");
    let t = h.text();
    assert!(t.contains("computing the default-deny what-if"), "{t}");
    assert!(t.contains(" shop "), "{t}");
    assert!(t.contains("  yes "), "isolation is known at once: {t}");
    assert!(t.contains("…"), "{t}");
}

#[test]
fn rollout_follows_the_cluster() {
    use netpol_tui::engine::model::Event;
    use netpol_tui::tui::app::SourceMsg;
    use netpol_tui::tui::update::Msg;
    let mut h = rollout(false);
    let legacy = |h: &Harness| match &h.app.overlay {
        Overlay::Rollout(r) => r
            .data
            .as_ref()
            .and_then(|d| d.rows.iter().find(|x| x.namespace == "legacy").cloned())
            .expect("a legacy row"),
        _ => panic!("the rollout is not open"),
    };
    let before = legacy(&h);
    assert_eq!(before.stats.ingress_isolated, 0);
    assert!(before.cut_theoretical.as_ref().is_ok_and(|n| *n > 0));
    // The default-deny lands in the cluster: legacy is isolated, and a
    // default-deny there would cut nothing more.
    let [deny, dns] = netpol_tui::engine::proposal::default_deny_policies("legacy");
    h.send(Msg::Source(vec![
        SourceMsg::Event(Event::UpsertPolicy(deny)),
        SourceMsg::Event(Event::UpsertPolicy(dns)),
    ]));
    let after = legacy(&h);
    assert_eq!(after.stats.ingress_isolated, after.stats.pods);
    assert_eq!(after.stats.egress_isolated, after.stats.pods);
    assert_eq!(after.cut_theoretical, Ok(0));
    assert_eq!(selected_ns(&h), "shop", "the selection stays");
}
