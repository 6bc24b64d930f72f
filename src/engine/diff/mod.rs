//! What-if: the connectivity difference between the current state and the
//! state after a proposed change, computed incrementally. Only pods selected
//! (before or after) by a changed policy, and pods that were added, removed
//! or relabelled (or whose namespace was), can change verdicts; only the
//! pairs touching them are recomputed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::connectivity::{
    ConnRow, CutBlocks, Granularity, Report, Touching, external_name, touching,
};
use super::findings::{Finding, LintOptions, lint};
use super::index::{ClassId, Index};
use super::ipblock::IpRange;
use super::model::{Event, PodKey};
use super::ports::PortSet;
use super::verdict::Endpoint;

/// One pair whose allowed set changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffEntry {
    pub src: String,
    pub dst: String,
    pub before: PortSet,
    pub after: PortSet,
    /// Why it changed, in words (what-if only): the policy that now isolates
    /// and denies, or the rule that now allows. Shared by every pod pair of
    /// the same two classes.
    pub why: Arc<[String]>,
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
    // Ranges merged into one row keep the first one's explanation.
    let mut ext: BTreeMap<Key, (Vec<super::ipblock::IpRange>, Arc<[String]>)> = BTreeMap::new();
    for e in entries {
        let key = match (parse_external_name(&e.src), parse_external_name(&e.dst)) {
            (Some(r), None) => ((true, e.dst.clone(), e.before.clone(), e.after.clone()), r),
            (None, Some(r)) => ((false, e.src.clone(), e.before.clone(), e.after.clone()), r),
            _ => {
                out.push(e);
                continue;
            }
        };
        let slot = ext
            .entry(key.0)
            .or_insert_with(|| (Vec::new(), e.why.clone()));
        slot.0.push(key.1);
        if slot.1.is_empty() {
            slot.1 = e.why.clone();
        }
    }
    for ((is_src, other, before, after), (mut ranges, why)) in ext {
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
                why: why.clone(),
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
                why: Arc::from([]),
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
/// Why a pair changed from `before` to `after`, evaluated in the state after
/// the change between `src` and `dst` (a pod class or an external range;
/// `None` when that pod does not exist after the change). Worded without
/// pod names so that one explanation serves every pod pair of two classes.
fn explain_change(
    idx: &Index,
    src: Option<Endpoint>,
    dst: Option<Endpoint>,
    before: &PortSet,
    after: &PortSet,
) -> Vec<String> {
    use super::model::Direction;
    let (Some(src), Some(dst)) = (src, dst) else {
        let gone = if src.is_none() {
            "source"
        } else {
            "destination"
        };
        return vec![format!("the {gone} does not exist after the change")];
    };
    for ep in [src, dst] {
        if let Endpoint::Class(c) = ep
            && idx.class(c).host_network
        {
            return vec!["a hostNetwork pod is involved: no verdict".to_string()];
        }
    }
    let egress = match src {
        Endpoint::Class(a) => Some(idx.side_verdict_brief(a, Direction::Egress, dst)),
        Endpoint::Ip(_) => None,
    };
    let ingress = match dst {
        Endpoint::Class(b) => Some(idx.side_verdict_brief(b, Direction::Ingress, src)),
        Endpoint::Ip(_) => None,
    };
    let mut why = Vec::new();
    let lost = before.difference(after);
    let gained = after.difference(before);
    for (side, who) in [(&egress, "source"), (&ingress, "destination")] {
        let Some(side) = side else { continue };
        let dir = match side.direction {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        };
        if !lost.is_empty() && !lost.difference(&side.allowed).is_empty() {
            let denied = lost.difference(&side.allowed);
            let by: Vec<String> = side.isolated_by.iter().map(|k| k.to_string()).collect();
            why.push(format!(
                "{dir} of the {who} is isolated by {}; no rule allows {denied} any more",
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
                why.push(format!(
                    "{dir} of the {who} is not isolated after the change"
                ));
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

/// Pods that are in one class before and one class after the change (None:
/// absent, or in no pair that touches the change), and equally touched or
/// not, have identical rows in both states. The diff is computed on such
/// groups, and expanded to pod or workload names only where needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct JointKey {
    before: Option<ClassId>,
    after: Option<ClassId>,
    touched: bool,
}

struct Joint {
    key: JointKey,
    namespace: String,
    /// Pod names, with their output name ids before and after (workload
    /// granularity; unused for pods).
    members: Vec<(String, u32, u32)>,
}

/// One state's view of the change: the classes of the touched pods, every
/// allowed class pair touching them, and their external rows.
struct Side {
    classes: Vec<ClassId>,
    rows: HashMap<(ClassId, ClassId), PortSet>,
    /// Per class: (range, ports) to external destinations / from sources.
    to_ext: HashMap<ClassId, BTreeMap<IpRange, PortSet>>,
    from_ext: HashMap<ClassId, BTreeMap<IpRange, PortSet>>,
    total: u64,
}

impl Side {
    fn of(
        idx: &Index,
        touched: &BTreeSet<PodKey>,
        parts: &(Vec<IpRange>, Vec<IpRange>),
        with_total: bool,
    ) -> Side {
        let mut classes: Vec<ClassId> = touched.iter().filter_map(|k| idx.pod_class(k)).collect();
        classes.sort_unstable();
        classes.dedup();
        let t: Touching = touching(idx, &classes, &parts.0, &parts.1, with_total);
        let mut to_ext: HashMap<ClassId, BTreeMap<IpRange, PortSet>> = HashMap::new();
        for (c, r, p) in t.to_external {
            to_ext.entry(c).or_default().insert(r, p);
        }
        let mut from_ext: HashMap<ClassId, BTreeMap<IpRange, PortSet>> = HashMap::new();
        for (r, c, p) in t.from_external {
            from_ext.entry(c).or_default().insert(r, p);
        }
        Side {
            classes,
            rows: t.pairs.into_iter().map(|(a, b, p)| ((a, b), p)).collect(),
            to_ext,
            from_ext,
            total: t.total.unwrap_or(0),
        }
    }
}

/// The classes a side's rows mention, plus the touched ones, sorted.
fn involved(classes: &[ClassId], rows: &HashMap<(ClassId, ClassId), PortSet>) -> Vec<ClassId> {
    let mut v: Vec<ClassId> = classes
        .iter()
        .copied()
        .chain(rows.keys().flat_map(|&(a, b)| [a, b]))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A class before the change: id, namespace, members with their name ids.
type ClassSnapshot = (ClassId, String, Vec<(String, u32)>);

/// Interns output names (workload granularity).
#[derive(Default)]
struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, s: String) -> u32 {
        if let Some(&i) = self.ids.get(&s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.clone());
        self.ids.insert(s, i);
        i
    }
}

/// Applies `changes` to `idx`, measures the difference, and restores `idx`
/// exactly. `lint_with` also diffs the findings.
pub fn what_if(
    idx: &mut Index,
    changes: &[Event],
    g: Granularity,
    lint_with: Option<&LintOptions>,
) -> Diff {
    let workload = g == Granularity::Workload;
    // Which pods can change: in the state before, then after.
    let mut touched = BTreeSet::new();
    affected(idx, changes, &mut touched);
    let findings_before = lint_with.map(|o| lint(idx, o));
    // External ranges are cut the same way on both sides.
    let mut cuts = CutBlocks::of(idx);
    let mut workloads = if workload {
        workload_names(idx, &touched)
    } else {
        BTreeSet::new()
    };
    let undo = apply(idx, changes);
    affected_after(idx, changes, &mut touched);
    let findings_after = lint_with.map(|o| lint(idx, o));
    cuts.extend(CutBlocks::of(idx));
    if workload {
        workloads.extend(workload_names(idx, &touched));
    }
    let mut touched_all = with_workload_pods(idx, &touched, &workloads);
    revert(idx, undo);
    let parts = cuts.partitions();

    // Before: the rows, and who is in the classes they mention.
    touched_all = with_workload_pods(idx, &touched_all, &workloads);
    let side_b = Side::of(idx, &touched_all, &parts, true);
    let (classes_b, rows_b, before_total) = (&side_b.classes, &side_b.rows, side_b.total);
    let mut names = Names::default();
    // A pod's output name id in the current state (workload rows only).
    let name_id = |idx: &Index, names: &mut Names, ns: &str, m: &str| {
        if workload {
            names.id(idx.workload_of(&PodKey::new(ns, m)))
        } else {
            0
        }
    };
    // (class, namespace, members with their name before).
    let snap_b: Vec<ClassSnapshot> = involved(classes_b, rows_b)
        .into_iter()
        .map(|c| {
            let class = idx.class(c);
            let members = class
                .members
                .iter()
                .map(|m| (m.clone(), name_id(idx, &mut names, &class.namespace, m)))
                .collect();
            (c, class.namespace.clone(), members)
        })
        .collect();

    // After: the rows, and the joint groups.
    let undo = apply(idx, changes);
    let side_a = Side::of(idx, &touched_all, &parts, false);
    let (classes_a, rows_a) = (&side_a.classes, &side_a.rows);
    let is_touched = |ns: &str, m: &str| touched_all.contains(&PodKey::new(ns, m));
    let mut joints: Vec<Joint> = Vec::new();
    let mut joint_of: HashMap<JointKey, usize> = HashMap::new();
    let mut add = |joints: &mut Vec<Joint>, key: JointKey, ns: &str, m: (String, u32, u32)| {
        let j = *joint_of.entry(key).or_insert_with(|| {
            joints.push(Joint {
                key,
                namespace: ns.to_string(),
                members: Vec::new(),
            });
            joints.len() - 1
        });
        joints[j].members.push(m);
    };
    // Pods of an after class already placed from the before side.
    let mut placed_all: BTreeSet<ClassId> = BTreeSet::new();
    let mut placed: HashMap<ClassId, BTreeSet<String>> = HashMap::new();
    let ns_touched: BTreeSet<&str> = touched_all.iter().map(|k| k.namespace.as_str()).collect();
    for (cb, ns, members) in snap_b {
        let any_touched = ns_touched.contains(ns.as_str());
        // Untouched classes usually keep their members: one lookup decides.
        let first = members
            .first()
            .map(|(m, _)| idx.pod_class(&PodKey::new(&ns, m)));
        if let Some(Some(ca)) = first
            && !any_touched
            && idx.class(ca).members.len() == members.len()
            && idx
                .class(ca)
                .members
                .iter()
                .eq(members.iter().map(|(m, _)| m))
        {
            placed_all.insert(ca);
            for (m, wb) in members {
                // Owners only change through a pod update, which touches the pod.
                add(
                    &mut joints,
                    JointKey {
                        before: Some(cb),
                        after: Some(ca),
                        touched: false,
                    },
                    &ns,
                    (m, wb, wb),
                );
            }
            continue;
        }
        for (m, wb) in members {
            let ca = idx.pod_class(&PodKey::new(&ns, &m));
            let wa = match ca {
                Some(_) => name_id(idx, &mut names, &ns, &m),
                None => u32::MAX,
            };
            if let Some(ca) = ca {
                placed.entry(ca).or_default().insert(m.clone());
            }
            let key = JointKey {
                before: Some(cb),
                after: ca,
                touched: any_touched && is_touched(&ns, &m),
            };
            add(&mut joints, key, &ns, (m, wb, wa));
        }
    }
    for ca in involved(classes_a, rows_a) {
        if placed_all.contains(&ca) {
            continue;
        }
        let class = idx.class(ca);
        let done = placed.get(&ca);
        for m in &class.members {
            if done.is_some_and(|d| d.contains(m)) {
                continue;
            }
            let key = JointKey {
                before: None,
                after: Some(ca),
                touched: is_touched(&class.namespace, m),
            };
            let wa = name_id(idx, &mut names, &class.namespace, m);
            add(
                &mut joints,
                key,
                &class.namespace,
                (m.clone(), u32::MAX, wa),
            );
        }
    }

    // Joint pairs: rows before and after, by class pair.
    let mut by_before: HashMap<ClassId, Vec<usize>> = HashMap::new();
    let mut by_after: HashMap<ClassId, Vec<usize>> = HashMap::new();
    for (j, jt) in joints.iter().enumerate() {
        if let Some(c) = jt.key.before {
            by_before.entry(c).or_default().push(j);
        }
        if let Some(c) = jt.key.after {
            by_after.entry(c).or_default().push(j);
        }
    }
    let mut pairs: HashMap<(usize, usize), (PortSet, PortSet)> = HashMap::new();
    let relevant = |x: usize, y: usize| joints[x].key.touched || joints[y].key.touched;
    for (after, rows, by) in [(false, rows_b, &by_before), (true, rows_a, &by_after)] {
        for ((a, b), p) in rows {
            let (Some(xs), Some(ys)) = (by.get(a), by.get(b)) else {
                continue;
            };
            for &x in xs {
                for &y in ys {
                    if relevant(x, y) {
                        let slot = pairs.entry((x, y)).or_default();
                        *(if after { &mut slot.1 } else { &mut slot.0 }) = p.clone();
                    }
                }
            }
        }
    }
    let size = |x: usize| joints[x].members.len() as u64;
    let pod_pairs = |x: usize, y: usize| {
        if x == y {
            size(x) * size(x).saturating_sub(1)
        } else {
            size(x) * size(y)
        }
    };
    let mut changed_pod_pairs = 0u64;
    let mut why_cache: HashMap<(usize, usize), Arc<[String]>> = HashMap::new();
    let mut why = |x: usize, y: usize, b: &PortSet, a: &PortSet| -> Arc<[String]> {
        why_cache
            .entry((x, y))
            .or_insert_with(|| {
                let ep = |j: usize| joints[j].key.after.map(Endpoint::Class);
                explain_change(idx, ep(x), ep(y), b, a).into()
            })
            .clone()
    };
    // Pods: rank every member by its name `ns/pod` (namespaces ordered by
    // `ns/`, then pod names) so that entries sort as integers.
    let mut ranks: Vec<Vec<u32>> = joints.iter().map(|j| vec![0; j.members.len()]).collect();
    let mut full_names: Vec<String> = Vec::new();
    if !workload {
        let mut by_ns: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (j, jt) in joints.iter().enumerate() {
            by_ns
                .entry(format!("{}/", jt.namespace))
                .or_default()
                .push(j);
        }
        for (prefix, js) in by_ns {
            let mut pods: Vec<(&str, usize, usize)> = js
                .iter()
                .flat_map(|&j| {
                    joints[j]
                        .members
                        .iter()
                        .enumerate()
                        .map(move |(i, (m, ..))| (m.as_str(), j, i))
                })
                .collect();
            pods.sort_unstable();
            for (m, j, i) in pods {
                ranks[j][i] = full_names.len() as u32;
                full_names.push(format!("{prefix}{m}"));
            }
        }
    }
    let mut raw: Vec<(u32, u32, u32)> = Vec::new();
    let mut changed_pairs: Vec<(usize, usize, Arc<[String]>)> = Vec::new();
    let mut order: Vec<(usize, usize)> = pairs.keys().copied().collect();
    order.sort_unstable();
    let mut entries = Vec::new();
    // Workload rows: (name before/after ids) -> (before, after, witness pair).
    type WlRow = (PortSet, PortSet, Option<(usize, usize)>);
    let mut wl: HashMap<(u32, u32), WlRow> = HashMap::new();
    for (x, y) in order {
        let (b, a) = &pairs[&(x, y)];
        let changed = b != a;
        if changed && !b.is_empty() {
            changed_pod_pairs += pod_pairs(x, y);
        }
        if !workload {
            if changed {
                let id = changed_pairs.len() as u32;
                changed_pairs.push((x, y, why(x, y, b, a)));
                for (i, &p) in ranks[x].iter().enumerate() {
                    for (k, &q) in ranks[y].iter().enumerate() {
                        if x != y || i != k {
                            raw.push((p, q, id));
                        }
                    }
                }
            }
            continue;
        }
        // Workloads: distinct names on each side; a workload's row with
        // itself is not listed, so same-name pairs drop out.
        let distinct = |j: usize, after: bool| -> BTreeSet<u32> {
            joints[j]
                .members
                .iter()
                .map(|&(_, wb, wa)| if after { wa } else { wb })
                .filter(|&n| n != u32::MAX)
                .collect()
        };
        for (after, set) in [(false, b), (true, a)] {
            if set.is_empty() {
                continue;
            }
            let (ns_x, ns_y) = (distinct(x, after), distinct(y, after));
            for &p in &ns_x {
                for &q in &ns_y {
                    if p == q {
                        continue;
                    }
                    let row = wl.entry((p, q)).or_default();
                    if after {
                        row.1.union_with(set);
                    } else {
                        row.0.union_with(set);
                    }
                    if changed && row.2.is_none() {
                        row.2 = Some((x, y));
                    }
                }
            }
        }
    }
    // External ranges: only touched pods' rows can change. Workload rows
    // are unions over their pods, all of which are touched.
    let mut ext: BTreeMap<(String, String), ExtRow> = BTreeMap::new();
    let none = BTreeMap::new();
    for (j, jt) in joints.iter().enumerate().filter(|(_, j)| j.key.touched) {
        for outbound in [true, false] {
            let (mb, ma) = if outbound {
                (&side_b.to_ext, &side_a.to_ext)
            } else {
                (&side_b.from_ext, &side_a.from_ext)
            };
            let b_rows = jt.key.before.and_then(|c| mb.get(&c)).unwrap_or(&none);
            let a_rows = jt.key.after.and_then(|c| ma.get(&c)).unwrap_or(&none);
            let ranges: BTreeSet<&IpRange> = b_rows.keys().chain(a_rows.keys()).collect();
            // Pod rows: adjacent ranges that change alike are one row (as
            // `merge_external` would make them), explained once.
            type Run<'r> = (IpRange, Option<&'r PortSet>, Option<&'r PortSet>);
            let mut runs: Vec<Run> = Vec::new();
            for r in ranges {
                let (b, a) = (b_rows.get(r), a_rows.get(r));
                if !workload {
                    if b == a {
                        continue;
                    }
                    if let Some(last) = runs.last_mut()
                        && last.1 == b
                        && last.2 == a
                        && last.0.family == r.family
                        && last.0.hi.checked_add(1) == Some(r.lo)
                    {
                        last.0.hi = r.hi;
                        continue;
                    }
                }
                runs.push((*r, b, a));
            }
            if runs.is_empty() {
                continue;
            }
            // Output names on each side: pods, or the distinct workloads.
            let side_names = |after: bool| -> Vec<String> {
                if !workload {
                    return ranks[j]
                        .iter()
                        .map(|&r| full_names[r as usize].clone())
                        .collect();
                }
                let ids: BTreeSet<u32> = jt
                    .members
                    .iter()
                    .map(|&(_, wb, wa)| if after { wa } else { wb })
                    .filter(|&i| i != u32::MAX)
                    .collect();
                ids.into_iter()
                    .map(|i| names.names[i as usize].clone())
                    .collect()
            };
            let (names_b, names_a) = (side_names(false), side_names(true));
            for (r, b, a) in runs {
                let range = external_name(&r);
                let w: Arc<[String]> = if b != a {
                    let pod = jt.key.after.map(Endpoint::Class);
                    let ip = Some(Endpoint::Ip(r));
                    let (src, dst) = if outbound { (pod, ip) } else { (ip, pod) };
                    let none_set = PortSet::none();
                    explain_change(
                        idx,
                        src,
                        dst,
                        b.unwrap_or(&none_set),
                        a.unwrap_or(&none_set),
                    )
                    .into()
                } else {
                    Arc::from([])
                };
                for (after, set, side) in [(false, b, &names_b), (true, a, &names_a)] {
                    let Some(set) = set else { continue };
                    for name in side {
                        let key = if outbound {
                            (name.clone(), range.clone())
                        } else {
                            (range.clone(), name.clone())
                        };
                        let row = ext.entry(key).or_default();
                        if after {
                            row.1.union_with(set);
                        } else {
                            row.0.union_with(set);
                        }
                        if b != a && row.2.is_none() {
                            row.2 = Some(w.clone());
                        }
                    }
                }
            }
        }
    }
    let ext_rows: Vec<DiffEntry> = ext
        .into_iter()
        .filter(|(_, (b, a, _))| b != a)
        .map(|((src, dst), (before, after, why))| DiffEntry {
            src,
            dst,
            before,
            after,
            why: why.unwrap_or_else(|| Arc::from([])),
        })
        .collect();
    // Sorted; pod rows are merged into them as they are made.
    let mut ext_entries = merge_external(ext_rows).into_iter().peekable();
    raw.sort_unstable();
    entries.reserve(raw.len());
    for (p, q, id) in raw {
        let (x, y, w) = &changed_pairs[id as usize];
        let (b, a) = &pairs[&(*x, *y)];
        let (src, dst) = (&full_names[p as usize], &full_names[q as usize]);
        while let Some(e) = ext_entries.next_if(|e| (&e.src, &e.dst) < (src, dst)) {
            entries.push(e);
        }
        entries.push(DiffEntry {
            src: full_names[p as usize].clone(),
            dst: full_names[q as usize].clone(),
            before: b.clone(),
            after: a.clone(),
            why: w.clone(),
        });
    }
    if workload {
        for ((p, q), (b, a, witness)) in wl {
            if b == a {
                continue;
            }
            let w = match witness {
                Some((x, y)) => {
                    let (bx, ax) = pairs[&(x, y)].clone();
                    why(x, y, &bx, &ax)
                }
                None => Arc::from([]),
            };
            entries.push(DiffEntry {
                src: names.names[p as usize].clone(),
                dst: names.names[q as usize].clone(),
                before: b,
                after: a,
                why: w,
            });
        }
    }
    if workload {
        entries.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
    }

    let entries = merge_sorted(entries, ext_entries.collect());
    revert(idx, undo);

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

/// An external row being built: before, after, and why it changed.
type ExtRow = (PortSet, PortSet, Option<Arc<[String]>>);

/// Two lists sorted by (src, dst) as one.
fn merge_sorted(mut a: Vec<DiffEntry>, b: Vec<DiffEntry>) -> Vec<DiffEntry> {
    let key = |e: &DiffEntry| (e.src.clone(), e.dst.clone());
    if b.is_empty() {
        return a;
    }
    if a.last().is_none_or(|x| key(x) <= key(&b[0])) {
        a.extend(b);
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if (&x.src, &x.dst) <= (&y.src, &y.dst) {
            a.next()
        } else {
            b.next()
        };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}

/// Applies `changes`, returning the events that undo them (in order).
fn apply(idx: &mut Index, changes: &[Event]) -> Vec<Event> {
    let mut undo = Vec::new();
    for ev in changes {
        undo.extend(inverse(idx, ev));
        idx.apply(ev.clone());
    }
    undo
}

fn revert(idx: &mut Index, undo: Vec<Event>) {
    for ev in undo.into_iter().rev() {
        idx.apply(ev);
    }
}
