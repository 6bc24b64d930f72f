//! Cluster-scoped policies in live mode (one list, for the commands):
//! read when the CRD is installed, "not installed" (404) is normal, a
//! refusal (403) and invalid objects are notes, never failures.

use super::*;

fn cnp(name: &str, priority: i64) -> Value {
    json!({
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": {
            "tier": "Admin",
            "priority": priority,
            "subject": {"namespaces": {"matchLabels": {"team": "a"}}},
            "ingress": [{"name": "deny-b", "action": "Deny",
                          "from": [{"namespaces": {"matchLabels": {"team": "b"}}}]}]
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_network_policies_are_listed_and_decide_verdicts() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 2);
    fake.create_value(cnp("guard", 10));
    fake.create_value(cnp("too-high", 5000));
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let state = live::list_once(&o).await.expect("list");
    let names: Vec<&str> = state
        .snapshot
        .cluster_policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, vec!["guard"]);
    assert_eq!(state.health.tiers, Some(live::TierHealth::Listed(1)));
    assert!(
        state.health.summary().contains("tiers live (1)"),
        "{}",
        state.health.summary()
    );
    // The refused object is named with its field; the v1alpha1 kinds are
    // not installed here, which is no news.
    assert!(
        state
            .notes
            .iter()
            .any(|n| n.contains("ClusterNetworkPolicy too-high skipped")
                && n.contains("spec.priority")),
        "{:?}",
        state.notes
    );
    assert!(
        state
            .notes
            .iter()
            .all(|n| !n.contains("adminnetworkpolicies")),
        "{:?}",
        state.notes
    );
    let idx = Index::from_snapshot(state.snapshot);
    let a = idx
        .pod_class(&PodKey::new("team-a", "web-00000"))
        .expect("a");
    let b = idx
        .pod_class(&PodKey::new("team-b", "web-00000"))
        .expect("b");
    use netpol_tui::engine::verdict::Endpoint;
    let v = idx
        .pair_verdict(Endpoint::Class(b), Endpoint::Class(a))
        .expect("verdict");
    assert!(v.allowed.is_empty(), "the Admin Deny holds: {v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_cluster_network_policy_list_is_a_note() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 1);
    fake.create_value(cnp("guard", 10));
    fake.forbid(Kind::ClusterNetworkPolicy, Scope::Any);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let state = live::list_once(&o).await.expect("still lists the rest");
    assert!(state.snapshot.cluster_policies.is_empty());
    assert!(!state.snapshot.pods.is_empty());
    // The installed kind refused, the other two are not installed.
    assert_eq!(state.health.tiers, Some(live::TierHealth::Forbidden));
    assert!(
        state
            .notes
            .iter()
            .any(|n| n.contains("clusternetworkpolicies.policy.networking.k8s.io is forbidden")),
        "{:?}",
        state.notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_follower_reads_cluster_network_policies() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 1);
    fake.create_value(cnp("guard", 10));
    let mut f = Follower::new(opts(&fake.write_kubeconfig(CONTEXT)));
    f.until("tiers", |i, _| i.cluster_policies().len() == 1)
        .await;
    assert_eq!(f.count("ReplaceClusterPolicies"), 1);
    f.until("tiers health", |_, h| {
        h.is_some_and(|h| h.tiers == Some(live::TierHealth::Listed(1)))
    })
    .await;
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_network_policies_are_watched_not_polled() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 1);
    let mut f = Follower::new(opts(&fake.write_kubeconfig(CONTEXT)));
    f.until("tiers health", |_, h| {
        h.is_some_and(|h| h.tiers == Some(live::TierHealth::Listed(0)))
    })
    .await;
    // Added while watching: reaches the index through the watch.
    fake.create_value(cnp("guard", 10));
    f.until("added", |i, _| {
        i.cluster_policies().iter().any(|p| p.name == "guard")
    })
    .await;
    // Changed: the new priority replaces the old object.
    fake.update_value(cnp("guard", 20));
    f.until("changed", |i, _| {
        let p = i.cluster_policies();
        p.len() == 1 && p[0].priority == 20
    })
    .await;
    fake.delete(Kind::ClusterNetworkPolicy, "", "guard");
    f.until("deleted", |i, _| i.cluster_policies().is_empty())
        .await;
    // One list per kind, then watches: no polling.
    let lists =
        fake.list_requests("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies");
    assert_eq!(lists, 1, "{:?}", fake.requests());
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_crds_the_tiers_are_not_installed_not_an_error() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 1);
    fake.set_installed(Kind::ClusterNetworkPolicy, false);
    let mut f = Follower::new(opts(&fake.write_kubeconfig(CONTEXT)));
    f.until_live().await;
    f.until("tiers not installed", |_, h| {
        h.is_some_and(|h| h.tiers == Some(live::TierHealth::NotInstalled))
    })
    .await;
    let h = f.health.clone().expect("health");
    assert!(h.is_live(), "{}", h.summary());
    assert!(
        h.summary().contains("tiers not installed"),
        "{}",
        h.summary()
    );
    assert!(f.index.cluster_policies().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_cluster_network_policy_watch_is_marked_forbidden() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 1);
    fake.create_value(cnp("guard", 10));
    fake.forbid(Kind::ClusterNetworkPolicy, Scope::Any);
    let mut f = Follower::new(opts(&fake.write_kubeconfig(CONTEXT)));
    f.until_live().await;
    f.until("tiers forbidden", |_, h| {
        h.is_some_and(|h| h.tiers == Some(live::TierHealth::Forbidden))
    })
    .await;
    assert!(f.index.cluster_policies().is_empty());
    // Allowed again: the watcher's retry picks them up.
    fake.allow(Kind::ClusterNetworkPolicy, Scope::Any);
    f.until("tiers read after the 403", |i, h| {
        i.cluster_policies().len() == 1
            && h.is_some_and(|h| h.tiers == Some(live::TierHealth::Listed(1)))
    })
    .await;
}
