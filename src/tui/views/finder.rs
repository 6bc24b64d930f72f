//! The finder popup: the query and the ranked matches (computed in
//! `models::finder`), with the matched chars highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::models::finder::{Candidate, FinderState, Kind, Purpose, Row};
use super::super::theme::Theme;
use super::{centered, pane_block, popup_frame};

pub fn render(frame: &mut Frame, body: Rect, app: &App, f: &FinderState) {
    let theme = &app.theme;
    let area = centered(
        body,
        body.width.saturating_sub(8).max(40),
        body.height.saturating_sub(4).max(8),
    );
    popup_frame(frame, area);
    let title = match f.purpose {
        Purpose::Jump => " Find: namespaces, pods, workloads, policies, labels ",
        Purpose::TraceTo(_) => {
            " Trace to: pick the destination (a pod, a workload, or type an IP) "
        }
    };
    let block = pane_block(title, true, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [input, sep, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let status = match (&f.candidates, f.pending) {
        (None, _) => "indexing…".to_string(),
        (Some(c), p) => {
            let n = f.matches.as_ref().map_or(0, |m| m.len());
            format!(
                "{}{n} of {}",
                if p.is_some() { "searching… " } else { "" },
                c.items.len()
            )
        }
    };
    let [qa, sa] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(status.chars().count() as u16 + 1),
    ])
    .areas(input);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("> ", theme.key),
            Span::raw(f.query.clone()),
            Span::styled("▏", theme.key),
        ])),
        qa,
    );
    frame.render_widget(Paragraph::new(Line::styled(status, theme.dim)), sa);
    frame.render_widget(
        Paragraph::new(Line::styled("─".repeat(sep.width as usize), theme.border)),
        sep,
    );

    let h = list.height as usize;
    let rows = f.rows();
    let first = f.selected.saturating_sub(h.saturating_sub(1));
    let mut lines = Vec::new();
    for r in first..rows.min(first + h) {
        let sel = r == f.selected;
        let mut spans = vec![Span::styled(if sel { "▶ " } else { "  " }, theme.key)];
        match f.row(r) {
            Some(Row::Ip(ip)) => {
                spans.push(Span::styled(format!("{:<9}", "address"), theme.dim));
                spans.push(Span::raw(format!(
                    "{ip} (an address outside the cluster, or a pod's IP)"
                )));
            }
            Some(Row::Candidate {
                candidate: cand,
                matched: pos,
            }) => candidate_spans(&mut spans, cand, &pos, theme),
            None => {}
        }
        let mut line = Line::from(spans);
        if sel {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
    }
    if rows == 0 && f.candidates.is_some() && f.pending.is_none() {
        lines.push(Line::styled("  no match", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), list);
}

/// A match: its kind, its text with the matched chars marked, its note.
fn candidate_spans(spans: &mut Vec<Span<'static>>, cand: &Candidate, pos: &[usize], theme: &Theme) {
    spans.push(Span::styled(
        format!("{:<9}", cand.kind.as_str()),
        theme.dim,
    ));
    let base = match cand.kind {
        Kind::Namespace => theme.ns,
        Kind::Policy => theme.policy,
        Kind::Label => theme.label,
        Kind::Service => theme.info,
        _ => theme.pod,
    };
    for (i, ch) in cand.text.chars().enumerate() {
        let st = if pos.binary_search(&i).is_ok() {
            base.patch(theme.matched)
        } else {
            base
        };
        spans.push(Span::styled(ch.to_string(), st));
    }
    if !cand.note.is_empty() {
        spans.push(Span::styled(format!("  ({})", cand.note), theme.dim));
    }
}
