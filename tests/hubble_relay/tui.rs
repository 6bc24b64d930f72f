//! The TUI with `--hubble`: the real client's reports, as the event loop
//! forwards them, fill the pod panes, and the status bar shows the stream.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use netpol_tui::engine::index::Index;
use netpol_tui::tui::app::{Overlay, SourceInfo, SourceMsg};
use netpol_tui::tui::feed::{self, FlowFeed};
use netpol_tui::tui::harness::Harness;
use netpol_tui::tui::theme::{Theme, ThemeKind};
use netpol_tui::tui::update::Msg;

use super::*;

fn payments_ep(pod: &str, app: &str) -> Option<pb::Endpoint> {
    Some(pb::Endpoint {
        namespace: "payments".into(),
        pod_name: pod.into(),
        labels: vec![
            format!("k8s:app={app}"),
            "k8s:io.kubernetes.pod.namespace=payments".into(),
        ],
        ..Default::default()
    })
}

/// payments/api to payments/db on 5432, as in the demo's recording.
fn api_to_db() -> pb::GetFlowsResponse {
    let mut r = tcp(2_000, 40_011, 5432, 1, Some(false));
    let f = r.flow.as_mut().expect("a flow");
    f.source = payments_ep("api-5b6c7d8e9f-h4j6k", "payments-api");
    f.destination = payments_ep("db-0", "payments-db");
    f.ip = Some(pb::Ip {
        source: "10.0.3.21".into(),
        destination: "10.0.3.22".into(),
        ip_version: 1,
    });
    r
}

/// Forwards the client's messages to the app until one matches `until`.
async fn pump(
    h: &mut Harness,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    until: impl Fn(&FeedEvent) -> bool,
) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let msg = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .expect("in time")
            .expect("the feed runs");
        let hit = matches!(&msg, Msg::Source(v) if v.iter().any(|m| matches!(m, SourceMsg::Feed(e) if until(e))));
        h.send(msg);
        if hit {
            return;
        }
    }
}

/// The rollout view's recorded connections of `ns`.
fn rollout_recorded(h: &Harness, ns: &str) -> Option<u64> {
    let Overlay::Rollout(r) = &h.app.overlay else {
        panic!("the rollout view is not open")
    };
    let data = r.data.as_ref().expect("rollout rows");
    data.rows
        .iter()
        .find(|x| x.namespace == ns)
        .and_then(|x| x.recorded)
}

fn open(h: &mut Harness, q: &str) -> String {
    h.keys("/");
    h.keys(q);
    h.key(KeyCode::Enter);
    h.text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_follows_the_relay_into_the_views_and_shows_connected_then_retrying() {
    let relay = FakeRelay::start(
        vec![Session {
            responses: vec![api_to_db()],
            end: End::Hold,
        }],
        None,
    )
    .await;
    let addr = relay.addr.to_string();
    let mut h = Harness::new(
        Index::from_snapshot(netpol_tui::source::demo::load().snapshot),
        SourceInfo::new(netpol_tui::source::Origin::Demo),
        Theme::new(ThemeKind::Mono),
        200,
        60,
    );
    let t0 = h.app.now;
    h.app.feed = Some(FlowFeed::new(addr.clone(), t0));
    h.app.flows = Some(Arc::new(Recorded::default()));
    let text = open(&mut h, "payments/db");
    assert!(
        text.contains(&format!("hubble {addr} connecting")),
        "{text}"
    );
    assert!(!text.contains("Recorded flows (1)"), "{text}");
    // The rollout view, open while the flows come, counts them too.
    h.keys("r");
    assert_eq!(rollout_recorded(&h, "payments"), Some(0));

    let (tx, mut rx) = mpsc::unbounded_channel();
    feed::start(opts(&addr), Window::Last(10), tx);
    pump(&mut h, &mut rx, |e| matches!(e, FeedEvent::Flows(_))).await;
    // The views follow at the next tick, with the rate of the last second.
    h.send(Msg::Tick(t0 + Duration::from_secs(1)));
    assert_eq!(rollout_recorded(&h, "payments"), Some(1));
    h.key(KeyCode::Esc);
    let text = h.text();
    assert!(text.contains("Recorded flows (1)"), "{text}");
    assert!(text.contains("    TCP 5432: 1 "), "{text}");
    assert!(
        text.contains(&format!("hubble {addr} connected · 1.0 flows/s")),
        "{text}"
    );

    relay.kill_connections();
    pump(&mut h, &mut rx, |e| {
        matches!(e, FeedEvent::State(FeedState::Retrying { .. }))
    })
    .await;
    let text = h.text();
    assert!(
        text.contains(&format!("hubble {addr} retrying in ")),
        "{text}"
    );
    // What was recorded stays.
    assert!(text.contains("Recorded flows (1)"), "{text}");
}
