//! Initial sync, watch events, dropped streams, 410 Gone and server restarts.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_lists_in_pages_and_matches_a_fresh_list() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 600); // 1200 team pods: three pages of 500
    let o = opts(&fake.write_kubeconfig(CONTEXT));

    let state = live::list_once(&o).await.expect("list_once");
    let s = &state.snapshot;
    assert_eq!(
        s.namespaces
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["kube-system", "team-a", "team-b"]
    );
    assert_eq!(
        s.namespaces[1].labels.get("team").map(String::as_str),
        Some("a")
    );
    assert_eq!(
        s.pods.len(),
        1201,
        "1200 team pods and the CNI agent; the finished pod is left out"
    );
    assert!(!s.pods.iter().any(|p| p.name == "job-done"));
    assert_eq!(s.policies.len(), 2, "the invalid policy is skipped");
    assert!(
        state
            .notes
            .iter()
            .any(|n| n.contains("team-b/broken") && n.contains("ports[0].port")),
        "notes: {:?}",
        state.notes
    );
    assert_eq!(state.cni.names(), ["Cilium"]);
    assert_eq!(state.cni.enforcing(), Some(true));
    assert!(!state.namespaces_uncertain());
    assert_eq!(state.health.pods.objects, 1201);
    assert_eq!(state.health.context, CONTEXT);
    assert_eq!(state.health.server, fake.url());
    // Paged: limit=500 and continue tokens.
    let pod_lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/pods")
        .collect();
    assert_eq!(pod_lists.len(), 3, "{pod_lists:?}");
    assert!(pod_lists.iter().all(|r| r.query.contains("limit=500")));
    assert!(pod_lists[1].query.contains("continue="));

    let mut f = Follower::new(o.clone());
    f.until_live().await;
    assert_same(&f.index.snapshot(), &state.snapshot);
    // The initial list arrives as one Replace per kind, nothing piecemeal.
    // The cluster-scoped tiers are polled on their own: at most one Replace
    // so far.
    let mut kinds = f.log.clone();
    assert!(f.count("ReplaceClusterPolicies") <= 1, "{kinds:?}");
    kinds.retain(|k| *k != "ReplaceClusterPolicies");
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "ReplaceNamespaces",
            "ReplacePods",
            "ReplacePolicies",
            "ReplaceServices"
        ]
    );
    let h = f.health.clone().unwrap();
    assert_eq!(h.pods.objects, 1201);
    assert_eq!(h.policies.objects, 2);
    assert!(h.notes().iter().any(|n| n.contains("team-b/broken")));
    assert!(h.pods.last_event.is_some());
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_events_are_reflected_in_the_index() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 3);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let mut f = Follower::new(o.clone());
    f.until_live().await;

    // Namespaces: add, relabel, delete.
    fake.create_value(ns("team-c", &[("team", "c")]));
    f.until("namespace added", |i, _| i.namespace("team-c").is_some())
        .await;
    fake.update_value(ns("team-c", &[("team", "c"), ("env", "prod")]));
    f.until("namespace relabelled", |i, _| {
        i.namespace("team-c")
            .is_some_and(|n| n.labels.get("env").is_some_and(|v| v == "prod"))
    })
    .await;
    fake.delete(Kind::Namespace, "", "team-c");
    f.until("namespace deleted", |i, _| i.namespace("team-c").is_none())
        .await;

    // Pods: add, relabel, finish (leaves the index), delete.
    fake.create_value(pod("team-a", "new", "web", "10.1.200.1"));
    f.until("pod added", |i, _| has_pod(i, "team-a", "new"))
        .await;
    fake.update_value(pod("team-a", "new", "db", "10.1.200.1"));
    f.until("pod relabelled", |i, _| {
        i.pod(&PodKey::new("team-a", "new"))
            .is_some_and(|p| p.labels.get("app").is_some_and(|v| v == "db"))
    })
    .await;
    let mut finished = pod("team-a", "new", "db", "10.1.200.1");
    finished["status"]["phase"] = json!("Failed");
    fake.update_value(finished);
    f.until("finished pod removed", |i, _| !has_pod(i, "team-a", "new"))
        .await;
    fake.delete(Kind::Pod, "team-a", "web-00000");
    f.until("pod deleted", |i, _| !has_pod(i, "team-a", "web-00000"))
        .await;

    // Policies: add, change, become invalid (skipped with a note), delete.
    let key = PolicyKey::new("team-a", "allow-c");
    fake.create_value(policy("team-a", "allow-c", "web", "c"));
    f.until("policy added", |i, _| i.policy(&key).is_some())
        .await;
    fake.update_value(policy("team-a", "allow-c", "api", "c"));
    f.until("policy changed", |i, _| {
        i.policy(&key).is_some_and(|p| {
            p.pod_selector
                .match_labels
                .get("app")
                .is_some_and(|v| v == "api")
        })
    })
    .await;
    fake.update_value(invalid_policy("team-a", "allow-c"));
    f.until("invalid policy skipped with a note", |i, h| {
        i.policy(&key).is_none()
            && h.is_some_and(|h| h.notes().iter().any(|n| n.contains("team-a/allow-c")))
    })
    .await;
    fake.update_value(policy("team-a", "allow-c", "api", "c"));
    f.until("policy valid again, note gone", |i, h| {
        i.policy(&key).is_some()
            && h.is_some_and(|h| !h.notes().iter().any(|n| n.contains("team-a/allow-c")))
    })
    .await;
    fake.delete(Kind::NetworkPolicy, "team-a", "allow-c");
    f.until("policy deleted", |i, _| i.policy(&key).is_none())
        .await;

    f.until_fresh(&o).await;
    f.until("health counts the pods", |i, h| {
        h.is_some_and(|h| h.pods.objects == i.pod_count())
    })
    .await;
    assert_eq!(f.count("ReplacePods"), 1, "no relist was needed");
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_streams_resume_without_duplicates_or_loss() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 20);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let mut f = Follower::new(o.clone());
    f.until_live().await;
    // Namespaces, pods, policies, services and the ClusterNetworkPolicy CRD
    // (the v1alpha1 kinds are not installed in the fake: no watch).
    f.until("five watches open", |_, _| fake.watch_count() == 5)
        .await;

    // Changes made while no watch is connected are replayed on resume.
    fake.pause_watches();
    fake.drop_watches();
    fake.create_value(pod("team-a", "while-away", "web", "10.1.100.1"));
    fake.update_value(pod("team-a", "web-00001", "db", "10.1.0.2"));
    fake.delete(Kind::Pod, "team-b", "web-00002");
    fake.create_value(policy("team-b", "while-away", "web", "a"));
    fake.create_value(ns("team-d", &[]));
    fake.resume_watches();
    f.until("changes made while disconnected", |i, _| {
        has_pod(i, "team-a", "while-away")
            && !has_pod(i, "team-b", "web-00002")
            && i.namespace("team-d").is_some()
    })
    .await;

    // Drops racing with changes.
    for round in 0..5 {
        fake.drop_watches();
        fake.create_value(pod(
            "team-b",
            &format!("race-{round}"),
            "web",
            &format!("10.2.100.{}", round + 1),
        ));
        fake.bookmark();
    }
    f.until_fresh(&o).await;
    assert_eq!(
        f.count("ReplacePods"),
        1,
        "resumed from the resourceVersion: no relist"
    );
    assert_eq!(
        fake.list_requests("/api/v1/pods"),
        1 + 1,
        "the watcher's list and the fresh list only"
    );
    f.until("health counts the pods", |i, h| {
        h.is_some_and(|h| h.pods.objects == i.pod_count())
    })
    .await;
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_410_relists_and_drops_stale_objects() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 5);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let mut f = Follower::new(o.clone());
    f.until_live().await;
    assert!(has_pod(&f.index, "team-a", "web-00003"));

    fake.pause_watches();
    fake.drop_watches();
    fake.delete(Kind::Pod, "team-a", "web-00003");
    fake.delete(Kind::NetworkPolicy, "team-a", "allow-b");
    fake.delete(Kind::Namespace, "", "team-b");
    fake.create_value(pod("team-a", "after-compaction", "web", "10.1.50.1"));
    fake.compact(); // the watcher's resourceVersion is now too old
    fake.resume_watches();

    f.until("relisted", |i, _| {
        !has_pod(i, "team-a", "web-00003")
            && has_pod(i, "team-a", "after-compaction")
            && i.policy(&PolicyKey::new("team-a", "allow-b")).is_none()
            && i.namespace("team-b").is_none()
    })
    .await;
    assert_eq!(
        f.count("ReplacePods"),
        2,
        "one Replace for the first list, one for the relist"
    );
    assert_eq!(
        f.count("DeletePod"),
        0,
        "stale objects vanish through the Replace"
    );
    // Every kind was relisted after its 410: the deletions are only visible through a list.
    for path in [
        "/api/v1/pods",
        "/api/v1/namespaces",
        "/apis/networking.k8s.io/v1/networkpolicies",
    ] {
        assert!(fake.list_requests(path) >= 2, "{path} was relisted");
    }
    f.until_live().await;
    f.until_fresh(&o).await;
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_goes_stale_then_recovers() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 5);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let mut f = Follower::new(o.clone());
    f.until_live().await;

    fake.stop();
    f.until("stale health naming the server", |_, h| {
        h.is_some_and(|h| {
            matches!(&h.pods.state, SyncState::Stale { error, .. } if error.contains(&fake.url()) && error.contains(CONTEXT))
        })
    })
    .await;
    fake.create_value(pod("team-b", "during-outage", "web", "10.2.77.1"));
    fake.delete(Kind::Pod, "team-a", "web-00001");
    fake.restart().await;
    f.until("recovered", |i, h| {
        has_pod(i, "team-b", "during-outage")
            && !has_pod(i, "team-a", "web-00001")
            && h.is_some_and(Health::is_live)
    })
    .await;
    f.until_live().await;
    f.until_fresh(&o).await;
    assert_eq!(f.count("ReplacePods"), 1, "resumed, not relisted");

    // An outage with no change at all: the watcher resumes silently, and
    // health still comes back to live.
    fake.stop();
    f.until("stale again", |_, h| {
        h.is_some_and(|h| matches!(h.pods.state, SyncState::Stale { .. }))
    })
    .await;
    fake.restart().await;
    f.until_live().await;
    fake.create_value(pod("team-b", "after-second-outage", "web", "10.2.77.2"));
    f.until("events flow again", |i, _| {
        has_pod(i, "team-b", "after-second-outage")
    })
    .await;
    assert_eq!(f.count("ReplacePods"), 1, "resumed, not relisted");
    fake.assert_only_gets();
}

fn service(namespace: &str, name: &str, app: &str, target: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": target}]}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_are_listed_watched_and_optional() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 3);
    fake.create_value(service("team-a", "web", "web", json!("http")));
    fake.create_value(service("team-a", "broken", "web", json!("Not_A_Name")));
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    let state = live::list_once(&o).await.expect("list_once");
    let names: Vec<&str> = state
        .snapshot
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["web"], "the invalid Service is skipped");
    assert!(
        state.notes.iter().any(|n| n.contains("team-a/broken")),
        "{:?}",
        state.notes
    );

    let key = ServiceKey::new("team-a", "api");
    let mut f = Follower::new(o.clone());
    f.until_live().await;
    fake.create_value(service("team-a", "api", "api", json!(8080)));
    f.until("service added", |i, _| i.service(&key).is_some())
        .await;
    fake.update_value(service("team-a", "api", "db", json!(8080)));
    f.until("service changed", |i, _| {
        i.service(&key)
            .and_then(|s| s.selector.as_ref())
            .is_some_and(|sel| sel.get("app").is_some_and(|v| v == "db"))
    })
    .await;
    fake.delete(Kind::Service, "team-a", "api");
    f.until("service deleted", |i, _| i.service(&key).is_none())
        .await;
    f.until_fresh(&o).await;

    // An older RBAC role without services: everything else still loads.
    fake.forbid(Kind::Service, Scope::Cluster);
    let state = live::list_once(&o).await.expect("services are optional");
    assert!(state.snapshot.services.is_empty());
    assert!(!state.snapshot.pods.is_empty());
    assert!(matches!(
        state.health.services.state,
        SyncState::Forbidden { .. }
    ));
    fake.assert_only_gets();
}
