//! `--hubble ADDR`: flows from Hubble Relay's gRPC Observer API
//! (`GetFlows`, what `cilium hubble port-forward` exposes on
//! localhost:4245). Commands take a bounded window ([`fetch`]: the last N
//! flows, or those since a time) and end; the TUI follows the stream
//! ([`follow`]) and reconnects with backoff. Both feed [`Ingest`], the JSON
//! reader's path.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use tonic::transport::{Channel, Endpoint, Uri};

use super::hubble_proto::{self as pb, GET_FLOWS, GetFlowsRequest, GetFlowsResponse};
use super::{Ingest, relay_tls};
use crate::engine::flows::Recorded;

/// What `cilium hubble port-forward` listens on.
pub const DEFAULT_ADDR: &str = "localhost:4245";
/// Hubble Relay's port, when ADDR has none.
const DEFAULT_PORT: u16 = 4245;
/// Reconnect delays of the followed stream: doubled up to the maximum.
pub const MIN_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The `hubble` CLI's TLS flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `--tls-allow-insecure`: do not verify the server's certificate.
    pub allow_insecure: bool,
    /// `--tls-ca-cert-files`: roots to verify with (default: the system's).
    pub ca_cert_files: Vec<PathBuf>,
    pub client_cert_file: Option<PathBuf>,
    pub client_key_file: Option<PathBuf>,
    /// `--tls-server-name`: the name the certificate must carry (default:
    /// the host of ADDR).
    pub server_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayOptions {
    /// `host:port`, `host` or `tls://host:port` (TLS on, as in the hubble CLI).
    pub addr: String,
    /// TLS (`--tls`, or any `--tls-*` flag, or `tls://`); None: plaintext.
    pub tls: Option<TlsOptions>,
    /// Bounds connecting, and for commands the whole read (zero: no limit).
    pub timeout: Duration,
}

/// Which flows a command reads (`number` and `since` exclude each other
/// in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last N flows in the relay's buffers.
    Last(u64),
    /// The flows of the last duration.
    Since(Duration),
}

/// Why the relay could not be read; names the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayError {
    pub addr: String,
    pub message: String,
}

impl fmt::Display for RelayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hubble Relay at {}: {}", self.addr, self.message)
    }
}

impl std::error::Error for RelayError {}

/// The state of the followed stream, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    Connecting,
    Connected,
    /// Lost or refused; the next attempt is `after` from now.
    Retrying {
        error: String,
        after: Duration,
    },
}

/// What [`follow`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedEvent {
    /// Responses as they came (flows and notices), in order.
    Flows(Vec<GetFlowsResponse>),
    State(FeedState),
}

/// An error and its causes, one line (transport errors say little alone).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = c.source();
    }
    parts.join(": ")
}

fn status_text(s: &tonic::Status) -> String {
    use std::error::Error;
    let mut m = format!("{:?}: {}", s.code(), s.message());
    if let Some(src) = s.source() {
        m = format!("{m}: {}", chain(src));
    }
    m
}

impl RelayOptions {
    fn err(&self, message: impl Into<String>) -> RelayError {
        RelayError {
            addr: self.addr.clone(),
            message: message.into(),
        }
    }

    /// (`host:port` to dial, host, TLS on?)
    fn target(&self) -> Result<(String, String, bool), RelayError> {
        let (rest, tls) = match self.addr.strip_prefix("tls://") {
            Some(r) => (r, true),
            None => (self.addr.as_str(), self.tls.is_some()),
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() || rest.contains("://") || rest.contains('/') {
            return Err(self.err("not an address: give host:port (e.g. localhost:4245)"));
        }
        // `[::1]:4245`, `::1` (bare IPv6), `host:port`, `host`.
        let (host, port) = if let Some(r) = rest.strip_prefix('[') {
            let (h, p) = r
                .split_once(']')
                .ok_or_else(|| self.err("unclosed [ in the address"))?;
            (h.to_string(), p.strip_prefix(':').map(str::to_string))
        } else if rest.matches(':').count() > 1 {
            (rest.to_string(), None)
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h.to_string(), Some(p.to_string())),
                None => (rest.to_string(), None),
            }
        };
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| self.err(format!("port {p:?} is not a number 0-65535")))?,
        };
        let dial = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        Ok((dial, host, tls))
    }

    async fn channel(&self) -> Result<Channel, RelayError> {
        let (dial, host, tls) = self.target()?;
        let tls = match tls {
            true => Some(
                relay_tls::config(&self.tls.clone().unwrap_or_default(), &host)
                    .map_err(|e| self.err(e))?,
            ),
            false => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut ep =
            Endpoint::from_shared(format!("{scheme}://{dial}")).map_err(|e| self.err(chain(&e)))?;
        if !self.timeout.is_zero() {
            ep = ep.connect_timeout(self.timeout);
        }
        let connector = tower::service_fn(move |_: Uri| {
            let (dial, tls) = (dial.clone(), tls.clone());
            async move { relay_tls::connect(&dial, tls).await }
        });
        ep.connect_with_connector(connector).await.map_err(|e| {
            self.err(format!(
                "cannot connect: {} (is `cilium hubble port-forward` running?)",
                chain(&e)
            ))
        })
    }

    /// Connects and starts `GetFlows`: the stream once the relay answered.
    async fn open(
        &self,
        req: GetFlowsRequest,
    ) -> Result<tonic::Streaming<GetFlowsResponse>, RelayError> {
        let ch = self.channel().await?;
        let mut grpc = tonic::client::Grpc::new(ch);
        grpc.ready()
            .await
            .map_err(|e| self.err(format!("not ready: {}", chain(&e))))?;
        let codec = tonic_prost::ProstCodec::<GetFlowsRequest, GetFlowsResponse>::default();
        let path = http::uri::PathAndQuery::from_static(GET_FLOWS);
        let resp = grpc
            .server_streaming(tonic::Request::new(req), path, codec)
            .await
            .map_err(|s| self.err(format!("GetFlows: {}", status_text(&s))))?;
        Ok(resp.into_inner())
    }
}

fn ago(d: Duration) -> pb::Timestamp {
    let t = SystemTime::now()
        .checked_sub(d)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .unwrap_or_default();
    pb::Timestamp {
        seconds: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
        nanos: t.subsec_nanos() as i32,
    }
}

/// The request of a command: the window, no follow (the relay ends the
/// stream after the buffered flows).
pub fn request(w: Window) -> GetFlowsRequest {
    match w {
        Window::Last(n) => GetFlowsRequest {
            number: n,
            ..Default::default()
        },
        Window::Since(d) => GetFlowsRequest {
            since: Some(ago(d)),
            ..Default::default()
        },
    }
}

/// Reads the flows of `w` into `rec` and returns when the relay ends the
/// stream; errs when it cannot be reached, fails, or takes longer than the
/// timeout. Runs its own runtime: call it outside of one.
pub fn fetch(o: &RelayOptions, w: Window, rec: &mut Recorded) -> Result<(), RelayError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| o.err(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let mut ingest = Ingest::default();
        let read = async {
            let mut stream = o.open(request(w)).await?;
            while let Some(m) = stream
                .message()
                .await
                .map_err(|s| o.err(format!("stream failed: {}", status_text(&s))))?
            {
                ingest.add(rec, m);
            }
            Ok(())
        };
        if o.timeout.is_zero() {
            return read.await;
        }
        match tokio::time::timeout(o.timeout, read).await {
            Ok(r) => r,
            Err(_) => Err(o.err(format!(
                "no end of the flows within {}s (--hubble-timeout)",
                o.timeout.as_secs()
            ))),
        }
    })
}

/// Follows the relay's flows for the TUI: starts with the buffered ones of
/// `start`, then new ones as they come. A lost or refused connection
/// is retried with backoff, asking for the flows since the newest one seen
/// ([`Ingest`] counts a connection seen again once). Stops when `send`
/// returns false (the receiver is gone). Must run inside a tokio runtime.
pub fn follow(
    o: RelayOptions,
    start: Window,
    mut send: impl FnMut(FeedEvent) -> bool + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = MIN_BACKOFF;
        let mut newest: Option<pb::Timestamp> = None;
        loop {
            if !send(FeedEvent::State(FeedState::Connecting)) {
                return;
            }
            let req = match newest {
                Some(t) => GetFlowsRequest {
                    since: Some(t),
                    follow: true,
                    ..Default::default()
                },
                None => GetFlowsRequest {
                    follow: true,
                    ..request(start)
                },
            };
            let error = match o.open(req).await {
                Err(e) => e.message,
                Ok(stream) => {
                    if !send(FeedEvent::State(FeedState::Connected)) {
                        return;
                    }
                    backoff = MIN_BACKOFF;
                    let mut batches = stream.ready_chunks(1024);
                    loop {
                        let Some(batch) = batches.next().await else {
                            break "the relay ended the stream".to_string();
                        };
                        let mut flows = Vec::with_capacity(batch.len());
                        let mut failed = None;
                        for m in batch {
                            match m {
                                Ok(m) => {
                                    let t = m.flow.as_ref().and_then(|f| f.time);
                                    if let Some(t) =
                                        t.filter(|t| newest.is_none_or(|n| later(t, &n)))
                                    {
                                        newest = Some(t);
                                    }
                                    flows.push(m);
                                }
                                Err(s) => {
                                    failed = Some(status_text(&s));
                                    break;
                                }
                            }
                        }
                        if !flows.is_empty() && !send(FeedEvent::Flows(flows)) {
                            return;
                        }
                        if let Some(e) = failed {
                            break format!("stream failed: {e}");
                        }
                    }
                }
            };
            let state = FeedState::Retrying {
                error,
                after: backoff,
            };
            if !send(FeedEvent::State(state)) {
                return;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    })
}

fn later(a: &pb::Timestamp, b: &pb::Timestamp) -> bool {
    (a.seconds, a.nanos) > (b.seconds, b.nanos)
}
