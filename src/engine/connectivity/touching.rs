//! What a change touching some classes can alter: the work of a what-if
//! is proportional to the classes it names.

use super::classes::pod_pair_count;
use super::compile::Compiled;
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::ports::PortSet;

/// What a change touching some classes can alter, in one state.
#[derive(Debug, Default)]
pub struct Touching {
    /// Allowed pairs with a client or a server among the classes.
    pub pairs: Vec<(ClassId, ClassId, PortSet)>,
    /// The classes' connections to and from external ranges.
    pub to_external: Vec<(ClassId, IpRange, PortSet)>,
    pub from_external: Vec<(IpRange, ClassId, PortSet)>,
    /// Allowed ordered pod pairs of the whole state, when asked for.
    pub total: Option<u64>,
}

/// One state compiled once for several [`touching_on`] calls: the what-ifs
/// of many proposals on the same state (the rollout view's one per
/// namespace) share its compilation and its pair total (both kept on the
/// index's memo, so a fork of it starts from them).
pub struct Prepared<'a> {
    cc: Compiled<'a>,
}

impl<'a> Prepared<'a> {
    pub fn new(idx: &'a Index) -> Self {
        Prepared {
            cc: Compiled::new(idx),
        }
    }

    pub fn index(&self) -> &'a Index {
        self.cc.idx
    }

    /// [`Prepared::total`] if counted already.
    pub fn counted(&self) -> Option<u64> {
        self.cc.pod_pair_total()
    }

    /// Allowed ordered pod pairs of the whole state: counted once, then
    /// kept on the index's memo with the compilation. Calling this ahead
    /// of time (the TUI does, once the index is quiet) makes the next
    /// what-if of this state start warm.
    pub fn total(&self) -> u64 {
        let cc = &self.cc;
        *cc.pod_pair_total.get_or_init(|| match cc.idx.has_tiers() {
            true => pod_pair_count(cc.idx, &cc.tiered(&[], &[])),
            false => cc.count_pod_pairs(),
        })
    }
}

/// Every allowed pair with a client or a server among `classes` (open
/// pairs included), the classes' external rows on the given partitions,
/// and optionally the number of allowed pod pairs of the whole state, on
/// one compilation. Apart from the total, the cost is proportional to the
/// classes named, not to the cluster's pairs.
pub fn touching(
    idx: &Index,
    classes: &[ClassId],
    dst_ranges: &[IpRange],
    src_ranges: &[IpRange],
    with_total: bool,
) -> Touching {
    touching_on(
        &Prepared::new(idx),
        classes,
        dst_ranges,
        src_ranges,
        with_total,
    )
}

/// [`touching`] on a state compiled beforehand.
pub fn touching_on(
    p: &Prepared,
    classes: &[ClassId],
    dst_ranges: &[IpRange],
    src_ranges: &[IpRange],
    with_total: bool,
) -> Touching {
    let cc = &p.cc;
    let idx = cc.idx;
    if idx.has_tiers() {
        let t = cc.tiered_touching(classes, dst_ranges, src_ranges);
        return Touching {
            pairs: t.pairs,
            to_external: t.to_external,
            from_external: t.from_external,
            total: with_total.then(|| p.total()),
        };
    }
    let pairs = cc.touching(classes, classes);
    let total = with_total.then(|| p.total());
    let mut out = Touching {
        pairs,
        total,
        ..Default::default()
    };
    for &c in classes {
        if cc.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX) {
            let (to, from) = cc.external_rows(c, dst_ranges, src_ranges);
            out.to_external.extend(to);
            out.from_external.extend(from);
        }
    }
    out
}

/// Prepares `after`, a fork of `before`, for [`touching`]: when the fork
/// differs only by NetworkPolicies, its compilation is `before`'s with the
/// changed namespaces compiled again, instead of every policy of the
/// cluster. Otherwise `after` is compiled in full when first asked.
pub fn compile_fork(before: &Index, after: &Index) {
    if after.memo().get().is_some() {
        return;
    }
    let Some(namespaces) = before.policy_only_fork(after) else {
        return;
    };
    let base = Compiled::new(before);
    if let Some(d) = base.patched(after, &namespaces) {
        let _ = after.memo().set(std::sync::Arc::new(d));
    }
}

impl Compiled<'_> {
    pub(super) fn touching(
        &self,
        clients: &[ClassId],
        servers: &[ClassId],
    ) -> Vec<(ClassId, ClassId, PortSet)> {
        let cc = self;
        let mut out = Vec::new();
        let mut acc: Vec<Option<PortSet>> = vec![None; cc.idx.class_capacity()];
        let mut touched = Vec::new();
        let live = |c: &ClassId| cc.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX);
        let mut cl: Vec<ClassId> = clients.iter().copied().filter(live).collect();
        cl.sort_unstable();
        cl.dedup();
        for &a in &cl {
            cc.client_pairs(a, true, &mut acc, &mut touched, &mut out);
        }
        let mut sv: Vec<ClassId> = servers.iter().copied().filter(live).collect();
        sv.sort_unstable();
        sv.dedup();
        // Who can reach a server: the egress-open classes, and the owners
        // of the egress rules that admit it (reverse index); any other
        // client's egress allows it nothing.
        let open: Vec<ClassId> = (cc.classes.iter().copied())
            .filter(|a| cc.egress[a.index()].is_none())
            .collect();
        let mut clients: Vec<ClassId> = Vec::new();
        for &b in &sv {
            clients.clear();
            clients.extend_from_slice(&open);
            let n = cc.class_ns[b.index()] as usize;
            for &ri in cc
                .eg_all
                .iter()
                .chain(&cc.eg_by_ns[n])
                .chain(&cc.eg_by_class[b.index()])
            {
                clients.extend(cc.owners[ri].iter().copied());
            }
            clients.sort_unstable();
            clients.dedup();
            for &a in &clients {
                if cl.binary_search(&a).is_ok() {
                    continue; // already complete above
                }
                let e = cc.egress_to_class(a, b);
                if e.is_empty() {
                    continue;
                }
                let allowed = e.intersect(&cc.ingress_from_class(b, a));
                if !allowed.is_empty() {
                    out.push((a, b, allowed));
                }
            }
        }
        out
    }
}
