//! The diff as the panel's list rows.

use std::collections::BTreeMap;

use crate::engine::diff::Diff;

use super::{Change, DiffRow};

pub use crate::engine::text::ns_of;

/// The diff as list rows: lost then gained, grouped by namespace pair, then
/// the findings introduced and resolved. With recorded traffic
/// (`observed[i]` for `d.entries[i]`), lost groups and rows that carried
/// traffic come first, most traffic first.
pub fn build_rows(d: &Diff, linted: bool, observed: &[u64]) -> Vec<DiffRow> {
    let seen = |i: &usize| observed.get(*i).copied().unwrap_or(0);
    let mut rows = Vec::new();
    for change in [Change::Lost, Change::Gained] {
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (i, e) in d.entries.iter().enumerate() {
            let ports = match change {
                Change::Lost => e.lost(),
                Change::Gained => e.gained(),
            };
            if !ports.is_empty() {
                groups
                    .entry((ns_of(&e.src), ns_of(&e.dst)))
                    .or_default()
                    .push(i);
            }
        }
        let n = groups.values().map(Vec::len).sum();
        if !rows.is_empty() {
            rows.push(DiffRow::Blank);
        }
        rows.push(DiffRow::Heading(change, n));
        if n == 0 {
            rows.push(DiffRow::Note("none"));
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        if change == Change::Lost && observed.iter().any(|&n| n > 0) {
            for (_, entries) in &mut groups {
                entries.sort_by_key(|i| std::cmp::Reverse(seen(i)));
            }
            groups.sort_by_key(|(_, e)| std::cmp::Reverse(e.iter().map(seen).sum::<u64>()));
        }
        for ((a, b), entries) in groups {
            rows.push(DiffRow::Pair(change, a.to_string(), b.to_string()));
            rows.extend(entries.into_iter().map(|i| DiffRow::Entry(change, i)));
        }
    }
    for (introduced, list) in [
        (true, &d.findings_introduced),
        (false, &d.findings_resolved),
    ] {
        rows.push(DiffRow::Blank);
        rows.push(DiffRow::FindingsHeading(introduced, list.len()));
        if !linted {
            rows.push(DiffRow::Note("not computed: the cluster is too big"));
        } else if list.is_empty() {
            rows.push(DiffRow::Note("none"));
        }
        rows.extend((0..list.len()).map(|i| DiffRow::Finding(introduced, i)));
    }
    rows
}
