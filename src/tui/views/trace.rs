//! Trace: one connection, step by step: the client's egress side, then the
//! server's ingress side, with the deciding rule or the closest misses
//! (from `engine::explain`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::engine::explain::{Explanation, Mark};
use crate::engine::index::Index;
use crate::engine::model::ServiceKey;
use crate::engine::query::verify::{Verify, verify_pods};
use crate::engine::query::{End, PortQuery, QueryError, Resolved, can_reach};

use super::super::app::App;
use super::super::keymap::{Action as A, Context as C};
use super::super::models::service::{ServiceTrace, trace as trace_service};
use super::super::theme::Theme;
use super::pane_block;

#[derive(Debug, Clone)]
pub struct TraceState {
    pub from: End,
    pub to: Option<End>,
    pub port: String,
    pub editing: bool,
    pub result: Option<Result<Explanation, String>>,
    /// A Service destination (then `to` is None): answered per backend,
    /// and `port` is the Service port.
    pub service: Option<ServiceKey>,
    pub service_result: Option<Result<ServiceTrace, String>>,
    /// The command that tests a pod/address verdict (needs a port).
    pub verify: Option<Verify>,
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
            service: None,
            service_result: None,
            verify: None,
            scroll: 0,
        }
    }

    pub fn recompute(&mut self, idx: &Index) {
        self.service_result = self
            .service
            .as_ref()
            .map(|k| trace_service(idx, &self.from, k, &self.port));
        let r = self
            .to
            .as_ref()
            .map(|to| compute(idx, &self.from, to, &self.port));
        self.verify = None;
        self.result = r.map(|r| {
            r.map(|(e, v)| {
                self.verify = v;
                e
            })
        });
    }
}

/// The explanation for `from -> to` on `port` (empty: everything allowed),
/// and the command that tests it when a port is given.
pub fn compute(
    idx: &Index,
    from: &End,
    to: &End,
    port: &str,
) -> Result<(Explanation, Option<Verify>), String> {
    let port = match port.trim() {
        "" => None,
        p => Some(p.parse::<PortQuery>().map_err(|e| e.to_string())?),
    };
    let (from, to) = (Resolved::end(from.clone()), Resolved::end(to.clone()));
    let reach = can_reach(idx, &from, &to, port.as_ref()).map_err(|e| message(&e))?;
    let verify = verify_pods(idx, &from, &to, &reach, port.as_ref());
    // One pod or address at each end: exactly one answer.
    reach
        .answers
        .into_iter()
        .next()
        .map(|a| (a.explanation, verify))
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
    let to = match (&t.to, &t.service) {
        (Some(e), _) => e.to_string(),
        (None, Some(k)) => format!("svc/{k}"),
        (None, None) => "(pick a destination: d)".into(),
    };
    let server = if t.service.is_some() {
        "   Service: each backend pod, on its target port"
    } else {
        "   server: then its ingress side"
    };
    let port_text = if t.port.is_empty() && !t.editing {
        if t.service.is_some() {
            "every Service port".to_string()
        } else {
            "any (everything allowed)".to_string()
        }
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
            Span::styled(server, theme.dim),
        ]),
        Line::from(vec![
            Span::styled("port  ", theme.dim),
            Span::styled(
                format!("{port_text}{cursor}"),
                if t.editing { theme.selected } else { theme.key },
            ),
            Span::styled(
                if t.editing && t.service.is_some() {
                    format!(
                        "   the Service port: 443 or its name; empty: every port · {}: done",
                        k(C::PortInput, A::Close)
                    )
                } else if t.editing {
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
    let width = body.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    match (&t.service_result, &t.result) {
        (Some(Err(e)), _) | (None, Some(Err(e))) => lines.push(Line::styled(e.clone(), theme.warn)),
        (Some(Ok(st)), _) => lines.extend(service_lines(st, width, theme)),
        (None, None) => lines.push(Line::styled("no destination yet", theme.dim)),
        (None, Some(Ok(ex))) => {
            lines.push(Line::styled(
                ex.summary.clone(),
                if ex.allowed { theme.allow } else { theme.deny }
                    .add_modifier(ratatui::style::Modifier::BOLD),
            ));
            lines.push(Line::default());
            lines.extend(explanation_lines(ex, width, theme));
            match &t.verify {
                Some(v) => lines.extend(verify_lines(v, theme)),
                None => {
                    lines.push(Line::default());
                    lines.push(Line::styled(
                        "give a port to get the command that tests this from inside the cluster",
                        theme.dim,
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

/// An explanation's steps, numbered, wrapped to `width`.
fn explanation_lines(ex: &Explanation, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
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
        let w = width.saturating_sub(indent).max(20);
        for (i, chunk) in wrap(&l.text, w).into_iter().enumerate() {
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
    lines
}

/// The command that tests the verdict (never run by the tool).
fn verify_lines(v: &Verify, theme: &Theme) -> Vec<Line<'static>> {
    vec![
        Line::default(),
        Line::styled(
            "verify from inside the cluster (not run by this tool):",
            theme.title,
        ),
        Line::styled(format!("  {}", v.exec), theme.key),
        Line::styled("  or, if the image has no nc/dig/nslookup:", theme.dim),
        Line::styled(format!("  {}", v.debug), theme.key),
        Line::from(vec![
            Span::styled("  expect: ", theme.dim),
            Span::raw(v.expect.clone()),
        ]),
    ]
}

/// Per Service port: the summary, each backend on its target port, each
/// distinct verdict explained, and the test command.
fn service_lines(st: &ServiceTrace, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    use crate::engine::query::Outcome;
    let (verdict, style) = match st.outcome {
        Outcome::All => ("ALLOWED", theme.allow),
        Outcome::None => ("DENIED", theme.deny),
        Outcome::Some => ("PARTLY ALLOWED", theme.warn),
    };
    let svc = &st.reach.service;
    let mut lines = vec![Line::styled(
        format!(
            "{verdict}: {} -> Service {} ({})",
            st.reach.from,
            svc.key(),
            svc.dns_name()
        ),
        style.add_modifier(ratatui::style::Modifier::BOLD),
    )];
    for (i, p) in st.reach.ports.iter().enumerate() {
        let sp = &p.port;
        lines.push(Line::default());
        lines.push(Line::styled(
            format!(
                "Service port {}{} {}: {}",
                sp.port,
                sp.name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                sp.protocol,
                p.summary()
            ),
            theme.title,
        ));
        for b in &p.backends {
            lines.push(match b.target {
                Some(t) if b.partly => Line::styled(
                    format!(
                        "  ~ {} on {} {t}: allowed from some client pods only",
                        b.pod, sp.protocol
                    ),
                    theme.warn,
                ),
                Some(t) if b.no_verdict => Line::styled(
                    format!(
                        "  ? {} on {} {t}: hostNetwork pod, NetworkPolicy gives no verdict",
                        b.pod, sp.protocol
                    ),
                    theme.warn,
                ),
                Some(t) => Line::from(vec![
                    Span::styled(
                        if b.allowed { "  ✓ " } else { "  ✗ " },
                        if b.allowed { theme.allow } else { theme.deny },
                    ),
                    Span::styled(b.pod.to_string(), theme.pod),
                    Span::styled(format!(" on {} {t}", sp.protocol), theme.base),
                ]),
                None => Line::styled(
                    format!(
                        "  - {}: does not declare the named target port, so it is no endpoint of this port",
                        b.pod
                    ),
                    theme.dim,
                ),
            });
        }
        for a in &p.answers {
            let e = &a.explanation;
            lines.push(Line::default());
            lines.push(Line::styled(
                e.summary.clone(),
                if e.allowed { theme.allow } else { theme.deny },
            ));
            lines.extend(explanation_lines(e, width, theme));
        }
        if let Some(v) = st.verify.get(i) {
            lines.extend(verify_lines(v, theme));
        }
    }
    if svc.headless {
        lines.push(Line::default());
        lines.push(Line::styled(
            "headless Service: clients resolve the backend pod IPs directly; the verdicts are the same",
            theme.dim,
        ));
    }
    lines
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
