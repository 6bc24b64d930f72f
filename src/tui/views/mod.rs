//! Drawing: one file per view. Everything here reads the state only.

pub mod cluster_policy;
pub mod finder;
pub mod findings;
pub mod help;
pub mod matrix;
pub mod namespace;
pub mod pod;
pub mod policy;
pub mod rollout;
pub mod service;
pub mod status;
pub mod trace;
pub mod tree;
pub mod whatif;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Clear, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState,
};

use super::app::{App, Detail, Overlay, Pane};
use super::theme::Theme;

/// Where each part of the screen goes, from the terminal size and state
/// alone (so `update` can map mouse positions and page sizes too).
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    pub tree: Rect,
    /// The whole right-hand side.
    pub right: Rect,
    /// Pod header (labels, ports, policies).
    pub header: Option<Rect>,
    pub main: Rect,
    pub second: Option<Rect>,
    pub findings: Option<Rect>,
    /// Tree and right side together (full-screen views use it).
    pub body: Rect,
    pub status: Rect,
}

pub fn layout(app: &App) -> Areas {
    let area = Rect::new(0, 0, app.width, app.height);
    let findings_h = if app.findings.visible {
        (area.height / 4).clamp(5, 12)
    } else {
        0
    };
    let [body, findings, status] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(findings_h),
        Constraint::Length(1),
    ])
    .areas(area);
    let tree_w = (body.width * 32 / 100).clamp(24.min(body.width), 48);
    let [tree, right] =
        Layout::horizontal([Constraint::Length(tree_w), Constraint::Fill(1)]).areas(body);
    let mut a = Areas {
        tree,
        right,
        header: None,
        main: right,
        second: None,
        findings: (findings_h > 0).then_some(findings),
        body,
        status,
    };
    match &app.detail {
        Detail::Pod(m) => {
            let want = pod::header_lines(m, &app.theme).len() as u16 + 2;
            let header_h = want.min(right.height / 3).max(3.min(right.height));
            let [h, rest] =
                Layout::vertical([Constraint::Length(header_h), Constraint::Fill(1)]).areas(right);
            let (m1, m2) = split(rest, 90);
            a.header = Some(h);
            a.main = m1;
            a.second = Some(m2);
        }
        Detail::Policy(_) => {
            let (m1, m2) = split(right, 100);
            a.main = m1;
            a.second = Some(m2);
        }
        _ => {}
    }
    a
}

/// Side by side when wide enough, else stacked.
fn split(area: Rect, min_wide: u16) -> (Rect, Rect) {
    let [a, b] = if area.width >= min_wide {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area)
    };
    (a, b)
}

pub fn pane_block<'a>(title: &str, focused: bool, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Span::styled(title.to_string(), theme.title))
}

/// The main pane of a detail view: titled, focused while browsing, scrolled
/// by `scroll_main`.
pub fn main_pane(frame: &mut Frame, area: Rect, app: &App, title: &str, lines: Vec<Line<'_>>) {
    let focused = matches!(app.overlay, Overlay::None) && app.focus == Pane::Main;
    let block = pane_block(title, focused, &app.theme);
    scrolled(frame, area, lines, app.scroll_main, block, &app.theme);
}

/// Lines in a bordered pane, scrolled, with a scrollbar when they overflow.
pub fn scrolled(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'_>>,
    scroll: u16,
    block: Block<'_>,
    theme: &Theme,
) {
    let inner_h = block.inner(area).height as usize;
    let n = lines.len();
    let scroll = clamp_scroll(scroll, n, inner_h);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll, 0))
            .style(theme.base),
        area,
    );
    if n > inner_h && area.height > 2 {
        let mut st = ScrollbarState::new(n.saturating_sub(inner_h)).position(scroll as usize);
        let sb = Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .thumb_style(theme.border_focus)
            .track_style(theme.border);
        frame.render_stateful_widget(
            sb,
            area.inner(ratatui::layout::Margin {
                vertical: 1,
                horizontal: 0,
            }),
            &mut st,
        );
    }
}

/// Text columns inside a bordered pane (one kept for the scrollbar).
pub fn inner_w(r: Rect) -> usize {
    r.width.saturating_sub(3) as usize
}

pub fn clamp_scroll(scroll: u16, lines: usize, height: usize) -> u16 {
    scroll.min(lines.saturating_sub(height).min(u16::MAX as usize) as u16)
}

/// A rectangle centred in `area`, `w` x `h` at most.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub fn popup_frame(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
}

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let a = layout(app);
    // What is under a help popup opened from the matrix or the trace.
    let under = match &app.overlay {
        Overlay::Help { back: Some(b), .. } => b.as_ref(),
        o => o,
    };
    match under {
        Overlay::Matrix(m) => matrix::render(frame, a.body, app, m),
        Overlay::Trace(t) => trace::render(frame, a.body, app, t),
        Overlay::Rollout(r) => rollout::render(frame, a.body, app, r),
        _ => {
            tree::render(frame, a.tree, app);
            match &app.detail {
                Detail::Pod(m) => pod::render(frame, &a, app, m),
                Detail::Policy(m) => policy::render(frame, &a, app, m),
                Detail::Namespace(m) => namespace::render(frame, a.main, app, m),
                Detail::ClusterPolicy(m) => cluster_policy::render(frame, a.main, app, m),
                Detail::Service(m) => service::render(frame, a.main, app, m),
                Detail::None => {
                    let b = pane_block(" Details ", app.focus == Pane::Main, &app.theme);
                    frame.render_widget(
                        Paragraph::new(Line::styled(
                            "select a namespace, pod, policy or Service",
                            app.theme.dim,
                        ))
                        .block(b),
                        a.main,
                    );
                }
            }
        }
    }
    if let Some(f) = a.findings {
        findings::render(frame, f, app);
    }
    status::render(frame, a.status, app);
    match &app.overlay {
        Overlay::Help { scroll, back } => {
            if matches!(back.as_deref(), Some(Overlay::WhatIf)) {
                whatif::render(frame, app);
            }
            help::render(frame, a.body, app, *scroll)
        }
        Overlay::Finder(f) => finder::render(frame, a.body, app, f),
        Overlay::WhatIf => whatif::render(frame, app),
        _ => {}
    }
}
