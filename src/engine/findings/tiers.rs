//! Cluster-scoped tiers: two policies tied at one priority that decide some
//! traffic differently, `networks` peers that also cover pod IPs, and tier
//! rules that deny pods their DNS.

use std::collections::BTreeMap;

use super::{
    CNP_NETWORKS_MATCH_PODS, CNP_PRIORITY_TIE, Finding, LintOptions, Severity,
    TIER_DENY_BLOCKS_DNS, members, names, plural,
};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::{Direction, PodKey, Protocol};
use crate::engine::tiers::{
    Action, ClusterPolicy, Selects, Tier, TierDecision, TierPeer, TierStep, step_text, tie_text,
};
use crate::engine::verdict::{Endpoint, PairVerdict};

pub(super) fn tier_findings(idx: &Index, out: &mut Vec<Finding>) {
    if !idx.has_tiers() {
        return;
    }
    networks_findings(idx, out);
    tie_findings(idx, out);
    super::shadowed::shadowed_findings(idx, out);
}

fn about_cluster_policy(id: &'static str, severity: Severity, p: &ClusterPolicy) -> Finding {
    Finding {
        id,
        severity,
        namespace: None,
        policy: Some(p.name.clone()),
        pod: None,
        message: String::new(),
        why: String::new(),
        fix: None,
        pods: vec![],
    }
}

/// Whether a rule matches every pod on every port (`namespaces: {}`, no
/// ports): rules after it never see pod traffic.
fn covers_all_pods(r: &crate::engine::tiers::TierRule) -> bool {
    r.ports.is_empty()
        && r.peers.iter().any(|p| {
            matches!(p, TierPeer::Pods(Selects::Namespaces(s)) if s.is_empty())
                || matches!(p, TierPeer::Pods(Selects::Pods { namespaces, pods }) if namespaces.is_empty() && pods.is_empty())
        })
}

/// Whether a cluster-scoped Deny without ports covers every pod (and, for
/// egress, every IPv4 address) for `c`: a default deny written in a tier,
/// so the pod is not "open" even though no NetworkPolicy isolates it.
pub(super) fn tier_default_deny(idx: &Index, c: ClassId, dir: Direction) -> bool {
    if !idx.has_tiers() {
        return false;
    }
    let rules: Vec<&crate::engine::tiers::TierRule> = idx
        .tier_policies_for(c)
        .into_iter()
        .flat_map(|p| p.rules(dir))
        .filter(|r| r.action == Action::Deny && r.ports.is_empty())
        .collect();
    let pods = rules.iter().any(|r| covers_all_pods(r));
    let world = ipnet::IpNet::V4(ipnet::Ipv4Net::new_assert(
        std::net::Ipv4Addr::UNSPECIFIED,
        0,
    ));
    let outside = dir == Direction::Ingress
        || rules.iter().any(|r| {
            r.peers
                .iter()
                .any(|p| matches!(p, TierPeer::Networks(n) if n.contains(&world)))
        });
    pods && outside
}

/// `cnp-networks-match-pods`: "cluster-internal traffic will be checked
/// against the rule as well" (the API on `networks`).
fn networks_findings(idx: &Index, out: &mut Vec<Finding>) {
    for p in idx.cluster_policies() {
        for (ri, r) in p.egress.iter().enumerate() {
            if p.egress[..ri].iter().any(covers_all_pods) {
                break;
            }
            let nets: Vec<&ipnet::IpNet> = r
                .peers
                .iter()
                .filter_map(|x| match x {
                    TierPeer::Networks(n) => Some(n.iter()),
                    _ => None,
                })
                .flatten()
                .collect();
            if nets.is_empty() {
                continue;
            }
            let mut pods: Vec<PodKey> = idx
                .classes()
                .filter(|(c, cl)| {
                    !cl.host_network
                        && idx
                            .class_ips(*c)
                            .iter()
                            .any(|ip| nets.iter().any(|n| n.contains(ip)))
                })
                .flat_map(|(c, _)| members(idx, c))
                .collect();
            if pods.is_empty() {
                continue;
            }
            pods.sort();
            let cidrs: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
            let rule = rule_label(p, Direction::Egress, ri, r);
            let severity = if r.action == Action::Deny {
                Severity::Medium
            } else {
                Severity::Low
            };
            out.push(Finding {
                message: format!(
                    "{rule}: networks {} cover the IPs of {}, so it also decides pod-to-pod traffic: {}",
                    cidrs.join(", "),
                    plural(pods.len(), "pod", "pods"),
                    names(&pods)
                ),
                why: "a CIDR meant for the outside (e.g. 0.0.0.0/0) also matches pod IPs: pod traffic is accepted or denied by a rule written for external addresses".to_string(),
                fix: Some(format!(
                    "put a rule that passes pod traffic before {rule}:\n- action: Pass\n  to:\n  - namespaces: {{}}\n"
                )),
                pods,
                ..about_cluster_policy(CNP_NETWORKS_MATCH_PODS, severity, p)
            });
        }
    }
}

fn rule_label(
    p: &ClusterPolicy,
    dir: Direction,
    ri: usize,
    r: &crate::engine::tiers::TierRule,
) -> String {
    let mut s = format!(
        "{} {} rule {}",
        p.key(),
        dir.as_str().to_lowercase(),
        ri + 1
    );
    if let Some(n) = &r.name {
        s.push_str(&format!(" {n:?}"));
    }
    s.push_str(&format!(" ({})", r.action.as_str()));
    s
}

fn selects(idx: &Index, p: &ClusterPolicy, c: ClassId) -> bool {
    let cl = idx.class(c);
    !cl.host_network && p.subject.matches(&idx.ns_labels(&cl.namespace), &cl.labels)
}

/// `cnp-priority-tie`: "If two (or more) policies in the same tier with the
/// same priority could match a connection, then the implementation can apply
/// any of the matching policies". Reported where the order changes the
/// answer for some pod pair (external addresses are not searched).
fn tie_findings(idx: &Index, out: &mut Vec<Finding>) {
    let pols = idx.cluster_policies();
    for (i, a) in pols.iter().enumerate() {
        for b in &pols[i + 1..] {
            if !(a.has_priority()
                && b.has_priority()
                && a.tier == b.tier
                && a.priority == b.priority)
            {
                continue;
            }
            if let Some(f) = first_tie(idx, a, b) {
                out.push(f);
            }
        }
    }
}

fn first_tie(idx: &Index, a: &ClusterPolicy, b: &ClusterPolicy) -> Option<Finding> {
    let shared: Vec<ClassId> = idx
        .classes()
        .map(|(c, _)| c)
        .filter(|&c| selects(idx, a, c) && selects(idx, b, c))
        .collect();
    let (ka, kb) = (a.key(), b.key());
    for dir in [Direction::Ingress, Direction::Egress] {
        if a.rules(dir).is_empty() || b.rules(dir).is_empty() {
            continue;
        }
        for &c in &shared {
            for (o, ocl) in idx.classes() {
                if ocl.host_network || o == c && idx.class(c).members.len() < 2 {
                    continue;
                }
                let v = idx.side_verdict(c, dir, Endpoint::Class(o));
                let Some(t) = v.tiers else { continue };
                let Some(tie) = t.ties.iter().find(|t| {
                    (t.first == ka && t.second == kb) || (t.first == kb && t.second == ka)
                }) else {
                    continue;
                };
                let pods = members(idx, c);
                let other = members(idx, o);
                let (who, peer) = match dir {
                    Direction::Ingress => ("to", "from"),
                    Direction::Egress => ("from", "to"),
                };
                return Some(Finding {
                    message: format!(
                        "{}: on {} traffic {who} {} {peer} {}",
                        tie_text(tie),
                        tie.ports,
                        names(&pods),
                        names(&other)
                    ),
                    why: "the API leaves the order of policies of one tier and priority to the implementation: the same cluster can behave differently after an upgrade or on another CNI".to_string(),
                    fix: Some(format!(
                        "give {kb} a priority other than {} (e.g. {}) so that the order is defined",
                        b.priority,
                        (b.priority + 1).min(1000)
                    )),
                    pods,
                    ..about_cluster_policy(CNP_PRIORITY_TIE, Severity::Medium, a)
                });
            }
        }
    }
    None
}

/// The tier rule that denies DNS on either side of `v`, when a tier (not
/// NetworkPolicy) decided it.
pub(super) fn dns_denial(v: &PairVerdict, udp: u16, tcp: u16) -> Option<(Direction, TierStep)> {
    for side in [&v.egress, &v.ingress].into_iter().flatten() {
        let Some(t) = &side.tiers else { continue };
        for (p, n) in [(Protocol::Udp, udp), (Protocol::Tcp, tcp)] {
            if side.allowed.contains(p, n) {
                continue;
            }
            let deny = t.chain.iter().find_map(|d| match d {
                TierDecision::Step(s) if s.action == Action::Deny && s.ports.contains(p, n) => {
                    Some(s)
                }
                _ => None,
            });
            if let Some(s) = deny {
                return Some((side.direction, s.clone()));
            }
        }
    }
    None
}

type DnsKey = (String, String);

/// Pods whose DNS a tier rule denies, by (namespace, rule).
#[derive(Default)]
pub(super) struct DnsDenials(BTreeMap<DnsKey, (Direction, TierStep, Vec<PodKey>)>);

impl DnsDenials {
    pub(super) fn add(&mut self, idx: &Index, c: ClassId, (dir, step): (Direction, TierStep)) {
        let key = (idx.class(c).namespace.clone(), step_text(&step, dir));
        self.0
            .entry(key)
            .or_insert_with(|| (dir, step, vec![]))
            .2
            .extend(members(idx, c));
    }

    /// `tier-deny-blocks-dns` findings; the fix is an Accept for DNS just
    /// before the denying policy, in its tier.
    pub(super) fn report(
        self,
        o: &LintOptions,
        dns_name: &str,
        ports: (u16, u16),
        out: &mut Vec<Finding>,
    ) {
        for ((ns, rule), (dir, step, mut pods)) in self.0 {
            pods.sort();
            let side = match dir {
                Direction::Egress => "their egress",
                Direction::Ingress => "the DNS pods' ingress",
            };
            let why = match step.tier {
                Tier::Admin => {
                    "pods can't resolve names, and no NetworkPolicy can override an Admin tier Deny"
                }
                Tier::Baseline => {
                    "pods can't resolve names (a NetworkPolicy that selects them would override this Baseline Deny)"
                }
            };
            let fix = match (dir, step.priority) {
                (Direction::Egress, Some(p)) if p > 0 => {
                    Some(dns_accept_yaml(&ns, step.tier, p - 1, o, ports))
                }
                _ => Some(format!(
                    "add an Accept rule for DNS (UDP and TCP {} to {}) before {rule}",
                    ports.0, dns_name
                )),
            };
            out.push(Finding {
                id: TIER_DENY_BLOCKS_DNS,
                severity: Severity::High,
                namespace: Some(ns.clone()),
                policy: Some(step.policy.name.clone()),
                pod: (pods.len() == 1).then(|| pods[0].name.clone()),
                message: format!(
                    "{} in {ns} cannot reach {dns_name}: {rule} denies it on {side} before anything accepts it: {}",
                    plural(pods.len(), "pod", "pods"),
                    names(&pods)
                ),
                why: why.to_string(),
                fix,
                pods,
            });
        }
    }
}

fn dns_accept_yaml(
    ns: &str,
    tier: Tier,
    priority: u32,
    o: &LintOptions,
    (udp, tcp): (u16, u16),
) -> String {
    let labels: Vec<String> = o
        .dns_selector
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: allow-dns-{ns}\nspec:\n  tier: {}\n  priority: {priority}\n  subject:\n    namespaces:\n      matchLabels:\n        kubernetes.io/metadata.name: {ns}\n  egress:\n  - name: dns\n    action: Accept\n    to:\n    - pods:\n        namespaceSelector:\n          matchLabels:\n            kubernetes.io/metadata.name: {}\n        podSelector:\n          matchLabels: {{{}}}\n    protocols:\n    - udp: {{destinationPort: {{number: {udp}}}}}\n    - tcp: {{destinationPort: {{number: {tcp}}}}}\n",
        tier.as_str(),
        o.dns_namespace,
        labels.join(", ")
    )
}
