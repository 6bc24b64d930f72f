//! The live source against a fake API server speaking the real protocol:
//! initial sync, watch events, dropped streams, 410 Gone, restarts, RBAC
//! fallbacks, unreachable servers, read-only access, and kubectl itself
//! against the fake (to check that the fake is faithful).

mod common;
mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_apiserver::{BlackHole, FakeApiServer, Kind, Scope, kubeconfig_for};
use futures::StreamExt;
use futures::stream::BoxStream;
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Event, PodKey, PolicyKey, Snapshot};
use netpol_tui::source::live::{
    self, Health, LiveError, LiveOptions, LiveUpdate, ResourceKind, SyncState,
};
use serde_json::{Value, json};

const CONTEXT: &str = "fake-ctx";
const WAIT: Duration = Duration::from_secs(20);

// ---- cluster objects ----------------------------------------------------------

fn ns(name: &str, labels: &[(&str, &str)]) -> Value {
    let labels: serde_json::Map<String, Value> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn pod(namespace: &str, name: &str, app: &str, ip: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": {"app": app},
                        "managedFields": [{"manager": "kubelet", "operation": "Update"}],
                        "annotations": {"big": "x".repeat(200)}},
           "spec": {"containers": [{"name": "main", "image": "nginx",
                                    "ports": [{"name": "http", "containerPort": 8080}]}]},
           "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}})
}

fn daemon_pod(namespace: &str, name: &str, ds: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": labels,
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": ds,
                                             "uid": "1", "controller": true}]},
           "spec": {"hostNetwork": true, "containers": [{"name": "agent", "image": "agent"}]},
           "status": {"phase": "Running", "podIP": "172.18.0.2"}})
}

fn policy(namespace: &str, name: &str, app: &str, from_team: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"podSelector": {"matchLabels": {"app": app}},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": from_team}}}],
                                 "ports": [{"port": "http"}]}]}})
}

/// A policy the API server would refuse: port 0.
fn invalid_policy(namespace: &str, name: &str) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 0}]}]}})
}

/// Namespaces team-a, team-b, kube-system; `pods_per_ns` pods in each team
/// namespace; a finished pod; a CNI agent; two valid policies and an invalid one.
fn populate(fake: &FakeApiServer, pods_per_ns: usize) {
    fake.create_value(ns("team-a", &[("team", "a")]));
    fake.create_value(ns("team-b", &[("team", "b")]));
    fake.create_value(ns("kube-system", &[]));
    let mut objs = Vec::new();
    for (t, team) in ["team-a", "team-b"].iter().enumerate() {
        for i in 0..pods_per_ns {
            let ip = format!("10.{}.{}.{}", t + 1, i / 250, i % 250 + 1);
            objs.push(pod(
                team,
                &format!("web-{i:05}"),
                if i.is_multiple_of(2) { "web" } else { "api" },
                &ip,
            ));
        }
    }
    fake.create_many(objs);
    let mut done = pod("team-a", "job-done", "job", "10.9.9.9");
    done["status"]["phase"] = json!("Succeeded");
    fake.create_value(done);
    fake.create_value(daemon_pod(
        "kube-system",
        "cilium-x7k2p",
        "cilium",
        json!({"k8s-app": "cilium"}),
    ));
    fake.create_value(policy("team-a", "allow-b", "web", "b"));
    fake.create_value(policy("team-b", "allow-a", "api", "a"));
    fake.create_value(invalid_policy("team-b", "broken"));
}

fn opts(kubeconfig: &Path) -> LiveOptions {
    LiveOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        request_timeout: Some(Duration::from_secs(5)),
        ..LiveOptions::default()
    }
}

fn assert_same(got: &Snapshot, want: &Snapshot) {
    assert_eq!(got.namespaces, want.namespaces, "namespaces differ");
    assert_eq!(got.pods.len(), want.pods.len(), "pod count differs");
    assert_eq!(got.pods, want.pods, "pods differ");
    assert_eq!(got.policies, want.policies, "policies differ");
}

fn same(a: &Snapshot, b: &Snapshot) -> bool {
    a.namespaces == b.namespaces && a.pods == b.pods && a.policies == b.policies
}

// ---- following a watch ----------------------------------------------------------------

struct Follower {
    stream: BoxStream<'static, LiveUpdate>,
    index: Index,
    health: Option<Health>,
    /// Every event, by variant name.
    log: Vec<&'static str>,
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::UpsertNamespace(_) => "UpsertNamespace",
        Event::DeleteNamespace(_) => "DeleteNamespace",
        Event::UpsertPod(_) => "UpsertPod",
        Event::DeletePod(_) => "DeletePod",
        Event::UpsertPolicy(_) => "UpsertPolicy",
        Event::DeletePolicy(_) => "DeletePolicy",
        Event::ReplaceNamespaces(_) => "ReplaceNamespaces",
        Event::ReplacePods { .. } => "ReplacePods",
        Event::ReplacePolicies { .. } => "ReplacePolicies",
        Event::Replace(_) => "Replace",
        Event::UpsertClusterPolicy(_) => "UpsertClusterPolicy",
        Event::DeleteClusterPolicy(_) => "DeleteClusterPolicy",
        Event::ReplaceClusterPolicies { .. } => "ReplaceClusterPolicies",
    }
}

impl Follower {
    fn new(opts: LiveOptions) -> Self {
        Follower {
            stream: live::watch(opts).boxed(),
            index: Index::new(),
            health: None,
            log: Vec::new(),
        }
    }

    fn count(&self, name: &str) -> usize {
        self.log.iter().filter(|n| **n == name).count()
    }

    /// Applies updates until `pred` holds (checked before each update).
    async fn until(&mut self, what: &str, pred: impl Fn(&Index, Option<&Health>) -> bool) {
        let run = async {
            loop {
                if pred(&self.index, self.health.as_ref()) {
                    return;
                }
                // Re-check now and then: some conditions are outside the stream.
                let next = tokio::select! {
                    u = self.stream.next() => u,
                    _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                };
                match next {
                    Some(LiveUpdate::Event(e)) => {
                        self.log.push(event_name(&e));
                        self.index.apply(e);
                    }
                    Some(LiveUpdate::Health(h)) => self.health = Some(*h),
                    Some(LiveUpdate::Failed(e)) => panic!("live source failed: {e}"),
                    None => panic!("live stream ended"),
                }
            }
        };
        if tokio::time::timeout(WAIT, run).await.is_err() {
            panic!(
                "timed out waiting for {what}; health: {:?}\n{:#?}",
                self.health.as_ref().map(Health::summary),
                self.health
            );
        }
    }

    async fn until_live(&mut self) {
        self.until("all kinds live", |_, h| h.is_some_and(Health::is_live))
            .await;
    }

    /// Until the index equals a fresh list of the cluster.
    async fn until_fresh(&mut self, o: &LiveOptions) {
        let fresh = live::list_once(o).await.expect("fresh list").snapshot;
        self.until("index equal to a fresh list", |idx, _| {
            same(&idx.snapshot(), &fresh)
        })
        .await;
        assert_same(&self.index.snapshot(), &fresh);
    }
}

fn has_pod(idx: &Index, ns: &str, name: &str) -> bool {
    idx.pod(&PodKey::new(ns, name)).is_some()
}

// ---- tests ----------------------------------------------------------------------------

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
    let mut kinds = f.log.clone();
    kinds.sort();
    assert_eq!(
        kinds,
        ["ReplaceNamespaces", "ReplacePods", "ReplacePolicies"]
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
    f.until("three watches open", |_, _| fake.watch_count() == 3)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_cluster_wide_falls_back_to_the_namespace_in_focus() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 4);
    fake.forbid(Kind::Pod, Scope::Cluster);
    fake.forbid(Kind::NetworkPolicy, Scope::Cluster);
    let kc = fake.write_kubeconfig(CONTEXT);

    // Without -n: a clear error with the RBAC fix.
    let err = live::list_once(&opts(&kc)).await.expect_err("forbidden");
    assert!(
        matches!(
            err,
            LiveError::Forbidden {
                resource: ResourceKind::Pods | ResourceKind::NetworkPolicies,
                verb: "list",
                namespace: None,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    for needle in [
        "forbidden",
        "list",
        CONTEXT,
        "assets/rbac.yaml",
        "-n NAMESPACE",
        "cluster scope",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }

    // With -n: that namespace only, and a note saying so.
    let mut o = opts(&kc);
    o.namespace = Some("team-a".into());
    let state = live::list_once(&o).await.expect("fallback");
    assert!(state.snapshot.pods.iter().all(|p| p.namespace == "team-a"));
    assert_eq!(state.snapshot.pods.len(), 4);
    assert_eq!(state.snapshot.policies.len(), 1);
    assert_eq!(
        state.snapshot.namespaces.len(),
        3,
        "namespaces are still listed cluster-wide"
    );
    assert_eq!(state.health.pods.scope.as_deref(), Some("team-a"));
    for kind in ["pods", "networkpolicies"] {
        assert!(
            state
                .notes
                .iter()
                .any(|n| n.contains(kind) && n.contains("namespace \"team-a\" only")),
            "{kind}: {:?}",
            state.notes
        );
    }
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.path == "/api/v1/namespaces/team-a/pods")
    );

    // Watching falls back the same way, and follows changes there.
    let mut f = Follower::new(o.clone());
    f.until_live().await;
    let h = f.health.clone().unwrap();
    assert_eq!(h.pods.scope.as_deref(), Some("team-a"));
    assert!(
        h.notes()
            .iter()
            .any(|n| n.contains("namespace \"team-a\" only"))
    );
    assert!(
        f.index
            .snapshot()
            .pods
            .iter()
            .all(|p| p.namespace == "team-a")
    );
    fake.create_value(pod("team-a", "later", "web", "10.1.90.1"));
    f.until("namespaced watch event", |i, _| {
        has_pod(i, "team-a", "later")
    })
    .await;
    assert_same(
        &f.index.snapshot(),
        &live::list_once(&o).await.unwrap().snapshot,
    );

    // Forbidden there too: the message names the namespace.
    fake.forbid(Kind::Pod, Scope::Namespace("team-b".into()));
    o.namespace = Some("team-b".into());
    let err = live::list_once(&o).await.expect_err("forbidden in team-b");
    assert!(err.to_string().contains("in namespace \"team-b\""), "{err}");
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_namespaces_leave_namespace_selectors_uncertain() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 2);
    fake.forbid(Kind::Namespace, Scope::Cluster);
    let mut o = opts(&fake.write_kubeconfig(CONTEXT));
    o.namespace = Some("team-a".into());

    let state = live::list_once(&o)
        .await
        .expect("goes on without namespaces");
    assert!(state.namespaces_uncertain());
    assert_eq!(state.snapshot.namespaces.len(), 1);
    assert_eq!(state.snapshot.namespaces[0].name, "team-a");
    assert_eq!(
        state.snapshot.namespaces[0]
            .labels
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("team-a")
    );
    assert!(
        state.notes.iter().any(|n| n.contains("uncertain")),
        "{:?}",
        state.notes
    );
    assert!(matches!(
        state.health.namespaces.state,
        SyncState::Forbidden { .. }
    ));
    assert_eq!(
        state.snapshot.pods.len(),
        5,
        "pods are still listed cluster-wide"
    );

    let mut f = Follower::new(o.clone());
    f.until("pods and policies live, namespaces uncertain", |_, h| {
        h.is_some_and(|h| {
            h.namespaces_uncertain
                && h.pods.state == SyncState::Live
                && h.policies.state == SyncState::Live
                && matches!(&h.namespaces.state, SyncState::Forbidden { message } if message.contains("namespaces"))
        })
    })
    .await;
    let names: Vec<String> = f.index.namespaces().map(|n| n.name.clone()).collect();
    assert_eq!(names, ["team-a"]);

    // Once allowed, the next retry lists them and the doubt goes away.
    fake.allow(Kind::Namespace, Scope::Cluster);
    f.until("namespaces listed after all", |i, h| {
        i.namespaces().count() == 3 && h.is_some_and(|h| !h.namespaces_uncertain && h.is_live())
    })
    .await;
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_fails_fast_naming_server_and_context() {
    // Nothing listens on this port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = scratch("unreachable");
    let url = format!("http://127.0.0.1:{port}");
    let kc = kubeconfig_for(&dir, &url, "prod-eu");
    let o = opts(&kc);
    let t0 = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), live::list_once(&o))
        .await
        .expect("bounded")
        .expect_err("unreachable");
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t0.elapsed()
    );
    assert!(matches!(err, LiveError::Unreachable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&url) && msg.contains("\"prod-eu\"") && msg.contains("connection refused"),
        "{msg}"
    );
    assert!(
        !msg.contains("HyperError") && !msg.contains("ServiceError") && !msg.contains('\n'),
        "{msg}"
    );

    // A server that accepts but never answers: the request timeout applies.
    let hole = BlackHole::start().await;
    let kc = kubeconfig_for(&dir, &hole.url(), "hung");
    let mut o = opts(&kc);
    o.request_timeout = Some(Duration::from_secs(1));
    let t0 = Instant::now();
    let err = tokio::time::timeout(Duration::from_secs(10), live::list_once(&o))
        .await
        .expect("bounded")
        .expect_err("timeout");
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "took {took:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&hole.url()) && msg.contains("no answer within 1s"),
        "{msg}"
    );

    // Watching it: stale once the request timeout passes without an answer.
    let mut f = Follower::new(o.clone());
    f.until("stale without an answer", |_, h| {
        h.is_some_and(|h| matches!(&h.pods.state, SyncState::Stale { error, .. } if error.contains("no answer") && error.contains("within 1s")))
    })
    .await;
    drop(f);

    // Watching an unreachable server: stale health with the same facts, no panic.
    let mut f = Follower::new(opts(&kubeconfig_for(&dir, &url, "prod-eu")));
    f.until("stale", |_, h| {
        h.is_some_and(|h| matches!(&h.pods.state, SyncState::Stale { error, .. } if error.contains(&url) && error.contains("prod-eu")))
    })
    .await;

    // A context that does not exist: a config error listing the real ones.
    let mut o = opts(&kc);
    o.context = Some("nope".into());
    let err = live::list_once(&o).await.expect_err("no such context");
    assert!(matches!(err, LiveError::Config { .. }));
    assert!(
        err.to_string().contains("\"nope\"") && err.to_string().contains("hung"),
        "{err}"
    );
    let mut updates = live::watch(o).boxed();
    assert!(matches!(
        updates.next().await,
        Some(LiveUpdate::Failed(LiveError::Config { .. }))
    ));
    assert!(updates.next().await.is_none());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_say_so() {
    let fake = FakeApiServer::start().await;
    fake.set_unauthorized(true);
    let err = live::list_once(&opts(&fake.write_kubeconfig(CONTEXT)))
        .await
        .expect_err("401");
    assert!(matches!(err, LiveError::Unauthorized { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("401") && msg.contains(CONTEXT) && msg.contains(&fake.url()),
        "{msg}"
    );
    fake.assert_only_gets();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_get_requests_are_ever_sent() {
    let fake = FakeApiServer::start().await;
    populate(&fake, 3);
    let o = opts(&fake.write_kubeconfig(CONTEXT));
    live::list_once(&o).await.unwrap();
    let mut f = Follower::new(o);
    f.until_live().await;
    fake.create_value(pod("team-a", "x", "web", "10.1.1.99"));
    f.until("event", |i, _| has_pod(i, "team-a", "x")).await;
    let reqs = fake.requests();
    assert!(reqs.iter().any(|r| r.is_watch()));
    assert!(reqs.iter().all(|r| r.method == "GET"), "{reqs:?}");
    // Every request is a list or watch of the three kinds (or /version).
    let allowed = [
        "/api/v1/namespaces",
        "/api/v1/pods",
        "/apis/networking.k8s.io/v1/networkpolicies",
        "/version",
    ];
    assert!(
        reqs.iter().all(|r| allowed.contains(&r.path.as_str())),
        "{reqs:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_works_against_the_fake() {
    let kubectl = PathBuf::from("/usr/bin/kubectl");
    if !kubectl.exists() {
        common::ci::skip("note: /usr/bin/kubectl not found; skipping the fake's fidelity check");
        return;
    }
    let fake = FakeApiServer::start().await;
    populate(&fake, 2);
    let kc = fake.write_kubeconfig(CONTEXT);
    let cache = fake.dir().join("kubectl-cache");
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&kubectl);
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--cache-dir")
            .arg(&cache)
            .arg("--request-timeout=10s")
            .env_remove("KUBECONFIG");
        cmd
    };
    let get = |args: &'static [&'static str]| {
        let mut cmd = run(args);
        async move {
            let out = tokio::time::timeout(
                Duration::from_secs(30),
                tokio::task::spawn_blocking(move || cmd.output()),
            )
            .await
            .expect("kubectl finished in time")
            .unwrap()
            .expect("kubectl ran");
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(
                out.status.success(),
                "kubectl {args:?} failed:\n{stdout}\n{stderr}"
            );
            stdout
        }
    };
    let pods = get(&["get", "pods", "-A"]).await;
    assert!(
        pods.lines().next().unwrap().starts_with("NAMESPACE"),
        "{pods}"
    );
    assert!(
        pods.contains("team-a") && pods.contains("web-00001") && pods.contains("Running"),
        "{pods}"
    );
    assert!(pods.contains("cilium-x7k2p"), "{pods}");
    let netpols = get(&["get", "netpol", "-A"]).await;
    assert!(
        netpols.contains("allow-b") && netpols.contains("app=web"),
        "{netpols}"
    );
    let nss = get(&["get", "ns", "-o", "name"]).await;
    assert_eq!(nss.lines().count(), 3, "{nss}");
    let one = get(&[
        "get",
        "pod",
        "web-00000",
        "-n",
        "team-b",
        "-o",
        "jsonpath={.status.podIP}",
    ])
    .await;
    assert_eq!(one, "10.2.0.1");
    fake.assert_only_gets();
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("live-source-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
