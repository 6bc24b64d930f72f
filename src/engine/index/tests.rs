use super::*;
use crate::engine::model::{Event, Labels, Peer, Pod, PodKey, Policy, PolicyKey, Snapshot};
use crate::engine::model::{IpBlock, Rule};

fn pod(ns: &str, name: &str, app: &str, ip: Option<&str>) -> Pod {
    Pod {
        namespace: ns.into(),
        name: name.into(),
        labels: Labels::from([("app".to_string(), app.to_string())]),
        ports: vec![],
        ips: ip.map(|i| vec![i.parse().expect("ip")]).unwrap_or_default(),
        host_network: false,
        owner: None,
    }
}

#[test]
fn pods_with_same_labels_share_a_class() {
    let mut idx = Index::new();
    idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
    idx.apply(Event::UpsertPod(pod("a", "p2", "web", None)));
    idx.apply(Event::UpsertPod(pod("a", "p3", "db", None)));
    idx.apply(Event::UpsertPod(pod("b", "p1", "web", None)));
    assert_eq!(idx.class_count(), 3);
    assert_eq!(
        idx.pod_class(&PodKey::new("a", "p1")),
        idx.pod_class(&PodKey::new("a", "p2"))
    );
    idx.apply(Event::DeletePod(PodKey::new("a", "p3")));
    assert_eq!(idx.class_count(), 2);
    // Relabel moves the pod to another class.
    idx.apply(Event::UpsertPod(pod("a", "p2", "db", None)));
    assert_eq!(idx.class_count(), 3);
    assert_ne!(
        idx.pod_class(&PodKey::new("a", "p1")),
        idx.pod_class(&PodKey::new("a", "p2"))
    );
}

#[test]
fn ipblocks_split_classes_by_ip() {
    let mut idx = Index::new();
    idx.apply(Event::UpsertPod(pod("a", "p1", "web", Some("10.0.0.1"))));
    idx.apply(Event::UpsertPod(pod("a", "p2", "web", Some("10.0.1.1"))));
    assert_eq!(idx.class_count(), 1);
    let pol = Policy {
        namespace: "a".into(),
        name: "x".into(),
        pod_selector: Default::default(),
        ingress_type: true,
        egress_type: false,
        ingress: vec![Rule {
            peers: vec![Peer::IpBlock(IpBlock {
                cidr: "10.0.0.0/24".parse().expect("net"),
                except: vec![],
            })],
            ports: vec![],
        }],
        egress: vec![],
    };
    idx.apply(Event::UpsertPolicy(pol));
    assert_eq!(idx.class_count(), 2);
    idx.apply(Event::DeletePolicy(PolicyKey::new("a", "x")));
    assert_eq!(idx.class_count(), 1);
}

#[test]
fn replace_scoped_pods_keeps_other_namespaces() {
    let mut idx = Index::new();
    idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
    idx.apply(Event::UpsertPod(pod("b", "p1", "web", None)));
    idx.apply(Event::ReplacePods {
        namespace: Some("a".into()),
        pods: vec![pod("a", "p9", "x", None)],
    });
    let keys: Vec<String> = idx.pod_keys().map(|k| k.to_string()).collect();
    assert_eq!(keys, ["a/p9", "b/p1"]);
}

/// An ingress default deny named "deny" in `ns`.
fn deny(ns: &str) -> Policy {
    Policy {
        namespace: ns.into(),
        name: "deny".into(),
        pod_selector: Default::default(),
        ingress_type: true,
        egress_type: false,
        ingress: vec![],
        egress: vec![],
    }
}

#[test]
fn a_policy_only_fork_names_its_changed_namespaces() {
    let mut idx = Index::new();
    idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
    idx.apply(Event::UpsertPod(pod("b", "p1", "web", None)));
    idx.apply(Event::UpsertPolicy(deny("a")));
    let _ = crate::engine::connectivity::class_connectivity(&idx);
    assert!(idx.memo().get().is_some(), "compiled once, kept");
    let mut fork = idx.clone();
    fork.apply(Event::UpsertPolicy(deny("b")));
    fork.apply(Event::DeletePolicy(PolicyKey::new("a", "deny")));
    assert!(
        fork.memo().get().is_none(),
        "a change drops the compilation"
    );
    let changed = idx.policy_only_fork(&fork).expect("policies only");
    assert_eq!(changed.into_iter().collect::<Vec<_>>(), ["a", "b"]);
    crate::engine::connectivity::compile_fork(&idx, &fork);
    assert!(fork.memo().get().is_some(), "patched from the parent's");
    // A pod change is not policy-only.
    let mut moved = idx.clone();
    moved.apply(Event::UpsertPod(pod("a", "p2", "db", None)));
    assert!(idx.policy_only_fork(&moved).is_none());
}

/// `lists_namespace` answers as `namespace_names` lists, also for a
/// namespace known only by its policies; the what-if patches a fork's
/// compilation only when the list is unchanged (else it compiles in full).
#[test]
fn a_namespace_known_only_by_policies_enters_and_leaves_the_list() {
    let mut idx = Index::new();
    idx.apply(Event::UpsertPod(pod("a", "p1", "web", None)));
    idx.apply(Event::UpsertPolicy(deny("only-policies")));
    let same = |i: &Index| {
        for n in ["a", "only-policies", "nowhere"] {
            assert_eq!(
                i.lists_namespace(n),
                i.namespace_names().iter().any(|x| x == n),
                "{n}"
            );
        }
    };
    same(&idx);
    assert!(idx.lists_namespace("only-policies"));
    let _ = crate::engine::connectivity::class_connectivity(&idx);
    // Leaves the list: the fork is compiled afresh when asked, not patched.
    let mut gone = idx.clone();
    gone.apply(Event::DeletePolicy(PolicyKey::new("only-policies", "deny")));
    same(&gone);
    assert!(!gone.lists_namespace("only-policies"));
    assert!(idx.policy_only_fork(&gone).is_some());
    crate::engine::connectivity::compile_fork(&idx, &gone);
    assert!(gone.memo().get().is_none(), "namespace list changed");
    // Enters the list likewise.
    let mut new = idx.clone();
    new.apply(Event::UpsertPolicy(deny("new-ns")));
    same(&new);
    crate::engine::connectivity::compile_fork(&idx, &new);
    assert!(new.memo().get().is_none(), "namespace list changed");
    // A policy replaced in a listed namespace is patched.
    let mut replaced = idx.clone();
    replaced.apply(Event::UpsertPolicy(deny("a")));
    crate::engine::connectivity::compile_fork(&idx, &replaced);
    assert!(replaced.memo().get().is_some(), "patched");
}

/// `Replace` builds the pod store in one go for sorted pods: the index must
/// be exactly the one of upserting the pods one after the other, also when
/// they come unsorted or repeated.
#[test]
fn replace_equals_upserting_one_by_one() {
    let sorted: Vec<Pod> = (0..40)
        .map(|i| {
            let ip = format!("10.0.{}.{}", i % 3, i);
            let app = ["a", "b", "c"][i % 3];
            pod(
                &format!("ns{}", i / 10),
                &format!("p{i:02}"),
                app,
                Some(&ip),
            )
        })
        .collect();
    let mut unsorted = sorted.clone();
    unsorted.swap(5, 30);
    let mut repeated = sorted.clone();
    repeated.insert(20, pod("ns1", "p12", "z", None));
    repeated.insert(0, pod("ns0", "p00", "y", None));
    let policy = Policy {
        namespace: "ns0".into(),
        name: "blocks".into(),
        pod_selector: Default::default(),
        ingress_type: true,
        egress_type: false,
        ingress: vec![Rule {
            peers: vec![Peer::IpBlock(IpBlock {
                cidr: "10.0.1.0/24".parse().expect("cidr"),
                except: vec![],
            })],
            ports: vec![],
        }],
        egress: vec![],
    };
    for pods in [sorted, unsorted, repeated] {
        let snap = Snapshot {
            pods: pods.clone(),
            policies: vec![policy.clone()],
            ..Snapshot::default()
        };
        let fast = Index::from_snapshot(snap.clone());
        let mut slow = Index::from_snapshot(Snapshot {
            pods: vec![],
            ..snap
        });
        for p in pods {
            slow.remove_pod(&p.key());
            slow.insert_pod(p);
        }
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
    }
}

/// A relist keeps the stored object of a namespace it brings back equal;
/// one it brings back changed under the same name (labels) must be
/// replaced. The store and the namespaceSelector memo must be those of the
/// list (of equal names the last one), whether the store is edited in
/// place or shared with a fork, which must not see the relist.
#[test]
fn a_relist_replaces_a_relabelled_namespace_of_the_same_name() {
    use crate::engine::model::{LabelSelector, Namespace};
    let ns =
        |name: &str, team: &str| Namespace::new(name, Labels::from([("team".into(), team.into())]));
    let team = |t: &str| LabelSelector {
        match_labels: Labels::from([("team".into(), t.into())]),
        match_expressions: vec![],
    };
    let before = vec![ns("a", "x"), ns("b", "x"), ns("c", "y"), ns("d", "x")];
    // a relabelled, b repeated (the last wins: relabelled), c the same, d
    // dropped, e added; unsorted.
    let list = vec![
        ns("e", "x"),
        ns("b", "x"),
        ns("c", "y"),
        ns("a", "y"),
        ns("b", "y"),
    ];
    let want = [ns("a", "y"), ns("b", "y"), ns("c", "y"), ns("e", "x")];
    for with_fork in [false, true] {
        let mut idx = Index::from_snapshot(Snapshot {
            namespaces: before.clone(),
            ..Snapshot::default()
        });
        assert_eq!(&idx.namespaces_matching(&team("x"))[..], ["a", "b", "d"]);
        let fork = with_fork.then(|| idx.clone());
        idx.apply(Event::ReplaceNamespaces(list.clone()));
        assert_eq!(idx.namespaces().cloned().collect::<Vec<_>>(), want);
        assert_eq!(&idx.namespaces_matching(&team("x"))[..], ["e"]);
        assert_eq!(&idx.namespaces_matching(&team("y"))[..], ["a", "b", "c"]);
        for t in ["x", "y"] {
            let fresh = idx.namespaces_matching_fresh(&team(t));
            assert_eq!(&idx.namespaces_matching(&team(t))[..], fresh);
        }
        if let Some(fork) = fork {
            assert_eq!(fork.namespaces().cloned().collect::<Vec<_>>(), before);
            assert_eq!(&fork.namespaces_matching(&team("x"))[..], ["a", "b", "d"]);
        }
        // A relist of the same list changes nothing, and keeps the stored
        // objects (their allocations: see `replace_namespaces`).
        let stored = |idx: &Index| {
            idx.namespaces()
                .map(|n| n.name.as_ptr())
                .collect::<Vec<_>>()
        };
        let kept = stored(&idx);
        idx.apply(Event::ReplaceNamespaces(want.to_vec()));
        assert_eq!(idx.namespaces().cloned().collect::<Vec<_>>(), want);
        assert_eq!(stored(&idx), kept);
        assert_eq!(&idx.namespaces_matching(&team("y"))[..], ["a", "b", "c"]);
    }
}
