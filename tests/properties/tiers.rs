//! The naive oracle extended with cluster-scoped tiers: port by port,
//! straight from the API text (Admin tier by priority, rules in order;
//! Accept/Deny final, Pass to NetworkPolicy; NetworkPolicy final for the
//! pods it isolates; then the Baseline tier; then default allow), against
//! the index on random clusters with random ClusterNetworkPolicies.

use std::collections::BTreeMap;

use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::*;
use netpol_tui::engine::ports::{PortSet, rule_port_set};
use netpol_tui::engine::tiers::{
    Action, ClusterKind, ClusterPolicy, Selects, Tier, TierPeer, TierRule,
};
use proptest::prelude::*;

use super::{
    engine_sets, ns_labels, ns_selector_strategy, port_strategy, regressions, selector_strategy,
    side, snapshot_strategy,
};

fn selects_strategy() -> impl Strategy<Value = Selects> {
    prop_oneof![
        ns_selector_strategy().prop_map(Selects::Namespaces),
        (ns_selector_strategy(), selector_strategy())
            .prop_map(|(namespaces, pods)| Selects::Pods { namespaces, pods }),
    ]
}

fn tier_peer_strategy() -> impl Strategy<Value = TierPeer> {
    prop_oneof![
        6 => selects_strategy().prop_map(TierPeer::Pods),
        2 => (0..3usize).prop_map(|c| TierPeer::Networks(vec![
            ["10.0.0.0/16", "10.0.1.0/24", "10.0.2.0/23"][c].parse().expect("cidr"),
        ])),
        1 => Just(TierPeer::Unknown),
    ]
}

fn tier_rule_strategy(baseline: bool) -> impl Strategy<Value = TierRule> {
    (
        0..3usize,
        proptest::collection::vec(tier_peer_strategy(), 1..3),
        proptest::collection::vec(port_strategy(), 0..3),
    )
        .prop_map(move |(a, peers, ports)| TierRule {
            name: None,
            action: match a {
                0 => Action::Accept,
                1 => Action::Deny,
                _ if baseline => Action::Deny,
                _ => Action::Pass,
            },
            peers,
            ports,
        })
}

fn cluster_policy_strategy(i: usize) -> impl Strategy<Value = ClusterPolicy> {
    (proptest::bool::ANY, 0..3u32, selects_strategy()).prop_flat_map(
        move |(admin, priority, subject)| {
            let rules = || proptest::collection::vec(tier_rule_strategy(!admin), 0..3);
            (rules(), rules()).prop_map(move |(ingress, egress)| ClusterPolicy {
                kind: ClusterKind::Cnp,
                name: format!("c{i}"),
                tier: if admin { Tier::Admin } else { Tier::Baseline },
                priority,
                subject: subject.clone(),
                ingress,
                egress,
            })
        },
    )
}

pub fn cluster_policies_strategy() -> impl Strategy<Value = Vec<ClusterPolicy>> {
    (1..5usize).prop_flat_map(|n| (0..n).map(cluster_policy_strategy).collect::<Vec<_>>())
}

/// What one rule says about one port: None when it does not apply.
fn rule_says(
    s: &Snapshot,
    r: &TierRule,
    other: &Pod,
    dest: &Pod,
    proto: Protocol,
    port: u16,
) -> Option<Action> {
    // Fail closed: an Accept rule matches nothing; Deny/Pass deny all.
    if r.peers.iter().any(|p| matches!(p, TierPeer::Unknown)) {
        return (r.action != Action::Accept).then_some(Action::Deny);
    }
    let peer_ok = r.peers.iter().any(|p| match p {
        TierPeer::Pods(sel) => {
            !other.host_network && sel.matches(&ns_labels(s, &other.namespace), &other.labels)
        }
        TierPeer::Networks(nets) => other
            .ips
            .iter()
            .any(|ip| nets.iter().any(|n| n.contains(ip))),
        _ => false,
    });
    let port_ok =
        r.ports.is_empty() || rule_port_set(&r.ports, Some(&dest.ports)).contains(proto, port);
    (peer_ok && port_ok).then_some(r.action)
}

/// The first decision of a tier for one port.
fn tier_says(
    s: &Snapshot,
    pols: &[&ClusterPolicy],
    dir: Direction,
    other: &Pod,
    dest: &Pod,
    proto: Protocol,
    port: u16,
) -> Option<Action> {
    pols.iter()
        .flat_map(|p| p.rules(dir))
        .find_map(|r| rule_says(s, r, other, dest, proto, port))
}

/// One side, one port, through the tiers.
fn side_allows(
    s: &Snapshot,
    subject: &Pod,
    other: &Pod,
    dir: Direction,
    dest: &Pod,
    proto: Protocol,
    port: u16,
) -> bool {
    let mut pols: Vec<&ClusterPolicy> = s
        .cluster_policies
        .iter()
        .filter(|p| {
            !subject.host_network
                && p.subject
                    .matches(&ns_labels(s, &subject.namespace), &subject.labels)
        })
        .collect();
    // Ties at one priority: the engine's fixed order (kind, name).
    pols.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
    let (admin, baseline): (Vec<&ClusterPolicy>, Vec<&ClusterPolicy>) =
        pols.into_iter().partition(|p| p.tier == Tier::Admin);
    match tier_says(s, &admin, dir, other, dest, proto, port) {
        Some(Action::Accept) => return true,
        Some(Action::Deny) => return false,
        _ => {}
    }
    let isolated = s.policies.iter().any(|p| {
        p.namespace == subject.namespace
            && p.has_type(dir)
            && p.pod_selector.matches(&subject.labels)
    });
    if isolated {
        return side(s, subject, other, dir, dest).contains(proto, port);
    }
    !matches!(
        tier_says(s, &baseline, dir, other, dest, proto, port),
        Some(Action::Deny)
    )
}

const PORTS: &[u16] = &[
    1, 52, 53, 54, 78, 79, 80, 81, 82, 443, 8079, 8080, 8081, 65535,
];

fn oracle(s: &Snapshot) -> BTreeMap<String, Vec<(Protocol, u16)>> {
    let mut m = BTreeMap::new();
    for a in s.pods.iter().filter(|p| !p.host_network) {
        for b in s
            .pods
            .iter()
            .filter(|p| !p.host_network && p.key() != a.key())
        {
            let ok: Vec<(Protocol, u16)> = Protocol::ALL
                .iter()
                .flat_map(|&pr| PORTS.iter().map(move |&n| (pr, n)))
                .filter(|&(pr, n)| {
                    side_allows(s, a, b, Direction::Egress, b, pr, n)
                        && side_allows(s, b, a, Direction::Ingress, b, pr, n)
                })
                .collect();
            m.insert(format!("{} -> {}", a.key(), b.key()), ok);
        }
    }
    m
}

fn engine(idx: &Index, s: &Snapshot) -> BTreeMap<String, Vec<(Protocol, u16)>> {
    let sets = engine_sets(idx);
    let none = PortSet::none();
    let mut m = BTreeMap::new();
    for a in s.pods.iter().filter(|p| !p.host_network) {
        for b in s
            .pods
            .iter()
            .filter(|p| !p.host_network && p.key() != a.key())
        {
            let k = format!("{} -> {}", a.key(), b.key());
            let set = sets.get(&k).unwrap_or(&none);
            let ok = Protocol::ALL
                .iter()
                .flat_map(|&pr| PORTS.iter().map(move |&n| (pr, n)))
                .filter(|&(pr, n)| set.contains(pr, n))
                .collect();
            m.insert(k, ok);
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn tiers_agree_with_the_port_by_port_oracle(mut s in snapshot_strategy(), cps in cluster_policies_strategy()) {
        s.cluster_policies = cps;
        let idx = Index::from_snapshot(s.clone());
        prop_assert_eq!(engine(&idx, &s), oracle(&s));
        // Pair verdicts (what can-reach explains) agree with connectivity.
        for a in s.pods.iter().filter(|p| !p.host_network) {
            for b in s.pods.iter().filter(|p| !p.host_network && p.key() != a.key()) {
                let (ca, cb) = (idx.pod_class(&a.key()), idx.pod_class(&b.key()));
                let (Some(ca), Some(cb)) = (ca, cb) else { continue };
                let v = idx.pair_verdict(
                    netpol_tui::engine::verdict::Endpoint::Class(ca),
                    netpol_tui::engine::verdict::Endpoint::Class(cb),
                ).expect("verdict");
                for pr in Protocol::ALL {
                    for &n in PORTS {
                        prop_assert_eq!(
                            v.allowed.contains(pr, n),
                            side_allows(&s, a, b, Direction::Egress, b, pr, n) && side_allows(&s, b, a, Direction::Ingress, b, pr, n),
                            "{} -> {} {:?} {}", a.key(), b.key(), pr, n
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cluster_policy_events_equal_a_fresh_build(s in snapshot_strategy(), cps in cluster_policies_strategy()) {
        let mut idx = Index::from_snapshot(s.clone());
        for p in &cps {
            idx.apply(Event::UpsertClusterPolicy(p.clone()));
        }
        let mut full = s.clone();
        full.cluster_policies = cps.clone();
        let fresh = Index::from_snapshot(full);
        prop_assert_eq!(engine_sets(&idx), engine_sets(&fresh));
        if let Some(first) = cps.first() {
            idx.apply(Event::DeleteClusterPolicy(first.key()));
            let mut less = s.clone();
            less.cluster_policies = cps[1..].to_vec();
            prop_assert_eq!(engine_sets(&idx), engine_sets(&Index::from_snapshot(less)));
        }
    }
}

fn tier_change_strategy() -> impl Strategy<Value = Vec<netpol_tui::engine::proposal::Change>> {
    use netpol_tui::engine::proposal::Change;
    let ev = prop_oneof![
        2 => cluster_policy_strategy(1).prop_map(Change::UpsertClusterPolicy),
        2 => cluster_policy_strategy(7).prop_map(Change::UpsertClusterPolicy),
        1 => (0..4usize).prop_map(|i| Change::DeleteClusterPolicy(
            netpol_tui::engine::tiers::ClusterPolicyKey { kind: ClusterKind::Cnp, name: format!("c{i}") }
        )),
        1 => super::whatif::change_strategy().prop_map(|mut v| v.remove(0)),
    ];
    proptest::collection::vec(ev, 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn what_if_with_tiers_equals_a_full_diff(mut s in snapshot_strategy(), cps in cluster_policies_strategy(), changes in tier_change_strategy(), workload in proptest::bool::ANY) {
        use netpol_tui::engine::connectivity::{Granularity, report_pair};
        use netpol_tui::engine::diff::{PreviewOptions, diff_reports, preview};
        use netpol_tui::engine::proposal::Proposal;
        s.cluster_policies = cps;
        let g = if workload { Granularity::Workload } else { Granularity::Pod };
        let idx = Index::from_snapshot(s.clone());
        let proposal = Proposal::new(changes);
        let d = preview(&idx, &proposal, &PreviewOptions::new(g));
        let mut after = Index::from_snapshot(s.clone());
        after.apply_all(proposal.events());
        let (before_r, after_r) = report_pair(&idx, &after, g);
        let full = diff_reports(&before_r, &after_r);
        let got: Vec<(String, String, String, String)> = d.entries.iter().map(|e| (e.src.to_string(), e.dst.to_string(), e.before().to_string(), e.after().to_string())).collect();
        let want: Vec<(String, String, String, String)> = full.iter().map(|e| (e.src.to_string(), e.dst.to_string(), e.before().to_string(), e.after().to_string())).collect();
        prop_assert_eq!(got, want);
        if !workload {
            let unchanged = before_r.internal.iter().filter(|r| after_r.internal.iter().any(|x| x.src == r.src && x.dst == r.dst && x.ports == r.ports)).count() as u64;
            prop_assert_eq!(d.unchanged_pairs, unchanged);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: regressions(), ..ProptestConfig::default() })]

    /// The grouped connectivity path (tier chain once per subject and peer
    /// group, open block for untouched pairs) against the per-pair verdict
    /// path, class pair by class pair and on every external row.
    #[test]
    fn grouped_tier_connectivity_equals_per_pair_verdicts(mut s in snapshot_strategy(), cps in cluster_policies_strategy()) {
        use std::collections::HashMap;
        use netpol_tui::engine::connectivity::class_connectivity;
        use netpol_tui::engine::verdict::Endpoint;
        s.cluster_policies = cps;
        let idx = Index::from_snapshot(s);
        let cc = class_connectivity(&idx);
        let mut got = HashMap::new();
        for (a, b, p) in cc.all_pairs() {
            prop_assert!(got.insert((a, b), p.into_owned()).is_none(), "pair listed twice");
        }
        let classes: Vec<_> = idx.classes().filter(|(_, c)| !c.host_network).map(|(id, _)| id).collect();
        let none = PortSet::none();
        for &a in &classes {
            for &b in &classes {
                let want = idx.pair_verdict(Endpoint::Class(a), Endpoint::Class(b)).expect("verdict").allowed;
                prop_assert_eq!(got.get(&(a, b)).unwrap_or(&none), &want, "{:?} -> {:?}", a, b);
            }
            for r in &cc.dst_ranges {
                let want = idx.pair_verdict(Endpoint::Class(a), Endpoint::Ip(*r)).expect("verdict").allowed;
                let row = cc.to_external.iter().find(|(x, y, _)| *x == a && y == r).map(|t| &t.2);
                prop_assert_eq!(row.unwrap_or(&none), &want, "{:?} -> {:?}", a, r);
            }
            for r in &cc.src_ranges {
                let want = idx.pair_verdict(Endpoint::Ip(*r), Endpoint::Class(a)).expect("verdict").allowed;
                let row = cc.from_external.iter().find(|(y, x, _)| *x == a && y == r).map(|t| &t.2);
                prop_assert_eq!(row.unwrap_or(&none), &want, "{:?} -> {:?}", r, a);
            }
        }
    }
}
