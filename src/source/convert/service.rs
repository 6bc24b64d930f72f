//! Services to engine Services, refusing what kube-apiserver would refuse
//! (the checks that matter for what the engine reads), with its field paths.

use std::net::IpAddr;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::validate::{
    is_dns_label, is_dns_subdomain, label_key_error, label_value_error, port_name_error,
};
use super::{DEFAULT_NAMESPACE, FieldError};
use crate::engine::model::{Labels, PortRef, Protocol, Service, ServicePort, ServiceType};

/// Validates and converts a Service; every problem is returned with its path.
pub fn service_from_api(svc: &core::Service) -> Result<Service, Vec<FieldError>> {
    let mut errs = Vec::new();
    let name = svc.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        errs.push(FieldError::new(
            "metadata.name",
            "Required value: name or generateName is required",
        ));
    } else if !is_dns_label(&name) || name.starts_with(|c: char| c.is_ascii_digit()) {
        errs.push(FieldError::new(
            "metadata.name",
            format!(
                "Invalid value: {name:?}: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
            ),
        ));
    }
    let namespace = svc
        .metadata
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let spec = svc.spec.clone().unwrap_or_default();

    let service_type = match spec.type_.as_deref().unwrap_or("ClusterIP") {
        "ClusterIP" => ServiceType::ClusterIp,
        "NodePort" => ServiceType::NodePort,
        "LoadBalancer" => ServiceType::LoadBalancer,
        "ExternalName" => {
            let ext = spec.external_name.clone().unwrap_or_default();
            if ext.is_empty() {
                errs.push(FieldError::new("spec.externalName", "Required value"));
            } else if !is_dns_subdomain(ext.trim_end_matches('.')) {
                errs.push(FieldError::new(
                    "spec.externalName",
                    format!("Invalid value: {ext:?}: must be a valid DNS subdomain"),
                ));
            }
            ServiceType::ExternalName(ext)
        }
        other => {
            errs.push(FieldError::new(
                "spec.type",
                format!(
                    "Unsupported value: {other:?}: supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
                ),
            ));
            ServiceType::ClusterIp
        }
    };

    let mut selector = Labels::new();
    for (k, v) in spec.selector.iter().flatten() {
        if let Some(why) = label_key_error(k) {
            errs.push(FieldError::new(
                "spec.selector",
                format!("Invalid value: {k:?}: {why}"),
            ));
        }
        if let Some(why) = label_value_error(v) {
            errs.push(FieldError::new(
                format!("spec.selector.{k}"),
                format!("Invalid value: {v:?}: {why}"),
            ));
        }
        selector.insert(k.clone(), v.clone());
    }

    let mut cluster_ips = Vec::new();
    let mut headless = false;
    let raw_ips: Vec<(String, &str)> = match spec.cluster_ips.as_deref() {
        Some(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(i, ip)| (format!("spec.clusterIPs[{i}]"), ip.as_str()))
            .collect(),
        _ => spec
            .cluster_ip
            .as_deref()
            .map(|ip| vec![("spec.clusterIP".to_string(), ip)])
            .unwrap_or_default(),
    };
    for (path, ip) in raw_ips {
        match ip {
            "" => {}
            "None" => headless = true,
            _ => match ip.parse::<IpAddr>() {
                Ok(a) => cluster_ips.push(a),
                Err(_) => errs.push(FieldError::new(
                    path,
                    format!("Invalid value: {ip:?}: must be empty, 'None', or a valid IP address"),
                )),
            },
        }
    }

    let raw_ports = spec.ports.as_deref().unwrap_or_default();
    let external = matches!(service_type, ServiceType::ExternalName(_));
    if raw_ports.is_empty() && !external && !headless {
        errs.push(FieldError::new("spec.ports", "Required value"));
    }
    let mut ports: Vec<ServicePort> = Vec::new();
    for (i, p) in raw_ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let pname = p.name.clone().filter(|n| !n.is_empty());
        match &pname {
            None if raw_ports.len() > 1 => {
                errs.push(FieldError::new(format!("{path}.name"), "Required value"))
            }
            Some(n) if !is_dns_label(n) => errs.push(FieldError::new(
                format!("{path}.name"),
                format!(
                    "Invalid value: {n:?}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
                ),
            )),
            Some(n) if ports.iter().any(|q| q.name.as_deref() == Some(n)) => errs.push(
                FieldError::new(format!("{path}.name"), format!("Duplicate value: {n:?}")),
            ),
            _ => {}
        }
        let protocol = match p.protocol.as_deref() {
            None => Protocol::Tcp,
            Some(s) => match Protocol::parse(s) {
                Some(pr) => pr,
                None => {
                    errs.push(FieldError::new(
                        format!("{path}.protocol"),
                        format!(
                            "Unsupported value: {s:?}: supported values: \"SCTP\", \"TCP\", \"UDP\""
                        ),
                    ));
                    continue;
                }
            },
        };
        let port = match u16::try_from(p.port) {
            Ok(n) if n > 0 => n,
            _ => {
                errs.push(FieldError::new(
                    format!("{path}.port"),
                    format!(
                        "Invalid value: {}: must be between 1 and 65535, inclusive",
                        p.port
                    ),
                ));
                continue;
            }
        };
        let target = match &p.target_port {
            None => PortRef::Number(port),
            // 0 (or "") means "same as port" to the API server's defaulting.
            Some(IntOrString::Int(0)) => PortRef::Number(port),
            Some(IntOrString::String(s)) if s.is_empty() => PortRef::Number(port),
            Some(IntOrString::Int(n)) => match u16::try_from(*n) {
                Ok(n) => PortRef::Number(n),
                Err(_) => {
                    errs.push(FieldError::new(
                        format!("{path}.targetPort"),
                        format!("Invalid value: {n}: must be between 1 and 65535, inclusive"),
                    ));
                    continue;
                }
            },
            Some(IntOrString::String(s)) => {
                if let Some(why) = port_name_error(s) {
                    errs.push(FieldError::new(
                        format!("{path}.targetPort"),
                        format!("Invalid value: {s:?}: {why}"),
                    ));
                    continue;
                }
                PortRef::Name(s.clone())
            }
        };
        if ports
            .iter()
            .any(|q| q.port == port && q.protocol == protocol)
        {
            errs.push(FieldError::new(
                path.clone(),
                format!("Duplicate value: {{port: {port}, protocol: {protocol}}}"),
            ));
        }
        ports.push(ServicePort {
            name: pname,
            protocol,
            port,
            target,
        });
    }

    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(Service {
        namespace,
        name,
        // The API server drops an empty selector: the Service is selectorless.
        selector: (!selector.is_empty()).then_some(selector),
        ports,
        service_type,
        cluster_ips,
        headless,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(yaml: &str) -> Result<Service, Vec<FieldError>> {
        let v = crate::yaml::parse_value(yaml)
            .expect("yaml")
            .expect("a document");
        let s: core::Service = serde_json::from_value(v).expect("a Service");
        service_from_api(&s)
    }

    #[test]
    fn defaults_target_port_and_protocol() {
        let s = svc("metadata: {name: api, namespace: pay}\nspec:\n  selector: {app: api}\n  ports: [{port: 443}]\n").expect("valid");
        assert_eq!(s.ports[0].target, PortRef::Number(443));
        assert_eq!(s.ports[0].protocol, Protocol::Tcp);
        assert!(s.backends_known());
    }

    #[test]
    fn headless_selectorless_external_name() {
        let h = svc("metadata: {name: db}\nspec: {clusterIP: None, selector: {app: db}}\n")
            .expect("headless");
        assert!(h.headless && h.backends_known() && h.namespace == "default");
        let s = svc("metadata: {name: ext}\nspec: {ports: [{port: 80}], selector: {}}\n")
            .expect("selectorless");
        assert!(s.selector.is_none() && !s.backends_known());
        let e =
            svc("metadata: {name: e}\nspec: {type: ExternalName, externalName: db.example.com}\n")
                .expect("externalname");
        assert!(!e.backends_known());
    }

    #[test]
    fn refuses_what_the_api_server_refuses() {
        let errs = svc("metadata: {name: api}\nspec:\n  type: Bogus\n  ports: [{port: 0}, {name: x, port: 80, targetPort: Not_A_Name, protocol: tcp}]\n").expect_err("invalid");
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.type",
                "spec.ports[0].name",
                "spec.ports[0].port",
                "spec.ports[1].protocol"
            ]
        );
        let errs = svc("metadata: {name: e}\nspec: {type: ExternalName}\n").expect_err("no name");
        assert_eq!(errs[0].path, "spec.externalName");
    }
}
