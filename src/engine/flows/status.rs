//! Each recorded connection's verdict now (and after a proposal), and its
//! status: does the network do what the policies say, and would the change
//! cut traffic that really happens?

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::attribute::{Attributed, Conn, Side};
use super::{ConnStats, Time};
use crate::engine::connectivity::Granularity;
use crate::engine::index::Index;
use crate::engine::ipblock::IpRange;
use crate::engine::model::{Direction, Protocol};
use crate::engine::tiers::chain_text;
use crate::engine::verdict::{Endpoint, NoVerdict, PairVerdict, SideVerdict};

/// What the datapath did with the connections of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    Forwarded,
    Dropped,
    Mixed,
}

impl Observed {
    pub fn of(s: &ConnStats) -> Observed {
        match (s.forwarded > 0, s.dropped > 0) {
            (true, true) => Observed::Mixed,
            (false, true) => Observed::Dropped,
            _ => Observed::Forwarded,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Observed::Forwarded => "forwarded",
            Observed::Dropped => "dropped",
            Observed::Mixed => "mixed",
        }
    }
}

/// Statuses in order of precedence (and of output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    WouldBeCut,
    WouldBeOpened,
    ForwardedButDenied,
    DroppedButAllowed,
    DroppedAndDenied,
    Ok,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Ok,
        Status::ForwardedButDenied,
        Status::DroppedButAllowed,
        Status::DroppedAndDenied,
        Status::WouldBeCut,
        Status::WouldBeOpened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::WouldBeCut => "would-be-cut",
            Status::WouldBeOpened => "would-be-opened",
            Status::ForwardedButDenied => "forwarded-but-denied",
            Status::DroppedButAllowed => "dropped-but-allowed",
            Status::DroppedAndDenied => "dropped-and-denied",
            Status::Ok => "ok",
        }
    }

    /// The precedence rule of the flows contract.
    pub fn of(observed: Observed, allowed: bool, after: Option<bool>) -> Status {
        match (allowed, after) {
            (true, Some(false)) => return Status::WouldBeCut,
            (false, Some(true)) => return Status::WouldBeOpened,
            _ => {}
        }
        match (observed, allowed) {
            (Observed::Forwarded | Observed::Mixed, false) => Status::ForwardedButDenied,
            (Observed::Dropped | Observed::Mixed, true) => Status::DroppedButAllowed,
            (Observed::Dropped, false) => Status::DroppedAndDenied,
            (Observed::Forwarded, true) => Status::Ok,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the `flows` report.
#[derive(Debug, Clone)]
pub struct FlowRow {
    pub from: String,
    pub to: String,
    pub protocol: Protocol,
    pub port: u16,
    pub stats: ConnStats,
    pub observed: Observed,
    pub allowed: bool,
    pub because: String,
    /// The verdict after the proposal, when one is given.
    pub after: Option<bool>,
    pub status: Status,
    /// Namespaces of the ends (for `-n`).
    pub namespaces: (Option<String>, Option<String>),
}

impl FlowRow {
    pub fn first(&self) -> Option<Time> {
        self.stats.first
    }
}

/// The name of an end at this granularity.
pub fn name(idx: &Index, s: &Side, g: Granularity) -> String {
    match (s, g) {
        (Side::Pod(k), Granularity::Workload) => idx.workload_of(k),
        (Side::Pod(k), Granularity::Pod) => k.to_string(),
        (Side::Ip(ip), _) => ip.to_string(),
    }
}

pub(super) fn endpoint(idx: &Index, s: &Side) -> Option<Endpoint> {
    match s {
        Side::Pod(k) => idx.pod_class(k).map(Endpoint::Class),
        Side::Ip(ip) => Some(Endpoint::Ip(IpRange::single(*ip))),
    }
}

/// The verdict for one connection: allowed, and why in one line.
pub fn verdict(idx: &Index, c: &Conn, from: &str, to: &str) -> (bool, String) {
    if let Some(key) = &c.service {
        return super::via::verdict(idx, c, key, from);
    }
    let (Some(f), Some(t)) = (endpoint(idx, &c.from), endpoint(idx, &c.to)) else {
        return (
            true,
            "an end is not in this state (removed by the change)".into(),
        );
    };
    match idx.pair_verdict(f, t) {
        Ok(v) => because(&v, c.protocol, c.port, from, to),
        Err(NoVerdict::HostNetwork) => (
            true,
            "a hostNetwork pod: NetworkPolicy does not apply".into(),
        ),
        Err(NoVerdict::NoPod) => (
            true,
            "no pod on either end: NetworkPolicy does not apply".into(),
        ),
    }
}

pub(super) fn because(
    v: &PairVerdict,
    p: Protocol,
    port: u16,
    from: &str,
    to: &str,
) -> (bool, String) {
    let allowed = v.allowed.contains(p, port);
    let sides = [(&v.egress, from, to), (&v.ingress, to, from)];
    if !allowed {
        for (side, who, other) in sides {
            if let Some(s) = side
                && !s.allowed.contains(p, port)
            {
                if let Some((chain, np_last)) = chain_text(s, p, port) {
                    let rest = if np_last {
                        format!(", no rule allows {other} on {p} {port}")
                    } else {
                        String::new()
                    };
                    return (
                        false,
                        format!("{} of {who}: {chain}{rest}", dir(s.direction)),
                    );
                }
                let by: Vec<String> = s.isolated_by.iter().map(|k| k.to_string()).collect();
                return (
                    false,
                    format!(
                        "{} of {who}: isolated by {}, no rule allows {other} on {p} {port}",
                        dir(s.direction),
                        by.join(", ")
                    ),
                );
            }
        }
        return (false, format!("no common port on {p} {port}"));
    }
    let mut why = Vec::new();
    for (side, who, _) in sides {
        let Some(s) = side else { continue };
        why.push(format!(
            "{} of {who}: {}",
            dir(s.direction),
            side_allow(s, p, port)
        ));
    }
    (true, why.join("; "))
}

fn side_allow(s: &SideVerdict, p: Protocol, port: u16) -> String {
    let rule = s
        .hits
        .iter()
        .find(|h| h.ports.contains(p, port))
        .map(|h| format!("allowed by {} rule {}", h.policy, h.rule + 1));
    // Cluster-scoped tiers first: an Admin Accept or a Pass to an isolating
    // NetworkPolicy is the reason, not NetworkPolicy alone.
    if let Some((chain, np_last)) = chain_text(s, p, port) {
        return match (np_last, rule) {
            (true, Some(r)) => format!("{chain}, {r}"),
            _ => chain,
        };
    }
    if !s.is_isolated() {
        return "not isolated".into();
    }
    rule.unwrap_or_else(|| "allowed".into())
}

fn dir(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    }
}

/// The `flows` report: one row per distinct (from, to, protocol, port) at
/// granularity `g`, sorted by status, from, to, protocol, port. `after` is
/// the attributed index with the proposal applied. Several pods behind one
/// workload row: allowed if any of them is (a "denied" that is false for
/// some pods would give false confidence).
pub fn rows(att: &Attributed, after: Option<&Index>, g: Granularity) -> Vec<FlowRow> {
    type Key = (String, String, Protocol, u16);
    let mut acc: BTreeMap<Key, FlowRow> = BTreeMap::new();
    type Verdicts = (bool, String, Option<(bool, String)>);
    let mut memo: HashMap<(Side, Side, Protocol, u16), Verdicts> = HashMap::new();
    // Why the proposal changes an entry's verdict, for would-be-cut/opened.
    let mut after_why: HashMap<Key, String> = HashMap::new();
    for c in &att.conns {
        let from = name(&att.index, &c.from, g);
        let to = name(&att.index, &c.to, g);
        let (allowed, why, post) = memo
            .entry((c.from.clone(), c.to.clone(), c.protocol, c.port))
            .or_insert_with(|| {
                let (a, w) = verdict(&att.index, c, &from, &to);
                let post = after.map(|i| verdict(i, c, &from, &to));
                (a, w, post)
            })
            .clone();
        let (post, post_why) = match post {
            Some((p, w)) => (Some(p), Some(w)),
            None => (None, None),
        };
        let row = acc
            .entry((from.clone(), to.clone(), c.protocol, c.port))
            .or_insert_with(|| FlowRow {
                from,
                to,
                protocol: c.protocol,
                port: c.port,
                stats: ConnStats::default(),
                observed: Observed::Forwarded,
                allowed,
                because: why.clone(),
                after: post,
                status: Status::Ok,
                namespaces: (
                    c.from.namespace().map(str::to_string),
                    c.to.namespace().map(str::to_string),
                ),
            });
        row.stats.merge(&c.stats);
        if let Some(w) = post_why
            && post != Some(allowed)
        {
            after_why
                .entry((row.from.clone(), row.to.clone(), c.protocol, c.port))
                .or_insert(w);
        }
        if allowed && !row.allowed {
            row.allowed = true;
            row.because = why;
        }
        row.after = match (row.after, post) {
            (Some(a), Some(b)) => Some(a || b),
            (a, b) => a.or(b),
        };
    }
    let mut out: Vec<FlowRow> = acc
        .into_values()
        .map(|mut r| {
            r.observed = Observed::of(&r.stats);
            r.status = Status::of(r.observed, r.allowed, r.after);
            if matches!(r.status, Status::WouldBeCut | Status::WouldBeOpened)
                && let Some(w) = after_why.get(&(r.from.clone(), r.to.clone(), r.protocol, r.port))
            {
                r.because = format!("after the change, {w}");
            }
            r
        })
        .collect();
    out.sort_by(|a, b| {
        (a.status, &a.from, &a.to, a.protocol, a.port)
            .cmp(&(b.status, &b.from, &b.to, b.protocol, b.port))
    });
    out
}

/// Entries per status, every status present.
pub fn summary(rows: &[FlowRow]) -> BTreeMap<Status, usize> {
    let mut m: BTreeMap<Status, usize> = Status::ALL.iter().map(|s| (*s, 0)).collect();
    for r in rows {
        *m.entry(r.status).or_default() += 1;
    }
    m
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
