//! Why a reachability question has no answer. The wording is the
//! `can-reach` command's; the TUI trace rewords a few (see its view).

use std::fmt;

use crate::engine::model::{PodKey, Protocol};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// A bare name and no default namespace.
    NeedsNamespace { spec: String },
    /// No pod or workload of that name; `known` lists some pods there.
    NotFound {
        spec: String,
        namespace: String,
        name: String,
        known: Vec<String>,
    },
    /// A pod the question named has gone since.
    Gone(PodKey),
    /// Both ends are the same pod (`from`/`to` as the user named them).
    SamePod { from: String, to: String },
    /// A named port, but the destination is an address.
    NamedPortNeedsPod { name: String },
    /// The destination declares no such named port.
    NoNamedPort {
        to: String,
        protocol: Protocol,
        name: String,
    },
    /// NetworkPolicy does not govern hostNetwork pods.
    HostNetwork { from: String, to: String },
    /// Both ends are addresses.
    NoPod,
    /// `svc/NS/NAME`: no such Service; `known` lists some there.
    NoService { spec: String, known: Vec<String> },
    /// Selectorless or ExternalName: backends not known from selectors.
    BackendsUnknown { service: String, why: String },
    /// The selector matches no running pod.
    NoBackends { service: String, selector: String },
    /// No Service port of that number or name.
    NoServicePort {
        service: String,
        port: String,
        known: Vec<String>,
    },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::NeedsNamespace { spec } => {
                write!(f, "{spec:?}: name the namespace as ns/name (or pass -n)")
            }
            QueryError::NotFound {
                spec,
                namespace,
                name,
                known,
            } => {
                write!(
                    f,
                    "{spec:?}: no pod or workload named {name:?} in namespace {namespace:?}"
                )?;
                if known.is_empty() {
                    write!(f, " (the namespace has no pods)")
                } else {
                    write!(f, "; pods there include: {}", known.join(", "))
                }
            }
            QueryError::Gone(k) => write!(f, "{k} no longer exists"),
            QueryError::SamePod { from, to } => write!(
                f,
                "{from} and {to} are the same pod: self-traffic is not governed by NetworkPolicy"
            ),
            QueryError::NamedPortNeedsPod { name } => write!(
                f,
                "named port {name:?} needs a pod as destination, not an address"
            ),
            QueryError::NoNamedPort { to, protocol, name } => {
                write!(f, "{to} declares no {protocol} port named {name:?}")
            }
            QueryError::HostNetwork { from, to } => write!(
                f,
                "{from} -> {to}: a hostNetwork pod is involved; NetworkPolicy does not govern hostNetwork pods, so there is no verdict"
            ),
            QueryError::NoPod => write!(
                f,
                "both ends are addresses outside the cluster: NetworkPolicy has nothing to say"
            ),
            QueryError::NoService { spec, known } => {
                write!(f, "{spec:?}: no such Service")?;
                if known.is_empty() {
                    write!(f, " (the namespace has no Services)")
                } else {
                    write!(f, "; Services there include: {}", known.join(", "))
                }
            }
            QueryError::BackendsUnknown { service, why } => write!(
                f,
                "Service {service}: backends unknown, so there is no verdict: {why}"
            ),
            QueryError::NoBackends { service, selector } => write!(
                f,
                "Service {service} has no backends: no running pod in its namespace matches its selector {selector}, so there is no verdict"
            ),
            QueryError::NoServicePort {
                service,
                port,
                known,
            } => write!(
                f,
                "Service {service} has no port {port:?}; its ports: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        }
    }
}

impl std::error::Error for QueryError {}
