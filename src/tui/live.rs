//! The live cluster path: `source::live::watch` (a stream of engine events
//! and sync health) forwarded into the UI's message channel as
//! `Msg::Source` batches. `update` applies the events to the index and
//! shows health in the status bar; nothing else changes when the source is
//! live.

use color_eyre::eyre::Result;
use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;

use crate::source::live::{self, Health, LiveOptions, LiveUpdate};

use super::app::{SourceMsg, SyncState};
use super::update::Msg;

/// Source messages for a health report: one per kind, and the context.
pub fn health_msgs(h: &Health) -> Vec<SourceMsg> {
    let mut v = vec![
        SourceMsg::Context(h.context.clone()),
        SourceMsg::Notes(h.notes()),
    ];
    for k in h.kinds() {
        let (state, detail) = match &k.state {
            live::SyncState::Syncing => {
                (SyncState::Syncing, k.listed.map(|n| format!("{n} listed")))
            }
            live::SyncState::Live => (SyncState::Live, None),
            live::SyncState::Stale { error, .. } => (SyncState::Stale, Some(error.clone())),
            live::SyncState::Forbidden { message } => (SyncState::Forbidden, Some(message.clone())),
        };
        v.push(SourceMsg::Health {
            kind: k.kind.plural().to_string(),
            state,
            detail,
        });
    }
    // Cluster-scoped tiers (CRDs): "not installed" is normal.
    if let Some(t) = &h.tiers {
        let (state, detail) = match t {
            live::TierHealth::NotInstalled => (SyncState::NotInstalled, None),
            live::TierHealth::Listed(_) => (SyncState::Live, None),
            live::TierHealth::Forbidden => (SyncState::Forbidden, None),
            live::TierHealth::Failed(e) => (SyncState::Stale, Some(e.clone())),
        };
        v.push(SourceMsg::Health {
            kind: "tiers".to_string(),
            state,
            detail,
        });
    }
    v
}

/// Starts watching the cluster of the current (or `--context`) context and
/// forwards updates to `tx`, in batches (whatever is ready at once). Must
/// run inside the tokio runtime. A source that cannot start ends the app
/// with its error.
pub fn start(opts: LiveOptions, tx: UnboundedSender<Msg>) -> Result<()> {
    let stream = live::watch(opts);
    tokio::spawn(async move {
        let mut batches = Box::pin(stream.ready_chunks(4096));
        while let Some(batch) = batches.next().await {
            let mut out = Vec::with_capacity(batch.len());
            for u in batch {
                match u {
                    LiveUpdate::Event(e) => out.push(SourceMsg::Event(e)),
                    LiveUpdate::Health(h) => out.extend(health_msgs(&h)),
                    LiveUpdate::Failed(e) => {
                        let _ = tx.send(Msg::Fatal(e.to_string()));
                        return;
                    }
                }
            }
            if tx.send(Msg::Source(out)).is_err() {
                return;
            }
        }
    });
    Ok(())
}
