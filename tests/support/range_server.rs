//! [`RangeServer`]: a real HTTP/1.1 server on 127.0.0.1 for web seed tests,
//! serving a directory with byte ranges (`tower-http`'s `ServeDir`, which
//! answers `Range` with `206 Partial Content`), and counting what it served.
//!
//! It runs inside the test process, on a runtime of its own; dropping it
//! shuts that runtime down within [`STOP`], closing every connection, so no
//! server outlives its test.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tower_http::services::ServeDir;

/// How long the server may take to stop.
const STOP: Duration = Duration::from_secs(5);

/// What the server answered so far.
#[derive(Debug, Default)]
pub struct Served {
    /// `206 Partial Content` answers.
    pub partial: AtomicU64,
    /// Answers with any other status.
    pub other: AtomicU64,
    /// Requests that carried a `Range` header.
    pub ranged: AtomicU64,
}

/// A running server of one directory.
pub struct RangeServer {
    runtime: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    served: Arc<Served>,
}

impl RangeServer {
    /// Serves `root` on a port of 127.0.0.1 the system picks.
    pub fn serve(root: &Path) -> RangeServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the HTTP server");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let served = Arc::new(Served::default());
        let app = Router::new()
            .fallback_service(ServeDir::new(root))
            .layer(middleware::from_fn_with_state(Arc::clone(&served), count));
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RangeServer {
            runtime: Some(runtime),
            addr,
            served,
        }
    }

    /// `http://127.0.0.1:PORT/` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// The counters.
    pub fn served(&self) -> &Served {
        &self.served
    }

    /// `206` answers so far.
    pub fn partial_answers(&self) -> u64 {
        self.served.partial.load(Ordering::Relaxed)
    }
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(STOP);
        }
    }
}

async fn count(State(served): State<Arc<Served>>, request: Request, next: Next) -> Response {
    if request.headers().contains_key("range") {
        served.ranged.fetch_add(1, Ordering::Relaxed);
    }
    let response = next.run(request).await;
    let counter = match response.status().as_u16() {
        206 => &served.partial,
        _ => &served.other,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    response
}
