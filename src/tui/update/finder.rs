//! The finder: searching as you type, and picking a match.

use super::*;

pub(super) fn spawn_search(app: &mut App, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    let Overlay::Finder(f) = &mut app.overlay else {
        return;
    };
    let Some(c) = f.candidates.clone() else {
        return;
    };
    let within = match &f.matches {
        Some(m) if !f.matched_query.is_empty() && f.query.starts_with(&f.matched_query) => {
            Some(m.clone())
        }
        _ => None,
    };
    f.pending = Some(id);
    let trace_only = matches!(f.purpose, Purpose::TraceTo(_));
    fx.push(Effect::Spawn(Job::Search {
        id,
        candidates: c,
        query: f.query.clone(),
        within,
        trace_only,
    }));
}

pub(super) fn open_finder(app: &mut App, purpose: Purpose, fx: &mut Vec<Effect>) {
    let mut f = FinderState::new(purpose);
    let fresh = app
        .candidates
        .as_ref()
        .filter(|c| c.generation == app.index.generation())
        .cloned();
    f.candidates = fresh.clone().or_else(|| app.candidates.clone());
    app.overlay = Overlay::Finder(Box::new(f));
    if fresh.is_none() && app.candidates_pending.is_none() {
        let id = app.job_id();
        app.candidates_pending = Some(id);
        fx.push(Effect::Spawn(Job::Candidates {
            id,
            index: app.index.clone(),
        }));
    }
    spawn_search(app, fx);
}

pub(super) fn finder(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let page = (app.height.saturating_sub(9)).max(1) as usize;
    let Overlay::Finder(f) = &mut app.overlay else {
        return;
    };
    let rows = f.rows();
    match a {
        Action::Close => {
            let f = std::mem::replace(&mut app.overlay, Overlay::None);
            if let Overlay::Finder(f) = f
                && let Purpose::TraceTo(t) = f.purpose
                && (t.to.is_some() || t.service.is_some())
            {
                app.overlay = Overlay::Trace(t);
            }
        }
        Action::Input(c) => {
            f.query.push(c);
            f.selected = 0;
            spawn_search(app, fx);
        }
        Action::Backspace => {
            f.query.pop();
            f.selected = 0;
            spawn_search(app, fx);
        }
        Action::ClearInput => {
            f.query.clear();
            f.selected = 0;
            spawn_search(app, fx);
        }
        Action::Up => f.selected = f.selected.saturating_sub(1),
        Action::Down => f.selected = (f.selected + 1).min(rows.saturating_sub(1)),
        Action::PageUp => f.selected = f.selected.saturating_sub(page),
        Action::PageDown => f.selected = (f.selected + page).min(rows.saturating_sub(1)),
        Action::Activate => {
            // Enter typed faster than the search: accept when it lands,
            // so the pick is a match of the query as typed.
            if (f.pending.is_some() || f.candidates.is_none()) && f.ip_query().is_none() {
                f.accept_when_ready = true;
            } else {
                finder_accept(app);
            }
        }
        _ => {}
    }
}

/// Enter in the finder: jump to the selected match, or make it the trace's
/// destination.
pub(super) fn finder_accept(app: &mut App) {
    let Overlay::Finder(f) = &app.overlay else {
        return;
    };
    let Some(target) = f.target(f.selected) else {
        return;
    };
    let Overlay::Finder(f) = std::mem::replace(&mut app.overlay, Overlay::None) else {
        return;
    };
    match f.purpose {
        Purpose::Jump => {
            let sel = match target {
                Target::Namespace(n) => Selected::Namespace(n),
                Target::End(End::Pod(k)) => Selected::Pod(k),
                Target::Policy(k) => Selected::Policy(k),
                Target::Service(k) => Selected::Service(k),
                Target::End(End::Ip(_)) => Selected::None,
            };
            select(app, sel);
            app.focus = Pane::Tree;
        }
        Purpose::TraceTo(mut t) => {
            match target {
                Target::End(e) => {
                    t.to = Some(e);
                    t.service = None;
                }
                // Answered per backend; the port asked next is the Service port.
                Target::Service(k) => {
                    t.to = None;
                    t.service = Some(k);
                }
                _ => {}
            }
            // A new destination: a new question (named ports differ).
            t.port.clear();
            t.editing = true;
            t.scroll = 0;
            t.recompute(&app.index);
            app.overlay = Overlay::Trace(t);
        }
    }
}
