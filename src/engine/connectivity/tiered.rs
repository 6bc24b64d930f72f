//! Connectivity when cluster-scoped tier policies exist: every class pair
//! goes through the tier chain (Admin -> NetworkPolicy -> Baseline ->
//! default) on each side. Without tier policies this path is never taken,
//! so NetworkPolicy-only results stay exactly those of the fast path.

use super::classes::ClassConnectivity;
use super::compile::Compiled;
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::model::Direction;
use crate::engine::ports::PortSet;
use crate::engine::tiers::ClusterPolicy;
use crate::engine::verdict::Endpoint;

/// Per class and direction, the cluster-scoped policies that select it
/// with rules for that direction, chosen once per run rather than per pair.
struct TierPols<'a> {
    egress: Vec<Vec<&'a ClusterPolicy>>,
    ingress: Vec<Vec<&'a ClusterPolicy>>,
}

impl<'a> Compiled<'a> {
    fn tier_pols(&self) -> TierPols<'a> {
        let idx: &'a Index = self.idx;
        let cap = idx.class_capacity();
        let mut out = TierPols {
            egress: vec![Vec::new(); cap],
            ingress: vec![Vec::new(); cap],
        };
        for &c in &self.classes {
            for p in idx.tier_policies_for(c) {
                if !p.egress.is_empty() {
                    out.egress[c.index()].push(p);
                }
                if !p.ingress.is_empty() {
                    out.ingress[c.index()].push(p);
                }
            }
        }
        out
    }

    /// One side through the tiers; `np` is NetworkPolicy's answer (None:
    /// the pod is not isolated for this direction).
    fn tiered_side(
        &self,
        pols: &[&ClusterPolicy],
        c: ClassId,
        dir: Direction,
        other: Endpoint,
        np: Option<PortSet>,
    ) -> PortSet {
        if pols.is_empty() {
            return np.unwrap_or_else(PortSet::all);
        }
        self.idx
            .tier_side_with(pols, c, dir, other, np.as_ref())
            .allowed
    }

    /// What `a` may open to `b`, through the tiers on both sides.
    fn tiered_pair(&self, tp: &TierPols, a: ClassId, b: ClassId) -> PortSet {
        let np_e = self.egress[a.index()]
            .is_some()
            .then(|| self.egress_to_class(a, b));
        let e = self.tiered_side(
            &tp.egress[a.index()],
            a,
            Direction::Egress,
            Endpoint::Class(b),
            np_e,
        );
        if e.is_empty() {
            return e;
        }
        let np_i = self.ingress[b.index()]
            .is_some()
            .then(|| self.ingress_from_class(b, a));
        let i = self.tiered_side(
            &tp.ingress[b.index()],
            b,
            Direction::Ingress,
            Endpoint::Class(a),
            np_i,
        );
        e.intersect(&i)
    }

    /// `a`'s rows to and from external ranges, through the tiers.
    fn tiered_external(
        &self,
        tp: &TierPols,
        a: ClassId,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
        out: &mut ClassConnectivity,
    ) {
        for r in dst_ranges {
            let side = &self.egress[a.index()];
            let np = side
                .is_some()
                .then(|| self.side_ports(side, |t| t.contains_range(r), None));
            let p = self.tiered_side(
                &tp.egress[a.index()],
                a,
                Direction::Egress,
                Endpoint::Ip(*r),
                np,
            );
            if !p.is_empty() {
                out.to_external.push((a, *r, p));
            }
        }
        for r in src_ranges {
            let side = &self.ingress[a.index()];
            let np = side
                .is_some()
                .then(|| self.side_ports(side, |t| t.contains_range(r), Some(a)));
            let p = self.tiered_side(
                &tp.ingress[a.index()],
                a,
                Direction::Ingress,
                Endpoint::Ip(*r),
                np,
            );
            if !p.is_empty() {
                out.from_external.push((*r, a, p));
            }
        }
    }

    /// Every class pair and external row, through the tiers.
    pub(super) fn tiered(
        &self,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let tp = self.tier_pols();
        for &a in &self.classes {
            for &b in &self.classes {
                let allowed = self.tiered_pair(&tp, a, b);
                if !allowed.is_empty() {
                    out.pairs.push((a, b, allowed));
                }
            }
            self.tiered_external(&tp, a, dst_ranges, src_ranges, &mut out);
        }
        out
    }

    /// [`Compiled::touching`] and the external rows of `classes`, through
    /// the tiers: every pair with a client or a server among `classes`.
    pub(super) fn tiered_touching(
        &self,
        classes: &[ClassId],
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let tp = self.tier_pols();
        let live = |c: &ClassId| self.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX);
        let mut named: Vec<ClassId> = classes.iter().copied().filter(live).collect();
        named.sort_unstable();
        named.dedup();
        for &a in &self.classes {
            let a_named = named.binary_search(&a).is_ok();
            for &b in &self.classes {
                if !a_named && named.binary_search(&b).is_err() {
                    continue;
                }
                let allowed = self.tiered_pair(&tp, a, b);
                if !allowed.is_empty() {
                    out.pairs.push((a, b, allowed));
                }
            }
        }
        for &a in &named {
            self.tiered_external(&tp, a, dst_ranges, src_ranges, &mut out);
        }
        out
    }
}
