//! ipBlock semantics and IP-range partitions. An ipBlock matches an address
//! inside `cidr` and outside every `except`. External connectivity is
//! reported over a partition of the address space cut at every CIDR and
//! except boundary, so each resulting range has exactly one verdict.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::model::IpBlock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

/// An inclusive range of addresses of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    pub family: Family,
    pub lo: u128,
    pub hi: u128,
}

fn to_u128(ip: IpAddr) -> (Family, u128) {
    match ip {
        IpAddr::V4(a) => (Family::V4, u128::from(u32::from(a))),
        IpAddr::V6(a) => (Family::V6, u128::from(a)),
    }
}

fn family_max(f: Family) -> u128 {
    match f {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    }
}

fn from_u128(f: Family, v: u128) -> IpAddr {
    match f {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(v as u32)),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
    }
}

impl IpRange {
    pub fn of_net(n: &IpNet) -> Self {
        let (family, lo) = to_u128(n.network());
        let (_, hi) = to_u128(n.broadcast());
        IpRange { family, lo, hi }
    }
    pub fn single(ip: IpAddr) -> Self {
        let (family, v) = to_u128(ip);
        IpRange {
            family,
            lo: v,
            hi: v,
        }
    }
    pub fn universe(f: Family) -> Self {
        IpRange {
            family: f,
            lo: 0,
            hi: family_max(f),
        }
    }
    pub fn start(&self) -> IpAddr {
        from_u128(self.family, self.lo)
    }
    pub fn end(&self) -> IpAddr {
        from_u128(self.family, self.hi)
    }
    pub fn contains_range(&self, o: &IpRange) -> bool {
        self.family == o.family && self.lo <= o.lo && o.hi <= self.hi
    }
    pub fn overlaps(&self, o: &IpRange) -> bool {
        self.family == o.family && self.lo <= o.hi && o.lo <= self.hi
    }
}

/// `A.B.C.D-E.F.G.H`, as netpol-analyzer prints ranges.
impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start(), self.end())
    }
}

impl IpBlock {
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        self.cidr.contains(&ip) && !self.except.iter().any(|e| e.contains(&ip))
    }

    /// Whether every address of `r` is matched. On a partition cut at this
    /// block's boundaries a range is either wholly in or wholly out.
    pub fn contains_range(&self, r: &IpRange) -> bool {
        IpRange::of_net(&self.cidr).contains_range(r)
            && !self.except.iter().any(|e| IpRange::of_net(e).overlaps(r))
    }

    /// The addresses it matches, as maximal ranges (cidr minus the excepts,
    /// adjacent excepts merged into one hole).
    pub fn ranges(&self) -> Vec<IpRange> {
        let whole = IpRange::of_net(&self.cidr);
        let mut holes: Vec<IpRange> = self
            .except
            .iter()
            .map(IpRange::of_net)
            .filter(|e| e.overlaps(&whole))
            .collect();
        holes.sort();
        let mut out = Vec::new();
        let mut cur = whole.lo;
        let mut done = false;
        for h in holes {
            if h.lo > cur {
                out.push(IpRange {
                    family: whole.family,
                    lo: cur,
                    hi: h.lo - 1,
                });
            }
            if h.hi >= whole.hi {
                done = true;
                break;
            }
            cur = cur.max(h.hi + 1);
        }
        if !done && cur <= whole.hi {
            out.push(IpRange {
                family: whole.family,
                lo: cur,
                hi: whole.hi,
            });
        }
        out
    }

    pub fn nets(&self) -> impl Iterator<Item = &IpNet> {
        std::iter::once(&self.cidr).chain(self.except.iter())
    }
}

impl fmt::Display for IpBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cidr)?;
        if !self.except.is_empty() {
            let ex: Vec<String> = self.except.iter().map(|e| e.to_string()).collect();
            write!(f, " except {}", ex.join(","))?;
        }
        Ok(())
    }
}

/// Cuts the given families' address spaces at the boundaries of the
/// address sets of `blocks` (netpol-analyzer cuts the same way), so that
/// every resulting range is wholly inside or outside each block. Sorted
/// (IPv4 first); covers each family exactly once.
pub fn partition<'a>(
    blocks: impl IntoIterator<Item = &'a IpBlock>,
    families: &[Family],
) -> Vec<IpRange> {
    let ranges: Vec<IpRange> = blocks.into_iter().flat_map(IpBlock::ranges).collect();
    let mut out = Vec::new();
    for &f in families {
        // Cut points are range starts: each start, and the address after each end.
        let mut cuts: Vec<u128> = vec![0];
        for r in ranges.iter().filter(|r| r.family == f) {
            cuts.push(r.lo);
            if r.hi < family_max(f) {
                cuts.push(r.hi + 1);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for (i, &lo) in cuts.iter().enumerate() {
            let hi = cuts.get(i + 1).map_or(family_max(f), |n| n - 1);
            out.push(IpRange { family: f, lo, hi });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().expect("test CIDR")
    }

    #[test]
    fn block_with_except() {
        let b = IpBlock {
            cidr: net("10.0.0.0/8"),
            except: vec![net("10.1.0.0/16")],
        };
        assert!(b.contains_ip("10.2.3.4".parse().expect("ip")));
        assert!(!b.contains_ip("10.1.3.4".parse().expect("ip")));
        assert!(!b.contains_ip("11.0.0.1".parse().expect("ip")));
        assert!(!b.contains_ip("::1".parse().expect("ip")));
    }

    fn block(cidr: &str, except: &[&str]) -> IpBlock {
        IpBlock {
            cidr: net(cidr),
            except: except.iter().map(|e| net(e)).collect(),
        }
    }

    fn cut_v4(blocks: &[IpBlock]) -> Vec<String> {
        partition(blocks.iter(), &[Family::V4])
            .iter()
            .map(|r| r.to_string())
            .collect()
    }

    #[test]
    fn partition_cuts_at_the_boundaries_of_each_blocks_set() {
        let b = [block("10.0.0.0/8", &["10.1.0.0/16"])];
        let p = cut_v4(&b);
        assert_eq!(
            p,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.0.255.255",
                "10.1.0.0-10.1.255.255",
                "10.2.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        // Adjacent excepts make one hole: no cut between them.
        let b = [block("0.0.0.0/0", &["10.0.0.0/9", "10.128.0.0/9"])];
        let p = cut_v4(&b);
        assert_eq!(
            p,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
        let all = partition([block("0.0.0.0/0", &[])].iter(), &[Family::V4]);
        assert_eq!(all, vec![IpRange::universe(Family::V4)]);
    }

    #[test]
    fn block_ranges() {
        let r = block("10.0.0.0/8", &["10.0.0.0/9", "10.255.0.0/16"]).ranges();
        let s: Vec<String> = r.iter().map(|r| r.to_string()).collect();
        assert_eq!(s, ["10.128.0.0-10.254.255.255"]);
        assert!(
            block("10.0.0.0/8", &["10.0.0.0/9", "10.128.0.0/9"])
                .ranges()
                .is_empty()
        );
    }

    #[test]
    fn ipv6_ranges() {
        let p = partition([block("fd00::/8", &[])].iter(), &[Family::V6]);
        assert_eq!(p.len(), 3);
        assert_eq!(
            p[1].to_string(),
            "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        let b = IpBlock {
            cidr: net("::/0"),
            except: vec![net("fd00:ec2::254/128")],
        };
        assert!(!b.contains_ip("fd00:ec2::254".parse().expect("ip")));
        assert!(b.contains_ip("fd00:ec2::253".parse().expect("ip")));
    }
}
