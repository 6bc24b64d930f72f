//! Connectivity when cluster-scoped tier policies exist: each side goes
//! through the tier chain (Admin -> NetworkPolicy -> Baseline -> default),
//! evaluated once per group of classes (see `tier_groups`). Pairs the
//! tiers leave to NetworkPolicy on both sides take the NetworkPolicy-only
//! path (reverse index, implicit open block), so the tier work grows with
//! the classes the tiers concern, not with the cluster's pairs. Without
//! tier policies this path is never taken.

use super::classes::ClassConnectivity;
use super::compile::Compiled;
use super::tier_groups::TierGroups;
use crate::engine::index::ClassId;
use crate::engine::ipblock::IpRange;
use crate::engine::model::Direction;
use crate::engine::ports::PortSet;

impl<'a> Compiled<'a> {
    pub(super) fn tier_groups(&self) -> TierGroups<'a> {
        TierGroups::new(self.idx, &self.classes)
    }

    /// What `a` may open to `b`, through the tiers on both sides.
    fn tiered_pair(&self, tg: &TierGroups, a: ClassId, b: ClassId) -> PortSet {
        let e = tg.side(self.idx, a, Direction::Egress, b, || {
            self.egress[a.index()]
                .is_some()
                .then(|| self.egress_to_class(a, b))
        });
        if e.is_empty() {
            return e;
        }
        let i = tg.side(self.idx, b, Direction::Ingress, a, || {
            self.ingress[b.index()]
                .is_some()
                .then(|| self.ingress_from_class(b, a))
        });
        e.intersect(&i)
    }

    /// `a`'s rows to and from external ranges, through the tiers.
    fn tiered_external(
        &self,
        tg: &TierGroups,
        a: ClassId,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
        out: &mut ClassConnectivity,
    ) {
        for r in dst_ranges {
            let side = &self.egress[a.index()];
            let p = tg.side_ip(self.idx, a, Direction::Egress, *r, || {
                side.is_some()
                    .then(|| self.side_ports(side, |t| t.contains_range(r), None))
            });
            if !p.is_empty() {
                out.to_external.push((a, *r, p));
            }
        }
        for r in src_ranges {
            let side = &self.ingress[a.index()];
            let p = tg.side_ip(self.idx, a, Direction::Ingress, *r, || {
                side.is_some()
                    .then(|| self.side_ports(side, |t| t.contains_range(r), Some(a)))
            });
            if !p.is_empty() {
                out.from_external.push((*r, a, p));
            }
        }
    }

    /// Every class pair and external row, through the tiers. Pairs of
    /// two classes the tiers leave to NetworkPolicy (see
    /// `TierGroups::neutral`) take the NetworkPolicy-only path; the tier
    /// chain runs only for pairs with a client or a server it concerns.
    pub(super) fn tiered(
        &self,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let tg = self.tier_groups();
        let cap = self.idx.class_capacity();
        let (mut ne, mut ni) = (vec![false; cap], vec![false; cap]);
        for &c in self.classes.iter() {
            ne[c.index()] = tg.neutral(self.idx, c, Direction::Egress);
            ni[c.index()] = tg.neutral(self.idx, c, Direction::Ingress);
        }
        out.open_egress = (self.classes.iter().copied())
            .filter(|c| ne[c.index()] && self.egress[c.index()].is_none())
            .collect();
        out.open_ingress = (self.classes.iter().copied())
            .filter(|c| ni[c.index()] && self.ingress[c.index()].is_none())
            .collect();
        let tiered_servers: Vec<ClassId> = (self.classes.iter().copied())
            .filter(|c| !ni[c.index()])
            .collect();
        let mut acc: Vec<Option<PortSet>> = vec![None; cap];
        let (mut touched, mut np_pairs) = (Vec::new(), Vec::new());
        for &a in self.classes.iter() {
            if ne[a.index()] {
                // NetworkPolicy alone towards tier-neutral servers.
                self.client_pairs(a, false, &mut acc, &mut touched, &mut np_pairs);
                out.pairs
                    .extend(np_pairs.drain(..).filter(|(_, b, _)| ni[b.index()]));
            }
            let servers = if ne[a.index()] {
                &tiered_servers
            } else {
                &self.classes
            };
            for &b in servers {
                let allowed = self.tiered_pair(&tg, a, b);
                if !allowed.is_empty() {
                    out.pairs.push((a, b, allowed));
                }
            }
            self.tiered_external(&tg, a, dst_ranges, src_ranges, &mut out);
        }
        out.pairs.sort_unstable_by_key(|(a, b, _)| (*a, *b));
        out
    }

    /// [`Compiled::touching`] and the external rows of `classes`, through
    /// the tiers: every pair with a client or a server among `classes`
    /// (open pairs included).
    pub(super) fn tiered_touching(
        &self,
        classes: &[ClassId],
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let tg = self.tier_groups();
        let live = |c: &ClassId| self.class_ns.get(c.index()).is_some_and(|n| *n != u32::MAX);
        let mut named: Vec<ClassId> = classes.iter().copied().filter(live).collect();
        named.sort_unstable();
        named.dedup();
        for &a in self.classes.iter() {
            let a_named = named.binary_search(&a).is_ok();
            let servers = if a_named { &self.classes } else { &named };
            for &b in servers {
                let allowed = self.tiered_pair(&tg, a, b);
                if !allowed.is_empty() {
                    out.pairs.push((a, b, allowed));
                }
            }
        }
        for &a in &named {
            self.tiered_external(&tg, a, dst_ranges, src_ranges, &mut out);
        }
        out
    }
}
