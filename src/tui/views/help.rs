//! The help overlay, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::app::App;
use super::super::keymap::help_sections;
use super::super::theme::Theme;
use super::{centered, pane_block, popup_frame, scrolled};

pub fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let sections = help_sections();
    let w = sections
        .iter()
        .flat_map(|(_, r)| r.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(0);
    for (i, (title, rows)) in sections.into_iter().enumerate() {
        if i > 0 {
            out.push(Line::default());
        }
        out.push(Line::styled(title.to_string(), theme.title));
        for (keys, what) in rows {
            out.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(format!("{keys:<w$}"), theme.key),
                Span::raw("  "),
                Span::raw(what.to_string()),
            ]));
        }
    }
    out
}

pub fn render(frame: &mut Frame, body: Rect, app: &App, scroll: u16) {
    let area = centered(body, 78, body.height.saturating_sub(2));
    popup_frame(frame, area);
    let block = pane_block(" Help: keys (Esc or ? to close) ", true, &app.theme);
    scrolled(frame, area, lines(&app.theme), scroll, block, &app.theme);
}
