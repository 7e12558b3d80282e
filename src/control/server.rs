//! A process's end of the control socket: it answers each request line
//! with one response line from its [`Desk`], which answers from the
//! process's [`Registry`] (status, limits, the bid of a download that buys)
//! or by handing the request to the process's run loop as an [`Order`]
//! (add, remove, pause, resume) and waiting for its answer. The
//! Transmission RPC (`super::transmission`) is another door to the same
//! desk.
//!
//! Invariants: the socket is created mode 0600 in a directory created 0700,
//! and removed when the server is dropped. Every byte a client sends is
//! hostile: a line is at most [`MAX_LINE`] bytes (a longer one is answered
//! with an error and the connection closed), a connection idle for
//! [`IDLE`] is closed, an answer that can't be written within [`IDLE`]
//! closes it, and at most [`MAX_CONNECTIONS`] are served at once (more
//! wait to be accepted), so no client can hold memory or the process.

use super::protocol::{Request, Response};
use super::registry::Registry;
use crate::config::Dirs;
use crate::magnet::Magnet;
use crate::market::price::{in_token, parse_price, price_in_token, PricePerMib};
use crate::metainfo::Torrent;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinSet;

/// The longest request line, in bytes.
pub const MAX_LINE: u64 = 64 << 10;
/// How long a connection may stay silent, or take to read an answer.
pub const IDLE: Duration = Duration::from_secs(10);
/// Connections served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// How often the torrents' counters are sampled for their rates.
const SAMPLE_EVERY: Duration = Duration::from_millis(500);
/// How long the run loop may take to carry out an order.
const ORDER_TIMEOUT: Duration = Duration::from_secs(120);

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

/// What the run loop of a process is asked to do to its torrents.
#[derive(Debug, Clone)]
pub enum Command {
    /// Seed the .torrent file at this path.
    Add(PathBuf),
    /// Seed this torrent (its .torrent read by whoever asked).
    AddTorrent(Arc<Torrent>),
    /// Fetch this magnet link's metadata from peers, then seed it.
    AddMagnet(Box<Magnet>),
    /// Stop and forget the torrent of this info-hash, and delete its data if asked.
    Remove {
        info_hash: String,
        delete_data: bool,
    },
    /// Stop its swarm, keeping it listed.
    Pause(String),
    /// Start it again.
    Resume(String),
}

/// A command and where its answer goes.
#[derive(Debug)]
pub struct Order {
    /// What to do.
    pub command: Command,
    /// The answer: the torrent's status after it, or why not.
    pub reply: oneshot::Sender<Response>,
}

/// A listening control socket; dropping it stops it and removes the socket.
pub struct ControlServer {
    path: PathBuf,
    tasks: JoinSet<()>,
}

impl ControlServer {
    /// Listens on this process's socket in `runtime`, answered by `desk`.
    pub fn start(runtime: &Path, desk: Arc<Desk>) -> Result<ControlServer, ControlError> {
        Dirs::create_private(runtime).map_err(|source| ControlError::CreateDir {
            path: runtime.to_path_buf(),
            source,
        })?;
        let path = super::socket_path(runtime, std::process::id());
        let listener = bind_private(&path).map_err(|source| ControlError::Bind {
            path: path.clone(),
            source,
        })?;
        let mut tasks = JoinSet::new();
        tasks.spawn(sample(Arc::clone(&desk.registry)));
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

async fn sample(registry: Arc<Registry>) {
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    loop {
        ticker.tick().await;
        registry.sample();
    }
}

/// What answers requests, whichever door they came in by.
pub struct Desk {
    registry: Arc<Registry>,
    orders: Option<mpsc::Sender<Order>>,
}

impl Desk {
    /// A desk answering from `registry`; `orders` is where add, remove,
    /// pause and resume go (`None`: the process does not take them).
    pub fn new(registry: Arc<Registry>, orders: Option<mpsc::Sender<Order>>) -> Arc<Desk> {
        Arc::new(Desk { registry, orders })
    }

    /// The torrents it answers about.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Seeds `torrent`, already read and parsed.
    pub async fn add_torrent(&self, torrent: Arc<Torrent>) -> Response {
        self.order(Command::AddTorrent(torrent)).await
    }

    /// Seeds the torrent of `magnet` once its metadata is fetched.
    pub async fn add_magnet(&self, magnet: Magnet) -> Response {
        self.order(Command::AddMagnet(Box::new(magnet))).await
    }

    /// The answer to one request of the control protocol.
    pub async fn answer(&self, request: Request) -> Response {
        match request {
            Request::Status {} => self.bid(|_| Ok(())),
            Request::SetBid { price_base_units } => self.bid(|buyer| {
                let token = buyer.status().token;
                let price = price_in_token(PricePerMib(price_base_units), token)
                    .map_err(|error| error.to_string())?;
                buyer.set_bid(Some(price));
                Ok(())
            }),
            Request::SetBudget { budget_base_units } => self.bid(|buyer| {
                let token = buyer.status().token;
                let budget = in_token(budget_base_units, token)
                    .ok_or_else(|| "the budget is too large".to_string())?;
                buyer
                    .set_budget(budget)
                    .map_err(|refused| refused.to_string())
            }),
            Request::Stop {} => self.bid(|buyer| {
                buyer.set_bid(None);
                Ok(())
            }),
            Request::Torrents {} => Response::Process(self.registry.process()),
            Request::SetLimits {
                info_hash,
                up_limit,
                down_limit,
                ask,
            } => {
                let ask = match ask.as_deref().map(parse_price).transpose() {
                    Ok(ask) => ask,
                    Err(error) => return Response::Error(error.to_string()),
                };
                match self
                    .registry
                    .set_limits(&info_hash, up_limit, down_limit, ask)
                {
                    Ok(status) => Response::Torrents(vec![status]),
                    Err(refused) => Response::Error(refused),
                }
            }
            Request::Add { torrent } => self.order(Command::Add(PathBuf::from(torrent))).await,
            Request::AddMagnet { magnet } => match magnet.parse::<Magnet>() {
                Ok(magnet) => self.add_magnet(magnet).await,
                Err(error) => Response::Error(format!("not a magnet link: {error}")),
            },
            Request::Remove {
                info_hash,
                delete_data,
            } => {
                let command = Command::Remove {
                    info_hash,
                    delete_data,
                };
                self.order(command).await
            }
            Request::Pause { info_hash } => self.order(Command::Pause(info_hash)).await,
            Request::Resume { info_hash } => self.order(Command::Resume(info_hash)).await,
        }
    }

    /// Changes the buying download's bid with `change`, then its status.
    fn bid(
        &self,
        change: impl FnOnce(&crate::market::buyer::Buyer) -> Result<(), String>,
    ) -> Response {
        let Some((_, buyer)) = self.registry.buying() else {
            return Response::Error("this process has no download that buys".to_string());
        };
        if let Err(refused) = change(&buyer) {
            return Response::Error(refused);
        }
        match self.registry.buying() {
            Some((status, _)) => Response::Status(Box::new(status)),
            None => Response::Error("the download that buys has stopped".to_string()),
        }
    }

    /// Hands `command` to the run loop and waits for its answer.
    async fn order(&self, command: Command) -> Response {
        let Some(orders) = &self.orders else {
            return Response::Error(format!(
                "this process (pid {}) runs a fixed download; add, remove, pause and resume \
                 go to a btt-seed run",
                std::process::id()
            ));
        };
        if let Command::Remove { info_hash, .. }
        | Command::Pause(info_hash)
        | Command::Resume(info_hash) = &command
        {
            if self.registry.get(info_hash).is_none() {
                return unknown(info_hash);
            }
        }
        let (reply, answer) = oneshot::channel();
        if orders.send(Order { command, reply }).await.is_err() {
            return Response::Error("the process is stopping".to_string());
        }
        match tokio::time::timeout(ORDER_TIMEOUT, answer).await {
            Ok(Ok(response)) => response,
            Ok(Err(_)) => Response::Error("the process is stopping".to_string()),
            Err(_) => Response::Error("no answer from the run loop in time".to_string()),
        }
    }
}

fn unknown(info_hash: &str) -> Response {
    Response::Error(format!(
        "no torrent {info_hash} in process {}",
        std::process::id()
    ))
}

async fn serve(listener: UnixListener, desk: Arc<Desk>) {
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
        let desk = Arc::clone(&desk);
        connections.spawn(async move {
            answer_connection(stream, desk).await;
            drop(slot);
        });
        while connections.try_join_next().is_some() {}
    }
}

/// What one read of a request line gave.
enum Line {
    /// A whole line, without its newline.
    Request(Vec<u8>),
    /// More than [`MAX_LINE`] bytes without a newline.
    TooLong,
    /// The client closed, went silent or failed.
    Gone,
}

async fn read_line(reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>) -> Line {
    let mut line = Vec::new();
    let mut limited = (&mut *reader).take(MAX_LINE + 1);
    let read = limited.read_until(b'\n', &mut line);
    match tokio::time::timeout(IDLE, read).await {
        Ok(Ok(0)) | Ok(Err(_)) | Err(_) => Line::Gone,
        Ok(Ok(_)) if line.last() == Some(&b'\n') => {
            line.pop();
            Line::Request(line)
        }
        Ok(Ok(_)) if line.len() as u64 > MAX_LINE => Line::TooLong,
        // The last line, without a newline before the end.
        Ok(Ok(_)) => Line::Request(line),
    }
}

async fn answer_connection(stream: UnixStream, desk: Arc<Desk>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let (response, last) = match read_line(&mut reader).await {
            Line::Gone => return,
            Line::TooLong => (
                Response::Error(format!("a request line is at most {MAX_LINE} bytes")),
                true,
            ),
            Line::Request(line) => match serde_json::from_slice::<Request>(&line) {
                Ok(request) => (desk.answer(request).await, false),
                Err(error) => (
                    Response::Error(format!("not a control request: {error}")),
                    false,
                ),
            },
        };
        let Ok(mut bytes) = serde_json::to_vec(&response) else {
            return;
        };
        bytes.push(b'\n');
        let written = tokio::time::timeout(IDLE, write.write_all(&bytes)).await;
        if last || !matches!(written, Ok(Ok(()))) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection to a desk with no torrent that takes no orders.
    fn connect() -> BufReader<UnixStream> {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let desk = Desk::new(Registry::new("btt-seed"), None);
        tokio::spawn(answer_connection(theirs, desk));
        BufReader::new(ours)
    }

    /// Sends `line` and a newline, and reads the answer (`None`: closed).
    async fn exchange(stream: &mut BufReader<UnixStream>, line: &[u8]) -> Option<Response> {
        let line = [line, b"\n"].concat();
        // A refused oversize line may close the connection before all of it is written.
        let _ = stream.get_mut().write_all(&line).await;
        let mut answer = String::new();
        match stream.read_line(&mut answer).await.unwrap() {
            0 => None,
            _ => Some(serde_json::from_str(&answer).unwrap()),
        }
    }

    #[tokio::test]
    async fn garbage_is_answered_with_an_error_and_the_connection_goes_on() {
        let mut stream = connect();
        for garbage in [&b"garbage"[..], br#"{"request":"reboot"}"#, &[0xff, 0x00]] {
            let answer = exchange(&mut stream, garbage).await;
            assert!(matches!(answer, Some(Response::Error(_))), "{answer:?}");
        }
        let answer = exchange(&mut stream, br#"{"request":"add","torrent":"/x"}"#).await;
        let Some(Response::Error(refused)) = answer else {
            panic!("{answer:?}")
        };
        assert!(refused.contains("btt-seed run"), "{refused}");
        let answer = exchange(&mut stream, br#"{"request":"torrents"}"#).await;
        assert!(matches!(answer, Some(Response::Process(process)) if process.torrents.is_empty()));
    }

    #[tokio::test]
    async fn an_oversize_line_is_refused_and_the_connection_closed() {
        let mut stream = connect();
        let line = vec![b'a'; MAX_LINE as usize + 10];
        let answer = exchange(&mut stream, &line).await;
        let Some(Response::Error(refused)) = answer else {
            panic!("{answer:?}")
        };
        assert!(refused.contains("at most"), "{refused}");
        let mut rest = String::new();
        assert_eq!(stream.read_line(&mut rest).await.unwrap_or(0), 0);
    }
}
