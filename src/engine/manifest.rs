//! The YAML the tool writes (lint fixes, what-if bundles, the draft
//! template), made by serialising model objects through serde types that
//! mirror the NetworkPolicy API shape, written by [`crate::yaml`] (the one
//! module that names serde_yaml). The engine builds model [`Policy`] values, this
//! module alone decides how they are spelled, and quoting (`"true"`, `"1"`,
//! `a: b`) is the serialiser's job.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{LabelSelector, Operator, Peer, Policy, PortRef, Rule};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NetworkPolicyDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    spec: Spec,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    pod_selector: SelectorDoc,
    policy_types: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ingress: Vec<RuleDoc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    egress: Vec<RuleDoc>,
}

/// Empty lists mean "every peer" / "every port" and are left out, as in
/// the API.
#[derive(Serialize)]
struct RuleDoc {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    from: Vec<PeerDoc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to: Vec<PeerDoc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<PortDoc>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SelectorDoc {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    match_labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    match_expressions: Vec<ExpressionDoc>,
}

#[derive(Serialize)]
struct ExpressionDoc {
    key: String,
    operator: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    values: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PeerDoc {
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace_selector: Option<SelectorDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod_selector: Option<SelectorDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_block: Option<IpBlockDoc>,
}

#[derive(Serialize)]
struct IpBlockDoc {
    cidr: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    except: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortDoc {
    protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<PortValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_port: Option<u16>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PortValue {
    Number(u16),
    Name(String),
}

pub(crate) fn selector(s: &LabelSelector) -> SelectorDoc {
    SelectorDoc {
        match_labels: s.match_labels.clone(),
        match_expressions: s
            .match_expressions
            .iter()
            .map(|r| {
                let (operator, values) = match &r.op {
                    Operator::In(v) => ("In", v.clone()),
                    Operator::NotIn(v) => ("NotIn", v.clone()),
                    Operator::Exists => ("Exists", vec![]),
                    Operator::DoesNotExist => ("DoesNotExist", vec![]),
                };
                ExpressionDoc {
                    key: r.key.clone(),
                    operator,
                    values,
                }
            })
            .collect(),
    }
}

fn peer(p: &Peer) -> PeerDoc {
    match p {
        Peer::Pods {
            namespace_selector,
            pod_selector,
        } => PeerDoc {
            namespace_selector: namespace_selector.as_ref().map(selector),
            pod_selector: pod_selector.as_ref().map(selector),
            ip_block: None,
        },
        Peer::IpBlock(b) => PeerDoc {
            namespace_selector: None,
            pod_selector: None,
            ip_block: Some(IpBlockDoc {
                cidr: b.cidr.to_string(),
                except: b.except.iter().map(ToString::to_string).collect(),
            }),
        },
    }
}

/// A rule; its peers go to `from` (ingress) or `to` (egress).
fn rule(ingress: bool, r: &Rule) -> RuleDoc {
    let peers: Vec<PeerDoc> = r.peers.iter().map(peer).collect();
    let (from, to) = if ingress {
        (peers, vec![])
    } else {
        (vec![], peers)
    };
    RuleDoc {
        from,
        to,
        ports: r
            .ports
            .iter()
            .map(|p| PortDoc {
                protocol: p.protocol.as_str(),
                port: p.port.as_ref().map(|x| match x {
                    PortRef::Number(n) => PortValue::Number(*n),
                    PortRef::Name(s) => PortValue::Name(s.clone()),
                }),
                end_port: p.end_port,
            })
            .collect(),
    }
}

fn to_yaml<T: Serialize>(v: &T) -> String {
    // Serialising these plain structs cannot fail; keep the error visible.
    crate::yaml::to_string(v).unwrap_or_else(|e| format!("# cannot write YAML: {e}\n"))
}

/// One NetworkPolicy document (no `---`), ending in a newline.
pub fn policy_yaml(p: &Policy) -> String {
    to_yaml(&policy_doc(p))
}

/// One NetworkPolicy as a JSON object (what `kubectl apply -f` takes too).
pub fn policy_json(p: &Policy) -> serde_json::Value {
    serde_json::to_value(policy_doc(p)).unwrap_or(serde_json::Value::Null)
}

fn policy_doc(p: &Policy) -> NetworkPolicyDoc<'_> {
    let mut types = Vec::new();
    if p.ingress_type {
        types.push("Ingress");
    }
    if p.egress_type {
        types.push("Egress");
    }
    NetworkPolicyDoc {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: Metadata {
            name: &p.name,
            namespace: &p.namespace,
        },
        spec: Spec {
            pod_selector: selector(&p.pod_selector),
            policy_types: types,
            ingress: p.ingress.iter().map(|r| rule(true, r)).collect(),
            egress: p.egress.iter().map(|r| rule(false, r)).collect(),
        },
    }
}

/// Several documents, each after its comment lines (`# ...`), joined by `---`.
pub fn documents(docs: &[(&str, &Policy)]) -> String {
    docs.iter()
        .map(|(comment, p)| {
            let head: String = comment.lines().map(|l| format!("# {l}\n")).collect();
            head + &policy_yaml(p)
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// A `from`/`to` list of one peer, as a snippet to paste into a rule.
pub fn peer_list_yaml(list: &str, p: &Peer) -> String {
    to_yaml(&BTreeMap::from([(list, vec![peer(p)])]))
}

/// `text` with every line commented out (`# `), for templates.
pub fn commented(text: &str) -> String {
    text.lines().map(|l| format!("# {l}\n")).collect()
}
