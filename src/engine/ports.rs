//! Port sets: per protocol, a sorted list of merged inclusive ranges over
//! 1..=65535. Rule ports resolve to a `PortSet` against the destination pod
//! (named ports need the destination's declared container ports).

use std::collections::BTreeMap;
use std::fmt;

use smallvec::{SmallVec, smallvec};

use super::model::{ContainerPort, PolicyPort, PortRef, Protocol};

pub const MIN_PORT: u16 = 1;
pub const MAX_PORT: u16 = 65535;

/// Few ranges per protocol is the norm: kept inline, so copying a port set
/// (millions of times in a large diff) allocates nothing.
type Ranges = SmallVec<[(u16, u16); 2]>;

/// Sorted, non-overlapping, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRanges(Ranges);

impl PortRanges {
    pub fn empty() -> Self {
        PortRanges(Ranges::new())
    }
    pub fn full() -> Self {
        PortRanges(smallvec![(MIN_PORT, MAX_PORT)])
    }
    pub fn range(lo: u16, hi: u16) -> Self {
        if lo > hi || hi < MIN_PORT {
            return Self::empty();
        }
        PortRanges(smallvec![(lo.max(MIN_PORT), hi)])
    }
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn is_full(&self) -> bool {
        self.0.as_slice() == [(MIN_PORT, MAX_PORT)]
    }
    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= port && port <= hi)
    }

    pub fn union(&self, other: &Self) -> Self {
        if other.0.is_empty() {
            return self.clone();
        }
        let mut all: Ranges = self.0.iter().chain(other.0.iter()).copied().collect();
        all.sort_unstable();
        let mut out = Ranges::with_capacity(all.len());
        for (lo, hi) in all {
            match out.last_mut() {
                // Adjacent ranges are joined too.
                Some(last) if u32::from(lo) <= u32::from(last.1) + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        PortRanges(out)
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let (mut i, mut j) = (0, 0);
        let mut out = Ranges::new();
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 { i += 1 } else { j += 1 }
        }
        PortRanges(out)
    }

    pub fn difference(&self, other: &Self) -> Self {
        let mut out = Ranges::new();
        for &(lo, hi) in &self.0 {
            let mut cur = u32::from(lo);
            let hi = u32::from(hi);
            for &(olo, ohi) in &other.0 {
                let (olo, ohi) = (u32::from(olo), u32::from(ohi));
                if ohi < cur || olo > hi {
                    continue;
                }
                if olo > cur {
                    out.push((cur as u16, (olo - 1) as u16));
                }
                cur = ohi + 1;
                if cur > hi {
                    break;
                }
            }
            if cur <= hi {
                out.push((cur as u16, hi as u16));
            }
        }
        PortRanges(out)
    }
}

impl fmt::Display for PortRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?
            } else {
                write!(f, "{lo}-{hi}")?
            }
        }
        Ok(())
    }
}

/// Allowed ports per protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet([PortRanges; 3]);

impl PortSet {
    pub fn none() -> Self {
        PortSet::default()
    }
    pub fn all() -> Self {
        PortSet([PortRanges::full(), PortRanges::full(), PortRanges::full()])
    }
    pub fn single(proto: Protocol, port: u16) -> Self {
        let mut s = Self::none();
        s.0[proto.index()] = PortRanges::range(port, port);
        s
    }
    pub fn of(proto: Protocol, ranges: PortRanges) -> Self {
        let mut s = Self::none();
        s.0[proto.index()] = ranges;
        s
    }
    pub fn get(&self, proto: Protocol) -> &PortRanges {
        &self.0[proto.index()]
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(PortRanges::is_empty)
    }
    pub fn is_all(&self) -> bool {
        self.0.iter().all(PortRanges::is_full)
    }
    pub fn contains(&self, proto: Protocol, port: u16) -> bool {
        self.0[proto.index()].contains(port)
    }
    pub fn union(&self, o: &Self) -> Self {
        PortSet(std::array::from_fn(|i| self.0[i].union(&o.0[i])))
    }
    pub fn union_with(&mut self, o: &Self) {
        if !o.is_empty() {
            *self = self.union(o);
        }
    }
    pub fn intersect(&self, o: &Self) -> Self {
        PortSet(std::array::from_fn(|i| self.0[i].intersect(&o.0[i])))
    }
    pub fn difference(&self, o: &Self) -> Self {
        PortSet(std::array::from_fn(|i| self.0[i].difference(&o.0[i])))
    }
    /// Protocols with something allowed, in output order (SCTP, TCP, UDP).
    pub fn protocols(&self) -> impl Iterator<Item = (Protocol, &PortRanges)> {
        Protocol::ALL
            .into_iter()
            .map(|p| (p, &self.0[p.index()]))
            .filter(|(_, r)| !r.is_empty())
    }
    /// The JSON contract form: protocol -> `[[low, high], ...]`, empty protocols absent.
    pub fn to_json_map(&self) -> BTreeMap<&'static str, Vec<[u16; 2]>> {
        self.protocols()
            .map(|(p, r)| {
                (
                    p.as_str(),
                    r.ranges().iter().map(|&(a, b)| [a, b]).collect(),
                )
            })
            .collect()
    }
}

/// netpol-analyzer's connlist grammar: `All Connections`, `No Connections`,
/// or `SCTP 1-9002,9004-65535,TCP 80,UDP 53`.
impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        for (i, (p, r)) in self.protocols().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{p} {r}")?;
        }
        Ok(())
    }
}

/// The ports one `ports` entry allows towards a destination. `dest_ports` are
/// the destination pod's declared ports; `None` for an IP destination, where
/// a named port cannot resolve and so allows nothing.
pub fn policy_port_set(p: &PolicyPort, dest_ports: Option<&[ContainerPort]>) -> PortSet {
    match &p.port {
        None => PortSet::of(p.protocol, PortRanges::full()),
        Some(PortRef::Number(n)) => {
            PortSet::of(p.protocol, PortRanges::range(*n, p.end_port.unwrap_or(*n)))
        }
        Some(PortRef::Name(name)) => {
            let mut s = PortSet::none();
            for cp in dest_ports.unwrap_or_default() {
                // Resolution needs both the name and the protocol to agree.
                if cp.protocol == p.protocol && cp.name.as_deref() == Some(name.as_str()) {
                    s.union_with(&PortSet::single(p.protocol, cp.port));
                }
            }
            s
        }
    }
}

/// The ports a rule's `ports` list allows towards a destination (empty list:
/// everything).
pub fn rule_port_set(ports: &[PolicyPort], dest_ports: Option<&[ContainerPort]>) -> PortSet {
    if ports.is_empty() {
        return PortSet::all();
    }
    let mut s = PortSet::none();
    for p in ports {
        s.union_with(&policy_port_set(p, dest_ports));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(v: &[(u16, u16)]) -> PortRanges {
        v.iter().fold(PortRanges::empty(), |acc, &(a, b)| {
            acc.union(&PortRanges::range(a, b))
        })
    }

    #[test]
    fn union_merges_overlapping_and_adjacent() {
        assert_eq!(pr(&[(1, 5), (6, 10)]).ranges(), &[(1, 10)]);
        assert_eq!(
            pr(&[(1, 5), (3, 8), (20, 20)]).ranges(),
            &[(1, 8), (20, 20)]
        );
        assert_eq!(pr(&[(65535, 65535), (1, 65534)]), PortRanges::full());
    }

    #[test]
    fn intersect_and_difference() {
        let a = pr(&[(1, 100), (200, 300)]);
        let b = pr(&[(50, 250)]);
        assert_eq!(a.intersect(&b).ranges(), &[(50, 100), (200, 250)]);
        assert_eq!(a.difference(&b).ranges(), &[(1, 49), (251, 300)]);
        assert_eq!(
            PortRanges::full().difference(&pr(&[(80, 80)])).ranges(),
            &[(1, 79), (81, 65535)]
        );
        assert!(b.difference(&PortRanges::full()).is_empty());
        assert_eq!(
            PortRanges::full()
                .difference(&pr(&[(1, 1), (65535, 65535)]))
                .ranges(),
            &[(2, 65534)]
        );
    }

    #[test]
    fn display_follows_connlist_grammar() {
        let mut s = PortSet::of(Protocol::Udp, pr(&[(53, 53)]));
        s.union_with(&PortSet::of(Protocol::Tcp, pr(&[(10053, 10054)])));
        assert_eq!(s.to_string(), "TCP 10053-10054,UDP 53");
        assert_eq!(PortSet::all().to_string(), "All Connections");
        assert_eq!(PortSet::none().to_string(), "No Connections");
    }

    fn pp(proto: Protocol, port: Option<PortRef>, end: Option<u16>) -> PolicyPort {
        PolicyPort {
            protocol: proto,
            port,
            end_port: end,
        }
    }

    #[test]
    fn rule_ports_resolution() {
        let dest = vec![
            ContainerPort {
                name: Some("http".into()),
                port: 8080,
                protocol: Protocol::Tcp,
            },
            ContainerPort {
                name: Some("dns".into()),
                port: 53,
                protocol: Protocol::Udp,
            },
        ];
        // No ports: everything.
        assert!(rule_port_set(&[], Some(&dest)).is_all());
        // Protocol only: the whole protocol.
        assert_eq!(
            rule_port_set(&[pp(Protocol::Udp, None, None)], None),
            PortSet::of(Protocol::Udp, PortRanges::full())
        );
        // endPort ranges.
        assert_eq!(
            rule_port_set(
                &[pp(Protocol::Tcp, Some(PortRef::Number(32000)), Some(32768))],
                None
            ),
            PortSet::of(Protocol::Tcp, PortRanges::range(32000, 32768))
        );
        // Named ports: name AND protocol must agree with the destination.
        let http = pp(Protocol::Tcp, Some(PortRef::Name("http".into())), None);
        assert_eq!(
            rule_port_set(std::slice::from_ref(&http), Some(&dest)),
            PortSet::single(Protocol::Tcp, 8080)
        );
        let dns_tcp = pp(Protocol::Tcp, Some(PortRef::Name("dns".into())), None);
        assert!(rule_port_set(&[dns_tcp], Some(&dest)).is_empty());
        // Towards an IP, a named port allows nothing.
        assert!(rule_port_set(&[http], None).is_empty());
    }
}
