//! Phase 4: rows to and from external ranges (only touched pods' rows can
//! change), merged where adjacent ranges changed alike.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::explain::explain_change;
use super::joint::{Joints, Side};
use super::pairs::PodNames;
use super::{Change, DiffEntry};
use crate::engine::connectivity::{external_name, parse_external_name};
use crate::engine::index::Index;
use crate::engine::ipblock::IpRange;
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

/// The changed external rows of the touched joints, merged and sorted.
pub(super) fn rows(
    after: &Index,
    joints: &Joints,
    pod_names: &PodNames,
    side_b: &Side,
    side_a: &Side,
    workload: bool,
) -> Vec<DiffEntry> {
    // External ranges: only touched pods' rows can change. Workload rows
    // are unions over their pods, all of which are touched.
    let mut ext: BTreeMap<(Arc<str>, Arc<str>), ExtRow> = BTreeMap::new();
    let none = BTreeMap::new();
    for (j, jt) in joints
        .list
        .iter()
        .enumerate()
        .filter(|(_, j)| j.key.touched)
    {
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
            let side_names = |after: bool| -> Vec<Arc<str>> {
                if !workload {
                    return pod_names.ranks[j]
                        .iter()
                        .map(|&r| pod_names.full[r as usize].clone())
                        .collect();
                }
                let ids: BTreeSet<u32> = jt
                    .members
                    .iter()
                    .map(|&(_, wb, wa)| if after { wa } else { wb })
                    .filter(|&i| i != u32::MAX)
                    .collect();
                ids.into_iter()
                    .map(|i| joints.names.names[i as usize].clone())
                    .collect()
            };
            let (names_b, names_a) = (side_names(false), side_names(true));
            for (r, b, a) in runs {
                let range: Arc<str> = Arc::from(external_name(&r));
                let w: Arc<[String]> = if b != a {
                    let pod = jt.key.after.map(Endpoint::Class);
                    let ip = Some(Endpoint::Ip(r));
                    let (src, dst) = if outbound { (pod, ip) } else { (ip, pod) };
                    let none_set = PortSet::none();
                    explain_change(
                        after,
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
    let rows: Vec<DiffEntry> = ext
        .into_iter()
        .filter(|(_, (b, a, _))| b != a)
        .map(|((src, dst), (before, after, why))| DiffEntry {
            src,
            dst,
            change: Change::new(before, after, why.unwrap_or_else(|| Arc::from([]))),
        })
        .collect();
    merge_external(rows)
}

/// Adjacent external ranges that changed the same way towards the same
/// endpoint are merged into one range.
pub(super) fn merge_external(entries: Vec<DiffEntry>) -> Vec<DiffEntry> {
    let mut out = Vec::new();
    // (range is the source?, other end, before, after) -> ranges.
    type Key = (bool, Arc<str>, PortSet, PortSet);
    // Ranges merged into one row keep the first one's explanation.
    let mut ext: BTreeMap<Key, (Vec<IpRange>, Arc<[String]>)> = BTreeMap::new();
    for e in entries {
        let (b, a) = (e.before().clone(), e.after().clone());
        let key = match (parse_external_name(&e.src), parse_external_name(&e.dst)) {
            (Some(r), None) => ((true, e.dst.clone(), b, a), r),
            (None, Some(r)) => ((false, e.src.clone(), b, a), r),
            _ => {
                out.push(e);
                continue;
            }
        };
        let slot = ext
            .entry(key.0)
            .or_insert_with(|| (Vec::new(), e.change.why.clone()));
        slot.0.push(key.1);
        if slot.1.is_empty() {
            slot.1 = e.change.why.clone();
        }
    }
    for ((is_src, other, before, after), (mut ranges, why)) in ext {
        let change = Change::new(before, after, why);
        ranges.sort();
        let mut merged: Vec<IpRange> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(m) if m.family == r.family && m.hi.checked_add(1) == Some(r.lo) => m.hi = r.hi,
                _ => merged.push(r),
            }
        }
        for r in merged {
            let name: Arc<str> = Arc::from(external_name(&r));
            let (src, dst) = if is_src {
                (name, other.clone())
            } else {
                (other.clone(), name)
            };
            out.push(DiffEntry {
                src,
                dst,
                change: change.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
    out
}

/// An external row being built: before, after, and why it changed.
type ExtRow = (PortSet, PortSet, Option<Arc<[String]>>);

/// Two lists sorted by (src, dst) as one.
pub(super) fn merge_sorted(mut a: Vec<DiffEntry>, b: Vec<DiffEntry>) -> Vec<DiffEntry> {
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
