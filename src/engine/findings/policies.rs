//! Per-policy mistakes: selecting nothing, the AND/OR selector trap, peers
//! and namespace labels that match nothing, named ports nobody declares.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::{
    Finding, NAMED_PORT_UNRESOLVED, NAMESPACE_LABEL_UNKNOWN, PEER_MATCHES_NOTHING,
    POLICY_SELECTS_NO_PODS, SELECTOR_AND_OR_TRAP, Severity, about_policy, plural,
};
use crate::engine::index::{ClassId, Index};
use crate::engine::manifest::peer_list_yaml;
use crate::engine::model::{
    Direction, LabelSelector, NS_NAME_LABEL, Operator, Peer, Policy, PortRef,
};

fn peer_kind(p: &Peer) -> (bool, bool) {
    match p {
        Peer::Pods {
            namespace_selector,
            pod_selector,
        } => (namespace_selector.is_some(), pod_selector.is_some()),
        Peer::IpBlock(_) => (false, false),
    }
}

/// What the per-policy checks share across policies: the namespaces each
/// namespaceSelector matches, and every namespace label value, so that a
/// cluster with thousands of namespaces is scanned once, not per peer.
pub(super) struct PolicyCtx<'a> {
    idx: &'a Index,
    ns_matches: HashMap<&'a LabelSelector, Rc<Vec<String>>>,
    label_values: HashMap<String, HashSet<String>>,
}

impl<'a> PolicyCtx<'a> {
    pub(super) fn new(idx: &'a Index) -> Self {
        let mut label_values: HashMap<String, HashSet<String>> = HashMap::new();
        for n in idx.namespace_names() {
            for (k, v) in idx.ns_labels(&n).iter() {
                label_values.entry(k.clone()).or_default().insert(v.clone());
            }
        }
        PolicyCtx {
            idx,
            ns_matches: HashMap::new(),
            label_values,
        }
    }

    /// The namespaces a peer can match pods in.
    fn peer_namespaces(&mut self, policy_ns: &str, peer: &'a Peer) -> Rc<Vec<String>> {
        match peer {
            Peer::IpBlock(_) => Rc::new(self.idx.namespace_names()),
            Peer::Pods {
                namespace_selector: None,
                ..
            } => Rc::new(vec![policy_ns.to_string()]),
            Peer::Pods {
                namespace_selector: Some(sel),
                ..
            } => {
                let idx = self.idx;
                self.ns_matches
                    .entry(sel)
                    .or_insert_with(|| {
                        Rc::new(
                            idx.namespace_names()
                                .into_iter()
                                .filter(|n| sel.matches(&idx.ns_labels(n)))
                                .collect(),
                        )
                    })
                    .clone()
            }
        }
    }

    /// The classes (not hostNetwork) a peer matches.
    fn peer_classes(&mut self, policy_ns: &str, peer: &'a Peer) -> Vec<ClassId> {
        let idx = self.idx;
        self.peer_namespaces(policy_ns, peer)
            .iter()
            .flat_map(|ns| idx.classes_in(ns).collect::<Vec<_>>())
            .filter(|&c| !idx.class(c).host_network && idx.peer_matches(policy_ns, peer, c))
            .collect()
    }

    /// The first matchLabels/In/Exists term that no namespace satisfies.
    fn unknown_namespace_term(&self, sel: &LabelSelector) -> Option<String> {
        let has = |k: &String, v: &String| self.label_values.get(k).is_some_and(|s| s.contains(v));
        for (k, v) in &sel.match_labels {
            if !has(k, v) {
                return Some(format!("{k}={v}"));
            }
        }
        for r in &sel.match_expressions {
            let known = match &r.op {
                Operator::In(vals) => vals.iter().any(|v| has(&r.key, v)),
                Operator::Exists => self.label_values.contains_key(&r.key),
                Operator::NotIn(_) | Operator::DoesNotExist => true,
            };
            if !known {
                return Some(r.to_string());
            }
        }
        None
    }
}

pub(super) fn policy_findings<'a>(ctx: &mut PolicyCtx<'a>, p: &'a Policy, out: &mut Vec<Finding>) {
    let idx = ctx.idx;
    let selected = idx.selected_pods(p);
    if selected.is_empty() {
        let ns_pods = idx.pods_in(&p.namespace).count();
        // The closest label sets, to point at a typo.
        let mut seen: Vec<String> = idx
            .classes_in(&p.namespace)
            .map(|c| {
                LabelSelector {
                    match_labels: idx.class(c).labels.clone(),
                    match_expressions: vec![],
                }
                .to_string()
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen.truncate(4);
        out.push(Finding {
            message: if ns_pods == 0 {
                format!("policy {}/{} selects no pod: namespace {} has no pods", p.namespace, p.name, p.namespace)
            } else {
                format!(
                    "policy {}/{} selects no pod: podSelector {} matches none of the {} in {} (labels there: {})",
                    p.namespace,
                    p.name,
                    p.pod_selector,
                    plural(ns_pods, "pod", "pods"),
                    p.namespace,
                    seen.join("; ")
                )
            },
            why: "the protection it was written for is not applied (often a label typo)".to_string(),
            fix: None,
            ..about_policy(POLICY_SELECTS_NO_PODS, Severity::Medium, p)
        });
    }
    for dir in [Direction::Ingress, Direction::Egress] {
        if !p.has_type(dir) {
            continue;
        }
        let list = if dir == Direction::Ingress {
            "from"
        } else {
            "to"
        };
        for (ri, rule) in p.rules(dir).iter().enumerate() {
            let rpath = format!("{} rule {}", dir.as_str().to_lowercase(), ri + 1);
            // AND-vs-OR trap.
            let ns_only: Vec<usize> = rule
                .peers
                .iter()
                .enumerate()
                .filter(|(_, x)| peer_kind(x) == (true, false))
                .map(|(i, _)| i)
                .collect();
            let pod_only: Vec<usize> = rule
                .peers
                .iter()
                .enumerate()
                .filter(|(_, x)| peer_kind(x) == (false, true))
                .map(|(i, _)| i)
                .collect();
            if let (Some(&ni), Some(&pi)) = (ns_only.first(), pod_only.first()) {
                let (
                    Peer::Pods {
                        namespace_selector: Some(ns_sel),
                        ..
                    },
                    Peer::Pods {
                        pod_selector: Some(pod_sel),
                        ..
                    },
                ) = (&rule.peers[ni], &rule.peers[pi])
                else {
                    continue;
                };
                out.push(Finding {
                    message: format!(
                        "{}/{} {rpath}: `{list}` items {} (namespaceSelector {ns_sel}) and {} (podSelector {pod_sel}) are two peers, ORed: it admits every pod of the matching namespaces, and pods {pod_sel} of {}",
                        p.namespace,
                        p.name,
                        ni + 1,
                        pi + 1,
                        p.namespace
                    ),
                    why: "one `-` too many: meant as \"pods X in namespaces Y\", it admits far more".to_string(),
                    fix: Some(format!(
                        "if you meant pods {pod_sel} in namespaces {ns_sel}, make it one item:\n{}",
                        peer_list_yaml(
                            list,
                            &Peer::Pods {
                                namespace_selector: Some(ns_sel.clone()),
                                pod_selector: Some(pod_sel.clone()),
                            }
                        )
                    )),
                    ..about_policy(SELECTOR_AND_OR_TRAP, Severity::Medium, p)
                });
            }
            for (pi, peer) in rule.peers.iter().enumerate() {
                let Peer::Pods {
                    namespace_selector, ..
                } = peer
                else {
                    continue;
                };
                if let Some(ns_sel) = namespace_selector
                    && let Some(term) = ctx.unknown_namespace_term(ns_sel)
                {
                    out.push(Finding {
                        message: format!(
                            "{}/{} {rpath} peer {}: namespaceSelector asks for {term}, which no namespace carries",
                            p.namespace,
                            p.name,
                            pi + 1
                        ),
                        why: "the peer matches no namespace (typo, or the label was never applied)".to_string(),
                        fix: Some(format!("check the namespace labels: kubectl get ns --show-labels (every namespace has {NS_NAME_LABEL}=<name>)")),
                        ..about_policy(NAMESPACE_LABEL_UNKNOWN, Severity::Low, p)
                    });
                }
                if ctx.peer_classes(&p.namespace, peer).is_empty() {
                    out.push(Finding {
                        message: format!(
                            "{}/{} {rpath} peer {} ({}) matches no pod",
                            p.namespace,
                            p.name,
                            pi + 1,
                            idx.describe_peer(&p.namespace, peer)
                        ),
                        why: "the flow it was meant to allow stays blocked (typo or missing label)"
                            .to_string(),
                        fix: None,
                        ..about_policy(PEER_MATCHES_NOTHING, Severity::Low, p)
                    });
                }
            }
            // Named ports nobody declares.
            for pp in &rule.ports {
                let Some(PortRef::Name(name)) = &pp.port else {
                    continue;
                };
                // The classes of the pods the rule can reach or be reached at.
                let dests: Vec<ClassId> = match dir {
                    Direction::Ingress => {
                        let mut v: Vec<ClassId> =
                            selected.iter().filter_map(|k| idx.pod_class(k)).collect();
                        v.sort_unstable();
                        v.dedup();
                        v
                    }
                    Direction::Egress if rule.peers.is_empty() => idx
                        .classes()
                        .filter(|(_, c)| !c.host_network)
                        .map(|(c, _)| c)
                        .collect(),
                    Direction::Egress => {
                        let mut v: Vec<ClassId> = Vec::new();
                        for x in &rule.peers {
                            v.extend(ctx.peer_classes(&p.namespace, x));
                        }
                        v.sort_unstable();
                        v.dedup();
                        v
                    }
                };
                if dests.is_empty() {
                    continue; // reported as selecting / matching nothing
                }
                let n_dests: usize = dests.iter().map(|&c| idx.class(c).members.len()).sum();
                let declared = dests.iter().any(|&c| {
                    idx.class(c)
                        .ports
                        .iter()
                        .any(|cp| cp.protocol == pp.protocol && cp.name.as_deref() == Some(name))
                });
                if !declared {
                    out.push(Finding {
                        message: format!(
                            "{}/{} {rpath}: named port {name:?} ({}) is declared by none of the {} it could reach",
                            p.namespace,
                            p.name,
                            pp.protocol,
                            plural(n_dests, "pod", "pods")
                        ),
                        why: "a named port that no destination declares allows nothing".to_string(),
                        fix: Some(format!("name the container port {name:?} with protocol {}, or use the port number", pp.protocol)),
                        ..about_policy(NAMED_PORT_UNRESOLVED, Severity::Low, p)
                    });
                }
            }
        }
    }
}
