//! Least-privilege NetworkPolicies for one namespace from its recorded
//! flows: a default deny for both directions, DNS egress to the cluster DNS
//! pods on UDP and TCP 53, and per workload one policy that allows exactly
//! the recorded peers and ports (forwarded connections only: a connection
//! that was only ever dropped is not something to keep working).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use ipnet::IpNet;

use super::attribute::{Attributed, Side};
use super::labels::stable;
use crate::engine::findings::{METADATA_V4, METADATA_V6};
use crate::engine::index::Index;
use crate::engine::model::{
    Direction, IpBlock, LabelSelector, Labels, NS_NAME_LABEL, Peer, PodKey, Policy, PolicyPort,
    PortRef, Protocol, Rule,
};
use crate::engine::proposal::dns_egress_rule;

pub const PREFIX: &str = "suggested-";

/// Where the cluster DNS pods are.
#[derive(Debug, Clone)]
pub struct SuggestOptions {
    pub dns_namespace: String,
    pub dns_selector: LabelSelector,
}

/// The suggested policies, and the recorded connections they do not keep
/// (with why).
#[derive(Debug, Clone, Default)]
pub struct Suggestion {
    pub policies: Vec<Policy>,
    pub refused: Vec<String>,
}

/// The workload of a pod as a key: owner, else the pod itself.
fn workload(idx: &Index, k: &PodKey) -> String {
    idx.workload_of(k)
}

/// The stable labels every pod of the group shares.
fn common_stable(idx: &Index, pods: &[PodKey]) -> Labels {
    let mut it = pods
        .iter()
        .filter_map(|k| idx.pod(k))
        .map(|p| stable(&p.labels));
    let Some(mut acc) = it.next() else {
        return Labels::new();
    };
    for l in it {
        acc.retain(|k, v| l.get(k) == Some(v));
    }
    acc
}

fn eq_selector(l: Labels) -> LabelSelector {
    LabelSelector {
        match_labels: l,
        match_expressions: vec![],
    }
}

fn ns_selector(ns: &str) -> LabelSelector {
    eq_selector(Labels::from([(NS_NAME_LABEL.to_string(), ns.to_string())]))
}

/// A peer's key: sorted, deduplicated, comparable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PeerKey {
    Pods { ns: String, labels: Labels },
    Ip(IpAddr),
}

impl PeerKey {
    fn peer(&self) -> Peer {
        match self {
            PeerKey::Pods { ns, labels } => Peer::Pods {
                namespace_selector: Some(ns_selector(ns)),
                pod_selector: Some(eq_selector(labels.clone())),
            },
            PeerKey::Ip(ip) => Peer::IpBlock(IpBlock {
                cidr: IpNet::from(*ip),
                except: vec![],
            }),
        }
    }
}

/// Ports of one rule: by name where every destination pod declares that
/// name for the port.
fn policy_port(idx: &Index, dest: &[PodKey], proto: Protocol, port: u16) -> PolicyPort {
    let names: BTreeSet<Option<String>> = dest
        .iter()
        .filter_map(|k| idx.pod(k))
        .map(|p| {
            p.ports
                .iter()
                .find(|c| c.protocol == proto && c.port == port)
                .and_then(|c| c.name.clone())
        })
        .collect();
    let port = match names.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(name)] => PortRef::Name(name.clone()),
        _ => PortRef::Number(port),
    };
    PolicyPort {
        protocol: proto,
        port: Some(port),
        end_port: None,
    }
}

fn is_dns(idx: &Index, o: &SuggestOptions, s: &Side, proto: Protocol, port: u16) -> bool {
    let Side::Pod(k) = s else { return false };
    port == 53
        && matches!(proto, Protocol::Udp | Protocol::Tcp)
        && k.namespace == o.dns_namespace
        && idx
            .pod(k)
            .is_some_and(|p| o.dns_selector.matches(&p.labels))
}

/// The policies for namespace `ns` that keep every forwarded recorded
/// connection of its pods working, and nothing else (plus DNS).
pub fn suggest(att: &Attributed, ns: &str, o: &SuggestOptions) -> Suggestion {
    let idx = &att.index;
    let mut out = Suggestion::default();
    // Workloads of the namespace and their pods (live and ghosts).
    let mut groups: BTreeMap<String, Vec<PodKey>> = BTreeMap::new();
    for k in idx.pods_in(ns) {
        if idx.pod(k).is_some_and(|p| !p.host_network) {
            groups.entry(workload(idx, k)).or_default().push(k.clone());
        }
    }
    // A workload's common stable labels, once per workload (a scan of its
    // namespace's pods each).
    let mut selectors: HashMap<String, Labels> = HashMap::new();
    let mut peer_of = |s: &Side, refused: &mut Vec<String>, what: &str| -> Option<PeerKey> {
        match s {
            Side::Pod(k) => {
                let labels = selectors
                    .entry(idx.workload_of(k))
                    .or_insert_with(|| common_stable(idx, &groups_of(idx, k)))
                    .clone();
                if labels.is_empty() {
                    // `podSelector: {}` would admit the whole namespace.
                    refused.push(format!(
                        "{what}: {} carries no stable label to select it by",
                        idx.workload_of(k)
                    ));
                    return None;
                }
                Some(PeerKey::Pods {
                    ns: k.namespace.clone(),
                    labels,
                })
            }
            Side::Ip(ip) if *ip == METADATA_V4 || *ip == METADATA_V6 => {
                refused.push(format!(
                    "{what}: the cloud metadata endpoint {ip} is never allowed"
                ));
                None
            }
            Side::Ip(ip) => Some(PeerKey::Ip(*ip)),
        }
    };
    // (workload, direction) -> peer -> ports
    type Rules = BTreeMap<PeerKey, BTreeSet<(Protocol, u16)>>;
    let mut rules: BTreeMap<(String, Direction), Rules> = BTreeMap::new();
    for c in att.conns.iter().filter(|c| c.stats.forwarded > 0) {
        let what = format!(
            "{} -> {} {}/{}",
            side_name(idx, &c.from),
            side_name(idx, &c.to),
            c.protocol,
            c.port
        );
        if let (Some(svc), Side::Pod(k)) = (&c.service, &c.from)
            && k.namespace == ns
        {
            // An ipBlock on a ClusterIP matches nothing after translation.
            out.refused.push(format!(
                "{what}: addressed to the ClusterIP of svc/{svc}; its backends are not derived"
            ));
            continue;
        }
        if let Side::Pod(k) = &c.from
            && k.namespace == ns
            && !is_dns(idx, o, &c.to, c.protocol, c.port)
            && let Some(p) = peer_of(&c.to, &mut out.refused, &what)
        {
            rules
                .entry((workload(idx, k), Direction::Egress))
                .or_default()
                .entry(p)
                .or_default()
                .insert((c.protocol, c.port));
        }
        if let Side::Pod(k) = &c.to
            && k.namespace == ns
            && let Some(p) = peer_of(&c.from, &mut out.refused, &what)
        {
            rules
                .entry((workload(idx, k), Direction::Ingress))
                .or_default()
                .entry(p)
                .or_default()
                .insert((c.protocol, c.port));
        }
    }
    let [mut deny, _] = crate::engine::proposal::default_deny_policies(ns);
    deny.name = format!("{PREFIX}default-deny");
    let dns = Policy {
        name: format!("{PREFIX}allow-dns"),
        ingress_type: false,
        egress_type: true,
        egress: vec![dns_egress_rule(&o.dns_namespace, &o.dns_selector)],
        ..deny.clone()
    };
    out.policies.push(deny);
    out.policies.push(dns);
    for (w, pods) in &groups {
        let ing = rules.get(&(w.clone(), Direction::Ingress));
        let eg = rules.get(&(w.clone(), Direction::Egress));
        if ing.is_none() && eg.is_none() {
            continue;
        }
        let selector = common_stable(idx, pods);
        if selector.is_empty() {
            out.refused.push(format!(
                "{w}: its pods carry no stable label to select them by; no policy written for it"
            ));
            continue;
        }
        let mk = |r: Option<&Rules>, ingress: bool| -> Vec<Rule> {
            r.into_iter()
                .flatten()
                .map(|(peer, ports)| {
                    let dest: Vec<PodKey> = match (peer, ingress) {
                        // Ingress: the ports are this workload's.
                        (_, true) => pods.clone(),
                        (PeerKey::Pods { ns, labels }, false) => idx
                            .pods_in(ns)
                            .filter(|k| {
                                idx.pod(k)
                                    .is_some_and(|p| eq_selector(labels.clone()).matches(&p.labels))
                            })
                            .cloned()
                            .collect(),
                        (PeerKey::Ip(_), false) => vec![],
                    };
                    Rule {
                        peers: vec![peer.peer()],
                        ports: ports
                            .iter()
                            .map(|(p, n)| policy_port(idx, &dest, *p, *n))
                            .collect(),
                    }
                })
                .collect()
        };
        let name = w
            .split_once('/')
            .map_or(w.as_str(), |(_, n)| n)
            .split('[')
            .next()
            .unwrap_or_default()
            .to_string();
        out.policies.push(Policy {
            namespace: ns.to_string(),
            name: format!("{PREFIX}{name}"),
            pod_selector: eq_selector(selector),
            ingress_type: ing.is_some(),
            egress_type: eg.is_some(),
            ingress: mk(ing, true),
            egress: mk(eg, false),
        });
    }
    // Recorded traffic with an end NetworkPolicy peers cannot name (the
    // node, kube-apiserver without an address identity, ...): said, not kept.
    for (k, client, why, proto, port, forwarded) in &att.half {
        if k.namespace == ns && *forwarded > 0 {
            let w = idx.workload_of(k);
            out.refused.push(if *client {
                format!("{w} -> {why} {proto}/{port}: add an ipBlock for it if it is needed")
            } else {
                format!("{why} -> {w} {proto}/{port}: host traffic to pods is allowed by most plugins whatever the policies say")
            });
        }
    }
    out.refused.sort();
    out.refused.dedup();
    out
}

/// What the what-if says about a suggestion: the recorded connections it
/// would lose (with why), and how many theoretical pod pairs it closes.
#[derive(Debug, Clone, Default)]
pub struct Proof {
    pub lost: Vec<String>,
    /// Recorded (forwarded) connections of the namespace it keeps.
    pub kept: u64,
    pub closed: usize,
}

/// Runs the what-if of `s` against the recording: on the attributed index
/// for recorded connections, and on `idx` (the cluster) for pairs closed.
pub fn prove(att: &Attributed, idx: &Index, ns: &str, s: &Suggestion) -> Proof {
    use crate::engine::connectivity::Granularity;
    use crate::engine::diff::{PreviewOptions, preview};
    use crate::engine::proposal::{Change, Proposal};
    let proposal = Proposal::new(
        s.policies
            .iter()
            .cloned()
            .map(Change::UpsertPolicy)
            .collect(),
    );
    let mut after = att.index.clone();
    after.apply_all(proposal.events());
    let mut proof = Proof::default();
    for r in super::status::rows(att, Some(&after), Granularity::Workload) {
        let touches =
            r.namespaces.0.as_deref() == Some(ns) || r.namespaces.1.as_deref() == Some(ns);
        if !touches || r.stats.forwarded == 0 {
            continue;
        }
        if r.after == Some(false) {
            proof.lost.push(format!(
                "{} -> {} {}/{} ({} recorded): {}",
                r.from, r.to, r.protocol, r.port, r.stats.forwarded, r.because
            ));
        } else {
            proof.kept += r.stats.forwarded;
        }
    }
    proof.closed = preview(idx, &proposal, &PreviewOptions::new(Granularity::Workload))
        .lost()
        .len();
    proof
}

/// The pods of `k`'s workload.
fn groups_of(idx: &Index, k: &PodKey) -> Vec<PodKey> {
    let w = idx.workload_of(k);
    idx.pods_in(&k.namespace)
        .filter(|p| idx.workload_of(p) == w)
        .cloned()
        .collect()
}

fn side_name(idx: &Index, s: &Side) -> String {
    match s {
        Side::Pod(k) => idx.workload_of(k),
        Side::Ip(ip) => ip.to_string(),
    }
}

#[cfg(test)]
#[path = "suggest_tests.rs"]
mod tests;
