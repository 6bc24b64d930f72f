//! The rollout view's data, computed off the UI thread (see `jobs`): per
//! namespace, how isolated it is, its recorded connections, and what the
//! default-deny (+ DNS) bundle of the what-if's `d` would cut. The cuts are
//! the what-if's own numbers (the same preview, see
//! [`crate::engine::flows::rollout`]; the tests compare them with the
//! what-if job's), so this view, the what-if and `diff --apply` agree. Also the suggestion
//! job: `suggest` + `prove` for one namespace, as the YAML the what-if takes.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::connectivity::Granularity;
use crate::engine::findings::LintOptions;
use crate::engine::flows::Recorded;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::rollout;
use crate::engine::flows::status::rows;
use crate::engine::flows::suggest::{SuggestOptions, prove, suggest};
use crate::engine::flows::suggest_yaml::{proof_text, suggestion_yaml};
use crate::engine::index::Index;
use crate::tui::nsstats::{self, NsStats};

/// One namespace of the rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRow {
    pub namespace: String,
    /// Pods, and how many each direction isolates.
    pub stats: NsStats,
    /// Recorded connections with an end in the namespace (None: no
    /// `--flows`).
    pub recorded: Option<u64>,
    /// Recorded connections the default-deny bundle would cut.
    pub cut_recorded: Option<u64>,
    /// Rows the default-deny bundle's what-if lists as lost (workload
    /// pairs and external ranges, as `diff` counts them); Err: why the
    /// what-if could not run.
    pub cut_theoretical: Result<usize, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Rollout {
    pub rows: Vec<RolloutRow>,
    /// Recorded flows were given.
    pub flows: bool,
}

/// The rollout view's state.
#[derive(Debug, Clone, Default)]
pub struct RolloutState {
    pub data: Option<Arc<Rollout>>,
    /// The job computing `data`, and the generation `data` is for.
    pub pending: Option<u64>,
    pub generation: u64,
    pub row: usize,
    /// First row shown.
    pub scroll: usize,
    /// The suggestion job running (namespace).
    pub suggesting: Option<(u64, String)>,
    /// The namespace to select when the rows arrive.
    pub want: Option<String>,
    /// A note under the table (an error when the bool is false).
    pub note: Option<(bool, String)>,
}

impl RolloutState {
    pub fn selected(&self) -> Option<&RolloutRow> {
        self.data.as_ref().and_then(|d| d.rows.get(self.row))
    }
}

/// Every namespace's row. Work: one what-if per namespace, restricted to
/// what the namespace's bundle can change, on every core
/// ([`rollout::cuts`]).
pub fn compute(index: &Arc<Index>, flows: Option<&Recorded>) -> Rollout {
    let att = flows.map(|r| attribute(index, r));
    let recorded = att
        .as_ref()
        .map(|a| rows(a, None, Granularity::Workload))
        .unwrap_or_default();
    let names = index.namespace_names();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cuts = rollout::cuts(index, att.as_ref(), &names, threads);
    // Recorded connections per namespace of either end (once if both).
    let mut per_ns: HashMap<&str, u64> = HashMap::new();
    for r in &recorded {
        let (a, b) = (r.namespaces.0.as_deref(), r.namespaces.1.as_deref());
        for ns in [a, b.filter(|b| Some(*b) != a)].into_iter().flatten() {
            *per_ns.entry(ns).or_default() += r.stats.count();
        }
    }
    let rows = names
        .iter()
        .zip(cuts)
        .map(|(ns, cut)| RolloutRow {
            stats: nsstats::compute(index, ns),
            recorded: att
                .is_some()
                .then(|| per_ns.get(ns.as_str()).copied().unwrap_or(0)),
            cut_recorded: cut.recorded,
            cut_theoretical: Ok(cut.lost),
            namespace: ns.clone(),
        })
        .collect();
    Rollout {
        rows,
        flows: att.is_some(),
    }
}

/// A namespace's suggested policies, proven.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggested {
    pub yaml: String,
    /// The proof's first line ("0 recorded connections lost, ...").
    pub proof: String,
    /// Recorded connections the suggestion would lose.
    pub lost: usize,
}

/// `suggest -n ns` with the default DNS location, and its proof.
pub fn suggested(index: &Index, flows: &Recorded, ns: &str) -> Suggested {
    let att = attribute(index, flows);
    let d = LintOptions::default();
    let o = SuggestOptions {
        dns_namespace: d.dns_namespace,
        dns_selector: d.dns_selector,
    };
    let s = suggest(&att, ns, &o);
    let p = prove(&att, index, ns, &s);
    let words = proof_text(&p, &s.refused);
    Suggested {
        yaml: suggestion_yaml(ns, &s, &words),
        proof: words.lines().next().unwrap_or_default().to_string(),
        lost: p.lost.len(),
    }
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
