//! Following the cluster: one kube `watcher` per kind (with the default
//! backoff), each translated to engine events, merged into one stream with
//! the health of each kind.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::stream::{self, BoxStream};
use futures::{FutureExt, Stream, StreamExt};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as net;
use kube::Client;
use kube::runtime::{WatchStreamExt, watcher};

use super::config::{WATCH_TIMEOUT_SECS, resolve};
use super::errors::{
    Target, classify, human_duration, is_transport, watcher_client_error, watcher_error_message,
    watcher_is_forbidden,
};
use super::health::{Health, KindHealth, SyncState};
use super::list::PAGE_SIZE;
use super::slim::LivePod;
use super::translate::{LiveResource, Translator};
use super::{LiveError, LiveOptions, LiveUpdate, ResourceKind};
use crate::engine::model::{Event, Labels, Namespace};

/// Watcher events handled before the merged stream gets to run others
/// (and before health is reported).
const MAX_BATCH: usize = 512;

/// While a kind is stale because the server could not be reached, how often
/// to check whether it is back (the watcher itself resumes silently).
const PROBE_INTERVAL: Duration = Duration::from_secs(2);

/// What ended a wait for the watcher.
enum Wake<T> {
    Item(Option<T>),
    /// Time to check whether the server answers again.
    Probe,
    /// The first list has had no answer for the request timeout.
    Silent,
}

/// What one kind's driver produces.
pub(crate) enum Out {
    Event(Event),
    Health(KindHealth),
    /// Namespaces only: whether their labels are unknown.
    Uncertain(bool),
    /// The cluster-scoped tier kinds, once all three have answered.
    Tiers(super::health::TierHealth),
}

type WatchStream<K> = BoxStream<'static, watcher::Result<watcher::Event<K>>>;

fn watch_stream<K: LiveResource>(client: &Client, namespace: Option<&str>) -> WatchStream<K> {
    let cfg = watcher::Config::default()
        .page_size(PAGE_SIZE)
        .timeout(WATCH_TIMEOUT_SECS);
    watcher(K::api(client.clone(), namespace), cfg)
        .default_backoff()
        .boxed()
}

/// Follows one kind.
struct Driver<K: LiveResource> {
    client: Client,
    target: Arc<Target>,
    /// `-n`: where to go when the cluster-wide watch is forbidden.
    fallback: Option<String>,
    tr: Translator<K>,
    stream: WatchStream<K>,
    health: KindHealth,
    /// A list has completed in the current scope.
    synced: bool,
    scope_note: Option<String>,
    /// Stale because of the connection (not an answer): probe for recovery.
    probe: bool,
    /// Namespaces only: what is known when they may not be listed.
    known: Vec<Namespace>,
    uncertain: bool,
    reported: Option<(KindHealth, bool)>,
}

impl<K: LiveResource> Driver<K> {
    fn new(
        client: Client,
        target: Arc<Target>,
        fallback: Option<String>,
        known: Vec<Namespace>,
    ) -> Self {
        let stream = watch_stream::<K>(&client, None);
        Driver {
            client,
            target,
            fallback,
            tr: Translator::new(None),
            stream,
            health: KindHealth::new(K::KIND),
            synced: false,
            scope_note: None,
            probe: false,
            known,
            uncertain: false,
            reported: None,
        }
    }

    fn into_stream(self) -> BoxStream<'static, Vec<Out>> {
        stream::unfold(self, |mut d| async move {
            let batch = d.next_batch().await?;
            Some((batch, d))
        })
        .boxed()
    }

    async fn next_batch(&mut self) -> Option<Vec<Out>> {
        let mut out = Vec::new();
        let probe_in = self.probe.then_some(PROBE_INTERVAL);
        // A first list that gets no answer at all: say so after the request
        // timeout (the request goes on, bounded by the longer watch timeout).
        let silent_in = self
            .target
            .timeout
            .filter(|_| !self.synced && self.health.state == SyncState::Syncing);
        let far = Duration::from_secs(3600);
        let wake = tokio::select! {
            item = self.stream.next() => Wake::Item(item),
            _ = tokio::time::sleep(probe_in.unwrap_or(far)), if probe_in.is_some() => Wake::Probe,
            _ = tokio::time::sleep(silent_in.unwrap_or(far)), if silent_in.is_some() => Wake::Silent,
        };
        match wake {
            Wake::Item(Some(item)) => {
                self.on_item(item, &mut out);
                for _ in 0..MAX_BATCH {
                    match self.stream.next().now_or_never() {
                        Some(Some(item)) => self.on_item(item, &mut out),
                        _ => break,
                    }
                }
            }
            Wake::Item(None) => return None,
            Wake::Probe => self.check_recovered().await,
            Wake::Silent => {
                self.health.state = SyncState::Stale {
                    since: SystemTime::now(),
                    error: format!(
                        "no answer from {} (context \"{}\") within {}; still waiting",
                        self.target.server,
                        self.target.context,
                        human_duration(silent_in.unwrap_or_default())
                    ),
                };
            }
        }
        self.report(&mut out);
        Some(out)
    }

    /// The watcher resumes a lost watch without telling; ask the server
    /// whether it answers again.
    async fn check_recovered(&mut self) {
        let probe = self.client.apiserver_version();
        let ok = match self.target.timeout {
            Some(t) => matches!(tokio::time::timeout(t, probe).await, Ok(Ok(_))),
            None => probe.await.is_ok(),
        };
        if ok {
            self.probe = false;
            self.health.state = if self.synced {
                SyncState::Live
            } else {
                SyncState::Syncing
            };
        }
    }

    fn on_item(&mut self, item: watcher::Result<watcher::Event<K>>, out: &mut Vec<Out>) {
        let ev = match item {
            Ok(ev) => ev,
            Err(e) => return self.on_error(e, out),
        };
        match &ev {
            watcher::Event::Init => {
                // A relist: the old state stays shown until it completes.
                if self.health.state == SyncState::Live {
                    self.health.state = SyncState::Syncing;
                }
            }
            watcher::Event::InitApply(_) => {}
            watcher::Event::InitDone | watcher::Event::Apply(_) | watcher::Event::Delete(_) => {
                if matches!(ev, watcher::Event::InitDone) {
                    self.synced = true;
                    if K::KIND == ResourceKind::Namespaces {
                        self.uncertain = false;
                    }
                }
                self.health.state = SyncState::Live;
                self.health.last_event = Some(SystemTime::now());
                self.probe = false;
            }
        }
        let mut events = Vec::new();
        self.tr.handle(ev, &mut events);
        out.extend(events.into_iter().map(Out::Event));
    }

    fn on_error(&mut self, err: watcher::Error, out: &mut Vec<Out>) {
        if watcher_is_forbidden(&err) {
            return self.on_forbidden(&err, out);
        }
        let gone = match &err {
            watcher::Error::WatchError(s) => s.code == 410,
            other => watcher_client_error(other).is_some_and(super::errors::is_gone),
        };
        if gone {
            // The watcher relists by itself (Init follows): not a failure.
            return;
        }
        let since = match &self.health.state {
            SyncState::Stale { since, .. } => *since,
            _ => SystemTime::now(),
        };
        self.health.state = SyncState::Stale {
            since,
            error: watcher_error_message(&err, &self.target),
        };
        self.probe = watcher_client_error(&err).is_some_and(is_transport);
    }

    fn on_forbidden(&mut self, err: &watcher::Error, out: &mut Vec<Out>) {
        let scope = self.tr.scope().map(str::to_string);
        if !self.synced
            && scope.is_none()
            && K::KIND != ResourceKind::Namespaces
            && let Some(ns) = self.fallback.clone()
        {
            // Cluster-wide is forbidden: follow the namespace in focus.
            self.stream = watch_stream::<K>(&self.client, Some(&ns));
            self.tr = Translator::new(Some(ns.clone()));
            self.health.scope = Some(ns.clone());
            self.health.state = SyncState::Syncing;
            self.scope_note = Some(format!(
                "not allowed to list or watch {} in all namespaces: showing namespace \"{ns}\" only \
                 ({} elsewhere are unknown)",
                K::KIND.qualified(),
                K::KIND.plural()
            ));
            return;
        }
        if K::KIND == ResourceKind::Namespaces && !self.synced && !self.uncertain {
            // Go on with the namespaces -n names; their labels are unknown.
            self.uncertain = true;
            out.push(Out::Event(Event::ReplaceNamespaces(self.known.clone())));
            self.health.last_event = Some(SystemTime::now());
        }
        let verb = match err {
            watcher::Error::InitialListFailed(_) => "list",
            _ => "watch",
        };
        let message = match watcher_client_error(err) {
            Some(e) => classify(e, &self.target, K::KIND, verb, scope.as_deref()).to_string(),
            None => LiveError::Forbidden {
                context: self.target.context.clone(),
                resource: K::KIND,
                verb,
                namespace: scope,
                message: watcher_error_message(err, &self.target),
            }
            .to_string(),
        };
        self.health.state = SyncState::Forbidden { message };
        self.probe = false;
    }

    /// Reports the health when it changed.
    fn report(&mut self, out: &mut Vec<Out>) {
        self.health.objects = if K::KIND == ResourceKind::Namespaces && self.uncertain {
            self.known.len()
        } else {
            self.tr.count()
        };
        self.health.listed = self.tr.listing();
        let mut notes: Vec<String> = self.scope_note.iter().cloned().collect();
        notes.extend(self.tr.notes());
        self.health.notes = notes;
        let now = (self.health.clone(), self.uncertain);
        if self.reported.as_ref() != Some(&now) {
            if K::KIND == ResourceKind::Namespaces
                && self.reported.as_ref().is_none_or(|(_, u)| *u != now.1)
            {
                out.push(Out::Uncertain(now.1));
            }
            out.push(Out::Health(now.0.clone()));
            self.reported = Some(now);
        }
    }
}

/// Folds the kinds' reports into one [`Health`].
struct Aggregator {
    health: Health,
}

impl Aggregator {
    fn absorb(&mut self, batch: Vec<Out>) -> Vec<LiveUpdate> {
        let mut updates = Vec::with_capacity(batch.len() + 1);
        let mut changed = false;
        for o in batch {
            match o {
                Out::Event(e) => updates.push(LiveUpdate::Event(e)),
                Out::Health(h) => {
                    let kind = h.kind;
                    *self.health.kind_mut(kind) = h;
                    changed = true;
                }
                Out::Uncertain(u) => {
                    changed |= self.health.namespaces_uncertain != u;
                    self.health.namespaces_uncertain = u;
                }
                Out::Tiers(t) => {
                    changed |= self.health.tiers.as_ref() != Some(&t);
                    self.health.tiers = Some(t);
                }
            }
        }
        if changed {
            updates.push(LiveUpdate::Health(Box::new(self.health.clone())));
        }
        updates
    }
}

pub(crate) fn watch(opts: LiveOptions) -> impl Stream<Item = LiveUpdate> + Send + 'static {
    stream::once(start(opts)).flat_map(|started| match started {
        Ok(s) => s,
        Err(e) => stream::iter([LiveUpdate::Failed(e)]).boxed(),
    })
}

async fn start(opts: LiveOptions) -> Result<BoxStream<'static, LiveUpdate>, LiveError> {
    let resolved = resolve(&opts).await?;
    let client = resolved.watch_client()?;
    let target = Arc::new(resolved.target.clone());
    let known: Vec<Namespace> = opts
        .namespace
        .iter()
        .map(|n| Namespace::new(n.clone(), Labels::new()))
        .collect();
    let focus = opts.namespace.clone();
    let kinds = stream::select_all([
        Driver::<core::Namespace>::new(client.clone(), target.clone(), None, known).into_stream(),
        Driver::<LivePod>::new(client.clone(), target.clone(), focus.clone(), vec![]).into_stream(),
        Driver::<net::NetworkPolicy>::new(client.clone(), target.clone(), focus.clone(), vec![])
            .into_stream(),
        Driver::<core::Service>::new(client.clone(), target.clone(), focus, vec![]).into_stream(),
        // Cluster-scoped tiers: CRDs, watched when installed.
        super::tier_watch::watch_events(client)
            .map(|(e, h)| {
                e.map(Out::Event)
                    .into_iter()
                    .chain(h.map(Out::Tiers))
                    .collect()
            })
            .boxed(),
    ]);
    let health = Health::new(target.server.clone(), target.context.clone());
    let first = LiveUpdate::Health(Box::new(health.clone()));
    let mut agg = Aggregator { health };
    let updates = kinds.flat_map(move |batch| stream::iter(agg.absorb(batch)));
    Ok(stream::once(async move { first }).chain(updates).boxed())
}
