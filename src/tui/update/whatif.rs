//! The what-if panel: making proposals, moving in the diff, drilling in.
//! The path prompt is in `prompt`.

use std::collections::{HashMap, HashSet};

use crate::engine::proposal::template;
use crate::tui::whatif::{
    DEFAULT_SAVE_PATH, Outcome, Prompt, PromptPurpose, Proposal, WhatIfState, YamlInput,
    build_rows, has_content,
};

use super::*;

pub(super) fn selected_ns(sel: &Selected) -> Option<String> {
    sel.namespace().map(str::to_string)
}

/// Opens the panel (`w` on the main screen).
pub(crate) fn open(app: &mut App) {
    app.whatif.prompt = None;
    app.whatif.drill = false;
    app.whatif.back = None;
    app.overlay = Overlay::WhatIf;
}

/// Starts a new proposal and its computation.
pub(super) fn propose(app: &mut App, p: Proposal, fx: &mut Vec<Effect>) {
    let st = &mut app.whatif;
    st.proposal = Some(p);
    st.outcome = None;
    st.rows.clear();
    st.selectable.clear();
    st.cursor = 0;
    st.scroll = 0;
    st.drill = false;
    st.saved = None;
    st.note = None;
    spawn(app, fx);
}

/// Asks for the diff of the current proposal on the current index.
pub(crate) fn spawn(app: &mut App, fx: &mut Vec<Effect>) {
    let Some(p) = &app.whatif.proposal else {
        return;
    };
    let input = match &p.file {
        Some(f) => YamlInput::File(f.clone()),
        None => YamlInput::Text {
            name: p.source.clone(),
            text: p.yaml.clone(),
        },
    };
    let deletes = p.deletes.clone();
    let id = app.job_id();
    app.whatif.pending = Some(id);
    fx.push(Effect::Spawn(Job::WhatIf {
        id,
        index: app.index.clone(),
        input,
        deletes,
        lint: app.index.pod_count() <= AUTO_LINT_MAX_PODS,
        flows: app.flows.clone(),
    }));
}

/// The diff of `id` arrived. Returns whether the tree badges changed.
pub(crate) fn job_done(
    app: &mut App,
    id: u64,
    generation: u64,
    outcome: Outcome,
    read: Option<String>,
    fx: &mut Vec<Effect>,
) -> bool {
    let st = &mut app.whatif;
    if st.pending != Some(id) {
        return false;
    }
    st.pending = None;
    if let (Some(p), Some(text)) = (&mut st.proposal, read) {
        // The file is read once; later recomputations use its text.
        p.yaml = text;
        p.file = None;
    }
    st.generation = generation;
    // Keep the place in the list across recomputations.
    let keep = st.selected_row().cloned();
    st.rows = outcome
        .diff
        .as_deref()
        .map(|d| build_rows(d, outcome.linted, &outcome.observed))
        .unwrap_or_default();
    st.selectable = (0..st.rows.len())
        .filter(|&i| st.rows[i].selectable())
        .collect();
    st.cursor = keep
        .and_then(|k| st.selectable.iter().position(|&i| st.rows[i] == k))
        .unwrap_or(0);
    if st.cursor == 0 {
        st.scroll = 0;
    }
    if st.selectable.is_empty() {
        st.drill = false;
    }
    let mut touched: HashMap<String, HashSet<String>> = HashMap::new();
    for k in outcome.diff.iter().flat_map(|d| d.touched.iter()) {
        touched
            .entry(k.namespace.clone())
            .or_default()
            .insert(k.name.clone());
    }
    st.outcome = Some(outcome);
    let changed = touched != st.touched;
    st.touched = touched;
    // The state changed while computing: go again.
    if generation != app.index.generation() {
        spawn(app, fx);
    }
    changed
}

/// The cluster changed: recompute an open proposal.
pub(crate) fn index_changed(app: &mut App, fx: &mut Vec<Effect>) {
    let st = &app.whatif;
    if st.proposal.is_some() && st.pending.is_none() && st.generation != app.index.generation() {
        spawn(app, fx);
    }
}

/// The editor returned (the text of the draft, or why it failed).
pub(crate) fn edited(app: &mut App, res: Result<String, String>, fx: &mut Vec<Effect>) {
    let text = match res {
        Ok(t) => t,
        Err(e) => {
            app.whatif.note = Some((false, e));
            return;
        }
    };
    let deletes = app
        .whatif
        .proposal
        .as_ref()
        .map(|p| p.deletes.clone())
        .unwrap_or_default();
    if !has_content(&text) && deletes.is_empty() {
        app.whatif.note = Some((
            false,
            "the draft is empty (only comments): nothing to compare".into(),
        ));
        return;
    }
    if app
        .whatif
        .proposal
        .as_ref()
        .is_some_and(|p| p.yaml == text && p.file.is_none())
    {
        app.whatif.note = Some((true, "draft unchanged".into()));
        return;
    }
    let title = match app.whatif.proposal.as_ref() {
        Some(p) if !p.title.starts_with("draft") => format!("draft (from {})", p.title),
        _ => "draft from $EDITOR".to_string(),
    };
    propose(
        app,
        Proposal {
            title,
            source: "draft".into(),
            yaml: text,
            file: None,
            deletes,
        },
        fx,
    );
}

/// Lines the list shows (the view's layout decides).
fn list_height(app: &App) -> usize {
    views::whatif::list_area(app).height.max(1) as usize
}

fn move_cursor(app: &mut App, delta: isize) {
    let h = list_height(app);
    let st = &mut app.whatif;
    if st.drill {
        st.drill_scroll = (st.drill_scroll as isize + delta).clamp(0, 500) as u16;
        return;
    }
    let n = st.selectable.len();
    if n == 0 {
        st.scroll = (st.scroll as isize + delta).clamp(0, st.rows.len().saturating_sub(h) as isize)
            as usize;
        return;
    }
    st.cursor = (st.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
    let row = st.selectable[st.cursor];
    if st.cursor == 0 {
        st.scroll = 0;
    }
    if row < st.scroll {
        // Show the headings just above when going up.
        st.scroll = row.saturating_sub(2);
    } else if row >= st.scroll + h {
        st.scroll = row + 1 - h;
    }
}

/// A key in the panel.
pub(crate) fn action(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    if app.whatif.prompt.is_some() {
        prompt(app, a, fx);
        return;
    }
    let page = list_height(app).saturating_sub(1).max(1) as isize;
    match a {
        Action::Close | Action::WhatIf => {
            if app.whatif.drill {
                app.whatif.drill = false;
            } else if let Some(r) = app.whatif.back.take() {
                let stale = r.pending.is_none() && r.generation != app.index.generation();
                app.overlay = Overlay::Rollout(r);
                if stale {
                    spawn_rollout(app, fx);
                }
            } else {
                app.overlay = Overlay::None;
            }
        }
        // The keymap's needs (a namespace, a policy, a proposal) hold here;
        // the `else` branches only guard.
        Action::WhatIfDefaultDeny => {
            if let Some(ns) = selected_ns(&app.selected) {
                propose(app, Proposal::default_deny(&ns), fx);
            }
        }
        Action::WhatIfDelete => {
            let Selected::Policy(k) = app.selected.clone() else {
                return;
            };
            let p = match app.whatif.proposal.clone() {
                Some(mut p) => {
                    if p.deletes.contains(&k) {
                        app.whatif.note = Some((true, format!("{k} is already deleted")));
                        return;
                    }
                    p.title = format!("{} + delete {k}", p.title);
                    p.deletes.push(k);
                    p
                }
                None => Proposal {
                    title: format!("delete {k}"),
                    source: "draft".into(),
                    yaml: String::new(),
                    file: None,
                    deletes: vec![k],
                },
            };
            propose(app, p, fx);
        }
        Action::WhatIfLoad => {
            app.whatif.prompt = Some(Prompt {
                purpose: PromptPurpose::Load,
                input: String::new(),
                candidates: vec![],
                error: None,
            })
        }
        Action::WhatIfSave => {
            if app.whatif.proposal.is_none() {
                return;
            }
            let input = app
                .whatif
                .saved
                .clone()
                .unwrap_or_else(|| DEFAULT_SAVE_PATH.to_string());
            app.whatif.prompt = Some(Prompt {
                purpose: PromptPurpose::Save,
                input,
                candidates: vec![],
                error: None,
            });
        }
        Action::WhatIfEdit => {
            let ns = selected_ns(&app.selected).unwrap_or_else(|| "default".into());
            let draft = match &app.whatif.proposal {
                Some(p) if p.has_yaml() => p.yaml.clone(),
                _ => template(&ns),
            };
            fx.push(Effect::Edit(draft));
        }
        Action::WhatIfClear => {
            let had = !app.whatif.touched.is_empty();
            let back = app.whatif.back.take();
            app.whatif = WhatIfState::default();
            app.whatif.back = back;
            if had {
                refresh_tree(app);
            }
        }
        Action::Activate if app.whatif.selected_row().is_some() => {
            app.whatif.drill = true;
            app.whatif.drill_scroll = 0;
        }
        Action::Up | Action::ScrollUp => move_cursor(app, -1),
        Action::Down | Action::ScrollDown => move_cursor(app, 1),
        Action::PageUp => move_cursor(app, -page),
        Action::PageDown => move_cursor(app, page),
        Action::Top => move_cursor(app, -(isize::MAX / 2)),
        Action::Bottom => move_cursor(app, isize::MAX / 2),
        _ => {}
    }
}
