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
        IpRange { family, lo: v, hi: v }
    }
    pub fn universe(f: Family) -> Self {
        IpRange { family: f, lo: 0, hi: family_max(f) }
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

/// Cuts the given families' address spaces at every boundary of `nets`.
/// The result is sorted (IPv4 first) and covers each family exactly once.
pub fn partition<'a>(nets: impl IntoIterator<Item = &'a IpNet>, families: &[Family]) -> Vec<IpRange> {
    let mut out = Vec::new();
    let nets: Vec<IpRange> = nets.into_iter().map(IpRange::of_net).collect();
    for &f in families {
        // Cut points are range starts: the start of each net and the address
        // after its end.
        let mut cuts: Vec<u128> = vec![0];
        for r in nets.iter().filter(|r| r.family == f) {
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
        let b = IpBlock { cidr: net("10.0.0.0/8"), except: vec![net("10.1.0.0/16")] };
        assert!(b.contains_ip("10.2.3.4".parse().expect("ip")));
        assert!(!b.contains_ip("10.1.3.4".parse().expect("ip")));
        assert!(!b.contains_ip("11.0.0.1".parse().expect("ip")));
        assert!(!b.contains_ip("::1".parse().expect("ip")));
    }

    #[test]
    fn partition_cuts_at_every_boundary() {
        let nets = [net("10.0.0.0/8"), net("10.1.0.0/16")];
        let p: Vec<String> = partition(nets.iter(), &[Family::V4]).iter().map(|r| r.to_string()).collect();
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
        let all = partition([net("0.0.0.0/0")].iter(), &[Family::V4]);
        assert_eq!(all, vec![IpRange::universe(Family::V4)]);
    }

    #[test]
    fn ipv6_ranges() {
        let p = partition([net("fd00::/8")].iter(), &[Family::V6]);
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].to_string(), "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        let b = IpBlock { cidr: net("::/0"), except: vec![net("fd00:ec2::254/128")] };
        assert!(!b.contains_ip("fd00:ec2::254".parse().expect("ip")));
        assert!(b.contains_ip("fd00:ec2::253".parse().expect("ip")));
    }
}
