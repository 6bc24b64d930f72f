//! One side (egress of the client, ingress of the server) evaluated through
//! the tiers, per the API text: Admin tier, then NetworkPolicy (final for
//! the pods it isolates), then Baseline tier, then default allow. Accept and
//! Deny end the evaluation of that direction; Pass skips the rest of the
//! tier. Everything is computed on port sets, so one pass answers every
//! port at once.

use super::{Action, ClusterPolicy, ClusterPolicyKey, Tier, TierPeer, TierRule};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::{ContainerPort, Direction, IpBlock};
use crate::engine::ports::{PortSet, rule_port_set};
use crate::engine::verdict::Endpoint;

/// A rule that decided some ports of the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierStep {
    pub policy: ClusterPolicyKey,
    pub tier: Tier,
    /// None for the BaselineAdminNetworkPolicy (it has no priority).
    pub priority: Option<u32>,
    /// 0-based index in `ingress` / `egress`.
    pub rule: usize,
    pub rule_name: Option<String>,
    /// The effective action (a Pass rule with an unknown peer denies: fail closed).
    pub action: Action,
    pub ports: PortSet,
    /// Set when the rule applies only because a peer of an unknown type
    /// makes it fail closed.
    pub fail_closed: bool,
}

/// Two policies of one tier and priority that decide the same ports
/// differently: the API leaves their order to the implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierTie {
    pub tier: Tier,
    pub priority: u32,
    pub first: ClusterPolicyKey,
    pub first_action: Action,
    pub second: ClusterPolicyKey,
    pub second_action: Action,
    pub ports: PortSet,
}

/// What decided each port of one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierDecision {
    Step(TierStep),
    /// Ports that reached the NetworkPolicy tier.
    NetworkPolicy {
        isolated: bool,
        ports: PortSet,
    },
    /// Ports no tier decided: allowed by default.
    Default(PortSet),
}

/// One side evaluated through the tiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierSide {
    pub direction: Direction,
    /// In evaluation order.
    pub chain: Vec<TierDecision>,
    pub allowed: PortSet,
    /// Rules whose outcome depends on facts outside the cluster objects
    /// (`nodes`, `domainNames` peers), in words; they are taken as not
    /// matching.
    pub depends: Vec<String>,
    pub ties: Vec<TierTie>,
    /// What NetworkPolicy alone allows on this side (None: not isolated).
    pub np: Option<PortSet>,
}

/// Whether a rule's peers match the other end.
enum PeerMatch {
    Yes,
    No,
    /// A peer of an unknown type: fail closed.
    FailClosed,
}

impl Index {
    /// Whether any cluster-scoped policy exists (otherwise verdicts are
    /// exactly NetworkPolicy's).
    pub fn has_tiers(&self) -> bool {
        !self.cluster_policies().is_empty()
    }

    /// The cluster-scoped policies whose subject selects pods of `class`
    /// (hostNetwork pods are never selected), in evaluation order.
    pub fn tier_policies_for(&self, class: ClassId) -> Vec<&ClusterPolicy> {
        let c = self.class(class);
        if c.host_network {
            return Vec::new();
        }
        let ns = self.ns_labels(&c.namespace);
        self.cluster_policies()
            .iter()
            .filter(|p| p.subject.matches(&ns, &c.labels))
            .collect()
    }

    /// The pods the subject of cluster-scoped policy `key` selects now
    /// (none when it does not exist).
    pub fn tier_subject_pods(&self, key: &ClusterPolicyKey) -> Vec<crate::engine::model::PodKey> {
        let Some(p) = self.cluster_policies().iter().find(|p| &p.key() == key) else {
            return Vec::new();
        };
        self.classes()
            .filter(|(_, c)| {
                !c.host_network && p.subject.matches(&self.ns_labels(&c.namespace), &c.labels)
            })
            .flat_map(|(_, c)| {
                c.members
                    .iter()
                    .map(|m| crate::engine::model::PodKey::new(&c.namespace, m))
            })
            .collect()
    }

    fn tier_peer_match(
        &self,
        peer: &TierPeer,
        other: Endpoint,
        rule_desc: &dyn Fn() -> String,
        depends: &mut Vec<String>,
    ) -> PeerMatch {
        match (peer, other) {
            (TierPeer::Unknown, _) => PeerMatch::FailClosed,
            (TierPeer::Pods(sel), Endpoint::Class(c)) => {
                let class = self.class(c);
                if !class.host_network
                    && sel.matches(&self.ns_labels(&class.namespace), &class.labels)
                {
                    PeerMatch::Yes
                } else {
                    PeerMatch::No
                }
            }
            (TierPeer::Networks(nets), Endpoint::Class(c)) => {
                // The API: "cluster-internal traffic will be checked against
                // the rule as well".
                let ips = self.class_ips(c);
                if nets.iter().any(|n| ips.iter().any(|ip| n.contains(ip))) {
                    PeerMatch::Yes
                } else {
                    PeerMatch::No
                }
            }
            (TierPeer::Networks(nets), Endpoint::Ip(r)) => {
                let hit = nets.iter().any(|n| {
                    IpBlock {
                        cidr: *n,
                        except: vec![],
                    }
                    .contains_range(&r)
                });
                if hit { PeerMatch::Yes } else { PeerMatch::No }
            }
            (TierPeer::Pods(_), Endpoint::Ip(_)) => PeerMatch::No,
            // A hostNetwork pod's IP is its node's: whether the node's labels
            // match is not known here.
            (TierPeer::Nodes(sel), Endpoint::Class(c)) if self.class(c).host_network => {
                depends.push(format!(
                    "{} applies if the node of hostNetwork pods in {} matches {sel} (depends on the node's IPs; taken as not matching)",
                    rule_desc(),
                    self.class(c).namespace
                ));
                PeerMatch::No
            }
            // Other pod IPs are not node IPs; pods are not DNS answers of
            // outside names.
            (TierPeer::Nodes(_) | TierPeer::DomainNames(_), Endpoint::Class(_)) => PeerMatch::No,
            (TierPeer::Nodes(sel), Endpoint::Ip(r)) => {
                depends.push(format!(
                    "{} applies if {r} holds IPs of nodes matching {sel} (depends on the node's IPs; taken as not matching)",
                    rule_desc()
                ));
                PeerMatch::No
            }
            (TierPeer::DomainNames(names), Endpoint::Ip(r)) => {
                depends.push(format!(
                    "{} applies if {r} holds addresses of {} (depends on DNS names; taken as not matching)",
                    rule_desc(),
                    names.join(", ")
                ));
                PeerMatch::No
            }
        }
    }

    /// The steps one policy takes on `remaining` (not consumed here).
    #[allow(clippy::too_many_arguments)]
    fn tier_policy_steps(
        &self,
        p: &ClusterPolicy,
        dir: Direction,
        other: Endpoint,
        dest_ports: Option<&[ContainerPort]>,
        remaining: &PortSet,
        depends: &mut Vec<String>,
    ) -> Vec<TierStep> {
        let mut left = remaining.clone();
        let mut steps = Vec::new();
        for (ri, rule) in p.rules(dir).iter().enumerate() {
            if left.is_empty() {
                break;
            }
            let desc = || rule_text(p, dir, ri, rule);
            let mut m = PeerMatch::No;
            for peer in &rule.peers {
                match self.tier_peer_match(peer, other, &desc, depends) {
                    PeerMatch::Yes => {
                        if !matches!(m, PeerMatch::FailClosed) {
                            m = PeerMatch::Yes;
                        }
                    }
                    PeerMatch::FailClosed => m = PeerMatch::FailClosed,
                    PeerMatch::No => {}
                }
            }
            // Fail closed: an Accept rule matches nothing, a Deny or Pass
            // rule is "Deny all".
            let (action, ports, fail_closed) = match (m, rule.action) {
                (PeerMatch::No, _) | (PeerMatch::FailClosed, Action::Accept) => continue,
                (PeerMatch::FailClosed, _) => (Action::Deny, left.clone(), true),
                (PeerMatch::Yes, a) => (
                    a,
                    rule_port_set(&rule.ports, dest_ports).intersect(&left),
                    false,
                ),
            };
            if ports.is_empty() {
                continue;
            }
            left = left.difference(&ports);
            steps.push(TierStep {
                policy: p.key(),
                tier: p.tier,
                priority: p.has_priority().then_some(p.priority),
                rule: ri,
                rule_name: rule.name.clone(),
                action,
                ports,
                fail_closed,
            });
        }
        steps
    }

    /// Runs one tier over `remaining`; returns (accepted, passed) and
    /// removes every decided port from `remaining`.
    #[allow(clippy::too_many_arguments)]
    fn run_tier(
        &self,
        policies: &[&ClusterPolicy],
        dir: Direction,
        other: Endpoint,
        dest_ports: Option<&[ContainerPort]>,
        remaining: &mut PortSet,
        out: &mut TierSide,
    ) -> (PortSet, PortSet) {
        let mut accepted = PortSet::none();
        let mut passed = PortSet::none();
        let mut i = 0;
        while i < policies.len() && !remaining.is_empty() {
            // A group of equal priority: their relative order is undefined.
            let mut j = i + 1;
            while j < policies.len()
                && policies[j].priority == policies[i].priority
                && policies[j].has_priority() == policies[i].has_priority()
            {
                j += 1;
            }
            let group = &policies[i..j];
            if group.len() > 1 {
                let each: Vec<Vec<TierStep>> = group
                    .iter()
                    .map(|p| {
                        self.tier_policy_steps(
                            p,
                            dir,
                            other,
                            dest_ports,
                            remaining,
                            &mut Vec::new(),
                        )
                    })
                    .collect();
                for a in 0..each.len() {
                    for b in a + 1..each.len() {
                        for sa in &each[a] {
                            for sb in &each[b] {
                                let both = sa.ports.intersect(&sb.ports);
                                if sa.action != sb.action && !both.is_empty() {
                                    out.ties.push(TierTie {
                                        tier: group[a].tier,
                                        priority: group[a].priority,
                                        first: sa.policy.clone(),
                                        first_action: sa.action,
                                        second: sb.policy.clone(),
                                        second_action: sb.action,
                                        ports: both,
                                    });
                                }
                            }
                        }
                    }
                }
            }
            for p in group {
                for s in
                    self.tier_policy_steps(p, dir, other, dest_ports, remaining, &mut out.depends)
                {
                    *remaining = remaining.difference(&s.ports);
                    match s.action {
                        Action::Accept => accepted.union_with(&s.ports),
                        Action::Pass => passed.union_with(&s.ports),
                        Action::Deny => {}
                    }
                    out.chain.push(TierDecision::Step(s));
                }
            }
            i = j;
        }
        (accepted, passed)
    }

    /// The `dir` side of `subject` towards `other` through the tiers.
    /// `np` is what NetworkPolicy allows on this side, None when no
    /// NetworkPolicy isolates the pod. None when no cluster-scoped policy
    /// selects the pod for this direction: the NetworkPolicy answer stands.
    pub fn tier_side(
        &self,
        subject: ClassId,
        dir: Direction,
        other: Endpoint,
        np: Option<&PortSet>,
    ) -> Option<TierSide> {
        if !self.has_tiers() {
            return None;
        }
        let pols: Vec<&ClusterPolicy> = self
            .tier_policies_for(subject)
            .into_iter()
            .filter(|p| !p.rules(dir).is_empty())
            .collect();
        if pols.is_empty() {
            return None;
        }
        Some(self.tier_side_with(&pols, subject, dir, other, np))
    }

    /// [`Index::tier_side`] with the policies already chosen: those
    /// selecting `subject` with rules for `dir`, in evaluation order.
    pub(crate) fn tier_side_with(
        &self,
        pols: &[&ClusterPolicy],
        subject: ClassId,
        dir: Direction,
        other: Endpoint,
        np: Option<&PortSet>,
    ) -> TierSide {
        let dest_ports = match (dir, other) {
            (Direction::Ingress, _) => Some(self.class(subject).ports.as_slice()),
            (Direction::Egress, Endpoint::Class(c)) => Some(self.class(c).ports.as_slice()),
            (Direction::Egress, Endpoint::Ip(_)) => None,
        };
        let split = pols.partition_point(|p| p.tier == Tier::Admin);
        let (admin, baseline) = pols.split_at(split);
        let mut out = TierSide {
            direction: dir,
            chain: vec![],
            allowed: PortSet::none(),
            depends: vec![],
            ties: vec![],
            np: np.cloned(),
        };
        let mut remaining = PortSet::all();
        let (acc, passed) = self.run_tier(admin, dir, other, dest_ports, &mut remaining, &mut out);
        let mut allowed = acc;
        let to_np = remaining.union(&passed);
        if !to_np.is_empty() {
            out.chain.push(TierDecision::NetworkPolicy {
                isolated: np.is_some(),
                ports: to_np.clone(),
            });
            match np {
                Some(np) => allowed.union_with(&to_np.intersect(np)),
                None => {
                    let mut rest = to_np;
                    let (acc, passed) =
                        self.run_tier(baseline, dir, other, dest_ports, &mut rest, &mut out);
                    allowed.union_with(&acc);
                    // Pass in the Baseline tier hands over to the default: allow.
                    let default = rest.union(&passed);
                    allowed.union_with(&default);
                    if !default.is_empty() {
                        out.chain.push(TierDecision::Default(default));
                    }
                }
            }
        }
        out.allowed = allowed;
        if !out.ties.is_empty() {
            // A tie matters only where the two orders give different
            // answers: Accept allows, Deny denies, Pass leaves it to the
            // next tiers.
            let after_admin = match np {
                Some(np) => np.clone(),
                None => self.after_np(baseline, dir, other, dest_ports),
            };
            let all = PortSet::all();
            out.ties.retain_mut(|t| {
                let pass = match t.tier {
                    Tier::Admin => &after_admin,
                    Tier::Baseline => &all,
                };
                let outcome = |a: Action| match a {
                    Action::Accept => t.ports.clone(),
                    Action::Deny => PortSet::none(),
                    Action::Pass => t.ports.intersect(pass),
                };
                let (x, y) = (outcome(t.first_action), outcome(t.second_action));
                t.ports = x.difference(&y).union(&y.difference(&x));
                !t.ports.is_empty()
            });
        }
        out
    }

    /// What the tiers after NetworkPolicy allow for a pod it does not
    /// isolate: the Baseline tier, then default allow.
    fn after_np(
        &self,
        baseline: &[&ClusterPolicy],
        dir: Direction,
        other: Endpoint,
        dest_ports: Option<&[ContainerPort]>,
    ) -> PortSet {
        let mut scratch = TierSide {
            direction: dir,
            chain: vec![],
            allowed: PortSet::none(),
            depends: vec![],
            ties: vec![],
            np: None,
        };
        let mut rest = PortSet::all();
        let (acc, passed) =
            self.run_tier(baseline, dir, other, dest_ports, &mut rest, &mut scratch);
        acc.union(&rest).union(&passed)
    }
}

/// `cnp/x ingress rule 2 "name"`.
fn rule_text(p: &ClusterPolicy, dir: Direction, ri: usize, rule: &TierRule) -> String {
    let mut s = format!(
        "{} {} rule {}",
        p.key(),
        dir.as_str().to_lowercase(),
        ri + 1
    );
    if let Some(n) = &rule.name {
        s.push_str(&format!(" {n:?}"));
    }
    s.push_str(&format!(" ({})", rule.action.as_str()));
    s
}
