//! The explanation of the selected change in the what-if diff.

use ratatui::text::{Line, Span};

use super::super::super::models::findings::row_of;
use super::super::super::theme::Theme;
use super::super::super::whatif::{Change, DiffRow, WhatIfState};
use super::super::findings::row_line;
use super::bold;

/// The explanation of the selected row.
pub fn drill_lines(st: &WhatIfState, theme: &Theme) -> Vec<Line<'static>> {
    let (Some(d), Some(row)) = (st.diff(), st.selected_row()) else {
        return vec![];
    };
    let mut v = Vec::new();
    let field = |k: &str, val: String, style| {
        Line::from(vec![
            Span::styled(format!("  {k:<8}"), theme.dim),
            Span::styled(val, style),
        ])
    };
    match row {
        DiffRow::Entry(change, i) => {
            let Some(e) = d.entries.get(*i) else {
                return v;
            };
            let (title, ports, style) = match change {
                Change::Lost => ("Lost connection", e.lost(), theme.deny),
                Change::Gained => ("Gained connection", e.gained(), theme.allow),
            };
            v.push(Line::styled(title, bold(style)));
            v.push(field("from", e.src.to_string(), theme.pod));
            v.push(field("to", e.dst.to_string(), theme.pod));
            v.push(field(
                if *change == Change::Lost {
                    "lost"
                } else {
                    "gained"
                },
                ports.to_string(),
                style,
            ));
            v.push(field("before", e.before().to_string(), theme.base));
            v.push(field("after", e.after().to_string(), theme.base));
            v.push(Line::default());
            v.push(Line::styled("Why", theme.title));
            if e.why().is_empty() {
                v.push(Line::styled("  (no explanation recorded)", theme.dim));
            }
            for w in e.why().iter() {
                v.push(Line::raw(format!("  • {w}")));
            }
        }
        DiffRow::Finding(intro, i) => {
            let list = if *intro {
                &d.findings_introduced
            } else {
                &d.findings_resolved
            };
            let Some(f) = list.get(*i) else {
                return v;
            };
            v.push(Line::styled(
                if *intro {
                    "Finding the change introduces"
                } else {
                    "Finding the change resolves"
                },
                bold(if *intro { theme.warn } else { theme.allow }),
            ));
            v.push(row_line(&row_of(f), f.id.len(), theme));
            v.push(Line::default());
            v.push(Line::styled("Why it matters", theme.title));
            v.push(Line::raw(format!("  {}", f.why)));
            if let Some(fix) = &f.fix {
                v.push(Line::default());
                v.push(Line::styled("Fix", theme.title));
                v.extend(fix.lines().map(|l| Line::raw(format!("  {l}"))));
            }
            if !f.pods.is_empty() {
                v.push(Line::default());
                v.push(Line::styled(
                    format!("Pods concerned ({})", f.pods.len()),
                    theme.title,
                ));
                for p in f.pods.iter().take(20) {
                    v.push(Line::styled(format!("  {p}"), theme.pod));
                }
                if f.pods.len() > 20 {
                    v.push(Line::styled(
                        format!("  … {} more", f.pods.len() - 20),
                        theme.dim,
                    ));
                }
            }
        }
        _ => {}
    }
    v
}
