use super::*;
use crate::engine::flows::attribute::attribute;
use crate::engine::flows::fixture::{labels, pod, snapshot};
use crate::engine::flows::{ConnKey, FlowEnd, Recorded};
use crate::engine::index::Index;
use crate::engine::model::{ContainerPort, Namespace};
use crate::engine::ports::PortSet;
use crate::engine::verdict::Endpoint;

fn cluster() -> Index {
    let mut s = snapshot();
    s.namespaces
        .push(Namespace::new("kube-system", Labels::new()));
    let mut dns = pod(
        "kube-system",
        "coredns-1",
        &[("k8s-app", "kube-dns")],
        Some("coredns"),
    );
    dns.ports = ContainerPort::cluster_dns();
    s.pods.push(dns);
    s.pods.push(pod(
        "shop",
        "worker-1",
        &[("app", "worker")],
        Some("worker"),
    ));
    Index::from_snapshot(s)
}

fn end(ns: &str, name: &str) -> FlowEnd {
    FlowEnd::Pod {
        namespace: ns.into(),
        name: Some(name.into()),
        labels: None,
        workload: None,
    }
}

fn recording() -> Recorded {
    let mut rec = Recorded::default();
    let front = || end("shop", "frontend-5c6b7d8f9-abcde");
    let mut add = |from, to, protocol, port, dropped| {
        rec.add(
            ConnKey {
                from,
                to,
                protocol,
                port,
            },
            1,
            dropped,
            None,
        )
    };
    add(
        front(),
        end("payments", "api-0"),
        Protocol::Tcp,
        8443,
        false,
    );
    add(
        front(),
        end("kube-system", "coredns-1"),
        Protocol::Udp,
        53,
        false,
    );
    add(
        front(),
        FlowEnd::Ip("203.0.113.9".parse().expect("ip")),
        Protocol::Tcp,
        443,
        false,
    );
    add(front(), FlowEnd::Ip(METADATA_V4), Protocol::Tcp, 80, false);
    // To the node: said, not kept.
    add(
        front(),
        FlowEnd::Unresolved("reserved:kube-apiserver".into()),
        Protocol::Tcp,
        6443,
        false,
    );
    // Only ever dropped: not something to keep.
    add(
        end("shop", "worker-1"),
        end("payments", "api-0"),
        Protocol::Tcp,
        8443,
        true,
    );
    rec
}

fn opts() -> SuggestOptions {
    SuggestOptions {
        dns_namespace: "kube-system".into(),
        dns_selector: crate::engine::flows::fixture::sel(&[("k8s-app", "kube-dns")]),
    }
}

#[test]
fn shop_gets_default_deny_dns_and_exactly_the_recorded_egress() {
    let idx = cluster();
    let att = attribute(&idx, &recording());
    let s = suggest(&att, "shop", &opts());
    let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "suggested-default-deny",
            "suggested-allow-dns",
            "suggested-frontend"
        ]
    );
    let front = &s.policies[2];
    // Stable labels only: no pod-template-hash.
    assert_eq!(
        front.pod_selector.match_labels,
        labels(&[("app", "frontend")])
    );
    assert!(!front.ingress_type && front.egress_type);
    assert_eq!(front.egress.len(), 2, "{:#?}", front.egress);
    // Named port where the destination declares it; namespace by name label.
    assert!(front.egress.iter().any(|r| r.ports == vec![PolicyPort { protocol: Protocol::Tcp, port: Some(PortRef::Name("https".into())), end_port: None }]
        && matches!(&r.peers[..], [Peer::Pods { namespace_selector: Some(n), pod_selector: Some(p) }]
            if n.match_labels.get(NS_NAME_LABEL).map(String::as_str) == Some("payments") && p.match_labels == labels(&[("app", "api")]))));
    // A narrow ipBlock, and never the metadata endpoint.
    assert!(front.egress.iter().any(
        |r| matches!(&r.peers[..], [Peer::IpBlock(b)] if b.cidr.to_string() == "203.0.113.9/32")
    ));
    assert!(
        s.refused.iter().any(|r| r.contains("169.254.169.254")),
        "{:?}",
        s.refused
    );
    let api = "shop/frontend[Deployment] -> reserved:kube-apiserver TCP/6443: add an ipBlock";
    assert!(
        s.refused.iter().any(|r| r.starts_with(api)),
        "{:?}",
        s.refused
    );
    // DNS on UDP and TCP.
    let dns_ports: Vec<Protocol> = s.policies[1].egress[0]
        .ports
        .iter()
        .map(|p| p.protocol)
        .collect();
    assert_eq!(dns_ports, vec![Protocol::Udp, Protocol::Tcp]);
}

#[test]
fn the_round_trip_loses_no_recorded_flow_and_isolates_every_pod() {
    let idx = cluster();
    let att = attribute(&idx, &recording());
    for ns in ["shop", "payments"] {
        let s = suggest(&att, ns, &opts());
        let p = prove(&att, &idx, ns, &s);
        // Only the metadata endpoint, refused on purpose, is lost (and said).
        let want = usize::from(ns == "shop");
        assert_eq!(p.lost.len(), want, "{ns}: {:?}", p.lost);
        assert!(
            p.lost.iter().all(|l| l.contains("169.254.169.254")),
            "{:?}",
            p.lost
        );
        let mut after = att.index.clone();
        after.apply_all(
            s.policies
                .iter()
                .cloned()
                .map(crate::engine::model::Event::UpsertPolicy),
        );
        let dns = after
            .pod_class(&PodKey::new("kube-system", "coredns-1"))
            .expect("dns");
        for k in after.pods_in(ns).cloned().collect::<Vec<_>>() {
            let c = after.pod_class(&k).expect("class");
            assert!(after.is_isolated(c, Direction::Ingress), "{k}");
            assert!(after.is_isolated(c, Direction::Egress), "{k}");
            let v = after.side_verdict(c, Direction::Egress, Endpoint::Class(dns));
            assert!(
                v.allowed.contains(Protocol::Udp, 53) && v.allowed.contains(Protocol::Tcp, 53),
                "{k}"
            );
        }
    }
    // The dropped-only connection is not opened by payments' suggestion.
    let s = suggest(&att, "payments", &opts());
    let mut after = att.index.clone();
    after.apply_all(
        s.policies
            .iter()
            .cloned()
            .map(crate::engine::model::Event::UpsertPolicy),
    );
    let w = after
        .pod_class(&PodKey::new("shop", "worker-1"))
        .expect("w");
    let api = after
        .pod_class(&PodKey::new("payments", "api-0"))
        .expect("api");
    let v = after.side_verdict(api, Direction::Ingress, Endpoint::Class(w));
    assert_eq!(v.allowed, PortSet::none());
}
