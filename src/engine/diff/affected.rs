//! Phase 1: the pods whose rows a proposal can change, in either state.

use std::collections::BTreeSet;

use crate::engine::connectivity::CutBlocks;
use crate::engine::index::Index;
use crate::engine::ipblock::IpRange;
use crate::engine::model::PodKey;
use crate::engine::proposal::Change;

/// What the comparison looks at.
pub(super) struct Scope {
    /// Pods a change touches (selected before or after by a changed
    /// policy, or changed themselves, or in a relabelled namespace).
    pub touched: BTreeSet<PodKey>,
    /// `touched` plus every pod of their workloads (workload rows are
    /// unions over their pods), in both states.
    pub touched_all: BTreeSet<PodKey>,
    /// External ranges, cut on both states' ipBlocks (to, from).
    pub parts: (Vec<IpRange>, Vec<IpRange>),
}

impl Scope {
    pub fn of(before: &Index, after: &Index, changes: &[Change], workload: bool) -> Scope {
        let mut touched = BTreeSet::new();
        affected_before(before, changes, &mut touched);
        let mut workloads = if workload {
            workload_names(before, &touched)
        } else {
            BTreeSet::new()
        };
        affected_after(after, changes, &mut touched);
        if workload {
            workloads.extend(workload_names(after, &touched));
        }
        let touched_all = with_workload_pods(after, &touched, &workloads);
        let touched_all = with_workload_pods(before, &touched_all, &workloads);
        let mut cuts = CutBlocks::of(before);
        cuts.extend(match before.policy_only_fork(after) {
            // Ranges are cut at the set of ipBlock bounds: after, only the
            // changed namespaces' policies can add some.
            Some(nss) => {
                CutBlocks::of_policies(after, nss.iter().flat_map(|n| after.policies_in(n)))
            }
            None => CutBlocks::of(after),
        });
        Scope {
            touched,
            touched_all,
            parts: cuts.partitions(),
        }
    }
}

/// Pods whose pairs a change can alter, in the state before.
fn affected_before(idx: &Index, changes: &[Change], out: &mut BTreeSet<PodKey>) {
    for ev in changes {
        match ev {
            Change::UpsertPolicy(p) => {
                if let Some(old) = idx.policy(&p.key()) {
                    out.extend(idx.selected_pods(old));
                }
            }
            Change::DeletePolicy(k) => {
                if let Some(old) = idx.policy(k) {
                    out.extend(idx.selected_pods(old));
                }
            }
            Change::UpsertPod(p) => {
                out.insert(p.key());
            }
            Change::DeletePod(k) => {
                out.insert(k.clone());
            }
            Change::UpsertNamespace(ns) => {
                if idx.ns_labels(&ns.name).as_ref() != &ns.labels {
                    out.extend(idx.pods_in(&ns.name).cloned());
                }
            }
            Change::DeleteNamespace(name) => out.extend(idx.pods_in(name).cloned()),
            // A cluster-scoped policy only changes the sides of its subject.
            Change::UpsertClusterPolicy(p) => out.extend(idx.tier_subject_pods(&p.key())),
            Change::DeleteClusterPolicy(k) => out.extend(idx.tier_subject_pods(k)),
        }
    }
}

/// Policies in their new version select these pods.
fn affected_after(idx: &Index, changes: &[Change], out: &mut BTreeSet<PodKey>) {
    for ev in changes {
        if let Change::UpsertPolicy(p) = ev
            && let Some(now) = idx.policy(&p.key())
        {
            out.extend(idx.selected_pods(now));
        }
        if let Change::UpsertClusterPolicy(p) = ev {
            out.extend(idx.tier_subject_pods(&p.key()));
        }
    }
}

/// Workload names of the pods of `pods` that exist in `idx`.
fn workload_names(idx: &Index, pods: &BTreeSet<PodKey>) -> BTreeSet<String> {
    pods.iter()
        .filter(|k| idx.pod_class(k).is_some())
        .map(|k| idx.workload_of(k))
        .collect()
}

/// `pods` plus every pod of `idx` that belongs to one of `workloads` (a
/// workload row is the union over its pods).
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
