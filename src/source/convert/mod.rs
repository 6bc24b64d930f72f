//! API objects (k8s-openapi types) to the engine model, with the validation
//! kube-apiserver applies to NetworkPolicy. A policy the API server would
//! refuse is refused here too, with the field path and the reason, so that the
//! tool never reasons about a policy that could not exist in a cluster.

mod cluster;
mod pod;
mod policy;
mod service;
mod validate;

use std::fmt;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

use crate::engine::model::{Labels, Namespace};

pub use cluster::cluster_policy_from_value;
pub use pod::{pod_from_api, pod_from_api_owned, pod_from_template};
pub use policy::policy_from_api;
pub use service::service_from_api;
pub use validate::{label_key_error, label_value_error, parse_cidr, port_name_error};
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
