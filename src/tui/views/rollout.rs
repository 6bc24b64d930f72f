//! The rollout view: per namespace, isolation per direction, recorded
//! connections, and what the what-if's default-deny (+ DNS) would cut.
//! Draws `models::rollout`; the keys hand a namespace to the what-if.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::app::App;
use super::super::keymap::{Action, Context, Needs};
use super::super::models::rollout::{RolloutRow, RolloutState};
use super::super::nsstats::NsStats;
use super::super::theme::Theme;
use super::pane_block;
use crate::engine::text::plural;

/// Lines under the table: the selected row in words, a note, the keys.
const FOOTER: u16 = 4;

/// Table rows that fit in `body` (header and footer left out).
pub fn table_height(body: Rect) -> usize {
    body.height.saturating_sub(2 + 1 + FOOTER) as usize
}

const COLS: [(&str, usize); 7] = [
    ("Namespace", 0),
    ("Pods", 6),
    ("Ingress isolated", 18),
    ("Egress isolated", 17),
    ("Recorded", 10),
    ("Cut: recorded", 15),
    ("Cut: theoretical", 17),
];

/// `yes` (every pod), `no` (none), `n/m` (some); `—` without pods.
fn isolated(n: u32, s: &NsStats, theme: &Theme) -> (String, Style) {
    // hostNetwork pods are never isolated: they do not count against.
    let pods = s.pods.saturating_sub(s.host_network);
    if pods == 0 {
        ("—".into(), theme.dim)
    } else if n == pods {
        ("yes".into(), theme.allow)
    } else if n == 0 {
        ("no".into(), theme.deny)
    } else {
        (format!("{n}/{pods}"), theme.warn)
    }
}

fn count(v: Option<u64>, theme: &Theme, bad: bool) -> (String, Style) {
    match v {
        None => ("—".into(), theme.dim),
        Some(0) => ("0".into(), Style::default()),
        Some(n) => (
            n.to_string(),
            if bad { theme.deny } else { Style::default() },
        ),
    }
}

fn cells(r: &RolloutRow, theme: &Theme) -> [(String, Style); 7] {
    let theo = match &r.cut_theoretical {
        Ok(n) => count(Some(*n as u64), theme, true),
        Err(_) => ("error".into(), theme.warn),
    };
    [
        (r.namespace.clone(), theme.ns),
        (r.stats.pods.to_string(), Style::default()),
        isolated(r.stats.ingress_isolated, &r.stats, theme),
        isolated(r.stats.egress_isolated, &r.stats, theme),
        count(r.recorded, theme, false),
        count(r.cut_recorded, theme, true),
        theo,
    ]
}

fn line(cells: Vec<(String, Style)>, name_w: usize, base: Style) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (text, style)) in cells.into_iter().enumerate() {
        let w = if i == 0 { name_w } else { COLS[i].1 };
        let text = if i == 0 {
            format!("{text:<w$}")
        } else {
            format!("{text:>w$}")
        };
        spans.push(Span::styled(text, base.patch(style)));
    }
    Line::from(spans)
}

/// The selected namespace in words.
fn describe(r: &RolloutRow) -> String {
    let ns = &r.namespace;
    match &r.cut_theoretical {
        Err(e) => format!("{ns}: the default-deny what-if failed: {e}"),
        Ok(n) => {
            let mut s = format!(
                "{ns}: default-deny (+ DNS) would cut {}",
                plural(*n, "theoretical connection", "theoretical connections")
            );
            match (r.cut_recorded, r.recorded) {
                (Some(c), Some(all)) => s.push_str(&format!(
                    " and {c} of its {all} recorded {}",
                    if all == 1 {
                        "connection"
                    } else {
                        "connections"
                    }
                )),
                _ => s.push_str("; without a recording (--flows), which are used is unknown"),
            }
            s
        }
    }
}

fn keys(app: &App, action: Action) -> String {
    app.keymap.labels(Context::Rollout, action).join("/")
}

pub fn render(frame: &mut Frame, body: Rect, app: &App, st: &RolloutState) {
    let theme = &app.theme;
    let n = st
        .data
        .as_ref()
        .map_or(app.tree.names.len(), |d| d.rows.len());
    let mut title = format!(
        " Rollout: {} · default-deny (+ DNS) cuts; theoretical: workload pairs and external ranges ",
        plural(n, "namespace", "namespaces")
    );
    if st.pending.is_some() && st.data.is_some() {
        title.push_str("· updating… ");
    }
    let block = pane_block(&title, true, theme);
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let [head, table, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(FOOTER),
    ])
    .areas(inner);
    let name_w = app
        .tree
        .names
        .iter()
        .map(|n| n.chars().count())
        .chain(
            st.data
                .iter()
                .flat_map(|d| d.rows.iter().map(|r| r.namespace.chars().count())),
        )
        .max()
        .unwrap_or(0)
        .max(COLS[0].0.len())
        + 1;
    let header = COLS
        .iter()
        .map(|(t, _)| (t.to_string(), theme.title))
        .collect();
    frame.render_widget(Paragraph::new(line(header, name_w, Style::default())), head);
    let Some(data) = &st.data else {
        // Until the first result: the namespaces and their isolation from
        // the tree's cached counts; the cuts are on their way.
        let theme_dim = theme.dim;
        let lines: Vec<Line> = app
            .tree
            .names
            .iter()
            .take(table.height as usize)
            .map(|ns| {
                let stats = app.stats.get(ns);
                let wait = || ("…".to_string(), theme_dim);
                let row = vec![
                    (ns.to_string(), theme.ns),
                    (stats.pods.to_string(), Style::default()),
                    isolated(stats.ingress_isolated, &stats, theme),
                    isolated(stats.egress_isolated, &stats, theme),
                    wait(),
                    wait(),
                    wait(),
                ];
                line(row, name_w, Style::default())
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), table);
        frame.render_widget(
            Paragraph::new(vec![
                Line::default(),
                Line::styled(
                    " computing the default-deny what-if of every namespace…",
                    theme.dim,
                ),
            ]),
            foot,
        );
        return;
    };
    let lines: Vec<Line> = data
        .rows
        .iter()
        .enumerate()
        .skip(st.scroll)
        .take(table.height as usize)
        .map(|(i, r)| {
            let base = if i == st.row {
                theme.selected
            } else {
                Style::default()
            };
            line(cells(r, theme).into(), name_w, base)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), table);
    let mut out = vec![Line::default()];
    out.push(match st.selected() {
        Some(r) => Line::raw(format!(" {}", describe(r))),
        None => Line::styled(" no namespaces", theme.dim),
    });
    out.push(match &st.note {
        Some((ok, n)) => Line::styled(format!(" {n}"), if *ok { theme.info } else { theme.deny }),
        None => Line::default(),
    });
    let flows = app.can(Needs::Flows);
    let grey = theme.dim;
    let mut hint = vec![
        Span::styled(
            format!(" {}", keys(app, Action::WhatIfDefaultDeny)),
            theme.key,
        ),
        Span::raw(" default-deny into the what-if   "),
        Span::styled(
            keys(app, Action::RolloutSuggest),
            if flows { theme.key } else { grey },
        ),
    ];
    if flows {
        let save = app
            .keymap
            .labels(Context::Overlay, Action::WhatIfSave)
            .join("/");
        hint.push(Span::raw(format!(
            " suggested policies into the what-if (then {save} saves)   "
        )));
    } else {
        hint.push(Span::styled(
            " suggested policies: needs recorded flows (--flows FILE)   ",
            grey,
        ));
    }
    hint.push(Span::styled(keys(app, Action::Close), theme.key));
    hint.push(Span::raw(" close"));
    out.push(Line::from(hint));
    frame.render_widget(Paragraph::new(out), foot);
}
