//! The HTTP side of the Transmission RPC: `POST /transmission/rpc` with a
//! JSON body, answered with JSON.
//!
//! Every request passes, in this order (as in Transmission): the `Host`
//! check when no password is set (an IP literal or `localhost`, else 421,
//! so a web page can't reach a loopback RPC through DNS rebinding); Basic
//! auth when a password is set (else 401 with `WWW-Authenticate`); the path
//! (else 404); the `X-Transmission-Session-Id` header (else 409 with the id
//! to send, so a page of another origin can't post to it); the method (else
//! 405); the body, read whole within [`BODY_TIMEOUT`] and at most
//! [`MAX_BODY`] bytes (else 408 or 413). Headers are at most
//! [`MAX_HEAD`] bytes and must arrive within [`HEAD_TIMEOUT`]; a
//! connection lives at most [`CONNECTION_LIFETIME`]; at most
//! [`MAX_CONNECTIONS`] are served at once (more wait to be accepted).

use super::credentials::Credentials;
use super::methods::Methods;
use crate::control::server::Desk;
use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rand::Rng;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The path Transmission's clients post to (`transmission-remote` adds a `/`).
pub const RPC_PATH: &str = "/transmission/rpc";
/// The header that carries the session id.
pub const SESSION_HEADER: &str = "X-Transmission-Session-Id";
/// The largest request body, in bytes (a base64 .torrent of 6 MB).
pub const MAX_BODY: usize = 8 << 20;
/// The largest request head (line and headers), in bytes.
pub const MAX_HEAD: usize = 16 << 10;
/// How long a request head may take to arrive.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may take to arrive, once its head has.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one connection is served.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 16;

/// Why the RPC could not listen.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// A non-loopback address without a password.
    #[error(
        "--rpc {addr} is not a loopback address: set a password (--rpc-auth-file or \
         BTT_RPC_AUTH) to listen there"
    )]
    Exposed { addr: SocketAddr },
    /// The address could not be bound.
    #[error("could not listen on {addr} for --rpc: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound RPC address, not answering yet.
pub struct RpcListener {
    listener: TcpListener,
    credentials: Option<Credentials>,
    data: PathBuf,
}

impl RpcListener {
    /// Listens on `addr` (a non-loopback one only with `credentials`); `data`
    /// is the run's data directory, told to clients as `download-dir`.
    pub async fn bind(
        addr: SocketAddr,
        credentials: Option<Credentials>,
        data: PathBuf,
    ) -> Result<RpcListener, RpcError> {
        if !addr.ip().is_loopback() && credentials.is_none() {
            return Err(RpcError::Exposed { addr });
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| RpcError::Bind { addr, source })?;
        Ok(RpcListener {
            listener,
            credentials,
            data,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answers from `desk` until the returned server is dropped.
    pub fn serve(self, desk: Arc<Desk>) -> RpcServer {
        let session_id = new_session_id();
        let gate = Arc::new(Gate {
            methods: Methods::new(desk, self.data, session_id.clone()),
            credentials: self.credentials,
            session_id,
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(serve(self.listener, gate));
        RpcServer { _tasks: tasks }
    }
}

/// The RPC answering; dropping it stops it.
pub struct RpcServer {
    _tasks: JoinSet<()>,
}

/// What every request passes through.
struct Gate {
    methods: Methods,
    credentials: Option<Credentials>,
    session_id: String,
}

fn new_session_id() -> String {
    let mut rng = rand::thread_rng();
    (0..48)
        .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
        .collect()
}

async fn serve(listener: TcpListener, gate: Arc<Gate>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, say: try again a little later.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        connections.spawn(serve_connection(stream, Arc::clone(&gate), slot));
        while connections.try_join_next().is_some() {}
    }
}

async fn serve_connection(
    stream: TcpStream,
    gate: Arc<Gate>,
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    let service = service_fn(move |request| {
        let gate = Arc::clone(&gate);
        async move { Ok::<_, Infallible>(gate.handle(request).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    // A connection past its lifetime is dropped, whatever it was doing.
    let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
}

impl Gate {
    async fn handle(&self, request: Request<Incoming>) -> Response<Body> {
        let headers = request.headers();
        match &self.credentials {
            None if !local_host(headers.get(header::HOST)) => {
                return text(
                    StatusCode::MISDIRECTED_REQUEST,
                    "421: Misdirected Request: without a password the RPC answers only \
                     requests to an IP address or localhost",
                );
            }
            Some(credentials)
                if !credentials.admit(
                    headers
                        .get(header::AUTHORIZATION)
                        .map(HeaderValue::as_bytes),
                ) =>
            {
                let mut refused = text(StatusCode::UNAUTHORIZED, "401: Unauthorized");
                refused.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Transmission\""),
                );
                return refused;
            }
            _ => {}
        }
        if request.uri().path().trim_end_matches('/') != RPC_PATH {
            return text(
                StatusCode::NOT_FOUND,
                "404: Not Found: the RPC is at /transmission/rpc",
            );
        }
        let sent_id = headers.get(SESSION_HEADER).map(HeaderValue::as_bytes);
        if sent_id != Some(self.session_id.as_bytes()) {
            return self.conflict();
        }
        if request.method() != Method::POST {
            return text(StatusCode::METHOD_NOT_ALLOWED, "405: the RPC takes POST");
        }
        match read_body(request).await {
            Ok(body) => json(&self.methods.answer(&body).await),
            Err(refusal) => refusal,
        }
    }

    /// 409 with the session id to send.
    fn conflict(&self) -> Response<Body> {
        let mut answer = text(
            StatusCode::CONFLICT,
            "409: Conflict: send the X-Transmission-Session-Id header of this answer",
        );
        if let Ok(value) = HeaderValue::from_str(&self.session_id) {
            answer.headers_mut().insert(SESSION_HEADER, value);
        }
        answer
    }
}

/// Whether a `Host` header names this machine by IP address or `localhost`.
fn local_host(host: Option<&HeaderValue>) -> bool {
    let Some(host) = host.and_then(|host| host.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((name, _)) => name,
            None => return false,
        },
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.parse::<std::net::IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || name.to_ascii_lowercase().ends_with(".localhost")
}

/// The whole body, or the answer refusing it: 413 past [`MAX_BODY`], 408
/// past [`BODY_TIMEOUT`].
async fn read_body(request: Request<Incoming>) -> Result<Vec<u8>, Response<Body>> {
    let too_large = || {
        let message = format!("413: the request body is larger than {MAX_BODY} bytes");
        closing(text(StatusCode::PAYLOAD_TOO_LARGE, &message))
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(too_large());
    }
    let read = axum::body::to_bytes(Body::new(request.into_body()), MAX_BODY);
    match tokio::time::timeout(BODY_TIMEOUT, read).await {
        Ok(Ok(bytes)) => Ok(bytes.to_vec()),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(closing(text(
            StatusCode::REQUEST_TIMEOUT,
            "408: the request body did not arrive in time",
        ))),
    }
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut answer = Response::new(Body::from(format!("{message}\n")));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    answer
}

fn closing(mut answer: Response<Body>) -> Response<Body> {
    answer
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    answer
}

fn json(value: &serde_json::Value) -> Response<Body> {
    let mut answer = Response::new(Body::from(value.to_string()));
    answer.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ip_literals_and_localhost_are_local_hosts() {
        for host in [
            "127.0.0.1:9091",
            "localhost",
            "LOCALHOST:1",
            "[::1]:9091",
            "10.0.0.2",
            "a.localhost:80",
        ] {
            assert!(local_host(Some(&HeaderValue::from_static(host))), "{host}");
        }
        for host in ["evil.example:9091", "example.com", "[::1", ""] {
            assert!(!local_host(Some(&HeaderValue::from_static(host))), "{host}");
        }
        assert!(!local_host(None));
    }
}
