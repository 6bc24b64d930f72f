//! Services in the TUI: the Service view's model, the Services that select a
//! pod (pod view), and a trace towards a Service (per backend, on its target
//! port, with the command that tests it).

use crate::engine::index::Index;
use crate::engine::model::{PodKey, PortRef, Service, ServiceKey, ServicePort};
use crate::engine::query::verify::{Verify, verify_service};
use crate::engine::query::{
    End, Outcome, QueryError, Resolved, ServiceReach, can_reach_service, target_on,
};

/// `443->8443/TCP` or `443->https(8443)/TCP` for one Service port on one pod.
pub fn port_text(sp: &ServicePort, target: Option<u16>) -> String {
    let t = match (&sp.target, target) {
        (PortRef::Number(n), _) => n.to_string(),
        (PortRef::Name(n), Some(t)) => format!("{n}({t})"),
        (PortRef::Name(n), None) => format!("{n}(not declared)"),
    };
    format!("{}->{t}/{}", sp.port, sp.protocol)
}

/// One backend pod with its target port per Service port.
#[derive(Debug, Clone)]
pub struct BackendRow {
    pub pod: PodKey,
    pub targets: Vec<Option<u16>>,
}

#[derive(Debug, Clone)]
pub struct ServiceModel {
    pub service: Service,
    /// None: the backends are not known from a selector; the reason.
    pub unknown: Option<String>,
    pub backends: Vec<BackendRow>,
}

pub fn model(idx: &Index, key: &ServiceKey) -> Option<ServiceModel> {
    let svc = idx.service(key)?.clone();
    let unknown = (!svc.backends_known()).then(|| match &svc.service_type {
        crate::engine::model::ServiceType::ExternalName(n) => {
            format!("an ExternalName alias of {n}, outside the pod network")
        }
        _ => "selectorless: its endpoints are managed by hand".to_string(),
    });
    let backends = idx
        .service_backends(&svc)
        .into_iter()
        .map(|pod| BackendRow {
            targets: svc
                .ports
                .iter()
                .map(|sp| target_on(idx, &pod, sp))
                .collect(),
            pod,
        })
        .collect();
    Some(ServiceModel {
        service: svc,
        unknown,
        backends,
    })
}

/// The Services that select a pod, as `name 443->https(8443)/TCP, ...`.
pub fn selecting(idx: &Index, pod: &PodKey) -> Vec<String> {
    idx.services_selecting(pod)
        .into_iter()
        .map(|s| {
            let ports: Vec<String> = s
                .ports
                .iter()
                .map(|sp| port_text(sp, target_on(idx, pod, sp)))
                .collect();
            if ports.is_empty() {
                s.name.clone()
            } else {
                format!("{} {}", s.name, ports.join(", "))
            }
        })
        .collect()
}

/// A trace towards a Service: per backend, and the command that tests it.
#[derive(Debug, Clone)]
pub struct ServiceTrace {
    pub reach: ServiceReach,
    pub outcome: Outcome,
    /// One per asked Service port (empty when the client is an address).
    pub verify: Vec<Verify>,
}

/// `from -> svc` on the Service port `port` (number or name; empty: every
/// Service port).
pub fn trace(
    idx: &Index,
    from: &End,
    key: &ServiceKey,
    port: &str,
) -> Result<ServiceTrace, String> {
    let from = Resolved::end(from.clone());
    let port = port.trim();
    let port = (!port.is_empty()).then_some(port);
    let spec = format!("svc/{key}");
    let reach = can_reach_service(idx, &from, &spec, key, port).map_err(|e| match e {
        QueryError::HostNetwork { .. } => "a hostNetwork pod is involved: NetworkPolicy does not govern hostNetwork pods, so there is no verdict".to_string(),
        e => e.to_string(),
    })?;
    Ok(ServiceTrace {
        outcome: reach.outcome(),
        verify: verify_service(idx, &from, &reach),
        reach,
    })
}
