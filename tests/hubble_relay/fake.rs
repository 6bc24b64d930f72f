//! A fake Hubble Relay: a gRPC (HTTP/2) server on 127.0.0.1 that answers
//! `/observer.Observer/GetFlows` with scripted sessions, one per request,
//! and records the requests it got. gRPC framing written out: a 5-byte
//! prefix per message, `grpc-status` in the trailers.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use http_body_util::{BodyExt, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use netpol_tui::source::flows::hubble_proto::{GET_FLOWS, GetFlowsRequest, GetFlowsResponse};
use prost::Message;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

type Body = BoxBody<Bytes, std::io::Error>;

/// How a session's stream ends after its responses.
#[derive(Clone, Copy, Debug)]
pub enum End {
    /// `grpc-status: 0`: what the relay does without `follow`.
    Ok,
    /// Stays open (a followed stream with nothing new).
    Hold,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub responses: Vec<GetFlowsResponse>,
    pub end: End,
}

#[derive(Default)]
struct State {
    sessions: Vec<Session>,
    requests: Vec<GetFlowsRequest>,
    connections: Vec<JoinHandle<()>>,
}

pub struct FakeRelay {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: JoinHandle<()>,
}

impl Drop for FakeRelay {
    fn drop(&mut self) {
        self.accept.abort();
        self.kill_connections();
    }
}

fn frame(msg: &GetFlowsResponse) -> Bytes {
    let body = msg.encode_to_vec();
    let mut b = BytesMut::with_capacity(body.len() + 5);
    b.put_u8(0);
    b.put_u32(body.len() as u32);
    b.put_slice(&body);
    b.freeze()
}

fn trailers(status: u32) -> Frame<Bytes> {
    let mut t = http::HeaderMap::new();
    t.insert("grpc-status", status.into());
    Frame::trailers(t)
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path_ok = req.uri().path() == GET_FLOWS;
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let session = {
        let mut st = state.lock().expect("state");
        if path_ok && body.len() >= 5 {
            let decoded = GetFlowsRequest::decode(&body[5..]).expect("a GetFlowsRequest");
            st.requests.push(decoded);
        }
        // The last session repeats when the script runs out.
        if st.sessions.len() > 1 {
            Some(st.sessions.remove(0))
        } else {
            st.sessions.first().cloned()
        }
    };
    let (frames, end) = match (path_ok, session) {
        (true, Some(s)) => (
            s.responses.iter().map(|m| Frame::data(frame(m))).collect(),
            s.end,
        ),
        // UNIMPLEMENTED
        _ => (vec![], End::Ok),
    };
    let status = if path_ok { 0 } else { 12 };
    let head = futures::stream::iter(frames.into_iter().map(Ok::<_, std::io::Error>));
    let body: Body = match end {
        End::Ok => BodyExt::boxed(StreamBody::new(
            head.chain(futures::stream::iter([Ok(trailers(status))])),
        )),
        End::Hold => BodyExt::boxed(StreamBody::new(head.chain(futures::stream::pending()))),
    };
    let resp = Response::builder()
        .header("content-type", "application/grpc")
        .body(body)
        .expect("a response");
    Ok(resp)
}

impl FakeRelay {
    /// Serves `sessions` (plaintext, or TLS with `tls`).
    pub async fn start(
        sessions: Vec<Session>,
        tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
    ) -> FakeRelay {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = Arc::new(Mutex::new(State {
            sessions,
            ..Default::default()
        }));
        let st = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (st2, tls) = (st.clone(), tls.clone());
                let conn = tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |r| handle(st2.clone(), r));
                    let builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
                    match tls {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                        }
                        Some(cfg) => {
                            let Ok(s) = TlsAcceptor::from(cfg).accept(tcp).await else {
                                return;
                            };
                            let _ = builder.serve_connection(TokioIo::new(s), svc).await;
                        }
                    }
                });
                st.lock().expect("state").connections.push(conn);
            }
        });
        FakeRelay {
            addr,
            state,
            accept,
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<GetFlowsRequest> {
        self.state.lock().expect("state").requests.clone()
    }

    /// Closes every open connection (as a relay restart does).
    pub fn kill_connections(&self) {
        if let Ok(mut st) = self.state.lock() {
            for c in st.connections.drain(..) {
                c.abort();
            }
        }
    }
}
