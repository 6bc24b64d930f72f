//! Recorded flows (Hubble, or the neutral CSV) checked against policy.
//!
//! The source layer turns input lines into a [`Recorded`]: distinct
//! connections keyed by their two ends as recorded, with counts. Here, pure
//! and without I/O: the ends are attributed to pods of the index (or to
//! "ghost" pods rebuilt from recorded labels when the pod is gone,
//! [`attribute`]), each connection gets its verdict now and after a proposal
//! ([`status`]), and least-privilege policies are derived from them
//! ([`suggest`]).

pub mod attribute;
pub mod evidence;
pub mod labels;
pub mod rollout;
pub mod status;
pub mod suggest;
pub mod suggest_yaml;
pub mod via;

pub mod time;

use std::collections::HashMap;
use std::net::IpAddr;

use super::model::{Labels, Owner, Protocol, ServiceKey};

/// Nanoseconds since the Unix epoch (UTC).
pub type Time = i64;

/// One end of a recorded connection, as the recording names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowEnd {
    /// A pod, alive or gone: recorded labels (`None`: not recorded, look the
    /// pod up by name) and the workload Hubble reported for it, if any.
    Pod {
        namespace: String,
        name: Option<String>,
        labels: Option<Labels>,
        workload: Option<Owner>,
    },
    /// `ns/name[Kind]` (neutral CSV).
    Workload {
        namespace: String,
        name: String,
        kind: String,
    },
    /// An address with no pod identity: outside the cluster (or unknown).
    Ip(IpAddr),
    /// An end NetworkPolicy does not decide or that cannot be named (the
    /// host, other nodes, Cilium health, no identity at all): reported with
    /// this description, never guessed.
    Unresolved(String),
}

/// A distinct recorded connection: its ends, protocol and destination port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnKey {
    pub from: FlowEnd,
    pub to: FlowEnd,
    pub protocol: Protocol,
    pub port: u16,
}

/// What was seen of the connections of one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnStats {
    /// Connections delivered (no policy drop seen for them).
    pub forwarded: u64,
    /// Connections with a policy drop.
    pub dropped: u64,
    pub first: Option<Time>,
    pub last: Option<Time>,
    /// The Services the connection was addressed to (Hubble's
    /// `destination_service`, or a ClusterIP destination), sorted; at most
    /// [`MAX_VIA`], so memory follows connections, not lines.
    pub via: Vec<ServiceKey>,
}

/// At most this many Services are kept per connection.
pub const MAX_VIA: usize = 4;

impl ConnStats {
    pub fn count(&self) -> u64 {
        self.forwarded + self.dropped
    }

    pub fn seen_at(&mut self, t: Option<Time>) {
        if let Some(t) = t {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    pub fn merge(&mut self, o: &ConnStats) {
        self.forwarded += o.forwarded;
        self.dropped += o.dropped;
        self.seen_at(o.first);
        self.seen_at(o.last);
        for k in &o.via {
            self.add_via(k);
        }
    }

    /// Notes a Service the connection was addressed to.
    pub fn add_via(&mut self, k: &ServiceKey) {
        if let Err(i) = self.via.binary_search(k)
            && self.via.len() < MAX_VIA
        {
            self.via.insert(i, k.clone());
        }
    }

    /// `via svc/NS/NAME[, svc/NS/NAME]`, or empty.
    pub fn via_text(&self) -> String {
        if self.via.is_empty() {
            return String::new();
        }
        let v: Vec<String> = self.via.iter().map(|k| format!("svc/{k}")).collect();
        format!("via {}", v.join(", "))
    }
}

/// Records that were read but are not connections (`input.skipped`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Reply packets and later packets of a connection.
    pub reply: u64,
    /// ICMP, L7 records, socket events: not decidable by NetworkPolicy.
    pub not_l4: u64,
    /// Lines that are not valid JSON / CSV.
    pub unparsed: u64,
    /// Connections (not lines) whose ends could not be attributed.
    pub unresolved: u64,
}

/// Everything read from the recorded flows, aggregated: memory grows with
/// distinct connection keys, not with lines.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    // Each key is stored once (in `lookup`); slots index `stats`.
    stats: Vec<ConnStats>,
    lookup: HashMap<ConnKey, u32>,
    /// Flow records read (flows and malformed lines; not lost-event notices).
    pub records: u64,
    pub skipped: Skipped,
    /// Not flows: lost events, node status, agent and debug events.
    pub other_events: u64,
    /// Policy-unrelated drops (not counted as connections).
    pub other_drops: u64,
    /// Malformed input, as `file:line: reason` (the first ones).
    pub problems: Vec<String>,
    pub first: Option<Time>,
    pub last: Option<Time>,
}

/// At most this many problems are kept word for word; the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

impl Recorded {
    /// The slot of `key`, created empty on first sight.
    pub fn slot(&mut self, key: ConnKey) -> usize {
        if let Some(&i) = self.lookup.get(&key) {
            return i as usize;
        }
        let i = self.stats.len();
        self.stats.push(ConnStats::default());
        self.lookup.insert(key, i as u32);
        i
    }

    pub fn stats_mut(&mut self, slot: usize) -> &mut ConnStats {
        &mut self.stats[slot]
    }

    /// Adds `n` connections of `key`, dropped by policy or delivered.
    pub fn add(&mut self, key: ConnKey, n: u64, dropped: bool, t: Option<Time>) {
        let s = self.slot(key);
        let st = &mut self.stats[s];
        if dropped {
            st.dropped += n;
        } else {
            st.forwarded += n;
        }
        st.seen_at(t);
    }

    pub fn seen_at(&mut self, t: Option<Time>) {
        if let Some(t) = t {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }

    pub fn problem(&mut self, msg: String) {
        self.skipped.unparsed += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(msg);
        }
    }

    /// Distinct connection keys with at least one connection (in no
    /// particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&ConnKey, &ConnStats)> {
        self.lookup
            .iter()
            .map(|(k, &i)| (k, &self.stats[i as usize]))
            .filter(|(_, s)| s.count() > 0)
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Adds another recording (several `--flows`).
    pub fn absorb(&mut self, o: Recorded) {
        for (k, i) in o.lookup {
            let j = self.slot(k);
            self.stats[j].merge(&o.stats[i as usize]);
        }
        self.records += o.records;
        self.skipped.reply += o.skipped.reply;
        self.skipped.not_l4 += o.skipped.not_l4;
        self.skipped.unparsed += o.skipped.unparsed;
        self.skipped.unresolved += o.skipped.unresolved;
        self.other_events += o.other_events;
        self.other_drops += o.other_drops;
        for p in o.problems {
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(p);
            }
        }
        self.seen_at(o.first);
        self.seen_at(o.last);
    }
}

#[cfg(test)]
pub(crate) mod fixture;
