//! What-if: the connectivity difference between the current state and the
//! state after a proposed change, computed incrementally. Only pods selected
//! (before or after) by a changed policy, and pods that were added, removed
//! or relabelled (or whose namespace was), can change verdicts; only the
//! pairs touching them are recomputed.

use std::collections::{BTreeMap, BTreeSet};

use super::connectivity::{
    ConnRow, Granularity, Report, class_connectivity, pairs_touching, pod_pair_count,
};
use super::findings::{Finding, LintOptions, lint};
use super::index::{ClassId, Index};
use super::model::{Event, PodKey};
use super::ports::PortSet;

/// One pair whose allowed set changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    pub src: String,
    pub dst: String,
    pub before: PortSet,
    pub after: PortSet,
    /// Why it changed, in words (what-if only): the policy that now isolates
    /// and denies, or the rule that now allows.
    pub why: Vec<String>,
}

impl DiffEntry {
    pub fn lost(&self) -> PortSet {
        self.before.difference(&self.after)
    }
    pub fn gained(&self) -> PortSet {
        self.after.difference(&self.before)
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
        self.entries
            .iter()
            .map(|e| ConnRow {
                src: e.src.clone(),
                dst: e.dst.clone(),
                ports: e.lost(),
            })
            .filter(|r| !r.ports.is_empty())
            .collect()
    }
    pub fn gained(&self) -> Vec<ConnRow> {
        self.entries
            .iter()
            .map(|e| ConnRow {
                src: e.src.clone(),
                dst: e.dst.clone(),
                ports: e.gained(),
            })
            .filter(|r| !r.ports.is_empty())
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

fn merge_external(entries: Vec<DiffEntry>) -> Vec<DiffEntry> {
    use super::connectivity::{external_name, parse_external_name};
    let mut out = Vec::new();
    // (range is the source?, other end, before, after) -> ranges.
    type Key = (bool, String, PortSet, PortSet);
    let mut ext: BTreeMap<Key, Vec<super::ipblock::IpRange>> = BTreeMap::new();
    for e in entries {
        match (parse_external_name(&e.src), parse_external_name(&e.dst)) {
            (Some(r), None) => ext
                .entry((true, e.dst.clone(), e.before.clone(), e.after.clone()))
                .or_default()
                .push(r),
            (None, Some(r)) => ext
                .entry((false, e.src.clone(), e.before.clone(), e.after.clone()))
                .or_default()
                .push(r),
            _ => out.push(e),
        }
    }
    for ((is_src, other, before, after), mut ranges) in ext {
        ranges.sort();
        let mut merged: Vec<super::ipblock::IpRange> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(m) if m.family == r.family && m.hi.checked_add(1) == Some(r.lo) => m.hi = r.hi,
                _ => merged.push(r),
            }
        }
        for r in merged {
            let name = external_name(&r);
            let (src, dst) = if is_src {
                (name, other.clone())
            } else {
                (other.clone(), name)
            };
            out.push(DiffEntry {
                src,
                dst,
                before: before.clone(),
                after: after.clone(),
                why: vec![],
            });
        }
    }
    out.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
    out
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
                src: k.0.clone(),
                dst: k.1.clone(),
                before,
                after,
                why: vec![],
            })
        })
        .collect()
}

/// Key used to match findings across the change (counts in messages vary).
fn finding_key(f: &Finding) -> (&'static str, Option<String>, Option<String>, Option<String>) {
    (f.id, f.namespace.clone(), f.policy.clone(), f.pod.clone())
}

/// Pods whose pairs a change can alter, in the index's current state.
fn affected(idx: &Index, changes: &[Event], out: &mut BTreeSet<PodKey>) {
    for ev in changes {
        match ev {
            Event::UpsertPolicy(p) => {
                if let Some(old) = idx.policy(&p.key()) {
                    out.extend(idx.selected_pods(old));
                }
            }
            Event::DeletePolicy(k) => {
                if let Some(old) = idx.policy(k) {
                    out.extend(idx.selected_pods(old));
                }
            }
            Event::UpsertPod(p) => {
                out.insert(p.key());
            }
            Event::DeletePod(k) => {
                out.insert(k.clone());
            }
            Event::UpsertNamespace(ns) => {
                if idx.ns_labels(&ns.name).as_ref() != &ns.labels {
                    out.extend(idx.pods_in(&ns.name).cloned());
                }
            }
            Event::DeleteNamespace(name) => out.extend(idx.pods_in(name).cloned()),
            // Whole-state replacements touch everything.
            Event::ReplaceNamespaces(_)
            | Event::ReplacePods { .. }
            | Event::ReplacePolicies { .. }
            | Event::Replace(_) => out.extend(idx.pod_keys().cloned()),
        }
    }
}

/// Policies in their new version select these pods.
fn affected_after(idx: &Index, changes: &[Event], out: &mut BTreeSet<PodKey>) {
    for ev in changes {
        if let Event::UpsertPolicy(p) = ev
            && let Some(now) = idx.policy(&p.key())
        {
            out.extend(idx.selected_pods(now));
        }
    }
}

/// The event that undoes `ev` on the index's current state.
fn inverse(idx: &Index, ev: &Event) -> Vec<Event> {
    match ev {
        Event::UpsertPolicy(p) => vec![match idx.policy(&p.key()) {
            Some(old) => Event::UpsertPolicy(old.clone()),
            None => Event::DeletePolicy(p.key()),
        }],
        Event::DeletePolicy(k) => idx
            .policy(k)
            .map(|old| Event::UpsertPolicy(old.clone()))
            .into_iter()
            .collect(),
        Event::UpsertPod(p) => vec![match idx.pod(&p.key()) {
            Some(old) => Event::UpsertPod(old),
            None => Event::DeletePod(p.key()),
        }],
        Event::DeletePod(k) => idx.pod(k).map(Event::UpsertPod).into_iter().collect(),
        Event::UpsertNamespace(ns) => vec![match idx.namespace(&ns.name) {
            Some(old) => Event::UpsertNamespace(old.clone()),
            None => Event::DeleteNamespace(ns.name.clone()),
        }],
        Event::DeleteNamespace(n) => idx
            .namespace(n)
            .map(|old| Event::UpsertNamespace(old.clone()))
            .into_iter()
            .collect(),
        Event::ReplaceNamespaces(_)
        | Event::ReplacePods { .. }
        | Event::ReplacePolicies { .. }
        | Event::Replace(_) => {
            vec![Event::Replace(idx.snapshot())]
        }
    }
}

/// Pod-level allowed sets of every pair touching `pods` in the current state.
fn rows_touching(idx: &Index, pods: &BTreeSet<PodKey>) -> BTreeMap<(PodKey, PodKey), PortSet> {
    let classes: Vec<ClassId> = pods.iter().filter_map(|k| idx.pod_class(k)).collect();
    let mut out = BTreeMap::new();
    for (a, b, ports) in pairs_touching(idx, &classes, &classes) {
        let (ca, cb) = (idx.class(a), idx.class(b));
        for p in &ca.members {
            let pk = PodKey::new(&ca.namespace, p);
            let p_in = pods.contains(&pk);
            for q in &cb.members {
                let qk = PodKey::new(&cb.namespace, q);
                if pk == qk || !(p_in || pods.contains(&qk)) {
                    continue;
                }
                out.insert((pk.clone(), qk), ports.clone());
            }
        }
    }
    out
}

fn name(idx: &Index, k: &PodKey, g: Granularity) -> String {
    match g {
        Granularity::Pod => k.to_string(),
        Granularity::Workload => idx.workload_of(k),
    }
}

/// Why the pair (p, q) changed from `before` to `after`, evaluated in the
/// state after the change.
fn explain_change(
    idx: &Index,
    p: &PodKey,
    q: &PodKey,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    use super::model::Direction;
    use super::verdict::Endpoint;
    let (Some(a), Some(b)) = (idx.pod_class(p), idx.pod_class(q)) else {
        let gone = if idx.pod_class(p).is_none() { p } else { q };
        return vec![format!("{gone} does not exist after the change")];
    };
    let Ok(v) = idx.pair_verdict(Endpoint::Class(a), Endpoint::Class(b)) else {
        return vec!["a hostNetwork pod is involved: no verdict".to_string()];
    };
    let mut why = Vec::new();
    let lost = before.difference(after);
    let gained = after.difference(before);
    for (side, who) in [(&v.egress, p), (&v.ingress, q)] {
        let Some(side) = side else { continue };
        let dir = match side.direction {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        };
        if !lost.is_empty() && !lost.difference(&side.allowed).is_empty() {
            let denied = lost.difference(&side.allowed);
            let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
            why.push(format!(
                "{dir} of {who} is isolated by {}; no rule allows {denied} any more",
                by.join(", ")
            ));
        }
        if !gained.is_empty() {
            for h in &side.hits {
                if !h.ports.intersect(&gained).is_empty() {
                    why.push(format!(
                        "{dir} rule {} of {} now allows {}",
                        h.rule + 1,
                        h.policy,
                        h.ports.intersect(&gained)
                    ));
                }
            }
            if !side.is_isolated() {
                why.push(format!("{dir} of {who} is not isolated after the change"));
            }
        }
    }
    why.dedup();
    why
}

/// Workload names of the pods of `pods` that exist in the current state.
fn workload_names(idx: &Index, pods: &BTreeSet<PodKey>) -> BTreeSet<String> {
    pods.iter()
        .filter(|k| idx.pod_class(k).is_some())
        .map(|k| idx.workload_of(k))
        .collect()
}

/// `pods` plus every pod of the current state that belongs to one of
/// `workloads` (a workload row is the union over its pods).
fn with_workload_pods(
    idx: &Index,
    pods: &BTreeSet<PodKey>,
    workloads: &BTreeSet<String>,
) -> BTreeSet<PodKey> {
    let mut out = pods.clone();
    let nss: BTreeSet<String> = workloads
        .iter()
        .filter_map(|w| w.split('/').next().map(str::to_string))
        .collect();
    for ns in nss {
        out.extend(
            idx.pods_in(&ns)
                .filter(|k| workloads.contains(&idx.workload_of(k)))
                .cloned(),
        );
    }
    out
}

/// Applies `changes` to `idx`, measures the difference, and restores `idx`
/// exactly. `lint_with` also diffs the findings.
pub fn what_if(
    idx: &mut Index,
    changes: &[Event],
    g: Granularity,
    lint_with: Option<&LintOptions>,
) -> Diff {
    let mut touched = BTreeSet::new();
    affected(idx, changes, &mut touched);
    let findings_before = lint_with.map(|o| lint(idx, o));

    let mut undo = Vec::new();
    for ev in changes {
        undo.extend(inverse(idx, ev));
        idx.apply(ev.clone());
    }
    affected_after(idx, changes, &mut touched);
    let findings_after = lint_with.map(|o| lint(idx, o));
    // Workload rows need every pod of the touched workloads, in both states.
    let mut workloads = BTreeSet::new();
    if g == Granularity::Workload {
        workloads = workload_names(idx, &touched);
        for ev in undo.iter().rev() {
            idx.apply(ev.clone());
        }
        workloads.extend(workload_names(idx, &touched));
        for ev in changes {
            idx.apply(ev.clone());
        }
    }
    let after_rows = rows_touching(idx, &with_workload_pods(idx, &touched, &workloads));
    let after_names: Vec<((String, String), PortSet)> = after_rows
        .iter()
        .map(|((p, q), s)| ((name(idx, p, g), name(idx, q, g)), s.clone()))
        .collect();

    for ev in undo.into_iter().rev() {
        idx.apply(ev);
    }
    let before_rows = rows_touching(idx, &with_workload_pods(idx, &touched, &workloads));
    let before_total = pod_pair_count(idx, &class_connectivity(idx));

    // Pod pairs that were allowed and are no longer the same.
    let changed_pod_pairs = before_rows
        .iter()
        .filter(|(k, v)| after_rows.get(k) != Some(v))
        .count() as u64;

    let group = |rows: Vec<((String, String), PortSet)>| {
        let mut m: BTreeMap<(String, String), PortSet> = BTreeMap::new();
        for (k, s) in rows {
            if k.0 != k.1 {
                m.entry(k).or_default().union_with(&s);
            }
        }
        m
    };
    let before_names: Vec<((String, String), PortSet)> = before_rows
        .iter()
        .map(|((p, q), s)| ((name(idx, p, g), name(idx, q, g)), s.clone()))
        .collect();
    let mut entries = compare(&group(before_names), &group(after_names));

    // Explain each change in the after state, on one pod pair behind it.
    if !entries.is_empty() {
        let mut witness: BTreeMap<(String, String), (PodKey, PodKey)> = BTreeMap::new();
        for ((p, q), _) in before_rows.iter() {
            witness
                .entry((name(idx, p, g), name(idx, q, g)))
                .or_insert_with(|| (p.clone(), q.clone()));
        }
        let mut undo = Vec::new();
        for ev in changes {
            undo.extend(inverse(idx, ev));
            idx.apply(ev.clone());
        }
        for ((p, q), _) in after_rows.iter() {
            witness
                .entry((name(idx, p, g), name(idx, q, g)))
                .or_insert_with(|| (p.clone(), q.clone()));
        }
        for e in &mut entries {
            if let Some((p, q)) = witness.get(&(e.src.clone(), e.dst.clone())) {
                e.why = explain_change(idx, p, q, &e.before, &e.after);
            }
        }
        for ev in undo.into_iter().rev() {
            idx.apply(ev);
        }
    }

    let (findings_introduced, findings_resolved) = match (findings_before, findings_after) {
        (Some(b), Some(a)) => {
            let bk: BTreeSet<_> = b.iter().map(finding_key).collect();
            let ak: BTreeSet<_> = a.iter().map(finding_key).collect();
            (
                a.iter()
                    .filter(|f| !bk.contains(&finding_key(f)))
                    .cloned()
                    .collect(),
                b.iter()
                    .filter(|f| !ak.contains(&finding_key(f)))
                    .cloned()
                    .collect(),
            )
        }
        _ => (vec![], vec![]),
    };
    Diff {
        entries,
        unchanged_pairs: before_total.saturating_sub(changed_pod_pairs),
        touched: touched.into_iter().collect(),
        findings_introduced,
        findings_resolved,
    }
}
