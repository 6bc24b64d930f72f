//! A fake Kubernetes API server for tests and benchmarks: plain HTTP on
//! 127.0.0.1 (ephemeral port), speaking the real protocol for namespaces,
//! pods and NetworkPolicies.
//!
//! - Lists with `resourceVersion`, `limit` and `continue` (consistent pages
//!   at the list's resourceVersion; 410 Expired once it is compacted).
//! - `?watch=true` chunked streams of ADDED/MODIFIED/DELETED/BOOKMARK
//!   events, replayed from a given `resourceVersion`; an ERROR event with a
//!   410 Status when that version is compacted; `timeoutSeconds` honoured.
//! - Discovery (`/api`, `/apis`, `/api/v1`, `/apis/networking.k8s.io/v1`,
//!   `/version`) and server-side `Table`s, enough for kubectl.
//! - 403 Status bodies for configured (kind, scope) pairs.
//! - Control hooks: create/update/delete (bumping one global
//!   resourceVersion), drop or pause watch streams, compact history,
//!   send bookmarks, stop/restart on the same port.
//! - Every request is recorded (method, path, query).
//!
//! Use it with `mod fake_apiserver;` from a test or bench file.

#![allow(dead_code)]

mod blackhole;
mod collections;
mod server;
mod store;

// Not every test or bench that includes the fake uses it.
#[allow(unused_imports)]
pub use blackhole::BlackHole;
use server::{accept_loop, parse_query};
use store::line;

use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

type Body = BoxBody<Bytes, Infallible>;

/// The kinds the fake serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Namespace,
    Pod,
    NetworkPolicy,
    Service,
    /// A CRD (policy.networking.k8s.io/v1alpha2); the v1alpha1 kinds are
    /// not installed here.
    ClusterNetworkPolicy,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::NetworkPolicy,
        Kind::Service,
        Kind::ClusterNetworkPolicy,
    ];

    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::NetworkPolicy => "networkpolicies",
            Kind::Service => "services",
            Kind::ClusterNetworkPolicy => "clusternetworkpolicies",
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::Service => "Service",
            Kind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
        }
    }
    pub fn group(self) -> &'static str {
        match self {
            Kind::NetworkPolicy => "networking.k8s.io",
            Kind::ClusterNetworkPolicy => "policy.networking.k8s.io",
            _ => "",
        }
    }
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::NetworkPolicy => "networking.k8s.io/v1",
            Kind::ClusterNetworkPolicy => "policy.networking.k8s.io/v1alpha2",
            _ => "v1",
        }
    }
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Namespace | Kind::ClusterNetworkPolicy)
    }
    pub fn from_kind(kind: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.kind() == kind)
    }
    fn from_path(group: &str, resource: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.group() == group && k.resource() == resource)
    }
}

/// Where a list or watch looks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// All namespaces (`/api/v1/pods`), or cluster-scoped kinds.
    Cluster,
    /// One namespace (`/api/v1/namespaces/NS/pods`).
    Namespace(String),
    /// Everywhere.
    Any,
}

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
}

impl Recorded {
    pub fn is_watch(&self) -> bool {
        let q = parse_query(&self.query);
        matches!(q.get("watch").map(String::as_str), Some("true" | "1"))
    }
}

struct Version {
    rv: u64,
    /// None: deleted at `rv`.
    obj: Option<Arc<Value>>,
    /// `obj` serialised once when stored: a list page only concatenates,
    /// so that the benches measure the client, not the fake (issue #14).
    json: Bytes,
}

struct LogEntry {
    rv: u64,
    kind: Kind,
    namespace: String,
    etype: &'static str,
    obj: Arc<Value>,
}

struct Subscriber {
    kind: Kind,
    namespace: Option<String>,
    bookmarks: bool,
    tx: mpsc::UnboundedSender<Bytes>,
}

type Key = (Kind, String, String);

#[derive(Default)]
struct Inner {
    rv: u64,
    store: BTreeMap<Key, Vec<Version>>,
    log: Vec<LogEntry>,
    /// Versions up to this one are forgotten (etcd compaction).
    compacted: u64,
    forbidden: HashSet<(Kind, Scope)>,
    /// CRD kinds whose CRD is not installed: every request answers 404.
    uninstalled: HashSet<Kind>,
    requests: Vec<Recorded>,
    subscribers: Vec<Subscriber>,
    conns: Vec<JoinHandle<()>>,
    uid: u64,
    /// Answer every request with 401 (expired credentials).
    unauthorized: bool,
}

struct Shared {
    inner: Mutex<Inner>,
    paused: watch::Sender<bool>,
    addr: SocketAddr,
}

/// The fake server. Dropping it stops it.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    accept: Mutex<Option<JoinHandle<()>>>,
    dir: PathBuf,
}

static SERVER_SEQ: AtomicUsize = AtomicUsize::new(0);

impl FakeApiServer {
    /// Starts on 127.0.0.1 with an ephemeral port.
    pub async fn start() -> FakeApiServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let (paused, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner::default()),
            paused,
            addr,
        });
        let seq = SERVER_SEQ.fetch_add(1, Ordering::Relaxed);
        let base = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("fake-apiserver-{}-{seq}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let accept = tokio::spawn(accept_loop(listener, shared.clone()));
        FakeApiServer {
            shared,
            accept: Mutex::new(Some(accept)),
            dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// A scratch directory of this server (kubeconfig, kubectl cache).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a kubeconfig with one context, `context`, pointing here, and
    /// returns its path.
    pub fn write_kubeconfig(&self, context: &str) -> PathBuf {
        kubeconfig_for(&self.dir, &self.url(), context)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().unwrap()
    }

    // ---- objects ---------------------------------------------------------

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// Creates an object (panics if it exists). Returns its resourceVersion.
    pub fn create<K: k8s_openapi::Resource + serde::Serialize>(&self, obj: &K) -> u64 {
        self.create_value(serde_json::to_value(obj).unwrap())
    }

    /// Replaces an existing object (panics if absent).
    pub fn update<K: k8s_openapi::Resource + serde::Serialize>(&self, obj: &K) -> u64 {
        self.update_value(serde_json::to_value(obj).unwrap())
    }

    /// Creates or replaces.
    pub fn apply<K: k8s_openapi::Resource + serde::Serialize>(&self, obj: &K) -> u64 {
        self.put(serde_json::to_value(obj).unwrap(), None)
    }

    /// Creates an object given as JSON (with `kind`): for objects the real
    /// API server would refuse, or bulk loads.
    pub fn create_value(&self, obj: Value) -> u64 {
        self.put(obj, Some(false))
    }

    pub fn update_value(&self, obj: Value) -> u64 {
        self.put(obj, Some(true))
    }

    /// Creates many objects at once (one lock), for large clusters.
    pub fn create_many(&self, objs: impl IntoIterator<Item = Value>) -> u64 {
        let mut inner = self.lock();
        for o in objs {
            inner.put(o, Some(false));
        }
        inner.rv
    }

    fn put(&self, obj: Value, exists: Option<bool>) -> u64 {
        self.lock().put(obj, exists)
    }

    /// Deletes an object (panics if absent). `namespace` is ignored for
    /// namespaces.
    pub fn delete(&self, kind: Kind, namespace: &str, name: &str) -> u64 {
        self.lock().delete(kind, namespace, name)
    }

    /// The current object, as JSON.
    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<Value> {
        let inner = self.lock();
        let ns = if kind.namespaced() { namespace } else { "" };
        inner
            .current(&(kind, ns.to_string(), name.to_string()))
            .map(|v| (*v).clone())
    }

    /// Number of live objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        let inner = self.lock();
        inner
            .store
            .iter()
            .filter(|(k, v)| k.0 == kind && v.last().is_some_and(|v| v.obj.is_some()))
            .count()
    }

    // ---- faults and control ------------------------------------------------

    /// Answers list and watch of `kind` in `scope` with 403.
    /// Removes (or puts back) the CRD of a kind: its URLs answer 404.
    pub fn set_installed(&self, kind: Kind, on: bool) {
        let mut inner = self.lock();
        if on {
            inner.uninstalled.remove(&kind);
        } else {
            inner.uninstalled.insert(kind);
        }
    }

    pub fn forbid(&self, kind: Kind, scope: Scope) {
        self.lock().forbidden.insert((kind, scope));
    }

    pub fn allow(&self, kind: Kind, scope: Scope) {
        self.lock().forbidden.remove(&(kind, scope));
    }

    /// Answers every request with 401 Unauthorized (as for an expired token).
    pub fn set_unauthorized(&self, on: bool) {
        self.lock().unauthorized = on;
    }

    /// Forgets history: watches or continued lists from an older
    /// resourceVersion get 410 Gone. Open watches keep going.
    pub fn compact(&self) {
        let mut inner = self.lock();
        let rv = inner.rv;
        inner.compacted = rv;
        inner.log.clear();
        inner.store.retain(|_, versions| {
            let last = versions.pop().unwrap();
            versions.clear();
            if last.obj.is_some() {
                versions.push(last);
                true
            } else {
                false
            }
        });
    }

    /// Ends every open watch stream (cleanly, as the server does on timeout).
    pub fn drop_watches(&self) {
        self.lock().subscribers.clear();
    }

    /// New watch requests wait (connected, no answer) until
    /// [`Self::resume_watches`].
    pub fn pause_watches(&self) {
        self.shared.paused.send_replace(true);
    }

    pub fn resume_watches(&self) {
        self.shared.paused.send_replace(false);
    }

    /// Sends a BOOKMARK with the current resourceVersion to every watch that
    /// asked for bookmarks.
    pub fn bookmark(&self) {
        let mut inner = self.lock();
        let rv = inner.rv;
        inner.subscribers.retain(|s| {
            if !s.bookmarks {
                return !s.tx.is_closed();
            }
            let ev = json!({"type": "BOOKMARK", "object": {
                "kind": s.kind.kind(), "apiVersion": s.kind.api_version(),
                "metadata": {"resourceVersion": rv.to_string()}}});
            s.tx.send(line(&ev)).is_ok()
        });
    }

    /// Open watch streams.
    pub fn watch_count(&self) -> usize {
        let mut inner = self.lock();
        inner.subscribers.retain(|s| !s.tx.is_closed());
        inner.subscribers.len()
    }

    /// Stops listening and cuts every connection (as a crashed server).
    pub fn stop(&self) {
        if let Some(a) = self.accept.lock().unwrap().take() {
            a.abort();
        }
        let mut inner = self.lock();
        inner.subscribers.clear();
        for c in inner.conns.drain(..) {
            c.abort();
        }
    }

    /// Listens again on the same port, with the same objects and history.
    pub async fn restart(&self) {
        self.stop();
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.shared.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("rebind {}: {e}", self.shared.addr),
            }
        };
        *self.accept.lock().unwrap() =
            Some(tokio::spawn(accept_loop(listener, self.shared.clone())));
    }

    // ---- what was asked ------------------------------------------------------

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Panics unless every request received was a GET.
    pub fn assert_only_gets(&self) {
        let reqs = self.requests();
        assert!(!reqs.is_empty(), "no request was received");
        let other: Vec<&Recorded> = reqs.iter().filter(|r| r.method != "GET").collect();
        assert!(other.is_empty(), "requests other than GET: {other:?}");
    }

    /// List (not watch) requests for a path.
    pub fn list_requests(&self, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path == path && !r.is_watch())
            .count()
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes a kubeconfig for `server` with one context named `context`.
pub fn kubeconfig_for(dir: &Path, server: &str, context: &str) -> PathBuf {
    let path = dir.join(format!("kubeconfig-{context}"));
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake-cluster\n  cluster:\n    server: {server}\n\
         contexts:\n- name: {context}\n  context:\n    cluster: fake-cluster\n    user: fake-user\n    namespace: default\n\
         current-context: {context}\nusers:\n- name: fake-user\n  user:\n    token: fake-token\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}
