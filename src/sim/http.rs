//! The simulator's HTTP side: the routes (`POST /json`, `GET /rest/v1/version`, `GET /ready`,
//! `GET /sim/stats`), login and session checks, the API-level faults, the call log, and the
//! accept loop that serves plain HTTP or TLS and tells each request whether its connection
//! presented a client certificate.

use super::api::{self, Answer, CM_VERSION};
use super::auth::{self, Sessions};
use super::call_log::{self, CallLog};
use super::headnode::{Headnode, SimStats};
use crate::provider::bcm::wire::{Request, JSON_PATH};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json as JsonBody, Router};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

/// Everything the request handlers share.
#[derive(Debug)]
pub struct Shared {
    pub headnode: Mutex<Headnode>,
    pub sessions: Sessions,
    pub call_log: Option<CallLog>,
    /// Served over TLS: session cookies are marked `Secure`.
    pub tls: bool,
}

impl Shared {
    /// Runs `f` on the headnode state. A poisoned lock (a panic elsewhere) still yields the
    /// state: it is plain data, consistent after every call.
    pub fn with_headnode<T>(&self, f: impl FnOnce(&mut Headnode) -> T) -> T {
        let mut guard = self
            .headnode
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    pub fn stats(&self) -> SimStats {
        self.with_headnode(|headnode| headnode.stats(Instant::now()))
    }
}

/// How the connection a request came on was authenticated by TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Peer {
    /// The client presented a certificate the simulator's CA signed (mutual TLS).
    pub client_certificate: bool,
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(JSON_PATH, post(json_call))
        .route("/rest/v1/version", get(version))
        .route("/ready", get(ready))
        .route("/sim/stats", get(stats))
        .with_state(shared)
}

fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, JsonBody(answer.body)).into_response()
}

async fn json_call(
    State(shared): State<Arc<Shared>>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: Option<Request> = serde_json::from_slice(&body).ok();
    let (latency, unavailable) = shared.with_headnode(|headnode| {
        let unavailable = headnode.receive_call();
        (headnode.faults().latency, unavailable)
    });
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mut cookie = None;
    let answer = match &request {
        None => Answer::error(400, "The request body is not a JSON call"),
        Some(_) if unavailable => Answer::error(503, "Service temporarily unavailable (simulated)"),
        Some(request) if request.service.eq_ignore_ascii_case("login") => {
            let username = request.username.as_deref().unwrap_or_default();
            let password = request.password.as_deref().unwrap_or_default();
            match shared.sessions.login(username, password) {
                Some(token) => {
                    cookie = Some(auth::set_cookie(&token, shared.tls));
                    Answer::ok(true)
                }
                None => Answer::error(401, "Login failed: wrong username or password"),
            }
        }
        Some(request) => {
            let client_certificate = peer.is_some_and(|p| p.client_certificate);
            let cookies = headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok());
            let logged_in =
                auth::token_from_cookies(cookies).is_some_and(|t| shared.sessions.is_valid(t));
            if client_certificate || logged_in {
                shared.with_headnode(|headnode| api::call(headnode, request, Instant::now()))
            } else {
                Answer::error(
                    401,
                    "Not logged in: call login first or present a client certificate",
                )
            }
        }
    };
    if let Some(log) = &shared.call_log {
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        log.record(&call_log::line(&time, request.as_ref(), answer.status));
    }
    let mut response = respond(answer);
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn version() -> JsonBody<Json> {
    JsonBody(json!({
        "cm_version": CM_VERSION,
        "cmd_version": CM_VERSION,
        "simulator": "bcmhcl",
    }))
}

/// cluster-on-demand's readiness probe: `?version=query` asks which protocol, else `ready`.
async fn ready(Query(query): Query<BTreeMap<String, String>>) -> &'static str {
    if query.get("version").is_some_and(|v| v == "query") {
        "v2"
    } else {
        "ready"
    }
}

async fn stats(State(shared): State<Arc<Shared>>) -> JsonBody<SimStats> {
    JsonBody(shared.stats())
}

/// How long a TLS handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long shutdown waits for requests in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` turns true (or its sender goes away), then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors or similar: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                let watcher = graceful.watcher();
                match acceptor.clone() {
                    None => {
                        tokio::spawn(serve_connection(stream, Peer::default(), router, watcher));
                    }
                    Some(acceptor) => {
                        tokio::spawn(async move {
                            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
                            let Ok(Ok(tls)) = handshake.await else {
                                return;
                            };
                            let client_certificate = tls
                                .get_ref()
                                .1
                                .peer_certificates()
                                .is_some_and(|chain| !chain.is_empty());
                            serve_connection(tls, Peer { client_certificate }, router, watcher).await;
                        });
                    }
                }
            }
            _ = stop_requested(&mut shutdown) => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
}

/// Resolves once a stop is asked for or the handle that could ask is gone.
async fn stop_requested(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn serve_connection<S>(stream: S, peer: Peer, router: Router, watcher: Watcher)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(peer);
            tower::ServiceExt::oneshot(router.clone(), request)
        });
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    let _ = watcher.watch(connection).await;
}
