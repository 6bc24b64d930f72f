//! A flow from the Observer API (protobuf) as the JSON reader's [`Flow`]:
//! the values Hubble's JSON printer would have written (enum names, zero
//! values absent), so that both paths share one attribution.

use std::borrow::Cow;

use serde::de::IgnoredAny;

use super::super::hubble_proto as pb;
use super::{
    Endpoint, EventType, Flags, Flow, Ips, L4, LabelList, MaybeEndpoint, Ports, SvcName, Workload,
};
use crate::engine::flows::time;

/// Proto3 omits zero values; the JSON printer does too.
fn text(s: String) -> Option<Cow<'static, str>> {
    (!s.is_empty()).then_some(Cow::Owned(s))
}

fn port(p: u32) -> Option<u16> {
    // A port above 65535 is not a port: unknown, as a masked one.
    u16::try_from(p).ok().filter(|&p| p != 0)
}

fn verdict(v: i32) -> Option<&'static str> {
    Some(match v {
        1 => "FORWARDED",
        2 => "DROPPED",
        3 => "ERROR",
        4 => "AUDIT",
        5 => "REDIRECTED",
        6 => "TRACED",
        7 => "TRANSLATED",
        _ => return None,
    })
}

/// Only the policy reasons are named: the reader tells those from the rest.
fn drop_reason(d: i32) -> Option<Cow<'static, str>> {
    match d {
        0 => None,
        133 => Some(Cow::Borrowed("POLICY_DENIED")),
        181 => Some(Cow::Borrowed("POLICY_DENY")),
        189 => Some(Cow::Borrowed("AUTH_REQUIRED")),
        n => Some(Cow::Owned(format!("DROP_REASON_{n}"))),
    }
}

fn flow_type(t: i32) -> Option<&'static str> {
    Some(match t {
        1 => "L3_L4",
        2 => "L7",
        3 => "SOCK",
        _ => return None,
    })
}

/// RFC 3339 with nanoseconds, as Hubble prints `time`.
fn timestamp(t: pb::Timestamp) -> Option<Cow<'static, str>> {
    let nanos = i64::from(t.nanos);
    if !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    let whole = time::format(t.seconds.checked_mul(1_000_000_000)?);
    let base = whole.strip_suffix('Z')?;
    Some(Cow::Owned(format!("{base}.{nanos:09}Z")))
}

fn endpoint(e: pb::Endpoint) -> Endpoint<'static> {
    Endpoint {
        namespace: text(e.namespace),
        pod_name: text(e.pod_name),
        labels: LabelList(e.labels.into_iter().map(Cow::Owned).collect()),
        workloads: e
            .workloads
            .into_iter()
            .map(|w| Workload {
                name: text(w.name),
                kind: text(w.kind),
            })
            .collect(),
    }
}

fn l4(l: pb::Layer4) -> L4 {
    let ports = |p: pb::Ports| Ports {
        source_port: port(p.source_port),
        destination_port: port(p.destination_port),
        flags: None,
    };
    L4 {
        TCP: l.tcp.map(|t| Ports {
            source_port: port(t.source_port),
            destination_port: port(t.destination_port),
            flags: t.flags.map(|f| Flags {
                SYN: f.syn,
                ACK: f.ack,
            }),
        }),
        UDP: l.udp.map(ports),
        SCTP: l.sctp.map(ports),
    }
}

/// The flow of one response, or its wrapper when it is a notice (lost
/// events, node status) or empty: [`super::add`] counts those as not flows.
pub(in crate::source::flows) fn from_response(r: pb::GetFlowsResponse) -> Flow<'static> {
    match r.flow {
        Some(f) => Flow {
            flow: Some(Box::new(from_flow(f))),
            ..Flow::default()
        },
        // Lost events, node status, or empty: all notices.
        None => Flow {
            node_status: Some(IgnoredAny),
            ..Flow::default()
        },
    }
}

fn from_flow(f: pb::Flow) -> Flow<'static> {
    Flow {
        time: f.time.and_then(timestamp),
        verdict: verdict(f.verdict).map(Cow::Borrowed),
        drop_reason_desc: drop_reason(f.drop_reason_desc),
        drop_reason: (f.drop_reason != 0).then_some(f.drop_reason),
        ip: f.ip.map(|i| Ips {
            source: text(i.source),
            destination: text(i.destination),
        }),
        l4: f.l4.map(l4),
        source: f.source.map(|e| MaybeEndpoint::Endpoint(endpoint(e))),
        destination: f.destination.map(endpoint),
        destination_service: f.destination_service.map(|s| SvcName {
            name: text(s.name),
            namespace: text(s.namespace),
        }),
        kind: flow_type(f.flow_type).map(Cow::Borrowed),
        event_type: f.event_type.map(|e| EventType {
            kind: (e.event_type != 0).then_some(e.event_type),
        }),
        is_reply: f.is_reply.map(|b| b.value),
        reply: f.reply.then_some(true),
        l7: f.l7.map(|_| IgnoredAny),
        ..Flow::default()
    }
}

#[cfg(test)]
#[path = "hubble_grpc_tests.rs"]
mod tests;
