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

// A path, not `tui_snapshots/main.rs`: insta names and places snapshots after
// the asserting file, which must stay `tests/tui_snapshots.rs`.
#[path = "tui_snapshots/config.rs"]
mod config;
#[path = "tui_snapshots/interaction.rs"]
mod interaction;
#[path = "tui_snapshots/rollout.rs"]
mod rollout;

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

/// A snapshot named after this file (for the modules under
/// `tui_snapshots/`, whose own asserts insta would file elsewhere).
fn snapshot(name: &str, text: String) {
    insta::assert_snapshot!(name, text);
}

/// Jumps with the finder (`/`, query, Enter).
fn find(h: &mut Harness, q: &str) {
    h.keys("/");
    h.keys(q);
    h.key(KeyCode::Enter);
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
fn start_screen_tree_and_namespace() {
    let mut h = demo();
    insta::assert_snapshot!("start", h.text());
}

#[test]
fn tree_opens_and_badges_pods() {
    let mut h = demo();
    find(&mut h, "shop");
    h.key(KeyCode::Enter);
    // Past the 8 policies and the 5 Services: the first pod.
    h.keys("jjjjjjjjjjjjjj");
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
fn services_in_tree_service_view_and_pod_view() {
    let mut h = demo();
    find(&mut h, "svc/payments/api");
    assert_eq!(
        h.app.selected,
        Selected::Service(netpol_tui::engine::model::ServiceKey::new(
            "payments", "api"
        ))
    );
    // Right shows the backends under the Service.
    h.key(KeyCode::Right);
    let text = h.text();
    assert!(text.contains("⇄ api 443/TCP (2 backends)"), "{text}");
    assert!(
        text.contains("https(8443)") && text.contains("https(9443)"),
        "{text}"
    );
    insta::assert_snapshot!("tree_service_payments_api", text);
    // Down onto a backend: the pod itself, whose view lists its Services.
    h.key(KeyCode::Down);
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("payments", "api"))
    );
    h.key(KeyCode::Down);
    assert_eq!(
        h.app.selected,
        Selected::Pod(PodKey::new("payments", "api-canary"))
    );
    let text = h.text();
    assert!(text.contains("api 443->https(9443)/TCP"), "{text}");
    insta::assert_snapshot!("pod_canary_services", text);
    // Left goes back to the Service.
    h.key(KeyCode::Left);
    assert!(matches!(h.app.selected, Selected::Service(_)));
    // A selectorless Service: listed, no backends known, no verdict.
    find(&mut h, "svc/legacy/mainframe");
    let text = h.text();
    assert!(text.contains("⇄ mainframe 23/TCP (backends un"), "{text}");
    assert!(text.contains("backends unknown, so no verdict:"), "{text}");
    assert!(
        text.contains("selectorless: its endpoints are managed by hand"),
        "{text}"
    );
}

#[test]
fn trace_to_a_service_asks_its_port_and_prints_the_test() {
    let mut h = demo_with(ThemeKind::Mono, 120, 60);
    find(&mut h, "shop/checkout");
    h.keys("t");
    h.keys("svc/payments/api");
    h.key(KeyCode::Enter);
    // The port field opens for the Service port.
    assert!(matches!(&h.app.overlay, Overlay::Trace(t) if t.editing && t.service.is_some()));
    assert!(h.text().contains("the Service port: 443 or its name"));
    h.keys("443");
    h.key(KeyCode::Enter);
    let text = h.text();
    assert!(
        text.contains("PARTLY ALLOWED: shop/checkout -> Service payments/api"),
        "{text}"
    );
    assert!(
        text.contains("1 of 2 backends allowed on TCP 8443 or 9443"),
        "{text}"
    );
    assert!(text.contains("✗ payments/api-canary on TCP 9443"), "{text}");
    assert!(
        text.contains(
            "kubectl exec -n shop deploy/checkout -- nc -zv -w 3 api.payments.svc.cluster.local 443"
        ),
        "{text}"
    );
    insta::assert_snapshot!("trace_service_some", text);
    // Swap needs a pod or address destination (`Needs::TraceTo`): the key
    // is greyed and does nothing.
    assert!(!h.app.can(netpol_tui::tui::keymap::Needs::TraceTo));
    h.keys("s");
    assert!(matches!(&h.app.overlay, Overlay::Trace(t) if t.service.is_some()));
}
