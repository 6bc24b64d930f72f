//! Application state. Only `update` changes it; drawing reads it.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::index::Index;
use crate::engine::model::{Event, PodKey, PolicyKey, ServiceKey};
use crate::source::Origin;

use super::keymap::{Keymap, Mode, Needs};
use super::models::finder::FinderState;
use super::models::findings::FindingsState;
use super::models::matrix::{MatrixData, MatrixState};
use super::models::namespace::NamespaceModel;
use super::models::pod::PodModel;
use super::models::policy::PolicyModel;
use super::nsstats::NsStatsCache;
use super::theme::Theme;
use super::views::trace::TraceState;
use super::views::tree::TreeModel;

/// Sync state of one watched kind (live source only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    Syncing,
    Live,
    Stale,
    Forbidden,
    /// A CRD kind the cluster does not have (cluster-scoped tiers): normal.
    NotInstalled,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Syncing => "Syncing",
            SyncState::Live => "Live",
            SyncState::Stale => "Stale",
            SyncState::Forbidden => "Forbidden",
            SyncState::NotInstalled => "not installed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceInfo {
    pub kind: Origin,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Per kind (pods, namespaces, networkpolicies): sync state and detail.
    pub health: Vec<(String, SyncState, Option<String>)>,
    pub last_event: Option<Instant>,
    pub events: u64,
}

impl SourceInfo {
    pub fn new(kind: Origin) -> Self {
        SourceInfo {
            kind,
            errors: vec![],
            warnings: vec![],
            health: vec![],
            last_event: None,
            events: 0,
        }
    }
}

/// What the tree has selected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selected {
    None,
    Namespace(String),
    Pod(PodKey),
    Policy(PolicyKey),
    /// A cluster-scoped policy (no namespace).
    ClusterPolicy(crate::engine::tiers::ClusterPolicyKey),
    Service(ServiceKey),
}

impl Selected {
    /// The namespace the selection is in (None when nothing is selected).
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Selected::None => None,
            Selected::Namespace(n) => Some(n),
            Selected::Pod(k) => Some(&k.namespace),
            Selected::Policy(k) => Some(&k.namespace),
            Selected::ClusterPolicy(_) => None,
            Selected::Service(k) => Some(&k.namespace),
        }
    }
}

/// The right-hand side for the selection, computed when it changes.
#[derive(Debug, Clone)]
pub enum Detail {
    None,
    Namespace(Box<NamespaceModel>),
    Pod(Box<PodModel>),
    Policy(Box<PolicyModel>),
    ClusterPolicy(Box<super::models::cluster_policy::ClusterPolicyModel>),
    Service(Box<super::models::service::ServiceModel>),
}

/// Panes that take focus with Tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Tree,
    /// Namespace summary, policy spec, or the pod's ingress pane.
    Main,
    /// The pod's egress pane, or the policy's resolution.
    Second,
    Findings,
}

/// A full-screen view or popup over the main screen.
#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    /// The help, over `back` (the matrix or trace it was opened from).
    Help {
        scroll: u16,
        back: Option<Box<Overlay>>,
    },
    Finder(Box<FinderState>),
    Matrix(Box<MatrixState>),
    Trace(Box<TraceState>),
    WhatIf,
    Rollout(Box<super::models::rollout::RolloutState>),
}

/// A state update that arrived from the source.
#[derive(Debug, Clone)]
pub enum SourceMsg {
    Event(Event),
    Health {
        kind: String,
        state: SyncState,
        detail: Option<String>,
    },
    /// The source stopped or failed: shown in the status bar.
    Error(String),
    /// The kubeconfig context in use (live).
    Context(String),
    /// What the user should know about the live view (scope fallbacks,
    /// skipped objects, uncertain namespace labels): replaces the warnings.
    Notes(Vec<String>),
    /// Flows or a state change of the Hubble Relay stream (`--hubble`).
    Feed(crate::source::flows::relay::FeedEvent),
}

pub struct App {
    /// Shared with background jobs; events wait in `pending` while a job
    /// holds a reference (so the UI thread never copies the index).
    pub index: Arc<Index>,
    pub pending: Vec<Event>,
    pub pending_since: Option<Instant>,
    pub source: SourceInfo,
    pub theme: Theme,
    /// The keys (the defaults with the user's config applied).
    pub keymap: Keymap,
    pub width: u16,
    pub height: u16,
    pub now: Instant,
    pub tree: TreeModel,
    pub stats: NsStatsCache,
    pub focus: Pane,
    pub selected: Selected,
    pub detail: Detail,
    /// (selection, index generation) the detail was computed for.
    pub detail_key: Option<(Selected, u64)>,
    /// Peer resolutions shared by pod views (per index generation).
    pub peer_cache: super::models::pod::PeerCache,
    /// Scroll offsets of the right-hand panes (reset on a new selection).
    pub scroll_main: u16,
    pub scroll_second: u16,
    pub overlay: Overlay,
    pub findings: FindingsState,
    pub next_job: u64,
    /// Finder candidates, built off-thread, for the generation they carry.
    pub candidates: Option<Arc<super::models::finder::Candidates>>,
    pub candidates_pending: Option<u64>,
    /// The last namespaces matrix and the generation it was computed for.
    pub matrix_cache: Option<(u64, Arc<super::models::matrix::NsMatrix>)>,
    /// The what-if proposal and its diff (kept when the panel closes, so
    /// the tree keeps showing what it touches).
    pub whatif: super::whatif::WhatIfState,
    /// Compiling the index ahead of a what-if (see `update::warm`).
    pub warm: WarmState,
    /// A one-line note for the status bar (cleared on the next key).
    pub flash: Option<String>,
    /// Recorded flows (`--flows`), and their rows per workload for the
    /// index generation they were computed for.
    pub flows: Option<Arc<crate::engine::flows::Recorded>>,
    pub flow_rows: Option<(u64, Arc<Vec<crate::engine::flows::status::FlowRow>>)>,
    /// The followed Hubble Relay stream (`--hubble`), which adds to `flows`.
    pub feed: Option<super::feed::FlowFeed>,
    pub quit: bool,
    /// Something visible changed since the last frame: the event loop
    /// draws only then (not on every tick).
    pub dirty: bool,
    /// Set when the app must stop with an error (a background job failed).
    pub fatal: Option<String>,
    /// Tree widget bookkeeping (scroll offset, rendered rows): the one
    /// piece of state the tree widget itself updates while drawing.
    pub tree_state: RefCell<tui_tree_widget::TreeState<super::views::tree::TreeId>>,
}

impl App {
    pub fn new(index: Index, source: SourceInfo, theme: Theme) -> Self {
        let now = Instant::now();
        let mut app = App {
            index: Arc::new(index),
            pending: vec![],
            pending_since: None,
            source,
            theme,
            keymap: Keymap::default(),
            width: 120,
            height: 40,
            now,
            tree: TreeModel::default(),
            stats: NsStatsCache::default(),
            focus: Pane::Tree,
            selected: Selected::None,
            detail: Detail::None,
            detail_key: None,
            peer_cache: Default::default(),
            scroll_main: 0,
            scroll_second: 0,
            overlay: Overlay::None,
            findings: FindingsState::default(),
            next_job: 1,
            candidates: None,
            candidates_pending: None,
            matrix_cache: None,
            warm: WarmState::default(),
            whatif: Default::default(),
            flash: None,
            flows: None,
            flow_rows: None,
            feed: None,
            quit: false,
            dirty: true,
            fatal: None,
            tree_state: RefCell::new(Default::default()),
        };
        super::update::init(&mut app);
        app
    }

    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Overlay::None => Mode::Browse,
            Overlay::Help { .. } => Mode::Help,
            Overlay::Finder(_) => Mode::Finder,
            Overlay::Matrix(_) => Mode::Matrix,
            Overlay::Trace(t) if t.editing => Mode::PortInput,
            Overlay::Trace(_) => Mode::Trace,
            Overlay::WhatIf if self.whatif.prompt.is_some() => Mode::PathInput,
            Overlay::WhatIf => Mode::WhatIf,
            Overlay::Rollout(_) => Mode::Rollout,
        }
    }

    /// Whether a binding's need holds now (else it does nothing and is
    /// shown greyed). Over the help, the view under it counts.
    pub fn can(&self, needs: Needs) -> bool {
        let view = match &self.overlay {
            Overlay::Help { back: Some(b), .. } => b.as_ref(),
            o => o,
        };
        match needs {
            Needs::Nothing => true,
            Needs::Pod => matches!(self.selected, Selected::Pod(_)),
            Needs::Namespace => self.selected != Selected::None,
            Needs::Policy => matches!(self.selected, Selected::Policy(_)),
            Needs::Proposal => self.whatif.proposal.is_some(),
            Needs::Change => self.whatif.selected_row().is_some(),
            Needs::NsMatrix => matches!(view, Overlay::Matrix(m)
                if matches!(m.data, Some(MatrixData::Namespaces(_)))),
            Needs::PodMatrix => matches!(view, Overlay::Matrix(m) if m.zoom.is_some()),
            Needs::TraceTo => matches!(view, Overlay::Trace(t) if t.to.is_some()),
            Needs::Flows => self.flows.is_some(),
        }
    }

    pub fn job_id(&mut self) -> u64 {
        self.next_job += 1;
        self.next_job
    }
}

/// The what-if warm-up: which index generation has been quiet since when,
/// and which one is compiled (or being compiled).
#[derive(Debug)]
pub struct WarmState {
    /// Smaller clusters compile in a few milliseconds: no warm-up.
    pub min_pods: usize,
    pub seen: Option<(u64, Instant)>,
    pub pending: bool,
    pub done: Option<u64>,
}

impl Default for WarmState {
    fn default() -> Self {
        WarmState {
            min_pods: 10_000,
            seen: None,
            pending: false,
            done: None,
        }
    }
}
