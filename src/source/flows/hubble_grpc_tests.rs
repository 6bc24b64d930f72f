use super::*;
use crate::engine::flows::Recorded;
use crate::source::flows::{Ingest, read};

fn ep(ns: &str, pod: &str, labels: &[&str]) -> pb::Endpoint {
    pb::Endpoint {
        namespace: ns.into(),
        pod_name: pod.into(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        identity: 1234,
        ..Default::default()
    }
}

fn flow(sport: u32, dport: u32, syn_only: bool, is_reply: Option<bool>) -> pb::Flow {
    pb::Flow {
        time: Some(pb::Timestamp {
            seconds: 1_764_000_000,
            nanos: 123_456_789,
        }),
        verdict: 1,
        ip: Some(pb::Ip {
            source: "10.0.0.1".into(),
            destination: "10.0.0.2".into(),
            ip_version: 1,
        }),
        l4: Some(pb::Layer4 {
            tcp: Some(pb::Tcp {
                source_port: sport,
                destination_port: dport,
                flags: Some(pb::TcpFlags {
                    syn: true,
                    ack: !syn_only,
                    ..Default::default()
                }),
            }),
            ..Default::default()
        }),
        source: Some(ep(
            "shop",
            "web-1",
            &["k8s:app=web", "k8s:io.kubernetes.pod.namespace=shop"],
        )),
        destination: Some(ep("shop", "db-0", &["k8s:app=db"])),
        flow_type: 1,
        event_type: Some(pb::CiliumEventType {
            event_type: 4,
            sub_type: 0,
        }),
        is_reply: is_reply.map(|value| pb::BoolValue { value }),
        ..Default::default()
    }
}

/// The same flows, as `hubble observe -o jsonpb` prints them.
const JSON: &str = r#"{"flow":{"time":"2025-11-24T16:00:00.123456789Z","verdict":"FORWARDED","IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40000,"destination_port":5432,"flags":{"SYN":true}}},"source":{"identity":1234,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"web-1"},"destination":{"identity":1234,"namespace":"shop","labels":["k8s:app=db"],"pod_name":"db-0"},"Type":"L3_L4","event_type":{"type":4},"is_reply":false},"node_name":"n1","time":"2025-11-24T16:00:00.123456789Z"}
{"flow":{"time":"2025-11-24T16:00:00.123456789Z","verdict":"FORWARDED","IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":5432,"destination_port":40000,"flags":{"SYN":true,"ACK":true}}},"source":{"identity":1234,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"web-1"},"destination":{"identity":1234,"namespace":"shop","labels":["k8s:app=db"],"pod_name":"db-0"},"Type":"L3_L4","event_type":{"type":4},"is_reply":true},"node_name":"n1","time":"2025-11-24T16:00:00.123456789Z"}
{"flow":{"time":"2025-11-24T16:00:00.123456789Z","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED","IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40001,"destination_port":5433,"flags":{"SYN":true}}},"source":{"identity":1234,"namespace":"shop","labels":["k8s:app=web","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"web-1"},"destination":{"identity":1234,"namespace":"shop","labels":["k8s:app=db"],"pod_name":"db-0"},"Type":"L3_L4","event_type":{"type":4}},"node_name":"n1","time":"2025-11-24T16:00:00.123456789Z"}
{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"1"},"node_name":"n1","time":"2025-11-24T16:00:00Z"}
"#;

fn responses() -> Vec<pb::GetFlowsResponse> {
    let mut dropped = flow(40001, 5433, true, None);
    dropped.verdict = 2;
    dropped.drop_reason_desc = 133;
    let wrap = |f: pb::Flow| pb::GetFlowsResponse {
        flow: Some(f),
        node_name: "n1".into(),
        ..Default::default()
    };
    vec![
        wrap(flow(40000, 5432, true, Some(false))),
        wrap(flow(5432, 40000, false, Some(true))),
        wrap(dropped),
        pb::GetFlowsResponse {
            lost_events: Some(pb::Opaque {}),
            ..Default::default()
        },
    ]
}

/// Everything a recording says, in a stable order.
fn summary(rec: &Recorded) -> Vec<String> {
    let mut v: Vec<String> = rec.iter().map(|(k, s)| format!("{k:?} {s:?}")).collect();
    v.sort();
    v.push(format!(
        "records {} skipped {:?} other {} drops {} first {:?} last {:?} problems {:?}",
        rec.records,
        rec.skipped,
        rec.other_events,
        rec.other_drops,
        rec.first,
        rec.last,
        rec.problems
    ));
    v
}

#[test]
fn grpc_and_json_give_the_same_recording() {
    let mut from_json = Recorded::default();
    read(&mut from_json, "test.json", JSON.as_bytes());
    let mut from_grpc = Recorded::default();
    let mut ingest = Ingest::default();
    for r in responses() {
        ingest.add(&mut from_grpc, r);
    }
    assert!(from_json.problems.is_empty(), "{:?}", from_json.problems);
    assert_eq!(from_grpc.records, 3);
    assert_eq!(from_grpc.skipped.reply, 1);
    assert_eq!(from_grpc.other_events, 1);
    assert_eq!(from_grpc.iter().count(), 2);
    assert_eq!(summary(&from_grpc), summary(&from_json));
}

#[test]
fn timestamps_print_as_hubble_does() {
    let t = pb::Timestamp {
        seconds: 0,
        nanos: 5,
    };
    assert_eq!(
        timestamp(t).as_deref(),
        Some("1970-01-01T00:00:00.000000005Z")
    );
    let bad = pb::Timestamp {
        seconds: 0,
        nanos: -1,
    };
    assert_eq!(timestamp(bad), None);
    let huge = pb::Timestamp {
        seconds: i64::MAX,
        nanos: 0,
    };
    assert_eq!(timestamp(huge), None);
}

#[test]
fn out_of_range_ports_are_unknown_not_truncated() {
    assert_eq!(port(70_000), None);
    assert_eq!(port(0), None);
    assert_eq!(port(443), Some(443));
}
