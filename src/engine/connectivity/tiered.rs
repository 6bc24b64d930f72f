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
                    continue;
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
                let allowed = e.intersect(&i);
                if !allowed.is_empty() {
                    out.pairs.push((a, b, allowed));
                }
            }
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
        out
    }
}
