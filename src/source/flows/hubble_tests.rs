use crate::engine::flows::{FlowEnd, Recorded};
use crate::engine::model::Protocol;

fn load(text: &str) -> Recorded {
    let mut rec = Recorded::default();
    super::super::read(&mut rec, "t.json", text.as_bytes());
    rec
}

/// A line of `hubble observe -o jsonpb` (Cilium 1.19 fields).
fn line(
    time: &str,
    verdict: &str,
    src: (&str, u16),
    dst: (&str, u16),
    flags: &str,
    reply: Option<bool>,
    extra: &str,
) -> String {
    let reply = match reply {
        Some(r) => format!(",\"is_reply\":{r}"),
        None => String::new(),
    };
    format!(
        r#"{{"flow":{{"time":"{time}","verdict":"{verdict}"{extra},"IP":{{"source":"{}","destination":"{}","ipVersion":"IPv4"}},"l4":{{"TCP":{{"source_port":{},"destination_port":{},"flags":{flags}}}}},"source":{{"identity":3001,"namespace":"shop","labels":["k8s:app=frontend","k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop","k8s:io.kubernetes.pod.namespace=shop"],"pod_name":"frontend-5c6b7d8f9-abcde","workloads":[{{"name":"frontend","kind":"Deployment"}}]}},"destination":{{"identity":4002,"namespace":"payments","labels":["k8s:app=api","k8s:io.kubernetes.pod.namespace=payments"],"pod_name":"api-0"}},"Type":"L3_L4","event_type":{{"type":4}}{reply}}},"node_name":"worker-1","time":"{time}"}}"#,
        src.0, dst.0, src.1, dst.1
    )
}

#[test]
fn one_connection_seen_at_both_ends_with_replies_counts_once() {
    let c = ("10.0.1.5", 40000);
    let s = ("10.0.2.7", 8443);
    let lines = [
        line("2026-11-30T10:00:00.1Z", "FORWARDED", c, s, r#"{"SYN":true}"#, Some(false), ""),
        line("2026-11-30T10:00:00.2Z", "FORWARDED", c, s, r#"{"SYN":true}"#, Some(false), ""),
        line("2026-11-30T10:00:00.3Z", "FORWARDED", s, c, r#"{"SYN":true,"ACK":true}"#, Some(true), ""),
        line("2026-11-30T10:00:00.4Z", "FORWARDED", c, s, r#"{"ACK":true}"#, Some(false), ""),
        line("2026-11-30T10:00:00.5Z", "FORWARDED", s, c, r#"{"ACK":true,"PSH":true}"#, Some(true), ""),
        r#"{"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"1"},"node_name":"worker-1","time":"2026-11-30T10:00:00Z"}"#.to_string(),
    ];
    let rec = load(&lines.join("\n"));
    assert_eq!(rec.records, 5);
    assert_eq!(rec.other_events, 1);
    assert_eq!(rec.skipped.reply, 2);
    let conns: Vec<_> = rec.iter().collect();
    assert_eq!(conns.len(), 1, "{conns:?}");
    let (k, st) = conns[0];
    assert_eq!((k.protocol, k.port), (Protocol::Tcp, 8443));
    assert_eq!((st.forwarded, st.dropped), (1, 0));
    let FlowEnd::Pod {
        name,
        labels,
        workload,
        ..
    } = &k.from
    else {
        panic!("{k:?}")
    };
    assert_eq!(name.as_deref(), Some("frontend-5c6b7d8f9-abcde"));
    assert_eq!(
        labels.as_ref().map(|l| l.len()),
        Some(1),
        "namespace context labels are not pod labels"
    );
    assert_eq!(workload.as_ref().map(|w| w.name.as_str()), Some("frontend"));
}

#[test]
fn a_forwarded_egress_then_a_policy_drop_at_ingress_is_one_dropped_connection() {
    let c = ("10.0.1.5", 40001);
    let s = ("10.0.2.7", 8443);
    let drop = r#","drop_reason":133,"drop_reason_desc":"POLICY_DENIED""#;
    let lines = [
        line(
            "2026-11-30T10:00:00Z",
            "FORWARDED",
            c,
            s,
            r#"{"SYN":true}"#,
            Some(false),
            "",
        ),
        line(
            "2026-11-30T10:00:00.001Z",
            "DROPPED",
            c,
            s,
            r#"{"SYN":true}"#,
            None,
            drop,
        ),
        // The retransmission a second later: same connection.
        line(
            "2026-11-30T10:00:01Z",
            "DROPPED",
            c,
            s,
            r#"{"SYN":true}"#,
            None,
            drop,
        ),
        // Another client port, not a policy drop: no evidence.
        line(
            "2026-11-30T10:00:02Z",
            "DROPPED",
            ("10.0.1.5", 40002),
            s,
            r#"{"SYN":true}"#,
            None,
            r#","drop_reason_desc":"CT_MAP_INSERTION_FAILED""#,
        ),
    ];
    let rec = load(&lines.join("\n"));
    let conns: Vec<_> = rec.iter().collect();
    assert_eq!(conns.len(), 1);
    assert_eq!((conns[0].1.forwarded, conns[0].1.dropped), (0, 1));
    assert_eq!(rec.other_drops, 1);
}

#[test]
fn replies_without_is_reply_fall_back_to_flags_then_ports() {
    // Old agents: only the deprecated `reply`, or nothing.
    let text = [
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.2.7","destination":"10.0.1.5"},"l4":{"TCP":{"source_port":8443,"destination_port":40000,"flags":{"ACK":true}}},"source":{"namespace":"payments","pod_name":"api-0","labels":["k8s:app=api"]},"destination":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]},"reply":true}}"#,
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.2.7","destination":"10.0.1.5"},"l4":{"TCP":{"source_port":8443,"destination_port":40000,"flags":{"SYN":true,"ACK":true}}},"source":{"namespace":"payments","pod_name":"api-0","labels":["k8s:app=api"]},"destination":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]}}}"#,
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.3.3","destination":"10.0.1.5"},"l4":{"UDP":{"source_port":53,"destination_port":45000}},"source":{"namespace":"kube-system","pod_name":"dns","labels":["k8s:k8s-app=kube-dns"]},"destination":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]}}}"#,
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.1.5","destination":"10.0.3.3"},"l4":{"UDP":{"source_port":45000,"destination_port":53}},"source":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]},"destination":{"namespace":"kube-system","pod_name":"dns","labels":["k8s:k8s-app=kube-dns"]}}}"#,
    ];
    let rec = load(&text.join("\n"));
    assert_eq!(rec.skipped.reply, 3);
    let conns: Vec<_> = rec.iter().collect();
    assert_eq!(conns.len(), 1);
    assert_eq!((conns[0].0.protocol, conns[0].0.port), (Protocol::Udp, 53));
}

#[test]
fn bare_flows_world_host_icmp_and_l7() {
    let text = [
        // Bare flow (CLI 0.10): world as destination.
        r#"{"time":"2026-11-30T10:00:00Z","verdict":"FORWARDED","IP":{"source":"10.0.1.5","destination":"203.0.113.9"},"l4":{"TCP":{"source_port":41000,"destination_port":443,"flags":{"SYN":true}}},"source":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]},"destination":{"identity":2,"labels":["reserved:world"]},"is_reply":false}"#,
        // Bare lost events: `source` is a string.
        r#"{"source":"HUBBLE_RING_BUFFER","num_events_lost":"1"}"#,
        // Host to pod (kubelet probe): reported, not guessed.
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.1.1","destination":"10.0.1.5"},"l4":{"TCP":{"source_port":50000,"destination_port":8080,"flags":{"SYN":true}}},"source":{"identity":1,"labels":["reserved:host"]},"destination":{"namespace":"shop","pod_name":"f","labels":["k8s:app=f"]},"is_reply":false}}"#,
        r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.1.5","destination":"10.0.1.6"},"l4":{"ICMPv4":{"type":8}},"source":{"namespace":"shop","pod_name":"f"},"destination":{}}}"#,
        r#"{"flow":{"verdict":"FORWARDED","Type":"L7","IP":{"source":"10.0.1.5","destination":"10.0.3.3"},"l4":{"UDP":{"source_port":45000,"destination_port":53}},"l7":{"type":"REQUEST"},"source":{},"destination":{}}}"#,
    ];
    let rec = load(&text.join("\n"));
    assert_eq!(rec.other_events, 1);
    assert_eq!(rec.skipped.not_l4, 2);
    let mut ends: Vec<String> = rec.iter().map(|(k, _)| format!("{:?}", k.to)).collect();
    ends.sort();
    assert!(ends[0].contains("Ip(203.0.113.9)"), "{ends:?}");
    let host = rec
        .iter()
        .find(|(k, _)| k.port == 8080)
        .expect("host flow kept");
    assert!(matches!(&host.0.from, FlowEnd::Unresolved(w) if w.contains("reserved:host")));
}

#[test]
fn malformed_lines_are_counted_with_file_and_line_and_the_rest_loads() {
    let good = line(
        "2026-11-30T10:00:00Z",
        "FORWARDED",
        ("10.0.1.5", 40000),
        ("10.0.2.7", 8443),
        r#"{"SYN":true}"#,
        Some(false),
        "",
    );
    let text = format!(
        "{good}\n{{\"flow\": {{\"verdict\": \n\n[1,2]\n{{\"flow\":{{\"l4\":{{\"TCP\":{{\"destination_port\":99999}}}}}}}}\n{good}\n"
    );
    let rec = load(&text);
    assert_eq!(rec.skipped.unparsed, 3, "{:?}", rec.problems);
    assert!(
        rec.problems[0].starts_with("t.json:2: "),
        "{:?}",
        rec.problems
    );
    assert!(
        rec.problems[1].starts_with("t.json:4: "),
        "{:?}",
        rec.problems
    );
    assert!(
        rec.problems[2].starts_with("t.json:5: "),
        "{:?}",
        rec.problems
    );
    assert_eq!(rec.iter().count(), 1);
}

#[test]
fn pretty_printed_values_are_a_stream() {
    let text = "{\n  \"flow\": {\n    \"verdict\": \"FORWARDED\",\n    \"IP\": {\"source\": \"10.0.1.5\", \"destination\": \"203.0.113.9\"},\n    \"l4\": {\"UDP\": {\"source_port\": 40000, \"destination_port\": 123}},\n    \"source\": {\"namespace\": \"shop\", \"pod_name\": \"f\", \"labels\": [\"k8s:app=f\"]},\n    \"destination\": {\"labels\": [\"reserved:world\"]}\n  }\n}\n{\n  \"lost_events\": {}\n}\n";
    let rec = load(text);
    assert_eq!(rec.iter().count(), 1);
    assert_eq!(rec.other_events, 1);
}

#[test]
fn the_neutral_csv() {
    let text = "from,to,protocol,port,count,verdict\nshop/frontend[Deployment],payments/api-0,TCP,8443,17,\nshop/f,203.0.113.9,udp,123,,dropped\nshop/f,nowhere,TCP,80,,\nshop/f,10.0.0.1,TCP,0,,\n";
    let rec = load(text);
    assert_eq!(rec.skipped.unparsed, 2, "{:?}", rec.problems);
    assert!(
        rec.problems[0].starts_with("t.json:4: to: "),
        "{:?}",
        rec.problems
    );
    let mut counts: Vec<(u64, u64)> = rec.iter().map(|(_, s)| (s.forwarded, s.dropped)).collect();
    counts.sort();
    assert_eq!(counts, vec![(0, 1), (17, 0)]);
}

#[test]
fn the_real_upstream_captures_load_without_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/flows/upstream");
    if !dir.exists() {
        return; // The shared folder is not part of the repository.
    }
    let rec = super::super::load_flows(&[dir]);
    assert_eq!(rec.skipped.unparsed, 0, "{:?}", rec.problems);
    assert!(rec.records >= 40, "{}", rec.records);
}

#[test]
fn one_connection_in_two_nodes_files_counts_once() {
    let dir = std::env::temp_dir().join(format!("netpol-flows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let c = ("10.0.1.5", 40000);
    let s = ("10.0.2.7", 8443);
    let a = line(
        "2026-11-30T10:00:00Z",
        "FORWARDED",
        c,
        s,
        r#"{"SYN":true}"#,
        Some(false),
        "",
    );
    let b = line(
        "2026-11-30T10:00:00.001Z",
        "FORWARDED",
        c,
        s,
        r#"{"SYN":true}"#,
        Some(false),
        "",
    );
    std::fs::write(dir.join("worker-1.json"), a).expect("writes");
    std::fs::write(dir.join("worker-2.json"), b).expect("writes");
    let rec = super::super::load_flows(std::slice::from_ref(&dir));
    let _ = std::fs::remove_dir_all(&dir);
    let n: u64 = rec.iter().map(|(_, s)| s.count()).sum();
    assert_eq!((rec.records, n), (2, 1));
}

#[test]
fn destination_service_is_kept_per_connection_as_a_small_set() {
    let svc =
        |n: &str| format!(r#","destination_service":{{"name":"{n}","namespace":"payments"}}"#);
    let s = ("10.0.2.7", 8443);
    let mut lines = Vec::new();
    // 300 connections, addressed to two Services, one without a Service and
    // one with an empty (masked) name: the set stays two entries.
    for i in 0..300u16 {
        let extra = match i % 4 {
            0 => svc("api"),
            1 => svc("api-canary"),
            2 => String::new(),
            _ => svc(""),
        };
        let t = format!("2026-11-30T10:00:{:02}.{}Z", i % 60, i / 60);
        lines.push(line(
            &t,
            "FORWARDED",
            ("10.0.1.5", 40000 + i),
            s,
            r#"{"SYN":true}"#,
            Some(false),
            &extra,
        ));
    }
    let rec = load(&lines.join("\n"));
    let conns: Vec<_> = rec.iter().collect();
    assert_eq!(conns.len(), 1, "{conns:?}");
    let st = conns[0].1;
    assert_eq!(st.forwarded, 300);
    let via: Vec<String> = st.via.iter().map(|k| k.to_string()).collect();
    assert_eq!(via, ["payments/api", "payments/api-canary"]);
    assert_eq!(
        st.via_text(),
        "via svc/payments/api, svc/payments/api-canary"
    );
}

#[test]
fn without_destination_service_nothing_is_kept() {
    let l = line(
        "2026-11-30T10:00:00Z",
        "FORWARDED",
        ("10.0.1.5", 40000),
        ("10.0.2.7", 8443),
        r#"{"SYN":true}"#,
        Some(false),
        "",
    );
    let rec = load(&l);
    let (_, st) = rec.iter().next().expect("one connection");
    assert!(st.via.is_empty());
    assert_eq!(st.via_text(), "");
}
