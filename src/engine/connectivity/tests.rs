//! The pair count without the pairs, against the count of the pairs.

use std::net::IpAddr;

use super::classes::pod_pair_count;
use super::compile::{Compiled, ns_label_table};
use super::touching::compile_fork;
use crate::engine::flows::fixture::{labels, sel};
use crate::engine::index::Index;
use crate::engine::model::{
    ContainerPort, Event, IpBlock, LabelSelector, Namespace, Peer, Pod, Policy, PolicyPort,
    PortRef, Protocol, Rule, Snapshot,
};
use crate::engine::ports::rule_port_set;

fn port(protocol: Protocol, p: PortRef) -> PolicyPort {
    PolicyPort {
        protocol,
        port: Some(p),
        end_port: None,
    }
}

/// Namespaces of three apps (named ports, IPs in and out of an ipBlock),
/// with policies of every kind of peer: own namespace, namespaceSelector,
/// ipBlock, all; ingress-only, egress-only, both; some namespaces open.
pub(crate) fn cluster(namespaces: usize) -> Index {
    let mut s = Snapshot::default();
    for n in 0..namespaces {
        let ns = format!("n{n}");
        let team = format!("t{}", n % 3);
        s.namespaces
            .push(Namespace::new(ns.clone(), labels(&[("team", &team)])));
        for (i, app) in ["web", "api", "db"].iter().enumerate() {
            for r in 0..=i {
                let ip: IpAddr = format!("10.{n}.{i}.{r}").parse().expect("ip");
                s.pods.push(Pod {
                    namespace: ns.clone(),
                    name: format!("{app}-{r}"),
                    labels: labels(&[("app", app)]),
                    ports: vec![ContainerPort {
                        name: Some("http".into()),
                        port: 8000 + i as u16 + (n % 2) as u16,
                        protocol: Protocol::Tcp,
                    }],
                    ips: vec![ip],
                    host_network: false,
                    owner: None,
                });
            }
        }
        if n % 4 == 3 {
            continue; // open
        }
        let rule = |peers: Vec<Peer>, ports: Vec<PolicyPort>| Rule { peers, ports };
        s.policies.push(Policy {
            namespace: ns.clone(),
            name: "deny".into(),
            pod_selector: LabelSelector::default(),
            ingress_type: true,
            egress_type: n % 2 == 0,
            ingress: vec![],
            egress: vec![rule(
                vec![Peer::Pods {
                    namespace_selector: Some(sel(&[("team", "t0")])),
                    pod_selector: Some(sel(&[("app", "db")])),
                }],
                vec![port(Protocol::Udp, PortRef::Number(53))],
            )],
        });
        s.policies.push(Policy {
            namespace: ns.clone(),
            name: "api".into(),
            pod_selector: sel(&[("app", "api")]),
            ingress_type: true,
            egress_type: true,
            ingress: vec![
                rule(
                    vec![Peer::Pods {
                        namespace_selector: None,
                        pod_selector: Some(sel(&[("app", "web")])),
                    }],
                    vec![port(Protocol::Tcp, PortRef::Name("http".into()))],
                ),
                rule(
                    vec![Peer::Pods {
                        namespace_selector: Some(sel(&[("team", &team)])),
                        pod_selector: None,
                    }],
                    vec![],
                ),
            ],
            egress: vec![
                rule(
                    vec![],
                    vec![port(Protocol::Tcp, PortRef::Name("http".into()))],
                ),
                rule(
                    vec![Peer::IpBlock(IpBlock {
                        cidr: "10.0.0.0/8".parse().expect("cidr"),
                        except: vec![format!("10.{n}.0.0/16").parse().expect("cidr")],
                    })],
                    vec![port(Protocol::Tcp, PortRef::Number(443))],
                ),
            ],
        });
    }
    let mut idx = Index::new();
    idx.apply(Event::Replace(s));
    idx
}

#[test]
fn the_pair_count_equals_the_count_of_the_pairs() {
    for n in [1, 2, 5, 12] {
        let idx = cluster(n);
        let cc = Compiled::new(&idx);
        let want = pod_pair_count(&idx, &cc.pod_pairs());
        assert!(want > 0);
        assert_eq!(cc.count_pod_pairs(), want, "{n} namespaces");
    }
}

/// Namespaces with and without a Namespace object, named to sort before,
/// between and after each other: the compile's label table (walked
/// alongside the index's sorted namespaces) reads what `Index::ns_labels`
/// does, and a namespaceSelector matches by it.
#[test]
fn namespace_labels_walked_in_order_equal_the_lookups() {
    let mut s = Snapshot::default();
    for ns in ["b", "n1", "y"] {
        s.namespaces
            .push(Namespace::new(ns, labels(&[("team", "t")])));
    }
    for (i, ns) in ["a", "b", "n0", "n1", "n10", "n2", "z"].iter().enumerate() {
        s.pods.push(Pod {
            namespace: ns.to_string(),
            name: "p".into(),
            labels: labels(&[("app", "x")]),
            ports: vec![],
            ips: vec![format!("10.0.0.{i}").parse().expect("ip")],
            host_network: false,
            owner: None,
        });
    }
    let to = |sel_ns: LabelSelector| Rule {
        peers: vec![Peer::Pods {
            namespace_selector: Some(sel_ns),
            pod_selector: None,
        }],
        ports: vec![],
    };
    s.policies.push(Policy {
        namespace: "a".into(),
        name: "out".into(),
        pod_selector: LabelSelector::default(),
        ingress_type: false,
        egress_type: true,
        ingress: vec![],
        egress: vec![
            to(sel(&[("kubernetes.io/metadata.name", "z")])),
            to(sel(&[("team", "t")])),
        ],
    });
    let mut idx = Index::new();
    idx.apply(Event::Replace(s));
    let names = idx.namespace_names();
    let table = ns_label_table(&idx, &names);
    assert_eq!(table.len(), names.len());
    for (n, l) in names.iter().zip(&table) {
        assert_eq!(**l, *idx.ns_labels(n), "{n}");
    }
    let id = |n: &str| names.iter().position(|x| x == n).expect("listed") as u32;
    let cc = Compiled::new(&idx);
    let targets: Vec<Vec<u32>> = (cc.rules.iter())
        .map(|r| r.target.namespaces.clone())
        .collect();
    assert_eq!(
        targets,
        vec![vec![id("z")], vec![id("b"), id("n1"), id("y")]]
    );
}

/// Every rule's ports towards every class (and towards no class), as the
/// pair loop resolves them, against `rule_port_set` on the class's ports.
/// Returns how many rule ports were resolved by a name unknown to the
/// per-class lists (a patched copy's new names).
fn check_rule_ports(idx: &Index) -> usize {
    let cc = Compiled::new(idx);
    for _ in 0..2 {
        for r in cc.rules.iter() {
            for (c, class) in idx.classes() {
                let want = rule_port_set(&r.ports, Some(&class.ports));
                assert_eq!(cc.rule_ports(r, Some(c)), want, "{:?} to {c}", r.ports);
            }
            assert_eq!(cc.rule_ports(r, None), rule_port_set(&r.ports, None));
        }
    }
    (cc.rules.iter())
        .filter(|r| r.fixed.is_none())
        .flat_map(|r| r.ports.iter().zip(r.name_ids.iter()))
        .filter(|(p, id)| matches!(p.port, Some(PortRef::Name(_))) && id.is_none())
        .count()
}

/// Named ports resolved through the per-class lists of name ids equal the
/// resolution by name, in a full compilation and in a patched copy whose
/// new policy names a port no rule named before and a known name under
/// another protocol; a pod has one name on two protocols.
#[test]
fn named_ports_by_id_equal_the_resolution_by_name() {
    let mut idx = cluster(5);
    let cp = |name: Option<&str>, protocol, port| ContainerPort {
        name: name.map(str::to_string),
        port,
        protocol,
    };
    idx.apply(Event::UpsertPod(Pod {
        namespace: "n1".into(),
        name: "multi".into(),
        labels: labels(&[("app", "api")]),
        ports: vec![
            cp(Some("http"), Protocol::Udp, 9000),
            cp(Some("http"), Protocol::Tcp, 8100),
            cp(Some("dns"), Protocol::Udp, 53),
            cp(None, Protocol::Tcp, 1),
        ],
        ips: vec!["10.1.9.9".parse().expect("ip")],
        host_network: false,
        owner: None,
    }));
    assert_eq!(check_rule_ports(&idx), 0);
    let mut after = idx.clone();
    after.apply(Event::UpsertPolicy(Policy {
        namespace: "n1".into(),
        name: "named".into(),
        pod_selector: LabelSelector::default(),
        ingress_type: true,
        egress_type: false,
        ingress: vec![Rule {
            peers: vec![],
            ports: vec![
                port(Protocol::Udp, PortRef::Name("dns".into())),
                port(Protocol::Udp, PortRef::Name("http".into())),
                port(Protocol::Tcp, PortRef::Number(80)),
            ],
        }],
        egress: vec![],
    }));
    compile_fork(&idx, &after);
    assert!(after.memo().get().is_some(), "patched, not compiled afresh");
    assert_eq!(check_rule_ports(&after), 1);
}
