//! The what-if's path prompt: load a proposal file, save the proposal.

use std::path::Path;

use crate::tui::whatif::{PromptPurpose, Proposal, complete, expand_home, file_text};

use super::whatif::propose;
use super::*;

pub(super) fn prompt(app: &mut App, a: Action, fx: &mut Vec<Effect>) {
    let Some(pr) = &mut app.whatif.prompt else {
        return;
    };
    match a {
        Action::Input(c) => {
            pr.input.push(c);
            pr.error = None;
        }
        Action::Backspace => {
            pr.input.pop();
            pr.error = None;
        }
        Action::ClearInput => pr.input.clear(),
        Action::Complete => {
            let (done, candidates) = complete(&pr.input);
            pr.input = done;
            pr.candidates = candidates;
        }
        Action::Close => app.whatif.prompt = None,
        Action::Activate => {
            let input = pr.input.trim().to_string();
            if input.is_empty() {
                pr.error = Some("type a path".into());
                return;
            }
            let path = expand_home(&input);
            match pr.purpose {
                PromptPurpose::Load => {
                    if path.is_dir() {
                        pr.error = Some(format!("{input} is a directory: pick a file"));
                        return;
                    }
                    app.whatif.prompt = None;
                    propose(
                        app,
                        Proposal {
                            title: format!("file {input}"),
                            source: input.clone(),
                            yaml: String::new(),
                            file: Some(path),
                            deletes: vec![],
                        },
                        fx,
                    );
                }
                PromptPurpose::Save => save(app, &input, &path),
            }
        }
        _ => {}
    }
}

fn save(app: &mut App, input: &str, path: &Path) {
    let Some(p) = &app.whatif.proposal else {
        app.whatif.prompt = None;
        return;
    };
    if p.file.is_some() {
        if let Some(pr) = &mut app.whatif.prompt {
            pr.error = Some("the file is still being read: try again".into());
        }
        return;
    }
    match std::fs::write(path, file_text(p, input)) {
        Ok(()) => {
            app.whatif.prompt = None;
            app.whatif.saved = Some(input.to_string());
            app.whatif.note = Some((
                true,
                format!("saved to {input}; nothing was sent to the cluster"),
            ));
        }
        Err(e) => {
            if let Some(pr) = &mut app.whatif.prompt {
                pr.error = Some(format!("cannot write {input}: {e}"));
            }
        }
    }
}
