//! A cluster-scoped policy: tier, priority, subject and rules, each peer
//! resolved to the pods it matches now.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::super::app::App;
use super::super::models::cluster_policy::ClusterPolicyModel;
use super::super::theme::Theme;
use super::main_pane;

pub fn lines<'a>(m: &'a ClusterPolicyModel, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = vec![
        Line::styled(m.header.clone(), theme.policy),
        Line::styled(m.subject.clone(), theme.pod),
    ];
    if m.rules.is_empty() {
        out.push(Line::styled("no rules: it decides nothing", theme.dim));
    }
    for (head, rest) in &m.rules {
        out.push(Line::default());
        out.push(Line::styled(head.clone(), theme.policy));
        for l in rest {
            out.push(Line::styled(format!("  {l}"), theme.dim));
        }
    }
    out.push(Line::default());
    out.push(Line::styled("YAML", theme.policy));
    out.extend(m.yaml.iter().map(|l| Line::raw(l.clone())));
    out
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, m: &ClusterPolicyModel) {
    main_pane(
        frame,
        area,
        app,
        &format!(" {} ", m.key),
        lines(m, &app.theme),
    );
}
