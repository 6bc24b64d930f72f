//! The findings pane: what the lint engine reports, plus the source's load
//! errors and warnings. Enter jumps to the finding's pod, policy or
//! namespace.
//!
//! Integration point: [`lint`] is the only function that knows the lint
//! engine; it runs off the UI thread (see `jobs`).

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::engine::findings::{self, LintOptions};
use crate::engine::index::Index;
use crate::engine::model::{PodKey, PolicyKey};

use super::super::app::{App, Overlay, Pane, Selected};
use super::super::theme::Theme;
use super::{pane_block, scrolled};

/// Load problems first, then the lint engine's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    High,
    Medium,
    Low,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingRow {
    pub severity: Severity,
    pub id: String,
    pub namespace: Option<String>,
    pub policy: Option<String>,
    pub pod: Option<String>,
    pub message: String,
}

impl FindingRow {
    /// Where Enter jumps.
    pub fn target(&self) -> Selected {
        match (&self.namespace, &self.policy, &self.pod) {
            (Some(ns), Some(p), _) => Selected::Policy(PolicyKey::new(ns, p)),
            (Some(ns), None, Some(p)) => Selected::Pod(PodKey::new(ns, p)),
            (Some(ns), None, None) => Selected::Namespace(ns.clone()),
            _ => Selected::None,
        }
    }
}

/// Runs the lint engine (`engine::findings`) and maps its findings to rows,
/// most severe first. None would mean no lint engine (the pane says so).
pub fn lint(idx: &Index, opts: &LintOptions) -> Option<Vec<FindingRow>> {
    let mut rows: Vec<FindingRow> = findings::lint(idx, opts).iter().map(row_of).collect();
    rows.sort_by_key(|r| r.severity);
    Some(rows)
}

/// A lint finding as a row of the pane.
pub fn row_of(f: &findings::Finding) -> FindingRow {
    FindingRow {
        severity: match f.severity {
            findings::Severity::High => Severity::High,
            findings::Severity::Medium => Severity::Medium,
            findings::Severity::Low => Severity::Low,
            findings::Severity::Info => Severity::Info,
        },
        id: f.id.to_string(),
        namespace: f.namespace.clone(),
        policy: f.policy.clone(),
        pod: f.pod.clone(),
        message: f.message.clone(),
    }
}

/// One finding as a line: severity, id (padded to `idw`), place, message.
pub fn row_line(r: &FindingRow, idw: usize, theme: &Theme) -> Line<'static> {
    let (mark, st) = match r.severity {
        Severity::Error => ("✗ error  ", theme.deny),
        Severity::Warning => ("⚠ warning", theme.warn),
        Severity::High => ("▲ high   ", theme.deny),
        Severity::Medium => ("■ medium ", theme.warn),
        Severity::Low => ("▪ low    ", theme.info),
        Severity::Info => ("· info   ", theme.dim),
    };
    let place = match (&r.namespace, &r.policy, &r.pod) {
        (Some(ns), Some(p), _) => format!("{ns}/{p}"),
        (Some(ns), None, Some(p)) => format!("{ns}/{p}"),
        (Some(ns), None, None) => ns.clone(),
        _ => String::new(),
    };
    Line::from(vec![
        Span::styled(format!("{mark} "), st),
        Span::styled(format!("{:<idw$} ", r.id), theme.dim),
        Span::styled(
            if place.is_empty() {
                String::new()
            } else {
                format!("{place}: ")
            },
            theme.ns,
        ),
        Span::raw(r.message.clone()),
    ])
}

#[derive(Debug, Clone, Default)]
pub struct FindingsState {
    pub visible: bool,
    /// None: not computed yet, or no lint engine.
    pub rows: Option<Vec<FindingRow>>,
    pub available: bool,
    pub generation: u64,
    pub pending: Option<u64>,
    pub last_run: Option<std::time::Instant>,
    pub selected: usize,
    pub by_ns: HashMap<String, usize>,
}

impl FindingsState {
    pub fn set(&mut self, rows: Option<Vec<FindingRow>>, generation: u64) {
        self.available = rows.is_some();
        let mut by_ns = HashMap::new();
        for r in rows.iter().flatten() {
            if let Some(ns) = &r.namespace {
                *by_ns.entry(ns.clone()).or_default() += 1;
            }
        }
        self.by_ns = by_ns;
        self.rows = rows;
        self.generation = generation;
    }

    /// Load diagnostics then lint findings, as shown.
    pub fn all(&self, errors: &[String], warnings: &[String]) -> Vec<FindingRow> {
        let load = |sev, id: &str, m: &String| FindingRow {
            severity: sev,
            id: id.to_string(),
            namespace: None,
            policy: None,
            pod: None,
            message: m.clone(),
        };
        let mut v: Vec<FindingRow> = errors
            .iter()
            .map(|m| load(Severity::Error, "load-error", m))
            .collect();
        v.extend(
            warnings
                .iter()
                .map(|m| load(Severity::Warning, "load-warning", m)),
        );
        v.extend(self.rows.iter().flatten().cloned());
        v
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let f = &app.findings;
    let rows = f.all(&app.source.errors, &app.source.warnings);
    let focused = app.focus == Pane::Findings && matches!(app.overlay, Overlay::None);
    let block = pane_block(&format!(" Findings ({}) ", rows.len()), focused, theme);
    let mut lines = Vec::new();
    if !f.available {
        lines.push(Line::styled(
            if f.pending.is_some() {
                "linting…"
            } else {
                "lint engine not available in this build: showing load diagnostics only"
            },
            theme.dim,
        ));
    }
    let idw = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for (i, r) in rows.iter().enumerate() {
        let mut line = row_line(r, idw, theme);
        if focused && i == f.selected {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
    }
    if rows.is_empty() && f.available {
        lines.push(Line::styled("no findings", theme.allow));
    }
    let inner_h = area.height.saturating_sub(2) as usize;
    let scroll = f.selected.saturating_sub(inner_h.saturating_sub(2)) as u16;
    scrolled(frame, area, lines, scroll, block, theme);
}
