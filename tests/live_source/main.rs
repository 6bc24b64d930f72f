//! The live source against a fake API server speaking the real protocol:
//! initial sync, watch events, dropped streams, 410 Gone, restarts, RBAC
//! fallbacks, unreachable servers, read-only access, and kubectl itself
//! against the fake (to check that the fake is faithful).

#[path = "../common/mod.rs"]
mod common;
#[path = "../fake_apiserver/mod.rs"]
mod fake_apiserver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_apiserver::{BlackHole, FakeApiServer, Kind, Scope, kubeconfig_for};
use futures::StreamExt;
use futures::stream::BoxStream;
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::{Event, PodKey, PolicyKey, ServiceKey, Snapshot};
use netpol_tui::source::live::{
    self, Health, LiveError, LiveOptions, LiveUpdate, ResourceKind, SyncState,
};
use serde_json::{Value, json};

mod access;
mod scaling;
mod sync_and_watch;
mod tiers;

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
    assert_eq!(got.services, want.services, "services differ");
}

fn same(a: &Snapshot, b: &Snapshot) -> bool {
    a.namespaces == b.namespaces
        && a.pods == b.pods
        && a.policies == b.policies
        && a.services == b.services
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
        Event::UpsertService(_) => "UpsertService",
        Event::DeleteService(_) => "DeleteService",
        Event::ReplaceServices { .. } => "ReplaceServices",
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

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("live-source-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
