//! Phase 3: pod pairs between joint groups, before and after, and the rows
//! they make: one per pod pair, or per workload pair (the union over its
//! pods, listed once per distinct name pair).

use std::collections::BTreeMap;

use super::FastMap;
use std::sync::Arc;

use super::DiffEntry;
use super::explain::Words;
use super::external::merge_sorted;
use super::joint::{Joint, Joints, Side};
use crate::engine::index::{ClassId, Index};
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

/// Explanations per joint pair, computed once on the state after.
pub(super) struct Why<'a> {
    pub after: &'a Index,
    pub joints: &'a [Joint],
    pub cache: FastMap<(usize, usize), Arc<[String]>>,
    pub words: Words,
}

impl Why<'_> {
    pub fn get(&mut self, x: usize, y: usize, b: &PortSet, a: &PortSet) -> Arc<[String]> {
        let (idx, joints, words) = (self.after, self.joints, &mut self.words);
        self.cache
            .entry((x, y))
            .or_insert_with(|| {
                let ep = |j: usize| joints[j].key.after.map(Endpoint::Class);
                words.explain(idx, ep(x), ep(y), b, a)
            })
            .clone()
    }
}

/// Pod output names: every member of every joint ranked by `ns/pod`
/// (pod granularity; empty for workloads).
pub(super) struct PodNames {
    /// Per joint, per member: the rank of its name.
    pub ranks: Vec<Vec<u32>>,
    /// Names by rank.
    pub full: Vec<String>,
}

/// Workload rows: (before, after, witness joint pair).
type WlRow = (PortSet, PortSet, Option<(usize, usize)>);

pub(super) struct Rows<'a> {
    joints: &'a Joints,
    workload: bool,
    pairs: FastMap<(usize, usize), (PortSet, PortSet)>,
    why: Why<'a>,
    pub names: PodNames,
    /// Changed pod pairs: (src rank, dst rank, index into `changed_pairs`).
    raw: Vec<(u32, u32, u32)>,
    changed_pairs: Vec<(usize, usize, Arc<[String]>)>,
    wl: FastMap<(u32, u32), WlRow>,
    /// Pod pairs allowed something before whose set changed.
    pub changed_pod_pairs: u64,
}

impl<'a> Rows<'a> {
    pub fn of(
        after: &'a Index,
        all: &'a Joints,
        side_b: &Side,
        side_a: &Side,
        workload: bool,
    ) -> Rows<'a> {
        let joints = &all.list[..];
        // Joint pairs: rows before and after, by class pair.
        let mut by_before: FastMap<ClassId, Vec<usize>> = FastMap::default();
        let mut by_after: FastMap<ClassId, Vec<usize>> = FastMap::default();
        for (j, jt) in joints.iter().enumerate() {
            if let Some(c) = jt.key.before {
                by_before.entry(c).or_default().push(j);
            }
            if let Some(c) = jt.key.after {
                by_after.entry(c).or_default().push(j);
            }
        }
        let mut pairs: FastMap<(usize, usize), (PortSet, PortSet)> = FastMap::default();
        let relevant = |x: usize, y: usize| joints[x].key.touched || joints[y].key.touched;
        for (after, rows, by) in [
            (false, &side_b.rows, &by_before),
            (true, &side_a.rows, &by_after),
        ] {
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
        let mut why = Why {
            after,
            joints,
            cache: FastMap::default(),
            words: Words::default(),
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
        // Per joint, its distinct output names before and after (workloads).
        let distinct: [Vec<Vec<u32>>; 2] = [false, true].map(|after| {
            if !workload {
                return Vec::new();
            }
            joints
                .iter()
                .map(|j| {
                    let mut v: Vec<u32> = (j.members.iter())
                        .map(|&(_, wb, wa)| if after { wa } else { wb })
                        .filter(|&n| n != u32::MAX)
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect()
        });
        let mut raw: Vec<(u32, u32, u32)> = Vec::new();
        let mut changed_pairs: Vec<(usize, usize, Arc<[String]>)> = Vec::new();
        let mut order: Vec<(usize, usize)> = pairs.keys().copied().collect();
        order.sort_unstable();
        // Workload rows: (name before/after ids) -> (before, after, witness pair).
        let mut wl: FastMap<(u32, u32), WlRow> = FastMap::default();
        for (x, y) in order {
            let (b, a) = &pairs[&(x, y)];
            let changed = b != a;
            if changed && !b.is_empty() {
                changed_pod_pairs += pod_pairs(x, y);
            }
            if !workload {
                if changed {
                    let id = changed_pairs.len() as u32;
                    changed_pairs.push((x, y, why.get(x, y, b, a)));
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
            for (after, set) in [(false, b), (true, a)] {
                if set.is_empty() {
                    continue;
                }
                let (ns_x, ns_y) = (&distinct[after as usize][x], &distinct[after as usize][y]);
                for &p in ns_x {
                    for &q in ns_y {
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
        Rows {
            joints: all,
            workload,
            pairs,
            why,
            names: PodNames {
                ranks,
                full: full_names,
            },
            raw,
            changed_pairs,
            wl,
            changed_pod_pairs,
        }
    }

    /// All rows, sorted by (src, dst), with `ext` (sorted external rows)
    /// merged in.
    pub fn entries(self, ext: Vec<DiffEntry>) -> Vec<DiffEntry> {
        let Rows {
            joints,
            workload,
            pairs,
            mut why,
            names: PodNames {
                full: full_names, ..
            },
            mut raw,
            changed_pairs,
            wl,
            ..
        } = self;
        let names = &joints.names;
        // Sorted; pod rows are merged into them as they are made.
        let mut ext_entries = ext.into_iter().peekable();
        raw.sort_unstable();
        let mut entries = Vec::with_capacity(raw.len());
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
                        let (bx, ax) = &pairs[&(x, y)];
                        why.get(x, y, bx, ax)
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
        merge_sorted(entries, ext_entries.collect())
    }
}
