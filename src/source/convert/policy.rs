//! NetworkPolicy objects to engine policies, refusing what kube-apiserver
//! would refuse, with the same field paths and reasons.

use ipnet::IpNet;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::validate::{label_key_error, label_value_error, parse_cidr, port_name_error};
use super::{DEFAULT_NAMESPACE, FieldError};
use crate::engine::model::{
    IpBlock, LabelSelector, Operator, Peer, Policy, PolicyPort, PortRef, Protocol, Requirement,
    Rule,
};

/// Validates and converts a NetworkPolicy. Every problem is returned, each
/// with its field path, in the words kube-apiserver uses.
pub fn policy_from_api(np: &net::NetworkPolicy) -> Result<Policy, Vec<FieldError>> {
    let mut errs = Vec::new();
    let name = np.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        errs.push(FieldError::new(
            "metadata.name",
            "Required value: name or generateName is required",
        ));
    }
    let namespace = np
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let spec = np.spec.clone().unwrap_or_default();
    let pod_selector = convert_selector(spec.pod_selector.as_ref(), "spec.podSelector", &mut errs)
        .unwrap_or_default();

    let mut ingress = Vec::new();
    for (i, r) in spec.ingress.iter().flatten().enumerate() {
        let path = format!("spec.ingress[{i}]");
        let ports = convert_ports(r.ports.as_deref(), &path, &mut errs);
        let peers = convert_peers(r.from.as_deref(), &format!("{path}.from"), &mut errs);
        ingress.push(Rule { peers, ports });
    }
    let mut egress = Vec::new();
    for (i, r) in spec.egress.iter().flatten().enumerate() {
        let path = format!("spec.egress[{i}]");
        let ports = convert_ports(r.ports.as_deref(), &path, &mut errs);
        let peers = convert_peers(r.to.as_deref(), &format!("{path}.to"), &mut errs);
        egress.push(Rule { peers, ports });
    }

    // policyTypes: as defaulted by the API server when absent.
    let (ingress_type, egress_type) = match spec.policy_types.as_deref() {
        None | Some([]) => (true, !egress.is_empty()),
        Some(types) => {
            if types.len() > 2 {
                errs.push(FieldError::new(
                    "spec.policyTypes",
                    format!("Invalid value: {types:?}: may not specify more than two policyTypes"),
                ));
            }
            let (mut i, mut e) = (false, false);
            for (k, t) in types.iter().enumerate() {
                match t.as_str() {
                    "Ingress" => i = true,
                    "Egress" => e = true,
                    other => errs.push(FieldError::new(
                        format!("spec.policyTypes[{k}]"),
                        format!("Unsupported value: {other:?}: supported values: \"Egress\", \"Ingress\""),
                    )),
                }
            }
            (i, e)
        }
    };

    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Policy {
        namespace,
        name,
        pod_selector,
        ingress_type,
        egress_type,
        ingress,
        egress,
    })
}

fn convert_peers(
    peers: Option<&[net::NetworkPolicyPeer]>,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Vec<Peer> {
    let mut out = Vec::new();
    for (j, p) in peers.unwrap_or_default().iter().enumerate() {
        let ppath = format!("{path}[{j}]");
        let has_sel = p.pod_selector.is_some() || p.namespace_selector.is_some();
        match (&p.ip_block, has_sel) {
            (None, false) => errs.push(FieldError::new(
                ppath,
                "Required value: must specify a peer",
            )),
            (Some(_), true) => errs.push(FieldError::new(
                ppath,
                "Forbidden: may not specify more than 1 peer type",
            )),
            (Some(b), false) => {
                if let Some(block) = convert_ip_block(b, &format!("{ppath}.ipBlock"), errs) {
                    out.push(Peer::IpBlock(block));
                }
            }
            (None, true) => {
                let ns = p.namespace_selector.as_ref().map(|s| {
                    convert_selector(Some(s), &format!("{ppath}.namespaceSelector"), errs)
                        .unwrap_or_default()
                });
                let pod = p.pod_selector.as_ref().map(|s| {
                    convert_selector(Some(s), &format!("{ppath}.podSelector"), errs)
                        .unwrap_or_default()
                });
                out.push(Peer::Pods {
                    namespace_selector: ns,
                    pod_selector: pod,
                });
            }
        }
    }
    out
}

fn convert_ip_block(b: &net::IPBlock, path: &str, errs: &mut Vec<FieldError>) -> Option<IpBlock> {
    let before = errs.len();
    let cidr = if b.cidr.is_empty() {
        errs.push(FieldError::new(format!("{path}.cidr"), "Required value"));
        None
    } else {
        let c = parse_cidr(&b.cidr);
        if c.is_none() {
            errs.push(FieldError::new(
                format!("{path}.cidr"),
                format!("Invalid value: {:?}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)", b.cidr),
            ));
        }
        c
    };
    let mut except = Vec::new();
    for (k, e) in b.except.iter().flatten().enumerate() {
        let epath = format!("{path}.except[{k}]");
        match parse_cidr(e) {
            None => errs.push(FieldError::new(
                epath,
                format!("Invalid value: {e:?}: must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"),
            )),
            Some(en) => {
                if let Some(c) = cidr {
                    let strict = c.contains(&en.network()) && en.prefix_len() > c.prefix_len() && same_family(&c, &en);
                    if !strict {
                        errs.push(FieldError::new(
                            epath,
                            format!("Invalid value: {e:?}: must be a strict subset of `cidr`"),
                        ));
                        continue;
                    }
                }
                except.push(en);
            }
        }
    }
    if errs.len() > before {
        return None;
    }
    except.sort();
    except.dedup();
    cidr.map(|cidr| IpBlock { cidr, except })
}

fn same_family(a: &IpNet, b: &IpNet) -> bool {
    matches!(
        (a, b),
        (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_))
    )
}

fn convert_ports(
    ports: Option<&[net::NetworkPolicyPort]>,
    rule_path: &str,
    errs: &mut Vec<FieldError>,
) -> Vec<PolicyPort> {
    let mut out = Vec::new();
    for (j, p) in ports.unwrap_or_default().iter().enumerate() {
        let path = format!("{rule_path}.ports[{j}]");
        let before = errs.len();
        let protocol = match p.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(s) => Protocol::parse(s).unwrap_or_else(|| {
                errs.push(FieldError::new(
                    format!("{path}.protocol"),
                    format!(
                        "Unsupported value: {s:?}: supported values: \"SCTP\", \"TCP\", \"UDP\""
                    ),
                ));
                Protocol::Tcp
            }),
        };
        let port = match &p.port {
            None => None,
            Some(IntOrString::Int(n)) => {
                if (1..=65535).contains(n) {
                    Some(PortRef::Number(*n as u16))
                } else {
                    errs.push(FieldError::new(
                        format!("{path}.port"),
                        format!("Invalid value: {n}: must be between 1 and 65535, inclusive"),
                    ));
                    None
                }
            }
            Some(IntOrString::String(s)) => {
                if let Some(reason) = port_name_error(s) {
                    errs.push(FieldError::new(
                        format!("{path}.port"),
                        format!("Invalid value: {s:?}: {reason}"),
                    ));
                    None
                } else {
                    Some(PortRef::Name(s.clone()))
                }
            }
        };
        let mut end_port = None;
        if let Some(end) = p.end_port {
            match (&p.port, &port) {
                (None, _) => errs.push(FieldError::new(
                    format!("{path}.endPort"),
                    "Required value: may not be specified when `port` is not specified",
                )),
                (Some(IntOrString::String(_)), _) => errs.push(FieldError::new(
                    format!("{path}.endPort"),
                    "Invalid value: may not be specified when `port` is non-numeric",
                )),
                (_, Some(PortRef::Number(start))) => {
                    if !(1..=65535).contains(&end) {
                        errs.push(FieldError::new(
                            format!("{path}.endPort"),
                            format!("Invalid value: {end}: must be between 1 and 65535, inclusive"),
                        ));
                    } else if end < i32::from(*start) {
                        errs.push(FieldError::new(
                            format!("{path}.endPort"),
                            format!(
                                "Invalid value: {end}: must be greater than or equal to `port`"
                            ),
                        ));
                    } else {
                        end_port = Some(end as u16);
                    }
                }
                _ => {} // port itself invalid: already reported
            }
        }
        if errs.len() == before {
            out.push(PolicyPort {
                protocol,
                port,
                end_port,
            });
        }
    }
    out
}

pub(super) fn convert_selector(
    sel: Option<&meta::LabelSelector>,
    path: &str,
    errs: &mut Vec<FieldError>,
) -> Option<LabelSelector> {
    let sel = sel?;
    let before = errs.len();
    let mut out = LabelSelector::default();
    for (k, v) in sel.match_labels.iter().flatten() {
        if let Some(r) = label_key_error(k) {
            errs.push(FieldError::new(
                format!("{path}.matchLabels"),
                format!("Invalid value: {k:?}: {r}"),
            ));
        }
        if let Some(r) = label_value_error(v) {
            errs.push(FieldError::new(
                format!("{path}.matchLabels"),
                format!("Invalid value: {v:?}: {r}"),
            ));
        }
        out.match_labels.insert(k.clone(), v.clone());
    }
    for (i, e) in sel.match_expressions.iter().flatten().enumerate() {
        let epath = format!("{path}.matchExpressions[{i}]");
        if let Some(r) = label_key_error(&e.key) {
            errs.push(FieldError::new(
                format!("{epath}.key"),
                format!("Invalid value: {:?}: {r}", e.key),
            ));
        }
        let values: Vec<String> = e.values.clone().unwrap_or_default();
        let op = match e.operator.as_str() {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(FieldError::new(
                        format!("{epath}.values"),
                        "Required value: must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
                for (k, v) in values.iter().enumerate() {
                    if let Some(r) = label_value_error(v) {
                        errs.push(FieldError::new(
                            format!("{epath}.values[{k}]"),
                            format!("Invalid value: {v:?}: {r}"),
                        ));
                    }
                }
                let mut vs = values.clone();
                vs.sort();
                vs.dedup();
                if e.operator == "In" {
                    Operator::In(vs)
                } else {
                    Operator::NotIn(vs)
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(FieldError::new(
                        format!("{epath}.values"),
                        "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
                if e.operator == "Exists" {
                    Operator::Exists
                } else {
                    Operator::DoesNotExist
                }
            }
            other => {
                errs.push(FieldError::new(
                    format!("{epath}.operator"),
                    format!("Invalid value: {other:?}: not a valid selector operator"),
                ));
                Operator::Exists
            }
        };
        out.match_expressions.push(Requirement {
            key: e.key.clone(),
            op,
        });
    }
    if errs.len() > before {
        return None;
    }
    out.match_expressions.sort();
    out.match_expressions.dedup();
    Some(out)
}
