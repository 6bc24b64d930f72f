//! How fresh the live view is, per kind of object, for the status line.

use std::time::SystemTime;

use super::ResourceKind;

/// The sync state of one kind of object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Listing (first sync, or a relist after the watch expired).
    Syncing,
    /// Listed and watching: the view follows the cluster.
    Live,
    /// The watch was lost and is being retried; the view shows the state as
    /// of `since`.
    Stale { since: SystemTime, error: String },
    /// RBAC does not allow reading this kind (in this scope).
    Forbidden { message: String },
}

impl SyncState {
    pub fn label(&self) -> &'static str {
        match self {
            SyncState::Syncing => "syncing",
            SyncState::Live => "live",
            SyncState::Stale { .. } => "stale",
            SyncState::Forbidden { .. } => "forbidden",
        }
    }
}

/// Health of one kind (namespaces, pods or NetworkPolicies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindHealth {
    pub kind: ResourceKind,
    pub state: SyncState,
    /// When the last change (or completed list) arrived.
    pub last_event: Option<SystemTime>,
    /// Objects of this kind held in the index (finished pods and invalid
    /// policies are not held).
    pub objects: usize,
    /// Objects received so far by a list in progress.
    pub listed: Option<usize>,
    /// `Some(ns)`: only this namespace is watched (cluster-wide was forbidden).
    pub scope: Option<String>,
    /// Things the user should know: scope fallback, skipped invalid objects.
    pub notes: Vec<String>,
}

impl KindHealth {
    pub fn new(kind: ResourceKind) -> Self {
        KindHealth {
            kind,
            state: SyncState::Syncing,
            last_event: None,
            objects: 0,
            listed: None,
            scope: None,
            notes: Vec::new(),
        }
    }
}

/// What the list (or the watchers) of the cluster-scoped tier kinds (CRDs) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierHealth {
    /// None of the three CRDs is installed: normal, not an error.
    NotInstalled,
    /// This many policies were read.
    Listed(usize),
    /// Every installed kind refused the list (403).
    Forbidden,
    /// The list failed otherwise.
    Failed(String),
}

impl TierHealth {
    pub fn label(&self) -> String {
        match self {
            TierHealth::NotInstalled => "not installed".to_string(),
            TierHealth::Listed(n) => format!("live ({n})"),
            TierHealth::Forbidden => "forbidden".to_string(),
            TierHealth::Failed(e) => format!("failed: {e}"),
        }
    }
}

/// Health of the whole live source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// The API server URL.
    pub server: String,
    /// The kubeconfig context in use.
    pub context: String,
    pub namespaces: KindHealth,
    pub pods: KindHealth,
    pub policies: KindHealth,
    pub services: KindHealth,
    /// Namespaces could not be listed: their labels are unknown (only the
    /// `kubernetes.io/metadata.name` label is assumed), so verdicts that
    /// depend on a namespaceSelector are uncertain.
    pub namespaces_uncertain: bool,
    /// Cluster-scoped policy tiers, once listed.
    pub tiers: Option<TierHealth>,
}

impl Health {
    pub fn new(server: impl Into<String>, context: impl Into<String>) -> Self {
        Health {
            server: server.into(),
            context: context.into(),
            namespaces: KindHealth::new(ResourceKind::Namespaces),
            pods: KindHealth::new(ResourceKind::Pods),
            policies: KindHealth::new(ResourceKind::NetworkPolicies),
            services: KindHealth::new(ResourceKind::Services),
            namespaces_uncertain: false,
            tiers: None,
        }
    }

    pub fn kind(&self, kind: ResourceKind) -> &KindHealth {
        match kind {
            ResourceKind::Namespaces => &self.namespaces,
            ResourceKind::Pods => &self.pods,
            ResourceKind::NetworkPolicies => &self.policies,
            ResourceKind::Services => &self.services,
        }
    }

    pub fn kind_mut(&mut self, kind: ResourceKind) -> &mut KindHealth {
        match kind {
            ResourceKind::Namespaces => &mut self.namespaces,
            ResourceKind::Pods => &mut self.pods,
            ResourceKind::NetworkPolicies => &mut self.policies,
            ResourceKind::Services => &mut self.services,
        }
    }

    pub fn kinds(&self) -> [&KindHealth; 4] {
        [&self.namespaces, &self.pods, &self.policies, &self.services]
    }

    /// Every kind is listed and watched.
    pub fn is_live(&self) -> bool {
        self.kinds().iter().all(|k| k.state == SyncState::Live)
    }

    /// Every kind has finished its first list (or is forbidden, which a
    /// retry will not fix by itself).
    pub fn is_synced(&self) -> bool {
        self.kinds().iter().all(|k| {
            matches!(k.state, SyncState::Live | SyncState::Forbidden { .. })
                || k.last_event.is_some()
        })
    }

    /// All notes of all kinds, plus the namespaceSelector warning.
    pub fn notes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .kinds()
            .iter()
            .flat_map(|k| k.notes.iter().cloned())
            .collect();
        if self.namespaces_uncertain {
            out.push(UNCERTAIN_NOTE.to_string());
        }
        out
    }

    /// One line for a status bar, e.g.
    /// `kind-dev: namespaces live (12) · pods live (340) · networkpolicies stale`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .kinds()
            .iter()
            .map(|k| {
                let scope = k
                    .scope
                    .as_deref()
                    .map(|s| format!(" in {s}"))
                    .unwrap_or_default();
                match (&k.state, k.listed) {
                    (SyncState::Syncing, Some(n)) => {
                        format!("{} syncing ({n} so far){scope}", k.kind.plural())
                    }
                    (state, _) => format!(
                        "{} {} ({}){scope}",
                        k.kind.plural(),
                        state.label(),
                        k.objects
                    ),
                }
            })
            .collect();
        let mut parts = parts;
        if let Some(t) = &self.tiers {
            parts.push(format!("tiers {}", t.label()));
        }
        format!("{}: {}", self.context, parts.join(" · "))
    }
}

pub(crate) const UNCERTAIN_NOTE: &str = "namespaces cannot be listed (forbidden): their labels are unknown, \
     only kubernetes.io/metadata.name is assumed, so verdicts that depend on a namespaceSelector are uncertain";
