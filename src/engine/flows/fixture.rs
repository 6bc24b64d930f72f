//! A small cluster for the unit tests of this module: `shop/frontend`
//! (Deployment, two labels, pod-template-hash) and `payments/api` (declares
//! `https` 8443), `payments` isolated for ingress and allowing only the
//! frontend on 8443.

use crate::engine::index::Index;
use crate::engine::model::{
    ContainerPort, LabelSelector, Labels, Namespace, Owner, Peer, Policy, PolicyPort, PortRef,
    Protocol, Rule, Snapshot,
};

pub fn labels(kv: &[(&str, &str)]) -> Labels {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn sel(kv: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: labels(kv),
        match_expressions: vec![],
    }
}

pub fn pod(
    ns: &str,
    name: &str,
    kv: &[(&str, &str)],
    owner: Option<&str>,
) -> crate::engine::model::Pod {
    crate::engine::model::Pod {
        namespace: ns.into(),
        name: name.into(),
        labels: labels(kv),
        ports: vec![],
        ips: vec![],
        host_network: false,
        owner: owner.map(|o| Owner {
            kind: "Deployment".into(),
            name: o.into(),
        }),
    }
}

pub fn tcp(port: u16) -> PolicyPort {
    PolicyPort {
        protocol: Protocol::Tcp,
        port: Some(PortRef::Number(port)),
        end_port: None,
    }
}

pub fn snapshot() -> Snapshot {
    let mut front = pod(
        "shop",
        "frontend-5c6b7d8f9-abcde",
        &[("app", "frontend"), ("pod-template-hash", "5c6b7d8f9")],
        Some("frontend"),
    );
    front.ips = vec!["10.0.1.5".parse().expect("ip")];
    let mut api = pod("payments", "api-0", &[("app", "api")], Some("api"));
    api.ports = vec![ContainerPort {
        name: Some("https".into()),
        port: 8443,
        protocol: Protocol::Tcp,
    }];
    api.ips = vec!["10.0.2.7".parse().expect("ip")];
    let deny = Policy {
        namespace: "payments".into(),
        name: "default-deny".into(),
        pod_selector: LabelSelector::default(),
        ingress_type: true,
        egress_type: false,
        ingress: vec![],
        egress: vec![],
    };
    let allow = Policy {
        namespace: "payments".into(),
        name: "api-allow".into(),
        pod_selector: sel(&[("app", "api")]),
        ingress_type: true,
        egress_type: false,
        ingress: vec![Rule {
            peers: vec![Peer::Pods {
                namespace_selector: Some(sel(&[(crate::engine::model::NS_NAME_LABEL, "shop")])),
                pod_selector: Some(sel(&[("app", "frontend")])),
            }],
            ports: vec![tcp(8443)],
        }],
        egress: vec![],
    };
    Snapshot {
        namespaces: vec![
            Namespace::new("shop", Labels::new()),
            Namespace::new("payments", Labels::new()),
        ],
        pods: vec![front, api],
        policies: vec![deny, allow],
        services: vec![],
        cluster_policies: vec![],
    }
}

pub fn index() -> Index {
    Index::from_snapshot(snapshot())
}
