//! The filesystem and environment work `update` asks for, as plain data
//! (like `jobs`): `update` returns an [`Effect::Io`](super::update::Effect),
//! the event loop (or the test harness) performs it and answers with
//! `Msg::Io`. This keeps `update` free of I/O, so it can be tested alone.

use std::path::PathBuf;

use super::whatif::{complete, expand_home};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoRequest {
    /// Tab in the path prompt: complete `input` against the filesystem.
    Complete { input: String },
    /// Enter in the load prompt: where `input` points and whether it is a
    /// directory (a file is read by the what-if job).
    CheckLoad { input: String },
    /// Enter in the save prompt: write `text` to `input`.
    Save { input: String, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IoReply {
    Completed {
        input: String,
        done: String,
        candidates: Vec<String>,
    },
    Checked {
        input: String,
        path: PathBuf,
        is_dir: bool,
    },
    /// The file was written, or why not.
    Saved {
        input: String,
        result: Result<(), String>,
    },
}

/// Performs a request (blocking: run it off the UI thread).
pub fn perform(req: IoRequest) -> IoReply {
    match req {
        IoRequest::Complete { input } => {
            let (done, candidates) = complete(&input);
            IoReply::Completed {
                input,
                done,
                candidates,
            }
        }
        IoRequest::CheckLoad { input } => {
            let path = expand_home(&input);
            let is_dir = path.is_dir();
            IoReply::Checked {
                input,
                path,
                is_dir,
            }
        }
        IoRequest::Save { input, text } => {
            let result = std::fs::write(expand_home(&input), text)
                .map_err(|e| format!("cannot write {input}: {e}"));
            IoReply::Saved { input, result }
        }
    }
}
