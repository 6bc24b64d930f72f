//! What-if: the connectivity difference between the current state and the
//! state after a proposed change, computed incrementally. Only pods selected
//! (before or after) by a changed policy, and pods that were added, removed
//! or relabelled (or whose namespace was), can change verdicts; only the
//! pairs touching them are recomputed.
//!
//! [`preview`] runs in named phases: fork the index and apply the proposal
//! (copy-on-write, the original is never touched), find the pods that can
//! change ([`affected`]), take both states' rows touching them
//! ([`joint::Side`]), group pods that behave alike in both ([`joint`]),
//! compare group pairs ([`pairs`]) and external rows ([`external`]), and
//! explain each change ([`explain`]).

mod affected;
mod explain;
mod external;
mod joint;
mod pairs;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::connectivity::{ConnRow, Granularity, Prepared, Report};
use super::findings::{Finding, LintOptions, lint};
use super::index::Index;
use super::model::PodKey;
use super::ports::PortSet;
use super::proposal::Proposal;
use external::merge_external;

/// The pair maps hold up to a few hundred thousand small integer keys: a
/// fast hash, with a fixed seed (their iteration order never reaches the
/// output, which is sorted).
type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// One pair whose allowed set changed. Rows are cheap to make and to copy
/// (three pointers): a large what-if lists hundreds of thousands of pod
/// pairs, each pod's name and each group pair's change shared by its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    pub src: Arc<str>,
    pub dst: Arc<str>,
    pub change: Arc<Change>,
}

/// How a pair's allowed set changed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub before: PortSet,
    pub after: PortSet,
    /// Why it changed, in words (what-if only): the policy that now isolates
    /// and denies, or the rule that now allows. Shared by every pod pair of
    /// the same two classes.
    pub why: Arc<[String]>,
}

impl Change {
    pub fn new(before: PortSet, after: PortSet, why: Arc<[String]>) -> Arc<Change> {
        Arc::new(Change { before, after, why })
    }
}

impl DiffEntry {
    pub fn before(&self) -> &PortSet {
        &self.change.before
    }
    pub fn after(&self) -> &PortSet {
        &self.change.after
    }
    pub fn why(&self) -> &[String] {
        &self.change.why
    }
    pub fn lost(&self) -> PortSet {
        self.before().difference(self.after())
    }
    pub fn gained(&self) -> PortSet {
        self.after().difference(self.before())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// Changed pairs, sorted by src then dst.
    pub entries: Vec<DiffEntry>,
    /// Pod pairs allowed the same, non-empty set before and after.
    pub unchanged_pairs: u64,
    /// Pods whose verdicts the change may touch (for views).
    pub touched: Vec<PodKey>,
    pub findings_introduced: Vec<Finding>,
    pub findings_resolved: Vec<Finding>,
}

impl Diff {
    pub fn lost(&self) -> Vec<ConnRow> {
        self.rows(DiffEntry::lost)
    }
    pub fn gained(&self) -> Vec<ConnRow> {
        self.rows(DiffEntry::gained)
    }
    /// The entries with a non-empty `ports(entry)`, as rows.
    fn rows(&self, ports: impl Fn(&DiffEntry) -> PortSet) -> Vec<ConnRow> {
        self.entries
            .iter()
            .filter_map(|e| {
                let ports = ports(e);
                (!ports.is_empty()).then(|| ConnRow {
                    src: e.src.to_string(),
                    dst: e.dst.to_string(),
                    ports,
                })
            })
            .collect()
    }
}

/// Compares two full reports by row names (internal and external rows).
/// Build them on one partition ([`super::connectivity::report_pair`]).
/// Adjacent external ranges that changed the same way towards the same
/// endpoint are merged into one range.
pub fn diff_reports(before: &Report, after: &Report) -> Vec<DiffEntry> {
    let map = |r: &Report| -> BTreeMap<(String, String), PortSet> {
        r.internal
            .iter()
            .chain(r.external.iter())
            .map(|c| ((c.src.clone(), c.dst.clone()), c.ports.clone()))
            .collect()
    };
    merge_external(compare(&map(before), &map(after)))
}

fn compare(
    b: &BTreeMap<(String, String), PortSet>,
    a: &BTreeMap<(String, String), PortSet>,
) -> Vec<DiffEntry> {
    let keys: BTreeSet<&(String, String)> = b.keys().chain(a.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let before = b.get(k).cloned().unwrap_or_default();
            let after = a.get(k).cloned().unwrap_or_default();
            (before != after).then(|| DiffEntry {
                src: Arc::from(k.0.as_str()),
                dst: Arc::from(k.1.as_str()),
                change: Change::new(before, after, Arc::from([])),
            })
        })
        .collect()
}

/// Key used to match findings across the change (counts in messages vary).
fn finding_key(f: &Finding) -> (&'static str, Option<String>, Option<String>, Option<String>) {
    (f.id, f.namespace.clone(), f.policy.clone(), f.pod.clone())
}

/// Findings present after but not before, and before but not after.
fn findings_delta(before: &[Finding], after: &[Finding]) -> (Vec<Finding>, Vec<Finding>) {
    let bk: BTreeSet<_> = before.iter().map(finding_key).collect();
    let ak: BTreeSet<_> = after.iter().map(finding_key).collect();
    let new = |l: &[Finding], seen: &BTreeSet<_>| -> Vec<Finding> {
        l.iter()
            .filter(|f| !seen.contains(&finding_key(f)))
            .cloned()
            .collect()
    };
    (new(after, &bk), new(before, &ak))
}

/// How to preview a proposal.
#[derive(Debug, Clone, Copy)]
pub struct PreviewOptions<'a> {
    /// Rows per pod pair or per workload pair.
    pub granularity: Granularity,
    /// Also diff the findings, linted with these options.
    pub lint: Option<&'a LintOptions>,
}

impl PreviewOptions<'_> {
    pub fn new(granularity: Granularity) -> Self {
        PreviewOptions {
            granularity,
            lint: None,
        }
    }
}

/// The difference `proposal` would make to `idx`. `idx` is not changed: the
/// proposal is applied to a copy-on-write fork of it, which shares every
/// store the proposal does not write.
pub fn preview(idx: &Index, proposal: &Proposal, o: &PreviewOptions) -> Diff {
    preview_on(&Prepared::new(idx), proposal, o)
}

/// [`preview`] on a current state compiled beforehand: previews of many
/// proposals on one state (the rollout view) compile it once.
pub fn preview_on(before: &Prepared, proposal: &Proposal, o: &PreviewOptions) -> Diff {
    if before.counted().is_some() {
        return compare_states(before, proposal, o);
    }
    // A state not counted yet (a fresh index): the cluster-wide count of its
    // allowed pod pairs, needed only for the summary, runs on a second
    // thread beside the comparison, which waits for it at the end.
    std::thread::scope(|s| {
        let count = s.spawn(|| before.total());
        let d = compare_states(before, proposal, o);
        count
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        d
    })
}

fn compare_states(before: &Prepared, proposal: &Proposal, o: &PreviewOptions) -> Diff {
    let idx = before.index();
    let mut after = idx.clone();
    after.apply_all(proposal.events());
    let workload = o.granularity == Granularity::Workload;
    // Which pods can change, and the external ranges cut alike on both sides.
    let scope = affected::Scope::of(idx, &after, &proposal.changes, workload);
    let side_b = joint::Side::of_prepared(before, &scope.touched_all, &scope.parts);
    // A proposal of NetworkPolicies only: the fork's compilation is the
    // current one with the changed namespaces compiled again.
    super::connectivity::compile_fork(idx, &after);
    let side_a = joint::Side::of(&after, &scope.touched_all, &scope.parts);
    let joints = joint::Joints::build(idx, &after, &side_b, &side_a, &scope.touched_all, workload);
    let rows = pairs::Rows::of(&after, &joints, &side_b, &side_a, workload);
    let ext = external::rows(&after, &joints, &rows.names, &side_b, &side_a, workload);
    let changed_pod_pairs = rows.changed_pod_pairs;
    let entries = rows.entries(ext);
    let (findings_introduced, findings_resolved) = match o.lint {
        Some(l) => findings_delta(&lint(idx, l), &lint(&after, l)),
        None => (vec![], vec![]),
    };
    Diff {
        entries,
        unchanged_pairs: before.total().saturating_sub(changed_pod_pairs),
        touched: scope.touched.into_iter().collect(),
        findings_introduced,
        findings_resolved,
    }
}
