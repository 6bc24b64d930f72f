//! DNS: egress isolation that blocks the cluster DNS, or allows UDP only.

use std::collections::BTreeMap;

use super::{
    DNS_ALLOW_MISSING_TCP, EGRESS_DENY_BLOCKS_DNS, Finding, Groups, LintOptions, Severity,
    about_pods, group_add, names, plural,
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
        .filter(|&c| idx.is_isolated(c, Direction::Egress))
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
    let mut blocked: Groups = BTreeMap::new();
    let mut udp_only: Groups = BTreeMap::new();
    for &c in &isolated {
        let (mut udp, mut tcp) = (false, false);
        for &d in &dns {
            if let Ok(v) = view.pair_verdict(Endpoint::Class(c), Endpoint::Class(d)) {
                udp |= v.allowed.contains(Protocol::Udp, 53);
                tcp |= v.allowed.contains(Protocol::Tcp, 53);
            }
        }
        let pols: Vec<String> = idx
            .isolating_policies(c, Direction::Egress)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        if !udp {
            group_add(&mut blocked, idx, c, pols);
        } else if !tcp {
            group_add(&mut udp_only, idx, c, pols);
        }
    }
    for ((ns, pols), mut pods) in blocked {
        pods.sort();
        out.push(Finding {
            message: format!(
                "{} in {ns} isolated for egress by {} cannot reach {dns_name} on UDP 53: {}",
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
                "{} in {ns} can reach {dns_name} on UDP 53 but not on TCP 53: {}",
                plural(pods.len(), "pod", "pods"),
                names(&pods)
            ),
            why: "DNS falls back to TCP for large answers (truncated UDP): those lookups time out intermittently".to_string(),
            fix: Some(dns_allow_yaml(idx, &ns, &pols, o)),
            ..about_pods(DNS_ALLOW_MISSING_TCP, Severity::Medium, &ns, &pols, pods)
        });
    }
}
