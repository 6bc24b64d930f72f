//! The findings pane: what the lint engine reports, plus the source's load
//! errors and warnings. Enter jumps to the finding's pod, policy or
//! namespace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::app::{App, Overlay, Pane};
use super::super::models::findings::{FindingRow, Severity};
use super::super::theme::Theme;
use super::{pane_block, scrolled};

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
