//! A namespace: labels, isolation coverage, its policies, and the pods no
//! policy isolates.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::models::namespace::NamespaceModel;
use super::super::theme::Theme;
use super::main_pane;
use crate::engine::text::plural;

const MAX_PODS: usize = 30;

fn pct(n: u32, of: u32) -> String {
    if of == 0 {
        "-".to_string()
    } else {
        format!("{}%", u64::from(n) * 100 / u64::from(of))
    }
}

fn pod_list<'a>(out: &mut Vec<Line<'a>>, title: String, pods: &[String], theme: &Theme) {
    if pods.is_empty() {
        return;
    }
    out.push(Line::default());
    out.push(Line::styled(title, theme.warn));
    for chunk in pods.iter().take(MAX_PODS).collect::<Vec<_>>().chunks(3) {
        let names: Vec<String> = chunk.iter().map(|s| format!("{s:<28}")).collect();
        out.push(Line::styled(
            format!("  {}", names.join(" ").trim_end()),
            theme.pod,
        ));
    }
    if pods.len() > MAX_PODS {
        out.push(Line::styled(
            format!("  … and {} more", pods.len() - MAX_PODS),
            theme.dim,
        ));
    }
}

pub fn lines<'a>(m: &'a NamespaceModel, theme: &Theme) -> Vec<Line<'a>> {
    let s = m.stats;
    let labels: Vec<Span> = m
        .labels
        .iter()
        .enumerate()
        .flat_map(|(i, (k, v))| {
            [
                Span::raw(if i > 0 { "  " } else { "" }),
                Span::styled(format!("{k}={v}"), theme.label),
            ]
        })
        .collect();
    let mut l = vec![Line::from(
        [vec![Span::styled("labels    ", theme.dim)], labels].concat(),
    )];
    if !m.known {
        l.push(Line::styled(
            "(namespace object not seen: only its name label is assumed)",
            theme.dim,
        ));
    }
    l.push(Line::from(vec![
        Span::styled("pods      ", theme.dim),
        Span::raw(format!("{}", s.pods)),
        Span::styled(
            if s.host_network > 0 {
                format!("  ({} hostNetwork)", s.host_network)
            } else {
                String::new()
            },
            theme.warn,
        ),
    ]));
    l.push(Line::from(vec![
        Span::styled("policies  ", theme.dim),
        Span::raw(format!("{}", s.policies)),
    ]));
    for (label, isolated) in [
        ("ingress   ", s.ingress_isolated),
        ("egress    ", s.egress_isolated),
    ] {
        l.push(Line::from(vec![
            Span::styled(label, theme.dim),
            Span::raw(format!(
                "{isolated}/{} pods isolated ({})",
                s.pods,
                pct(isolated, s.pods)
            )),
        ]));
    }
    if m.findings > 0 {
        l.push(Line::from(vec![
            Span::styled("findings  ", theme.dim),
            Span::styled(format!("{}", m.findings), theme.warn),
        ]));
    }
    if !m.policies.is_empty() {
        l.push(Line::default());
        l.push(Line::styled("policies", theme.title));
        let w = m
            .policies
            .iter()
            .map(|p| p.name.len())
            .max()
            .unwrap_or(0)
            .min(40);
        for p in &m.policies {
            l.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{:<w$}", p.name), theme.policy),
                Span::styled(format!("  {:<16}", p.types), theme.dim),
                Span::raw(format!("selects {}", plural(p.selects, "pod", "pods"))),
            ]));
        }
    }
    pod_list(
        &mut l,
        format!(
            "not isolated for ingress ({}): anyone may connect to them",
            m.open_ingress.len()
        ),
        &m.open_ingress,
        theme,
    );
    pod_list(
        &mut l,
        format!(
            "not isolated for egress ({}): they may connect anywhere",
            m.open_egress.len()
        ),
        &m.open_egress,
        theme,
    );
    pod_list(
        &mut l,
        format!(
            "hostNetwork ({}): not governed by NetworkPolicy",
            m.host_network.len()
        ),
        &m.host_network,
        theme,
    );
    l.push(Line::default());
    l.push(Line::from(vec![
        Span::styled("m", theme.key),
        Span::styled(
            " matrix of allowed connectivity between namespaces (Enter there: pods × pods)",
            theme.dim,
        ),
    ]));
    l
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, m: &NamespaceModel) {
    main_pane(
        frame,
        area,
        app,
        &format!(" Namespace {} ", m.name),
        lines(m, &app.theme),
    );
}
