//! Heatmap of allowed connectivity: namespaces x namespaces (share of pod
//! pairs allowed on some port), or pods x pods inside one namespace. Draws
//! the data of `models::matrix`.

use crate::tui::keymap::{Action as A, Context as C};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::models::matrix::{MatrixData, MatrixState};
use super::super::theme::Theme;
use super::pane_block;
use crate::engine::text::plural;

impl MatrixData {
    fn label(&self, i: usize) -> &str {
        match self {
            MatrixData::Namespaces(m) => &m.names[i],
            MatrixData::Pods(m) => &m.pods[i],
        }
    }

    fn cell(&self, i: usize, j: usize, theme: &Theme) -> (&'static str, Style) {
        match self {
            MatrixData::Namespaces(m) => {
                let (n, total, _) = m.cell(i, j);
                if total == 0 {
                    return ("  ", theme.dim);
                }
                theme.heat_cell(n as f64 / total as f64)
            }
            MatrixData::Pods(m) => {
                if i == j {
                    return ("--", theme.dim);
                }
                let p = &m.ports[m.class_of[i]][m.class_of[j]];
                if p.is_all() {
                    theme.heat_cell(1.0)
                } else if p.is_empty() {
                    theme.heat_cell(0.0)
                } else {
                    theme.heat_cell(0.5)
                }
            }
        }
    }

    fn describe(&self, i: usize, j: usize) -> String {
        match self {
            MatrixData::Namespaces(m) => {
                let (n, total, ports) = m.cell(i, j);
                let share = (n * 100).checked_div(total).unwrap_or(0);
                let what = if n == 0 {
                    String::new()
                } else {
                    format!(": {ports}")
                };
                format!(
                    "{} → {}: {n} of {} allowed ({share}%){what}",
                    m.names[i],
                    m.names[j],
                    plural(total as usize, "pod pair", "pod pairs")
                )
            }
            MatrixData::Pods(m) => {
                if i == j {
                    return format!(
                        "{}: a pod to itself is not governed by NetworkPolicy",
                        m.pods[i]
                    );
                }
                let p = &m.ports[m.class_of[i]][m.class_of[j]];
                format!("{} → {}: {p}", m.pods[i], m.pods[j])
            }
        }
    }
}

/// Cells per screen: (rows, columns) for an area, given the data size.
pub fn grid_fit(area: Rect, n: usize, label_w: usize) -> (usize, usize, usize) {
    let cw = (digits(n) + 1).max(3);
    let inner_w = area.width.saturating_sub(2) as usize;
    let inner_h = area.height.saturating_sub(2) as usize;
    let rows = inner_h.saturating_sub(5);
    let cols = inner_w.saturating_sub(label_w + 6) / cw;
    (rows, cols, cw)
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// First index shown so that `cursor` is visible, centred when it can be.
fn window(cursor: usize, n: usize, fit: usize) -> usize {
    if fit == 0 || n <= fit {
        return 0;
    }
    cursor.saturating_sub(fit / 2).min(n - fit)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, st: &MatrixState) {
    let theme = &app.theme;
    let title = match &st.zoom {
        None => " Matrix: namespaces × namespaces (row: from, column: to) ".to_string(),
        Some(ns) => format!(" Matrix: pods × pods in {ns} (row: from, column: to) "),
    };
    let stale = st.pending.is_some() && st.data.is_some();
    let block = pane_block(&title, true, theme).title_bottom(Line::styled(
        if stale { " recomputing… " } else { "" },
        theme.warn,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(data) = &st.data else {
        frame.render_widget(
            Paragraph::new(Line::styled("computing connectivity…", theme.dim)),
            inner,
        );
        return;
    };
    let n = data.len();
    if n == 0 {
        frame.render_widget(
            Paragraph::new(Line::styled("nothing to show: no pods", theme.dim)),
            inner,
        );
        return;
    }
    let label_w = (0..n)
        .map(|i| data.label(i).chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 28);
    let (rows, cols, cw) = grid_fit(area, n, label_w);
    let nw = digits(n);
    let r0 = window(st.row, n, rows);
    let c0 = window(st.col, n, cols);
    let [legend, grid, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(3),
    ])
    .areas(inner);

    let mut leg = vec![Span::styled("legend: ", theme.dim)];
    let shades: &[(f64, &str)] = match data {
        MatrixData::Namespaces(_) => &[
            (0.0, "none"),
            (0.1, "<25%"),
            (0.5, "<75%"),
            (0.9, "<100%"),
            (1.0, "all pod pairs"),
        ],
        MatrixData::Pods(_) => &[(0.0, "nothing"), (0.5, "some ports"), (1.0, "everything")],
    };
    for (f, what) in shades {
        let (g, s) = theme.heat_cell(*f);
        leg.push(Span::styled(g, s));
        leg.push(Span::styled(format!(" {what}  "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(leg)), legend);

    let mut lines = Vec::new();
    let mut head = vec![Span::raw(" ".repeat(nw + 1 + label_w + 1))];
    for j in c0..(c0 + cols).min(n) {
        let style = if j == st.col {
            theme.selected
        } else {
            theme.dim
        };
        head.push(Span::styled(format!("{:>cw$}", j + 1), style));
    }
    lines.push(Line::from(head));
    for i in r0..(r0 + rows).min(n) {
        let lstyle = if i == st.row {
            theme.selected
        } else {
            theme.ns
        };
        let name: String = data.label(i).chars().take(label_w).collect();
        let mut spans = vec![
            Span::styled(format!("{:>nw$} ", i + 1), theme.dim),
            Span::styled(format!("{name:<label_w$}"), lstyle),
            Span::raw(" "),
        ];
        for j in c0..(c0 + cols).min(n) {
            let (g, mut s) = data.cell(i, j, theme);
            if i == st.row && j == st.col {
                s = s
                    .patch(theme.selected)
                    .add_modifier(ratatui::style::Modifier::REVERSED);
            }
            spans.push(Span::raw(" ".repeat(cw - 2)));
            spans.push(Span::styled(g, s));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), grid);

    let (row, col) = (st.row.min(n - 1), st.col.min(n - 1));
    let mut d = vec![Line::styled(data.describe(row, col), theme.info)];
    let more = if n > rows.min(cols) {
        format!("{n} rows: move to scroll · ")
    } else {
        String::new()
    };
    d.push(Line::styled(
        match data {
            MatrixData::Namespaces(_) => format!(
                "{more}{}: pods × pods of {} · {}: close",
                app.keymap.key(C::Matrix, A::Activate),
                data.label(row),
                app.keymap.key(C::Matrix, A::Close)
            ),
            MatrixData::Pods(m) => {
                let h = if m.host_network > 0 {
                    format!("{} hostNetwork pods not shown · ", m.host_network)
                } else {
                    String::new()
                };
                format!(
                    "{more}{h}{}: namespaces × namespaces · {}: close",
                    app.keymap.key(C::Matrix, A::ZoomOut),
                    app.keymap.key(C::Matrix, A::Close)
                )
            }
        },
        theme.dim,
    ));
    frame.render_widget(Paragraph::new(d), detail);
}
