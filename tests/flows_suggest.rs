//! Property: for random clusters and random recorded flows drawn from the
//! allowed pairs, `suggest` then the what-if loses no recorded flow, and
//! every port `suggest` opens towards or from the namespace was recorded
//! for that workload pair (plus DNS).

use std::collections::{BTreeMap, BTreeSet};

use netpol_tui::engine::flows::attribute::attribute;
use netpol_tui::engine::flows::suggest::{SuggestOptions, prove, suggest};
use netpol_tui::engine::flows::{ConnKey, FlowEnd, Recorded};
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{
    ContainerPort, Direction, Event, LabelSelector, Labels, Namespace, Owner, Pod, PodKey,
    Protocol, Snapshot,
};
use netpol_tui::engine::verdict::Endpoint;
use proptest::prelude::*;

const NS: [&str; 3] = ["a", "b", "c"];

fn labels(kv: &[(&str, &str)]) -> Labels {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Workloads per namespace (1..=3), replicas (1..=2), a declared port each.
fn cluster(shape: &[(usize, usize)]) -> Index {
    let mut s = Snapshot {
        namespaces: NS
            .iter()
            .chain(["kube-system"].iter())
            .map(|n| Namespace::new(*n, Labels::new()))
            .collect(),
        ..Default::default()
    };
    s.pods.push(Pod {
        namespace: "kube-system".into(),
        name: "coredns-x".into(),
        labels: labels(&[("k8s-app", "kube-dns"), ("pod-template-hash", "h")]),
        ports: ContainerPort::cluster_dns(),
        ips: vec![],
        host_network: false,
        owner: Some(Owner {
            kind: "Deployment".into(),
            name: "coredns".into(),
        }),
    });
    for (i, ns) in NS.iter().enumerate() {
        let (workloads, replicas) = shape[i];
        for w in 0..workloads {
            for r in 0..replicas {
                s.pods.push(Pod {
                    namespace: ns.to_string(),
                    name: format!("w{w}-{r}"),
                    labels: labels(&[
                        ("app", &format!("w{w}")),
                        ("pod-template-hash", &format!("h{r}")),
                    ]),
                    ports: vec![ContainerPort {
                        name: Some("web".into()),
                        port: 8000 + w as u16,
                        protocol: Protocol::Tcp,
                    }],
                    ips: vec![],
                    host_network: false,
                    owner: Some(Owner {
                        kind: "Deployment".into(),
                        name: format!("w{w}"),
                    }),
                });
            }
        }
    }
    Index::from_snapshot(s)
}

fn pods(idx: &Index) -> Vec<PodKey> {
    idx.pod_keys().cloned().collect()
}

fn is_subset(allowed: &netpol_tui::engine::ports::PortSet, ok: &BTreeSet<(Protocol, u16)>) -> bool {
    allowed.protocols().all(|(p, r)| {
        r.ranges()
            .iter()
            .all(|&(lo, hi)| (lo..=hi).all(|n| ok.contains(&(p, n))))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn suggest_keeps_every_recorded_flow_and_opens_nothing_else(
        shape in prop::collection::vec((1usize..=3, 1usize..=2), 3),
        flows in prop::collection::vec((0usize..64, 0usize..64, prop::bool::ANY, 0u16..4), 1..24),
        target in 0usize..3,
    ) {
        let idx = cluster(&shape);
        let all = pods(&idx);
        let ns = NS[target];
        let mut rec = Recorded::default();
        // No policies yet: every pair is allowed, so any flow can be drawn.
        let mut recorded: BTreeMap<(String, String), BTreeSet<(Protocol, u16)>> = BTreeMap::new();
        for (a, b, udp, port) in flows {
            let (from, to) = (&all[a % all.len()], &all[b % all.len()]);
            if from == to { continue; }
            let protocol = if udp { Protocol::Udp } else { Protocol::Tcp };
            let port = 8000 + port;
            let end = |k: &PodKey| FlowEnd::Pod { namespace: k.namespace.clone(), name: Some(k.name.clone()), labels: None, workload: None };
            rec.add(ConnKey { from: end(from), to: end(to), protocol, port }, 1, false, None);
            recorded.entry((idx.workload_of(from), idx.workload_of(to))).or_default().insert((protocol, port));
        }
        let att = attribute(&idx, &rec);
        let o = SuggestOptions {
            dns_namespace: "kube-system".into(),
            dns_selector: LabelSelector { match_labels: labels(&[("k8s-app", "kube-dns")]), match_expressions: vec![] },
        };
        let s = suggest(&att, ns, &o);
        prop_assert!(s.refused.is_empty(), "{:?}", s.refused);
        let proof = prove(&att, &idx, ns, &s);
        prop_assert!(proof.lost.is_empty(), "{:?}", proof.lost);
        let mut after = att.index.clone();
        after.apply_all(s.policies.iter().cloned().map(Event::UpsertPolicy));
        let dns: BTreeSet<(Protocol, u16)> = [(Protocol::Udp, 53), (Protocol::Tcp, 53)].into_iter().collect();
        for a in &all {
            for b in &all {
                if a == b { continue; }
                let (ca, cb) = (after.pod_class(a).expect("a"), after.pod_class(b).expect("b"));
                let key = (idx.workload_of(a), idx.workload_of(b));
                let mut ok = recorded.get(&key).cloned().unwrap_or_default();
                if a.namespace == ns {
                    if b.namespace == "kube-system" { ok.extend(dns.iter().copied()); }
                    let e = after.side_verdict(ca, Direction::Egress, Endpoint::Class(cb));
                    prop_assert!(is_subset(&e.allowed, &ok), "egress {a} -> {b}: {} not within {ok:?}", e.allowed);
                }
                if b.namespace == ns {
                    let i = after.side_verdict(cb, Direction::Ingress, Endpoint::Class(ca));
                    let ok = recorded.get(&key).cloned().unwrap_or_default();
                    prop_assert!(is_subset(&i.allowed, &ok), "ingress {a} -> {b}: {} not within {ok:?}", i.allowed);
                }
            }
        }
    }
}
