//! The suggestion as text: its proof in words, and the YAML documents
//! `suggest` prints and the TUI puts into the what-if (one wording for both).

use std::fmt::Write as _;

use super::suggest::{Proof, Suggestion};
use crate::engine::manifest::documents;
use crate::engine::model::Policy;
use crate::engine::text::plural;

/// The proof in words.
pub fn proof_text(p: &Proof, refused: &[String]) -> String {
    let mut s = format!(
        "{} lost, {} closed ({} kept)\n",
        plural(p.lost.len(), "recorded connection", "recorded connections"),
        plural(
            p.closed,
            "theoretical connection",
            "theoretical connections"
        ),
        plural(
            p.kept as usize,
            "recorded connection",
            "recorded connections"
        ),
    );
    for l in &p.lost {
        let _ = writeln!(s, "  lost: {l}");
    }
    for r in refused {
        let _ = writeln!(s, "  not kept: {r}");
    }
    s
}

/// The suggested policies as YAML documents, each with a comment; the
/// first carries the proof.
pub fn suggestion_yaml(ns: &str, s: &Suggestion, proof_words: &str) -> String {
    let docs: Vec<(String, &Policy)> = s
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let c = match i {
                0 => format!(
                    "Suggested from recorded flows for namespace {ns}. Proof (what-if):\n{}\nDefault deny, both directions.",
                    proof_words.trim_end()
                ),
                1 => "DNS to the cluster DNS pods, UDP and TCP 53.".to_string(),
                _ => format!("{}: exactly the recorded peers and ports.", p.name),
            };
            (c, p)
        })
        .collect();
    let refs: Vec<(&str, &Policy)> = docs.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    documents(&refs)
}
