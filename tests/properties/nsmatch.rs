//! The index's memo of namespaceSelector matches, kept across changes and
//! corrected per namespace, equals a fresh computation after any sequence
//! of changes (namespaces added, relabelled, deleted or relisted; pods and
//! policies in listed and unlisted namespaces), on the index and on a fork
//! that shares the memo, also when a relist or reload changes many
//! namespaces at once (the namespace store is then exactly the list); and
//! the pod view's counts of open-ended peers equal the pods the peer
//! matches.

use std::collections::BTreeMap;

use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::*;
use netpol_tui::tui::models::pod::PeerCache;
use proptest::prelude::*;

use super::{pod_strategy, policy_strategy, regressions, snapshot_strategy};

/// Namespaces n0..n4: the snapshot lists n0..n2; n3 and n4 exist only
/// through their pods and policies until an event lists them.
fn ns_name() -> impl Strategy<Value = String> {
    (0..5usize).prop_map(|i| format!("n{i}"))
}

/// Labels the selectors below look at: an optional team, maybe env=prod.
fn ns_labels() -> impl Strategy<Value = Labels> {
    (proptest::option::of(0..3usize), proptest::bool::ANY).prop_map(|(t, env)| {
        let mut l = Labels::new();
        if let Some(t) = t {
            l.insert("team".into(), format!("t{t}"));
        }
        if env {
            l.insert("env".into(), "prod".into());
        }
        l
    })
}

fn namespace_strategy() -> impl Strategy<Value = Namespace> {
    (ns_name(), ns_labels()).prop_map(|(n, l)| Namespace::new(n, l))
}

#[derive(Debug, Clone)]
enum Step {
    Apply(Event),
    /// The fork takes the index's state (and shares its memo).
    Fork,
}

/// A pod of `pod_strategy(i)`, in any of n0..n4.
fn pod_in(i: usize) -> impl Strategy<Value = Pod> {
    (pod_strategy(i), ns_name()).prop_map(|(mut p, ns)| {
        p.namespace = ns;
        p
    })
}

fn step_strategy() -> impl Strategy<Value = Step> {
    let policy = (policy_strategy(1), ns_name()).prop_map(|(mut p, ns)| {
        p.namespace = ns;
        p
    });
    prop_oneof![
        3 => namespace_strategy().prop_map(|n| Step::Apply(Event::UpsertNamespace(n))),
        1 => ns_name().prop_map(|n| Step::Apply(Event::DeleteNamespace(n))),
        3 => pod_in(1).prop_map(|p| Step::Apply(Event::UpsertPod(p))),
        2 => pod_in(2).prop_map(|p| Step::Apply(Event::UpsertPod(p))),
        2 => (ns_name(), 1..3usize).prop_map(|(ns, i)| Step::Apply(Event::DeletePod(PodKey::new(&ns, &format!("pod{i}"))))),
        2 => policy.prop_map(|p| Step::Apply(Event::UpsertPolicy(p))),
        1 => ns_name().prop_map(|ns| Step::Apply(Event::DeletePolicy(PolicyKey::new(&ns, "p1")))),
        1 => proptest::collection::vec(namespace_strategy(), 0..4).prop_map(|l| {
            // One object per name, as a list returns them.
            let m: BTreeMap<String, Namespace> = l.into_iter().map(|n| (n.name.clone(), n)).collect();
            Step::Apply(Event::ReplaceNamespaces(m.into_values().collect()))
        }),
        1 => (proptest::option::of(ns_name()), proptest::collection::vec(pod_in(3), 0..3)).prop_map(|(namespace, pods)| {
            Step::Apply(Event::ReplacePods { namespace, pods })
        }),
        1 => proptest::option::of(ns_name()).prop_map(|namespace| Step::Apply(Event::ReplacePolicies { namespace, policies: vec![] })),
        1 => Just(Step::Fork),
    ]
}

fn selectors() -> Vec<LabelSelector> {
    let expr = |op| LabelSelector {
        match_labels: Labels::new(),
        match_expressions: vec![Requirement {
            key: "team".into(),
            op,
        }],
    };
    let mut out = vec![
        LabelSelector::default(),
        expr(Operator::Exists),
        expr(Operator::DoesNotExist),
        expr(Operator::NotIn(vec!["t1".into()])),
        LabelSelector {
            match_labels: Labels::from([(NS_NAME_LABEL.to_string(), "n3".to_string())]),
            match_expressions: vec![],
        },
        LabelSelector {
            match_labels: Labels::from([("env".to_string(), "prod".to_string())]),
            match_expressions: vec![],
        },
    ];
    out.extend((0..3).map(|t| LabelSelector {
        match_labels: Labels::from([("team".to_string(), format!("t{t}"))]),
        match_expressions: vec![],
    }));
    out
}

/// The memo (asked first, so that it is filled before the next change)
/// against a fresh computation from the public queries.
fn check_matches(idx: &Index, what: &str) -> Result<(), TestCaseError> {
    let names = idx.namespace_names();
    for sel in selectors() {
        let memo = idx.namespaces_matching(&sel);
        let fresh: Vec<String> = (names.iter())
            .filter(|n| sel.matches(&idx.ns_labels(n)))
            .cloned()
            .collect();
        prop_assert_eq!(&memo[..], &fresh[..], "{} {}: memo vs fresh", what, sel);
        prop_assert_eq!(
            &idx.namespaces_matching_fresh(&sel)[..],
            &fresh[..],
            "{}",
            what
        );
    }
    Ok(())
}

/// Open-ended peers (no podSelector) of the index's policies: the pod
/// view's per-namespace counts are the pods `peer_pods` lists.
fn check_counts(idx: &Index) -> Result<(), TestCaseError> {
    let mut cache = PeerCache::default();
    for p in idx.policies() {
        for r in p.ingress.iter().chain(p.egress.iter()) {
            for peer in &r.peers {
                let Peer::Pods { pod_selector, .. } = peer else {
                    continue;
                };
                if pod_selector.as_ref().is_some_and(|s| !s.is_empty()) {
                    continue;
                }
                let res = cache.resolve(idx, &p.namespace, peer);
                let counted: BTreeMap<String, usize> = (res.counts.iter())
                    .filter(|(_, n)| *n > 0)
                    .cloned()
                    .collect();
                let mut listed: BTreeMap<String, usize> = BTreeMap::new();
                for k in idx.peer_pods(&p.namespace, peer) {
                    *listed.entry(k.namespace).or_default() += 1;
                }
                prop_assert_eq!(counted, listed, "{:?}", peer);
                prop_assert_eq!(
                    &res.namespaces[..],
                    &idx.peer_namespaces(&p.namespace, peer)[..]
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn memoised_namespace_matches_equal_a_fresh_computation(
        s in snapshot_strategy(),
        steps in proptest::collection::vec(step_strategy(), 1..24),
    ) {
        let mut idx = Index::from_snapshot(s);
        check_matches(&idx, "start")?;
        let mut fork = idx.clone();
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                Step::Fork => fork = idx.clone(),
                Step::Apply(ev) => idx.apply(ev),
            }
            let what = format!("after step {i}");
            check_matches(&idx, &what)?;
            // The fork did not change: what the index corrected must not
            // leak into it (and the other way round).
            check_matches(&fork, &format!("fork, {what}"))?;
            check_counts(&idx)?;
        }
        // And the same as an index built from scratch on the final state.
        let fresh = Index::from_snapshot(idx.snapshot());
        for sel in selectors() {
            prop_assert_eq!(&idx.namespaces_matching(&sel)[..], &fresh.namespaces_matching(&sel)[..]);
        }
    }
}

/// Namespaces m0..m39, any labels: relisting them changes many namespaces
/// at once (more than the 16 a relist used to correct before starting over).
fn many_namespaces() -> impl Strategy<Value = Vec<Namespace>> {
    proptest::collection::btree_map(0..40usize, ns_labels(), 0..40).prop_map(|m| {
        (m.into_iter())
            .map(|(i, l)| Namespace::new(format!("m{i}"), l))
            .collect()
    })
}

/// In the index's order (m10 before m2).
fn by_name(mut l: Vec<Namespace>) -> Vec<Namespace> {
    l.sort_by(|a, b| a.name.cmp(&b.name));
    l
}

/// Pods in m0..m39, one per namespace (unlisted ones exist through them).
fn many_pods() -> impl Strategy<Value = Vec<Pod>> {
    proptest::collection::btree_map(0..40usize, pod_strategy(1), 0..40).prop_map(|m| {
        (m.into_iter())
            .map(|(i, mut p)| {
                p.namespace = format!("m{i}");
                p
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
enum ManyStep {
    Namespaces(Vec<Namespace>),
    Pods(Vec<Pod>),
    /// A full reload with these namespaces and pods (policies kept).
    Reload(Vec<Namespace>, Vec<Pod>),
    Fork,
}

fn many_step() -> impl Strategy<Value = ManyStep> {
    prop_oneof![
        3 => many_namespaces().prop_map(ManyStep::Namespaces),
        2 => many_pods().prop_map(ManyStep::Pods),
        1 => (many_namespaces(), many_pods()).prop_map(|(n, p)| ManyStep::Reload(n, p)),
        1 => Just(ManyStep::Fork),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: regressions(), ..ProptestConfig::default() })]

    #[test]
    fn memo_after_relists_of_many_namespaces_equals_a_fresh_computation(
        s in snapshot_strategy(),
        steps in proptest::collection::vec(many_step(), 1..8),
    ) {
        let mut idx = Index::from_snapshot(s);
        check_matches(&idx, "start")?;
        let mut fork = idx.clone();
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                ManyStep::Fork => fork = idx.clone(),
                ManyStep::Namespaces(l) => {
                    idx.apply(Event::ReplaceNamespaces(l.clone()));
                    // Exactly the list (one per name): no stored object
                    // kept in place of a relabelled one.
                    prop_assert_eq!(idx.namespaces().cloned().collect::<Vec<_>>(), by_name(l));
                }
                ManyStep::Pods(pods) => idx.apply(Event::ReplacePods { namespace: None, pods }),
                ManyStep::Reload(namespaces, pods) => {
                    let mut s = idx.snapshot();
                    s.namespaces = namespaces.clone();
                    s.pods = pods;
                    idx.apply(Event::Replace(s));
                    prop_assert_eq!(idx.namespaces().cloned().collect::<Vec<_>>(), by_name(namespaces));
                }
            }
            let what = format!("after step {i}");
            check_matches(&idx, &what)?;
            check_matches(&fork, &format!("fork, {what}"))?;
        }
        let fresh = Index::from_snapshot(idx.snapshot());
        for sel in selectors() {
            prop_assert_eq!(&idx.namespaces_matching(&sel)[..], &fresh.namespaces_matching(&sel)[..]);
        }
    }
}
