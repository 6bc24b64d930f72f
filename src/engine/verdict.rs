//! Verdicts with explanations. A connection is allowed iff the client's
//! egress side AND the server's ingress side allow it. A side that no policy
//! isolates allows everything; an isolated side allows only the union of the
//! rules of the policies that select it.

use std::fmt;

use super::index::{ClassId, Index};
use super::ipblock::IpRange;
use super::model::{Direction, Peer, Policy, PolicyKey};
use super::ports::{PortSet, rule_port_set};

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Class(ClassId),
    /// Addresses outside the cluster (or a single address).
    Ip(IpRange),
}

/// A rule that allows (part of) the connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleHit {
    pub policy: PolicyKey,
    /// 0-based index of the rule in `ingress`/`egress`.
    pub rule: usize,
    /// 0-based index of the peer that matched; None when the rule has no
    /// peers (it admits everyone).
    pub peer: Option<usize>,
    /// What this rule allows towards the destination.
    pub ports: PortSet,
}

/// A rule of an isolating policy that does not allow the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMiss {
    pub policy: PolicyKey,
    pub rule: usize,
    /// What the rule would allow if its peers matched.
    pub ports: PortSet,
    /// Why it does not apply, in words.
    pub reason: String,
}

/// One side (client egress or server ingress) of a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideVerdict {
    pub direction: Direction,
    /// The policies that select the pod for this direction. Empty: the pod is
    /// not isolated and everything is allowed.
    pub isolated_by: Vec<PolicyKey>,
    pub allowed: PortSet,
    pub hits: Vec<RuleHit>,
    pub misses: Vec<RuleMiss>,
    /// The tier chain, when a cluster-scoped policy selects the pod for
    /// this direction; `allowed` is then the chain's answer.
    pub tiers: Option<super::tiers::TierSide>,
}

impl SideVerdict {
    pub fn is_isolated(&self) -> bool {
        !self.isolated_by.is_empty()
    }
}

/// Why no verdict can be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoVerdict {
    /// hostNetwork pods are not governed by NetworkPolicy at all.
    HostNetwork,
    /// Both ends are IP addresses: not a question for NetworkPolicy.
    NoPod,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairVerdict {
    pub from: Endpoint,
    pub to: Endpoint,
    /// None when the client is an IP (nothing governs its egress).
    pub egress: Option<SideVerdict>,
    /// None when the server is an IP.
    pub ingress: Option<SideVerdict>,
    pub allowed: PortSet,
}

impl Index {
    /// Policies in the pod's namespace that select it and have `dir` in
    /// their policyTypes: the ones that isolate it for that direction.
    pub fn isolating_policies(&self, class: ClassId, dir: Direction) -> Vec<&Policy> {
        let c = self.class(class);
        if c.host_network {
            return Vec::new();
        }
        self.policies_in(&c.namespace)
            .filter(|p| p.has_type(dir) && p.pod_selector.matches(&c.labels))
            .collect()
    }

    pub fn is_isolated(&self, class: ClassId, dir: Direction) -> bool {
        !self.isolating_policies(class, dir).is_empty()
    }

    /// Whether `peer` of a policy in `policy_ns` matches a pod of `class`.
    /// Same answer as [`Self::peer_mismatch`] without building the reason
    /// (scans over every class call this).
    pub fn peer_matches(&self, policy_ns: &str, peer: &Peer, class: ClassId) -> bool {
        let c = self.class(class);
        match peer {
            Peer::Pods {
                namespace_selector,
                pod_selector,
            } => {
                let ns_ok = match namespace_selector {
                    None => c.namespace == policy_ns,
                    Some(sel) => sel.matches(&self.ns_labels(&c.namespace)),
                };
                ns_ok && pod_selector.as_ref().is_none_or(|ps| ps.matches(&c.labels))
            }
            Peer::IpBlock(b) => self.class_ips(class).iter().any(|ip| b.contains_ip(*ip)),
        }
    }

    /// Why `peer` does not match a pod of `class` (None: it matches).
    pub fn peer_mismatch(&self, policy_ns: &str, peer: &Peer, class: ClassId) -> Option<String> {
        let c = self.class(class);
        match peer {
            Peer::Pods {
                namespace_selector,
                pod_selector,
            } => {
                match namespace_selector {
                    None => {
                        if c.namespace != policy_ns {
                            return Some(format!(
                                "podSelector alone only selects pods in namespace {policy_ns}; pod is in {}",
                                c.namespace
                            ));
                        }
                    }
                    Some(ns_sel) => {
                        if let Some(why) = ns_sel.mismatch(&self.ns_labels(&c.namespace)) {
                            return Some(format!(
                                "namespace {} does not match namespaceSelector {ns_sel}: {why}",
                                c.namespace
                            ));
                        }
                    }
                }
                if let Some(ps) = pod_selector
                    && let Some(why) = ps.mismatch(&c.labels)
                {
                    return Some(format!("pod does not match podSelector {ps}: {why}"));
                }
                None
            }
            Peer::IpBlock(b) => {
                let ips = self.class_ips(class);
                if ips.is_empty() {
                    return Some(format!(
                        "ipBlock {b} only matches pods by IP, and the pod's IP is unknown"
                    ));
                }
                if ips.iter().any(|ip| b.contains_ip(*ip)) {
                    None
                } else {
                    Some(format!("ipBlock {b} does not contain the pod's IP"))
                }
            }
        }
    }

    /// The IPs of a class's members (classes are split by ipBlock
    /// signature, so any member is representative for ipBlock matching).
    pub fn class_ips(&self, class: ClassId) -> Vec<std::net::IpAddr> {
        let c = self.class(class);
        c.members
            .iter()
            .next()
            .map(|m| {
                self.pod_ips(&super::model::PodKey::new(&c.namespace, m))
                    .to_vec()
            })
            .unwrap_or_default()
    }

    /// [`Self::peer_matches_endpoint`] without the reason of a miss (what
    /// a what-if asks for every changed pair).
    fn peer_admits(&self, policy_ns: &str, peer: &Peer, ep: Endpoint) -> bool {
        match (ep, peer) {
            (
                Endpoint::Class(c),
                Peer::Pods {
                    namespace_selector,
                    pod_selector,
                },
            ) => {
                let c = self.class(c);
                let ns_ok = match namespace_selector {
                    None => c.namespace == policy_ns,
                    Some(sel) => sel.matches(&self.ns_labels(&c.namespace)),
                };
                ns_ok && pod_selector.as_ref().is_none_or(|ps| ps.matches(&c.labels))
            }
            (Endpoint::Class(c), Peer::IpBlock(b)) => {
                self.class_ips(c).iter().any(|ip| b.contains_ip(*ip))
            }
            (Endpoint::Ip(r), Peer::IpBlock(b)) => b.contains_range(&r),
            (Endpoint::Ip(_), Peer::Pods { .. }) => false,
        }
    }

    fn peer_matches_endpoint(
        &self,
        policy_ns: &str,
        peer: &Peer,
        ep: Endpoint,
    ) -> Result<(), String> {
        match (ep, peer) {
            (Endpoint::Class(c), _) => match self.peer_mismatch(policy_ns, peer, c) {
                None => Ok(()),
                Some(why) => Err(why),
            },
            (Endpoint::Ip(r), Peer::IpBlock(b)) => {
                if b.contains_range(&r) {
                    Ok(())
                } else {
                    Err(format!("ipBlock {b} does not contain {r}"))
                }
            }
            (Endpoint::Ip(r), Peer::Pods { .. }) => Err(format!(
                "pod/namespace selectors never match the address {r}"
            )),
        }
    }

    /// One side of a verdict: the `dir` side of `subject` (a pod class),
    /// towards or from `other`. `server_ports` are the declared ports of the
    /// connection's destination (for named ports).
    pub fn side_verdict(&self, subject: ClassId, dir: Direction, other: Endpoint) -> SideVerdict {
        self.side_verdict_with(subject, dir, other, true)
    }

    /// [`Self::side_verdict`] without the misses (their reasons are the
    /// costly part), for callers that only need what is allowed and by whom.
    pub fn side_verdict_brief(
        &self,
        subject: ClassId,
        dir: Direction,
        other: Endpoint,
    ) -> SideVerdict {
        self.side_verdict_with(subject, dir, other, false)
    }

    fn side_verdict_with(
        &self,
        subject: ClassId,
        dir: Direction,
        other: Endpoint,
        with_misses: bool,
    ) -> SideVerdict {
        let mut v = self.np_side_verdict(subject, dir, other, with_misses);
        let np = v.is_isolated().then_some(&v.allowed);
        if let Some(t) = self.tier_side(subject, dir, other, np) {
            v.allowed = t.allowed.clone();
            v.tiers = Some(t);
        }
        v
    }

    /// The NetworkPolicy tier alone.
    fn np_side_verdict(
        &self,
        subject: ClassId,
        dir: Direction,
        other: Endpoint,
        with_misses: bool,
    ) -> SideVerdict {
        let isolating = self.isolating_policies(subject, dir);
        if isolating.is_empty() {
            return SideVerdict {
                direction: dir,
                isolated_by: vec![],
                allowed: PortSet::all(),
                hits: vec![],
                misses: vec![],
                tiers: None,
            };
        }
        // Named ports resolve against the destination: the subject itself on
        // ingress, the other end on egress (nothing for an IP).
        let dest_ports = match (dir, other) {
            (Direction::Ingress, _) => Some(self.class(subject).ports.as_slice()),
            (Direction::Egress, Endpoint::Class(c)) => Some(self.class(c).ports.as_slice()),
            (Direction::Egress, Endpoint::Ip(_)) => None,
        };
        let mut allowed = PortSet::none();
        let mut hits = Vec::new();
        let mut misses = Vec::new();
        for p in &isolating {
            for (ri, rule) in p.rules(dir).iter().enumerate() {
                let ports = rule_port_set(&rule.ports, dest_ports);
                let matched: Result<Option<usize>, String> = if rule.peers.is_empty() {
                    Ok(None)
                } else if !with_misses {
                    rule.peers
                        .iter()
                        .position(|peer| self.peer_admits(&p.namespace, peer, other))
                        .map(Some)
                        .ok_or_else(String::new)
                } else {
                    let mut reasons = Vec::new();
                    let mut found = None;
                    for (pi, peer) in rule.peers.iter().enumerate() {
                        match self.peer_matches_endpoint(&p.namespace, peer, other) {
                            Ok(()) => {
                                found = Some(pi);
                                break;
                            }
                            Err(why) => reasons.push(format!("peer {}: {why}", pi + 1)),
                        }
                    }
                    match found {
                        Some(pi) => Ok(Some(pi)),
                        None => Err(reasons.join("; ")),
                    }
                };
                match matched {
                    Ok(peer) if !ports.is_empty() => {
                        allowed.union_with(&ports);
                        hits.push(RuleHit { policy: p.key(), rule: ri, peer, ports });
                    }
                    _ if !with_misses => {}
                    Ok(_) => misses.push(RuleMiss {
                        policy: p.key(),
                        rule: ri,
                        ports,
                        reason: "its peers match, but none of its named ports is declared by the destination pod"
                            .to_string(),
                    }),
                    Err(reason) => misses.push(RuleMiss { policy: p.key(), rule: ri, ports, reason }),
                }
            }
            if with_misses && p.rules(dir).is_empty() {
                misses.push(RuleMiss {
                    policy: p.key(),
                    rule: usize::MAX,
                    ports: PortSet::none(),
                    reason: format!(
                        "has no {} rules: it only isolates",
                        dir.as_str().to_lowercase()
                    ),
                });
            }
        }
        SideVerdict {
            direction: dir,
            isolated_by: isolating.iter().map(|p| p.key()).collect(),
            allowed,
            hits,
            misses,
            tiers: None,
        }
    }

    /// `side(class, direction, other end)` for the client's egress and the
    /// server's ingress (None for an end that is an address), once no
    /// hostNetwork pod is involved (no policy governs those).
    pub fn verdict_sides<T>(
        &self,
        from: Endpoint,
        to: Endpoint,
        side: impl Fn(ClassId, Direction, Endpoint) -> T,
    ) -> Result<(Option<T>, Option<T>), NoVerdict> {
        for ep in [from, to] {
            if let Endpoint::Class(c) = ep
                && self.class(c).host_network
            {
                return Err(NoVerdict::HostNetwork);
            }
        }
        let egress = match from {
            Endpoint::Class(c) => Some(side(c, Direction::Egress, to)),
            Endpoint::Ip(_) => None,
        };
        let ingress = match to {
            Endpoint::Class(c) => Some(side(c, Direction::Ingress, from)),
            Endpoint::Ip(_) => None,
        };
        Ok((egress, ingress))
    }

    /// The full verdict for connections from `from` to `to`.
    pub fn pair_verdict(&self, from: Endpoint, to: Endpoint) -> Result<PairVerdict, NoVerdict> {
        let (egress, ingress) =
            self.verdict_sides(from, to, |c, dir, other| self.side_verdict(c, dir, other))?;
        if egress.is_none() && ingress.is_none() {
            return Err(NoVerdict::NoPod);
        }
        let all = PortSet::all();
        let e = egress.as_ref().map_or(&all, |s| &s.allowed);
        let i = ingress.as_ref().map_or(&all, |s| &s.allowed);
        let allowed = e.intersect(i);
        Ok(PairVerdict {
            from,
            to,
            egress,
            ingress,
            allowed,
        })
    }
}

impl fmt::Display for RuleHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {} of {}", self.rule + 1, self.policy)?;
        match self.peer {
            Some(p) => write!(f, " (peer {})", p + 1)?,
            None => f.write_str(" (any peer)")?,
        }
        write!(f, " allows {}", self.ports)
    }
}
