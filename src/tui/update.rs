//! The one place state changes: messages (keys, mouse, source events, job
//! outputs, ticks) in, state changes and jobs to run out.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::app::{App, Detail, Overlay, Pane, Selected, SourceMsg};
use super::jobs::{Job, JobOutput};
use super::keymap::{self, Action};
use super::nsstats::Dirty;
use super::views::finder::{FinderState, Purpose, Target};
use super::views::matrix::{MatrixData, MatrixState, grid_fit};
use super::views::trace::TraceState;
use super::views::tree::{RowSource, TreeId, opened_namespaces, path_of, selected_of};
use super::views::{self, clamp_scroll, inner_w, layout, namespace, pod, policy};
use super::whatif;
use crate::engine::query::End;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Tick(Instant),
    Source(Vec<SourceMsg>),
    Job(JobOutput),
    /// A background job failed: stop with this error.
    Fatal(String),
    /// `$EDITOR` returned: the draft's text, or why it failed.
    Edited(Result<String, String>),
}

pub enum Effect {
    Spawn(Job),
    /// Suspend the terminal and edit this draft in `$EDITOR`; the event loop
    /// answers with [`Msg::Edited`].
    Edit(String),
}

/// Events wait at most this long for a running job before the index is
/// copied so they can be applied anyway.
const MAX_QUEUE_AGE: Duration = Duration::from_secs(3);

/// First build of everything derived from the index.
pub fn init(app: &mut App) {
    after_index_change(app, &Dirty::All, &mut Vec::new());
    let first = app.tree.names.first().cloned();
    if let Some(ns) = first {
        select(app, Selected::Namespace(ns.to_string()));
    }
    refresh_detail(app);
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Key(k) => {
            if k.kind != KeyEventKind::Release {
                app.flash = None;
                if let Some(a) = keymap::resolve(app.mode(), &k) {
                    action(app, a, None, &mut fx);
                }
            }
        }
        Msg::Mouse(m) => {
            let pos = Some(Position::new(m.column, m.row));
            match m.kind {
                MouseEventKind::ScrollUp => action(app, Action::ScrollUp, pos, &mut fx),
                MouseEventKind::ScrollDown => action(app, Action::ScrollDown, pos, &mut fx),
                MouseEventKind::Down(MouseButton::Left) => action(app, Action::Click, pos, &mut fx),
                _ => {}
            }
        }
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
        }
        Msg::Tick(now) => app.now = now,
        Msg::Source(batch) => {
            let now = Instant::now();
            app.now = now;
            for m in batch {
                match m {
                    SourceMsg::Event(e) => {
                        app.pending.push(e);
                        app.pending_since.get_or_insert(now);
                        app.source.events += 1;
                        app.source.last_event = Some(now);
                    }
                    SourceMsg::Health {
                        kind,
                        state,
                        detail,
                    } => match app.source.health.iter_mut().find(|(k, _, _)| *k == kind) {
                        Some(h) => *h = (kind, state, detail),
                        None => app.source.health.push((kind, state, detail)),
                    },
                    SourceMsg::Notes(n) => app.source.warnings = n,
                    SourceMsg::Context(c) => {
                        if let crate::source::Origin::Live { context } = &mut app.source.kind {
                            *context = Some(c);
                        }
                    }
                    SourceMsg::Error(e) => {
                        app.flash = Some(e.clone());
                        app.source.errors.push(e);
                    }
                }
            }
        }
        Msg::Job(out) => job_done(app, out, &mut fx),
        Msg::Fatal(e) => {
            app.fatal = Some(e);
            app.quit = true;
        }
        Msg::Edited(res) => whatif::edited(app, res, &mut fx),
    }
    flush_pending(app, &mut fx);
    maybe_lint(app, &mut fx);
    refresh_detail(app);
    fx
}

/// Lint runs in the background after changes, at most every
/// `LINT_INTERVAL` (its counts feed the tree badges and the findings pane).
const LINT_INTERVAL: Duration = Duration::from_secs(2);

/// Above this many pods lint is slow (tens of seconds at 50k pods), so it
/// only runs while the findings pane is open.
pub const AUTO_LINT_MAX_PODS: usize = 20_000;

fn maybe_lint(app: &mut App, fx: &mut Vec<Effect>) {
    let f = &app.findings;
    let due = f
        .last_run
        .is_none_or(|t| app.now.saturating_duration_since(t) >= LINT_INTERVAL);
    let wanted = f.visible || app.index.pod_count() <= AUTO_LINT_MAX_PODS;
    if wanted
        && f.pending.is_none()
        && due
        && (f.rows.is_none() || f.generation != app.index.generation())
    {
        app.findings.last_run = Some(app.now);
        spawn_lint(app, fx);
    }
}

// ---- index changes -----------------------------------------------------

fn flush_pending(app: &mut App, fx: &mut Vec<Effect>) {
    if app.pending.is_empty() {
        return;
    }
    let waited = app
        .pending_since
        .is_some_and(|t| app.now.saturating_duration_since(t) > MAX_QUEUE_AGE);
    let idx = match Arc::get_mut(&mut app.index) {
        Some(idx) => idx,
        // A job still reads the index: copy it only if events waited long.
        None if waited => Arc::make_mut(&mut app.index),
        None => return,
    };
    let mut dirty = Dirty::default();
    for e in app.pending.drain(..) {
        dirty.add(&e);
        idx.apply(e);
    }
    app.pending_since = None;
    after_index_change(app, &dirty, fx);
}

/// Brings derived state (badges, tree rows, selection, open views) up to
/// date with the index.
fn after_index_change(app: &mut App, dirty: &Dirty, fx: &mut Vec<Effect>) {
    let names = app.index.namespace_names();
    app.stats.refresh(&app.index, &names, dirty);
    refresh_rows(app, &names, dirty);
    keep_selection(app);
    let generation = app.index.generation();
    if let Overlay::Trace(t) = &mut app.overlay {
        t.recompute(&app.index);
    }
    whatif::index_changed(app, fx);
    let stale_matrix = match &app.overlay {
        Overlay::Matrix(m) => m.pending.is_none() && m.generation != generation,
        _ => false,
    };
    if stale_matrix {
        let zoom = match &app.overlay {
            Overlay::Matrix(m) => m.zoom.clone(),
            _ => None,
        };
        spawn_matrix(app, zoom, fx);
    }
}

/// After the rows changed: keep the selection, or fall back to its
/// namespace, or to the namespace now at its place.
fn keep_selection(app: &mut App) {
    let visible = app.tree.visible(&app.tree_state.borrow());
    let cur = app.tree_state.borrow().selected().to_vec();
    if !cur.is_empty() && visible.contains(&cur) {
        return;
    }
    let fallback = match cur.first() {
        Some(TreeId::Ns(n)) if app.tree.names.binary_search(n).is_ok() => {
            Some(vec![TreeId::Ns(n.clone())])
        }
        Some(TreeId::Ns(n)) => {
            let i = app
                .tree
                .names
                .partition_point(|x| x < n)
                .min(app.tree.names.len().saturating_sub(1));
            app.tree.names.get(i).map(|n| vec![TreeId::Ns(n.clone())])
        }
        _ => app.tree.names.first().map(|n| vec![TreeId::Ns(n.clone())]),
    };
    let path = fallback.unwrap_or_default();
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

fn refresh_detail(app: &mut App) {
    let key = (app.selected.clone(), app.index.generation());
    if app.detail_key.as_ref() == Some(&key) {
        return;
    }
    let same_selection = app.detail_key.as_ref().is_some_and(|(s, _)| *s == key.0);
    let idx = &app.index;
    app.detail = match &app.selected {
        Selected::None => Detail::None,
        Selected::Namespace(ns) => {
            let n = app.findings.by_ns.get(ns).copied().unwrap_or(0);
            Detail::Namespace(Box::new(namespace::model(idx, ns, n)))
        }
        Selected::Pod(k) => pod::model(idx, &mut app.peer_cache, k)
            .map_or(Detail::None, |m| Detail::Pod(Box::new(m))),
        Selected::Policy(k) => {
            policy::model(idx, k).map_or(Detail::None, |m| Detail::Policy(Box::new(m)))
        }
    };
    if !same_selection {
        app.scroll_main = 0;
        app.scroll_second = 0;
    }
    app.detail_key = Some(key);
    // A pane that no longer exists cannot keep the focus.
    if !panes(app).contains(&app.focus) {
        app.focus = Pane::Tree;
    }
}

// ---- jobs --------------------------------------------------------------

fn spawn_matrix(app: &mut App, zoom: Option<String>, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    if let Overlay::Matrix(m) = &mut app.overlay {
        m.pending = Some(id);
    }
    fx.push(Effect::Spawn(Job::Matrix {
        id,
        index: app.index.clone(),
        zoom,
    }));
}

fn spawn_lint(app: &mut App, fx: &mut Vec<Effect>) {
    let id = app.job_id();
    app.findings.pending = Some(id);
    fx.push(Effect::Spawn(Job::Lint {
        id,
        index: app.index.clone(),
        live: matches!(app.source.kind, crate::source::Origin::Live { .. }),
    }));
}

fn spawn_search(app: &mut App, fx: &mut Vec<Effect>) {
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

fn open_finder(app: &mut App, purpose: Purpose, fx: &mut Vec<Effect>) {
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

fn job_done(app: &mut App, out: JobOutput, fx: &mut Vec<Effect>) {
    match out {
        JobOutput::Matrix {
            id,
            generation,
            zoom,
            data,
        } => {
            if let MatrixData::Namespaces(m) = &data {
                app.matrix_cache = Some((generation, m.clone()));
            }
            let Overlay::Matrix(st) = &mut app.overlay else {
                return;
            };
            if st.pending != Some(id) {
                return;
            }
            st.pending = None;
            st.generation = generation;
            st.zoom = zoom;
            if let MatrixData::Namespaces(m) = &data {
                st.cluster = Some(m.clone());
            }
            if let Some(want) = st.want.take() {
                let pos = match &data {
                    MatrixData::Namespaces(m) => m.names.iter().position(|n| *n == want),
                    MatrixData::Pods(_) => None,
                };
                if let Some(p) = pos {
                    st.row = p;
                    st.col = p;
                }
            }
            let n = data.len();
            st.row = st.row.min(n.saturating_sub(1));
            st.col = st.col.min(n.saturating_sub(1));
            st.data = Some(data);
            // Changed again while computing: go again.
            if generation != app.index.generation() {
                let zoom = st.zoom.clone();
                spawn_matrix(app, zoom, fx);
            }
        }
        JobOutput::Candidates { id, data } => {
            if app.candidates_pending == Some(id) {
                app.candidates_pending = None;
            }
            app.candidates = Some(data.clone());
            if let Overlay::Finder(f) = &mut app.overlay {
                f.candidates = Some(data);
                f.matches = None;
                f.matched_query.clear();
                spawn_search(app, fx);
            }
        }
        JobOutput::Search {
            id,
            query,
            matches,
            top,
        } => {
            let Overlay::Finder(f) = &mut app.overlay else {
                return;
            };
            if f.pending != Some(id) {
                return;
            }
            f.pending = None;
            f.matches = Some(matches);
            f.matched_query = query;
            f.top = top;
            f.selected = f.selected.min(f.rows().saturating_sub(1));
            if f.accept_when_ready {
                f.accept_when_ready = false;
                finder_accept(app);
            }
        }
        JobOutput::Lint {
            id,
            generation,
            rows,
        } => {
            if app.findings.pending == Some(id) {
                app.findings.pending = None;
            }
            app.findings.set(rows, generation);
            // Badges carry finding counts.
            refresh_tree(app);
            app.detail_key = None;
        }
        JobOutput::WhatIf {
            id,
            generation,
            outcome,
            read,
        } => {
            if whatif::job_done(app, id, generation, outcome, read, fx) {
                refresh_tree(app);
            }
        }
    }
}

/// Rebuilds every tree row (badges changed).
pub(super) fn refresh_tree(app: &mut App) {
    let names = app.index.namespace_names();
    refresh_rows(app, &names, &Dirty::All);
}

/// Rebuilds the `dirty` namespaces' rows from the current state.
fn refresh_rows(app: &mut App, names: &[String], dirty: &Dirty) {
    let opened = opened_namespaces(&app.tree_state.borrow());
    let src = RowSource {
        idx: &app.index,
        stats: &app.stats,
        findings: &app.findings.by_ns,
        touched: &app.whatif.touched,
        opened: &opened,
        theme: &app.theme,
    };
    app.tree.refresh(&src, names, dirty);
}

// ---- selection and tree ------------------------------------------------

/// Selects an item, opening its namespace when needed.
pub fn select(app: &mut App, sel: Selected) {
    let path = path_of(&sel);
    if path.len() == 2 {
        set_open(app, &path[0], true);
    }
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

fn set_open(app: &mut App, ns: &TreeId, open: bool) {
    let TreeId::Ns(name) = ns else { return };
    let changed = {
        let mut st = app.tree_state.borrow_mut();
        if open {
            st.open(vec![ns.clone()])
        } else {
            st.close(std::slice::from_ref(ns))
        }
    };
    if changed {
        let dirty = Dirty::Some(BTreeSet::from([name.to_string()]));
        let names: Vec<String> = app.tree.names.iter().map(|n| n.to_string()).collect();
        refresh_rows(app, &names, &dirty);
    }
}

fn tree_move(app: &mut App, f: impl FnOnce(usize, usize) -> usize) {
    let visible = app.tree.visible(&app.tree_state.borrow());
    if visible.is_empty() {
        return;
    }
    let cur = app.tree_state.borrow().selected().to_vec();
    let i = visible.iter().position(|p| *p == cur).unwrap_or(0);
    let j = f(i, visible.len()).min(visible.len() - 1);
    let path = visible[j].clone();
    app.tree_state.borrow_mut().select(path.clone());
    app.selected = selected_of(&path);
}

fn inner_height(r: Rect) -> usize {
    r.height.saturating_sub(2) as usize
}

/// The panes Tab cycles through, in order.
fn panes(app: &App) -> Vec<Pane> {
    let mut v = vec![Pane::Tree];
    match app.detail {
        Detail::None => {}
        Detail::Namespace(_) => v.push(Pane::Main),
        Detail::Pod(_) | Detail::Policy(_) => v.extend([Pane::Main, Pane::Second]),
    }
    if app.findings.visible {
        v.push(Pane::Findings);
    }
    v
}

/// Lines in the pane and its inner height (for scroll limits).
fn pane_extent(app: &App, pane: Pane) -> (usize, usize) {
    let a = layout(app);
    let t = &app.theme;
    match (&app.detail, pane) {
        (Detail::Pod(m), Pane::Main) => (
            pod::side_lines(m, &m.ingress, t, inner_w(a.main)).len(),
            inner_height(a.main),
        ),
        (Detail::Pod(m), Pane::Second) => (
            pod::side_lines(m, &m.egress, t, a.second.map_or(0, inner_w)).len(),
            a.second.map_or(0, inner_height),
        ),
        (Detail::Policy(m), Pane::Main) => (policy::yaml_lines(m, t).len(), inner_height(a.main)),
        (Detail::Policy(m), Pane::Second) => (
            policy::resolved_lines(m, t).len(),
            a.second.map_or(0, inner_height),
        ),
        (Detail::Namespace(m), Pane::Main) => (namespace::lines(m, t).len(), inner_height(a.main)),
        _ => (0, 0),
    }
}

fn scroll_pane(app: &mut App, pane: Pane, delta: isize) {
    let (lines, h) = pane_extent(app, pane);
    let slot = match pane {
        Pane::Main => &mut app.scroll_main,
        Pane::Second => &mut app.scroll_second,
        _ => return,
    };
    let cur = clamp_scroll(*slot, lines, h) as isize;
    *slot = clamp_scroll((cur + delta).max(0) as u16, lines, h);
}

fn findings_move(app: &mut App, delta: isize) {
    let n = app
        .findings
        .all(&app.source.errors, &app.source.warnings)
        .len();
    let cur = app.findings.selected as isize;
    app.findings.selected = (cur + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
}

fn pane_at(app: &App, pos: Position) -> Option<Pane> {
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
fn move_in(app: &mut App, pane: Pane, a: Action) {
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

// ---- actions -----------------------------------------------------------

fn action(app: &mut App, a: Action, pos: Option<Position>, fx: &mut Vec<Effect>) {
    if a == Action::Quit {
        app.quit = true;
        return;
    }
    let overlay = std::mem::replace(&mut app.overlay, Overlay::None);
    app.overlay = match overlay {
        Overlay::None => {
            browse(app, a, pos, fx);
            return;
        }
        Overlay::Help { scroll, back } => help(app, a, scroll, back, fx),
        Overlay::WhatIf => {
            app.overlay = Overlay::WhatIf;
            match a {
                Action::Help => open_help(app),
                Action::Finder => open_finder(app, Purpose::Jump, fx),
                _ => whatif::action(app, a, fx),
            }
            return;
        }
        Overlay::Finder(f) => {
            app.overlay = Overlay::Finder(f);
            finder(app, a, fx);
            return;
        }
        Overlay::Matrix(m) => {
            app.overlay = Overlay::Matrix(m);
            matrix(app, a, fx);
            return;
        }
        Overlay::Trace(t) => {
            app.overlay = Overlay::Trace(t);
            trace(app, a, fx);
            return;
        }
    };
}

fn help(
    app: &mut App,
    a: Action,
    scroll: u16,
    back: Option<Box<Overlay>>,
    fx: &mut Vec<Effect>,
) -> Overlay {
    let lines = views::help::lines(&app.theme).len();
    let h = app.height.saturating_sub(5) as usize;
    let d: isize = match a {
        Action::Close | Action::Help => return back.map_or(Overlay::None, |b| *b),
        Action::Finder => {
            open_finder(app, Purpose::Jump, fx);
            return std::mem::replace(&mut app.overlay, Overlay::None);
        }
        Action::Up | Action::ScrollUp => -1,
        Action::Down | Action::ScrollDown => 1,
        Action::PageUp => -(h as isize),
        Action::PageDown => h as isize,
        Action::Top => -(u16::MAX as isize),
        Action::Bottom => u16::MAX as isize,
        _ => 0,
    };
    let s = clamp_scroll(
        (scroll as isize + d).clamp(0, u16::MAX as isize) as u16,
        lines,
        h,
    );
    Overlay::Help { scroll: s, back }
}

/// Opens the help over whatever is open.
fn open_help(app: &mut App) {
    let back = match std::mem::replace(&mut app.overlay, Overlay::None) {
        Overlay::None => None,
        o => Some(Box::new(o)),
    };
    app.overlay = Overlay::Help { scroll: 0, back };
}

fn browse(app: &mut App, a: Action, pos: Option<Position>, fx: &mut Vec<Effect>) {
    match a {
        Action::Help => open_help(app),
        Action::WhatIf => whatif::open(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        Action::Close => app.focus = Pane::Tree,
        Action::Trace => match &app.selected {
            Selected::Pod(k) => {
                let st = TraceState::new(End::Pod(k.clone()));
                open_finder(app, Purpose::TraceTo(Box::new(st)), fx);
            }
            _ => {
                app.flash = Some("select a pod first: a trace starts from the selected pod".into())
            }
        },
        Action::Matrix => {
            let want = match &app.selected {
                Selected::Namespace(n) => n.clone(),
                Selected::Pod(k) => k.namespace.clone(),
                Selected::Policy(k) => k.namespace.clone(),
                Selected::None => String::new(),
            };
            let mut st = MatrixState {
                want: Some(want),
                ..Default::default()
            };
            let cached = app
                .matrix_cache
                .clone()
                .filter(|(g, _)| *g == app.index.generation());
            match cached {
                Some((g, m)) => {
                    st.generation = g;
                    st.cluster = Some(m.clone());
                    if let Some(p) = m.names.iter().position(|n| Some(n) == st.want.as_ref()) {
                        st.row = p;
                        st.col = p;
                    }
                    st.want = None;
                    st.data = Some(MatrixData::Namespaces(m));
                    app.overlay = Overlay::Matrix(Box::new(st));
                }
                None => {
                    app.overlay = Overlay::Matrix(Box::new(st));
                    spawn_matrix(app, None, fx);
                }
            }
        }
        Action::ToggleFindings => {
            app.findings.visible = !app.findings.visible;
            if !app.findings.visible && app.focus == Pane::Findings {
                app.focus = Pane::Tree;
            }
        }
        Action::NextPane | Action::PrevPane => {
            let p = panes(app);
            let i = p.iter().position(|x| *x == app.focus).unwrap_or(0);
            let j = if a == Action::NextPane {
                (i + 1) % p.len()
            } else {
                (i + p.len() - 1) % p.len()
            };
            app.focus = p[j];
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => move_in(app, app.focus, a),
        Action::Left => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                match cur.len() {
                    2 => select(app, selected_of(&cur[..1])),
                    1 if app.tree_state.borrow().opened().contains(&cur) => {
                        set_open(app, &cur[0], false)
                    }
                    _ => {}
                }
            }
            Pane::Second => app.focus = Pane::Main,
            _ => app.focus = Pane::Tree,
        },
        Action::Right => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                if cur.len() == 1 {
                    if app.tree_state.borrow().opened().contains(&cur) {
                        tree_move(app, |i, _| i + 1);
                    } else {
                        set_open(app, &cur[0], true);
                    }
                } else if panes(app).contains(&Pane::Main) {
                    app.focus = Pane::Main;
                }
            }
            Pane::Main if panes(app).contains(&Pane::Second) => app.focus = Pane::Second,
            _ => {}
        },
        Action::Activate => match app.focus {
            Pane::Tree => {
                let cur = app.tree_state.borrow().selected().to_vec();
                if cur.len() == 1 {
                    let open = app.tree_state.borrow().opened().contains(&cur);
                    set_open(app, &cur[0], !open);
                } else if panes(app).contains(&Pane::Main) {
                    app.focus = Pane::Main;
                }
            }
            Pane::Findings => {
                let rows = app.findings.all(&app.source.errors, &app.source.warnings);
                if let Some(r) = rows.get(app.findings.selected) {
                    let t = r.target();
                    if t != Selected::None {
                        select(app, t);
                        app.focus = Pane::Tree;
                    }
                }
            }
            _ => {}
        },
        Action::ScrollUp | Action::ScrollDown => {
            let Some(p) = pos.and_then(|p| pane_at(app, p)) else {
                return;
            };
            let d = if a == Action::ScrollUp { -3 } else { 3 };
            match p {
                Pane::Tree => {
                    let mut st = app.tree_state.borrow_mut();
                    if d < 0 {
                        st.scroll_up(3)
                    } else {
                        st.scroll_down(3)
                    };
                }
                Pane::Findings => findings_move(app, d),
                p => scroll_pane(app, p, d),
            }
        }
        Action::Click => {
            let Some(p) = pos else { return };
            match pane_at(app, p) {
                Some(Pane::Tree) => {
                    let hit = app.tree_state.borrow().rendered_at(p).map(|s| s.to_vec());
                    app.focus = Pane::Tree;
                    if let Some(path) = hit {
                        let again = app.tree_state.borrow().selected() == path.as_slice();
                        if again && path.len() == 1 {
                            let open = app.tree_state.borrow().opened().contains(&path);
                            set_open(app, &path[0], !open);
                        }
                        app.tree_state.borrow_mut().select(path.clone());
                        app.selected = selected_of(&path);
                    }
                }
                Some(pane) => app.focus = pane,
                None => {}
            }
        }
        _ => {}
    }
}

fn finder(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
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
                && t.to.is_some()
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
fn finder_accept(app: &mut App) {
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
                Target::End(End::Ip(_)) => Selected::None,
            };
            select(app, sel);
            app.focus = Pane::Tree;
        }
        Purpose::TraceTo(mut t) => {
            t.to = match target {
                Target::End(e) => Some(e),
                _ => t.to,
            };
            // A new destination: a new question (named ports differ).
            t.port.clear();
            t.editing = true;
            t.scroll = 0;
            t.recompute(&app.index);
            app.overlay = Overlay::Trace(t);
        }
    }
}

fn matrix(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let body = layout(app).body;
    let Overlay::Matrix(m) = &mut app.overlay else {
        return;
    };
    let n = m.data.as_ref().map_or(0, |d| d.len());
    let (rows, cols, _) = grid_fit(body, n, 28);
    let last = n.saturating_sub(1);
    match a {
        Action::Close => app.overlay = Overlay::None,
        Action::Up | Action::ScrollUp => m.row = m.row.saturating_sub(1),
        Action::Down | Action::ScrollDown => m.row = (m.row + 1).min(last),
        Action::Left => m.col = m.col.saturating_sub(1),
        Action::Right => m.col = (m.col + 1).min(last),
        Action::PageUp => m.row = m.row.saturating_sub(rows.max(1)),
        Action::PageDown => m.row = (m.row + rows.max(1)).min(last),
        Action::Top => {
            m.row = 0;
            m.col = 0;
        }
        Action::Bottom => {
            m.row = last;
            m.col = last.min(m.col.max(cols.saturating_sub(1)));
        }
        Action::Activate => {
            if let Some(MatrixData::Namespaces(d)) = &m.data
                && let Some(ns) = d.names.get(m.row).cloned()
            {
                m.data = None;
                m.zoom = Some(ns.clone());
                m.row = 0;
                m.col = 0;
                m.want = None;
                spawn_matrix(app, Some(ns), fx);
            }
        }
        Action::ZoomOut => {
            if let Some(ns) = m.zoom.take() {
                match m.cluster.clone() {
                    Some(c) => {
                        let p = c.names.iter().position(|x| *x == ns).unwrap_or(0);
                        m.row = p;
                        m.col = p;
                        m.data = Some(MatrixData::Namespaces(c));
                        m.pending = None;
                        if m.generation != app.index.generation() {
                            spawn_matrix(app, None, fx);
                        }
                    }
                    None => {
                        m.data = None;
                        m.want = Some(ns);
                        spawn_matrix(app, None, fx);
                    }
                }
            }
        }
        Action::Help => open_help(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        _ => {}
    }
}

fn trace(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let Overlay::Trace(t) = &mut app.overlay else {
        return;
    };
    if t.editing {
        match a {
            Action::Input(c) => t.port.push(c),
            Action::Backspace => {
                t.port.pop();
            }
            Action::ClearInput => t.port.clear(),
            Action::Close => t.editing = false,
            _ => return,
        }
        t.recompute(&app.index);
        return;
    }
    match a {
        Action::Close => app.overlay = Overlay::None,
        Action::TracePort => t.editing = true,
        Action::TraceSwap => {
            if let Some(to) = t.to.take() {
                t.to = Some(std::mem::replace(&mut t.from, to));
                t.recompute(&app.index);
            }
        }
        Action::TracePick => {
            let Overlay::Trace(t) = std::mem::replace(&mut app.overlay, Overlay::None) else {
                return;
            };
            open_finder(app, Purpose::TraceTo(t), fx);
        }
        Action::Up | Action::ScrollUp => t.scroll = t.scroll.saturating_sub(1),
        Action::Down | Action::ScrollDown => t.scroll = t.scroll.saturating_add(1).min(200),
        Action::PageUp => t.scroll = t.scroll.saturating_sub(10),
        Action::PageDown => t.scroll = t.scroll.saturating_add(10).min(200),
        Action::Top => t.scroll = 0,
        Action::Help => open_help(app),
        Action::Finder => open_finder(app, Purpose::Jump, fx),
        _ => {}
    }
}
