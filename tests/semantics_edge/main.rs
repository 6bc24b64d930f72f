//! Edge cases of NetworkPolicy (networking.k8s.io/v1) semantics, each
//! expectation derived from the API reference and kube-apiserver's
//! defaulting/validation, not from the engine's output.
//!
//! Every pod-to-pod expectation is checked on both evaluation paths: the
//! `connectivity` report rows and `Index::pair_verdict` must agree.

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;

use common::{all_conns, conns, policy_errors, snapshot};
use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::index::{ClassId, Index};
use netpol_tui::engine::model::{Direction, PodKey};
use netpol_tui::engine::verdict::{Endpoint, NoVerdict};

mod ip_block;
mod isolation;
mod policy_types;
mod ports;
mod selectors;

// ---- helpers ----------------------------------------------------------

/// A NetworkPolicy with a flow-style `spec`.
fn np(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n"
    )
}

/// A pod with a flow-style `spec` and `status`.
fn pod_x(ns: &str, name: &str, labels: &str, spec: &str, status: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}, labels: {labels}}}\nspec: {spec}\nstatus: {status}\n"
    )
}

fn p(ns: &str, name: &str, labels: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        "{containers: [{name: c, image: x}]}",
        "{}",
    )
}

/// A pod with a known IP.
fn p_ip(ns: &str, name: &str, labels: &str, ip: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        "{containers: [{name: c, image: x}]}",
        &format!("{{phase: Running, podIP: {ip}, podIPs: [{{ip: {ip}}}]}}"),
    )
}

/// A pod declaring container ports (flow list of ContainerPort).
fn p_ports(ns: &str, name: &str, labels: &str, ports: &str) -> String {
    pod_x(
        ns,
        name,
        labels,
        &format!("{{containers: [{{name: c, image: x, ports: {ports}}}]}}"),
        "{}",
    )
}

fn ns(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n")
}

fn docs(parts: &[String]) -> String {
    parts.join("---\n")
}

/// Namespaces a (team=shop) and b (team=pay); pods a/web, a/api, b/db.
fn base(extra: &[String]) -> String {
    let mut v = vec![
        ns("a", "{team: shop}"),
        ns("b", "{team: pay}"),
        p("a", "web", "{app: web}"),
        p("a", "api", "{app: api}"),
        p("b", "db", "{app: db}"),
    ];
    v.extend(extra.iter().cloned());
    docs(&v)
}

fn key(s: &str) -> PodKey {
    let (n, m) = s.split_once('/').expect("ns/name");
    PodKey::new(n, m)
}

fn class(idx: &Index, pod: &str) -> ClassId {
    idx.pod_class(&key(pod))
        .unwrap_or_else(|| panic!("no pod {pod}"))
}

/// What `from` may send to `to` ("-" for nothing), asserting that the
/// report and `pair_verdict` agree.
fn allowed(idx: &Index, from: &str, to: &str) -> String {
    allowed_in(idx, &conns(idx), from, to)
}

fn allowed_in(idx: &Index, c: &BTreeMap<String, String>, from: &str, to: &str) -> String {
    let row = c
        .get(&format!("{from} -> {to}"))
        .cloned()
        .unwrap_or_else(|| "-".to_string());
    let v = idx
        .pair_verdict(
            Endpoint::Class(class(idx, from)),
            Endpoint::Class(class(idx, to)),
        )
        .expect("a verdict");
    let pv = if v.allowed.is_empty() {
        "-".to_string()
    } else {
        v.allowed.to_string()
    };
    assert_eq!(
        row, pv,
        "report and pair_verdict disagree on {from} -> {to}"
    );
    row
}

fn isolated(idx: &Index, pod: &str, dir: Direction) -> bool {
    idx.is_isolated(class(idx, pod), dir)
}

const ALL: &str = "All Connections";
const NONE: &str = "-";
