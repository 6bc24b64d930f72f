//! The help overlay, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::keymap::{Action, Context, help_sections};
use super::{centered, pane_block, popup_frame, scrolled};

/// The help's lines; bindings unavailable now are greyed (same text).
pub fn lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut out = Vec::new();
    let sections = help_sections(&app.keymap);
    let w = sections
        .iter()
        .flat_map(|(_, r)| r.iter().map(|r| r.keys.chars().count()))
        .max()
        .unwrap_or(0);
    for (i, (title, rows)) in sections.into_iter().enumerate() {
        if i > 0 {
            out.push(Line::default());
        }
        out.push(Line::styled(title, theme.title));
        for r in rows {
            let (key, what) = if app.can(r.needs) {
                (theme.key, Style::default())
            } else {
                (theme.dim, theme.dim)
            };
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{:<w$}", r.keys), key),
                Span::raw("  "),
                Span::styled(r.help.to_string(), what),
            ]));
        }
    }
    out
}

pub fn render(frame: &mut Frame, body: Rect, app: &App, scroll: u16) {
    let area = centered(body, 78, body.height.saturating_sub(2));
    popup_frame(frame, area);
    let close = app.keymap.labels(Context::Help, Action::Close).join(" or ");
    let title = format!(" Help: keys ({close} to close) ");
    let block = pane_block(&title, true, &app.theme);
    scrolled(frame, area, lines(app), scroll, block, &app.theme);
}
