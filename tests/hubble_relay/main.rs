//! `--hubble`: the real client (`source::flows::relay`) against a fake
//! Hubble Relay started in the test: a bounded read for commands, the
//! followed stream of the TUI with reconnects, an unreachable relay, TLS,
//! and the command line end to end.

mod fake;
mod tls;
mod tui;

use std::time::Duration;

use fake::{End, FakeRelay, Session};
use netpol_tui::engine::flows::{FlowEnd, Recorded};
use netpol_tui::source::flows::Ingest;
use netpol_tui::source::flows::hubble_proto as pb;
use netpol_tui::source::flows::relay::{
    self, FeedEvent, FeedState, RelayError, RelayOptions, Window,
};
use tokio::sync::mpsc;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-netpol_tui");
const WAIT: Duration = Duration::from_secs(20);

fn ts(seconds: i64) -> Option<pb::Timestamp> {
    Some(pb::Timestamp { seconds, nanos: 0 })
}

fn ep(ns: &str, pod: &str, app: &str) -> Option<pb::Endpoint> {
    Some(pb::Endpoint {
        namespace: ns.into(),
        pod_name: pod.into(),
        labels: vec![
            format!("k8s:app={app}"),
            format!("k8s:io.kubernetes.pod.namespace={ns}"),
        ],
        ..Default::default()
    })
}

/// A TCP packet of web-1 (10.0.0.1) to db-0 (10.0.0.2) port `dport`, as
/// node `node` saw it.
fn tcp(
    t: i64,
    sport: u32,
    dport: u32,
    verdict: i32,
    is_reply: Option<bool>,
) -> pb::GetFlowsResponse {
    let (src, dst, sip, dip) = match is_reply {
        Some(true) => (
            ep("shop", "db-0", "db"),
            ep("shop", "web-1", "web"),
            "10.0.0.2",
            "10.0.0.1",
        ),
        _ => (
            ep("shop", "web-1", "web"),
            ep("shop", "db-0", "db"),
            "10.0.0.1",
            "10.0.0.2",
        ),
    };
    pb::GetFlowsResponse {
        flow: Some(pb::Flow {
            time: ts(t),
            verdict,
            drop_reason_desc: if verdict == 2 { 133 } else { 0 },
            ip: Some(pb::Ip {
                source: sip.into(),
                destination: dip.into(),
                ip_version: 1,
            }),
            l4: Some(pb::Layer4 {
                tcp: Some(pb::Tcp {
                    source_port: sport,
                    destination_port: dport,
                    flags: Some(pb::TcpFlags {
                        syn: true,
                        ack: is_reply == Some(true),
                        ..Default::default()
                    }),
                }),
                ..Default::default()
            }),
            source: src,
            destination: dst,
            flow_type: 1,
            is_reply: is_reply.map(|value| pb::BoolValue { value }),
            ..Default::default()
        }),
        node_name: "kind-worker".into(),
        time: ts(t),
        ..Default::default()
    }
}

fn lost() -> pb::GetFlowsResponse {
    pb::GetFlowsResponse {
        lost_events: Some(pb::Opaque {}),
        ..Default::default()
    }
}

/// The first session: a connection (its SYN seen at the client's node and
/// again at the server's), its SYN-ACK reply, a policy drop, a notice.
fn first_batch() -> Vec<pb::GetFlowsResponse> {
    vec![
        lost(),
        tcp(1_000, 40_000, 5432, 1, Some(false)),
        tcp(1_000, 40_000, 5432, 1, Some(false)),
        tcp(1_000, 5432, 40_000, 1, Some(true)),
        tcp(1_001, 40_001, 6379, 2, None),
    ]
}

fn opts(addr: &str) -> RelayOptions {
    RelayOptions {
        addr: addr.to_string(),
        tls: None,
        timeout: Duration::from_secs(10),
    }
}

/// (destination port, forwarded, dropped) per recorded connection.
fn conns(rec: &Recorded) -> Vec<(u16, u64, u64)> {
    let mut v: Vec<_> = rec
        .iter()
        .map(|(k, s)| {
            assert!(
                matches!(&k.from, FlowEnd::Pod { name: Some(n), .. } if n == "web-1"),
                "{k:?}: a reply was read as a connection"
            );
            (k.port, s.forwarded, s.dropped)
        })
        .collect();
    v.sort();
    v
}

/// Reads in a blocking thread: `fetch` runs its own runtime.
async fn fetch(o: RelayOptions, w: Window) -> Result<Recorded, RelayError> {
    tokio::task::spawn_blocking(move || {
        let mut rec = Recorded::default();
        relay::fetch(&o, w, &mut rec).map(|()| rec)
    })
    .await
    .expect("fetch thread")
}

/// A free port nothing listens on.
async fn dead_addr() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let a = l.local_addr().expect("addr");
    drop(l);
    a.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_reads_the_window_and_ends_with_replies_skipped_and_both_ends_counted_once() {
    let relay = FakeRelay::start(
        vec![Session {
            responses: first_batch(),
            end: End::Ok,
        }],
        None,
    )
    .await;
    let rec = fetch(opts(&relay.addr.to_string()), Window::Last(250))
        .await
        .expect("the window is read");
    assert_eq!(conns(&rec), vec![(5432, 1, 0), (6379, 0, 1)]);
    assert_eq!(rec.records, 4);
    assert_eq!(rec.skipped.reply, 1);
    assert_eq!(rec.other_events, 1);
    let reqs = relay.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        (reqs[0].number, reqs[0].follow, reqs[0].since),
        (250, false, None)
    );

    // --hubble-since: a time, no count.
    let rec = fetch(
        opts(&relay.addr.to_string()),
        Window::Since(Duration::from_secs(300)),
    )
    .await
    .expect("the window is read");
    assert_eq!(rec.records, 4);
    let req = relay.requests().pop().expect("a request");
    let since = req.since.expect("since is sent");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!(
        (now - 310..=now - 290).contains(&since.seconds),
        "{since:?}"
    );
    assert_eq!(req.number, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_relay_is_a_clear_error_naming_the_address() {
    let addr = dead_addr().await;
    let e = fetch(opts(&addr), Window::Last(10))
        .await
        .expect_err("nothing listens");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("Hubble Relay at {addr}: cannot connect")),
        "{text}"
    );
    assert!(text.to_lowercase().contains("refused"), "{text}");

    let bad = fetch(opts("localhost:http"), Window::Last(10))
        .await
        .expect_err("bad port");
    assert!(bad.to_string().contains("port \"http\""), "{bad}");
}

/// The followed stream's reports, until `until` holds for the newest one.
async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<FeedEvent>,
    seen: &mut Vec<FeedEvent>,
    until: impl Fn(&FeedEvent) -> bool,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out; seen: {seen:#?}"))
            .expect("the stream runs");
        let done = until(&ev);
        seen.push(ev);
        if done {
            return;
        }
    }
}

fn ingest(events: &[FeedEvent]) -> Recorded {
    let mut rec = Recorded::default();
    let mut i = Ingest::default();
    for e in events {
        if let FeedEvent::Flows(v) = e {
            for r in v {
                i.add(&mut rec, r.clone());
            }
        }
    }
    rec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_followed_stream_reconnects_after_a_drop_and_continues_since_the_newest_flow() {
    let relay = FakeRelay::start(
        vec![
            Session {
                responses: first_batch(),
                end: End::Hold,
            },
            Session {
                // The relay sends the newest flow again (since is inclusive),
                // then a new connection.
                responses: vec![
                    tcp(1_001, 40_001, 6379, 2, None),
                    tcp(1_005, 40_002, 8080, 1, Some(false)),
                ],
                end: End::Hold,
            },
        ],
        None,
    )
    .await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = relay::follow(opts(&relay.addr.to_string()), Window::Last(100), move |e| {
        tx.send(e).is_ok()
    });
    let mut seen = vec![];
    wait_for(&mut rx, &mut seen, |e| {
        e == &FeedEvent::State(FeedState::Connected)
    })
    .await;
    // Wait until all five responses of the first session arrived.
    while seen
        .iter()
        .map(|e| match e {
            FeedEvent::Flows(v) => v.len(),
            _ => 0,
        })
        .sum::<usize>()
        < 5
    {
        wait_for(&mut rx, &mut seen, |e| matches!(e, FeedEvent::Flows(_))).await;
    }
    assert_eq!(conns(&ingest(&seen)), vec![(5432, 1, 0), (6379, 0, 1)]);

    relay.kill_connections();
    wait_for(&mut rx, &mut seen, |e| {
        matches!(e, FeedEvent::State(FeedState::Retrying { .. }))
    })
    .await;
    let Some(FeedEvent::State(FeedState::Retrying { after, .. })) = seen.last() else {
        unreachable!()
    };
    assert_eq!(*after, relay::MIN_BACKOFF);
    wait_for(&mut rx, &mut seen, |e| {
        e == &FeedEvent::State(FeedState::Connected)
    })
    .await;
    wait_for(&mut rx, &mut seen, |e| {
        matches!(e, FeedEvent::Flows(v) if v.iter().any(|r| r.flow.as_ref().is_some_and(|f| f.l4.as_ref().and_then(|l| l.tcp.as_ref()).is_some_and(|t| t.destination_port == 8080))))
    })
    .await;
    // The replayed drop counts once; the new connection is added.
    assert_eq!(
        conns(&ingest(&seen)),
        vec![(5432, 1, 0), (6379, 0, 1), (8080, 1, 0)]
    );
    let reqs = relay.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(
        (reqs[0].number, reqs[0].follow, reqs[0].since),
        (100, true, None)
    );
    assert_eq!(
        (reqs[1].number, reqs[1].follow, reqs[1].since),
        (0, true, ts(1_001))
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_relay_leaves_the_followed_stream_retrying_with_the_reason() {
    let addr = dead_addr().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = relay::follow(opts(&addr), Window::Last(10), move |e| tx.send(e).is_ok());
    let mut seen = vec![];
    wait_for(&mut rx, &mut seen, |e| {
        matches!(e, FeedEvent::State(FeedState::Retrying { .. }))
    })
    .await;
    assert_eq!(seen[0], FeedEvent::State(FeedState::Connecting));
    let Some(FeedEvent::State(FeedState::Retrying { error, after })) = seen.last() else {
        unreachable!()
    };
    assert!(error.starts_with("cannot connect"), "{error}");
    assert_eq!(*after, relay::MIN_BACKOFF);
    // Then it tries again, with a longer wait.
    wait_for(&mut rx, &mut seen, |e| {
        matches!(e, FeedEvent::State(FeedState::Retrying { after, .. }) if *after == 2 * relay::MIN_BACKOFF)
    })
    .await;
    task.abort();
}

fn run_cli(args: Vec<String>) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the binary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_flows_command_reads_the_relay_and_fails_clearly_when_it_is_down() {
    let relay = FakeRelay::start(
        vec![Session {
            responses: first_batch(),
            end: End::Ok,
        }],
        None,
    )
    .await;
    let addr = relay.addr.to_string();
    let args = [
        "flows",
        "--demo",
        "-o",
        "json",
        "--hubble",
        &addr,
        "--hubble-last",
        "50",
    ];
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || run_cli(args))
        .await
        .expect("cli");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["schema"], "netpol-flows/v1");
    let ports: Vec<u64> = doc["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter_map(|f| f["port"].as_u64())
        .collect();
    assert!(ports.contains(&5432) && ports.contains(&6379), "{doc}");
    assert_eq!(relay.requests()[0].number, 50);

    let dead = dead_addr().await;
    let args = vec![
        "lint".into(),
        "--demo".into(),
        "--hubble".into(),
        dead.clone(),
    ];
    let out = tokio::task::spawn_blocking(move || run_cli(args))
        .await
        .expect("cli");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("Hubble Relay at {dead}: cannot connect")),
        "{stderr}"
    );

    // A relay flag without --hubble would be ignored: refused.
    let args = vec!["flows".into(), "--demo".into(), "--tls".into()];
    let out = tokio::task::spawn_blocking(move || run_cli(args))
        .await
        .expect("cli");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--hubble [<ADDR>]"), "{stderr}");

    // Before the command's name, --hubble would take it as ADDR.
    let args = vec!["--demo".into(), "--hubble".into(), "lint".into()];
    let out = tokio::task::spawn_blocking(move || run_cli(args))
        .await
        .expect("cli");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("put --hubble after it (`lint --hubble"),
        "{stderr}"
    );
}
