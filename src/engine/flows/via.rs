//! Connections addressed to a Service's ClusterIP (the packet was recorded
//! before translation, so Hubble gave the destination no pod identity).
//!
//! Such a destination is not an external endpoint: the Service's backends
//! are the candidate destinations, and NetworkPolicy decides each of them on
//! the target port the Service port maps to on that pod (a named targetPort
//! may map to different numbers on different pods). The verdict is allowed
//! only when every backend allows the client; when only some do, it is
//! denied and `because` says how many backends allow it (the flow may have
//! reached either kind, so "allowed" would hide the ones that refuse it).

use std::collections::HashMap;
use std::net::IpAddr;

use super::attribute::Conn;
use super::status::{because, endpoint};
use crate::engine::index::Index;
use crate::engine::model::{Protocol, Service, ServiceKey, ServicePort};
use crate::engine::query::{Backend, PortReach, target_on};
use crate::engine::verdict::{Endpoint, NoVerdict};

/// Service ClusterIPs of the index (headless Services have none).
pub fn cluster_ips(idx: &Index) -> HashMap<IpAddr, ServiceKey> {
    idx.services()
        .filter(|s| !s.headless)
        .flat_map(|s| s.cluster_ips.iter().map(move |ip| (*ip, s.key())))
        .collect()
}

fn service_port(svc: &Service, p: Protocol, port: u16) -> Option<&ServicePort> {
    svc.ports
        .iter()
        .find(|sp| sp.protocol == p && sp.port == port)
}

/// Whether a connection to `ip` (the ClusterIP of `key`) on `p`/`port` can be
/// judged per backend; else why not (reported as unresolved, never guessed).
pub fn check(
    idx: &Index,
    ip: IpAddr,
    key: &ServiceKey,
    p: Protocol,
    port: u16,
) -> Result<(), String> {
    let at = format!("{ip}: ClusterIP of svc/{key}");
    let svc = idx
        .service(key)
        .ok_or_else(|| format!("{at}, not in the cluster"))?;
    if !svc.backends_known() {
        return Err(format!(
            "{at}, whose endpoints are not known from a selector"
        ));
    }
    let sp = service_port(svc, p, port)
        .ok_or_else(|| format!("{at}, which has no Service port {p} {port}"))?;
    if !idx
        .service_backends(svc)
        .iter()
        .any(|b| target_on(idx, b, sp).is_some())
    {
        return Err(format!("{at}, which has no backend pod for {p} {port}"));
    }
    Ok(())
}

/// The verdict for a connection to the ClusterIP of `key`, per backend.
pub fn verdict(idx: &Index, c: &Conn, key: &ServiceKey, from: &str) -> (bool, String) {
    let removed = || {
        (
            true,
            format!("svc/{key}: not in this state (removed by the change)"),
        )
    };
    let Some(svc) = idx.service(key) else {
        return removed();
    };
    let Some(sp) = service_port(svc, c.protocol, c.port) else {
        return removed();
    };
    let Some(f) = endpoint(idx, &c.from) else {
        return removed();
    };
    // (backend class, target port) -> (allowed, no verdict, why)
    let mut memo: HashMap<(crate::engine::index::ClassId, u16), (bool, bool, String)> =
        HashMap::new();
    let mut backends = Vec::new();
    let (mut first_yes, mut first_no) = (None, None);
    for b in idx.service_backends(svc) {
        let target = target_on(idx, &b, sp);
        let (Some(t), Some(class)) = (target, idx.pod_class(&b)) else {
            backends.push(backend(b, target, false, false));
            continue;
        };
        let (ok, none, why) = memo
            .entry((class, t))
            .or_insert_with(|| match idx.pair_verdict(f, Endpoint::Class(class)) {
                Ok(v) => {
                    let (ok, why) = because(&v, c.protocol, t, from, &b.to_string());
                    (ok, false, why)
                }
                Err(NoVerdict::HostNetwork | NoVerdict::NoPod) => (false, true, String::new()),
            })
            .clone();
        if ok {
            first_yes.get_or_insert(why);
        } else if !none {
            first_no.get_or_insert(why);
        }
        let mut bk = backend(b, Some(t), ok, none);
        bk.no_verdict = none;
        backends.push(bk);
    }
    let pr = PortReach {
        port: sp.clone(),
        backends,
        answers: vec![],
    };
    let n = pr.endpoints().count();
    let summary = format!("svc/{key}: {}", pr.summary());
    if n > 0 && pr.no_verdict_count() == n {
        return (
            true,
            format!("{summary}: NetworkPolicy does not apply to hostNetwork pods"),
        );
    }
    match (pr.allowed_count() == n && n > 0, first_yes, first_no) {
        (true, Some(yes), _) => (true, format!("{summary}; {yes}")),
        (_, Some(_), Some(no)) => (false, format!("{summary}, not every backend: {no}")),
        (_, _, Some(no)) => (false, format!("{summary}; {no}")),
        _ => (false, summary),
    }
}

fn backend(
    pod: crate::engine::model::PodKey,
    target: Option<u16>,
    allowed: bool,
    nv: bool,
) -> Backend {
    Backend {
        pod,
        target,
        allowed,
        partly: false,
        no_verdict: nv,
        answer: None,
    }
}

#[cfg(test)]
#[path = "via_tests.rs"]
mod tests;
