//! A cluster-scoped policy's view model: tier and priority, the pods its
//! subject selects now, and each rule's peers resolved to the pods they
//! match now, in evaluation order.

use crate::engine::index::Index;
use crate::engine::model::{Direction, PodKey};
use crate::engine::posture::ports_text;
use crate::engine::tiers::{ClusterPolicy, ClusterPolicyKey, Selects, TierPeer};

/// Pods named in a line at most.
const SHOW: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterPolicyModel {
    pub key: ClusterPolicyKey,
    /// Tier, priority, kind.
    pub header: String,
    /// `subject: ... -> N pods: ...`.
    pub subject: String,
    /// Per direction: (rule heading, lines for its peers and ports).
    pub rules: Vec<(String, Vec<String>)>,
    /// The policy as YAML, one line each.
    pub yaml: Vec<String>,
}

fn pods_text(pods: &[PodKey]) -> String {
    if pods.is_empty() {
        return "no pod now".to_string();
    }
    let mut names: Vec<String> = pods.iter().take(SHOW).map(|k| k.to_string()).collect();
    if pods.len() > SHOW {
        names.push(format!("… (+{} more)", pods.len() - SHOW));
    }
    let n = pods.len();
    format!(
        "{n} pod{}: {}",
        if n == 1 { "" } else { "s" },
        names.join(", ")
    )
}

fn selects_text(s: &Selects) -> String {
    match s {
        Selects::Namespaces(ns) => format!("namespaces {ns}"),
        Selects::Pods { namespaces, pods } => format!("pods {pods} in namespaces {namespaces}"),
    }
}

fn matching(idx: &Index, s: &Selects) -> Vec<PodKey> {
    let mut out: Vec<PodKey> = idx
        .classes()
        .filter(|(_, c)| !c.host_network && s.matches(&idx.ns_labels(&c.namespace), &c.labels))
        .flat_map(|(_, c)| {
            c.members
                .iter()
                .map(|m| PodKey::new(&c.namespace, m))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

fn peer_text(idx: &Index, p: &TierPeer) -> String {
    match p {
        TierPeer::Pods(s) => format!("{} -> {}", selects_text(s), pods_text(&matching(idx, s))),
        TierPeer::Networks(n) => {
            let cidrs: Vec<String> = n.iter().map(|c| c.to_string()).collect();
            format!("networks {} (pod IPs included)", cidrs.join(", "))
        }
        TierPeer::Nodes(s) => format!("nodes {s} (depends on the node's IPs)"),
        TierPeer::DomainNames(d) => format!("domainNames {} (depends on DNS names)", d.join(", ")),
        TierPeer::Unknown => "a peer of a type this tool does not know (fails closed)".to_string(),
    }
}

pub fn model(idx: &Index, key: &ClusterPolicyKey) -> Option<ClusterPolicyModel> {
    let p: &ClusterPolicy = idx.cluster_policies().iter().find(|p| &p.key() == key)?;
    let header = if p.has_priority() {
        format!(
            "{} tier, priority {} ({})",
            p.tier.as_str(),
            p.priority,
            p.kind.kind()
        )
    } else {
        format!("{} tier ({})", p.tier.as_str(), p.kind.kind())
    };
    let subject = format!(
        "subject: {} -> {}",
        selects_text(&p.subject),
        pods_text(&matching(idx, &p.subject))
    );
    let mut rules = Vec::new();
    for dir in [Direction::Ingress, Direction::Egress] {
        let (d, peers) = match dir {
            Direction::Ingress => ("ingress", "from"),
            Direction::Egress => ("egress", "to"),
        };
        for (i, r) in p.rules(dir).iter().enumerate() {
            let mut head = format!("{d} rule {}", i + 1);
            if let Some(n) = &r.name {
                head.push_str(&format!(" {n:?}"));
            }
            head.push_str(&format!(": {}", r.action.as_str()));
            let mut lines: Vec<String> = r
                .peers
                .iter()
                .map(|x| format!("{peers} {}", peer_text(idx, x)))
                .collect();
            lines.push(format!("ports: {}", ports_text(&r.ports)));
            rules.push((head, lines));
        }
    }
    Some(ClusterPolicyModel {
        key: key.clone(),
        header,
        subject,
        rules,
        yaml: crate::engine::tiers::cluster_policy_yaml(p)
            .lines()
            .map(str::to_string)
            .collect(),
    })
}
