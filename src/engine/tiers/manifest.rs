//! A cluster-scoped policy as YAML (the TUI's policy view), in the API
//! shape of its kind: v1alpha2 `protocols` for ClusterNetworkPolicy,
//! v1alpha1 `ports` and `Allow` for the legacy kinds.

use serde_json::{Value, json};

use super::{Action, ClusterKind, ClusterPolicy, Selects, TierPeer, TierRule};
use crate::engine::manifest::selector;
use crate::engine::model::{Direction, PolicyPort, PortRef};

fn sel(s: &crate::engine::model::LabelSelector) -> Value {
    serde_json::to_value(selector(s)).unwrap_or(Value::Null)
}

fn selects(s: &Selects) -> Value {
    match s {
        Selects::Namespaces(n) => json!({"namespaces": sel(n)}),
        Selects::Pods { namespaces, pods } => {
            json!({"pods": {"namespaceSelector": sel(namespaces), "podSelector": sel(pods)}})
        }
    }
}

fn peer(p: &TierPeer) -> Value {
    match p {
        TierPeer::Pods(s) => selects(s),
        TierPeer::Networks(n) => {
            json!({"networks": n.iter().map(|c| c.to_string()).collect::<Vec<_>>()})
        }
        TierPeer::Nodes(s) => json!({"nodes": sel(s)}),
        TierPeer::DomainNames(d) => json!({"domainNames": d}),
        // Its fields are not kept: an empty peer says "unknown".
        TierPeer::Unknown => json!({}),
    }
}

/// v1alpha2 `protocols`; a named port is one entry whatever the protocol.
fn protocols(ports: &[PolicyPort]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for p in ports {
        let proto = p.protocol.as_str().to_lowercase();
        let v = match (&p.port, p.end_port) {
            (Some(PortRef::Name(n)), _) => json!({"destinationNamedPort": n}),
            (Some(PortRef::Number(s)), Some(e)) if e != *s => {
                json!({proto: {"destinationPort": {"range": {"start": s, "end": e}}}})
            }
            (Some(PortRef::Number(n)), _) => json!({proto: {"destinationPort": {"number": n}}}),
            (None, _) => continue,
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// v1alpha1 `ports`.
fn legacy_ports(ports: &[PolicyPort]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for p in ports {
        let proto = p.protocol.as_str();
        let v = match (&p.port, p.end_port) {
            (Some(PortRef::Name(n)), _) => json!({"namedPort": n}),
            (Some(PortRef::Number(s)), Some(e)) if e != *s => {
                json!({"portRange": {"protocol": proto, "start": s, "end": e}})
            }
            (Some(PortRef::Number(n)), _) => {
                json!({"portNumber": {"protocol": proto, "port": n}})
            }
            (None, _) => continue,
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn rule(kind: ClusterKind, dir: Direction, r: &TierRule) -> Value {
    let mut m = serde_json::Map::new();
    if let Some(n) = &r.name {
        m.insert("name".into(), json!(n));
    }
    let action = match (kind, r.action) {
        (ClusterKind::Cnp, a) => a.as_str(),
        (_, Action::Accept) => "Allow",
        (_, a) => a.as_str(),
    };
    m.insert("action".into(), json!(action));
    let field = if dir == Direction::Ingress {
        "from"
    } else {
        "to"
    };
    m.insert(
        field.into(),
        Value::Array(r.peers.iter().map(peer).collect()),
    );
    if !r.ports.is_empty() {
        if kind == ClusterKind::Cnp {
            m.insert("protocols".into(), Value::Array(protocols(&r.ports)));
        } else {
            m.insert("ports".into(), Value::Array(legacy_ports(&r.ports)));
        }
    }
    Value::Object(m)
}

pub fn cluster_policy_yaml(p: &ClusterPolicy) -> String {
    let api = match p.kind {
        ClusterKind::Cnp => "policy.networking.k8s.io/v1alpha2",
        _ => "policy.networking.k8s.io/v1alpha1",
    };
    let mut spec = serde_json::Map::new();
    if p.kind == ClusterKind::Cnp {
        spec.insert("tier".into(), json!(p.tier.as_str()));
    }
    if p.has_priority() {
        spec.insert("priority".into(), json!(p.priority));
    }
    spec.insert("subject".into(), selects(&p.subject));
    for (dir, key) in [
        (Direction::Ingress, "ingress"),
        (Direction::Egress, "egress"),
    ] {
        let rules = p.rules(dir);
        if !rules.is_empty() {
            let v: Vec<Value> = rules.iter().map(|r| rule(p.kind, dir, r)).collect();
            spec.insert(key.into(), Value::Array(v));
        }
    }
    let doc = json!({
        "apiVersion": api,
        "kind": p.kind.kind(),
        "metadata": {"name": p.name},
        "spec": Value::Object(spec),
    });
    crate::yaml::to_string(&doc).unwrap_or_else(|e| format!("# cannot write YAML: {e}\n"))
}
