//! Following the cluster-scoped tier kinds (ClusterNetworkPolicy,
//! AdminNetworkPolicy, BaselineAdminNetworkPolicy) in live mode: one kube
//! watcher per kind, like the built-in kinds. They are CRDs: the 404 of a
//! kind's list means its CRD is not installed, which is normal. The watcher
//! retries with its backoff, so a CRD installed later is picked up.
//!
//! Each change of a kind becomes one `ReplaceClusterPolicies` event for
//! that kind (these objects are few and change rarely).

use std::collections::BTreeMap;

use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use kube::Client;
use kube::api::DynamicObject;
use kube::runtime::{WatchStreamExt, watcher};

use super::config::WATCH_TIMEOUT_SECS;
use super::errors::{api_status, watcher_client_error, watcher_is_forbidden};
use super::health::TierHealth;
use super::tiers::{KINDS, api, convert};
use crate::engine::model::Event;
use crate::engine::tiers::{ClusterKind, ClusterPolicy};

/// What is known of one kind.
#[derive(Debug, Clone, PartialEq)]
enum State {
    /// No answer yet.
    Unknown,
    Listed,
    /// 404: the CRD is not installed.
    Missing,
    Forbidden,
    Failed(String),
}

/// One kind's news: its new state, and its policies when they changed.
struct Step {
    slot: usize,
    state: State,
    count: usize,
    policies: Option<(ClusterKind, Vec<ClusterPolicy>)>,
}

/// Follows one kind.
struct KindWatch {
    slot: usize,
    kind: ClusterKind,
    state: State,
    /// Valid objects by name, as last reported.
    objects: BTreeMap<String, ClusterPolicy>,
    /// During a (re)list: what it returned so far (the old objects stay
    /// until it completes, as for the other kinds).
    init: Option<BTreeMap<String, ClusterPolicy>>,
}

fn name_of(obj: &DynamicObject) -> String {
    obj.metadata.name.clone().unwrap_or_default()
}

impl KindWatch {
    fn on_item(&mut self, item: watcher::Result<watcher::Event<DynamicObject>>) -> Option<Step> {
        let before = self.state.clone();
        let mut changed = false;
        match item {
            Ok(watcher::Event::Init) => self.init = Some(BTreeMap::new()),
            Ok(watcher::Event::InitApply(obj)) => {
                // Invalid objects are left out (list_once notes them).
                if let (Some(init), Ok(p)) = (self.init.as_mut(), convert(self.kind, &obj)) {
                    init.insert(name_of(&obj), p);
                }
            }
            Ok(watcher::Event::InitDone) => {
                let listed = self.init.take().unwrap_or_default();
                changed = listed != self.objects;
                self.objects = listed;
                self.state = State::Listed;
            }
            Ok(watcher::Event::Apply(obj)) => {
                let name = name_of(&obj);
                changed = match convert(self.kind, &obj) {
                    Ok(p) => self.objects.insert(name, p.clone()).as_ref() != Some(&p),
                    // Now invalid: the API server would not have taken it;
                    // leave it out as a list would.
                    Err(_) => self.objects.remove(&name).is_some(),
                };
                self.state = State::Listed;
            }
            Ok(watcher::Event::Delete(obj)) => {
                changed = self.objects.remove(&name_of(&obj)).is_some();
                self.state = State::Listed;
            }
            Err(e) => {
                let code = match &e {
                    watcher::Error::WatchError(s) => Some(s.code),
                    other => watcher_client_error(other)
                        .and_then(api_status)
                        .map(|s| s.code),
                };
                if code == Some(410) {
                    // The watcher relists by itself (Init follows).
                    return None;
                }
                self.init = None;
                if code == Some(404) {
                    // Not installed (or its CRD was removed: so were its objects).
                    changed = !self.objects.is_empty();
                    self.objects.clear();
                    self.state = State::Missing;
                } else if watcher_is_forbidden(&e) {
                    // Like the other kinds: what was read stays, marked forbidden.
                    self.state = State::Forbidden;
                } else {
                    self.state = State::Failed(e.to_string());
                }
            }
        }
        (changed || self.state != before).then(|| Step {
            slot: self.slot,
            state: self.state.clone(),
            count: self.objects.len(),
            policies: changed.then(|| (self.kind, self.objects.values().cloned().collect())),
        })
    }
}

fn kind_stream(client: &Client, slot: usize) -> BoxStream<'static, Step> {
    let (kind, version, plural) = KINDS[slot];
    let cfg = watcher::Config::default().timeout(WATCH_TIMEOUT_SECS);
    let w = KindWatch {
        slot,
        kind,
        state: State::Unknown,
        objects: BTreeMap::new(),
        init: None,
    };
    watcher(api(client, kind, version, plural), cfg)
        .default_backoff()
        .scan(w, |w, item| futures::future::ready(Some(w.on_item(item))))
        .filter_map(futures::future::ready)
        .boxed()
}

/// The status for the user once every kind has answered: "not installed"
/// only when none of the three exists.
fn status(states: &[(State, usize)]) -> Option<TierHealth> {
    if states.iter().any(|(s, _)| *s == State::Unknown) {
        return None;
    }
    let listed: Vec<usize> = states
        .iter()
        .filter(|(s, _)| *s == State::Listed)
        .map(|(_, n)| *n)
        .collect();
    Some(if !listed.is_empty() {
        TierHealth::Listed(listed.iter().sum())
    } else if states.iter().any(|(s, _)| *s == State::Forbidden) {
        TierHealth::Forbidden
    } else if let Some(e) = states.iter().find_map(|(s, _)| match s {
        State::Failed(e) => Some(e.clone()),
        _ => None,
    }) {
        TierHealth::Failed(e)
    } else {
        TierHealth::NotInstalled
    })
}

/// Watches the three kinds: a replace event for a kind whenever its
/// policies change, and the tiers' health once all three have answered.
pub(crate) fn watch_events(
    client: Client,
) -> impl Stream<Item = (Option<Event>, Option<TierHealth>)> + Send + 'static {
    let kinds = stream::select_all((0..KINDS.len()).map(|slot| kind_stream(&client, slot)));
    let states = vec![(State::Unknown, 0usize); KINDS.len()];
    kinds.scan(states, |states, step| {
        states[step.slot] = (step.state, step.count);
        let ev = step
            .policies
            .map(|(kind, policies)| Event::ReplaceClusterPolicies {
                kinds: vec![kind],
                policies,
            });
        futures::future::ready(Some((ev, status(states))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_waits_for_all_kinds_and_prefers_what_was_read() {
        let s = |v: Vec<State>| status(&v.into_iter().map(|s| (s, 2)).collect::<Vec<_>>());
        assert_eq!(s(vec![State::Listed, State::Unknown, State::Missing]), None);
        assert_eq!(
            s(vec![State::Missing, State::Missing, State::Missing]),
            Some(TierHealth::NotInstalled)
        );
        assert_eq!(
            s(vec![State::Forbidden, State::Missing, State::Missing]),
            Some(TierHealth::Forbidden)
        );
        assert_eq!(
            s(vec![State::Listed, State::Forbidden, State::Listed]),
            Some(TierHealth::Listed(4))
        );
        assert_eq!(
            s(vec![
                State::Failed("x".into()),
                State::Missing,
                State::Missing
            ]),
            Some(TierHealth::Failed("x".into()))
        );
    }
}
