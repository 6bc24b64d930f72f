//! API objects (k8s-openapi types) to the engine model, with the validation
//! kube-apiserver applies to NetworkPolicy. A policy the API server would
//! refuse is refused here too, with the field path and the reason, so that the
//! tool never reasons about a policy that could not exist in a cluster.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::model::{
    ContainerPort, IpBlock, LabelSelector, Labels, Namespace, Operator, Owner, Peer, Pod, Policy,
    PolicyPort, PortRef, Protocol, Requirement, Rule,
};

/// One validation problem: where (field path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub reason: String,
}

impl FieldError {
    fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// The namespace an object without `metadata.namespace` lands in.
pub const DEFAULT_NAMESPACE: &str = "default";

fn labels_of(meta: &meta::ObjectMeta) -> Labels {
    meta.labels
        .as_ref()
        .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

pub fn namespace_from_api(ns: &core::Namespace) -> Result<Namespace, Vec<FieldError>> {
    let name = ns
        .metadata
        .name
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| vec![FieldError::new("metadata.name", "Required value")])?;
    Ok(Namespace::new(name, labels_of(&ns.metadata)))
}

/// Converts a pod. `Ok(None)` for pods that no longer run (phase Succeeded or
/// Failed): they hold no IP and take part in no connection.
/// Invalid container ports are dropped with a warning; the pod still loads.
pub fn pod_from_api(pod: &core::Pod) -> (Result<Option<Pod>, Vec<FieldError>>, Vec<FieldError>) {
    let Some(name) = pod.metadata.name.clone().filter(|n| !n.is_empty()) else {
        return (
            Err(vec![FieldError::new("metadata.name", "Required value")]),
            vec![],
        );
    };
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if matches!(phase, Some("Succeeded") | Some("Failed")) {
        return (Ok(None), vec![]);
    }
    let namespace = pod
        .metadata
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let mut warnings = Vec::new();
    let spec = pod.spec.clone().unwrap_or_default();
    let host_network = spec.host_network.unwrap_or(false);
    let ports = ports_of_spec(&spec, "spec", &mut warnings);
    let mut ips = Vec::new();
    if !host_network && let Some(status) = &pod.status {
        let mut raw: Vec<&str> = status
            .pod_ips
            .iter()
            .flatten()
            .map(|p| p.ip.as_str())
            .collect();
        if raw.is_empty()
            && let Some(ip) = &status.pod_ip
        {
            raw.push(ip);
        }
        for (i, ip) in raw.into_iter().enumerate() {
            match ip.parse::<IpAddr>() {
                Ok(a) => ips.push(a),
                Err(_) => warnings.push(FieldError::new(
                    format!("status.podIPs[{i}].ip"),
                    format!("Invalid value: {ip:?}: must be a valid IP address"),
                )),
            }
        }
        ips.sort();
        ips.dedup();
    }
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .or_else(|| pod.metadata.owner_references.iter().flatten().next())
        // Static (mirror) pods are "owned" by their Node: they stand alone.
        .filter(|o| o.kind != "Node")
        .map(|o| Owner {
            kind: o.kind.clone(),
            name: o.name.clone(),
        });
    let p = Pod {
        namespace,
        name,
        labels: labels_of(&pod.metadata),
        ports,
        ips,
        host_network,
        owner,
    };
    (Ok(Some(p)), warnings)
}

/// The representative pod of a workload: its pod template, named after the
/// workload and owned by it.
pub fn pod_from_template(
    namespace: &str,
    workload_name: &str,
    kind: &str,
    template: &core::PodTemplateSpec,
    template_path: &str,
) -> (Pod, Vec<FieldError>) {
    let mut warnings = Vec::new();
    let labels = template
        .metadata
        .as_ref()
        .map(labels_of)
        .unwrap_or_default();
    let spec = template.spec.clone().unwrap_or_default();
    let ports = ports_of_spec(&spec, &format!("{template_path}.spec"), &mut warnings);
    let pod = Pod {
        namespace: namespace.to_string(),
        name: workload_name.to_string(),
        labels,
        ports,
        ips: vec![],
        host_network: spec.host_network.unwrap_or(false),
        owner: Some(Owner {
            kind: kind.to_string(),
            name: workload_name.to_string(),
        }),
    };
    (pod, warnings)
}

/// Declared ports of all containers, plus restartable init containers
/// (sidecars), which serve traffic for the pod's lifetime.
fn ports_of_spec(
    spec: &core::PodSpec,
    path: &str,
    warnings: &mut Vec<FieldError>,
) -> Vec<ContainerPort> {
    let mut out = Vec::new();
    let mut push = |c: &core::Container, cpath: String| {
        for (j, p) in c.ports.iter().flatten().enumerate() {
            let ppath = format!("{cpath}.ports[{j}]");
            let protocol = match p.protocol.as_deref() {
                None => Protocol::Tcp,
                Some(s) => match Protocol::parse(s) {
                    Some(pr) => pr,
                    None => {
                        warnings.push(FieldError::new(
                            format!("{ppath}.protocol"),
                            format!("Unsupported value: {s:?}: supported values: \"SCTP\", \"TCP\", \"UDP\""),
                        ));
                        continue;
                    }
                },
            };
            if !(1..=65535).contains(&p.container_port) {
                warnings.push(FieldError::new(
                    format!("{ppath}.containerPort"),
                    format!(
                        "Invalid value: {}: must be between 1 and 65535, inclusive",
                        p.container_port
                    ),
                ));
                continue;
            }
            out.push(ContainerPort {
                name: p.name.clone().filter(|n| !n.is_empty()),
                port: p.container_port as u16,
                protocol,
            });
        }
    };
    for (i, c) in spec.containers.iter().enumerate() {
        push(c, format!("{path}.containers[{i}]"));
    }
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        if c.restart_policy.as_deref() == Some("Always") {
            push(c, format!("{path}.initContainers[{i}]"));
        }
    }
    out.sort();
    out.dedup();
    out
}

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

/// Parses a CIDR as Go's net.ParseCIDR does (host bits allowed and masked).
pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let (addr, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return None;
    }
    // kube-apiserver (without the StrictIPCIDRValidation gate, which is off
    // up to 1.34) accepts IPv4 octets with leading zeros and reads them as
    // decimal ("010.0.0.0/8" is 10.0.0.0/8); objects stored that way are
    // enforced, so they are read the same way here.
    let decimal: String;
    let addr = if addr.contains('.') && !addr.contains(':') {
        decimal = addr
            .split('.')
            .map(|o| {
                let t = o.trim_start_matches('0');
                if t.is_empty() && !o.is_empty() {
                    "0"
                } else {
                    t
                }
            })
            .collect::<Vec<_>>()
            .join(".");
        decimal.as_str()
    } else {
        addr
    };
    let ip: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    IpNet::new(ip, len).ok().map(|n| n.trunc())
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

/// IANA_SVC_NAME as validated for named ports: 1-15 characters, lower-case
/// alphanumerics and '-', at least one letter, no leading, trailing or double '-'.
pub fn port_name_error(s: &str) -> Option<&'static str> {
    if s.is_empty() || s.len() > 15 {
        return Some("must be no more than 15 characters");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if s.contains("--") {
        return Some("must not contain consecutive hyphens");
    }
    if !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return Some("must contain at least one letter (a-z)");
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not begin or end with a hyphen");
    }
    None
}

fn convert_selector(
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

fn is_name_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// A label key: an optional DNS-subdomain prefix and '/', then a name segment.
pub fn label_key_error(k: &str) -> Option<&'static str> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix
        && !is_dns_subdomain(p)
    {
        return Some("prefix part must be a lowercase RFC 1123 subdomain");
    }
    if !is_name_segment(name) {
        return Some(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)",
        );
    }
    None
}

/// A label value: empty, or a name segment.
pub fn label_value_error(v: &str) -> Option<&'static str> {
    if v.is_empty() || is_name_segment(v) {
        None
    } else {
        Some(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (max 63)",
        )
    }
}
