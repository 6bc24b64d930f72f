//! Hubble flow JSON (`hubble observe -o jsonpb` / `-o json`, exporter files):
//! the `{"flow": {...}}` wrapper and bare flow objects, one per line or
//! pretty-printed. Only the fields that matter are read; unknown fields are
//! ignored (newer agents add some), every field is optional (field masks).

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::keys::{EndRef, Keys};
use crate::engine::flows::{ConnKey, Recorded, Time, time};
use crate::engine::model::{Protocol, ServiceKey};

#[derive(Deserialize, Default)]
pub(super) struct Flow<'a> {
    #[serde(borrow)]
    flow: Option<Box<Flow<'a>>>,
    lost_events: Option<IgnoredAny>,
    node_status: Option<IgnoredAny>,
    agent_event: Option<IgnoredAny>,
    debug_event: Option<IgnoredAny>,
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    verdict: Option<Cow<'a, str>>,
    #[serde(borrow)]
    drop_reason_desc: Option<Cow<'a, str>>,
    drop_reason: Option<u32>,
    #[serde(rename = "IP", borrow)]
    ip: Option<Ips<'a>>,
    l4: Option<L4>,
    #[serde(borrow)]
    source: Option<MaybeEndpoint<'a>>,
    #[serde(borrow)]
    destination: Option<Endpoint<'a>>,
    /// Set only while the packet still has a Service frontend address.
    #[serde(borrow)]
    destination_service: Option<SvcName<'a>>,
    #[serde(rename = "Type", borrow)]
    kind: Option<Cow<'a, str>>,
    event_type: Option<EventType>,
    is_reply: Option<bool>,
    reply: Option<bool>,
    l7: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Ips<'a> {
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct L4 {
    TCP: Option<Ports>,
    UDP: Option<Ports>,
    SCTP: Option<Ports>,
}

#[derive(Deserialize)]
struct Ports {
    source_port: Option<u16>,
    destination_port: Option<u16>,
    flags: Option<Flags>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Flags {
    #[serde(default)]
    SYN: bool,
    #[serde(default)]
    ACK: bool,
}

#[derive(Deserialize)]
struct EventType {
    #[serde(rename = "type")]
    kind: Option<i32>,
}

#[derive(Deserialize, Default)]
struct Endpoint<'a> {
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pod_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    labels: LabelList<'a>,
    #[serde(default, borrow)]
    workloads: Vec<Workload<'a>>,
}

#[derive(Deserialize)]
struct SvcName<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
}

impl SvcName<'_> {
    /// (namespace, name).
    fn key(&self) -> Option<(&str, &str)> {
        let name = self.name.as_deref().filter(|n| !n.is_empty())?;
        let ns = self.namespace.as_deref().filter(|n| !n.is_empty())?;
        Some((ns, name))
    }
}

#[derive(Deserialize)]
struct Workload<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
}

/// Linux's default ephemeral port range: the client side of a connection.
fn ephemeral(p: u16) -> bool {
    (32768..=60999).contains(&p)
}

/// Drop reasons that are policy: POLICY_DENIED (133), POLICY_DENY (181),
/// AUTH_REQUIRED (189).
fn policy_drop(f: &Flow) -> bool {
    match f.drop_reason_desc.as_deref() {
        Some(d) => matches!(d, "POLICY_DENIED" | "POLICY_DENY" | "AUTH_REQUIRED"),
        None => matches!(f.drop_reason, Some(133 | 181 | 189)),
    }
}

/// A connection: (client IP, client port, server IP, server port, protocol).
type FiveTuple = (IpAddr, u16, IpAddr, u16, Protocol);

/// Same 5-tuple within this time of its last packet: the same connection.
const SAME_CONNECTION_NS: Time = 120 * 1_000_000_000;

/// Connection state while reading: which key a 5-tuple counts for, when it
/// was last seen, and whether a policy drop was seen for it. Pruned as time
/// advances so that memory follows live connections, not lines.
#[derive(Default)]
pub(super) struct Dedup {
    seen: HashMap<FiveTuple, (usize, Option<Time>, bool), foldhash::fast::RandomState>,
    newest: Option<Time>,
    since_prune: usize,
}

impl Dedup {
    /// A new file starts: its clock starts again (files of several nodes
    /// cover the same time), so entries of earlier files are pruned only as
    /// this one moves past them.
    pub(super) fn new_input(&mut self) {
        self.newest = None;
    }

    fn prune(&mut self) {
        self.since_prune += 1;
        if self.since_prune < 65_536 {
            return;
        }
        self.since_prune = 0;
        if let Some(now) = self.newest {
            self.seen
                .retain(|_, (_, t, _)| t.is_none_or(|t| now - t < 2 * SAME_CONNECTION_NS));
        }
    }
}

/// One JSON value reduced to what aggregation needs. Pure: computed on any
/// thread (the line pipeline parses on several), then applied in input
/// order by [`apply`], which holds all the order-dependent state.
pub(super) enum Item {
    NotFlow,
    /// A line that is not a flow (message with file and line).
    Malformed(String),
    Flow(Option<Time>, What),
}

/// What a flow record counts as.
pub(super) enum What {
    NotL4,
    OtherDrop,
    Reply,
    Conn(Box<Conn>),
}

/// A connection's first packet (or any of its non-reply packets).
pub(super) struct Conn {
    key: ConnKey,
    via: Option<ServiceKey>,
    tuple: Option<FiveTuple>,
    dropped: bool,
}

/// [`What`], borrowed from the parsed value (see [`add`]).
enum WhatRef<'e> {
    NotL4,
    OtherDrop,
    Reply,
    Conn(ConnRef<'e>),
}

/// The ends are named only when needed: not for a connection seen before
/// (most of its packets).
struct ConnRef<'e> {
    src: Option<&'e Endpoint<'e>>,
    dst: Option<&'e Endpoint<'e>>,
    sip: Option<IpAddr>,
    dip: Option<IpAddr>,
    protocol: Protocol,
    port: u16,
    /// The Service's (namespace, name).
    via: Option<(&'e str, &'e str)>,
    tuple: Option<FiveTuple>,
    dropped: bool,
}

impl<'e> ConnRef<'e> {
    fn ends(&self) -> (EndRef<'e>, EndRef<'e>) {
        (end(self.src, self.sip), end(self.dst, self.dip))
    }
}

impl WhatRef<'_> {
    fn to_owned(&self) -> What {
        match self {
            WhatRef::NotL4 => What::NotL4,
            WhatRef::OtherDrop => What::OtherDrop,
            WhatRef::Reply => What::Reply,
            WhatRef::Conn(c) => What::Conn(Box::new(Conn {
                key: ConnKey {
                    from: end(c.src, c.sip).to_owned(),
                    to: end(c.dst, c.dip).to_owned(),
                    protocol: c.protocol,
                    port: c.port,
                },
                via: c.via.map(|(ns, name)| ServiceKey::new(ns, name)),
                tuple: c.tuple,
                dropped: c.dropped,
            })),
        }
    }
}

/// The flow record of a parsed value (`None`: not a flow).
fn record<'v, 'a>(v: &'v Flow<'a>) -> Option<&'v Flow<'a>> {
    if v.lost_events.is_some()
        || v.node_status.is_some()
        || v.agent_event.is_some()
        || v.debug_event.is_some()
    {
        return None;
    }
    match &v.flow {
        Some(f) => Some(f),
        None if v.verdict.is_some()
            || v.ip.is_some()
            || matches!(v.source, Some(MaybeEndpoint::Endpoint(_))) =>
        {
            Some(v)
        }
        None => None,
    }
}

fn when(f: &Flow) -> Option<Time> {
    f.time.as_deref().and_then(time::parse)
}

/// Classifies one parsed JSON value.
pub(super) fn classify(v: Flow) -> Item {
    match record(&v) {
        Some(f) => Item::Flow(when(f), what(f).to_owned()),
        None => Item::NotFlow,
    }
}

/// Counts a flow record at `t`: the part of [`apply`] before its kind.
fn begin(rec: &mut Recorded, dd: &mut Dedup, t: Option<Time>) {
    rec.records += 1;
    rec.seen_at(t);
    dd.newest = match (dd.newest, t) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    dd.prune();
}

/// Adds one classified value to `rec`, in input order.
pub(super) fn apply(rec: &mut Recorded, dd: &mut Dedup, item: Item) {
    let (t, what) = match item {
        Item::NotFlow => {
            rec.other_events += 1;
            return;
        }
        Item::Malformed(msg) => {
            rec.records += 1;
            rec.problem(msg);
            return;
        }
        Item::Flow(t, what) => (t, what),
    };
    begin(rec, dd, t);
    match what {
        What::NotL4 => rec.skipped.not_l4 += 1,
        What::OtherDrop => rec.other_drops += 1,
        What::Reply => rec.skipped.reply += 1,
        What::Conn(c) => {
            let Conn {
                key,
                via,
                tuple,
                dropped,
            } = *c;
            let via = via
                .as_ref()
                .map(|k| (k.namespace.as_str(), k.name.as_str()));
            conn(rec, dd, |rec| rec.slot(key), via, tuple, dropped, t);
        }
    }
}

/// [`classify`] then [`apply`], on the reading thread: the key is looked up
/// borrowed and built owned only when new (most lines repeat a known key).
/// `keys` belongs to `rec`.
pub(super) fn add(rec: &mut Recorded, dd: &mut Dedup, keys: &mut Keys, v: Flow) {
    let Some(f) = record(&v) else {
        rec.other_events += 1;
        return;
    };
    let t = when(f);
    begin(rec, dd, t);
    match what(f) {
        WhatRef::NotL4 => rec.skipped.not_l4 += 1,
        WhatRef::OtherDrop => rec.other_drops += 1,
        WhatRef::Reply => rec.skipped.reply += 1,
        WhatRef::Conn(c) => {
            let slot = |rec: &mut Recorded| {
                let (from, to) = c.ends();
                keys.slot(rec, &from, &to, c.protocol, c.port)
            };
            conn(rec, dd, slot, c.via, c.tuple, c.dropped, t);
        }
    }
}

fn what<'e>(f: &'e Flow) -> WhatRef<'e> {
    let l7 = f.l7.is_some()
        || f.kind.as_deref().is_some_and(|k| k != "L3_L4")
        || f.event_type.as_ref().and_then(|e| e.kind) == Some(129);
    let l4 = f.l4.as_ref().and_then(|l| {
        [
            (&l.TCP, Protocol::Tcp),
            (&l.UDP, Protocol::Udp),
            (&l.SCTP, Protocol::Sctp),
        ]
        .into_iter()
        .find_map(|(p, proto)| p.as_ref().map(|p| (p, proto)))
    });
    let Some((ports, protocol)) = l4.filter(|_| !l7) else {
        return WhatRef::NotL4;
    };
    let dropped = match f.verdict.as_deref() {
        Some("FORWARDED" | "REDIRECTED" | "AUDIT") => false,
        Some("DROPPED") if policy_drop(f) => true,
        Some("DROPPED") => return WhatRef::OtherDrop,
        // ERROR, TRACED, TRANSLATED, unknown or masked: no evidence either way.
        _ => return WhatRef::NotL4,
    };
    let (sp, dp) = (
        ports.source_port.unwrap_or(0),
        ports.destination_port.unwrap_or(0),
    );
    if dp == 0 {
        // Masked or truncated: no port to decide a policy on.
        return WhatRef::NotL4;
    }
    let reply = match f.is_reply.or(f.reply) {
        Some(r) => r,
        // Hubble marks drops as non-replies.
        None if dropped => false,
        None => match &ports.flags {
            // Only a SYN without ACK opens a connection.
            Some(fl) if protocol == Protocol::Tcp => !fl.SYN || fl.ACK,
            _ => ephemeral(dp) && !ephemeral(sp),
        },
    };
    if reply {
        return WhatRef::Reply;
    }
    let ips = f.ip.as_ref();
    let sip = ips
        .and_then(|i| i.source.as_deref())
        .and_then(|s| s.parse().ok());
    let dip = ips
        .and_then(|i| i.destination.as_deref())
        .and_then(|s| s.parse().ok());
    let src = match &f.source {
        Some(MaybeEndpoint::Endpoint(e)) => Some(e),
        _ => None,
    };
    WhatRef::Conn(ConnRef {
        src,
        dst: f.destination.as_ref(),
        sip,
        dip,
        protocol,
        port: dp,
        via: f.destination_service.as_ref().and_then(SvcName::key),
        tuple: match (sip, dip) {
            (Some(a), Some(b)) if sp != 0 => Some((a, sp, b, dp, protocol)),
            _ => None,
        },
        dropped,
    })
}

/// Counts a connection's packet. `slot` gives its key's slot: called only
/// for a connection not seen before (a slot is created for nothing else, so
/// skipping it for known ones changes nothing visible).
fn conn(
    rec: &mut Recorded,
    dd: &mut Dedup,
    slot: impl FnOnce(&mut Recorded) -> usize,
    via: Option<(&str, &str)>,
    tuple: Option<FiveTuple>,
    dropped: bool,
    t: Option<Time>,
) {
    let known = tuple
        .and_then(|tu| dd.seen.get_mut(&tu))
        .filter(|(_, last, _)| match (t, *last) {
            (Some(t), Some(l)) => (t - l).abs() < SAME_CONNECTION_NS,
            _ => true,
        });
    let s = if let Some((s, last, was_dropped)) = known {
        // The same connection seen again (other end, retransmission, later
        // packet of the client).
        *last = match (*last, t) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let s = *s;
        if dropped && !*was_dropped {
            *was_dropped = true;
            let st = rec.stats_mut(s);
            st.forwarded = st.forwarded.saturating_sub(1);
            st.dropped += 1;
        }
        s
    } else {
        let slot = slot(rec);
        if let Some(tu) = tuple {
            dd.seen.insert(tu, (slot, t, dropped));
        }
        let st = rec.stats_mut(slot);
        if dropped {
            st.dropped += 1;
        } else {
            st.forwarded += 1;
        }
        slot
    };
    let st = rec.stats_mut(s);
    st.seen_at(t);
    if let Some((ns, name)) = via
        && !st.via.iter().any(|k| k.namespace == ns && k.name == name)
    {
        st.add_via(&ServiceKey::new(ns, name));
    }
}

#[path = "hubble_ends.rs"]
mod ends;
use ends::{LabelList, MaybeEndpoint, end};

#[path = "hubble_grpc.rs"]
pub(super) mod grpc;

#[cfg(test)]
#[path = "hubble_tests.rs"]
mod tests;
