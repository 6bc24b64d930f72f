//! The what-if's path prompt (load or save).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::super::app::App;
use super::super::super::keymap::{Action as A, Context as C};
use super::super::super::whatif::PromptPurpose;
use super::super::{centered, pane_block, popup_frame};

pub(super) fn render_prompt(frame: &mut Frame, over: Rect, app: &App) {
    let theme = &app.theme;
    let Some(p) = &app.whatif.prompt else {
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("path: ", theme.dim),
        Span::raw(p.input.clone()),
        Span::styled("█", theme.key),
    ])];
    if let Some(e) = &p.error {
        lines.push(Line::styled(e.clone(), theme.deny));
    }
    const SHOWN: usize = 8;
    for c in p.candidates.iter().take(SHOWN) {
        lines.push(Line::styled(format!("  {c}"), theme.dim));
    }
    if p.candidates.len() > SHOWN {
        lines.push(Line::styled(
            format!("  … {} more", p.candidates.len() - SHOWN),
            theme.dim,
        ));
    }
    let k = |a| app.keymap.key(C::PathInput, a);
    let verb = match p.purpose {
        PromptPurpose::Load => "load",
        PromptPurpose::Save => "save",
    };
    lines.push(Line::from(vec![
        Span::styled(k(A::Complete), theme.key),
        Span::styled(" complete · ", theme.dim),
        Span::styled(k(A::Activate), theme.key),
        Span::styled(format!(" {verb} · "), theme.dim),
        Span::styled(k(A::Close), theme.key),
        Span::styled(" cancel", theme.dim),
    ]));
    let title = match p.purpose {
        PromptPurpose::Load => " Load a proposal file ",
        PromptPurpose::Save => " Save the proposal to ",
    };
    let area = centered(
        over,
        over.width.saturating_sub(6).min(76),
        lines.len() as u16 + 2,
    );
    popup_frame(frame, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane_block(title, true, theme))
            .style(theme.base),
        area,
    );
}
