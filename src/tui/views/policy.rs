//! A policy: its spec rendered as YAML, the pods it selects now, and each
//! rule's peers resolved to the pods they match now.

use ratatui::Frame;
use ratatui::text::{Line, Span};

use crate::engine::model::Direction;

use super::super::app::{App, Overlay, Pane};
use super::super::models::policy::{PolicyModel, RuleRes};
use super::super::theme::Theme;
use super::{Areas, main_pane, pane_block, scrolled};
use crate::engine::text::plural;

pub fn yaml_lines<'a>(m: &'a PolicyModel, theme: &Theme) -> Vec<Line<'a>> {
    m.yaml
        .iter()
        .map(|l| {
            let body = l.trim_start();
            let indent = l.len() - body.len();
            let (dash, rest) = match body.strip_prefix("- ") {
                Some(r) => ("- ", r),
                None => ("", body),
            };
            match rest
                .split_once(": ")
                .or_else(|| rest.strip_suffix(':').map(|k| (k, "")))
            {
                Some((k, v)) => Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(dash, theme.dim),
                    Span::styled(format!("{k}:"), theme.label),
                    Span::raw(if v.is_empty() {
                        String::new()
                    } else {
                        format!(" {v}")
                    }),
                ]),
                None => Line::from(vec![
                    Span::raw(" ".repeat(indent)),
                    Span::styled(dash, theme.dim),
                    Span::raw(rest),
                ]),
            }
        })
        .collect()
}

const MAX_NS: usize = 12;
const MAX_PODS: usize = 6;

pub fn resolved_lines<'a>(m: &'a PolicyModel, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = vec![Line::from(vec![
        Span::styled("selects ", theme.title),
        Span::styled(plural(m.selected_total, "pod", "pods"), theme.key),
        Span::styled(" now", theme.title),
    ])];
    for (wl, n) in m.selected.iter().take(20) {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(wl.clone(), theme.pod),
            Span::styled(
                if *n > 1 {
                    format!(" ×{n}")
                } else {
                    String::new()
                },
                theme.dim,
            ),
        ]));
    }
    if m.selected.len() > 20 {
        out.push(Line::styled(
            format!("  … and {} more workloads", m.selected.len() - 20),
            theme.dim,
        ));
    }
    let isolates: Vec<&str> = [(m.types.0, "ingress"), (m.types.1, "egress")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, d)| *d)
        .collect();
    out.push(Line::styled(
        format!("and isolates them for {}", isolates.join(" and ")),
        theme.dim,
    ));
    for dir in [Direction::Ingress, Direction::Egress] {
        let on = if dir == Direction::Ingress {
            m.types.0
        } else {
            m.types.1
        };
        if !on {
            continue;
        }
        let rules: Vec<&RuleRes> = m.rules.iter().filter(|r| r.direction == dir).collect();
        out.push(Line::default());
        if rules.is_empty() {
            out.push(Line::styled(
                format!(
                    "{} rules: none: all {} of these pods is denied",
                    dir,
                    dir.as_str().to_lowercase()
                ),
                theme.deny,
            ));
            continue;
        }
        for r in rules {
            out.push(Line::from(vec![
                Span::styled(format!("{} rule {}", dir, r.rule + 1), theme.title),
                Span::styled("  ports: ", theme.dim),
                Span::styled(r.ports.clone(), theme.key),
            ]));
            if r.any_peer {
                out.push(Line::styled(
                    "  any peer: every pod and address",
                    theme.allow,
                ));
            }
            for p in &r.peers {
                out.push(Line::from(vec![
                    Span::raw("  "),
                    Span::styled(p.description.clone(), theme.info),
                    Span::styled(format!("  → {}", plural(p.pods, "pod", "pods")), theme.dim),
                ]));
                for (ns, pods) in p.by_ns.iter().take(MAX_NS) {
                    let mut names: Vec<&str> =
                        pods.iter().take(MAX_PODS).map(String::as_str).collect();
                    let more = pods.len().saturating_sub(MAX_PODS);
                    let tail = if more > 0 {
                        format!(", … {more} more")
                    } else {
                        String::new()
                    };
                    names.sort_unstable();
                    out.push(Line::from(vec![
                        Span::raw("    "),
                        Span::styled(format!("{ns}: "), theme.ns),
                        Span::styled(names.join(", ") + &tail, theme.pod),
                    ]));
                }
                if p.by_ns.len() > MAX_NS {
                    out.push(Line::styled(
                        format!("    … and {} more namespaces", p.by_ns.len() - MAX_NS),
                        theme.dim,
                    ));
                }
                if p.is_ip && p.pods == 0 {
                    out.push(Line::styled(
                        "    (no pod IP in range: addresses outside the cluster)",
                        theme.dim,
                    ));
                }
            }
        }
    }
    out
}

pub fn render(frame: &mut Frame, a: &Areas, app: &App, m: &PolicyModel) {
    let theme = &app.theme;
    let browse = matches!(app.overlay, Overlay::None);
    main_pane(
        frame,
        a.main,
        app,
        &format!(" Policy {} ", m.key),
        yaml_lines(m, theme),
    );
    if let Some(s) = a.second {
        let b = pane_block(" Resolved now ", browse && app.focus == Pane::Second, theme);
        scrolled(
            frame,
            s,
            resolved_lines(m, theme),
            app.scroll_second,
            b,
            theme,
        );
    }
}
