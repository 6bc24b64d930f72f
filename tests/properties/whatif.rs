//! What-if properties: a preview equals the diff of two full reports, on
//! any proposal and on policy-only proposals (the incremental compilation).

use netpol_tui::engine::connectivity::{Granularity, report_pair};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::*;
use netpol_tui::engine::proposal::Change;
use proptest::prelude::*;

use super::{pod_strategy, policy_strategy, regressions, snapshot_strategy};

pub(super) fn change_strategy() -> impl Strategy<Value = Vec<Change>> {
    let ev = prop_oneof![
        policy_strategy(7).prop_map(Change::UpsertPolicy),
        (0..3usize, 0..5usize).prop_map(|(ns, i)| Change::DeletePolicy(PolicyKey::new(
            &format!("n{ns}"),
            &format!("p{i}")
        ))),
        pod_strategy(2).prop_map(Change::UpsertPod),
        pod_strategy(9).prop_map(Change::UpsertPod),
        (0..3usize, 0..7usize).prop_map(|(ns, i)| Change::DeletePod(PodKey::new(
            &format!("n{ns}"),
            &format!("pod{i}")
        ))),
        (0..3usize, 0..3usize).prop_map(|(i, t)| Change::UpsertNamespace(Namespace::new(
            format!("n{i}"),
            Labels::from([("team".to_string(), format!("t{t}"))])
        ))),
    ];
    proptest::collection::vec(ev, 1..4)
}

/// A what-if equals the diff of two full reports (before, after), and
/// leaves the index as it was.
fn check_what_if(s: Snapshot, changes: Vec<Change>, workload: bool) -> Result<(), TestCaseError> {
    use netpol_tui::engine::diff::{PreviewOptions, diff_reports, preview};
    use netpol_tui::engine::proposal::Proposal;
    let g = if workload {
        Granularity::Workload
    } else {
        Granularity::Pod
    };
    let idx = Index::from_snapshot(s.clone());
    let before_snapshot = idx.snapshot();
    let proposal = Proposal::new(changes);
    let d = preview(&idx, &proposal, &PreviewOptions::new(g));
    // The index is left as it was.
    let restored = idx.snapshot();
    prop_assert_eq!(format!("{:?}", restored), format!("{:?}", before_snapshot));

    let mut after = Index::from_snapshot(s.clone());
    after.apply_all(proposal.events());
    // External ranges included, cut on both states' ipBlocks.
    let (before_r, after_r) = report_pair(&Index::from_snapshot(s), &after, g);
    let full = diff_reports(&before_r, &after_r);
    let got: Vec<(String, String, String, String)> = d
        .entries
        .iter()
        .map(|e| {
            (
                e.src.to_string(),
                e.dst.to_string(),
                e.before().to_string(),
                e.after().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, String)> = full
        .iter()
        .map(|e| {
            (
                e.src.to_string(),
                e.dst.to_string(),
                e.before().to_string(),
                e.after().to_string(),
            )
        })
        .collect();
    prop_assert_eq!(got, want);
    if !workload {
        let unchanged = before_r
            .internal
            .iter()
            .filter(|r| {
                after_r
                    .internal
                    .iter()
                    .any(|x| x.src == r.src && x.dst == r.dst && x.ports == r.ports)
            })
            .count() as u64;
        prop_assert_eq!(d.unchanged_pairs, unchanged);
    }
    Ok(())
}

/// Proposals that only add, replace or delete NetworkPolicies: the what-if
/// compiles the fork from the index's compilation, recompiling only the
/// changed namespaces.
fn policy_change_strategy() -> impl Strategy<Value = Vec<Change>> {
    let ev = prop_oneof![
        (0..8usize)
            .prop_flat_map(policy_strategy)
            .prop_map(Change::UpsertPolicy),
        (0..3usize, 0..8usize).prop_map(|(ns, i)| Change::DeletePolicy(PolicyKey::new(
            &format!("n{ns}"),
            &format!("p{i}")
        ))),
    ];
    proptest::collection::vec(ev, 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn incremental_what_if_equals_a_full_diff(s in snapshot_strategy(), changes in change_strategy(), workload in proptest::bool::ANY) {
        check_what_if(s, changes, workload)?;
    }

    #[test]
    fn policy_only_what_if_equals_a_full_diff(s in snapshot_strategy(), changes in policy_change_strategy(), workload in proptest::bool::ANY) {
        check_what_if(s, changes, workload)?;
    }

    /// The first preview of a fresh index counts its pod pairs on a second
    /// thread beside the comparison; the next ones reuse the count: both
    /// give the same diff, equal to one on an index counted beforehand.
    #[test]
    fn a_first_what_if_equals_a_warm_one(s in snapshot_strategy(), changes in change_strategy(), workload in proptest::bool::ANY) {
        use netpol_tui::engine::connectivity::Prepared;
        use netpol_tui::engine::diff::{PreviewOptions, preview};
        use netpol_tui::engine::proposal::Proposal;
        let g = if workload { Granularity::Workload } else { Granularity::Pod };
        let proposal = Proposal::new(changes);
        let idx = Index::from_snapshot(s.clone());
        let first = preview(&idx, &proposal, &PreviewOptions::new(g));
        let warm = preview(&idx, &proposal, &PreviewOptions::new(g));
        let counted = Index::from_snapshot(s);
        Prepared::new(&counted).total();
        let ahead = preview(&counted, &proposal, &PreviewOptions::new(g));
        prop_assert_eq!(format!("{first:?}"), format!("{warm:?}"));
        prop_assert_eq!(format!("{first:?}"), format!("{ahead:?}"));
    }

    /// The fork's compilation patched from the index's (changed namespaces
    /// only) gives the connectivity of a compilation from scratch.
    #[test]
    fn patched_compilation_equals_a_fresh_one(s in snapshot_strategy(), changes in policy_change_strategy()) {
        use netpol_tui::engine::connectivity::{class_connectivity, compile_fork};
        use netpol_tui::engine::proposal::Proposal;
        let idx = Index::from_snapshot(s.clone());
        let events: Vec<Event> = Proposal::new(changes).events().collect();
        let _ = class_connectivity(&idx); // compiled, as a TUI session has it
        let mut fork = idx.clone();
        fork.apply_all(events.clone());
        compile_fork(&idx, &fork);
        let mut fresh = Index::from_snapshot(s);
        fresh.apply_all(events);
        prop_assert_eq!(format!("{:?}", class_connectivity(&fork)), format!("{:?}", class_connectivity(&fresh)));
    }
}
