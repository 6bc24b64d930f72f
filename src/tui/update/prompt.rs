//! The what-if's path prompt: load a proposal file, save the proposal. What
//! touches the filesystem (completion, the directory check, the write) is
//! asked of the event loop as an [`Effect::Io`]; its answer comes back in
//! [`io_done`].

use crate::tui::io::{IoReply, IoRequest};
use crate::tui::whatif::{PromptPurpose, Proposal, file_text};

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
        Action::Complete => fx.push(Effect::Io(IoRequest::Complete {
            input: pr.input.clone(),
        })),
        Action::Close => app.whatif.prompt = None,
        Action::Activate => {
            let input = pr.input.trim().to_string();
            if input.is_empty() {
                pr.error = Some("type a path".into());
                return;
            }
            match pr.purpose {
                PromptPurpose::Load => fx.push(Effect::Io(IoRequest::CheckLoad { input })),
                PromptPurpose::Save => save(app, input, fx),
            }
        }
        _ => {}
    }
}

fn save(app: &mut App, input: String, fx: &mut Vec<Effect>) {
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
    let text = file_text(p, &input);
    fx.push(Effect::Io(IoRequest::Save { input, text }));
}

/// The event loop did what the prompt asked. Answers for a prompt that
/// was closed or edited since are dropped.
pub(super) fn io_done(app: &mut App, reply: IoReply, fx: &mut Vec<Effect>) {
    // The file is written even if the prompt was closed meanwhile.
    if let IoReply::Saved {
        input,
        result: Ok(()),
    } = &reply
    {
        app.whatif.prompt = None;
        app.whatif.saved = Some(input.clone());
        app.whatif.note = Some((
            true,
            format!("saved to {input}; nothing was sent to the cluster"),
        ));
        return;
    }
    let Some(pr) = &mut app.whatif.prompt else {
        return;
    };
    match reply {
        IoReply::Completed {
            input,
            done,
            candidates,
        } => {
            if pr.input == input {
                pr.input = done;
                pr.candidates = candidates;
            }
        }
        IoReply::Checked {
            input,
            path,
            is_dir,
        } => {
            if pr.purpose != PromptPurpose::Load || pr.input.trim() != input {
                return;
            }
            if is_dir {
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
        IoReply::Saved { result, .. } => {
            if let Err(e) = result {
                pr.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::engine::index::Index;
    use crate::source::Origin;
    use crate::tui::app::SourceInfo;
    use crate::tui::theme::{Theme, ThemeKind};

    fn app() -> App {
        App::new(
            Index::new(),
            SourceInfo::new(Origin::Demo),
            Theme::new(ThemeKind::Mono),
        )
    }

    fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
        update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn typed(app: &mut App, s: &str) {
        for c in s.chars() {
            assert!(key(app, KeyCode::Char(c)).is_empty());
        }
    }

    fn io(fx: Vec<Effect>) -> Vec<IoRequest> {
        fx.into_iter()
            .filter_map(|e| match e {
                Effect::Io(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn load_prompt_asks_the_loop_to_complete_and_check_the_path() {
        let mut a = app();
        key(&mut a, KeyCode::Char('w'));
        key(&mut a, KeyCode::Char('f'));
        typed(&mut a, "/no/such/dir/pro");
        let fx = io(key(&mut a, KeyCode::Tab));
        let input = "/no/such/dir/pro".to_string();
        assert_eq!(
            fx,
            vec![IoRequest::Complete {
                input: input.clone()
            }]
        );
        // The answer lands only while the input is the one completed.
        update(
            &mut a,
            Msg::Io(IoReply::Completed {
                input: input.clone(),
                done: "/no/such/dir/proposal.yaml".into(),
                candidates: vec![],
            }),
        );
        let pr = a.whatif.prompt.as_ref().expect("prompt open");
        assert_eq!(pr.input, "/no/such/dir/proposal.yaml");
        let fx = io(key(&mut a, KeyCode::Enter));
        assert_eq!(
            fx,
            vec![IoRequest::CheckLoad {
                input: "/no/such/dir/proposal.yaml".into()
            }]
        );
        // A directory keeps the prompt open with an error.
        update(
            &mut a,
            Msg::Io(IoReply::Checked {
                input: "/no/such/dir/proposal.yaml".into(),
                path: "/no/such/dir/proposal.yaml".into(),
                is_dir: true,
            }),
        );
        let pr = a.whatif.prompt.as_ref().expect("prompt open");
        assert!(pr.error.as_deref().is_some_and(|e| e.contains("directory")));
        // A file closes it and starts the what-if job.
        let fx = update(
            &mut a,
            Msg::Io(IoReply::Checked {
                input: "/no/such/dir/proposal.yaml".into(),
                path: "/no/such/dir/proposal.yaml".into(),
                is_dir: false,
            }),
        );
        assert!(a.whatif.prompt.is_none());
        assert!(
            fx.iter()
                .any(|e| matches!(e, Effect::Spawn(Job::WhatIf { .. })))
        );
    }

    #[test]
    fn save_asks_the_loop_to_write_the_file() {
        let mut a = app();
        a.whatif.proposal = Some(Proposal {
            title: "t".into(),
            source: "draft".into(),
            yaml: "kind: NetworkPolicy\n".into(),
            file: None,
            deletes: vec![],
        });
        key(&mut a, KeyCode::Char('w'));
        key(&mut a, KeyCode::Char('s'));
        let fx = io(key(&mut a, KeyCode::Enter));
        let [IoRequest::Save { input, text }] = fx.as_slice() else {
            panic!("one save expected: {fx:?}");
        };
        assert_eq!(input, crate::tui::whatif::DEFAULT_SAVE_PATH);
        assert!(text.ends_with("kind: NetworkPolicy\n"), "{text}");
        // Nothing is saved until the loop says so.
        assert!(a.whatif.saved.is_none() && a.whatif.prompt.is_some());
        update(
            &mut a,
            Msg::Io(IoReply::Saved {
                input: input.clone(),
                result: Err("cannot write x: denied".into()),
            }),
        );
        let pr = a.whatif.prompt.as_ref().expect("prompt open");
        assert_eq!(pr.error.as_deref(), Some("cannot write x: denied"));
        update(
            &mut a,
            Msg::Io(IoReply::Saved {
                input: input.clone(),
                result: Ok(()),
            }),
        );
        assert!(a.whatif.prompt.is_none());
        assert_eq!(a.whatif.saved.as_deref(), Some(input.as_str()));
    }
}
