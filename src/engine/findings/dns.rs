//! DNS: egress isolation that blocks the cluster DNS, or allows UDP only.

use std::collections::BTreeMap;

use super::services::dns_translation;
use super::{
    DNS_ALLOW_MISSING_TCP, DNS_PORT_MISMATCH, EGRESS_DENY_BLOCKS_DNS, Finding, Groups, LintOptions,
    Severity, about_pods, group_add, names, plural,
};
use crate::engine::index::{ClassId, Index};
use crate::engine::manifest::policy_yaml;
use crate::engine::model::{
    ContainerPort, Direction, Event, LabelSelector, Pod, Policy, PolicyKey, Protocol,
};
use crate::engine::proposal::dns_egress_rule;
use crate::engine::verdict::Endpoint;

/// The DNS allow for pods isolated by `pols` in `ns`. It selects the pods
/// of one of those policies (the namespace-wide one when there is one):
/// they are egress-isolated already, so the allow isolates no pod that was
/// open before. Named so that it replaces no existing policy.
fn dns_allow_yaml(idx: &Index, ns: &str, pols: &[String], o: &LintOptions) -> String {
    let isolating: Vec<&Policy> = pols
        .iter()
        .filter_map(|n| idx.policy(&PolicyKey::new(ns, n)))
        .collect();
    let chosen = isolating
        .iter()
        .find(|p| p.pod_selector.is_empty())
        .or(isolating.first());
    let (selector, base) = match chosen {
        Some(p) if !p.pod_selector.is_empty() => {
            (p.pod_selector.clone(), format!("allow-dns-{}", p.name))
        }
        _ => (LabelSelector::default(), "allow-dns".to_string()),
    };
    let mut name = base.clone();
    let mut i = 2;
    while idx.policy(&PolicyKey::new(ns, &name)).is_some() {
        name = format!("{base}-{i}");
        i += 1;
    }
    policy_yaml(&Policy {
        namespace: ns.to_string(),
        name,
        pod_selector: selector,
        ingress_type: false,
        egress_type: true,
        ingress: vec![],
        egress: vec![dns_egress_rule(&o.dns_namespace, &o.dns_selector)],
    })
}

/// The DNS pods' classes, or a virtual kube-dns pod when the input has none
/// (files often leave kube-system out).
fn dns_index<'a>(
    idx: &'a Index,
    o: &LintOptions,
) -> (std::borrow::Cow<'a, Index>, Vec<ClassId>, bool) {
    let find = |i: &Index| -> Vec<ClassId> {
        i.classes_in(&o.dns_namespace)
            .filter(|&c| {
                let cl = i.class(c);
                !cl.host_network && o.dns_selector.matches(&cl.labels)
            })
            .collect()
    };
    let found = find(idx);
    if !found.is_empty() {
        return (std::borrow::Cow::Borrowed(idx), found, false);
    }
    let mut v = idx.clone();
    v.apply(Event::UpsertPod(Pod {
        namespace: o.dns_namespace.clone(),
        name: "cluster-dns (assumed)".to_string(),
        labels: o.dns_selector.match_labels.clone(),
        ports: ContainerPort::cluster_dns(),
        ips: vec![],
        host_network: false,
        owner: None,
    }));
    let found = find(&v);
    (std::borrow::Cow::Owned(v), found, true)
}

pub(super) fn dns_findings(idx: &Index, o: &LintOptions, out: &mut Vec<Finding>) {
    let isolated: Vec<ClassId> = idx
        .classes()
        .filter(|(_, c)| !c.host_network && c.namespace != o.dns_namespace)
        .map(|(id, _)| id)
        // With cluster-scoped tiers any pod may be denied its DNS.
        .filter(|&c| idx.is_isolated(c, Direction::Egress) || idx.has_tiers())
        .collect();
    if isolated.is_empty() {
        return;
    }
    let (view, dns, assumed) = dns_index(idx, o);
    let dns_name = if assumed {
        format!(
            "the cluster DNS ({} in {}, assumed: the input has no DNS pods)",
            o.dns_selector, o.dns_namespace
        )
    } else {
        format!("the DNS pods ({} in {})", o.dns_selector, o.dns_namespace)
    };
    // Policy sees the DNS pods' target port: 53 unless a DNS Service maps
    // its port 53 elsewhere (e.g. 5353).
    let udp_tr = (!assumed)
        .then(|| dns_translation(idx, o, &dns, Protocol::Udp))
        .flatten();
    let tcp_tr = (!assumed)
        .then(|| dns_translation(idx, o, &dns, Protocol::Tcp))
        .flatten();
    let udp_port = udp_tr.as_ref().map_or(53, |t| t.2);
    let tcp_port = tcp_tr.as_ref().map_or(53, |t| t.2);
    let mut blocked: Groups = BTreeMap::new();
    let mut udp_only: Groups = BTreeMap::new();
    let mut mismatch: Groups = BTreeMap::new();
    let mut by_tier = super::tiers::DnsDenials::default();
    for &c in &isolated {
        let (mut udp, mut tcp, mut svc_port_only) = (false, false, false);
        let mut denial = None;
        for &d in &dns {
            if let Ok(v) = view.pair_verdict(Endpoint::Class(c), Endpoint::Class(d)) {
                denial = denial.or_else(|| super::tiers::dns_denial(&v, udp_port, tcp_port));
                udp |= v.allowed.contains(Protocol::Udp, udp_port);
                tcp |= v.allowed.contains(Protocol::Tcp, tcp_port);
                svc_port_only |= (udp_tr.is_some()
                    && v.allowed.contains(Protocol::Udp, 53)
                    && !v.allowed.contains(Protocol::Udp, udp_port))
                    || (tcp_tr.is_some()
                        && v.allowed.contains(Protocol::Tcp, 53)
                        && !v.allowed.contains(Protocol::Tcp, tcp_port));
            }
        }
        let pols: Vec<String> = idx
            .isolating_policies(c, Direction::Egress)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        if !(udp && tcp)
            && let Some(step) = denial
        {
            by_tier.add(idx, c, step);
            continue;
        }
        if !idx.is_isolated(c, Direction::Egress) {
            continue;
        }
        if svc_port_only && !(udp && tcp) {
            group_add(&mut mismatch, idx, c, pols);
        } else if !udp {
            group_add(&mut blocked, idx, c, pols);
        } else if !tcp {
            group_add(&mut udp_only, idx, c, pols);
        }
    }
    by_tier.report(o, &dns_name, (udp_port, tcp_port), out);
    for ((ns, pols), mut pods) in blocked {
        pods.sort();
        out.push(Finding {
            message: format!(
                "{} in {ns} isolated for egress by {} cannot reach {dns_name} on UDP {udp_port}: {}",
                plural(pods.len(), "pod", "pods"),
                pols.join(", "),
                names(&pods)
            ),
            why: "pods can't resolve names: every outbound call by name fails with 'bad address' or 'no such host'".to_string(),
            fix: Some(dns_allow_yaml(idx, &ns, &pols, o)),
            ..about_pods(EGRESS_DENY_BLOCKS_DNS, Severity::High, &ns, &pols, pods)
        });
    }
    for ((ns, pols), mut pods) in udp_only {
        pods.sort();
        out.push(Finding {
            message: format!(
                "{} in {ns} can reach {dns_name} on UDP {udp_port} but not on TCP {tcp_port}: {}",
                plural(pods.len(), "pod", "pods"),
                names(&pods)
            ),
            why: "DNS falls back to TCP for large answers (truncated UDP): those lookups time out intermittently".to_string(),
            fix: Some(dns_allow_yaml(idx, &ns, &pols, o)),
            ..about_pods(DNS_ALLOW_MISSING_TCP, Severity::Medium, &ns, &pols, pods)
        });
    }
    let (svc, target) = match (&udp_tr, &tcp_tr) {
        (Some((s, _, t)), _) | (None, Some((s, _, t))) => (s.clone(), *t),
        (None, None) => return,
    };
    for ((ns, pols), mut pods) in mismatch {
        pods.sort();
        out.push(Finding {
            message: format!(
                "{} in {ns} may reach {dns_name} on port 53, the port of the DNS Service {svc}, but those pods listen on target port {target}, which {} does not allow: {}",
                plural(pods.len(), "pod", "pods"),
                pols.join(", "),
                names(&pods)
            ),
            why: "policy applies after the Service's port translation, on the target port: name lookups are blocked".to_string(),
            fix: Some(format!(
                "allow UDP and TCP {target} (the DNS pods' target port) to the DNS pods in the egress rule, in place of or next to 53"
            )),
            ..about_pods(DNS_PORT_MISMATCH, Severity::High, &ns, &pols, pods)
        });
    }
}
