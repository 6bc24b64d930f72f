//! The what-if warm-up. The first what-if of an index state also compiles
//! every policy and counts the cluster's allowed pod pairs (at 150k pods
//! about 40 % of it). Once the index has been quiet for a moment, a job
//! does that ahead of time; the result is kept on the index's memo, which
//! the what-if job's copy shares, so the first what-if the user asks for
//! starts warm. Live events that keep changing the index only move the
//! moment on: nothing is compiled for a state that lasts less than that.

use std::time::Duration;

use super::super::app::App;
use super::super::jobs::Job;
use super::Effect;

/// How long the index must stay unchanged before it is compiled.
pub const WARM_AFTER: Duration = Duration::from_secs(1);

pub(super) fn maybe_warm(app: &mut App, fx: &mut Vec<Effect>) {
    let generation = app.index.generation();
    let w = &mut app.warm;
    if w.pending || w.done == Some(generation) || app.index.pod_count() < w.min_pods {
        return;
    }
    match w.seen {
        Some((g, since)) if g == generation => {
            if app.now.saturating_duration_since(since) < WARM_AFTER {
                return;
            }
        }
        _ => {
            w.seen = Some((generation, app.now));
            return;
        }
    }
    w.pending = true;
    fx.push(Effect::Spawn(Job::Warm {
        index: app.index.clone(),
    }));
}

pub(super) fn warm_done(app: &mut App, generation: u64) {
    app.warm.pending = false;
    app.warm.done = Some(generation);
}

#[cfg(test)]
mod tests {
    use super::super::{Msg, update};
    use super::*;
    use crate::engine::index::Index;
    use crate::engine::model::Event;
    use crate::source::Origin;
    use crate::source::synth::{SynthSpec, generate};
    use crate::tui::app::SourceInfo;
    use crate::tui::jobs;
    use crate::tui::theme::{Theme, ThemeKind};

    fn warm_jobs(fx: Vec<Effect>) -> Vec<Job> {
        fx.into_iter()
            .filter_map(|e| match e {
                Effect::Spawn(j @ Job::Warm { .. }) => Some(j),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_quiet_index_is_compiled_once_and_again_after_a_change() {
        let snap = generate(SynthSpec::with_pods(300));
        let pod = snap.pods[0].clone();
        let mut app = App::new(
            Index::from_snapshot(snap),
            SourceInfo::new(Origin::Demo),
            Theme::new(ThemeKind::Mono),
        );
        app.warm.min_pods = 0;
        let t0 = app.now;
        let at = |ms: u64| Msg::Tick(t0 + Duration::from_millis(ms));
        assert!(warm_jobs(update(&mut app, at(0))).is_empty());
        assert!(
            warm_jobs(update(&mut app, at(500))).is_empty(),
            "not quiet yet"
        );
        let mut jobs = warm_jobs(update(&mut app, at(1100)));
        assert_eq!(jobs.len(), 1, "quiet for a second");
        assert!(app.index.memo().get().is_none());
        assert!(
            warm_jobs(update(&mut app, at(1500))).is_empty(),
            "one at a time"
        );
        let out = jobs::run(jobs.remove(0));
        update(&mut app, Msg::Job(out));
        let memo = app.index.memo().get().expect("compiled on the app's index");
        assert!(memo.pod_pair_total().is_some(), "pairs counted");
        assert!(
            warm_jobs(update(&mut app, at(5000))).is_empty(),
            "done for this state"
        );
        // A change: a new state, compiled again once quiet.
        app.pending.push(Event::UpsertPod(pod));
        app.pending_since = Some(t0);
        assert!(warm_jobs(update(&mut app, at(5100))).is_empty());
        assert!(app.index.memo().get().is_none(), "the change dropped it");
        assert_eq!(warm_jobs(update(&mut app, at(6200))).len(), 1);
    }

    #[test]
    fn small_clusters_are_not_warmed_by_default() {
        let mut app = App::new(
            Index::from_snapshot(generate(SynthSpec::with_pods(300))),
            SourceInfo::new(Origin::Demo),
            Theme::new(ThemeKind::Mono),
        );
        let t0 = app.now;
        for s in 0..5 {
            let fx = update(&mut app, Msg::Tick(t0 + Duration::from_secs(s)));
            assert!(warm_jobs(fx).is_empty());
        }
    }
}
