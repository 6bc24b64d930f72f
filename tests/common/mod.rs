//! Test helpers: build an index from inline YAML through the same
//! k8s-openapi types and conversion the product uses.
#![allow(dead_code)]

pub mod ci;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Namespace, Snapshot};
use netpol_tui::source::convert::{FieldError, namespace_from_api, pod_from_api, policy_from_api};

/// Parses `---`-separated Namespace/Pod/NetworkPolicy documents (and the
/// cluster-scoped ClusterNetworkPolicy/AdminNetworkPolicy/BaselineAdminNetworkPolicy).
/// Namespaces referenced but not given are created as the API server would.
pub fn snapshot(yaml: &str) -> Snapshot {
    let mut s = Snapshot::default();
    for doc in yaml.split("\n---") {
        if doc.trim().is_empty() {
            continue;
        }
        let v: serde_yaml::Value = serde_yaml::from_str(doc).expect("test yaml");
        match v["kind"].as_str() {
            Some("Namespace") => {
                let ns: core::Namespace = serde_yaml::from_value(v).expect("namespace");
                s.namespaces
                    .push(namespace_from_api(&ns).expect("valid namespace"));
            }
            Some("Pod") => {
                let p: core::Pod = serde_yaml::from_value(v).expect("pod");
                if let (Ok(Some(p)), _) = pod_from_api(&p) {
                    s.pods.push(p);
                }
            }
            Some("NetworkPolicy") => {
                let p: net::NetworkPolicy = serde_yaml::from_value(v).expect("policy");
                s.policies.push(policy_from_api(&p).expect("valid policy"));
            }
            Some(
                k @ ("ClusterNetworkPolicy" | "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy"),
            ) => {
                use netpol_tui::engine::tiers::ClusterKind;
                let kind = match k {
                    "ClusterNetworkPolicy" => ClusterKind::Cnp,
                    "AdminNetworkPolicy" => ClusterKind::Anp,
                    _ => ClusterKind::Banp,
                };
                let api = v["apiVersion"].as_str().unwrap_or_default().to_string();
                let json: serde_json::Value = serde_json::to_value(&v).expect("json");
                let (res, _warnings) =
                    netpol_tui::source::convert::cluster_policy_from_value(kind, &api, &json);
                s.cluster_policies.push(res.expect("valid cluster policy"));
            }
            other => panic!("unexpected kind {other:?}"),
        }
    }
    let mut names: Vec<String> = s.pods.iter().map(|p| p.namespace.clone()).collect();
    names.extend(s.policies.iter().map(|p| p.namespace.clone()));
    for n in names {
        if !s.namespaces.iter().any(|x| x.name == n) {
            s.namespaces.push(Namespace::new(n, Default::default()));
        }
    }
    s
}

pub fn index(yaml: &str) -> Index {
    Index::from_snapshot(snapshot(yaml))
}

/// Validation errors of a single NetworkPolicy document.
pub fn policy_errors(yaml: &str) -> Vec<FieldError> {
    let p: net::NetworkPolicy = serde_yaml::from_str(yaml).expect("policy yaml");
    match policy_from_api(&p) {
        Ok(_) => vec![],
        Err(e) => e,
    }
}

/// Pod-level connectivity as `from -> to` => `ports` text (pods only).
pub fn conns(idx: &Index) -> BTreeMap<String, String> {
    report(idx, Granularity::Pod)
        .internal
        .into_iter()
        .map(|r| (format!("{} -> {}", r.src, r.dst), r.ports.to_string()))
        .collect()
}

/// Connectivity including external rows.
pub fn all_conns(idx: &Index) -> BTreeMap<String, String> {
    let r = report(idx, Granularity::Pod);
    r.internal
        .into_iter()
        .chain(r.external)
        .map(|r| (format!("{} -> {}", r.src, r.dst), r.ports.to_string()))
        .collect()
}

/// A pod document.
pub fn pod(ns: &str, name: &str, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {labels}\nspec:\n  containers: [{{name: c, image: x}}]\n"
    )
}
