//! From what a user typed (or picked) to the pods and addresses it names.

use std::net::IpAddr;

use super::{End, QueryError};
use crate::engine::index::{ClassId, Index};
use crate::engine::model::PodKey;

/// What one name stands for: one pod per class (the other pods of a class
/// get the same verdict), or a single address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The name as the user gave it.
    pub name: String,
    pub ends: Vec<End>,
}

impl Resolved {
    /// One end, named by its own spelling (the TUI's picks).
    pub fn end(end: End) -> Self {
        Resolved {
            name: end.to_string(),
            ends: vec![end],
        }
    }

    /// How `end` is shown: a pod by its key, an address as it was typed.
    pub fn label(&self, end: &End) -> String {
        match end {
            End::Pod(k) => k.to_string(),
            End::Ip(_) => self.name.clone(),
        }
    }
}

/// Resolves `ns/pod`, `ns/workload`, `ns/workload[Kind]`, `pod` with a
/// default namespace, or an IP address (a pod's IP names that pod).
pub fn resolve(idx: &Index, spec: &str, default_ns: Option<&str>) -> Result<Resolved, QueryError> {
    // `svc/NS/NAME`: the Service's backends (as a client; a Service as
    // destination is answered per backend by `can_reach_service`).
    if let Some(parsed) = super::parse_service_spec(spec, default_ns) {
        let (key, _port) = parsed?;
        return super::resolve_service_client(idx, spec, &key);
    }
    if let Ok(ip) = spec.parse::<IpAddr>() {
        let pods = idx.pods_with_ip(ip);
        if pods.is_empty() {
            return Ok(Resolved {
                name: spec.to_string(),
                ends: vec![End::Ip(ip)],
            });
        }
        return Ok(one_per_class(idx, spec, pods));
    }
    let (ns, name) = match spec.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => match default_ns {
            Some(ns) => (ns.to_string(), spec.to_string()),
            None => {
                return Err(QueryError::NeedsNamespace {
                    spec: spec.to_string(),
                });
            }
        },
    };
    let key = PodKey::new(&ns, &name);
    if idx.pod_class(&key).is_some() {
        return Ok(one_per_class(idx, spec, vec![key]));
    }
    // A workload: `name` or `name[Kind]`.
    let (wname, kind) = match name.strip_suffix(']').and_then(|n| n.split_once('[')) {
        Some((n, k)) => (n.to_string(), Some(k.to_string())),
        None => (name.clone(), None),
    };
    let pods: Vec<PodKey> = idx
        .pods_in(&ns)
        .filter(|k| match idx.pod_owner(k) {
            Some(o) => o.name == wname && kind.as_ref().is_none_or(|kd| *kd == o.kind),
            None => k.name == wname && kind.as_ref().is_none_or(|kd| kd == "Pod"),
        })
        .cloned()
        .collect();
    if pods.is_empty() {
        let known = idx.pods_in(&ns).take(8).map(|k| k.name.clone()).collect();
        return Err(QueryError::NotFound {
            spec: spec.to_string(),
            namespace: ns,
            name,
            known,
        });
    }
    Ok(one_per_class(idx, spec, pods))
}

pub(super) fn one_per_class(idx: &Index, spec: &str, pods: Vec<PodKey>) -> Resolved {
    let mut seen: Vec<ClassId> = Vec::new();
    let mut ends = Vec::new();
    for k in pods {
        if let Some(c) = idx.pod_class(&k)
            && !seen.contains(&c)
        {
            seen.push(c);
            ends.push(End::Pod(k));
        }
    }
    Resolved {
        name: spec.to_string(),
        ends,
    }
}
