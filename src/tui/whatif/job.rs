//! The what-if job: load the proposal and compute its diff.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::connectivity::Granularity;
use crate::engine::diff::{PreviewOptions, preview};
use crate::engine::findings::LintOptions;
use crate::engine::index::Index;
use crate::engine::model::PolicyKey;
use crate::engine::proposal::Proposal;
use crate::source::files::load_sources;

use super::{Outcome, has_content};

/// Where the proposal's YAML comes from.
#[derive(Debug, Clone)]
pub enum YamlInput {
    Text { name: String, text: String },
    File(PathBuf),
}

/// Loads the proposal and previews it on the shared index (which stays
/// untouched). Returns the text read from a file.
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
    let mut proposal = Proposal::default();
    if has_content(&text) {
        let loaded = load_sources(&[(name, text)]);
        out.errors = loaded.errors.iter().map(|e| e.to_string()).collect();
        out.warnings = loaded.warnings.iter().map(|e| e.to_string()).collect();
        if !out.errors.is_empty() {
            return (out, read);
        }
        proposal = Proposal::from_loaded(&index, loaded.snapshot, &loaded.implicit_namespaces);
    }
    for k in deletes {
        if index.policy(k).is_none() {
            out.errors.push(format!(
                "delete {k}: no such NetworkPolicy in the current state"
            ));
        } else {
            proposal.delete_policy(k.clone());
        }
    }
    if out.errors.is_empty() && proposal.is_empty() {
        out.errors.push(
            "the proposal changes nothing: it holds no NetworkPolicy, Namespace or Pod, and deletes nothing"
                .to_string(),
        );
    }
    if !out.errors.is_empty() {
        return (out, read);
    }
    out.summary = proposal.summary.join("; ");
    let opts = lint.then(LintOptions::default);
    let o = PreviewOptions {
        granularity: Granularity::Workload,
        lint: opts.as_ref(),
    };
    let d = preview(&index, &proposal, &o);
    out.lost = d.entries.iter().filter(|e| !e.lost().is_empty()).count();
    out.gained = d.entries.iter().filter(|e| !e.gained().is_empty()).count();
    out.linted = lint;
    out.diff = Some(Arc::new(d));
    (out, read)
}
