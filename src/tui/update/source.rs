//! Messages from the source: events wait in `pending` until the index can
//! take them; health, notes, context and errors go to the status bar.

use super::*;

pub(super) fn apply(app: &mut App, batch: Vec<SourceMsg>) {
    let now = Instant::now();
    app.now = now;
    for m in batch {
        match m {
            SourceMsg::Event(e) => {
                app.pending.push(e);
                app.pending_since.get_or_insert(now);
                app.source.events += 1;
                app.source.last_event = Some(now);
            }
            SourceMsg::Health {
                kind,
                state,
                detail,
            } => match app.source.health.iter_mut().find(|(k, _, _)| *k == kind) {
                Some(h) => *h = (kind, state, detail),
                None => app.source.health.push((kind, state, detail)),
            },
            SourceMsg::Notes(n) => app.source.warnings = n,
            SourceMsg::Context(c) => {
                if let crate::source::Origin::Live { context } = &mut app.source.kind {
                    *context = Some(c);
                }
            }
            SourceMsg::Feed(ev) => crate::tui::feed::apply(app, ev),
            SourceMsg::Error(e) => {
                app.flash = Some(e.clone());
                app.source.errors.push(e);
            }
        }
    }
}

/// Live flows came (`--hubble`; called at most once a second): the views
/// that read the recording compute again. A view whose job still runs is
/// retried at the next tick.
pub(super) fn flows_changed(app: &mut App, fx: &mut Vec<Effect>) {
    app.flow_rows = None;
    // Same selection, a generation no index has: the detail is computed
    // again without resetting its scroll.
    if let Some((_, g)) = app.detail_key.as_mut() {
        *g = u64::MAX;
    }
    let mut busy = false;
    if app.whatif.proposal.is_some() {
        busy |= app.whatif.pending.is_some();
        if !busy {
            whatif::spawn(app, fx);
        }
    }
    if let Overlay::Rollout(r) = &app.overlay {
        if r.pending.is_some() {
            busy = true;
        } else {
            spawn_rollout(app, fx);
        }
    }
    if busy {
        crate::tui::feed::retry(app);
    }
}
