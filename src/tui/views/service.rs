//! A Service: type, addresses, ports, and its backend pods with the target
//! port each resolves (a named targetPort may differ between pods).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::models::service::{ServiceModel, port_text};
use super::super::theme::Theme;
use super::main_pane;
use crate::engine::model::PortRef;

/// Backends listed before "… and N more".
const MAX_BACKENDS: usize = 60;

pub fn lines<'a>(m: &'a ServiceModel, theme: &Theme) -> Vec<Line<'a>> {
    let s = &m.service;
    let kv = |k: &'static str, v: Span<'a>| {
        Line::from(vec![Span::styled(format!("{k:<10}"), theme.dim), v])
    };
    let mut out = vec![
        kv("type", Span::raw(s.service_type.as_str())),
        kv("DNS", Span::raw(s.dns_name())),
        kv(
            "clusterIP",
            Span::raw(if s.headless {
                "None (headless: DNS returns the backend pod IPs)".to_string()
            } else if s.cluster_ips.is_empty() {
                "(unknown)".to_string()
            } else {
                s.cluster_ips
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ),
        kv(
            "selector",
            match &s.selector {
                Some(sel) => Span::styled(
                    sel.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    theme.label,
                ),
                None => Span::styled("(none)", theme.dim),
            },
        ),
        Line::default(),
        Line::styled(
            "ports (Service port -> target port on the pods)",
            theme.title,
        ),
    ];
    for sp in &s.ports {
        let target = match &sp.target {
            PortRef::Number(n) => n.to_string(),
            PortRef::Name(n) => format!("{n:?} (named: resolved on each pod)"),
        };
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{}/{}", sp.port, sp.protocol), theme.key),
            Span::raw(format!(
                "{} -> {target}",
                sp.name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            )),
        ]));
    }
    out.push(Line::default());
    if let Some(why) = &m.unknown {
        out.push(Line::styled("backends unknown, so no verdict:", theme.warn));
        out.push(Line::styled(format!("  {why}"), theme.warn));
        return out;
    }
    if m.backends.is_empty() {
        out.push(Line::styled(
            "no backends: the selector matches no running pod",
            theme.warn,
        ));
        return out;
    }
    out.push(Line::styled(
        format!("backends ({})", m.backends.len()),
        theme.title,
    ));
    for b in m.backends.iter().take(MAX_BACKENDS) {
        let ports: Vec<String> = s
            .ports
            .iter()
            .zip(&b.targets)
            .map(|(sp, t)| port_text(sp, *t))
            .collect();
        let unresolved = b.targets.iter().any(Option::is_none);
        out.push(Line::from(vec![
            Span::styled("  ● ", theme.dim),
            Span::styled(b.pod.name.clone(), theme.pod),
            Span::styled(
                format!("  {}", ports.join(", ")),
                if unresolved { theme.warn } else { theme.base },
            ),
        ]));
    }
    if m.backends.len() > MAX_BACKENDS {
        out.push(Line::styled(
            format!("  … and {} more", m.backends.len() - MAX_BACKENDS),
            theme.dim,
        ));
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, m: &ServiceModel) {
    main_pane(
        frame,
        area,
        app,
        &format!(" Service {} ", m.service.key()),
        lines(m, &app.theme),
    );
}
