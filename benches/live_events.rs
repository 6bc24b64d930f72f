//! Live source benchmarks, against the fake API server of the tests.
//!
//! - `watch_event_to_index/e2e/N`: a pod changes on the (fake) API server;
//!   time until the change is applied to a synced index of N pods: watch
//!   stream over HTTP, decoding, conversion, translation, `Index::apply`.
//! - `watch_event_to_index/pipeline/N`: the in-process part alone: one watch
//!   event line decoded, converted, translated and applied.
//! - Time and memory of the initial sync of a 50k-pod cluster (RSS from
//!   /proc/self/statm, and the peak during the sync from VmHWM), printed
//!   before the timings. `LIVE_SYNC_PODS=150000 LIVE_SYNC_POLICIES=20000
//!   LIVE_SYNC_ONLY=1` syncs the issue #14 size and stops there. The CPU
//!   time of the live source (the bench thread, which polls it) is printed
//!   apart from the whole process's: the fake server answers on the worker
//!   threads (from objects serialised once when stored, as etcd holds them).
//!
//! Median and p99 of the per-event latency are printed after each run, as
//! criterion reports means and medians of batches only.
//!
//! `cargo bench --bench live_events` (a few minutes).

#[path = "../tests/fake_apiserver/mod.rs"]
mod fake_apiserver;

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use fake_apiserver::FakeApiServer;
use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::WatchEvent;
use kube::runtime::watcher;
use netpol_tui::engine::index::Index;
use netpol_tui::engine::model::Event;
use netpol_tui::source::live::{self, LiveOptions, LivePod, LiveUpdate, Translator};
use serde_json::{Value, json};

const PODS_PER_NAMESPACE: usize = 100;

fn namespace(i: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": format!("ns-{i:04}"),
                        "labels": {"team": format!("team-{}", i % 20), "env": if i.is_multiple_of(3) { "prod" } else { "dev" }}}})
}

/// A pod of realistic size (~2.5 KB of JSON): labels, owner, two
/// containers with ports, status, and the fields the tool drops
/// (managedFields, annotations, most of the spec).
fn pod(ns: usize, i: usize, rev: usize) -> Value {
    let app = format!("app-{}", i % 7);
    let ip = format!("10.{}.{}.{}", ns / 250, ns % 250, i % 250 + 1);
    json!({"apiVersion": "v1", "kind": "Pod",
      "metadata": {
        "name": format!("{app}-7d9f8c6b5-{i:05}"), "namespace": format!("ns-{ns:04}"),
        "labels": {"app": app, "pod-template-hash": "7d9f8c6b5", "tier": if i.is_multiple_of(2) { "web" } else { "backend" },
                   "rev": (rev % 2).to_string()},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z",
                        "prometheus.io/scrape": "true", "prometheus.io/port": "9090"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{app}-7d9f8c6b5"),
                             "uid": "6a1e2f3c-0000-4000-8000-000000000001", "controller": true, "blockOwnerDeletion": true}],
        "managedFields": [{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                           "time": "2025-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}},
                                        "f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:image": {}}}}}},
                          {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "subresource": "status",
                           "time": "2025-01-01T00:00:05Z", "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:status": {"f:conditions": {}, "f:podIP": {}, "f:podIPs": {}, "f:phase": {}}}}]
      },
      "spec": {
        "containers": [
          {"name": "main", "image": "registry.example.com/app:1.2.3", "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
           "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
           "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}],
           "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
           "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]},
          {"name": "sidecar", "image": "registry.example.com/proxy:2.0", "ports": [{"name": "proxy", "containerPort": 15001}]}
        ],
        "nodeName": format!("node-{}", i % 50), "serviceAccountName": "default", "restartPolicy": "Always",
        "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}}]}}]
      },
      "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "172.18.0.3",
                 "startTime": "2025-01-01T00:00:01Z", "qosClass": "Burstable",
                 "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:09Z"}],
                 "containerStatuses": [{"name": "main", "ready": true, "restartCount": 0, "image": "registry.example.com/app:1.2.3",
                                        "imageID": "sha256:0123456789abcdef", "containerID": "containerd://0123456789abcdef",
                                        "started": true, "state": {"running": {"startedAt": "2025-01-01T00:00:03Z"}}}]}})
}

fn policies(ns: usize) -> [Value; 2] {
    let name = format!("ns-{ns:04}");
    [
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "default-deny", "namespace": name},
               "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": "allow-web", "namespace": name},
               "spec": {"podSelector": {"matchLabels": {"tier": "web"}},
                        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": format!("team-{}", ns % 20)}}},
                                              {"ipBlock": {"cidr": "192.168.0.0/16", "except": ["192.168.1.0/24"]}}],
                                     "ports": [{"port": "http"}]}],
                        "egress": [{"to": [{"podSelector": {}}]}, {"ports": [{"port": 53, "protocol": "UDP"}]}]}}),
    ]
}

fn populate(fake: &FakeApiServer, pods: usize) {
    let namespaces = pods.div_ceil(PODS_PER_NAMESPACE);
    fake.create_many((0..namespaces).map(namespace));
    fake.create_many((0..pods).map(|p| pod(p / PODS_PER_NAMESPACE, p % PODS_PER_NAMESPACE, 0)));
    fake.create_many((0..namespaces).flat_map(policies));
}

/// `n` more policies, spread over the namespaces of a cluster of `pods`
/// (an allow per app from the team's namespaces).
fn more_policies(fake: &FakeApiServer, pods: usize, n: usize) {
    let namespaces = pods.div_ceil(PODS_PER_NAMESPACE);
    fake.create_many((0..n).map(|k| {
        let ns = k % namespaces;
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": format!("allow-app-{k}"), "namespace": format!("ns-{ns:04}")},
               "spec": {"podSelector": {"matchLabels": {"app": format!("app-{}", k % 7)}},
                        "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": format!("team-{}", k % 20)}},
                                               "podSelector": {"matchLabels": {"tier": "web"}}}],
                                     "ports": [{"port": 8080 + (k % 3) as u16}]}]}})
    }));
}

fn options(kubeconfig: &Path) -> LiveOptions {
    LiveOptions {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        request_timeout: Some(Duration::from_secs(60)),
        ..LiveOptions::default()
    }
}

/// A watch stream applied to an index.
struct Synced {
    stream: BoxStream<'static, LiveUpdate>,
    index: Index,
}

impl Synced {
    async fn new(opts: LiveOptions) -> Synced {
        let mut s = Synced {
            stream: live::watch(opts).boxed(),
            index: Index::new(),
        };
        loop {
            match s.stream.next().await.expect("stream") {
                LiveUpdate::Event(e) => s.index.apply(e),
                LiveUpdate::Health(h) if h.is_live() => break,
                LiveUpdate::Health(_) => {}
                LiveUpdate::Failed(e) => panic!("{e}"),
            }
        }
        s
    }

    /// Applies updates until the upsert of pod `name` has been applied.
    async fn until_pod(&mut self, name: &str) {
        loop {
            match self.stream.next().await.expect("stream") {
                LiveUpdate::Event(e) => {
                    let hit = matches!(&e, Event::UpsertPod(p) if p.name == name);
                    self.index.apply(e);
                    if hit {
                        return;
                    }
                }
                LiveUpdate::Health(_) => {}
                LiveUpdate::Failed(e) => panic!("{e}"),
            }
        }
    }
}

fn statm_rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU time of the calling thread (on-CPU time from schedstat).
fn thread_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = s.split_whitespace().next().and_then(|v| v.parse().ok());
    Duration::from_nanos(ns.unwrap_or(0))
}

/// User + system CPU time of the whole process (clock ticks of 10 ms).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = after_comm
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

/// CPU spent during `f`: (this thread, whole process). The live source runs
/// on the calling thread (the `block_on` future: HTTP bodies decoded,
/// converted, translated, applied); the fake server's connections run on
/// the worker threads, so the difference is mostly the fake server.
async fn cpu_of<T>(f: impl std::future::Future<Output = T>) -> (T, Duration, Duration) {
    let (t0, p0) = (thread_cpu(), process_cpu());
    let out = f.await;
    (out, thread_cpu() - t0, process_cpu() - p0)
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

/// A size from the environment (the issue #14 target is
/// `LIVE_SYNC_PODS=150000 LIVE_SYNC_POLICIES=20000`).
fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Memory and time of an initial sync (50k pods by default) through the
/// live source: paginated lists, watches, translation, index.
fn memory_report(rt: &tokio::runtime::Runtime) {
    let n_pods = env_size("LIVE_SYNC_PODS", 50_000);
    let n_policies = env_size("LIVE_SYNC_POLICIES", 0);
    rt.block_on(async {
        let fake = FakeApiServer::start().await;
        populate(&fake, n_pods);
        // Two per namespace already; the rest spread over the namespaces.
        let base_policies = 2 * n_pods.div_ceil(PODS_PER_NAMESPACE);
        more_policies(&fake, n_pods, n_policies.saturating_sub(base_policies));
        let opts = options(&fake.write_kubeconfig("bench"));
        let base = statm_rss();
        // Reset the peak so that VmHWM covers the sync only.
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let t0 = Instant::now();
        let (synced, sync_client, sync_all) = cpu_of(Synced::new(opts.clone())).await;
        let sync_time = t0.elapsed();
        let after = statm_rss();
        let peak = vm_hwm();
        let pods = synced.index.pod_count();
        let classes = synced.index.class_count();
        let t0 = Instant::now();
        let (state, list_client, list_all) = cpu_of(live::list_once(&opts)).await;
        let state = state.expect("list_once");
        let list_time = t0.elapsed();
        drop(state);
        println!("memory of a synced {n_pods}-pod cluster ({pods} pods, {classes} classes, {} namespaces, {} policies):", n_pods / PODS_PER_NAMESPACE, synced.index.policies().count());
        println!("  RSS growth after sync (index + live source): {}", mib(after.saturating_sub(base)));
        if reset {
            println!("  peak RSS growth during sync:                  {}", mib(peak.saturating_sub(base)));
        }
        println!("  per pod: {} bytes", after.saturating_sub(base) / n_pods as u64);
        println!("  watch sync time: {sync_time:.2?}; list_once time: {list_time:.2?}");
        println!("  CPU, live source (bench thread): watch sync {sync_client:.2?}; list_once {list_client:.2?}");
        println!("  CPU, whole process (with the fake server): watch sync {sync_all:.2?}; list_once {list_all:.2?}");
        drop(synced);
    });
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn report(name: &str, samples: &RefCell<Vec<Duration>>) {
    let mut s = samples.borrow_mut();
    s.sort();
    println!(
        "{name}: {} events, median {:.1?}, p99 {:.1?}, max {:.1?}",
        s.len(),
        percentile(&s, 0.5),
        percentile(&s, 0.99),
        s.last().copied().unwrap_or_default()
    );
    s.clear();
}

fn latency(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let mut group = c.benchmark_group("watch_event_to_index");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in [10_000usize, 50_000] {
        let (fake, mut synced) = rt.block_on(async {
            let fake = FakeApiServer::start().await;
            populate(&fake, n);
            let synced = Synced::new(options(&fake.write_kubeconfig("bench"))).await;
            (fake, synced)
        });
        let samples = RefCell::new(Vec::new());
        let mut rev = 0usize;
        group.bench_function(BenchmarkId::new("e2e", n), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        rev += 1;
                        let p = (rev * 7919) % n;
                        let obj = pod(p / PODS_PER_NAMESPACE, p % PODS_PER_NAMESPACE, rev);
                        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
                        let t0 = Instant::now();
                        fake.update_value(obj);
                        synced.until_pod(&name).await;
                        let d = t0.elapsed();
                        samples.borrow_mut().push(d);
                        total += d;
                    }
                    total
                })
            })
        });
        report(&format!("e2e/{n}"), &samples);

        // The same change, in process: decode, convert, translate, apply.
        let mut tr = Translator::<LivePod>::new(None);
        let lines: Vec<Vec<u8>> = (0..64)
            .map(|r| {
                let p = (r * 7919) % n;
                serde_json::to_vec(&json!({"type": "MODIFIED", "object": pod(p / PODS_PER_NAMESPACE, p % PODS_PER_NAMESPACE, r + 1)}))
                    .unwrap()
            })
            .collect();
        let mut next = 0usize;
        let mut out = Vec::with_capacity(1);
        group.bench_function(BenchmarkId::new("pipeline", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let line = &lines[next % lines.len()];
                    next += 1;
                    let t0 = Instant::now();
                    let ev: WatchEvent<LivePod> = serde_json::from_slice(line).unwrap();
                    let WatchEvent::Modified(obj) = ev else {
                        unreachable!()
                    };
                    tr.handle(watcher::Event::Apply(obj), &mut out);
                    for e in out.drain(..) {
                        synced.index.apply(e);
                    }
                    let d = t0.elapsed();
                    samples.borrow_mut().push(d);
                    total += d;
                }
                total
            })
        });
        report(&format!("pipeline/{n}"), &samples);
        rt.block_on(async move {
            drop(synced);
            drop(fake);
        });
    }
    group.finish();
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    memory_report(&rt);
    if std::env::var_os("LIVE_SYNC_ONLY").is_some() {
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    latency(&mut c, &rt);
    c.final_summary();
}
