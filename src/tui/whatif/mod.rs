//! What-if: the proposal, the diff it produces, and the update logic of the
//! what-if panel (split out of `update`, which calls in here; nothing else
//! changes this state). The diff itself is computed by a background job on
//! a copy of the index ([`compute`]); nothing is ever sent to the cluster.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::diff::Diff;
use crate::engine::model::PolicyKey;

mod job;
mod path;
mod rows;

pub use job::{YamlInput, compute, compute_attributed};
pub use path::{complete, expand_home};
pub use rows::{build_rows, ns_of};

/// Where `s` saves by default.
pub const DEFAULT_SAVE_PATH: &str = "./netpol-proposal.yaml";

/// A change to rehearse: the YAML the user would `kubectl apply -f`, plus
/// policies to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// What it is, for the panel title.
    pub title: String,
    /// The name parse errors carry: the file, or `draft`.
    pub source: String,
    pub yaml: String,
    /// A file to read the YAML from (in the job) instead of `yaml`.
    pub file: Option<PathBuf>,
    pub deletes: Vec<PolicyKey>,
}

impl Proposal {
    /// The what-if's default-deny (both directions, DNS kept) for `ns`.
    pub fn default_deny(ns: &str) -> Self {
        Proposal {
            title: format!("default-deny for {ns}"),
            source: format!("default-deny-{ns}.yaml"),
            yaml: crate::engine::proposal::default_deny_bundle(ns),
            file: None,
            deletes: vec![],
        }
    }

    /// The `kubectl delete` lines for the deletions.
    pub fn delete_commands(&self) -> Vec<String> {
        self.deletes
            .iter()
            .map(|k| {
                format!(
                    "kubectl delete networkpolicy -n {} {}",
                    shell_word(&k.namespace),
                    shell_word(&k.name)
                )
            })
            .collect()
    }

    /// Whether the YAML holds anything but comments and blanks.
    pub fn has_yaml(&self) -> bool {
        has_content(&self.yaml)
    }
}

pub(crate) fn has_content(yaml: &str) -> bool {
    yaml.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && t != "---"
    })
}

/// A word safe to paste into a shell.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./~=:@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What the job found: load problems, or the diff.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Parse errors (file, document, object, field) and bad deletions: the
    /// diff is not computed then (`kubectl apply` would refuse too).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// `apply shop/x, shop/y; delete shop/z`.
    pub summary: String,
    pub diff: Option<Arc<Diff>>,
    /// Whether findings were diffed (not on very big clusters).
    pub linted: bool,
    pub lost: usize,
    pub gained: usize,
    /// With `--flows`: per `diff.entries[i]`, the recorded connections its
    /// lost ports would cut, and their sum.
    pub observed: Vec<u64>,
    pub observed_lost: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Lost,
    Gained,
}

/// One line of the diff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    /// `Lost connections (12)`.
    Heading(Change, usize),
    /// `shop → payments`.
    Pair(Change, String, String),
    /// `Diff.entries[i]`, its lost or gained part.
    Entry(Change, usize),
    /// `Findings introduced (n)` / `resolved`.
    FindingsHeading(bool, usize),
    /// `Diff.findings_introduced[i]` (true) or `findings_resolved[i]`.
    Finding(bool, usize),
    /// A dim note (`none`).
    Note(&'static str),
    Blank,
}

impl DiffRow {
    pub fn selectable(&self) -> bool {
        matches!(self, DiffRow::Entry(..) | DiffRow::Finding(..))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptPurpose {
    Load,
    Save,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub purpose: PromptPurpose,
    pub input: String,
    /// Matches of the last Tab, when there were several.
    pub candidates: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct WhatIfState {
    pub proposal: Option<Proposal>,
    /// The job computing the diff.
    pub pending: Option<u64>,
    /// The index generation `outcome` was computed for.
    pub generation: u64,
    pub outcome: Option<Outcome>,
    pub rows: Vec<DiffRow>,
    /// Row indices Up/Down move between.
    pub selectable: Vec<usize>,
    /// Index into `selectable`.
    pub cursor: usize,
    /// First row shown.
    pub scroll: usize,
    /// Showing the explanation of the selected row.
    pub drill: bool,
    pub drill_scroll: u16,
    pub prompt: Option<Prompt>,
    /// A note for the panel (an error when the bool is false).
    pub note: Option<(bool, String)>,
    /// Where the proposal was last saved.
    pub saved: Option<String>,
    /// Pods the change touches, by namespace (tree badges).
    pub touched: HashMap<String, HashSet<String>>,
    /// The rollout view the proposal came from: closing goes back to it.
    pub back: Option<Box<crate::tui::models::rollout::RolloutState>>,
}

impl WhatIfState {
    /// A proposal with a computed diff: the tree shows what it touches.
    pub fn active(&self) -> bool {
        self.outcome.as_ref().is_some_and(|o| o.diff.is_some())
    }

    pub fn selected_row(&self) -> Option<&DiffRow> {
        self.selectable
            .get(self.cursor)
            .and_then(|&i| self.rows.get(i))
    }

    pub fn diff(&self) -> Option<&Diff> {
        self.outcome.as_ref().and_then(|o| o.diff.as_deref())
    }
}

/// The saved file: a header with what to run, then the YAML.
pub fn file_text(p: &Proposal, path: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# netpol-tui what-if proposal: {}", p.title);
    let _ = writeln!(s, "# Nothing was sent to the cluster. When satisfied, run:");
    if p.has_yaml() {
        let _ = writeln!(s, "#   kubectl apply -f {}", shell_word(path));
    }
    for c in p.delete_commands() {
        let _ = writeln!(s, "#   {c}");
    }
    if p.has_yaml() {
        s.push_str(&p.yaml);
        if !p.yaml.ends_with('\n') {
            s.push('\n');
        }
    }
    s
}

/// The commands to run once saved at `path`.
pub fn commands(p: &Proposal, path: &str) -> Vec<String> {
    let mut v = Vec::new();
    if p.has_yaml() {
        v.push(format!("kubectl apply -f {}", shell_word(path)));
    }
    v.extend(p.delete_commands());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_file_says_what_to_run() {
        let p = Proposal {
            title: "t".into(),
            source: "draft".into(),
            yaml: "kind: NetworkPolicy\n".into(),
            file: None,
            deletes: vec![PolicyKey::new("shop", "old one")],
        };
        let text = file_text(&p, "./my file.yaml");
        assert!(
            text.contains("#   kubectl apply -f './my file.yaml'"),
            "{text}"
        );
        assert!(text.contains("#   kubectl delete networkpolicy -n shop 'old one'"));
        assert!(text.ends_with("kind: NetworkPolicy\n"));
        let only_delete = Proposal {
            yaml: "# nothing\n".into(),
            ..p
        };
        assert_eq!(commands(&only_delete, "x.yaml").len(), 1);
    }
}
