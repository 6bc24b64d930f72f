//! The offline source: files, directories, lists, JSON, owners, errors,
//! and the embedded demo cluster.

#[path = "../common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};

use netpol_tui::engine::model::{
    Labels, NS_NAME_LABEL, Namespace, Owner, Peer, Pod, Policy, PortRef, Protocol, Snapshot,
};
use netpol_tui::source::demo;
use netpol_tui::source::files::{LoadError, Manifests, load_paths, load_sources};

mod corpus;
mod demo_cluster;
mod errors;
mod formats;
mod workloads;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/files")
        .join(name)
}

fn load(names: &[&str]) -> Manifests {
    load_paths(&names.iter().map(|n| fixture(n)).collect::<Vec<_>>())
}

fn src(text: &str) -> Manifests {
    load_sources(&[("input.yaml".to_string(), text.to_string())])
}

fn pod<'a>(s: &'a Snapshot, ns: &str, name: &str) -> &'a Pod {
    s.pods
        .iter()
        .find(|p| p.namespace == ns && p.name == name)
        .unwrap_or_else(|| panic!("pod {ns}/{name} missing; have {:?}", pod_names(s)))
}

fn policy<'a>(s: &'a Snapshot, ns: &str, name: &str) -> &'a Policy {
    s.policies
        .iter()
        .find(|p| p.namespace == ns && p.name == name)
        .unwrap_or_else(|| panic!("policy {ns}/{name} missing"))
}

fn namespace<'a>(s: &'a Snapshot, name: &str) -> &'a Namespace {
    s.namespaces
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("namespace {name} missing"))
}

fn pod_names(s: &Snapshot) -> Vec<String> {
    s.pods
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect()
}

fn owner(kind: &str, name: &str) -> Option<Owner> {
    Some(Owner {
        kind: kind.to_string(),
        name: name.to_string(),
    })
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn assert_clean(l: &Manifests) {
    assert!(l.errors.is_empty(), "unexpected errors: {:#?}", l.errors);
    assert!(
        l.warnings.is_empty(),
        "unexpected warnings: {:#?}",
        l.warnings
    );
}
