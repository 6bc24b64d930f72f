//! The what-if job: load the proposal and compute its diff.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::connectivity::Granularity;
use crate::engine::diff::Diff;
use crate::engine::diff::{PreviewOptions, preview};
use crate::engine::findings::LintOptions;
use crate::engine::flows::Recorded;
use crate::engine::flows::attribute::{Attributed, attribute};
use crate::engine::flows::status::{Status, rows};
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
    flows: Option<Arc<Recorded>>,
) -> (Outcome, Option<String>) {
    let att = flows.map(|rec| attribute(&index, &rec));
    compute_attributed(index, input, deletes, lint, att.as_ref())
}

/// [`compute`] with the recording already attributed to `index` (the
/// rollout view previews every namespace against one attribution).
pub fn compute_attributed(
    index: Arc<Index>,
    input: YamlInput,
    deletes: &[PolicyKey],
    lint: bool,
    att: Option<&Attributed>,
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
    if let Some(att) = att {
        let (per_entry, total) = observed(att, &proposal, &d);
        out.observed = per_entry;
        out.observed_lost = Some(total);
    }
    out.diff = Some(Arc::new(d));
    (out, read)
}

/// Recorded connections the proposal would cut: per diff entry (on its lost
/// ports, workload names), and in all (ghosts and external ends included).
fn observed(att: &Attributed, proposal: &Proposal, d: &Diff) -> (Vec<u64>, u64) {
    let mut after = att.index.clone();
    after.apply_all(proposal.events());
    let cut: Vec<_> = rows(att, Some(&after), Granularity::Workload)
        .into_iter()
        .filter(|r| r.status == Status::WouldBeCut)
        .collect();
    let total = cut.iter().map(|r| r.stats.count()).sum();
    let per_entry = d
        .entries
        .iter()
        .map(|e| {
            let lost = e.lost();
            cut.iter()
                .filter(|r| {
                    *r.from == *e.src && *r.to == *e.dst && lost.contains(r.protocol, r.port)
                })
                .map(|r| r.stats.count())
                .sum()
        })
        .collect();
    (per_entry, total)
}
