//! Trace: one connection, step by step: the client's egress side, then the
//! server's ingress side, with the deciding rule or the closest misses
//! (from `engine::explain`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::engine::explain::{Explanation, Mark};
use crate::engine::index::Index;
use crate::engine::query::{End, PortQuery, QueryError, Resolved, can_reach};

use super::super::app::App;
use super::super::keymap::{Action as A, Context as C};
use super::pane_block;

#[derive(Debug, Clone)]
pub struct TraceState {
    pub from: End,
    pub to: Option<End>,
    pub port: String,
    pub editing: bool,
    pub result: Option<Result<Explanation, String>>,
    pub scroll: u16,
}

impl TraceState {
    pub fn new(from: End) -> Self {
        TraceState {
            from,
            to: None,
            port: String::new(),
            editing: false,
            result: None,
            scroll: 0,
        }
    }

    pub fn recompute(&mut self, idx: &Index) {
        self.result = self
            .to
            .as_ref()
            .map(|to| compute(idx, &self.from, to, &self.port));
    }
}

/// The explanation for `from -> to` on `port` (empty: everything allowed).
pub fn compute(idx: &Index, from: &End, to: &End, port: &str) -> Result<Explanation, String> {
    let port = match port.trim() {
        "" => None,
        p => Some(p.parse::<PortQuery>().map_err(|e| e.to_string())?),
    };
    let (from, to) = (Resolved::end(from.clone()), Resolved::end(to.clone()));
    let reach = can_reach(idx, &from, &to, port.as_ref()).map_err(|e| message(&e))?;
    // One pod or address at each end: exactly one answer.
    reach
        .answers
        .into_iter()
        .next()
        .map(|a| a.explanation)
        .ok_or_else(|| "no answer".to_string())
}

/// The trace names both ends in its header, so its messages do not.
fn message(e: &QueryError) -> String {
    match e {
        QueryError::SamePod { .. } => {
            "client and server are the same pod: self-traffic is not governed by NetworkPolicy"
                .into()
        }
        QueryError::NamedPortNeedsPod { name } => {
            format!("named port {name:?} needs a pod as destination")
        }
        QueryError::HostNetwork { .. } => "a hostNetwork pod is involved: NetworkPolicy does not govern hostNetwork pods, so there is no verdict".into(),
        QueryError::NoPod => "both ends are addresses: NetworkPolicy has nothing to say".into(),
        e => e.to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, t: &TraceState) {
    let theme = &app.theme;
    // The hints name the user's keys.
    let k = |c, a| app.keymap.key(c, a);
    let block = pane_block(" Trace ", true, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(inner);
    let to =
        t.to.as_ref()
            .map(|e| e.to_string())
            .unwrap_or_else(|| "(pick a destination: d)".into());
    let port_text = if t.port.is_empty() && !t.editing {
        "any (everything allowed)".to_string()
    } else {
        t.port.clone()
    };
    let cursor = if t.editing { "▏" } else { "" };
    let head_lines = vec![
        Line::from(vec![
            Span::styled("from  ", theme.dim),
            Span::styled(t.from.to_string(), theme.pod),
            Span::styled("   client: its egress side decides first", theme.dim),
        ]),
        Line::from(vec![
            Span::styled("to    ", theme.dim),
            Span::styled(to, theme.pod),
            Span::styled("   server: then its ingress side", theme.dim),
        ]),
        Line::from(vec![
            Span::styled("port  ", theme.dim),
            Span::styled(
                format!("{port_text}{cursor}"),
                if t.editing { theme.selected } else { theme.key },
            ),
            Span::styled(
                if t.editing {
                    format!(
                        "   type 5432, 53/UDP or a named port · {}: done",
                        k(C::PortInput, A::Close)
                    )
                } else {
                    format!(
                        "   {}: port · {}: destination · {}: swap · {}: close",
                        k(C::Trace, A::TracePort),
                        k(C::Trace, A::TracePick),
                        k(C::Trace, A::TraceSwap),
                        k(C::Trace, A::Close)
                    )
                },
                theme.dim,
            ),
        ]),
    ];
    frame.render_widget(Paragraph::new(head_lines), head);
    let mut lines: Vec<Line> = Vec::new();
    match &t.result {
        None => lines.push(Line::styled("no destination yet", theme.dim)),
        Some(Err(e)) => lines.push(Line::styled(e.clone(), theme.warn)),
        Some(Ok(ex)) => {
            lines.push(Line::styled(
                ex.summary.clone(),
                if ex.allowed { theme.allow } else { theme.deny }
                    .add_modifier(ratatui::style::Modifier::BOLD),
            ));
            lines.push(Line::default());
            let mut step = 0;
            for l in &ex.lines {
                let (mark, style) = match l.mark {
                    Mark::Allow => ("✓ ", theme.allow),
                    Mark::Deny => ("✗ ", theme.deny),
                    Mark::Info => ("· ", theme.info),
                };
                let prefix = if l.indent == 0 {
                    step += 1;
                    format!("{step}. ")
                } else {
                    "   ".repeat(usize::from(l.indent))
                };
                // Wrap by hand so continuation lines hang under the text.
                let indent = prefix.chars().count() + 2;
                let text_style = if l.indent == 0 {
                    theme.title
                } else {
                    theme.base
                };
                let width = (body.width as usize).saturating_sub(indent).max(20);
                for (i, chunk) in wrap(&l.text, width).into_iter().enumerate() {
                    let lead = if i == 0 {
                        vec![
                            Span::styled(prefix.clone(), theme.dim),
                            Span::styled(mark, style),
                        ]
                    } else {
                        vec![Span::raw(" ".repeat(indent))]
                    };
                    lines.push(Line::from(
                        [lead, vec![Span::styled(chunk, text_style)]].concat(),
                    ));
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((t.scroll, 0)),
        body,
    );
}

/// Greedy word wrap to `width` columns.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for word in text.split(' ') {
        let cur = out.last_mut().map_or(0, |l| l.chars().count());
        if cur > 0 && cur + 1 + word.chars().count() > width {
            out.push(String::new());
        }
        if let Some(l) = out.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    out
}
