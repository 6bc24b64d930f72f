//! Property tests over random small clusters: the class-based engine agrees
//! with a naive pod-by-pod oracle written straight from the spec; adding an
//! allow rule never removes a connection; a default-deny policy never adds
//! one; results do not depend on input order; incremental updates equal a
//! fresh build. `tiers`: the oracle extended with cluster-scoped policies;
//! `nsmatch`: the memoised namespaceSelector matches equal a fresh walk.

mod nsmatch;
mod tiers;
mod whatif;

/// Failing cases are kept next to each source file
/// (`main.proptest-regressions`, as when this was `tests/properties.rs`).
fn regressions() -> Option<Box<dyn proptest::test_runner::FailurePersistence>> {
    Some(Box::new(
        proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
    ))
}

use std::collections::BTreeMap;
use std::net::IpAddr;

use netpol_tui::engine::connectivity::{Granularity, report};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::*;
use netpol_tui::engine::ports::{PortSet, rule_port_set};
use proptest::prelude::*;

const APPS: &[&str] = &["web", "api", "db"];
const ENVS: &[&str] = &["prod", "dev"];

fn labels_strategy() -> impl Strategy<Value = Labels> {
    (
        proptest::option::of(0..APPS.len()),
        proptest::option::of(0..ENVS.len()),
    )
        .prop_map(|(a, e)| {
            let mut l = Labels::new();
            if let Some(a) = a {
                l.insert("app".into(), APPS[a].into());
            }
            if let Some(e) = e {
                l.insert("env".into(), ENVS[e].into());
            }
            l
        })
}

fn selector_strategy() -> impl Strategy<Value = LabelSelector> {
    prop_oneof![
        Just(LabelSelector::default()),
        (0..APPS.len()).prop_map(|a| LabelSelector {
            match_labels: Labels::from([("app".to_string(), APPS[a].to_string())]),
            ..Default::default()
        }),
        (0..ENVS.len(), 0..4usize).prop_map(|(e, op)| LabelSelector {
            match_labels: Labels::new(),
            match_expressions: vec![Requirement {
                key: "env".into(),
                op: match op {
                    0 => Operator::In(vec![ENVS[e].into()]),
                    1 => Operator::NotIn(vec![ENVS[e].into()]),
                    2 => Operator::Exists,
                    _ => Operator::DoesNotExist,
                },
            }],
        }),
    ]
}

fn ns_selector_strategy() -> impl Strategy<Value = LabelSelector> {
    prop_oneof![
        Just(LabelSelector::default()),
        (0..3usize).prop_map(|t| LabelSelector {
            match_labels: Labels::from([("team".to_string(), format!("t{t}"))]),
            ..Default::default()
        }),
    ]
}

fn peer_strategy() -> impl Strategy<Value = Peer> {
    prop_oneof![
        3 => (proptest::option::of(ns_selector_strategy()), proptest::option::of(selector_strategy()))
            .prop_map(|(n, p)| match (n, p) {
                (None, None) => Peer::Pods { namespace_selector: None, pod_selector: Some(LabelSelector::default()) },
                (n, p) => Peer::Pods { namespace_selector: n, pod_selector: p },
            }),
        1 => (0..3usize, proptest::bool::ANY).prop_map(|(c, ex)| {
            let cidr = ["10.0.0.0/16", "10.0.0.0/24", "0.0.0.0/0"][c].parse().expect("cidr");
            let except = if ex && c != 1 { vec!["10.0.0.0/25".parse().expect("cidr")] } else { vec![] };
            Peer::IpBlock(IpBlock { cidr, except })
        }),
    ]
}

fn port_strategy() -> impl Strategy<Value = PolicyPort> {
    let proto = prop_oneof![
        Just(Protocol::Tcp),
        Just(Protocol::Udp),
        Just(Protocol::Sctp)
    ];
    (proto, 0..5usize).prop_map(|(protocol, k)| match k {
        0 => PolicyPort {
            protocol,
            port: None,
            end_port: None,
        },
        1 => PolicyPort {
            protocol,
            port: Some(PortRef::Number(80)),
            end_port: None,
        },
        2 => PolicyPort {
            protocol,
            port: Some(PortRef::Number(79)),
            end_port: Some(81),
        },
        3 => PolicyPort {
            protocol,
            port: Some(PortRef::Name("http".into())),
            end_port: None,
        },
        _ => PolicyPort {
            protocol,
            port: Some(PortRef::Number(53)),
            end_port: None,
        },
    })
}

fn rule_strategy() -> impl Strategy<Value = Rule> {
    (
        proptest::collection::vec(peer_strategy(), 0..3),
        proptest::collection::vec(port_strategy(), 0..3),
    )
        .prop_map(|(peers, ports)| Rule { peers, ports })
}

fn policy_strategy(i: usize) -> impl Strategy<Value = Policy> {
    (
        0..3usize,
        selector_strategy(),
        proptest::bool::ANY,
        proptest::bool::ANY,
        proptest::collection::vec(rule_strategy(), 0..3),
        proptest::collection::vec(rule_strategy(), 0..3),
    )
        .prop_map(move |(ns, sel, it, et, ingress, egress)| Policy {
            namespace: format!("n{ns}"),
            name: format!("p{i}"),
            pod_selector: sel,
            ingress_type: it || !et,
            egress_type: et,
            ingress,
            egress,
        })
}

fn pod_strategy(i: usize) -> impl Strategy<Value = Pod> {
    (
        0..3usize,
        labels_strategy(),
        0..3usize,
        proptest::option::of(0..4u8),
        proptest::bool::weighted(0.1),
        proptest::option::of(0..2u8),
    )
        .prop_map(move |(ns, labels, ports, ip, host, owner)| {
            let ports = match ports {
                0 => vec![],
                1 => vec![ContainerPort {
                    name: Some("http".into()),
                    port: 8080,
                    protocol: Protocol::Tcp,
                }],
                _ => vec![ContainerPort {
                    name: Some("http".into()),
                    port: 80,
                    protocol: Protocol::Udp,
                }],
            };
            let ips = ip
                .map(|o| vec![IpAddr::from([10, 0, o, 1])])
                .unwrap_or_default();
            let owner = owner.map(|o| Owner {
                kind: "Deployment".into(),
                name: format!("d{o}"),
            });
            Pod {
                namespace: format!("n{ns}"),
                name: format!("pod{i}"),
                labels,
                ports,
                ips,
                host_network: host,
                owner,
            }
        })
}

fn snapshot_strategy() -> impl Strategy<Value = Snapshot> {
    let pods = (1..7usize).prop_flat_map(|n| (0..n).map(pod_strategy).collect::<Vec<_>>());
    let pols = (0..5usize).prop_flat_map(|n| (0..n).map(policy_strategy).collect::<Vec<_>>());
    let ns = proptest::collection::vec(0..3usize, 3);
    (pods, pols, ns).prop_map(|(pods, policies, teams)| Snapshot {
        namespaces: teams
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Namespace::new(
                    format!("n{i}"),
                    Labels::from([("team".to_string(), format!("t{t}"))]),
                )
            })
            .collect(),
        pods,
        policies: {
            // Unique names per namespace: later ones win, as in the API.
            let mut m = BTreeMap::new();
            for p in policies {
                m.insert(p.key(), p);
            }
            m.into_values().collect()
        },
        cluster_policies: Vec::new(),
        services: Vec::new(),
    })
}

// ---- the naive oracle -------------------------------------------------

fn ns_labels(s: &Snapshot, ns: &str) -> Labels {
    s.namespaces
        .iter()
        .find(|n| n.name == ns)
        .map(|n| n.labels.clone())
        .unwrap_or_default()
}

fn peer_matches(s: &Snapshot, pol: &Policy, peer: &Peer, p: &Pod) -> bool {
    match peer {
        Peer::Pods {
            namespace_selector,
            pod_selector,
        } => {
            let ns_ok = match namespace_selector {
                None => p.namespace == pol.namespace,
                Some(sel) => sel.matches(&ns_labels(s, &p.namespace)),
            };
            ns_ok
                && pod_selector
                    .as_ref()
                    .is_none_or(|sel| sel.matches(&p.labels))
        }
        Peer::IpBlock(b) => p.ips.iter().any(|ip| b.contains_ip(*ip)),
    }
}

/// The allowed ports on one side, evaluated straight from the spec.
fn side(s: &Snapshot, subject: &Pod, other: &Pod, dir: Direction, dest: &Pod) -> PortSet {
    let pols: Vec<&Policy> = s
        .policies
        .iter()
        .filter(|p| {
            p.namespace == subject.namespace
                && p.has_type(dir)
                && p.pod_selector.matches(&subject.labels)
        })
        .collect();
    if pols.is_empty() {
        return PortSet::all();
    }
    let mut out = PortSet::none();
    for p in pols {
        for r in p.rules(dir) {
            if r.peers.is_empty() || r.peers.iter().any(|peer| peer_matches(s, p, peer, other)) {
                out.union_with(&rule_port_set(&r.ports, Some(&dest.ports)));
            }
        }
    }
    out
}

fn oracle(s: &Snapshot) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for a in s.pods.iter().filter(|p| !p.host_network) {
        for b in s.pods.iter().filter(|p| !p.host_network) {
            if a.key() == b.key() {
                continue;
            }
            let ports = side(s, a, b, Direction::Egress, b).intersect(&side(
                s,
                b,
                a,
                Direction::Ingress,
                b,
            ));
            if !ports.is_empty() {
                m.insert(format!("{} -> {}", a.key(), b.key()), ports.to_string());
            }
        }
    }
    m
}

fn engine(idx: &Index) -> BTreeMap<String, String> {
    report(idx, Granularity::Pod)
        .internal
        .into_iter()
        .map(|r| (format!("{} -> {}", r.src, r.dst), r.ports.to_string()))
        .collect()
}

/// Parses `A-B[External]`.
fn ext_range(s: &str) -> Option<(IpAddr, IpAddr)> {
    let r = s.strip_suffix("[External]")?;
    let (a, b) = r.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Whether two row keys name the same pods and overlapping external ranges.
fn same_or_overlapping(k1: &str, k2: &str) -> bool {
    let (s1, d1) = k1.split_once(" -> ").unwrap_or((k1, ""));
    let (s2, d2) = k2.split_once(" -> ").unwrap_or((k2, ""));
    let end = |x: &str, y: &str| match (ext_range(x), ext_range(y)) {
        (Some((a1, b1)), Some((a2, b2))) => a1 <= b2 && a2 <= b1,
        (None, None) => x == y,
        _ => false,
    };
    end(s1, s2) && end(d1, d2)
}

/// Every row (internal and external) with its port set.
fn engine_sets(idx: &Index) -> BTreeMap<String, PortSet> {
    let r = report(idx, Granularity::Pod);
    r.internal
        .into_iter()
        .chain(r.external)
        .map(|r| (format!("{} -> {}", r.src, r.dst), r.ports))
        .collect()
}

fn engine_all(idx: &Index) -> Vec<(String, String, String)> {
    let r = report(idx, Granularity::Pod);
    r.internal
        .into_iter()
        .chain(r.external)
        .map(|r| (r.src, r.dst, r.ports.to_string()))
        .collect()
}

fn sets(m: &BTreeMap<String, String>) -> BTreeMap<String, PortSetText> {
    m.iter()
        .map(|(k, v)| (k.clone(), PortSetText(v.clone())))
        .collect()
}

#[derive(Debug, PartialEq)]
struct PortSetText(String);

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn classes_agree_with_the_pod_by_pod_oracle(s in snapshot_strategy()) {
        let idx = Index::from_snapshot(s.clone());
        prop_assert_eq!(sets(&engine(&idx)), sets(&oracle(&s)));
    }

    #[test]
    fn adding_an_allow_rule_never_removes_a_connection(s in snapshot_strategy(), r in rule_strategy(), which in 0..8usize, egress in proptest::bool::ANY) {
        prop_assume!(!s.policies.is_empty());
        let before = engine_sets(&Index::from_snapshot(s.clone()));
        let mut s2 = s.clone();
        let n = s2.policies.len();
        let p = &mut s2.policies[which % n];
        if egress { p.egress.push(r) } else { p.ingress.push(r) }
        let after = engine_sets(&Index::from_snapshot(s2));
        for (k, ports) in &before {
            // External ranges may be re-cut by the new rule: compare every
            // overlapping range of the new partition.
            let overlapping: Vec<(&String, &PortSet)> = after.iter().filter(|(k2, _)| same_or_overlapping(k, k2)).collect();
            if overlapping.is_empty() {
                prop_assert!(false, "{} disappeared", k);
            }
            for (k2, now) in overlapping {
                prop_assert!(ports.difference(now).is_empty(), "{}: {} became {} ({})", k, ports, now, k2);
            }
        }
    }

    #[test]
    fn a_default_deny_policy_never_adds_a_connection(s in snapshot_strategy(), ns in 0..3usize, egress in proptest::bool::ANY) {
        let before = engine_sets(&Index::from_snapshot(s.clone()));
        let mut s2 = s.clone();
        s2.policies.push(Policy {
            namespace: format!("n{ns}"),
            name: "zz-default-deny".into(),
            pod_selector: LabelSelector::default(),
            ingress_type: true,
            egress_type: egress,
            ingress: vec![],
            egress: vec![],
        });
        let after = engine_sets(&Index::from_snapshot(s2));
        for (k, ports) in &after {
            let was = before.get(k).cloned().unwrap_or_default();
            prop_assert!(ports.difference(&was).is_empty(), "{}: {} grew to {}", k, was, ports);
        }
    }

    #[test]
    fn results_do_not_depend_on_input_order(s in snapshot_strategy()) {
        let mut rev = s.clone();
        rev.pods.reverse();
        rev.policies.reverse();
        rev.namespaces.reverse();
        prop_assert_eq!(engine_all(&Index::from_snapshot(s)), engine_all(&Index::from_snapshot(rev)));
    }

    #[test]
    fn incremental_updates_equal_a_fresh_build(a in snapshot_strategy(), b in snapshot_strategy()) {
        // Start from `a`, then move to `b` one event at a time.
        let mut idx = Index::from_snapshot(a.clone());
        for p in &a.pods { if !b.pods.iter().any(|x| x.key() == p.key()) { idx.apply(Event::DeletePod(p.key())); } }
        for p in &a.policies { if !b.policies.iter().any(|x| x.key() == p.key()) { idx.apply(Event::DeletePolicy(p.key())); } }
        for n in &b.namespaces { idx.apply(Event::UpsertNamespace(n.clone())); }
        for p in &b.policies { idx.apply(Event::UpsertPolicy(p.clone())); }
        for p in &b.pods { idx.apply(Event::UpsertPod(p.clone())); }
        let fresh = Index::from_snapshot(b);
        prop_assert_eq!(engine_all(&idx), engine_all(&fresh));
        prop_assert_eq!(idx.class_count(), fresh.class_count());
    }
}
