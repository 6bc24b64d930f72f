//! The live cluster source: namespaces, pods and NetworkPolicies of the
//! cluster of a kubeconfig context, read-only (GET list and watch only).
//!
//! Two ways in:
//! - [`list_once`] lists everything once (paged) for the non-interactive
//!   commands: list, compute, print, exit.
//! - [`watch`] follows the cluster for the TUI: a stream of engine
//!   [`Event`]s and [`Health`] updates. Each (re)list arrives as one
//!   `Replace*` event per kind, then changes as `Upsert*`/`Delete*`.
//!
//! `-n` only focuses the view: the index always needs every namespace's
//! labels and every policy. It matters here only as the fallback scope when
//! RBAC forbids reading pods or policies cluster-wide.

mod cni;
mod config;
mod errors;
mod health;
mod list;
mod slim;
mod tier_watch;
mod tiers;
mod translate;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

use futures::Stream;

pub use cni::{CniDetection, CniPlugin, Enforcement, detect_cni, detect_cni_in};
pub use config::DEFAULT_REQUEST_TIMEOUT;
pub use errors::{LiveError, RBAC_HINT};
pub use health::{Health, KindHealth, SyncState, TierHealth};
pub use list::PAGE_SIZE;
pub use slim::LivePod;
pub use translate::{Converted, LiveResource, Translator};

use crate::engine::model::{Event, Snapshot};

/// The ClusterRole and binding netpol-tui needs, to print or apply.
pub const RBAC_YAML: &str = include_str!("../../../assets/rbac.yaml");

/// Which cluster and how to talk to it; the kubectl flags of the same names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveOptions {
    /// `--kubeconfig`; else `$KUBECONFIG`, else `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; else the current context.
    pub context: Option<String>,
    /// `-n`: the namespace in focus, and the fallback scope when pods or
    /// policies may not be read cluster-wide.
    pub namespace: Option<String>,
    /// `-A`: all namespaces in focus (the default).
    pub all_namespaces: bool,
    /// `--request-timeout`: bounds connecting and each read. `None`: 30s;
    /// zero: no limit.
    pub request_timeout: Option<Duration>,
}

/// The kinds of object the live source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Namespaces,
    Pods,
    NetworkPolicies,
    Services,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::Namespaces,
        ResourceKind::Pods,
        ResourceKind::NetworkPolicies,
        ResourceKind::Services,
    ];

    /// The resource name in URLs and RBAC rules.
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::Namespaces => "namespaces",
            ResourceKind::Pods => "pods",
            ResourceKind::NetworkPolicies => "networkpolicies",
            ResourceKind::Services => "services",
        }
    }

    /// The kind, as in `kind:`.
    pub fn singular(self) -> &'static str {
        match self {
            ResourceKind::Namespaces => "Namespace",
            ResourceKind::Pods => "Pod",
            ResourceKind::NetworkPolicies => "NetworkPolicy",
            ResourceKind::Services => "Service",
        }
    }

    /// The API group ("" for the core group).
    pub fn group(self) -> &'static str {
        match self {
            ResourceKind::NetworkPolicies => "networking.k8s.io",
            _ => "",
        }
    }

    /// `pods`, `networkpolicies.networking.k8s.io`: as kubectl and RBAC say it.
    pub fn qualified(self) -> &'static str {
        match self {
            ResourceKind::Namespaces => "namespaces",
            ResourceKind::Pods => "pods",
            ResourceKind::NetworkPolicies => "networkpolicies.networking.k8s.io",
            ResourceKind::Services => "services",
        }
    }
}

/// The cluster state as listed once.
#[derive(Debug, Clone)]
pub struct LiveState {
    /// Sorted: namespaces by name, pods and policies by namespace/name.
    pub snapshot: Snapshot,
    pub health: Health,
    pub cni: CniDetection,
    /// What the user should know about this state: scope fallbacks,
    /// forbidden namespaces, skipped invalid policies.
    pub notes: Vec<String>,
}

impl LiveState {
    /// Namespaces could not be listed: namespaceSelector verdicts are uncertain.
    pub fn namespaces_uncertain(&self) -> bool {
        self.health.namespaces_uncertain
    }
}

/// What [`watch`] yields.
#[derive(Debug, Clone)]
pub enum LiveUpdate {
    /// A change to apply to the index.
    Event(Event),
    /// The new health, after it changed (first item: all kinds syncing).
    /// Boxed: it is much larger than an event and rare.
    Health(Box<Health>),
    /// The source cannot start (no usable kubeconfig or context); nothing
    /// follows. An unreachable server is not this: it shows as stale health
    /// and is retried.
    Failed(LiveError),
}

/// Lists namespaces, pods and NetworkPolicies once, in pages, and converts
/// them. An unreachable server fails within the request timeout; a 403 on
/// pods or policies cluster-wide falls back to `-n`'s namespace (with a
/// note); forbidden namespaces leave namespaceSelector verdicts uncertain.
pub async fn list_once(opts: &LiveOptions) -> Result<LiveState, LiveError> {
    list::list_once(opts).await
}

/// [`list_once`] for synchronous callers: runs its own small runtime. Must
/// not be called from inside an async runtime.
pub fn list_once_blocking(opts: &LiveOptions) -> Result<LiveState, LiveError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError::Config {
            message: format!("cannot start the I/O runtime: {e}"),
        })?;
    rt.block_on(list_once(opts))
}

/// Follows the cluster: lists, then watches namespaces, pods and
/// NetworkPolicies (all namespaces), with kube's watcher and its default
/// backoff. Lost watches are resumed from the last resourceVersion; when that
/// has expired (410 Gone) the kind is relisted and replaced as a whole, so
/// the index always ends equal to a fresh list. Needs a tokio runtime with
/// timers and I/O; dropping the stream stops everything.
pub fn watch(opts: LiveOptions) -> impl Stream<Item = LiveUpdate> + Send + 'static {
    watch::watch(opts)
}
