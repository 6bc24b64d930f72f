//! What the default-deny bundle (`proposal::default_deny_policies`) would
//! cut, for every namespace: the rollout view's numbers. Each namespace gets
//! the what-if's own computation ([`preview`] by workload, and the recorded
//! connections whose status becomes would-be-cut), so the view, the what-if
//! and `diff --apply` agree by construction. What makes it scale:
//!
//! - the recorded side only looks at connections with an end in the
//!   namespace: a policy of namespace N selects only pods of N, so no other
//!   connection's verdict can change;
//! - the proposal is built from the typed policies, not from YAML;
//! - the current state is compiled once (and its pair total counted once),
//!   not once per namespace;
//! - namespaces are spread over the cores (each preview only reads the
//!   shared index).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::attribute::Attributed;
use super::status::{Status, rows};
use crate::engine::connectivity::Granularity;
use crate::engine::connectivity::Prepared;
use crate::engine::diff::{PreviewOptions, preview_on};
use crate::engine::index::Index;
use crate::engine::proposal::{Change, Proposal, default_deny_policies};

/// What the default-deny bundle of one namespace would cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Rows the what-if lists as lost (workload pairs and external ranges,
    /// as `diff` counts them).
    pub lost: usize,
    /// Recorded connections it would cut (None: no recording).
    pub recorded: Option<u64>,
}

/// The bundle as a proposal (what loading its YAML gives).
pub fn default_deny_proposal(ns: &str) -> Proposal {
    Proposal::new(
        default_deny_policies(ns)
            .into_iter()
            .map(Change::UpsertPolicy)
            .collect(),
    )
}

/// One namespace's cut.
pub fn cut(idx: &Index, att: Option<&Attributed>, ns: &str) -> Cut {
    cut_on(&Prepared::new(idx), att, ns)
}

/// [`cut`] on the current state compiled beforehand (once for all
/// namespaces).
fn cut_on(before: &Prepared, att: Option<&Attributed>, ns: &str) -> Cut {
    let proposal = default_deny_proposal(ns);
    let d = preview_on(
        before,
        &proposal,
        &PreviewOptions::new(Granularity::Workload),
    );
    let lost = d.entries.iter().filter(|e| !e.lost().is_empty()).count();
    let recorded = att.map(|att| {
        let mine = Attributed {
            index: att.index.clone(),
            ghosts: vec![],
            conns: att
                .conns
                .iter()
                .filter(|c| c.from.namespace() == Some(ns) || c.to.namespace() == Some(ns))
                .cloned()
                .collect(),
            unresolved: Default::default(),
            half: vec![],
        };
        let mut after = att.index.clone();
        after.apply_all(proposal.events());
        rows(&mine, Some(&after), Granularity::Workload)
            .into_iter()
            .filter(|r| r.status == Status::WouldBeCut)
            .map(|r| r.stats.count())
            .sum()
    });
    Cut { lost, recorded }
}

/// [`cut`] for each of `namespaces`, on up to `threads` threads; in order.
pub fn cuts(
    idx: &Index,
    att: Option<&Attributed>,
    namespaces: &[String],
    threads: usize,
) -> Vec<Cut> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(vec![None; namespaces.len()]);
    let work = || {
        // Compiled once per thread (it is not shared across threads).
        let before = Prepared::new(idx);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(ns) = namespaces.get(i) else { return };
            let c = cut_on(&before, att, ns);
            if let Ok(mut o) = out.lock() {
                o[i] = Some(c);
            }
        }
    };
    let threads = threads.clamp(1, namespaces.len().max(1));
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    let out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    // A slot is empty only if its thread panicked, which scope re-raises.
    out.into_iter()
        .zip(namespaces)
        .map(|(c, ns)| c.unwrap_or_else(|| cut(idx, att, ns)))
        .collect()
}
