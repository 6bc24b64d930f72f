//! External ranges: how the address space is cut, how ranges are named,
//! and a class's connections with them.

use super::compile::Compiled;
use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::{Family, IpRange, partition};
use crate::engine::model::{IpBlock, Peer, Policy};
use crate::engine::ports::PortSet;

/// The families external ranges are reported for: IPv4 always, IPv6 when
/// some policy mentions an IPv6 CIDR (otherwise every pod would get an
/// extra `::/0` line that says nothing new).
fn families(v6: bool) -> Vec<Family> {
    if v6 {
        vec![Family::V4, Family::V6]
    } else {
        vec![Family::V4]
    }
}

/// The ipBlocks of a state that cut the address space: egress peers (for
/// external destinations) and ingress peers (for external sources), and
/// whether any CIDR is IPv6.
#[derive(Debug, Clone, Default)]
pub struct CutBlocks {
    pub egress: Vec<IpBlock>,
    pub ingress: Vec<IpBlock>,
    pub v6: bool,
}

impl CutBlocks {
    pub fn of(idx: &Index) -> Self {
        Self::of_policies(idx, idx.policies())
    }

    /// [`Self::of`] with only `policies` of the NetworkPolicies of `idx`
    /// (its cluster-scoped policies all count).
    pub fn of_policies<'a>(idx: &Index, policies: impl Iterator<Item = &'a Policy>) -> Self {
        let mut out = CutBlocks {
            v6: idx
                .ip_nets()
                .iter()
                .any(|n| matches!(n, ipnet::IpNet::V6(_))),
            ..Default::default()
        };
        for p in policies {
            for (rules, dst) in [(&p.egress, &mut out.egress), (&p.ingress, &mut out.ingress)] {
                for r in rules {
                    for peer in &r.peers {
                        if let Peer::IpBlock(b) = peer {
                            dst.push(b.clone());
                        }
                    }
                }
            }
        }
        // `networks` peers (egress only) cut external destinations too.
        for p in idx.cluster_policies() {
            for r in &p.egress {
                for peer in &r.peers {
                    if let crate::engine::tiers::TierPeer::Networks(nets) = peer {
                        out.egress.extend(nets.iter().map(|n| IpBlock {
                            cidr: *n,
                            except: vec![],
                        }));
                        out.v6 |= nets.iter().any(|n| matches!(n, ipnet::IpNet::V6(_)));
                    }
                }
            }
        }
        out
    }

    pub fn extend(&mut self, o: CutBlocks) {
        self.egress.extend(o.egress);
        self.ingress.extend(o.ingress);
        self.v6 |= o.v6;
    }

    /// (destination partition, source partition).
    pub fn partitions(&self) -> (Vec<IpRange>, Vec<IpRange>) {
        let fams = families(self.v6);
        (
            partition(self.egress.iter(), &fams),
            partition(self.ingress.iter(), &fams),
        )
    }
}

/// The partitions of the address space for external destinations (cut at
/// egress ipBlocks) and external sources (cut at ingress ipBlocks).
pub fn external_partitions(idx: &Index) -> (Vec<IpRange>, Vec<IpRange>) {
    external_partitions_of(&[idx])
}

/// One partition for several states (a diff compares ranges by name, so
/// both sides must be cut the same way).
pub fn external_partitions_of(idxs: &[&Index]) -> (Vec<IpRange>, Vec<IpRange>) {
    let mut blocks = CutBlocks::default();
    for idx in idxs {
        blocks.extend(CutBlocks::of(idx));
    }
    blocks.partitions()
}

pub fn external_name(r: &IpRange) -> String {
    format!("{r}[External]")
}

/// The range behind a name made by [`external_name`].
pub fn parse_external_name(s: &str) -> Option<IpRange> {
    let r = s.strip_suffix("[External]")?;
    // IPv6 addresses contain no '-', so the first '-' splits the range.
    let (a, b) = r.split_once('-')?;
    let (lo, hi) = (
        IpRange::single(a.parse().ok()?),
        IpRange::single(b.parse().ok()?),
    );
    (lo.family == hi.family && lo.lo <= hi.lo).then_some(IpRange {
        family: lo.family,
        lo: lo.lo,
        hi: hi.lo,
    })
}

/// A class's rows to and from external ranges.
type ExternalRows = (
    Vec<(ClassId, IpRange, PortSet)>,
    Vec<(IpRange, ClassId, PortSet)>,
);

impl Compiled<'_> {
    /// A class's connections with external ranges: to them (`inbound`
    /// false; only the class's egress side applies) or from them (only its
    /// ingress side; named ports resolve against the class).
    pub(super) fn external(
        &self,
        c: ClassId,
        inbound: bool,
        ranges: &[IpRange],
    ) -> Vec<(IpRange, PortSet)> {
        let (side, dest) = if inbound {
            (&self.ingress[c.index()], Some(c))
        } else {
            (&self.egress[c.index()], None)
        };
        ranges
            .iter()
            .filter_map(|r| {
                let ports = self.side_ports(side, |t| t.contains_range(r), dest);
                (!ports.is_empty()).then_some((*r, ports))
            })
            .collect()
    }

    /// Both directions of [`Self::external`], as report rows.
    pub(super) fn external_rows(
        &self,
        c: ClassId,
        dst_ranges: &[IpRange],
        src_ranges: &[IpRange],
    ) -> ExternalRows {
        (
            self.external(c, false, dst_ranges)
                .into_iter()
                .map(|(r, p)| (c, r, p))
                .collect(),
            self.external(c, true, src_ranges)
                .into_iter()
                .map(|(r, p)| (r, c, p))
                .collect(),
        )
    }
}

/// The classes with a pod IP inside `b`.
pub(super) fn block_classes(
    idx: &Index,
    b: &IpBlock,
    class_sigs: &[(ClassId, &[Vec<u32>])],
) -> Vec<ClassId> {
    let nets = idx.ip_nets();
    let id = |n: &ipnet::IpNet| nets.binary_search(n).ok().map(|i| i as u32);
    let cidr = id(&b.cidr);
    let except: Option<Vec<u32>> = b.except.iter().map(id).collect();
    match (cidr, except) {
        (Some(cidr), Some(except)) => class_sigs
            .iter()
            .filter(|(_, sig)| {
                sig.iter().any(|ip| {
                    ip.binary_search(&cidr).is_ok()
                        && !except.iter().any(|e| ip.binary_search(e).is_ok())
                })
            })
            .map(|(c, _)| *c)
            .collect(),
        // Every ipBlock CIDR is in the index's list; should one not be,
        // fall back to the addresses themselves.
        _ => class_sigs
            .iter()
            .filter(|(c, _)| idx.class_ips(*c).iter().any(|ip| b.contains_ip(*ip)))
            .map(|(c, _)| *c)
            .collect(),
    }
}
