//! The status bar: source, sync health per kind (live), counts, age of the
//! last event, and the keys that matter most right now.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::{App, SyncState};
use super::super::keymap::{Action, Mode, hint};
use crate::source::Origin;
use crate::source::flows::relay::FeedState;

pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        _ => format!("{}h", s / 3600),
    }
}

pub fn source_text(kind: &Origin) -> String {
    match kind {
        Origin::Demo => "demo cluster".to_string(),
        Origin::Files(f) if f.len() == 1 => format!("file {}", f[0].display()),
        Origin::Files(f) => format!("{} files", f.len()),
        Origin::Live { context: Some(c) } => format!("context {c}"),
        Origin::Live { context: None } => "current context".to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let s = &app.source;
    let mut left = vec![Span::styled(
        format!(" {} ", source_text(&s.kind)),
        theme.title,
    )];
    for (kind, state, detail) in &s.health {
        let st = match state {
            SyncState::Live => theme.allow,
            SyncState::Syncing => theme.info,
            SyncState::Stale => theme.warn,
            SyncState::Forbidden => theme.deny,
            SyncState::NotInstalled => theme.dim,
        };
        left.push(Span::styled(format!("{kind} "), theme.dim));
        left.push(Span::styled(format!("{} ", state.as_str()), st));
        if let (Some(d), false) = (detail, *state == SyncState::Live) {
            let d: String = d.chars().take(48).collect();
            left.push(Span::styled(format!("({d}) "), theme.dim));
        }
    }
    if let Some(f) = &app.feed {
        let (text, detail) = f.status(app.now);
        let st = match f.state {
            FeedState::Connected => theme.allow,
            FeedState::Connecting => theme.info,
            FeedState::Retrying { .. } => theme.warn,
        };
        left.push(Span::styled(format!("{text} "), st));
        if let Some(d) = detail {
            let d: String = d.chars().take(48).collect();
            left.push(Span::styled(format!("({d}) "), theme.dim));
        }
    }
    let idx = &app.index;
    // Cluster-scoped policies override the namespaced ones: count them apart.
    let tiers = match idx.cluster_policies().len() {
        0 => String::new(),
        n => format!(" +{n} cluster"),
    };
    left.push(Span::raw(format!(
        "· {} ns · {} pods · {} policies{tiers} ",
        app.tree.names.len(),
        idx.pod_count(),
        idx.policies().count()
    )));
    if let Some(t) = s.last_event {
        left.push(Span::styled(
            format!(
                "· last event {} ago ",
                age(app.now.saturating_duration_since(t))
            ),
            theme.dim,
        ));
    }
    if !app.pending.is_empty() {
        left.push(Span::styled(
            format!("· {} updates queued ", app.pending.len()),
            theme.warn,
        ));
    }
    if !s.errors.is_empty() {
        left.push(Span::styled(
            format!("· {} errors ", s.errors.len()),
            theme.deny,
        ));
    }
    if !s.warnings.is_empty() {
        left.push(Span::styled(
            format!("· {} warnings ", s.warnings.len()),
            theme.warn,
        ));
    }
    if let Some(o) = app.whatif.outcome.as_ref().filter(|o| o.diff.is_some()) {
        left.push(Span::styled("· what-if: ", theme.info));
        left.push(Span::styled(format!("{} lost", o.lost), theme.deny));
        left.push(Span::styled(", ", theme.info));
        left.push(Span::styled(format!("{} gained ", o.gained), theme.allow));
    }
    if let Some(f) = &app.flash {
        left.push(Span::styled(format!("· {f} "), theme.warn));
    }
    let mut right = Vec::new();
    let keys: &[Action] = match app.mode() {
        Mode::Browse => &[Action::Finder, Action::Help, Action::Quit],
        Mode::Finder => &[Action::Activate, Action::Close, Action::Quit],
        Mode::PortInput => &[Action::Close, Action::Quit],
        Mode::PathInput => &[Action::Complete, Action::Activate, Action::Close],
        Mode::Rollout => &[Action::RolloutSuggest, Action::Close, Action::Help],
        _ => &[Action::Close, Action::Help, Action::Quit],
    };
    for h in hint(&app.keymap, app.mode(), keys) {
        let (key, what) = if app.can(h.needs) {
            (theme.key, theme.status)
        } else {
            let grey = theme.status.patch(theme.dim);
            (grey, grey)
        };
        right.push(Span::styled(h.keys, key));
        right.push(Span::styled(format!(" {}  ", h.help), what));
    }
    let rw: u16 = right.iter().map(|s| s.width() as u16).sum();
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(rw)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)).style(theme.status), l);
    frame.render_widget(Paragraph::new(Line::from(right)).style(theme.status), r);
}
