//! Cluster-scoped policy tiers: ClusterNetworkPolicy
//! (policy.networking.k8s.io/v1alpha2) and the legacy AdminNetworkPolicy /
//! BaselineAdminNetworkPolicy (v1alpha1), mapped onto one model of two tiers
//! around NetworkPolicy. Per direction: Admin tier (priority ascending, rules
//! in the order written) -> NetworkPolicy (final for the pods it isolates)
//! -> Baseline tier -> default allow.

mod eval;
mod explain;
mod manifest;

use std::fmt;

use ipnet::IpNet;

use super::model::{LabelSelector, PolicyPort};

pub use eval::{TierDecision, TierSide, TierStep, TierTie};
pub(crate) use explain::explain_chain;
pub use explain::{caveats, chain_text, change_reasons, step_text, tie_text, tier_headline};
pub use manifest::cluster_policy_yaml;

/// Which API object a cluster-scoped policy came from (for names and text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterKind {
    /// ClusterNetworkPolicy (v1alpha2).
    Cnp,
    /// AdminNetworkPolicy (v1alpha1).
    Anp,
    /// BaselineAdminNetworkPolicy (v1alpha1).
    Banp,
}

impl ClusterKind {
    pub fn short(self) -> &'static str {
        match self {
            ClusterKind::Cnp => "cnp",
            ClusterKind::Anp => "anp",
            ClusterKind::Banp => "banp",
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            ClusterKind::Cnp => "ClusterNetworkPolicy",
            ClusterKind::Anp => "AdminNetworkPolicy",
            ClusterKind::Banp => "BaselineAdminNetworkPolicy",
        }
    }
}

/// `cnp/name`, `anp/name` or `banp/default`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterPolicyKey {
    pub kind: ClusterKind,
    pub name: String,
}

impl fmt::Display for ClusterPolicyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.short(), self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    Admin,
    Baseline,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "Admin",
            Tier::Baseline => "Baseline",
        }
    }
}

/// A rule's action. The legacy `Allow` is `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Accept,
    Deny,
    Pass,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "Accept",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

/// `subject` (and the `pods` peer): namespaces, or pods in namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selects {
    Namespaces(LabelSelector),
    Pods {
        namespaces: LabelSelector,
        pods: LabelSelector,
    },
}

/// One item of `from` / `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TierPeer {
    Pods(Selects),
    /// Egress only: CIDRs, which also match pod IPs.
    Networks(Vec<IpNet>),
    /// Egress only: node IPs; not known from cluster objects here.
    Nodes(LabelSelector),
    /// Egress only: DNS names; not known from cluster objects here.
    DomainNames(Vec<String>),
    /// A peer with no field this tool knows (a newer CRD): the API says to
    /// fail closed (Accept: matches nothing; Deny/Pass: deny all).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierRule {
    /// `name`, when given.
    pub name: Option<String>,
    pub action: Action,
    /// At least one (validation).
    pub peers: Vec<TierPeer>,
    /// Empty: every port of every protocol (`ports`/`protocols` unset).
    pub ports: Vec<PolicyPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterPolicy {
    pub kind: ClusterKind,
    pub name: String,
    pub tier: Tier,
    /// 0..=1000; the single BANP has none (0 here, see `has_priority`).
    pub priority: u32,
    pub subject: Selects,
    pub ingress: Vec<TierRule>,
    pub egress: Vec<TierRule>,
}

impl ClusterPolicy {
    pub fn key(&self) -> ClusterPolicyKey {
        ClusterPolicyKey {
            kind: self.kind,
            name: self.name.clone(),
        }
    }

    pub fn has_priority(&self) -> bool {
        self.kind != ClusterKind::Banp
    }

    pub fn rules(&self, dir: super::model::Direction) -> &[TierRule] {
        match dir {
            super::model::Direction::Ingress => &self.ingress,
            super::model::Direction::Egress => &self.egress,
        }
    }

    /// Evaluation order: tier, priority, then a fixed order (kind, name)
    /// among equal priorities, which the API leaves undefined (ties are
    /// reported, never silently picked).
    /// The BaselineAdminNetworkPolicy, which has no priority, comes after
    /// the Baseline-tier ClusterNetworkPolicies (both kinds on one cluster
    /// is an assumption of this tool; the APIs do not order them).
    pub fn order_key(&self) -> (Tier, u32, ClusterKind, &str) {
        let priority = if self.has_priority() {
            self.priority
        } else {
            u32::MAX
        };
        (self.tier, priority, self.kind, &self.name)
    }

    /// Every CIDR of its `networks` peers (they split pod classes by IP).
    pub fn nets(&self) -> impl Iterator<Item = &IpNet> {
        self.ingress
            .iter()
            .chain(self.egress.iter())
            .flat_map(|r| r.peers.iter())
            .filter_map(|p| match p {
                TierPeer::Networks(n) => Some(n.iter()),
                _ => None,
            })
            .flatten()
    }

    /// `Admin: cnp/x priority 10` / `Baseline: banp/default`.
    pub fn describe(&self) -> String {
        if self.has_priority() {
            format!(
                "{}: {} priority {}",
                self.tier.as_str(),
                self.key(),
                self.priority
            )
        } else {
            format!("{}: {}", self.tier.as_str(), self.key())
        }
    }
}

impl Selects {
    pub fn matches(
        &self,
        ns_labels: &super::model::Labels,
        pod_labels: &super::model::Labels,
    ) -> bool {
        match self {
            Selects::Namespaces(ns) => ns.matches(ns_labels),
            Selects::Pods { namespaces, pods } => {
                namespaces.matches(ns_labels) && pods.matches(pod_labels)
            }
        }
    }
}
