use crate::engine::connectivity::Granularity;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::fixture::{labels, pod, snapshot};
use crate::engine::flows::status::{Status, rows};
use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::index::Index;
use crate::engine::model::{
    ContainerPort, PortRef, Protocol, Service, ServiceKey, ServicePort, ServiceType, Snapshot,
};

const VIP: &str = "10.96.0.20";

/// The fixture plus `payments/api` (ClusterIP, port 443 -> targetPort
/// `https`) and, with `v2`, a second backend whose `https` is 9443, a port
/// the policy does not allow.
fn cluster(v2: bool, selector: bool) -> Snapshot {
    let mut s = snapshot();
    if v2 {
        let mut p = pod("payments", "api-v2-0", &[("app", "api")], Some("api"));
        p.ports = vec![ContainerPort {
            name: Some("https".into()),
            port: 9443,
            protocol: Protocol::Tcp,
        }];
        s.pods.push(p);
    }
    s.services.push(Service {
        namespace: "payments".into(),
        name: "api".into(),
        selector: selector.then(|| labels(&[("app", "api")])),
        ports: vec![ServicePort {
            name: Some("https".into()),
            protocol: Protocol::Tcp,
            port: 443,
            target: PortRef::Name("https".into()),
        }],
        service_type: ServiceType::ClusterIp,
        cluster_ips: vec![VIP.parse().expect("ip")],
        headless: false,
    });
    s
}

fn to_vip(port: u16, dropped: bool) -> Recorded {
    let mut rec = Recorded::default();
    let key = ConnKey {
        from: FlowEnd::Pod {
            namespace: "shop".into(),
            name: Some("frontend-5c6b7d8f9-abcde".into()),
            labels: None,
            workload: None,
        },
        to: FlowEnd::Ip(VIP.parse().expect("ip")),
        protocol: Protocol::Tcp,
        port,
    };
    rec.add(key, 3, dropped, None);
    rec
}

#[test]
fn a_cluster_ip_destination_is_the_service_judged_per_backend() {
    let idx = Index::from_snapshot(cluster(true, true));
    let att = attribute(&idx, &to_vip(443, false));
    assert_eq!(att.unresolved_count(), 0, "{:?}", att.unresolved);
    assert_eq!(att.conns.len(), 1);
    let c = &att.conns[0];
    assert_eq!(c.service, Some(ServiceKey::new("payments", "api")));
    assert_eq!(c.stats.via_text(), "via svc/payments/api");
    let r = rows(&att, None, Granularity::Workload);
    assert_eq!(r.len(), 1);
    // api-0 allows the frontend on 8443; api-v2-0's https is 9443, which no
    // rule allows: not "ok", and the reason says only some backends allow it.
    assert!(!r[0].allowed, "{}", r[0].because);
    assert_eq!(r[0].status, Status::ForwardedButDenied);
    assert_eq!(r[0].to, VIP);
    assert!(
        r[0].because.starts_with(
            "svc/payments/api: 1 of 2 backends allowed on TCP 8443 or 9443 (Service port 443, the named targetPort differs between pods), not every backend: ingress of payments/api-v2-0: isolated by"
        ),
        "{}",
        r[0].because
    );
    assert!(r[0].because.contains("on TCP 9443"), "{}", r[0].because);
    assert_eq!(r[0].stats.via_text(), "via svc/payments/api");
}

#[test]
fn every_backend_allowing_it_is_ok_on_the_target_port() {
    let idx = Index::from_snapshot(cluster(false, true));
    let r = rows(
        &attribute(&idx, &to_vip(443, false)),
        None,
        Granularity::Pod,
    );
    assert_eq!(r.len(), 1);
    assert!(r[0].allowed, "{}", r[0].because);
    assert_eq!(r[0].status, Status::Ok);
    assert!(
        r[0].because.starts_with(
            "svc/payments/api: 1 of 1 backend allowed on TCP 8443 (Service port 443); egress of shop/frontend-5c6b7d8f9-abcde: not isolated; ingress of payments/api-0: allowed by payments/api-allow rule 1"
        ),
        "{}",
        r[0].because
    );
    // Dropped while every backend allows it: the verdict stands per backend.
    let r = rows(&attribute(&idx, &to_vip(443, true)), None, Granularity::Pod);
    assert_eq!(r[0].status, Status::DroppedButAllowed);
}

#[test]
fn no_backend_allowing_it_is_denied() {
    let mut s = cluster(false, true);
    s.policies.retain(|p| p.name != "api-allow");
    let idx = Index::from_snapshot(s);
    let r = rows(&attribute(&idx, &to_vip(443, true)), None, Granularity::Pod);
    assert_eq!(r[0].status, Status::DroppedAndDenied);
    assert!(
        r[0].because
            .starts_with("svc/payments/api: 0 of 1 backend allowed"),
        "{}",
        r[0].because
    );
}

#[test]
fn a_cluster_ip_that_cannot_be_judged_is_unresolved_not_external() {
    // No such Service port.
    let idx = Index::from_snapshot(cluster(true, true));
    let att = attribute(&idx, &to_vip(80, false));
    assert!(att.conns.is_empty());
    assert_eq!(att.unresolved_count(), 3);
    assert!(
        att.unresolved.contains_key(
            "10.96.0.20: ClusterIP of svc/payments/api, which has no Service port TCP 80"
        ),
        "{:?}",
        att.unresolved
    );
    // Selectorless: its endpoints are not known.
    let idx = Index::from_snapshot(cluster(true, false));
    let att = attribute(&idx, &to_vip(443, false));
    assert!(att.conns.is_empty());
    assert!(
        att.unresolved
            .keys()
            .any(|k| k.contains("not known from a selector")),
        "{:?}",
        att.unresolved
    );
}
