//! The main screen's panes: which exist, what is under the pointer,
//! scrolling and moving inside them.

use super::*;

pub(super) fn inner_height(r: Rect) -> usize {
    r.height.saturating_sub(2) as usize
}

/// The panes Tab cycles through, in order.
pub(super) fn panes(app: &App) -> Vec<Pane> {
    let mut v = vec![Pane::Tree];
    match app.detail {
        Detail::None => {}
        Detail::Namespace(_) | Detail::Service(_) | Detail::ClusterPolicy(_) => v.push(Pane::Main),
        Detail::Pod(_) | Detail::Policy(_) => v.extend([Pane::Main, Pane::Second]),
    }
    if app.findings.visible {
        v.push(Pane::Findings);
    }
    v
}

/// Lines in the pane and its inner height (for scroll limits).
pub(super) fn pane_extent(app: &App, pane: Pane) -> (usize, usize) {
    let a = layout(app);
    let t = &app.theme;
    match (&app.detail, pane) {
        (Detail::Pod(m), Pane::Main) => (
            views::pod::side_lines(m, &m.ingress, t, inner_w(a.main)).len(),
            inner_height(a.main),
        ),
        (Detail::Pod(m), Pane::Second) => (
            views::pod::side_lines(m, &m.egress, t, a.second.map_or(0, inner_w)).len(),
            a.second.map_or(0, inner_height),
        ),
        (Detail::Policy(m), Pane::Main) => (policy::yaml_lines(m, t).len(), inner_height(a.main)),
        (Detail::Policy(m), Pane::Second) => (
            policy::resolved_lines(m, t).len(),
            a.second.map_or(0, inner_height),
        ),
        (Detail::Namespace(m), Pane::Main) => (namespace::lines(m, t).len(), inner_height(a.main)),
        (Detail::ClusterPolicy(m), Pane::Main) => (
            views::cluster_policy::lines(m, t).len(),
            inner_height(a.main),
        ),
        (Detail::Service(m), Pane::Main) => {
            (views::service::lines(m, t).len(), inner_height(a.main))
        }
        _ => (0, 0),
    }
}

pub(super) fn scroll_pane(app: &mut App, pane: Pane, delta: isize) {
    let (lines, h) = pane_extent(app, pane);
    let slot = match pane {
        Pane::Main => &mut app.scroll_main,
        Pane::Second => &mut app.scroll_second,
        _ => return,
    };
    let cur = clamp_scroll(*slot, lines, h) as isize;
    *slot = clamp_scroll((cur + delta).max(0) as u16, lines, h);
}

pub(super) fn findings_move(app: &mut App, delta: isize) {
    let n = app
        .findings
        .all(&app.source.errors, &app.source.warnings)
        .len();
    let cur = app.findings.selected as isize;
    app.findings.selected = (cur + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
}

pub(super) fn pane_at(app: &App, pos: Position) -> Option<Pane> {
    let a = layout(app);
    if a.tree.contains(pos) {
        Some(Pane::Tree)
    } else if a.main.contains(pos) {
        Some(Pane::Main)
    } else if a.second.is_some_and(|r| r.contains(pos)) {
        Some(Pane::Second)
    } else if a.findings.is_some_and(|r| r.contains(pos)) {
        Some(Pane::Findings)
    } else {
        None
    }
}

/// Moves within a pane: the tree selection, a pane's scroll, a list.
pub(super) fn move_in(app: &mut App, pane: Pane, a: Action) {
    let a_rect = layout(app);
    match pane {
        Pane::Tree => {
            let page = inner_height(a_rect.tree).max(1);
            match a {
                Action::Up => tree_move(app, |i, _| i.saturating_sub(1)),
                Action::Down => tree_move(app, |i, _| i + 1),
                Action::PageUp => tree_move(app, |i, _| i.saturating_sub(page)),
                Action::PageDown => tree_move(app, |i, _| i + page),
                Action::Top => tree_move(app, |_, _| 0),
                Action::Bottom => tree_move(app, |_, n| n - 1),
                _ => {}
            }
        }
        Pane::Main | Pane::Second => {
            let page = (pane_extent(app, pane).1.max(2) - 1) as isize;
            let d = match a {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -page,
                Action::PageDown => page,
                Action::Top => -(u16::MAX as isize),
                Action::Bottom => u16::MAX as isize,
                _ => 0,
            };
            scroll_pane(app, pane, d);
        }
        Pane::Findings => {
            let page = a_rect.findings.map_or(1, inner_height).max(1) as isize;
            let d = match a {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -page,
                Action::PageDown => page,
                Action::Top => -(isize::MAX / 2),
                Action::Bottom => isize::MAX / 2,
                _ => 0,
            };
            findings_move(app, d);
        }
    }
}
