//! The what-if job: load the proposal and compute its diff.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::connectivity::Granularity;
use crate::engine::diff::what_if;
use crate::engine::findings::LintOptions;
use crate::engine::index::Index;
use crate::engine::model::{Event, PolicyKey};
use crate::engine::proposal::apply_events;
use crate::source::files::load_sources;

use super::{Outcome, has_content};

/// Where the proposal's YAML comes from.
#[derive(Debug, Clone)]
pub enum YamlInput {
    Text { name: String, text: String },
    File(PathBuf),
}

/// Loads the proposal and computes the diff on a copy of the index (the
/// what-if applies and undoes in place). Returns the text read from a file.
pub fn compute(
    index: Arc<Index>,
    input: YamlInput,
    deletes: &[PolicyKey],
    lint: bool,
) -> (Outcome, Option<String>) {
    let mut out = Outcome::default();
    let (name, text, read) = match input {
        YamlInput::Text { name, text } => (name, text, None),
        YamlInput::File(p) => match std::fs::read_to_string(&p) {
            Ok(t) => (p.display().to_string(), t.clone(), Some(t)),
            Err(e) => {
                out.errors
                    .push(format!("{}: cannot read: {e}", p.display()));
                return (out, None);
            }
        },
    };
    let (mut events, mut what): (Vec<Event>, Vec<String>) = (vec![], vec![]);
    if has_content(&text) {
        let loaded = load_sources(&[(name, text)]);
        out.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
        out.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
        if !out.errors.is_empty() {
            return (out, read);
        }
        (events, what) = apply_events(&index, loaded.snapshot, &loaded.implicit_namespaces);
    }
    for k in deletes {
        if index.policy(k).is_none() {
            out.errors.push(format!(
                "delete {k}: no such NetworkPolicy in the current state"
            ));
        } else {
            what.push(format!("delete {k}"));
            events.push(Event::DeletePolicy(k.clone()));
        }
    }
    if out.errors.is_empty() && events.is_empty() {
        out.errors.push(
            "the proposal changes nothing: it holds no NetworkPolicy, Namespace or Pod, and deletes nothing"
                .to_string(),
        );
    }
    if !out.errors.is_empty() {
        return (out, read);
    }
    out.summary = what.join("; ");
    let mut idx = (*index).clone();
    drop(index);
    let opts = lint.then(LintOptions::default);
    let d = what_if(&mut idx, &events, Granularity::Workload, opts.as_ref());
    out.lost = d.entries.iter().filter(|e| !e.lost().is_empty()).count();
    out.gained = d.entries.iter().filter(|e| !e.gained().is_empty()).count();
    out.linted = lint;
    out.diff = Some(Arc::new(d));
    (out, read)
}
