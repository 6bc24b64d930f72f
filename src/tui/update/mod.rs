//! The one place state changes: messages (keys, mouse, source events, job
//! outputs, ticks) in, state changes and jobs to run out. One file per
//! mode; this one dispatches.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent};
use ratatui::layout::{Position, Rect};

use super::app::{App, Detail, Overlay, Pane, Selected, SourceMsg};
use super::io::{IoReply, IoRequest};
use super::jobs::{Job, JobOutput};
use super::keymap::{self, Action};
use super::models::finder::{FinderState, Purpose, Target};
use super::models::matrix::{MatrixData, MatrixState};
use super::models::{self, pod};
use super::nsstats::Dirty;
use super::views::matrix::grid_fit;
use super::views::trace::TraceState;
use super::views::tree::{RowSource, TreeId, opened_namespaces, path_of, selected_of};
use super::views::{self, clamp_scroll, inner_w, layout, namespace, policy};
use crate::engine::query::End;

mod browse;
mod finder;
mod help;
mod index;
mod matrix;
mod mouse;
mod outputs;
mod panes;
mod prompt;
mod rollout;
mod source;
mod trace;
mod tree;
mod warm;
mod whatif;

use browse::*;
use finder::*;
use help::*;
pub(crate) use index::refresh_tree;
use index::*;
use matrix::*;
use mouse::*;
use outputs::*;
use panes::*;
use prompt::*;
use rollout::*;
use trace::*;
pub use tree::select;
use tree::*;

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
    /// The event loop did an [`Effect::Io`].
    Io(IoReply),
}

pub enum Effect {
    Spawn(Job),
    /// Suspend the terminal and edit this draft in `$EDITOR`; the event loop
    /// answers with [`Msg::Edited`].
    Edit(String),
    /// Filesystem work (no I/O happens in `update`); the event loop answers
    /// with [`Msg::Io`].
    Io(IoRequest),
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
    // A tick only moves the clock: redraw only if that shows (below).
    let before_tick = matches!(msg, Msg::Tick(_)).then(|| tick_view(app));
    match msg {
        Msg::Key(k) => {
            if k.kind != KeyEventKind::Release {
                app.flash = None;
                // An unavailable binding is greyed in the help and the
                // hints, and does nothing.
                match keymap::lookup(&app.keymap, app.mode(), &k) {
                    Some((b, a)) if app.can(b.needs) => action(app, a, None, &mut fx),
                    _ => {}
                }
            }
        }
        Msg::Mouse(m) => {
            if let Some(b) = keymap::lookup_mouse(&m).filter(|b| app.can(b.needs)) {
                let pos = Position::new(m.column, m.row);
                action(app, b.action, Some(pos), &mut fx);
            }
        }
        Msg::Resize(w, h) => {
            app.width = w;
            app.height = h;
        }
        Msg::Tick(now) => {
            app.now = now;
            if super::feed::tick(app) {
                source::flows_changed(app, &mut fx);
            }
        }
        Msg::Source(batch) => source::apply(app, batch),
        Msg::Job(out) => job_done(app, out, &mut fx),
        Msg::Fatal(e) => {
            app.fatal = Some(e);
            app.quit = true;
        }
        Msg::Edited(res) => whatif::edited(app, res, &mut fx),
        Msg::Io(reply) => io_done(app, reply, &mut fx),
    }
    flush_pending(app, &mut fx);
    maybe_lint(app, &mut fx);
    warm::maybe_warm(app, &mut fx);
    refresh_detail(app);
    if before_tick.is_none_or(|b| b != tick_view(app)) || !fx.is_empty() {
        app.dirty = true;
    }
    fx
}

/// What a tick can change on screen: the age of the last event in the
/// status bar, and queued events applied (a new index generation).
fn tick_view(app: &App) -> (Option<String>, usize, u64) {
    let age = app
        .source
        .last_event
        .map(|t| views::status::age(app.now.saturating_duration_since(t)));
    (age, app.pending.len(), app.index.generation())
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
        Overlay::Rollout(r) => {
            app.overlay = Overlay::Rollout(r);
            rollout(app, a, fx);
            return;
        }
    };
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::engine::index::Index;
    use crate::source::Origin;
    use crate::tui::app::SourceInfo;
    use crate::tui::theme::{Theme, ThemeKind};

    #[test]
    fn redraw_only_when_something_visible_changed() {
        let mut app = App::new(
            Index::new(),
            SourceInfo::new(Origin::Demo),
            Theme::new(ThemeKind::Mono),
        );
        // The first update starts the lint (an effect): draw.
        assert!(!update(&mut app, Msg::Resize(100, 30)).is_empty());
        assert!(app.dirty);
        app.dirty = false;
        let t0 = app.now;
        update(&mut app, Msg::Tick(t0 + Duration::from_secs(1)));
        assert!(!app.dirty, "a tick that shows nothing new");
        // The status bar shows the age of the last event: a tick that
        // changes it redraws.
        app.source.last_event = Some(t0);
        update(&mut app, Msg::Tick(t0 + Duration::from_millis(2500)));
        assert!(app.dirty, "the age went from 1s to 2s");
        app.dirty = false;
        update(&mut app, Msg::Tick(t0 + Duration::from_millis(2900)));
        assert!(!app.dirty, "still 2s");
        let k = KeyEvent::new(KeyCode::Char('f'), KeyModifiers::NONE);
        update(&mut app, Msg::Key(k));
        assert!(app.dirty, "a key");
    }
}
