//! The download's end of the control socket. It answers each request line
//! with one response line, changes the [`Buyer`] as asked (the buyer
//! reports every change as a `bid` record), and measures the download rate
//! it reports from the session's verified bytes.
//!
//! Invariants: the socket is created mode 0600 in a directory created 0700,
//! and removed when the server is dropped; a connection reads at most
//! [`MAX_REQUEST`] bytes, so a client can not make it hold memory.

use super::protocol::{DownloadStatus, Request, Response, Transfer};
use crate::config::Dirs;
use crate::market::buyer::Buyer;
use crate::market::price::PricePerMib;
use crate::metainfo::Torrent;
use crate::swarm::Session;
use crate::sync::lock;
use std::collections::VecDeque;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::task::JoinSet;

/// The most a connection may send, in bytes.
pub const MAX_REQUEST: u64 = 64 << 10;
/// The window the download rate is measured over.
const RATE_WINDOW: Duration = Duration::from_secs(5);
/// How often the verified bytes are sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);

/// Why the control socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The runtime directory could not be created.
    #[error("could not create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The socket could not be bound or made private.
    #[error("could not listen on {}: {source}", path.display())]
    Bind {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a control socket controls: one torrent's download and its buyer.
#[derive(Clone)]
pub struct Controlled {
    /// The torrent.
    pub torrent: Arc<Torrent>,
    /// Its session.
    pub session: Arc<Session>,
    /// Its payer.
    pub buyer: Buyer,
}

/// A listening control socket; dropping it stops it and removes the socket.
pub struct ControlServer {
    path: PathBuf,
    tasks: JoinSet<()>,
}

impl ControlServer {
    /// Listens on the socket of this process's download of `controlled` in `runtime`.
    pub fn start(runtime: &Path, controlled: Controlled) -> Result<ControlServer, ControlError> {
        Dirs::create_private(runtime).map_err(|source| ControlError::CreateDir {
            path: runtime.to_path_buf(),
            source,
        })?;
        let path = super::socket_path(runtime, &controlled.torrent.info_hash, std::process::id());
        let listener = bind_private(&path).map_err(|source| ControlError::Bind {
            path: path.clone(),
            source,
        })?;
        let samples = Arc::new(Mutex::new(VecDeque::new()));
        let mut tasks = JoinSet::new();
        tasks.spawn(sample(
            Arc::clone(&controlled.session),
            Arc::clone(&samples),
        ));
        let desk = Arc::new(Desk {
            controlled,
            samples,
        });
        tasks.spawn(serve(listener, desk));
        Ok(ControlServer { path, tasks })
    }

    /// Where it listens.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.tasks.abort_all();
        // Already gone is fine: nothing else to clean up.
        let _ = std::fs::remove_file(&self.path);
    }
}

fn bind_private(path: &Path) -> std::io::Result<UnixListener> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// The verified bytes at recent moments, oldest first.
type Samples = Arc<Mutex<VecDeque<(Instant, u64)>>>;

async fn sample(session: Arc<Session>, samples: Samples) {
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    loop {
        ticker.tick().await;
        let now = Instant::now();
        let mut samples = lock(&samples);
        samples.push_back((now, session.stats().downloaded));
        while samples
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RATE_WINDOW)
        {
            samples.pop_front();
        }
    }
}

/// What answers requests.
struct Desk {
    controlled: Controlled,
    samples: Samples,
}

impl Desk {
    fn answer(&self, request: Request) -> Response {
        let buyer = &self.controlled.buyer;
        match request {
            Request::Status => {}
            Request::SetBid { price_base_units } => {
                buyer.set_bid(Some(PricePerMib(price_base_units)))
            }
            Request::SetBudget { budget_base_units } => {
                if let Err(refused) = buyer.set_budget(budget_base_units) {
                    return Response::Error(refused.to_string());
                }
            }
            Request::Stop => buyer.set_bid(None),
        }
        Response::Status(Box::new(self.status()))
    }

    fn status(&self) -> DownloadStatus {
        let Controlled {
            torrent,
            session,
            buyer,
        } = &self.controlled;
        let transfer = Transfer {
            download_rate: self.rate(),
            left: session.stats().left,
            total_length: torrent.info.total_length,
        };
        DownloadStatus::new(
            torrent.info_hash.to_string(),
            torrent.info.name.clone(),
            std::process::id(),
            transfer,
            &buyer.status(),
        )
    }

    /// Bytes per second over the samples kept.
    fn rate(&self) -> u64 {
        let samples = lock(&self.samples);
        let (Some((first_at, first)), Some((last_at, last))) = (samples.front(), samples.back())
        else {
            return 0;
        };
        let seconds = last_at.duration_since(*first_at).as_secs_f64();
        if seconds <= 0.0 {
            return 0;
        }
        (last.saturating_sub(*first) as f64 / seconds) as u64
    }
}

async fn serve(listener: UnixListener, desk: Arc<Desk>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, say: try again a little later.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        connections.spawn(answer_connection(stream, Arc::clone(&desk)));
        while connections.try_join_next().is_some() {}
    }
}

async fn answer_connection(stream: UnixStream, desk: Arc<Desk>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read.take(MAX_REQUEST)).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let response = match serde_json::from_str::<Request>(&line) {
            Ok(request) => desk.answer(request),
            Err(error) => Response::Error(format!("not a control request: {error}")),
        };
        let Ok(mut bytes) = serde_json::to_vec(&response) else {
            return;
        };
        bytes.push(b'\n');
        if write.write_all(&bytes).await.is_err() {
            return;
        }
    }
}
