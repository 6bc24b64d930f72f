//! The engine's one reachability query (`engine::query`), on the demo
//! cluster: how ends resolve, named ports, and the typed errors.

use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{PodKey, PortRef, Protocol};
use netpol_tui::engine::query::{End, PortQuery, QueryError, Resolved, can_reach, resolve};
use netpol_tui::source::demo;

fn demo_index() -> Index {
    Index::from_snapshot(demo::load().snapshot)
}

fn ask(idx: &Index, from: &str, to: &str, port: Option<&str>) -> Result<String, String> {
    let from = resolve(idx, from, None).map_err(|e| e.to_string())?;
    let to = resolve(idx, to, None).map_err(|e| e.to_string())?;
    let port = port
        .map(|p| p.parse::<PortQuery>())
        .transpose()
        .map_err(|e| e.to_string())?;
    let reach = can_reach(idx, &from, &to, port.as_ref()).map_err(|e| e.to_string())?;
    Ok(reach
        .answers
        .iter()
        .map(|a| a.explanation.summary.clone())
        .collect::<Vec<_>>()
        .join("\n"))
}

#[test]
fn an_ip_of_a_known_pod_names_that_pod_and_others_stay_addresses() {
    let idx = demo_index();
    let pod = resolve(&idx, "10.244.3.17", None).expect("resolves");
    assert_eq!(
        pod.ends,
        [End::Pod(PodKey::new("legacy", "reporting-6d8f7c9b5-2xkqp"))]
    );
    let addr = resolve(&idx, "192.0.2.7", None).expect("resolves");
    assert_eq!(addr.ends, [End::Ip("192.0.2.7".parse().expect("ip"))]);
    assert_eq!(addr.label(&addr.ends[0]), "192.0.2.7");
}

#[test]
fn a_workload_resolves_to_one_pod_per_class() {
    let idx = demo_index();
    let w = resolve(&idx, "legacy/reporting", None).expect("resolves");
    assert_eq!(w.name, "legacy/reporting");
    assert!(!w.ends.is_empty());
    let classes: Vec<_> = w
        .ends
        .iter()
        .map(|e| match e {
            End::Pod(k) => idx.pod_class(k).expect("live pod"),
            End::Ip(ip) => panic!("an address for a workload: {ip}"),
        })
        .collect();
    let mut distinct = classes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(classes.len(), distinct.len(), "one pod per class");
}

#[test]
fn a_named_port_resolves_on_the_destination() {
    let idx = demo_index();
    let q: PortQuery = "http".parse().expect("parses");
    assert_eq!(q.port, PortRef::Name("http".into()));
    assert_eq!(q.protocol, Protocol::Tcp);
    let named = ask(
        &idx,
        "legacy/reporting",
        "inventory/stock-api",
        Some("http"),
    );
    let numbered = ask(
        &idx,
        "legacy/reporting",
        "inventory/stock-api",
        Some("8080"),
    );
    assert_eq!(named, numbered);
}

#[test]
fn questions_without_a_verdict_are_typed_errors() {
    let idx = demo_index();
    assert_eq!(
        resolve(&idx, "reporting", None),
        Err(QueryError::NeedsNamespace {
            spec: "reporting".into()
        })
    );
    let same = ask(
        &idx,
        "10.244.3.17",
        "legacy/reporting-6d8f7c9b5-2xkqp",
        None,
    );
    assert_eq!(
        same,
        Err("10.244.3.17 and legacy/reporting-6d8f7c9b5-2xkqp are the same pod: self-traffic is not governed by NetworkPolicy".into())
    );
    assert_eq!(
        ask(&idx, "192.0.2.1", "192.0.2.2", None),
        Err("both ends are addresses outside the cluster: NetworkPolicy has nothing to say".into())
    );
    assert_eq!(
        ask(&idx, "legacy/reporting", "192.0.2.2", Some("http")),
        Err("named port \"http\" needs a pod as destination, not an address".into())
    );
    let host = ask(&idx, "legacy/reporting", "kube-system/calico-node", None);
    assert!(
        host.as_ref()
            .is_err_and(|e| e.contains("a hostNetwork pod is involved")),
        "{host:?}"
    );
}

#[test]
fn a_picked_pod_that_is_gone_says_so() {
    let idx = demo_index();
    let gone = Resolved::end(End::Pod(PodKey::new("legacy", "gone")));
    let to = resolve(&idx, "legacy/reporting", None).expect("resolves");
    let err = can_reach(&idx, &gone, &to, None).expect_err("gone");
    assert_eq!(err, QueryError::Gone(PodKey::new("legacy", "gone")));
    assert_eq!(err.to_string(), "legacy/gone no longer exists");
}
