//! The rollout view: namespaces with their isolation and what a
//! default-deny would cut, walked one by one; `d` and `p` hand a namespace
//! to the what-if (default-deny, or the suggested policies from `--flows`).

use crate::tui::models::rollout::{RolloutState, Suggested};
use crate::tui::whatif::Proposal;

use super::*;

/// Opens the view and asks for its rows (every namespace's what-if is work:
/// a background job).
pub(super) fn open_rollout(app: &mut App, fx: &mut Vec<Effect>) {
    let want = app.selected.namespace().map(str::to_string);
    app.overlay = Overlay::Rollout(Box::default());
    spawn_rollout(app, fx);
    if let Overlay::Rollout(r) = &mut app.overlay {
        r.want = want;
    }
}

pub(super) fn spawn_rollout(app: &mut App, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    if let Overlay::Rollout(r) = &mut app.overlay {
        r.pending = Some(id);
    }
    fx.push(Effect::Spawn(Job::Rollout {
        id,
        index: app.index.clone(),
        flows: app.flows.clone(),
    }));
}

/// Rows the table shows (the view's layout decides).
fn page(app: &App) -> usize {
    views::rollout::table_height(layout(app).body).max(1)
}

pub(super) fn rollout(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let h = page(app);
    let Overlay::Rollout(r) = &mut app.overlay else {
        return;
    };
    let n = r.data.as_ref().map_or(0, |d| d.rows.len());
    let last = n.saturating_sub(1) as isize;
    let go = |r: &mut RolloutState, d: isize| {
        r.row = (r.row as isize + d).clamp(0, last.max(0)) as usize;
        if r.row < r.scroll {
            r.scroll = r.row;
        } else if r.row >= r.scroll + h {
            r.scroll = r.row + 1 - h;
        }
    };
    match a {
        Action::Close | Action::Rollout => app.overlay = Overlay::None,
        Action::Up | Action::ScrollUp => go(r, -1),
        Action::Down | Action::ScrollDown => go(r, 1),
        Action::PageUp => go(r, -(h as isize)),
        Action::PageDown => go(r, h as isize),
        Action::Top => go(r, -last - 1),
        Action::Bottom => go(r, last + 1),
        Action::WhatIfDefaultDeny => {
            let Some(ns) = r.selected().map(|x| x.namespace.clone()) else {
                return;
            };
            to_whatif(app, Proposal::default_deny(&ns), fx);
        }
        // Available with `--flows` (`Needs::Flows`).
        Action::RolloutSuggest => {
            let (Some(ns), Some(flows)) =
                (r.selected().map(|x| x.namespace.clone()), app.flows.clone())
            else {
                return;
            };
            let id = app.job_id();
            if let Overlay::Rollout(r) = &mut app.overlay {
                r.suggesting = Some((id, ns.clone()));
                r.note = Some((true, format!("suggesting policies for {ns}…")));
            }
            fx.push(Effect::Spawn(Job::Suggest {
                id,
                index: app.index.clone(),
                flows,
                namespace: ns,
            }));
        }
        Action::Help => open_help(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        _ => {}
    }
}

/// Hands a proposal to the what-if and shows it; closing the what-if comes
/// back here.
fn to_whatif(app: &mut App, p: Proposal, fx: &mut Vec<Effect>) {
    let back = std::mem::replace(&mut app.overlay, Overlay::None);
    whatif::propose(app, p, fx);
    whatif::open(app);
    if let Overlay::Rollout(r) = back {
        app.whatif.back = Some(r);
    }
}

/// The rows arrived.
pub(super) fn rows_done(
    app: &mut App,
    id: u64,
    generation: u64,
    data: Arc<crate::tui::models::rollout::Rollout>,
    fx: &mut Vec<Effect>,
) {
    let h = page(app);
    let Overlay::Rollout(r) = &mut app.overlay else {
        return;
    };
    if r.pending != Some(id) {
        return;
    }
    r.pending = None;
    r.generation = generation;
    // The namespace asked for, else the one selected (kept by name when
    // namespaces come and go).
    let keep = r.selected().map(|x| x.namespace.clone());
    if let Some(want) = r.want.take().or(keep)
        && let Some(p) = data.rows.iter().position(|x| x.namespace == want)
    {
        r.row = p;
        if p < r.scroll || p >= r.scroll + h {
            r.scroll = p.saturating_sub(h.saturating_sub(1));
        }
    }
    r.row = r.row.min(data.rows.len().saturating_sub(1));
    r.scroll = r.scroll.min(r.row);
    r.data = Some(data);
    // Changed again while computing: go again.
    if generation != app.index.generation() {
        spawn_rollout(app, fx);
    }
}

/// The suggestion arrived: into the what-if (then `s` saves it).
pub(super) fn suggest_done(app: &mut App, id: u64, ns: String, s: Suggested, fx: &mut Vec<Effect>) {
    let Overlay::Rollout(r) = &mut app.overlay else {
        return;
    };
    if r.suggesting.as_ref().map(|(i, _)| *i) != Some(id) {
        return;
    }
    r.suggesting = None;
    r.note = None;
    let p = Proposal {
        title: format!("suggested for {ns}"),
        source: format!("suggested-{ns}.yaml"),
        yaml: s.yaml,
        file: None,
        deletes: vec![],
    };
    to_whatif(app, p, fx);
    app.whatif.note = Some((
        s.lost == 0,
        format!("suggested from recorded flows: {}", s.proof),
    ));
}
