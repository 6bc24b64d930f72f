//! Services: the Service-port trap (policy applies on the backend's target
//! port, after the Service's translation), Services without backends, and
//! the cluster DNS Service whose target port is not 53.

use std::collections::BTreeSet;

use super::{Finding, LintOptions, SERVICE_NO_BACKENDS, SERVICE_PORT_BLOCKED, Severity, names};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::{Direction, PortRef, Protocol, Service};
use crate::engine::query::target_on;
use crate::engine::verdict::Endpoint;

/// The cluster DNS Service's translation for `proto`: (Service, Service
/// port, target port on the DNS pods) when a Service in the DNS namespace
/// selects the DNS pods and maps port 53 elsewhere.
pub(super) fn dns_translation(
    idx: &Index,
    o: &LintOptions,
    dns: &[ClassId],
    proto: Protocol,
) -> Option<(String, u16, u16)> {
    for svc in idx.services_in(&o.dns_namespace) {
        let backends = idx.service_backends(svc);
        let Some(b) = backends
            .iter()
            .find(|b| idx.pod_class(b).is_some_and(|c| dns.contains(&c)))
        else {
            continue;
        };
        for sp in svc
            .ports
            .iter()
            .filter(|p| p.protocol == proto && p.port == 53)
        {
            if let Some(t) = target_on(idx, b, sp)
                && t != sp.port
            {
                return Some((svc.key().to_string(), sp.port, t));
            }
        }
    }
    None
}

pub(super) fn service_findings(idx: &Index, out: &mut Vec<Finding>) {
    for svc in idx.services() {
        if !svc.backends_known() {
            continue;
        }
        let backends = idx.service_backends(svc);
        if backends.is_empty() {
            out.push(no_backends(svc));
            continue;
        }
        port_blocked(idx, svc, &backends, out);
    }
}

fn no_backends(svc: &Service) -> Finding {
    let sel: Vec<String> = svc
        .selector
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    Finding {
        id: SERVICE_NO_BACKENDS,
        severity: Severity::Low,
        namespace: Some(svc.namespace.clone()),
        policy: None,
        pod: None,
        message: format!(
            "Service {} selects no running pod in {} ({})",
            svc.key(),
            svc.namespace,
            sel.join(",")
        ),
        why: "connections to it fail (no endpoints); often a label typo, or the workload is gone"
            .to_string(),
        fix: Some(format!(
            "make spec.selector match the pods' labels: kubectl get pods -n {} --show-labels",
            svc.namespace
        )),
        pods: vec![],
    }
}

/// A Service port whose target port differs from it, where a policy
/// selecting the backends allows the Service port number (the intent to
/// expose it is clear) but no client outside the backends' namespace can
/// reach the target port.
fn port_blocked(
    idx: &Index,
    svc: &Service,
    backends: &[crate::engine::model::PodKey],
    out: &mut Vec<Finding>,
) {
    let outside: Vec<ClassId> = idx
        .classes()
        .filter(|(_, c)| c.namespace != svc.namespace && !c.host_network)
        .map(|(id, _)| id)
        .collect();
    for sp in &svc.ports {
        let mut blocked = Vec::new();
        let mut targets = BTreeSet::new();
        let mut intents = BTreeSet::new();
        let mut seen: BTreeSet<(ClassId, u16)> = BTreeSet::new();
        for b in backends {
            let (Some(t), Some(c)) = (target_on(idx, b, sp), idx.pod_class(b)) else {
                continue;
            };
            if t == sp.port || idx.class(c).host_network || !seen.insert((c, t)) {
                continue;
            }
            let pols = idx.isolating_policies(c, Direction::Ingress);
            let intent: Vec<String> = pols
                .iter()
                .filter(|p| {
                    p.ingress.iter().any(|r| {
                        r.ports.iter().any(|pp| {
                            pp.protocol == sp.protocol
                                && match (&pp.port, pp.end_port) {
                                    (Some(PortRef::Number(n)), None) => *n == sp.port,
                                    (Some(PortRef::Number(n)), Some(e)) => {
                                        (*n..=e).contains(&sp.port) && !(*n..=e).contains(&t)
                                    }
                                    _ => false,
                                }
                        })
                    })
                })
                .map(|p| p.name.clone())
                .collect();
            if intent.is_empty() {
                continue;
            }
            let reachable = outside.iter().any(|&o| {
                idx.side_verdict_brief(c, Direction::Ingress, Endpoint::Class(o))
                    .allowed
                    .contains(sp.protocol, t)
            });
            if reachable {
                continue;
            }
            targets.insert(t);
            intents.extend(intent);
            blocked.extend(super::members(idx, c));
        }
        if blocked.is_empty() {
            continue;
        }
        blocked.sort();
        let targets: Vec<String> = targets.iter().map(u16::to_string).collect();
        let intents: Vec<String> = intents.into_iter().collect();
        out.push(Finding {
            id: SERVICE_PORT_BLOCKED,
            severity: Severity::Info,
            namespace: Some(svc.namespace.clone()),
            policy: intents.first().cloned(),
            pod: (blocked.len() == 1).then(|| blocked[0].name.clone()),
            message: format!(
                "Service {} port {} {}: {} {} {} {} {} (the Service port), but the backends listen on {} {}, which no client outside {} can reach: {}",
                svc.key(),
                sp.protocol,
                sp.port,
                if intents.len() == 1 { "policy" } else { "policies" },
                intents
                    .iter()
                    .map(|n| format!("{}/{n}", svc.namespace))
                    .collect::<Vec<_>>()
                    .join(", "),
                if intents.len() == 1 { "allows" } else { "allow" },
                sp.protocol,
                sp.port,
                sp.protocol,
                targets.join(" or "),
                svc.namespace,
                names(&blocked)
            ),
            why: "NetworkPolicy applies after the Service's translation, on the target port: allowing the Service port lets nothing through".to_string(),
            fix: Some(format!(
                "allow the target port instead: in the rule's ports, `port: {}` (or the named port{}), protocol {}",
                targets.join(" / "),
                match &sp.target {
                    PortRef::Name(n) => format!(" `{n}`"),
                    PortRef::Number(_) => String::new(),
                },
                sp.protocol
            )),
            pods: blocked,
        });
    }
}
