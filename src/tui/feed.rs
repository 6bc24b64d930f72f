//! Live flows (`--hubble`): the relay's stream runs in the background like
//! the watchers (`source::flows::relay::follow`), its flows arrive as
//! `SourceMsg::Feed` and go into the same recording `--flows` fills; the
//! views that read it are refreshed at most once a second. The status bar
//! shows the stream's state and flows/s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use crate::source::flows::Ingest;
use crate::source::flows::relay::{self, FeedEvent, FeedState, RelayOptions, Window};

use super::app::{App, SourceMsg};
use super::update::Msg;

/// The followed stream, as the UI knows it.
pub struct FlowFeed {
    pub addr: String,
    pub state: FeedState,
    /// When `state` was set (the retry countdown counts from it).
    pub state_at: Instant,
    /// Flows received (not notices).
    pub received: u64,
    /// Flows per second over the last measured second or more.
    pub rate: f64,
    window: (Instant, u64),
    ingest: Ingest,
    /// Flows arrived since the views were last refreshed.
    changed: bool,
}

impl FlowFeed {
    pub fn new(addr: String, now: Instant) -> Self {
        FlowFeed {
            addr,
            state: FeedState::Connecting,
            state_at: now,
            received: 0,
            rate: 0.0,
            window: (now, 0),
            ingest: Ingest::default(),
            changed: false,
        }
    }

    /// The status bar's words: `hubble ADDR connected · 12.5 flows/s`.
    pub fn status(&self, now: Instant) -> (String, Option<String>) {
        match &self.state {
            FeedState::Connecting => (format!("hubble {} connecting", self.addr), None),
            FeedState::Connected => (
                format!("hubble {} connected · {:.1} flows/s", self.addr, self.rate),
                None,
            ),
            FeedState::Retrying { error, after } => {
                let left = after.saturating_sub(now.saturating_duration_since(self.state_at));
                (
                    format!("hubble {} retrying in {}s", self.addr, left.as_secs() + 1),
                    Some(error.clone()),
                )
            }
        }
    }
}

/// Starts following the relay; its reports go to `tx`. Must run inside the
/// tokio runtime. Never ends the app: a relay that cannot be reached is
/// retried (the status bar says why).
pub fn start(opts: RelayOptions, start: Window, tx: UnboundedSender<Msg>) {
    relay::follow(opts, start, move |ev| {
        tx.send(Msg::Source(vec![SourceMsg::Feed(ev)])).is_ok()
    });
}

/// One report of the stream.
pub fn apply(app: &mut App, ev: FeedEvent) {
    let now = app.now;
    let Some(feed) = app.feed.as_mut() else {
        return;
    };
    match ev {
        FeedEvent::State(s) => {
            if s != FeedState::Connected {
                feed.rate = 0.0;
            }
            feed.state = s;
            feed.state_at = now;
        }
        FeedEvent::Flows(batch) => {
            // Copies the recording only while a background job reads it.
            let rec = Arc::make_mut(app.flows.get_or_insert_with(Default::default));
            for r in batch {
                if r.flow.is_some() {
                    feed.received += 1;
                    feed.window.1 += 1;
                }
                feed.ingest.add(rec, r);
            }
            feed.changed = true;
        }
    }
    app.dirty = true;
}

/// Once a second: the rate. True when flows came since the last tick: the
/// views of the recording are refreshed then (not per batch: attribution
/// reads the whole recording).
pub fn tick(app: &mut App) -> bool {
    let now = app.now;
    let Some(feed) = app.feed.as_mut() else {
        return false;
    };
    let (start, n) = feed.window;
    let elapsed = now.saturating_duration_since(start);
    if elapsed >= Duration::from_secs(1) {
        feed.rate = n as f64 / elapsed.as_secs_f64();
        feed.window = (now, 0);
    }
    // The retry countdown and the rate move.
    app.dirty = true;
    std::mem::take(&mut feed.changed)
}

/// A view could not be refreshed yet (its job still runs): try again at
/// the next tick.
pub fn retry(app: &mut App) {
    if let Some(f) = app.feed.as_mut() {
        f.changed = true;
    }
}
