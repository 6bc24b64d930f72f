//! Pods and workload pod templates to engine pods: declared ports (named,
//! per protocol), host networking and the owning workload.

use std::net::IpAddr;

use k8s_openapi::api::core::v1 as core;

use super::{DEFAULT_NAMESPACE, FieldError, labels_of};
use crate::engine::model::{ContainerPort, Owner, Pod, Protocol};

/// Converts a pod. `Ok(None)` for pods that no longer run (phase Succeeded or
/// Failed): they hold no IP and take part in no connection.
/// Invalid container ports are dropped with a warning; the pod still loads.
pub fn pod_from_api(pod: &core::Pod) -> (Result<Option<Pod>, Vec<FieldError>>, Vec<FieldError>) {
    convert(pod, || labels_of(&pod.metadata))
}

/// [`pod_from_api`] for a pod that is not needed afterwards: its labels
/// move instead of being copied (offline loading, issue #14).
pub fn pod_from_api_owned(
    mut pod: core::Pod,
) -> (Result<Option<Pod>, Vec<FieldError>>, Vec<FieldError>) {
    let labels = pod.metadata.labels.take();
    convert(&pod, || labels.unwrap_or_default())
}

fn convert(
    pod: &core::Pod,
    labels: impl FnOnce() -> crate::engine::model::Labels,
) -> (Result<Option<Pod>, Vec<FieldError>>, Vec<FieldError>) {
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
    let no_spec = core::PodSpec::default();
    let spec = pod.spec.as_ref().unwrap_or(&no_spec);
    let host_network = spec.host_network.unwrap_or(false);
    let ports = ports_of_spec(spec, "spec", &mut warnings);
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
        labels: labels(),
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
