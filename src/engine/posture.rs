//! A pod's posture per direction, for views: which policies isolate it and,
//! rule by rule, which peers are admitted (resolved to the pods they match
//! now) on which ports. One side only; a connection also needs the other
//! end's side (see `verdict`).

use std::sync::Arc;

use super::index::Index;
use super::model::{Direction, Peer, PodKey, Policy, PolicyKey, PolicyPort, PortRef};

/// One admitted peer of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerView {
    /// 0-based index in the rule's from/to list.
    pub index: usize,
    /// In words: "pods app=api in namespace shop", "ipBlock 10.0.0.0/8 except ...".
    pub description: String,
    /// For selector peers: the namespaces whose pods may match.
    pub namespaces: Vec<String>,
    /// The pods it matches now.
    pub pods: Vec<PodKey>,
    /// It admits a whole namespace or more, not a named set of pods.
    pub open_ended: bool,
    pub is_ip_block: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleView {
    pub policy: PolicyKey,
    pub rule: usize,
    /// Empty with `any_peer`: the rule admits everyone.
    pub peers: Vec<PeerView>,
    pub any_peer: bool,
    /// "all ports", or "TCP 80, TCP 8000-8080, UDP dns".
    pub ports: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posture {
    pub direction: Direction,
    pub isolated_by: Vec<PolicyKey>,
    pub rules: Vec<RuleView>,
}

impl Posture {
    /// The first line of a pane: the posture in words.
    pub fn headline(&self) -> String {
        let d = self.direction.as_str().to_lowercase();
        match self.isolated_by.len() {
            0 => format!("not isolated: all {d} allowed"),
            1 => format!("isolated by 1 policy: only the following {d} is allowed"),
            n => format!("isolated by {n} policies: only the following {d} is allowed"),
        }
    }
}

/// A rule's ports in words, named ports left as names.
pub fn ports_text(ports: &[PolicyPort]) -> String {
    if ports.is_empty() {
        return "all ports".to_string();
    }
    ports
        .iter()
        .map(|p| match (&p.port, p.end_port) {
            (None, _) => format!("{} (all ports)", p.protocol),
            (Some(PortRef::Number(n)), Some(e)) if e != *n => format!("{} {n}-{e}", p.protocol),
            (Some(PortRef::Number(n)), _) => format!("{} {n}", p.protocol),
            (Some(PortRef::Name(name)), _) => format!("{} {name}", p.protocol),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Index {
    /// Namespaces a selector peer of a policy in `policy_ns` can reach into.
    pub fn peer_namespaces(&self, policy_ns: &str, peer: &Peer) -> Vec<String> {
        self.peer_namespaces_shared(policy_ns, peer).to_vec()
    }

    /// [`Self::peer_namespaces`], shared with the index's memo of
    /// namespaceSelector matches (see [`Self::namespaces_matching`]).
    pub fn peer_namespaces_shared(&self, policy_ns: &str, peer: &Peer) -> Arc<[String]> {
        match peer {
            Peer::IpBlock(_) => Arc::from([]),
            Peer::Pods {
                namespace_selector: None,
                ..
            } => Arc::from([policy_ns.to_string()]),
            Peer::Pods {
                namespace_selector: Some(sel),
                ..
            } => self.namespaces_matching(sel),
        }
    }

    /// The pods a peer matches now (hostNetwork pods are never matched).
    pub fn peer_pods(&self, policy_ns: &str, peer: &Peer) -> Vec<PodKey> {
        let namespaces: Arc<[String]> = match peer {
            Peer::IpBlock(_) => self.namespace_names().into(),
            Peer::Pods { .. } => self.peer_namespaces_shared(policy_ns, peer),
        };
        let mut out = Vec::new();
        for ns in namespaces.iter() {
            for c in self.classes_in(ns) {
                let class = self.class(c);
                if !class.host_network && self.peer_matches(policy_ns, peer, c) {
                    out.extend(class.members.iter().map(|m| PodKey::new(ns, m)));
                }
            }
        }
        out.sort();
        out
    }

    /// The pods a policy selects.
    pub fn selected_pods(&self, p: &Policy) -> Vec<PodKey> {
        let mut out: Vec<PodKey> = self
            .classes_in(&p.namespace)
            .filter(|&c| {
                let class = self.class(c);
                !class.host_network && p.pod_selector.matches(&class.labels)
            })
            .flat_map(|c| {
                self.class(c)
                    .members
                    .iter()
                    .map(|m| PodKey::new(&p.namespace, m))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort();
        out
    }

    pub fn describe_peer(&self, policy_ns: &str, peer: &Peer) -> String {
        match peer {
            Peer::IpBlock(b) => format!("ipBlock {b}"),
            Peer::Pods {
                namespace_selector,
                pod_selector,
            } => {
                let pods = match pod_selector {
                    None => "all pods".to_string(),
                    Some(s) if s.is_empty() => "all pods".to_string(),
                    Some(s) => format!("pods {s}"),
                };
                let ns = match namespace_selector {
                    None => format!("in namespace {policy_ns}"),
                    Some(s) if s.is_empty() => "in all namespaces".to_string(),
                    Some(s) => format!("in namespaces {s}"),
                };
                format!("{pods} {ns}")
            }
        }
    }

    /// The posture of a pod for one direction; None for an unknown pod.
    pub fn posture(&self, pod: &PodKey, dir: Direction) -> Option<Posture> {
        let class = self.pod_class(pod)?;
        let isolating = self.isolating_policies(class, dir);
        let mut rules = Vec::new();
        for p in &isolating {
            for (ri, r) in p.rules(dir).iter().enumerate() {
                let peers = r
                    .peers
                    .iter()
                    .enumerate()
                    .map(|(i, peer)| PeerView {
                        index: i,
                        description: self.describe_peer(&p.namespace, peer),
                        namespaces: self.peer_namespaces(&p.namespace, peer),
                        pods: self.peer_pods(&p.namespace, peer),
                        open_ended: match peer {
                            Peer::IpBlock(_) => true,
                            Peer::Pods { pod_selector, .. } => {
                                pod_selector.as_ref().is_none_or(|s| s.is_empty())
                            }
                        },
                        is_ip_block: matches!(peer, Peer::IpBlock(_)),
                    })
                    .collect();
                rules.push(RuleView {
                    policy: p.key(),
                    rule: ri,
                    peers,
                    any_peer: r.peers.is_empty(),
                    ports: ports_text(&r.ports),
                });
            }
        }
        Some(Posture {
            direction: dir,
            isolated_by: isolating.iter().map(|p| p.key()).collect(),
            rules,
        })
    }
}
