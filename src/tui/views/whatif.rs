//! What-if preview: a later issue. The key is reserved and this placeholder
//! says what is coming.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::App;
use super::{centered, pane_block, popup_frame};

pub fn render(frame: &mut Frame, body: Rect, app: &App) {
    let theme = &app.theme;
    let area = centered(body, 64, 9);
    popup_frame(frame, area);
    let text = vec![
        Line::styled("What-if preview is not available yet.", theme.title),
        Line::default(),
        Line::raw(
            "It will let you edit or add a policy and see, before applying it, which connections it opens or closes.",
        ),
        Line::default(),
        Line::styled("Esc: close", theme.dim),
    ];
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(pane_block(" What-if (w) ", true, theme)),
        area,
    );
}
