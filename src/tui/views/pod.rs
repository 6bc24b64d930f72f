//! A pod: labels, declared ports, the policies that select it, and one pane
//! per direction: the posture first, then who is allowed, grouped by
//! namespace and workload, open-ended selectors, and IP ranges, each with
//! ports and the policy rule that allows it.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::engine::model::Direction;

use super::super::app::{App, Pane};
use super::super::models::pod::{PodModel, SideModel, Via};
use super::super::theme::Theme;
use super::{Areas, inner_w, pane_block, scrolled};
use crate::engine::text::plural;
/// Entries shown per list before "… and N more".
const MAX_ROWS: usize = 60;

fn kv<'a>(k: &'static str, v: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!("{k:<17}"), theme.dim)];
    spans.extend(v);
    Line::from(spans)
}

pub fn header_lines<'a>(m: &'a PodModel, theme: &Theme) -> Vec<Line<'a>> {
    let labels: Vec<Span> = if m.labels.is_empty() {
        vec![Span::styled("(none)", theme.dim)]
    } else {
        m.labels
            .iter()
            .enumerate()
            .flat_map(|(i, (k, v))| {
                [
                    Span::raw(if i > 0 { "  " } else { "" }),
                    Span::styled(format!("{k}={v}"), theme.label),
                ]
            })
            .collect()
    };
    let ports = if m.ports.is_empty() {
        "(none declared)".to_string()
    } else {
        m.ports
            .iter()
            .map(|p| match &p.name {
                Some(n) => format!("{n} {}/{}", p.port, p.protocol),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by = |s: &SideModel| -> Vec<Span<'a>> {
        if s.isolated_by.is_empty() {
            vec![Span::styled("none (not isolated)", theme.warn)]
        } else {
            vec![Span::styled(
                s.isolated_by
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                theme.policy,
            )]
        }
    };
    let mut v = vec![
        kv("workload", vec![Span::raw(m.workload.clone())], theme),
        kv("labels", labels, theme),
        kv("ports", vec![Span::raw(ports)], theme),
        kv(
            "IPs",
            vec![Span::raw(if m.ips.is_empty() {
                "(unknown)".to_string()
            } else {
                m.ips.join(", ")
            })],
            theme,
        ),
    ];
    if !m.services.is_empty() {
        v.push(kv(
            "services",
            vec![Span::styled(m.services.join("; "), theme.info)],
            theme,
        ));
    }
    if m.host_network {
        v.push(kv(
            "hostNetwork",
            vec![Span::styled(
                "yes: NetworkPolicy does not apply to this pod",
                theme.warn,
            )],
            theme,
        ));
    } else {
        v.push(kv("ingress policies", by(&m.ingress), theme));
        v.push(kv("egress policies", by(&m.egress), theme));
    }
    v
}

fn via_spans<'a>(v: &'a Via, theme: &Theme) -> Vec<Span<'a>> {
    vec![
        Span::styled(v.ports.clone(), theme.key),
        Span::styled("  via ", theme.dim),
        Span::styled(v.policy.name.clone(), theme.policy),
        Span::styled(format!(" rule {}", v.rule + 1), theme.dim),
    ]
}

/// An entry and the rule that allows it: one line when it fits in
/// `width`, else the rule goes on the next line, indented.
fn push_entry<'a>(
    out: &mut Vec<Line<'a>>,
    lead: Vec<Span<'a>>,
    via: &'a Via,
    theme: &Theme,
    width: usize,
) {
    let mut v = via_spans(via, theme);
    let w = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let lead_blank = lead.iter().all(|s| s.content.trim().is_empty());
    if w(&lead) + w(&v) <= width {
        out.push(Line::from([lead, v].concat()));
        return;
    }
    if !lead_blank {
        out.push(Line::from(lead));
    }
    let pad = Span::raw("    ");
    if 4 + w(&v) <= width {
        out.push(Line::from([vec![pad], v].concat()));
    } else {
        // Ports on one line, the rule on the next.
        let rest = v.split_off(1);
        out.push(Line::from([vec![pad.clone()], v].concat()));
        let mut rest = rest;
        rest[0] = Span::styled("via ", theme.dim);
        out.push(Line::from([vec![pad], rest].concat()));
    }
}

/// The pane's lines for one direction, laid out for `width` columns.
pub fn side_lines<'a>(
    m: &'a PodModel,
    s: &'a SideModel,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    if m.host_network {
        out.push(Line::styled(
            "hostNetwork pod: NetworkPolicy does not govern it",
            theme.warn,
        ));
        return out;
    }
    let isolated = !s.isolated_by.is_empty();
    let hs = if isolated { theme.allow } else { theme.warn };
    match s.headline.split_once(": ") {
        // The tier chain: one tier per line.
        Some(_) if s.headline.chars().count() > width && s.headline.contains(" -> ") => {
            for (i, part) in s.headline.split(" -> ").enumerate() {
                let arrow = if i == 0 { "" } else { "-> " };
                out.push(Line::styled(format!("{arrow}{part}"), hs));
            }
        }
        Some((a, b)) if s.headline.chars().count() > width => {
            out.push(Line::styled(format!("{a}:"), hs));
            out.push(Line::styled(b.to_string(), hs));
        }
        _ => out.push(Line::styled(s.headline.clone(), hs)),
    }
    if !isolated {
        out.push(Line::styled(
            format!(
                "no policy selects this pod for {}",
                s.direction.as_str().to_lowercase()
            ),
            theme.dim,
        ));
        return out;
    }
    let (from, dir) = match s.direction {
        Direction::Ingress => ("from", "ingress"),
        Direction::Egress => ("to", "egress"),
    };
    if s.any.is_empty() && s.by_ns.is_empty() && s.open.is_empty() && s.ips.is_empty() {
        out.push(Line::styled(
            format!("nothing: every {dir} connection is denied"),
            theme.deny,
        ));
        return out;
    }
    if !s.any.is_empty() {
        out.push(Line::default());
        out.push(Line::styled(
            format!("{from} anyone (every pod and address)"),
            theme.title,
        ));
        for v in &s.any {
            push_entry(&mut out, vec![Span::raw("  ")], v, theme, width);
        }
    }
    for g in s.by_ns.iter().take(MAX_ROWS) {
        out.push(Line::default());
        out.push(Line::from(vec![
            Span::styled(format!("{from} namespace "), theme.title),
            Span::styled(g.namespace.clone(), theme.ns),
        ]));
        let w = g
            .entries
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for e in g.entries.iter().take(MAX_ROWS) {
            let count = if e.pods > 1 {
                format!(" ×{}", e.pods)
            } else {
                String::new()
            };
            for (i, v) in e.via.iter().enumerate() {
                let name = if i == 0 {
                    format!("{}{count}", e.name)
                } else {
                    String::new()
                };
                let lead = vec![
                    Span::raw("  "),
                    Span::styled(format!("{name:<w$}   ", w = w + 4), theme.pod),
                ];
                push_entry(&mut out, lead, v, theme, width);
            }
        }
        if g.entries.len() > MAX_ROWS {
            out.push(Line::styled(
                format!("  … and {} more", g.entries.len() - MAX_ROWS),
                theme.dim,
            ));
        }
    }
    if s.by_ns.len() > MAX_ROWS {
        out.push(Line::styled(
            format!("… and {} more namespaces", s.by_ns.len() - MAX_ROWS),
            theme.dim,
        ));
    }
    for o in &s.open {
        out.push(Line::default());
        out.push(Line::styled(
            format!("{from} {}", o.description),
            theme.title,
        ));
        push_entry(&mut out, vec![Span::raw("  ")], &o.via, theme, width);
        let total: usize = o.matches.iter().map(|(_, n)| n).sum();
        let list: Vec<String> = o
            .matches
            .iter()
            .take(8)
            .map(|(ns, n)| format!("{ns} ({n})"))
            .collect();
        let more = if o.matches.len() > 8 {
            format!(", … {} more namespaces", o.matches.len() - 8)
        } else {
            String::new()
        };
        let text = if list.is_empty() {
            "no namespace matches".to_string()
        } else {
            list.join(", ") + &more
        };
        out.push(Line::from(vec![
            Span::styled(
                format!("  matches now: {} in ", plural(total, "pod", "pods")),
                theme.dim,
            ),
            Span::styled(text, theme.info),
        ]));
    }
    if !s.ips.is_empty() {
        out.push(Line::default());
        out.push(Line::styled(format!("{from} IP ranges"), theme.title));
        for ip in &s.ips {
            let desc = ip.description.trim_start_matches("ipBlock ").to_string();
            push_entry(
                &mut out,
                vec![
                    Span::raw("  "),
                    Span::styled(format!("{desc}   "), theme.pod),
                ],
                &ip.via,
                theme,
                width,
            );
        }
    }
    out
}

/// Recorded connections of the pod's workload on one side (`--flows`):
/// peer, port, count, last seen, and the status when it is not `ok` (the
/// ones no rule explains are `forwarded-but-denied`).
pub fn recorded_lines<'a>(m: &'a PodModel, ingress: bool, theme: &Theme) -> Vec<Line<'a>> {
    use crate::engine::flows::status::Status;
    let rows: Vec<_> = m
        .recorded
        .iter()
        .filter(|r| {
            if ingress {
                r.to == m.workload
            } else {
                r.from == m.workload
            }
        })
        .collect();
    if rows.is_empty() {
        return vec![];
    }
    let mut out = vec![
        Line::default(),
        Line::styled(format!("Recorded flows ({})", rows.len()), theme.title),
    ];
    for r in rows {
        let peer = if ingress { &r.from } else { &r.to };
        let last = r
            .stats
            .last
            .map(|t| format!(" {}", crate::engine::flows::time::format(t)))
            .unwrap_or_default();
        let style = if r.status == Status::Ok {
            theme.allow
        } else {
            theme.deny
        };

        let via = match r.stats.via_text() {
            v if v.is_empty() => v,
            v => format!(" {v}"),
        };
        out.push(Line::styled(format!("  {peer}{via}"), style));
        out.push(Line::styled(
            format!("    {} {}: {}{last}", r.protocol, r.port, r.stats.count()),
            style,
        ));
        if r.status != Status::Ok {
            out.push(Line::styled(format!("    ✗ {}", r.status), style));
        }
    }
    out
}

pub fn render(frame: &mut Frame, a: &Areas, app: &App, m: &PodModel) {
    let theme = &app.theme;
    let browse = matches!(app.overlay, super::super::app::Overlay::None);
    if let Some(h) = a.header {
        let b = pane_block(&format!(" Pod {} ", m.key), false, theme);
        scrolled(frame, h, header_lines(m, theme), 0, b, theme);
    }
    let b = pane_block(" Ingress ", browse && app.focus == Pane::Main, theme);
    let mut ingress = side_lines(m, &m.ingress, theme, inner_w(a.main));
    ingress.extend(recorded_lines(m, true, theme));
    scrolled(frame, a.main, ingress, app.scroll_main, b, theme);
    if let Some(second) = a.second {
        let b = pane_block(" Egress ", browse && app.focus == Pane::Second, theme);
        let mut egress = side_lines(m, &m.egress, theme, inner_w(second));
        egress.extend(recorded_lines(m, false, theme));
        scrolled(frame, second, egress, app.scroll_second, b, theme);
    }
}
