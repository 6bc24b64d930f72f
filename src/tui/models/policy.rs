//! The policy view's model: its spec rendered as YAML, the pods it
//! selects now, and each rule's peers resolved to the pods they match now.

use std::collections::BTreeMap;

use crate::engine::index::Index;
use crate::engine::model::{Direction, LabelSelector, Operator, Peer, Policy, PolicyKey, PortRef};
use crate::engine::posture::ports_text;

#[derive(Debug, Clone)]
pub struct PeerRes {
    pub description: String,
    pub pods: usize,
    /// Pods matched per namespace (sorted by namespace).
    pub by_ns: Vec<(String, Vec<String>)>,
    pub is_ip: bool,
}

#[derive(Debug, Clone)]
pub struct RuleRes {
    pub direction: Direction,
    pub rule: usize,
    pub ports: String,
    pub any_peer: bool,
    pub peers: Vec<PeerRes>,
}

#[derive(Debug, Clone)]
pub struct PolicyModel {
    pub key: PolicyKey,
    pub yaml: Vec<String>,
    /// Selected pods by workload: (workload, pods).
    pub selected: Vec<(String, usize)>,
    pub selected_total: usize,
    pub types: (bool, bool),
    pub rules: Vec<RuleRes>,
}

fn selector_yaml(out: &mut Vec<String>, indent: usize, name: &str, s: &LabelSelector) {
    let pad = " ".repeat(indent);
    if s.is_empty() {
        out.push(format!("{pad}{name}: {{}}"));
        return;
    }
    out.push(format!("{pad}{name}:"));
    if !s.match_labels.is_empty() {
        out.push(format!("{pad}  matchLabels:"));
        for (k, v) in &s.match_labels {
            out.push(format!("{pad}    {k}: {v}"));
        }
    }
    if !s.match_expressions.is_empty() {
        out.push(format!("{pad}  matchExpressions:"));
        for r in &s.match_expressions {
            let (op, vals) = match &r.op {
                Operator::In(v) => ("In", Some(v)),
                Operator::NotIn(v) => ("NotIn", Some(v)),
                Operator::Exists => ("Exists", None),
                Operator::DoesNotExist => ("DoesNotExist", None),
            };
            out.push(format!("{pad}    - key: {}", r.key));
            out.push(format!("{pad}      operator: {op}"));
            if let Some(v) = vals {
                out.push(format!("{pad}      values: [{}]", v.join(", ")));
            }
        }
    }
}

/// The policy as YAML (from the model: defaults applied, as the API stores it).
pub fn yaml(p: &Policy) -> Vec<String> {
    let mut out = vec![
        "apiVersion: networking.k8s.io/v1".to_string(),
        "kind: NetworkPolicy".to_string(),
        "metadata:".to_string(),
        format!("  name: {}", p.name),
        format!("  namespace: {}", p.namespace),
        "spec:".to_string(),
    ];
    selector_yaml(&mut out, 2, "podSelector", &p.pod_selector);
    let mut types = vec![];
    if p.ingress_type {
        types.push("Ingress");
    }
    if p.egress_type {
        types.push("Egress");
    }
    out.push(format!("  policyTypes: [{}]", types.join(", ")));
    for (dir, rules, peers_key) in [("ingress", &p.ingress, "from"), ("egress", &p.egress, "to")] {
        if rules.is_empty() {
            continue;
        }
        out.push(format!("  {dir}:"));
        for r in rules {
            let mut first = true;
            let mut lead = || {
                let s = if first { "  - " } else { "    " };
                first = false;
                s
            };
            if r.peers.is_empty() && r.ports.is_empty() {
                out.push("  - {}".to_string());
                continue;
            }
            if !r.peers.is_empty() {
                out.push(format!("  {}{peers_key}:", lead()));
                for peer in &r.peers {
                    match peer {
                        Peer::IpBlock(b) => {
                            out.push("      - ipBlock:".to_string());
                            out.push(format!("          cidr: {}", b.cidr));
                            if !b.except.is_empty() {
                                let ex: Vec<String> =
                                    b.except.iter().map(|e| e.to_string()).collect();
                                out.push(format!("          except: [{}]", ex.join(", ")));
                            }
                        }
                        Peer::Pods {
                            namespace_selector,
                            pod_selector,
                        } => {
                            let mut item = Vec::new();
                            if let Some(s) = namespace_selector {
                                selector_yaml(&mut item, 8, "namespaceSelector", s);
                            }
                            if let Some(s) = pod_selector {
                                selector_yaml(&mut item, 8, "podSelector", s);
                            }
                            if let Some(first) = item.first_mut() {
                                first.replace_range(0..8, "      - ");
                            }
                            out.extend(item);
                        }
                    }
                }
            }
            if !r.ports.is_empty() {
                out.push(format!("  {}ports:", lead()));
                for pp in &r.ports {
                    out.push(format!("      - protocol: {}", pp.protocol));
                    match &pp.port {
                        Some(PortRef::Number(n)) => out.push(format!("        port: {n}")),
                        Some(PortRef::Name(n)) => out.push(format!("        port: {n}")),
                        None => {}
                    }
                    if let Some(e) = pp.end_port {
                        out.push(format!("        endPort: {e}"));
                    }
                }
            }
        }
    }
    out
}

pub fn model(idx: &Index, key: &PolicyKey) -> Option<PolicyModel> {
    let p = idx.policy(key)?;
    let sel = idx.selected_pods(p);
    let mut by_wl: BTreeMap<String, usize> = BTreeMap::new();
    for k in &sel {
        let name = match idx.pod_owner(k) {
            Some(o) => format!("{}[{}]", o.name, o.kind),
            None => k.name.clone(),
        };
        *by_wl.entry(name).or_default() += 1;
    }
    let mut rules = Vec::new();
    for dir in [Direction::Ingress, Direction::Egress] {
        if !p.has_type(dir) {
            continue;
        }
        for (ri, r) in p.rules(dir).iter().enumerate() {
            let peers = r
                .peers
                .iter()
                .map(|peer| {
                    let pods = idx.peer_pods(&p.namespace, peer);
                    let mut by_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
                    for k in &pods {
                        by_ns
                            .entry(k.namespace.clone())
                            .or_default()
                            .push(k.name.clone());
                    }
                    PeerRes {
                        description: idx.describe_peer(&p.namespace, peer),
                        pods: pods.len(),
                        by_ns: by_ns.into_iter().collect(),
                        is_ip: matches!(peer, Peer::IpBlock(_)),
                    }
                })
                .collect();
            rules.push(RuleRes {
                direction: dir,
                rule: ri,
                ports: ports_text(&r.ports),
                any_peer: r.peers.is_empty(),
                peers,
            });
        }
    }
    Some(PolicyModel {
        key: key.clone(),
        yaml: yaml(p),
        selected_total: sel.len(),
        selected: by_wl.into_iter().collect(),
        types: (p.ingress_type, p.egress_type),
        rules,
    })
}
