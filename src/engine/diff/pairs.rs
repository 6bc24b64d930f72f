//! Phase 3: pod pairs between joint groups, before and after, and the rows
//! they make: one per pod pair, or per workload pair (the union over its
//! pods, listed once per distinct name pair).

use std::collections::BTreeMap;

use super::FastMap;
use std::sync::Arc;

use super::explain::Words;
use super::external::merge_sorted;
use super::joint::{Joint, Joints, Side};
use super::{Change, DiffEntry};
use crate::engine::index::{ClassId, Index};
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

/// Explanations, computed on the state after.
pub(super) struct Why<'a> {
    pub after: &'a Index,
    pub joints: &'a [Joint],
    pub words: Words,
}

impl Why<'_> {
    pub fn get(&mut self, x: usize, y: usize, b: &PortSet, a: &PortSet) -> Arc<[String]> {
        let ep = |j: usize| self.joints[j].key.after.map(Endpoint::Class);
        self.words.explain(self.after, ep(x), ep(y), b, a)
    }
}

/// Pod output names: every member of every joint ranked by `ns/pod`
/// (pod granularity; empty for workloads).
pub(super) struct PodNames {
    /// Per joint, per member: the rank of its name.
    pub ranks: Vec<Vec<u32>>,
    /// Names by rank.
    pub full: Vec<Arc<str>>,
}

/// Workload rows: (before, after, witness: index into `changed`).
type WlRow = (PortSet, PortSet, Option<u32>);

/// A changed joint pair: (x, y, the change; its why only for pods, shared
/// by the pair's pod rows).
type Changed = (usize, usize, Arc<Change>);

pub(super) struct Rows<'a> {
    joints: &'a Joints,
    workload: bool,
    why: Why<'a>,
    pub names: PodNames,
    /// Pods: per joint x, its changed pairs (y, index into `changed`).
    targets: Vec<Vec<(u32, u32)>>,
    changed: Vec<Changed>,
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
        // Joint pairs: rows before and after, by class pair. Joints by
        // class index (a class has few joints, most one).
        let cap = joints
            .iter()
            .flat_map(|j| [j.key.before, j.key.after])
            .flatten()
            .map(|c| c.index() + 1)
            .max()
            .unwrap_or(0);
        let mut by_before: Vec<Vec<usize>> = vec![Vec::new(); cap];
        let mut by_after: Vec<Vec<usize>> = vec![Vec::new(); cap];
        for (j, jt) in joints.iter().enumerate() {
            if let Some(c) = jt.key.before {
                by_before[c.index()].push(j);
            }
            if let Some(c) = jt.key.after {
                by_after[c.index()].push(j);
            }
        }
        fn by(v: &[Vec<usize>], c: ClassId) -> Option<&[usize]> {
            v.get(c.index())
                .map(Vec::as_slice)
                .filter(|s| !s.is_empty())
        }
        // About one joint per class: sized for the larger side's rows.
        let mut pairs: FastMap<(usize, usize), (PortSet, PortSet)> =
            FastMap::with_capacity_and_hasher(
                side_b.rows.len().max(side_a.rows.len()),
                Default::default(),
            );
        let relevant = |x: usize, y: usize| joints[x].key.touched || joints[y].key.touched;
        for (after, rows, by_j) in [
            (false, &side_b.rows, &by_before[..]),
            (true, &side_a.rows, &by_after[..]),
        ] {
            for ((a, b), p) in rows {
                let (Some(xs), Some(ys)) = (by(by_j, *a), by(by_j, *b)) else {
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
            words: Words::default(),
        };
        // Pods: rank every member by its name `ns/pod` (namespaces ordered by
        // `ns/`, then pod names) so that entries sort as integers.
        let mut ranks: Vec<Vec<u32>> = joints.iter().map(|j| vec![0; j.members.len()]).collect();
        let mut full_names: Vec<Arc<str>> = Vec::new();
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
                    full_names.push(Arc::from(format!("{prefix}{m}")));
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
        let mut targets: Vec<Vec<(u32, u32)>> =
            vec![Vec::new(); if workload { 0 } else { joints.len() }];
        let mut changed: Vec<Changed> = Vec::new();
        let mut order: Vec<((usize, usize), (PortSet, PortSet))> = pairs.into_iter().collect();
        order.sort_unstable_by_key(|e| e.0);
        // Workload rows: (name before/after ids) -> (before, after, witness).
        let mut wl: FastMap<(u32, u32), WlRow> = FastMap::default();
        for ((x, y), (b, a)) in order {
            if b == a {
                if workload && !b.is_empty() {
                    wl_rows(&mut wl, &distinct, x, y, &b, &a, None);
                }
                continue;
            }
            if !b.is_empty() {
                changed_pod_pairs += pod_pairs(x, y);
            }
            let id = changed.len() as u32;
            if !workload {
                let w = why.get(x, y, &b, &a);
                targets[x].push((y as u32, id));
                changed.push((x, y, Change::new(b, a, w)));
                continue;
            }
            wl_rows(&mut wl, &distinct, x, y, &b, &a, Some(id));
            changed.push((x, y, Change::new(b, a, Arc::from([]))));
        }
        Rows {
            joints: all,
            workload,
            why,
            names: PodNames {
                ranks,
                full: full_names,
            },
            targets,
            changed,
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
            mut why,
            names: PodNames {
                ranks,
                full: full_names,
            },
            targets,
            changed,
            wl,
            ..
        } = self;
        let names = &joints.names;
        // Sorted; pod rows are merged into them as they are made.
        let mut ext_entries = ext.into_iter().peekable();
        // Pod rows in (src, dst) order without sorting them all: every
        // member of a joint has the same changed pairs, so each joint's
        // (dst rank, change) list is sorted once and replayed for each of
        // its members, in rank order (a pod's row with itself is skipped).
        let mut rows_of: Vec<Vec<(u32, u32)>> = vec![Vec::new(); targets.len()];
        let mut count = 0;
        for (x, ts) in targets.iter().enumerate() {
            let list = &mut rows_of[x];
            for &(y, id) in ts {
                list.extend(ranks[y as usize].iter().map(|&q| (q, id)));
            }
            list.sort_unstable();
            let own = ts.iter().any(|&(y, _)| y as usize == x);
            count += ranks[x].len() * (list.len() - usize::from(own));
        }
        // Pods by rank: their joint (workloads: no pod names, no ranks).
        let mut joint_of = vec![0u32; full_names.len()];
        for (x, rs) in ranks.iter().enumerate().filter(|_| !workload) {
            for &p in rs {
                joint_of[p as usize] = x as u32;
            }
        }
        let mut entries = Vec::with_capacity(count + wl.len() + ext_entries.len());
        for (p, src) in full_names.iter().enumerate() {
            for &(q, id) in &rows_of[joint_of[p] as usize] {
                if q as usize == p {
                    continue;
                }
                let dst = &full_names[q as usize];
                while let Some(e) = ext_entries.next_if(|e| (&e.src, &e.dst) < (src, dst)) {
                    entries.push(e);
                }
                entries.push(DiffEntry {
                    src: src.clone(),
                    dst: dst.clone(),
                    change: changed[id as usize].2.clone(),
                });
            }
        }
        if workload {
            let none: Arc<[String]> = Arc::from([]);
            // Explanations per witness, computed once each.
            let mut said: Vec<Option<Arc<[String]>>> = vec![None; changed.len()];
            // Rows in name order, sorted as integers: names are interned
            // (distinct), so ranking them once orders the rows as strings.
            let mut by_name: Vec<u32> = (0..names.names.len() as u32).collect();
            by_name
                .sort_unstable_by(|&x, &y| names.names[x as usize].cmp(&names.names[y as usize]));
            let mut rank = vec![0u32; by_name.len()];
            for (r, &n) in by_name.iter().enumerate() {
                rank[n as usize] = r as u32;
            }
            let mut rows: Vec<_> = wl.into_iter().filter(|(_, (b, a, _))| b != a).collect();
            rows.sort_unstable_by_key(|&((p, q), _)| (rank[p as usize], rank[q as usize]));
            for ((p, q), (b, a, witness)) in rows {
                let w = match witness {
                    Some(id) => said[id as usize]
                        .get_or_insert_with(|| {
                            let (x, y, c) = &changed[id as usize];
                            why.get(*x, *y, &c.before, &c.after)
                        })
                        .clone(),
                    None => none.clone(),
                };
                entries.push(DiffEntry {
                    src: names.names[p as usize].clone(),
                    dst: names.names[q as usize].clone(),
                    change: Change::new(b, a, w),
                });
            }
            debug_assert!(entries.is_sorted_by(|a, b| (&a.src, &a.dst) < (&b.src, &b.dst)));
        }
        merge_sorted(entries, ext_entries.collect())
    }
}

/// Adds joint pair (x, y)'s sets to the workload rows of its distinct
/// names on each side; a workload's row with itself is not listed, so
/// same-name pairs drop out. `witness`: the pair changed (index into
/// `changed`), kept by the rows it is the first change of.
fn wl_rows(
    wl: &mut FastMap<(u32, u32), WlRow>,
    distinct: &[Vec<Vec<u32>>; 2],
    x: usize,
    y: usize,
    b: &PortSet,
    a: &PortSet,
    witness: Option<u32>,
) {
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
                if witness.is_some() && row.2.is_none() {
                    row.2 = witness;
                }
            }
        }
    }
}
