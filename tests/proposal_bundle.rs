//! The default-deny bundle and proposal helpers of the what-if, checked by
//! loading their YAML through the file source (moved out of the engine, which
//! must not depend on `source`).

use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::Protocol;
use netpol_tui::engine::ports::PortSet;
use netpol_tui::engine::proposal::{
    ALLOW_DNS_NAME, Change, DEFAULT_DENY_NAME, Proposal, default_deny_bundle, template,
};
use netpol_tui::source::files::load_sources;

const CLUSTER: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app, labels: {app: db}}
spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: metrics, namespace: kube-system, labels: {k8s-app: metrics}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: dns-lookalike, namespace: other, labels: {k8s-app: kube-dns}}
spec: {containers: [{name: c}]}
";

fn index_with(extra: Option<&str>) -> Index {
    let mut sources = vec![("cluster.yaml".to_string(), CLUSTER.to_string())];
    if let Some(e) = extra {
        sources.push(("proposal.yaml".to_string(), e.to_string()));
    }
    let l = load_sources(&sources);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    Index::from_snapshot(l.snapshot)
}

#[test]
fn the_bundle_loads_cleanly_as_two_policies() {
    let l = load_sources(&[("p".into(), default_deny_bundle("app"))]);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let mut names: Vec<String> = l
        .snapshot
        .policies
        .iter()
        .map(|p| p.key().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            format!("app/{ALLOW_DNS_NAME}"),
            format!("app/{DEFAULT_DENY_NAME}")
        ]
    );
    let deny = l
        .snapshot
        .policies
        .iter()
        .find(|p| p.name == DEFAULT_DENY_NAME)
        .expect("deny policy");
    assert!(deny.ingress_type && deny.egress_type);
}

#[test]
fn the_bundle_allows_only_dns_to_kube_dns_out_and_nothing_in() {
    let before = report(&index_with(None), Granularity::Pod);
    assert!(
        before
            .internal
            .iter()
            .any(|r| r.src == "app/web" && r.dst == "app/db"),
        "everything is open before"
    );
    let r = report(
        &index_with(Some(&default_deny_bundle("app"))),
        Granularity::Pod,
    );
    let from_web: Vec<_> = r
        .all_rows()
        .into_iter()
        .filter(|c| c.src == "app/web")
        .collect();
    let dns = PortSet::single(Protocol::Udp, 53).union(&PortSet::single(Protocol::Tcp, 53));
    assert_eq!(from_web.len(), 1, "{from_web:?}");
    assert_eq!(from_web[0].dst, "kube-system/coredns");
    assert_eq!(from_web[0].ports, dns);
    // Nothing reaches the namespace's pods any more, not even each other.
    let into_app: Vec<_> = r
        .all_rows()
        .into_iter()
        .filter(|c| c.dst.starts_with("app/"))
        .collect();
    assert!(into_app.is_empty(), "{into_app:?}");
    // Other namespaces are untouched.
    assert!(
        r.internal
            .iter()
            .any(|c| c.src == "kube-system/metrics" && c.dst == "other/dns-lookalike")
    );
}

#[test]
fn names_are_quoted_safely() {
    let y = default_deny_bundle("we\"ird: ns");
    let l = load_sources(&[("p".into(), y)]);
    // Not a valid namespace name, but the YAML itself parses: the error
    // is about the name, not the syntax.
    assert!(
        l.errors.iter().all(|e| !e.message.contains("YAML")),
        "{:?}",
        l.errors
    );
    assert!(template("app").lines().all(|l| l.starts_with('#')));
}

#[test]
fn from_loaded_keeps_existing_namespaces_labels() {
    let idx = index_with(None);
    let l = load_sources(&[("p".into(), default_deny_bundle("app"))]);
    let p = Proposal::from_loaded(&idx, l.snapshot, &l.implicit_namespaces);
    assert_eq!(p.changes.len(), 2, "{:?}", p.changes);
    assert!(
        p.changes
            .iter()
            .all(|e| matches!(e, Change::UpsertPolicy(_)))
    );
    assert_eq!(p.summary.len(), 1);
    assert!(p.summary[0].starts_with("apply "));
}
