//! Connectivity when cluster-scoped tier policies exist: every class pair
//! goes through the tier chain (Admin -> NetworkPolicy -> Baseline ->
//! default) on each side. Without tier policies this path is never taken,
//! so NetworkPolicy-only results stay exactly those of the fast path.

use super::classes::ClassConnectivity;
use super::compile::Compiled;
use crate::engine::index::ClassId;
use crate::engine::ipblock::IpRange;
use crate::engine::model::Direction;
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

impl Compiled<'_> {
    /// One side through the tiers; `np` is NetworkPolicy's answer (None:
    /// the pod is not isolated for this direction).
    fn tiered_side(
        &self,
        c: ClassId,
        dir: Direction,
        other: Endpoint,
        np: Option<PortSet>,
    ) -> PortSet {
        match self.idx.tier_side(c, dir, other, np.as_ref()) {
            Some(t) => t.allowed,
            None => np.unwrap_or_else(PortSet::all),
        }
    }

    /// Every class pair and external row, through the tiers.
    pub(super) fn tiered(
        &self,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        for &a in &self.classes {
            for &b in &self.classes {
                let np_e = self.egress[a.index()]
                    .is_some()
                    .then(|| self.egress_to_class(a, b));
                let e = self.tiered_side(a, Direction::Egress, Endpoint::Class(b), np_e);
                if e.is_empty() {
                    continue;
                }
                let np_i = self.ingress[b.index()]
                    .is_some()
                    .then(|| self.ingress_from_class(b, a));
                let i = self.tiered_side(b, Direction::Ingress, Endpoint::Class(a), np_i);
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
                let p = self.tiered_side(a, Direction::Egress, Endpoint::Ip(*r), np);
                if !p.is_empty() {
                    out.to_external.push((a, *r, p));
                }
            }
            for r in src_ranges {
                let side = &self.ingress[a.index()];
                let np = side
                    .is_some()
                    .then(|| self.side_ports(side, |t| t.contains_range(r), Some(a)));
                let p = self.tiered_side(a, Direction::Ingress, Endpoint::Ip(*r), np);
                if !p.is_empty() {
                    out.from_external.push((*r, a, p));
                }
            }
        }
        out
    }
}
