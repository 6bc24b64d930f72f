//! Allowed connectivity between classes: explicit pairs, the implicit
//! open block, and the rows with external ranges.

use super::compile::Compiled;
use super::external::external_partitions;
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::ports::PortSet;

/// Allowed connectivity between classes and with external IP ranges.
#[derive(Debug, Clone, Default)]
pub struct ClassConnectivity {
    /// (client, server, ports), client == server included (distinct pods of
    /// one class), for every pair where at least one side is isolated.
    pub pairs: Vec<(ClassId, ClassId, PortSet)>,
    /// Classes not isolated for egress / ingress. Every pair of an
    /// egress-open client and an ingress-open server is allowed everything;
    /// that block is kept implicit because it is quadratic in size.
    pub open_egress: Vec<ClassId>,
    pub open_ingress: Vec<ClassId>,
    pub to_external: Vec<(ClassId, IpRange, PortSet)>,
    pub from_external: Vec<(IpRange, ClassId, PortSet)>,
    /// The partitions used for external ranges.
    pub dst_ranges: Vec<IpRange>,
    pub src_ranges: Vec<IpRange>,
}

impl ClassConnectivity {
    /// Number of allowed class pairs, implicit ones included.
    pub fn pair_count(&self) -> usize {
        self.pairs.len() + self.open_egress.len() * self.open_ingress.len()
    }

    /// Every allowed class pair: the explicit ones, then the open block.
    pub fn all_pairs(
        &self,
    ) -> impl Iterator<Item = (ClassId, ClassId, std::borrow::Cow<'_, PortSet>)> + '_ {
        self.pairs
            .iter()
            .map(|(a, b, p)| (*a, *b, std::borrow::Cow::Borrowed(p)))
            .chain(self.open_egress.iter().flat_map(move |&a| {
                self.open_ingress
                    .iter()
                    .map(move |&b| (a, b, std::borrow::Cow::Owned(PortSet::all())))
            }))
    }
}

pub fn class_connectivity(idx: &Index) -> ClassConnectivity {
    let (dst, src) = external_partitions(idx);
    class_connectivity_on(idx, dst, src)
}

/// [`class_connectivity`] with external ranges cut by the given partitions.
pub fn class_connectivity_on(
    idx: &Index,
    dst_ranges: Vec<IpRange>,
    src_ranges: Vec<IpRange>,
) -> ClassConnectivity {
    let cc = Compiled::new(idx);
    if idx.has_tiers() {
        return ClassConnectivity {
            dst_ranges: dst_ranges.clone(),
            src_ranges: src_ranges.clone(),
            ..cc.tiered(&dst_ranges, &src_ranges)
        };
    }
    let mut out = ClassConnectivity {
        dst_ranges,
        src_ranges,
        ..cc.pod_pairs()
    };

    for &a in cc.classes.iter() {
        let (to, from) = cc.external_rows(a, &out.dst_ranges, &out.src_ranges);
        out.to_external.extend(to);
        out.from_external.extend(from);
    }
    out
}

/// Number of allowed ordered pod pairs (self-pairs excluded), computed on
/// classes without expanding them.
pub fn pod_pair_count(idx: &Index, cc: &ClassConnectivity) -> u64 {
    let size = |c: ClassId| idx.class(c).members.len() as u64;
    let pairs = |a: ClassId, b: ClassId| {
        if a == b {
            size(a) * size(a).saturating_sub(1)
        } else {
            size(a) * size(b)
        }
    };
    let explicit: u64 = cc.pairs.iter().map(|(a, b, _)| pairs(*a, *b)).sum();
    let open_e: u64 = cc.open_egress.iter().map(|&a| size(a)).sum();
    let open_i: u64 = cc.open_ingress.iter().map(|&b| size(b)).sum();
    let open_both: u64 = cc
        .open_egress
        .iter()
        .filter(|a| cc.open_ingress.binary_search(a).is_ok())
        .map(|&a| size(a))
        .sum();
    explicit + open_e * open_i - open_both
}

impl Compiled<'_> {
    /// [`pod_pair_count`] of [`Compiled::pod_pairs`], without keeping the
    /// pairs: each client's explicit pairs are counted and dropped (a
    /// what-if needs only the number; the pairs of a large cluster are
    /// hundreds of thousands of port sets).
    pub(super) fn count_pod_pairs(&self) -> u64 {
        let size = |c: ClassId| self.idx.class(c).members.len() as u64;
        let mut acc: Vec<Option<PortSet>> = vec![None; self.idx.class_capacity()];
        let mut touched: Vec<ClassId> = Vec::new();
        let mut buf = Vec::new();
        let (mut explicit, mut open_e, mut open_i, mut open_both) = (0u64, 0u64, 0u64, 0u64);
        for &a in self.classes.iter() {
            let (e, i) = (
                self.egress[a.index()].is_none(),
                self.ingress[a.index()].is_none(),
            );
            open_e += if e { size(a) } else { 0 };
            open_i += if i { size(a) } else { 0 };
            open_both += if e && i { size(a) } else { 0 };
            self.client_pairs(a, false, &mut acc, &mut touched, &mut buf);
            for (a, b, _) in buf.drain(..) {
                explicit += if a == b {
                    size(a) * size(a).saturating_sub(1)
                } else {
                    size(a) * size(b)
                };
            }
        }
        explicit + open_e * open_i - open_both
    }

    /// Pod-to-pod connectivity only (no external ranges).
    pub(super) fn pod_pairs(&self) -> ClassConnectivity {
        let mut out = ClassConnectivity::default();
        let mut acc: Vec<Option<PortSet>> = vec![None; self.idx.class_capacity()];
        let mut touched: Vec<ClassId> = Vec::new();
        for &a in self.classes.iter() {
            if self.egress[a.index()].is_none() {
                out.open_egress.push(a);
            }
            self.client_pairs(a, false, &mut acc, &mut touched, &mut out.pairs);
        }
        out.open_ingress = self
            .classes
            .iter()
            .copied()
            .filter(|&b| self.ingress[b.index()].is_none())
            .collect();
        out
    }
}
