use super::*;
use crate::engine::flows::fixture::{index, labels};
use crate::engine::flows::{ConnKey, Recorded};

fn key(from: FlowEnd, to: FlowEnd, port: u16) -> ConnKey {
    ConnKey {
        from,
        to,
        protocol: Protocol::Tcp,
        port,
    }
}

fn api() -> FlowEnd {
    FlowEnd::Pod {
        namespace: "payments".into(),
        name: Some("api-0".into()),
        labels: Some(labels(&[("app", "api")])),
        workload: None,
    }
}

#[test]
fn a_live_pod_is_itself() {
    let mut rec = Recorded::default();
    rec.add(
        key(
            FlowEnd::Pod {
                namespace: "shop".into(),
                name: Some("frontend-5c6b7d8f9-abcde".into()),
                labels: None,
                workload: None,
            },
            api(),
            8443,
        ),
        3,
        false,
        None,
    );
    let a = attribute(&index(), &rec);
    assert!(a.ghosts.is_empty());
    assert_eq!(a.conns.len(), 1);
    assert_eq!(
        a.conns[0].from,
        Side::Pod(PodKey::new("shop", "frontend-5c6b7d8f9-abcde"))
    );
    assert_eq!(a.conns[0].stats.count(), 3);
}

#[test]
fn a_gone_pod_counts_for_the_workload_whose_pods_carry_its_labels() {
    let mut rec = Recorded::default();
    let old = FlowEnd::Pod {
        namespace: "shop".into(),
        name: Some("frontend-7d4f9c8b6-x2k9p".into()),
        labels: Some(labels(&[("app", "frontend")])),
        workload: None,
    };
    rec.add(key(old, api(), 8443), 1, false, None);
    let a = attribute(&index(), &rec);
    assert!(a.ghosts.is_empty());
    let live = PodKey::new("shop", "frontend-5c6b7d8f9-abcde");
    assert_eq!(a.conns[0].from, Side::Pod(live.clone()));
    assert_eq!(a.index.workload_of(&live), "shop/frontend[Deployment]");
    // Policy is evaluated on the recorded labels: the ghost is let in.
    let v = crate::engine::flows::status::verdict(&a.index, &a.conns[0], "f", "t");
    assert!(v.0, "{}", v.1);
}

#[test]
fn a_gone_pod_is_judged_on_its_recorded_labels() {
    let mut rec = Recorded::default();
    let old = FlowEnd::Pod {
        namespace: "shop".into(),
        name: Some("legacy-1".into()),
        labels: Some(labels(&[("app", "legacy")])),
        workload: None,
    };
    rec.add(key(old, api(), 8443), 1, false, None);
    let a = attribute(&index(), &rec);
    assert_eq!(
        a.index.workload_of(&PodKey::new("shop", "legacy-1")),
        "shop/legacy-1[Pod]"
    );
    let v = crate::engine::flows::status::verdict(
        &a.index,
        &a.conns[0],
        "shop/legacy-1",
        "payments/api-0",
    );
    assert!(!v.0);
    assert!(
        v.1.contains("ingress of payments/api-0: isolated by"),
        "{}",
        v.1
    );
}

#[test]
fn a_gone_pod_without_a_twin_is_a_ghost_named_after_its_recorded_workload() {
    let mut rec = Recorded::default();
    let old = FlowEnd::Pod {
        namespace: "shop".into(),
        name: Some("batch-29412345-7xk2p".into()),
        labels: Some(labels(&[("app", "batch")])),
        workload: Some(crate::engine::model::Owner {
            kind: "CronJob".into(),
            name: "batch".into(),
        }),
    };
    rec.add(key(old, api(), 8443), 1, false, None);
    let a = attribute(&index(), &rec);
    let ghost = PodKey::new("shop", "batch-29412345-7xk2p");
    assert_eq!(a.ghosts, vec![ghost.clone()]);
    assert_eq!(a.index.workload_of(&ghost), "shop/batch[CronJob]");
    assert!(!crate::engine::flows::status::verdict(&a.index, &a.conns[0], "f", "t").0);
}

#[test]
fn world_is_external_and_hosts_are_reported_not_guessed() {
    let mut rec = Recorded::default();
    let world: std::net::IpAddr = "203.0.113.9".parse().expect("ip");
    rec.add(key(FlowEnd::Ip(world), api(), 8443), 2, false, None);
    rec.add(
        key(FlowEnd::Unresolved("reserved:host".into()), api(), 8443),
        4,
        false,
        None,
    );
    // An unlabelled address that is a pod's today: not guessed.
    rec.add(
        key(FlowEnd::Ip("10.0.1.5".parse().expect("ip")), api(), 8443),
        1,
        false,
        None,
    );
    // A pod gone without labels, and a namespace gone.
    rec.add(
        key(
            FlowEnd::Pod {
                namespace: "shop".into(),
                name: Some("x".into()),
                labels: None,
                workload: None,
            },
            api(),
            8443,
        ),
        1,
        false,
        None,
    );
    rec.add(
        key(
            FlowEnd::Pod {
                namespace: "gone".into(),
                name: Some("x".into()),
                labels: Some(Labels::new()),
                workload: None,
            },
            api(),
            8443,
        ),
        1,
        false,
        None,
    );
    let a = attribute(&index(), &rec);
    assert_eq!(a.conns.len(), 1);
    assert_eq!(a.conns[0].from, Side::Ip(world));
    assert_eq!(a.unresolved_count(), 7);
    assert_eq!(a.unresolved.get("reserved:host"), Some(&4));
    assert!(
        a.unresolved
            .keys()
            .any(|k| k.contains("now a pod's address"))
    );
    assert!(
        a.unresolved
            .keys()
            .any(|k| k.contains("namespace gone does not exist"))
    );
}

#[test]
fn a_csv_workload_is_one_of_its_pods() {
    let mut rec = Recorded::default();
    let w = FlowEnd::Workload {
        namespace: "shop".into(),
        name: "frontend".into(),
        kind: "Deployment".into(),
    };
    rec.add(key(w, api(), 8443), 1, false, None);
    let a = attribute(&index(), &rec);
    assert_eq!(a.conns.len(), 1);
    assert_eq!(
        a.conns[0].from,
        Side::Pod(PodKey::new("shop", "frontend-5c6b7d8f9-abcde"))
    );
}
