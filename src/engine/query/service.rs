//! Services as ends of a question: `svc/NS/NAME[:PORT]`.
//!
//! NetworkPolicy is enforced after the Service's translation, on the backend
//! pod and its target port, so a Service destination is answered per backend
//! pod on the target port that pod resolves (a named targetPort may resolve
//! to different numbers on different pods), never on the Service port.

use std::collections::BTreeMap;

use super::{Answer, End, QueryError, Resolved, endpoint};
use crate::engine::explain::explain;
use crate::engine::index::{Class, ClassId, Index};
use crate::engine::model::{PodKey, PortRef, Service, ServiceKey, ServicePort};
use crate::engine::verdict::NoVerdict;

/// `svc/NS/NAME[:PORT]` (or `svc/NAME[:PORT]` with a default namespace),
/// split: the Service and the Service port as typed.
pub fn parse_service_spec(
    spec: &str,
    default_ns: Option<&str>,
) -> Option<Result<(ServiceKey, Option<String>), QueryError>> {
    let rest = spec
        .strip_prefix("svc/")
        .or_else(|| spec.strip_prefix("service/"))?;
    let (path, port) = match rest.rsplit_once(':') {
        Some((p, port)) => (p, Some(port.to_string())),
        None => (rest, None),
    };
    let key = match path.split_once('/') {
        Some((ns, name)) => ServiceKey::new(ns, name),
        None => match default_ns {
            Some(ns) => ServiceKey::new(ns, path),
            None => {
                return Some(Err(QueryError::NeedsNamespace {
                    spec: spec.to_string(),
                }));
            }
        },
    };
    Some(Ok((key, port)))
}

/// The Service of a spec, if it names one that exists and has known backends.
pub fn lookup<'a>(idx: &'a Index, spec: &str, key: &ServiceKey) -> Result<&'a Service, QueryError> {
    let svc = idx.service(key).ok_or_else(|| QueryError::NoService {
        spec: spec.to_string(),
        known: idx
            .services_in(&key.namespace)
            .take(8)
            .map(|s| s.name.clone())
            .collect(),
    })?;
    if !svc.backends_known() {
        return Err(QueryError::BackendsUnknown {
            service: key.to_string(),
            why: match &svc.service_type {
                crate::engine::model::ServiceType::ExternalName(n) => {
                    format!("it is an ExternalName alias of {n:?}, outside the pod network")
                }
                _ => "it has no selector (its endpoints are managed by hand)".to_string(),
            },
        });
    }
    Ok(svc)
}

/// A Service as a client: its backends, one per class.
pub fn resolve_service_client(
    idx: &Index,
    spec: &str,
    key: &ServiceKey,
) -> Result<Resolved, QueryError> {
    let svc = lookup(idx, spec, key)?;
    let backends = idx.service_backends(svc);
    if backends.is_empty() {
        return Err(no_backends(svc));
    }
    Ok(super::resolve::one_per_class(idx, spec, backends))
}

fn no_backends(svc: &Service) -> QueryError {
    let sel = svc
        .selector
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    QueryError::NoBackends {
        service: svc.key().to_string(),
        selector: sel,
    }
}

/// One backend pod of one Service port.
#[derive(Debug, Clone)]
pub struct Backend {
    pub pod: PodKey,
    /// The target port on this pod; None when a named targetPort is not
    /// declared by the pod (it is then no endpoint of this port).
    pub target: Option<u16>,
    /// Allowed from at least one client pod.
    pub allowed: bool,
    /// Allowed from some client pods but not all (a Service client with
    /// several kinds of pods): never counted as allowed.
    pub partly: bool,
    /// A hostNetwork backend: NetworkPolicy gives it no verdict, so it is
    /// never counted as allowed (nor as denied: the outcome says "some" at
    /// best, see [`ServiceReach::outcome`]).
    pub no_verdict: bool,
    /// Index into [`PortReach::answers`] of the explanation for this backend.
    pub answer: Option<usize>,
}

/// The answer for one Service port.
#[derive(Debug, Clone)]
pub struct PortReach {
    pub port: ServicePort,
    pub backends: Vec<Backend>,
    /// One explanation per distinct (client class, backend class, target port).
    pub answers: Vec<Answer>,
}

impl PortReach {
    /// Backends that are endpoints of this port (their target port resolves).
    pub fn endpoints(&self) -> impl Iterator<Item = &Backend> {
        self.backends.iter().filter(|b| b.target.is_some())
    }

    /// Endpoints allowed from every client pod.
    pub fn allowed_count(&self) -> usize {
        self.endpoints().filter(|b| b.allowed && !b.partly).count()
    }

    /// Endpoints allowed from some client pods only.
    pub fn partly_count(&self) -> usize {
        self.endpoints().filter(|b| b.partly).count()
    }

    /// Endpoints without a verdict (hostNetwork backends).
    pub fn no_verdict_count(&self) -> usize {
        self.endpoints().filter(|b| b.no_verdict).count()
    }

    /// The distinct target port numbers, sorted.
    pub fn targets(&self) -> Vec<u16> {
        let mut t: Vec<u16> = self.endpoints().filter_map(|b| b.target).collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// "2 of 3 backends allowed on TCP 8443 (Service port 443)".
    pub fn summary(&self) -> String {
        let n = self.endpoints().count();
        let targets = self
            .targets()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        let p = &self.port;
        let differ = if self.targets().len() > 1 {
            ", the named targetPort differs between pods"
        } else {
            ""
        };
        let mut unknown = match self.no_verdict_count() {
            0 => String::new(),
            1 => "; 1 is a hostNetwork pod: no verdict".to_string(),
            k => format!("; {k} are hostNetwork pods: no verdict"),
        };
        match self.partly_count() {
            0 => {}
            1 => unknown.push_str("; 1 is allowed from some client pods only"),
            k => unknown.push_str(&format!("; {k} are allowed from some client pods only")),
        }
        format!(
            "{} of {n} backend{} allowed on {} {targets} (Service port {}{differ}){unknown}",
            self.allowed_count(),
            if n == 1 { "" } else { "s" },
            p.protocol,
            p.port
        )
    }
}

/// Every asked Service port, answered per backend.
#[derive(Debug, Clone)]
pub struct ServiceReach {
    pub service: Service,
    pub from: String,
    pub ports: Vec<PortReach>,
}

/// Whether every, no or some backend is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    All,
    None,
    Some,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::All => "all",
            Outcome::None => "none",
            Outcome::Some => "some",
        }
    }

    /// `can-reach`'s exit status: 0 all allowed, 1 none, 3 some.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::All => 0,
            Outcome::None => 1,
            Outcome::Some => 3,
        }
    }

    pub fn of(allowed: usize, total: usize) -> Outcome {
        if allowed == 0 {
            Outcome::None
        } else if allowed == total {
            Outcome::All
        } else {
            Outcome::Some
        }
    }
}

impl ServiceReach {
    /// Over every asked port's endpoints.
    /// All: every backend from every client pod; none: no (client,
    /// backend) pair; some: anything between.
    pub fn outcome(&self) -> Outcome {
        let total: usize = self.ports.iter().map(|p| p.endpoints().count()).sum();
        let full: usize = self.ports.iter().map(PortReach::allowed_count).sum();
        let any: usize = full
            + self
                .ports
                .iter()
                .map(PortReach::partly_count)
                .sum::<usize>();
        match Outcome::of(any, total) {
            Outcome::All if full < total => Outcome::Some,
            o => o,
        }
    }
}

/// Can `from` reach the Service `key` on `port` (a Service port number or
/// name; None: every Service port)? `protocol` narrows the ports when given.
pub fn can_reach_service(
    idx: &Index,
    from: &Resolved,
    spec: &str,
    key: &ServiceKey,
    port: Option<&str>,
) -> Result<ServiceReach, QueryError> {
    let svc = lookup(idx, spec, key)?;
    let ports: Vec<&ServicePort> = match port {
        Some(p) => vec![svc.port(p).ok_or_else(|| {
            QueryError::NoServicePort {
                service: key.to_string(),
                port: p.to_string(),
                known: svc
                    .ports
                    .iter()
                    .map(|sp| match &sp.name {
                        Some(n) => format!("{} ({n})", sp.port),
                        None => sp.port.to_string(),
                    })
                    .collect(),
            }
        })?],
        None => svc.ports.iter().collect(),
    };
    if ports.is_empty() {
        return Err(QueryError::NoServicePort {
            service: key.to_string(),
            port: "(any)".to_string(),
            known: vec![],
        });
    }
    let backends = idx.service_backends(svc);
    if backends.is_empty() {
        return Err(no_backends(svc));
    }
    let mut out = Vec::new();
    for sp in ports {
        out.push(port_reach(idx, from, sp, &backends)?);
    }
    let allowed: usize = out
        .iter()
        .map(|p| p.allowed_count() + p.partly_count())
        .sum();
    let unknown: usize = out.iter().map(PortReach::no_verdict_count).sum();
    // Nothing allowed and some backends without a verdict: saying "none"
    // could be wrong, so there is no answer at all (exit 2), as for a
    // hostNetwork pod asked directly.
    if allowed == 0 && unknown > 0 {
        let b = out
            .iter()
            .flat_map(|p| p.endpoints())
            .find(|b| b.no_verdict)
            .map(|b| b.pod.to_string())
            .unwrap_or_default();
        return Err(QueryError::HostNetwork {
            from: from.name.clone(),
            to: b,
        });
    }
    Ok(ServiceReach {
        service: svc.clone(),
        from: from.name.clone(),
        ports: out,
    })
}

/// The target port a backend resolves, as the endpoints controller does:
/// a name is looked up among the pod's declared ports of that protocol.
pub fn target_on(idx: &Index, pod: &PodKey, sp: &ServicePort) -> Option<u16> {
    target_in_class(idx.class(idx.pod_class(pod)?), sp)
}

/// [`target_on`] for every pod of a class (they declare the same ports).
pub fn target_in_class(class: &Class, sp: &ServicePort) -> Option<u16> {
    match &sp.target {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(name) => class
            .ports
            .iter()
            .find(|p| p.protocol == sp.protocol && p.name.as_deref() == Some(name))
            .map(|p| p.port),
    }
}

fn port_reach(
    idx: &Index,
    from: &Resolved,
    sp: &ServicePort,
    backends: &[PodKey],
) -> Result<PortReach, QueryError> {
    let mut answers: Vec<Answer> = Vec::new();
    // (backend class, target) -> (any client allowed, every client allowed,
    // first answer index)
    let mut seen: BTreeMap<(ClassId, u16), (bool, bool, usize)> = BTreeMap::new();
    let mut out = Vec::new();
    for b in backends {
        let target = target_on(idx, b, sp);
        let (Some(t), Some(class)) = (target, idx.pod_class(b)) else {
            out.push(Backend {
                pod: b.clone(),
                target,
                allowed: false,
                partly: false,
                no_verdict: false,
                answer: None,
            });
            continue;
        };
        if idx.class(class).host_network {
            out.push(Backend {
                pod: b.clone(),
                target: Some(t),
                allowed: false,
                partly: false,
                no_verdict: true,
                answer: None,
            });
            continue;
        }
        let (allowed, every, answer) = match seen.get(&(class, t)) {
            Some(&v) => v,
            None => {
                let first = answers.len();
                let mut any = false;
                let mut every = true;
                for fe in &from.ends {
                    let fname = from.label(fe);
                    if matches!(fe, End::Pod(k) if k == b) {
                        continue; // a backend calling itself: no verdict
                    }
                    let fv = endpoint(idx, fe)?;
                    let tv = endpoint(idx, &End::Pod(b.clone()))?;
                    let v = idx.pair_verdict(fv, tv).map_err(|e| match e {
                        NoVerdict::HostNetwork => QueryError::HostNetwork {
                            from: fname.clone(),
                            to: b.to_string(),
                        },
                        NoVerdict::NoPod => QueryError::NoPod,
                    })?;
                    let e = explain(idx, &v, &fname, &b.to_string(), Some((sp.protocol, t)));
                    any |= e.allowed;
                    every &= e.allowed;
                    answers.push(Answer {
                        from: fname,
                        to: b.to_string(),
                        explanation: e,
                    });
                }
                seen.insert((class, t), (any, every, first));
                (any, every, first)
            }
        };
        out.push(Backend {
            pod: b.clone(),
            target: Some(t),
            allowed,
            partly: allowed && !every,
            no_verdict: false,
            answer: (answer < answers.len()).then_some(answer),
        });
    }
    Ok(PortReach {
        port: sp.clone(),
        backends: out,
        answers,
    })
}
