//! Drives the app without a terminal: messages in, jobs run inline, frames
//! rendered to a `TestBackend`. Used by the snapshot tests, the benchmark
//! and the screenshot generator, so they exercise the real update and draw.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::engine::index::Index;

use super::app::{App, SourceInfo};
use super::io;
use super::jobs;
use super::theme::Theme;
use super::update::{Effect, Msg, update};
use super::views::draw;

pub struct Harness {
    pub app: App,
    terminal: Terminal<TestBackend>,
    /// Drafts the app asked to open in `$EDITOR` (not run here: answer
    /// with `Msg::Edited`).
    pub edits: Vec<String>,
}

impl Harness {
    pub fn new(index: Index, source: SourceInfo, theme: Theme, width: u16, height: u16) -> Self {
        let app = App::new(index, source, theme);
        let terminal =
            Terminal::new(TestBackend::new(width, height)).unwrap_or_else(|e| match e {});
        let mut h = Harness {
            app,
            terminal,
            edits: vec![],
        };
        h.send(Msg::Resize(width, height));
        h
    }

    /// Sends a message and runs the jobs it asks for (and theirs) inline.
    pub fn send(&mut self, msg: Msg) {
        let mut queue = update(&mut self.app, msg);
        while let Some(effect) = queue.pop() {
            match effect {
                Effect::Spawn(job) => {
                    let out = jobs::run(job);
                    queue.extend(update(&mut self.app, Msg::Job(out)));
                }
                Effect::Edit(draft) => self.edits.push(draft),
                Effect::Io(req) => queue.extend(update(&mut self.app, Msg::Io(io::perform(req)))),
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// Each char as a key press.
    pub fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    pub fn render(&mut self) -> &Buffer {
        let app = &self.app;
        self.terminal
            .draw(|f| draw(f, app))
            .unwrap_or_else(|e| match e {});
        self.terminal.backend().buffer()
    }

    /// The frame as text: one line per row, trailing spaces trimmed.
    pub fn text(&mut self) -> String {
        buffer_text(self.render())
    }
}

pub fn buffer_text(b: &Buffer) -> String {
    let w = b.area.width as usize;
    let mut out = String::new();
    for row in b.content.chunks(w) {
        let mut line = String::new();
        let mut skip = 0;
        for c in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let s = c.symbol();
            line.push_str(s);
            skip = unicode_width(s).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    ratatui::text::Span::raw(s).width()
}
