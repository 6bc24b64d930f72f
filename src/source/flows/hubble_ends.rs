//! A Hubble endpoint as the [`EndRef`] it names, borrowed from the parsed
//! line; the endpoint's label list, borrowed too; an endpoint or not.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use super::Endpoint;
use crate::source::flows::keys::{self, EndRef, LabelPairs};

/// An endpoint's labels, borrowed from the line unless escaped (a
/// `Vec<Cow<str>>` would copy each one: `Cow` borrows only as a field).
#[derive(Default)]
pub(super) struct LabelList<'a>(pub(super) Vec<Cow<'a, str>>);

#[derive(Deserialize)]
struct Label<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for LabelList<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LabelList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<S: de::SeqAccess<'de>>(self, mut s: S) -> Result<Self::Value, S::Error> {
                let mut v = Vec::new();
                while let Some(Label(l)) = s.next_element()? {
                    v.push(l);
                }
                Ok(LabelList(v))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// A bare lost-events line has `source` as a string: not an endpoint.
pub(super) enum MaybeEndpoint<'a> {
    Endpoint(Endpoint<'a>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for MaybeEndpoint<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = MaybeEndpoint<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an endpoint object or a string")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Self::Value, M::Error> {
                Endpoint::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(MaybeEndpoint::Endpoint)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(MaybeEndpoint::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MaybeEndpoint::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Label prefixes that are about the pod's context, not its own labels.
const CONTEXT: &str = "io.cilium.k8s.";

/// The pod's own labels: `k8s:` ones without the context Cilium adds
/// (namespace, service account, cluster, namespace labels).
fn pod_labels<'e>(labels: &'e [Cow<str>]) -> LabelPairs<'e> {
    keys::canonical(
        labels
            .iter()
            .filter_map(|l| l.strip_prefix("k8s:"))
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| !k.starts_with(CONTEXT) && *k != "io.kubernetes.pod.namespace")
            .collect(),
    )
}

/// The top-level workload Hubble reports for a local endpoint: (kind, name).
fn workload<'e>(e: &'e Endpoint) -> Option<(&'e str, &'e str)> {
    e.workloads
        .iter()
        .find_map(|w| {
            let kind = w.kind.as_deref()?;
            matches!(
                kind,
                "Deployment" | "StatefulSet" | "DaemonSet" | "CronJob" | "Job"
            )
            .then(|| (kind, w.name.as_deref().unwrap_or_default()))
        })
        .filter(|(_, name)| !name.is_empty())
}

pub(super) fn end<'e>(e: Option<&'e Endpoint>, ip: Option<IpAddr>) -> EndRef<'e> {
    let labels: &[Cow<str>] = e.map_or(&[], |e| &e.labels.0);
    let mut reserved = labels.iter().filter_map(|l| l.strip_prefix("reserved:"));
    let world = reserved.clone().any(|r| r.starts_with("world"))
        || labels
            .iter()
            .any(|l| l.starts_with("cidr:") || l.starts_with("fqdn:"));
    let has_k8s = labels.iter().any(|l| l.starts_with("k8s:"));
    let ns = e
        .and_then(|e| e.namespace.as_deref())
        .filter(|n| !n.is_empty());
    let pod = e
        .and_then(|e| e.pod_name.as_deref())
        .filter(|n| !n.is_empty());
    if let (Some(ns), Some(pod)) = (ns, pod) {
        // A pod name with world labels (seen on GKE): the pod, by name only.
        return EndRef::Pod {
            namespace: ns,
            name: Some(pod),
            labels: has_k8s.then(|| pod_labels(labels)),
            workload: e.and_then(workload),
        };
    }
    if world {
        return match ip {
            Some(ip) => EndRef::Ip(ip),
            None => EndRef::Unresolved("world without an address".into()),
        };
    }
    if let Some(r) = reserved.next() {
        let at = ip.map(|i| format!(" ({i})")).unwrap_or_default();
        return EndRef::Unresolved(
            format!(
                "reserved:{r}{at}: a node or Cilium identity, NetworkPolicy does not decide it"
            )
            .into(),
        );
    }
    if let Some(ns) = ns.filter(|_| has_k8s) {
        return EndRef::Pod {
            namespace: ns,
            name: None,
            labels: Some(pod_labels(labels)),
            workload: None,
        };
    }
    match ip {
        Some(ip) => EndRef::Ip(ip),
        None => EndRef::Unresolved("no identity and no address recorded".into()),
    }
}
