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
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::NetworkPolicy,
        Kind::Service,
    ];

    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Pod => "pods",
            Kind::NetworkPolicy => "networkpolicies",
            Kind::Service => "services",
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Pod => "Pod",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::Service => "Service",
        }
    }
    pub fn group(self) -> &'static str {
        match self {
            Kind::NetworkPolicy => "networking.k8s.io",
            _ => "",
        }
    }
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::NetworkPolicy => "networking.k8s.io/v1",
            _ => "v1",
        }
    }
    pub fn namespaced(self) -> bool {
        self != Kind::Namespace
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

impl Inner {
    fn current(&self, key: &Key) -> Option<Arc<Value>> {
        self.store
            .get(key)
            .and_then(|v| v.last())
            .and_then(|v| v.obj.clone())
    }

    fn at(&self, key: &Key, rv: u64) -> Option<Arc<Value>> {
        self.store
            .get(key)?
            .iter()
            .rev()
            .find(|v| v.rv <= rv)
            .and_then(|v| v.obj.clone())
    }

    fn put(&mut self, mut obj: Value, exists: Option<bool>) -> u64 {
        let kind_name = obj["kind"]
            .as_str()
            .expect("object without kind")
            .to_string();
        let kind = Kind::from_kind(&kind_name)
            .unwrap_or_else(|| panic!("the fake does not serve {kind_name}"));
        obj["apiVersion"] = json!(kind.api_version());
        let name = obj["metadata"]["name"]
            .as_str()
            .expect("object without name")
            .to_string();
        let namespace = if kind.namespaced() {
            let ns = obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string();
            obj["metadata"]["namespace"] = json!(ns);
            ns
        } else {
            String::new()
        };
        let key = (kind, namespace.clone(), name.clone());
        let old = self.current(&key);
        match (exists, &old) {
            (Some(false), Some(_)) => panic!("{kind_name} {namespace}/{name} already exists"),
            (Some(true), None) => panic!("{kind_name} {namespace}/{name} does not exist"),
            _ => {}
        }
        self.rv += 1;
        let rv = self.rv;
        let meta = obj["metadata"].as_object_mut().unwrap();
        meta.insert("resourceVersion".into(), json!(rv.to_string()));
        match &old {
            Some(o) => {
                meta.insert("uid".into(), o["metadata"]["uid"].clone());
                meta.insert(
                    "creationTimestamp".into(),
                    o["metadata"]["creationTimestamp"].clone(),
                );
            }
            None => {
                self.uid += 1;
                meta.entry("uid")
                    .or_insert(json!(format!("00000000-0000-4000-8000-{:012}", self.uid)));
                meta.entry("creationTimestamp")
                    .or_insert(json!(now_rfc3339()));
            }
        }
        if kind == Kind::Namespace {
            // As the API server does since 1.21.
            let labels = meta.entry("labels").or_insert(json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
            obj.as_object_mut()
                .unwrap()
                .entry("status")
                .or_insert(json!({"phase": "Active"}));
        }
        let obj = Arc::new(obj);
        let etype = if old.is_some() { "MODIFIED" } else { "ADDED" };
        self.store.entry(key).or_default().push(Version {
            rv,
            obj: Some(obj.clone()),
        });
        self.publish(LogEntry {
            rv,
            kind,
            namespace,
            etype,
            obj,
        });
        rv
    }

    fn delete(&mut self, kind: Kind, namespace: &str, name: &str) -> u64 {
        let ns = if kind.namespaced() { namespace } else { "" };
        let key = (kind, ns.to_string(), name.to_string());
        let old = self
            .current(&key)
            .unwrap_or_else(|| panic!("{} {ns}/{name} does not exist", kind.kind()));
        self.rv += 1;
        let rv = self.rv;
        let mut last = (*old).clone();
        last["metadata"]["resourceVersion"] = json!(rv.to_string());
        self.store
            .get_mut(&key)
            .unwrap()
            .push(Version { rv, obj: None });
        self.publish(LogEntry {
            rv,
            kind,
            namespace: ns.to_string(),
            etype: "DELETED",
            obj: Arc::new(last),
        });
        rv
    }

    fn publish(&mut self, entry: LogEntry) {
        let ev = line(&json!({"type": entry.etype, "object": &*entry.obj}));
        self.subscribers.retain(|s| {
            if s.kind != entry.kind || s.namespace.as_ref().is_some_and(|n| *n != entry.namespace) {
                return !s.tx.is_closed();
            }
            s.tx.send(ev.clone()).is_ok()
        });
        self.log.push(entry);
    }

    fn forbidden(&self, kind: Kind, namespace: Option<&str>) -> bool {
        self.forbidden.contains(&(kind, Scope::Any))
            || match namespace {
                None => self.forbidden.contains(&(kind, Scope::Cluster)),
                Some(ns) => self
                    .forbidden
                    .contains(&(kind, Scope::Namespace(ns.to_string()))),
            }
    }
}

fn line(v: &Value) -> Bytes {
    let mut s = serde_json::to_vec(v).unwrap();
    s.push(b'\n');
    Bytes::from(s)
}

fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---- HTTP ------------------------------------------------------------------------

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // As Go's net/http (the API server) does: no Nagle delay on the
        // small writes of a watch stream.
        let _ = stream.set_nodelay(true);
        let s = shared.clone();
        let conn = tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let s = s.clone();
                async move { Ok::<_, Infallible>(handle(s, req).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
        let mut inner = shared.inner.lock().unwrap();
        inner.conns.retain(|c| !c.is_finished());
        inner.conns.push(conn);
    }
}

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

fn json_response(code: StatusCode, v: &Value) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(CONTENT_TYPE, "application/json")
        .body(full(serde_json::to_vec(v).unwrap()))
        .unwrap()
}

fn status(code: u16, reason: &str, message: &str, details: Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": reason, "details": details, "code": code})
}

fn error_response(code: u16, reason: &str, message: &str, details: Value) -> Response<Body> {
    json_response(
        StatusCode::from_u16(code).unwrap(),
        &status(code, reason, message, details),
    )
}

fn not_found(path: &str) -> Response<Body> {
    error_response(
        404,
        "NotFound",
        &format!("the server could not find the requested resource ({path})"),
        json!({}),
    )
}

fn forbidden(kind: Kind, verb: &str, namespace: Option<&str>) -> Response<Body> {
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{res} is forbidden: User \"system:serviceaccount:test:netpol-tui\" cannot {verb} resource \"{res}\" in API group \"{}\" {scope}",
        kind.group(),
        res = kind.resource()
    );
    let mut details = json!({"kind": kind.resource()});
    if !kind.group().is_empty() {
        details["group"] = json!(kind.group());
    }
    error_response(403, "Forbidden", &message, details)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// What a path names.
enum Route {
    Version,
    CoreVersions,
    CoreResources,
    Groups,
    NetworkingGroup,
    NetworkingResources,
    Collection {
        kind: Kind,
        namespace: Option<String>,
    },
    Object {
        kind: Kind,
        namespace: Option<String>,
        name: String,
    },
}

fn route(path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    match path {
        "/version" => return Some(Route::Version),
        "/api" => return Some(Route::CoreVersions),
        "/api/v1" => return Some(Route::CoreResources),
        "/apis" => return Some(Route::Groups),
        "/apis/networking.k8s.io" => return Some(Route::NetworkingGroup),
        "/apis/networking.k8s.io/v1" => return Some(Route::NetworkingResources),
        _ => {}
    }
    let (group, rest) = if let Some(r) = path.strip_prefix("/api/v1/") {
        ("", r)
    } else if let Some(r) = path.strip_prefix("/apis/networking.k8s.io/v1/") {
        ("networking.k8s.io", r)
    } else {
        return None;
    };
    let seg: Vec<&str> = rest.split('/').collect();
    let kind = |r: &str| Kind::from_path(group, r);
    match seg.as_slice() {
        [r] => Some(Route::Collection {
            kind: kind(r)?,
            namespace: None,
        }),
        ["namespaces", name] if group.is_empty() => Some(Route::Object {
            kind: Kind::Namespace,
            namespace: None,
            name: name.to_string(),
        }),
        ["namespaces", ns, r] => {
            let k = kind(r)?;
            k.namespaced().then(|| Route::Collection {
                kind: k,
                namespace: Some(ns.to_string()),
            })
        }
        ["namespaces", ns, r, name] => {
            let k = kind(r)?;
            k.namespaced().then(|| Route::Object {
                kind: k,
                namespace: Some(ns.to_string()),
                name: name.to_string(),
            })
        }
        _ => None,
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let unauthorized = {
        let mut inner = shared.inner.lock().unwrap();
        inner.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
        });
        inner.unauthorized
    };
    if unauthorized {
        return error_response(401, "Unauthorized", "Unauthorized", json!({}));
    }
    if method != "GET" {
        return error_response(
            405,
            "MethodNotAllowed",
            &format!("the fake API server is read-only: {method} is not supported"),
            json!({}),
        );
    }
    let q = parse_query(&query);
    let Some(r) = route(&path) else {
        return not_found(&path);
    };
    match r {
        Route::Version => json_response(
            StatusCode::OK,
            &json!({"major": "1", "minor": "34", "gitVersion": "v1.34.0-fake", "gitCommit": "fake",
                    "gitTreeState": "clean", "buildDate": "2025-08-27T00:00:00Z", "goVersion": "go1.24",
                    "compiler": "gc", "platform": "linux/amd64"}),
        ),
        Route::CoreVersions => json_response(
            StatusCode::OK,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": shared.addr.to_string()}]}),
        ),
        Route::Groups => json_response(
            StatusCode::OK,
            &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [networking_group()]}),
        ),
        Route::NetworkingGroup => {
            let mut g = networking_group();
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            json_response(StatusCode::OK, &g)
        }
        Route::CoreResources => json_response(
            StatusCode::OK,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
                resource_entry("namespaces", "namespace", false, "Namespace", &["ns"]),
                resource_entry("pods", "pod", true, "Pod", &["po"]),
            ]}),
        ),
        Route::NetworkingResources => json_response(
            StatusCode::OK,
            &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "networking.k8s.io/v1", "resources": [
                resource_entry("networkpolicies", "networkpolicy", true, "NetworkPolicy", &["netpol"]),
            ]}),
        ),
        Route::Object {
            kind,
            namespace,
            name,
        } => {
            let inner = shared.inner.lock().unwrap();
            if inner.forbidden(kind, namespace.as_deref()) {
                return forbidden(kind, "get", namespace.as_deref());
            }
            let key = (kind, namespace.unwrap_or_default(), name.clone());
            match inner.current(&key) {
                Some(o) => json_response(StatusCode::OK, &o),
                None => error_response(
                    404,
                    "NotFound",
                    &format!("{} \"{name}\" not found", kind.resource()),
                    json!({"name": name, "kind": kind.resource()}),
                ),
            }
        }
        Route::Collection { kind, namespace } => {
            for sel in ["labelSelector", "fieldSelector"] {
                if q.get(sel).is_some_and(|s| !s.is_empty()) {
                    return error_response(
                        400,
                        "BadRequest",
                        &format!("the fake does not support {sel}"),
                        json!({}),
                    );
                }
            }
            let watching = matches!(q.get("watch").map(String::as_str), Some("true" | "1"));
            if watching {
                watch_collection(shared, kind, namespace, &q).await
            } else {
                list_collection(&shared, kind, namespace, &q, &accept)
            }
        }
    }
}

fn networking_group() -> Value {
    json!({"name": "networking.k8s.io",
           "versions": [{"groupVersion": "networking.k8s.io/v1", "version": "v1"}],
           "preferredVersion": {"groupVersion": "networking.k8s.io/v1", "version": "v1"}})
}

fn resource_entry(
    name: &str,
    singular: &str,
    namespaced: bool,
    kind: &str,
    short: &[&str],
) -> Value {
    json!({"name": name, "singularName": singular, "namespaced": namespaced, "kind": kind,
           "verbs": ["get", "list", "watch"], "shortNames": short})
}

fn encode_continue(rv: u64, ns: &str, name: &str) -> String {
    format!("{rv}\n{ns}\n{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Option<(u64, String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.splitn(3, '\n');
    let rv = parts.next()?.parse().ok()?;
    Some((rv, parts.next()?.to_string(), parts.next()?.to_string()))
}

fn list_collection(
    shared: &Shared,
    kind: Kind,
    namespace: Option<String>,
    q: &BTreeMap<String, String>,
    accept: &str,
) -> Response<Body> {
    let inner = shared.inner.lock().unwrap();
    if inner.forbidden(kind, namespace.as_deref()) {
        return forbidden(kind, "list", namespace.as_deref());
    }
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|l| *l > 0)
        .unwrap_or(usize::MAX);
    let (list_rv, after) = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let Some((rv, ns, name)) = decode_continue(token) else {
                return error_response(400, "BadRequest", "invalid continue token", json!({}));
            };
            if rv < inner.compacted {
                return error_response(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list result. \
                     You can start a new list without the continue parameter.",
                    json!({}),
                );
            }
            (rv, Some((ns, name)))
        }
        None => {
            let exact = q.get("resourceVersionMatch").map(String::as_str) == Some("Exact");
            match q.get("resourceVersion").and_then(|r| r.parse::<u64>().ok()) {
                Some(rv) if exact && rv != 0 => {
                    if rv < inner.compacted {
                        return error_response(
                            410,
                            "Expired",
                            &format!("too old resource version: {rv} ({})", inner.compacted),
                            json!({}),
                        );
                    }
                    (rv, None)
                }
                _ => (inner.rv, None),
            }
        }
    };
    let start: Key = match &after {
        Some((ns, name)) => (kind, ns.clone(), name.clone()),
        None => (kind, String::new(), String::new()),
    };
    let mut items = Vec::new();
    let mut last: Option<Key> = None;
    let mut remaining = 0usize;
    for (key, _) in inner.store.range(start.clone()..) {
        if key.0 != kind {
            break;
        }
        if after.is_some() && *key == start {
            continue;
        }
        if namespace.as_ref().is_some_and(|ns| *ns != key.1) {
            continue;
        }
        let Some(obj) = inner.at(key, list_rv) else {
            continue;
        };
        if items.len() < limit {
            items.push(obj);
            last = Some(key.clone());
        } else {
            remaining += 1;
        }
    }
    let mut metadata = json!({"resourceVersion": list_rv.to_string()});
    if remaining > 0 {
        let (_, ns, name) = last.clone().unwrap();
        metadata["continue"] = json!(encode_continue(list_rv, &ns, &name));
        metadata["remainingItemCount"] = json!(remaining);
    }
    drop(inner);
    if accept.contains("as=Table") {
        return json_response(StatusCode::OK, &table(kind, &items, metadata, q));
    }
    let mut body = Vec::with_capacity(items.len() * 1024);
    body.extend_from_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
            kind.kind(),
            kind.api_version(),
            metadata
        )
        .as_bytes(),
    );
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        serde_json::to_writer(&mut body, &**item).unwrap();
    }
    body.extend_from_slice(b"]}");
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(full(body))
        .unwrap()
}

/// A server-side `Table`, as kubectl asks for.
fn table(kind: Kind, items: &[Arc<Value>], metadata: Value, q: &BTreeMap<String, String>) -> Value {
    let col = |name: &str, ty: &str, format: &str| json!({"name": name, "type": ty, "format": format, "description": "", "priority": 0});
    let columns = match kind {
        Kind::Pod => vec![
            col("Name", "string", "name"),
            col("Ready", "string", ""),
            col("Status", "string", ""),
            col("Restarts", "string", ""),
            col("Age", "string", ""),
            json!({"name": "IP", "type": "string", "format": "", "description": "", "priority": 1}),
        ],
        Kind::Namespace => vec![
            col("Name", "string", "name"),
            col("Status", "string", ""),
            col("Age", "string", ""),
        ],
        Kind::NetworkPolicy => vec![
            col("Name", "string", "name"),
            col("Pod-Selector", "string", ""),
            col("Age", "string", ""),
        ],
        Kind::Service => vec![
            col("Name", "string", "name"),
            col("Type", "string", ""),
            col("Age", "string", ""),
        ],
    };
    let include_object = q
        .get("includeObject")
        .map(String::as_str)
        .unwrap_or("Metadata");
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let name = o["metadata"]["name"].clone();
            let cells = match kind {
                Kind::Pod => {
                    let n = o["spec"]["containers"].as_array().map_or(0, Vec::len);
                    let phase = o["status"]["phase"].as_str().unwrap_or("Pending");
                    let ready = if phase == "Running" { n } else { 0 };
                    let ip = o["status"]["podIP"].as_str().unwrap_or("<none>");
                    json!([name, format!("{ready}/{n}"), phase, "0", "1m", ip])
                }
                Kind::Namespace => json!([name, o["status"]["phase"].as_str().unwrap_or("Active"), "1m"]),
                Kind::NetworkPolicy => {
                    let sel = o["spec"]["podSelector"]["matchLabels"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| "<none>".into());
                    json!([name, sel, "1m"])
                }
                Kind::Service => json!([name, o["spec"]["type"].as_str().unwrap_or("ClusterIP"), "1m"]),
            };
            let object = match include_object {
                "None" => Value::Null,
                "Object" => (**o).clone(),
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}),
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
           "columnDefinitions": columns, "rows": rows})
}

async fn watch_collection(
    shared: Arc<Shared>,
    kind: Kind,
    namespace: Option<String>,
    q: &BTreeMap<String, String>,
) -> Response<Body> {
    // Paused: hold the request until resumed.
    let mut paused = shared.paused.subscribe();
    while *paused.borrow_and_update() {
        if paused.changed().await.is_err() {
            break;
        }
    }
    let bookmarks = q.get("allowWatchBookmarks").map(String::as_str) == Some("true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|t| *t > 0)
        .map(Duration::from_secs);
    let from = q
        .get("resourceVersion")
        .filter(|r| !r.is_empty() && *r != "0");
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    {
        let mut inner = shared.inner.lock().unwrap();
        if inner.forbidden(kind, namespace.as_deref()) {
            return forbidden(kind, "watch", namespace.as_deref());
        }
        let in_scope = |ns: &str| namespace.as_deref().is_none_or(|n| n == ns);
        match from {
            None => {
                // Synthetic ADDED for everything, then changes.
                for (key, versions) in inner
                    .store
                    .iter()
                    .filter(|(k, _)| k.0 == kind && in_scope(&k.1))
                {
                    let _ = key;
                    if let Some(obj) = versions.last().and_then(|v| v.obj.as_ref()) {
                        let _ = tx.send(line(&json!({"type": "ADDED", "object": &**obj})));
                    }
                }
            }
            Some(rv) => {
                let Ok(rv) = rv.parse::<u64>() else {
                    return error_response(
                        400,
                        "BadRequest",
                        &format!("invalid resourceVersion {rv:?}"),
                        json!({}),
                    );
                };
                if rv < inner.compacted {
                    // As the API server does: 200, then one ERROR event.
                    let err = status(
                        410,
                        "Expired",
                        &format!("too old resource version: {rv} ({})", inner.compacted),
                        json!({}),
                    );
                    let _ = tx.send(line(&json!({"type": "ERROR", "object": err})));
                    drop(tx);
                    return stream_response(rx, None);
                }
                for e in inner
                    .log
                    .iter()
                    .filter(|e| e.rv > rv && e.kind == kind && in_scope(&e.namespace))
                {
                    let _ = tx.send(line(&json!({"type": e.etype, "object": &*e.obj})));
                }
            }
        }
        inner.subscribers.push(Subscriber {
            kind,
            namespace,
            bookmarks,
            tx,
        });
    }
    stream_response(rx, timeout)
}

fn stream_response(
    rx: mpsc::UnboundedReceiver<Bytes>,
    timeout: Option<Duration>,
) -> Response<Body> {
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let frames = futures::stream::unfold(rx, move |mut rx| async move {
        let next = match deadline {
            Some(d) => tokio::time::timeout_at(d, rx.recv()).await.ok().flatten(),
            None => rx.recv().await,
        };
        next.map(|b| (Ok::<_, Infallible>(Frame::data(b)), rx))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, "application/json")
        .body(StreamBody::new(frames).boxed())
        .unwrap()
}

/// A TCP listener on 127.0.0.1 that accepts connections and never answers:
/// for request timeouts. Dropping it closes everything.
pub struct BlackHole {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl BlackHole {
    pub async fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        });
        BlackHole { addr, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.task.abort();
    }
}
