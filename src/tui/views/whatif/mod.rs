//! The what-if panel, over the right-hand side so the tree (with the
//! touched pods badged) stays in view: the menu of ways to make a proposal,
//! then the diff (totals, lost, gained, findings), the explanation of a
//! row, and the path prompt. Reads state only.

mod drill;
mod prompt;

use crate::tui::keymap::{Action as A, Context as C, Keymap};
pub use drill::drill_lines;
use prompt::render_prompt;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, Selected};
use super::super::keymap::Needs;
use super::super::models::findings::row_of;
use super::super::theme::Theme;
use super::super::whatif::{Change, DiffRow, Outcome, WhatIfState, commands};
use super::findings::row_line;
use super::{layout, pane_block, popup_frame};
use crate::engine::text::plural;

/// Lines above the list: proposal, totals, summary, a gap.
const HEADER_H: u16 = 4;

/// The panel: the right-hand side of the main screen.
pub fn panel_area(app: &App) -> Rect {
    layout(app).right
}

fn inner(app: &App) -> Rect {
    panel_area(app).inner(Margin {
        vertical: 1,
        horizontal: 1,
    })
}

/// Where the list (or the menu, errors, explanation) goes; `update` pages
/// and scrolls with its height.
pub fn list_area(app: &App) -> Rect {
    let footer = footer_lines(&app.whatif, &app.theme, &app.keymap).len() as u16;
    let [_, list, _] = Layout::vertical([
        Constraint::Length(HEADER_H),
        Constraint::Fill(1),
        Constraint::Length(footer),
    ])
    .areas(inner(app));
    list
}

pub(super) fn bold(s: ratatui::style::Style) -> ratatui::style::Style {
    s.add_modifier(Modifier::BOLD)
}

/// Notes, what to run, and the keys.
fn footer_lines(st: &WhatIfState, theme: &Theme, map: &Keymap) -> Vec<Line<'static>> {
    let k = |a| map.key(C::Overlay, a);
    let mut v = Vec::new();
    if let Some((ok, n)) = &st.note {
        v.push(Line::styled(
            n.clone(),
            if *ok { theme.allow } else { theme.deny },
        ));
    }
    if let Some(p) = &st.proposal {
        match &st.saved {
            Some(path) => {
                v.push(Line::styled(
                    "Nothing was sent to the cluster. When satisfied, run:",
                    theme.dim,
                ));
                for c in commands(p, path) {
                    v.push(Line::from(vec![
                        Span::raw("  "),
                        Span::styled(c, theme.key),
                    ]));
                }
            }
            None => v.push(Line::from(vec![
                Span::styled("Nothing is sent to the cluster · ", theme.dim),
                Span::styled(k(A::WhatIfSave), theme.key),
                Span::styled(" save, then ", theme.dim),
                Span::styled("kubectl apply -f FILE", theme.key),
            ])),
        }
    }
    let keys: Vec<(String, &str)> = if st.drill {
        let up_down = map.key(C::Move, A::Up) + &map.key(C::Move, A::Down);
        vec![(up_down, "scroll"), (k(A::Close), "back to the list")]
    } else if st.proposal.is_some() {
        vec![
            (k(A::Activate), "why"),
            (k(A::WhatIfDefaultDeny), "deny"),
            (k(A::WhatIfDelete), "delete"),
            (k(A::WhatIfLoad), "file"),
            (k(A::WhatIfEdit), "edit"),
            (k(A::WhatIfSave), "save"),
            (k(A::WhatIfClear), "clear"),
            (k(A::Close), "close"),
        ]
    } else {
        vec![
            (map.key(C::Global, A::Help), "help"),
            (k(A::Close), "close"),
        ]
    };
    let mut spans = Vec::new();
    for (i, (k, what)) in keys.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(k.to_string(), theme.key));
        spans.push(Span::styled(format!(" {what}"), theme.dim));
    }
    v.push(Line::from(spans));
    v
}

fn header_lines(st: &WhatIfState, theme: &Theme) -> Vec<Line<'static>> {
    let Some(p) = &st.proposal else {
        return vec![
            Line::styled("Rehearse a change before applying it", theme.title),
            Line::styled(
                "See which connections it would cut or open, and why.",
                theme.dim,
            ),
        ];
    };
    let mut v = vec![Line::from(vec![
        Span::styled("Proposal: ", theme.dim),
        Span::styled(p.title.clone(), theme.title),
    ])];
    match (&st.outcome, st.pending.is_some()) {
        (Some(o), pending) if o.diff.is_some() => {
            v.push(totals(o, theme, pending));
            v.push(Line::styled(o.summary.clone(), theme.dim));
        }
        (_, true) => v.push(Line::styled("computing the difference…", theme.info)),
        (Some(_), false) => v.push(Line::styled(
            "the proposal cannot be compared: see below",
            theme.deny,
        )),
        (None, false) => {}
    }
    v
}

fn totals(o: &Outcome, theme: &Theme, pending: bool) -> Line<'static> {
    let Some(d) = &o.diff else {
        return Line::default();
    };
    let mut spans = vec![
        Span::styled(format!("{} lost", o.lost), bold(theme.deny)),
        Span::styled(" · ", theme.dim),
        Span::styled(format!("{} gained", o.gained), bold(theme.allow)),
        Span::styled(" · ", theme.dim),
        Span::raw(format!(
            "{} unchanged",
            plural(d.unchanged_pairs as usize, "pod pair", "pod pairs")
        )),
        Span::styled(" · ", theme.dim),
        Span::raw(format!(
            "{} touched",
            plural(d.touched.len(), "pod", "pods")
        )),
    ];
    if pending {
        spans.push(Span::styled("  (updating…)", theme.info));
    }
    Line::from(spans)
}

fn menu_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let ns = app.selected.namespace().map(str::to_string);
    let item = |key: &str, what: String, on: bool, detail: &str| {
        let style = if on {
            ratatui::style::Style::default()
        } else {
            theme.dim
        };
        vec![
            Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{key}  "), if on { theme.key } else { theme.dim }),
                Span::styled(what, style),
            ]),
            Line::styled(format!("     {detail}"), theme.dim),
        ]
    };
    let mut v = Vec::new();
    v.extend(item(
        "d",
        match &ns {
            Some(n) => format!("rehearse default-deny for namespace {n}"),
            None => "rehearse default-deny for a namespace (select one first)".into(),
        },
        app.can(Needs::Namespace),
        "deny all ingress and egress, allow DNS to kube-dns on UDP and TCP 53",
    ));
    v.extend(item(
        "x",
        match &app.selected {
            Selected::Policy(k) => format!("delete policy {k}"),
            _ => "delete a policy (select one in the tree first)".into(),
        },
        app.can(Needs::Policy),
        "what opens or closes if it goes",
    ));
    v.extend(item(
        "f",
        "load a proposal file".into(),
        true,
        "the YAML you would kubectl apply -f (Tab completes the path)",
    ));
    v.extend(item(
        "e",
        "write a draft in $EDITOR".into(),
        true,
        "starts from a commented template",
    ));
    v
}

fn error_lines(o: &Outcome, theme: &Theme) -> Vec<Line<'static>> {
    let mut v = vec![Line::styled(
        "The proposal has errors (kubectl apply would refuse them too):",
        bold(theme.deny),
    )];
    for e in &o.errors {
        v.push(Line::styled(format!("✗ {e}"), theme.deny));
    }
    for w in &o.warnings {
        v.push(Line::styled(format!("⚠ {w}"), theme.warn));
    }
    v.push(Line::default());
    v.push(Line::from(vec![
        Span::styled("e", theme.key),
        Span::styled(" fixes it in $EDITOR, ", theme.dim),
        Span::styled("f", theme.key),
        Span::styled(" loads another file", theme.dim),
    ]));
    v
}

fn row_text(st: &WhatIfState, row: &DiffRow, theme: &Theme, idw: usize) -> Line<'static> {
    let Some(d) = st.diff() else {
        return Line::default();
    };
    match row {
        DiffRow::Heading(Change::Lost, n) => {
            Line::styled(format!("Lost connections ({n})"), bold(theme.deny))
        }
        DiffRow::Heading(Change::Gained, n) => {
            Line::styled(format!("Gained connections ({n})"), bold(theme.allow))
        }
        DiffRow::Pair(_, a, b) => Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{a} → {b}"), theme.ns),
        ]),
        DiffRow::Entry(change, i) => {
            let Some(e) = d.entries.get(*i) else {
                return Line::default();
            };
            let (mark, ports, st) = match change {
                Change::Lost => ("- ", e.lost(), theme.deny),
                Change::Gained => ("+ ", e.gained(), theme.allow),
            };
            // The namespace pair is the group's heading.
            let short = |n: &str| n.split_once('/').map_or(n, |(_, w)| w).to_string();
            Line::from(vec![
                Span::raw("    "),
                Span::styled(mark, st),
                Span::raw(format!("{} → {}", short(&e.src), short(&e.dst))),
                Span::styled(format!("  {ports}"), st),
            ])
        }
        DiffRow::FindingsHeading(true, n) => {
            Line::styled(format!("Findings introduced ({n})"), bold(theme.warn))
        }
        DiffRow::FindingsHeading(false, n) => {
            Line::styled(format!("Findings resolved ({n})"), bold(theme.allow))
        }
        DiffRow::Finding(intro, i) => {
            let list = if *intro {
                &d.findings_introduced
            } else {
                &d.findings_resolved
            };
            match list.get(*i) {
                Some(f) => {
                    let mut l = row_line(&row_of(f), idw, theme);
                    l.spans.insert(0, Span::raw("  "));
                    l
                }
                None => Line::default(),
            }
        }
        DiffRow::Note(s) => Line::styled(format!("  {s}"), theme.dim),
        DiffRow::Blank => Line::default(),
    }
}

fn list_lines(st: &WhatIfState, theme: &Theme, height: usize) -> Vec<Line<'static>> {
    let idw = st.diff().map_or(0, |d| {
        d.findings_introduced
            .iter()
            .chain(&d.findings_resolved)
            .map(|f| f.id.len())
            .max()
            .unwrap_or(0)
    });
    let cur = st.selectable.get(st.cursor).copied();
    st.rows
        .iter()
        .enumerate()
        .skip(st.scroll)
        .take(height)
        .map(|(i, r)| {
            // A gutter that marks the selected row (visible without colour).
            let mut l = row_text(st, r, theme, idw);
            let sel = Some(i) == cur;
            l.spans.insert(0, Span::raw(if sel { "▌" } else { " " }));
            if sel {
                l.patch_style(theme.selected)
            } else {
                l
            }
        })
        .collect()
}

pub fn render(frame: &mut Frame, app: &App) {
    let theme = &app.theme;
    let st = &app.whatif;
    let area = panel_area(app);
    popup_frame(frame, area);
    let title = format!(" What-if ({}) ", app.keymap.key(C::Browse, A::WhatIf));
    let block = pane_block(&title, true, theme);
    frame.render_widget(block, area);
    let footer = footer_lines(st, theme, &app.keymap);
    let [head, list, foot] = Layout::vertical([
        Constraint::Length(HEADER_H),
        Constraint::Fill(1),
        Constraint::Length(footer.len() as u16),
    ])
    .areas(inner(app));
    frame.render_widget(
        Paragraph::new(header_lines(st, theme)).style(theme.base),
        head,
    );
    frame.render_widget(Paragraph::new(footer).style(theme.base), foot);
    let outcome = st.outcome.as_ref();
    if st.proposal.is_none() {
        frame.render_widget(Paragraph::new(menu_lines(app)).style(theme.base), list);
    } else if let Some(o) = outcome.filter(|o| o.diff.is_none()) {
        frame.render_widget(
            Paragraph::new(error_lines(o, theme))
                .wrap(Wrap { trim: false })
                .style(theme.base),
            list,
        );
    } else if st.drill {
        frame.render_widget(
            Paragraph::new(drill_lines(st, theme))
                .wrap(Wrap { trim: false })
                .scroll((st.drill_scroll, 0))
                .style(theme.base),
            list,
        );
    } else {
        frame.render_widget(
            Paragraph::new(list_lines(st, theme, list.height as usize)).style(theme.base),
            list,
        );
    }
    if st.prompt.is_some() {
        render_prompt(frame, area, app);
    }
}
