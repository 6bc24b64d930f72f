//! Tier evaluation shared between classes, as the NetworkPolicy path shares
//! compiled rules: the tier chain of one side depends only on
//! - which cluster-scoped policies select the subject (its *subject group*),
//! - which `pods` / `networks` peers of those policies' rules the other end
//!   matches (its *peer group*; `nodes`, `domainNames` and unknown peers
//!   never depend on a pod class, hostNetwork classes aside, which the
//!   pair loop never sees),
//! - and, only when a rule names a port, the destination's container ports.
//!
//! So the chain runs once per (subject group, peer group[, ports]) and every
//! class pair of that key reuses it as port masks: Admin-accepted ports,
//! ports handed to NetworkPolicy, and the answer when NetworkPolicy does not
//! isolate (Baseline, then default allow). That is exactly what
//! `Index::tier_side_with` computes for any pair of the key.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::engine::index::{ClassId, Index};
use crate::engine::ipblock::IpRange;
use crate::engine::model::{Direction, PortRef};
use crate::engine::ports::PortSet;
use crate::engine::tiers::{ClusterPolicy, Selects, TierDecision, TierPeer};
use crate::engine::verdict::Endpoint;

const NONE: u32 = u32::MAX;

/// Per selector: its answer when the namespace alone decides it.
type NsKnown = Vec<Option<bool>>;

/// One side's tier chain as port masks.
pub(super) struct Outcome {
    /// Ports an Admin-tier Accept allows.
    acc: PortSet,
    /// Ports that reach NetworkPolicy (no Admin decision, or Pass).
    to_np: PortSet,
    /// The whole answer when NetworkPolicy does not isolate the subject.
    open: PortSet,
}

impl Outcome {
    fn of(idx: &Index, pols: &[&ClusterPolicy], s: ClassId, d: Direction, o: Endpoint) -> Self {
        let none = PortSet::none();
        let isolated = idx.tier_side_with(pols, s, d, o, Some(&none));
        let to_np = isolated
            .chain
            .iter()
            .find_map(|c| match c {
                TierDecision::NetworkPolicy { ports, .. } => Some(ports.clone()),
                _ => None,
            })
            .unwrap_or_default();
        Outcome {
            acc: isolated.allowed,
            to_np,
            open: idx.tier_side_with(pols, s, d, o, None).allowed,
        }
    }

    /// The side's answer; `np` is NetworkPolicy's (None: not isolated),
    /// asked only when some ports reach it (otherwise `open` is `acc`).
    fn with_np(&self, np: impl FnOnce() -> Option<PortSet>) -> PortSet {
        if self.to_np.is_empty() {
            return self.acc.clone();
        }
        match np() {
            None => self.open.clone(),
            Some(np) => self.acc.union(&self.to_np.intersect(&np)),
        }
    }
}

/// Per direction (0 egress, 1 ingress).
#[derive(Default)]
struct Dir<'a> {
    /// Per subject group: its policies in evaluation order, and whether a
    /// rule names a port (then the destination's ports are in the key).
    groups: Vec<(Vec<&'a ClusterPolicy>, bool)>,
    /// Per class index: subject group, or NONE (no policy selects it).
    subj: Vec<u32>,
    /// Per class index: peer group.
    peer: Vec<u32>,
    /// Peer groups present, each with a class of that group.
    peer_reps: Vec<ClassId>,
}

pub(super) struct TierGroups<'a> {
    dirs: [Dir<'a>; 2],
    /// Per class index: interned container ports.
    ports: Vec<u32>,
    pairs: RefCell<HashMap<(u8, u32, u32, u32), Outcome>>,
    /// Per direction and subject group: `neutral`, once known.
    neutral: RefCell<[HashMap<u32, bool>; 2]>,
    external: RefCell<HashMap<(u8, u32, IpRange, u32), Outcome>>,
}

fn di(d: Direction) -> u8 {
    match d {
        Direction::Egress => 0,
        Direction::Ingress => 1,
    }
}

fn names_port(p: &ClusterPolicy, d: Direction) -> bool {
    p.rules(d).iter().any(|r| {
        r.ports
            .iter()
            .any(|x| matches!(x.port, Some(PortRef::Name(_))))
    })
}

impl<'a> TierGroups<'a> {
    pub(super) fn new(idx: &'a Index, classes: &[ClassId]) -> Self {
        let cap = idx.class_capacity();
        let all = idx.cluster_policies();
        let mut dirs: [Dir<'a>; 2] = Default::default();
        let mut ports = vec![NONE; cap];
        let mut port_ids: HashMap<&[crate::engine::model::ContainerPort], u32> = HashMap::new();
        for d in [Direction::Egress, Direction::Ingress] {
            let dir = &mut dirs[di(d) as usize];
            dir.subj = vec![NONE; cap];
            dir.peer = vec![NONE; cap];
            // Every pods/networks peer of every rule for this direction.
            let peers: Vec<&TierPeer> = all
                .iter()
                .flat_map(|p| p.rules(d).iter().flat_map(|r| r.peers.iter()))
                .filter(|p| matches!(p, TierPeer::Pods(_) | TierPeer::Networks(_)))
                .collect();
            let mut subj_ids: HashMap<Vec<usize>, u32> = HashMap::new();
            let mut peer_ids: HashMap<Vec<bool>, u32> = HashMap::new();
            // Namespace-only selectors are decided once per namespace.
            let mut by_ns: HashMap<&str, (NsKnown, NsKnown)> = HashMap::new();
            for &c in classes {
                let class = idx.class(c);
                let ns = idx.ns_labels(&class.namespace);
                let (ns_subj, ns_peer) =
                    by_ns.entry(class.namespace.as_str()).or_insert_with(|| {
                        let subj = (all.iter())
                            .map(|p| match &p.subject {
                                Selects::Namespaces(s) => Some(s.matches(&ns)),
                                Selects::Pods { namespaces, .. } => {
                                    (!namespaces.matches(&ns)).then_some(false)
                                }
                            })
                            .collect();
                        let peer = (peers.iter())
                            .map(|p| match p {
                                TierPeer::Pods(Selects::Namespaces(s)) => Some(s.matches(&ns)),
                                TierPeer::Pods(Selects::Pods { namespaces, .. }) => {
                                    (!namespaces.matches(&ns)).then_some(false)
                                }
                                _ => None,
                            })
                            .collect();
                        (subj, peer)
                    });
                let sel: Vec<usize> = all
                    .iter()
                    .enumerate()
                    .filter(|&(i, p)| {
                        !p.rules(d).is_empty()
                            && ns_subj[i].unwrap_or_else(|| p.subject.matches(&ns, &class.labels))
                    })
                    .map(|(i, _)| i)
                    .collect();
                if !sel.is_empty() {
                    let n = subj_ids.len() as u32;
                    let g = *subj_ids.entry(sel.clone()).or_insert(n);
                    if g == n {
                        let pols: Vec<&ClusterPolicy> = sel.iter().map(|&i| &all[i]).collect();
                        let named = pols.iter().any(|p| names_port(p, d));
                        dir.groups.push((pols, named));
                    }
                    dir.subj[c.index()] = g;
                }
                let ips = idx.class_ips(c);
                let key: Vec<bool> = (peers.iter().zip(ns_peer.iter()))
                    .map(|(p, known)| match p {
                        TierPeer::Pods(_) if class.host_network => false,
                        TierPeer::Pods(s) => known.unwrap_or_else(|| s.matches(&ns, &class.labels)),
                        TierPeer::Networks(nets) => {
                            nets.iter().any(|n| ips.iter().any(|ip| n.contains(ip)))
                        }
                        _ => false,
                    })
                    .collect();
                let n = peer_ids.len() as u32;
                let g = *peer_ids.entry(key).or_insert(n);
                if g == n {
                    dir.peer_reps.push(c);
                }
                dir.peer[c.index()] = g;
                if d == Direction::Egress {
                    let n = port_ids.len() as u32;
                    ports[c.index()] = *port_ids.entry(class.ports.as_slice()).or_insert(n);
                }
            }
        }
        TierGroups {
            dirs,
            ports,
            pairs: RefCell::default(),
            neutral: RefCell::default(),
            external: RefCell::default(),
        }
    }

    /// The `d` side of subject `s` towards class `o`; `np` is
    /// NetworkPolicy's answer (None: not isolated).
    pub(super) fn side(
        &self,
        idx: &Index,
        s: ClassId,
        d: Direction,
        o: ClassId,
        np: impl FnOnce() -> Option<PortSet>,
    ) -> PortSet {
        if self.dirs[di(d) as usize].subj[s.index()] == NONE {
            return np().unwrap_or_else(PortSet::all);
        }
        self.with_outcome(idx, s, d, o, |out| out.with_np(np))
            .unwrap_or_else(|_| PortSet::all())
    }

    /// Runs `f` on the memoised outcome of the pair's key; Err(f) when no
    /// tier policy selects `s` for `d`.
    fn with_outcome<R, F: FnOnce(&Outcome) -> R>(
        &self,
        idx: &Index,
        s: ClassId,
        d: Direction,
        o: ClassId,
        f: F,
    ) -> Result<R, F> {
        let dir = &self.dirs[di(d) as usize];
        let g = dir.subj[s.index()];
        if g == NONE {
            return Err(f);
        }
        let (pols, named) = &dir.groups[g as usize];
        let dest = match d {
            Direction::Egress => o,
            Direction::Ingress => s,
        };
        let ports = if *named {
            self.ports[dest.index()]
        } else {
            NONE
        };
        let key = (di(d), g, dir.peer[o.index()], ports);
        let mut memo = self.pairs.borrow_mut();
        let out = memo
            .entry(key)
            .or_insert_with(|| Outcome::of(idx, pols, s, d, Endpoint::Class(o)));
        Ok(f(out))
    }

    /// The `d` side of subject `s` towards the external range `r`.
    pub(super) fn side_ip(
        &self,
        idx: &Index,
        s: ClassId,
        d: Direction,
        r: IpRange,
        np: impl FnOnce() -> Option<PortSet>,
    ) -> PortSet {
        let dir = &self.dirs[di(d) as usize];
        let g = dir.subj[s.index()];
        if g == NONE {
            return np().unwrap_or_else(PortSet::all);
        }
        let (pols, named) = &dir.groups[g as usize];
        // Towards an IP only the ingress side has a destination pod.
        let ports = if *named && d == Direction::Ingress {
            self.ports[s.index()]
        } else {
            NONE
        };
        let mut memo = self.external.borrow_mut();
        let out = memo
            .entry((di(d), g, r, ports))
            .or_insert_with(|| Outcome::of(idx, pols, s, d, Endpoint::Ip(r)));
        out.with_np(np)
    }

    /// Whether the tiers leave `s`'s `d` side towards every pod class to
    /// NetworkPolicy alone (no tier policy selects it, or its rules only
    /// Pass or never match a pod): then its pairs are NetworkPolicy's and
    /// take the NetworkPolicy-only path, open block included.
    pub(super) fn neutral(&self, idx: &Index, s: ClassId, d: Direction) -> bool {
        let dir = &self.dirs[di(d) as usize];
        let g = dir.subj[s.index()];
        if g == NONE {
            return true;
        }
        if dir.groups[g as usize].1 {
            return false; // depends on the destination's ports: not worth it
        }
        if let Some(&n) = self.neutral.borrow()[di(d) as usize].get(&g) {
            return n;
        }
        // Every class of the group answers alike: decided once per group.
        let n = dir.peer_reps.iter().all(|&o| {
            self.with_outcome(idx, s, d, o, |out| {
                out.acc.is_empty() && out.to_np.is_all() && out.open.is_all()
            })
            .unwrap_or(true)
        });
        self.neutral.borrow_mut()[di(d) as usize].insert(g, n);
        n
    }
}
