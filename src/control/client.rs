//! The client end of the control sockets: every running process on this
//! machine (the sockets in the runtime directory), its downloads that buy
//! or all its torrents, one of them picked by an info-hash prefix, and one
//! request to it.
//!
//! A socket nobody listens on belongs to a process that died without
//! removing it (`kill -9`): it is removed and skipped, never an error.

use super::protocol::{DownloadStatus, Request, Response, TorrentStatus};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// How long a process may take to answer a question.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a process may take to add, remove, pause or resume a torrent
/// (opening a torrent's data may check it).
pub const ORDER_TIMEOUT: Duration = Duration::from_secs(150);

/// The longest answer read (a process with thousands of torrents fits).
const MAX_ANSWER: u64 = 64 << 20;

/// Why a control request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ControlClientError {
    /// The runtime directory could not be read.
    #[error("could not read {}: {source}", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Connecting, writing or reading failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// No answer in time.
    #[error("{}: no answer within {}s", path.display(), within.as_secs())]
    Timeout { path: PathBuf, within: Duration },
    /// The answer is not a response.
    #[error("{}: not a control response: {source}", path.display())]
    Malformed {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The target is not an info-hash or a prefix of one.
    #[error("{target:?} is not an info-hash (40 hex digits) or a prefix of one")]
    NotInfoHash { target: String },
    /// Nothing running matches.
    #[error("no running {what} matches {target}")]
    NoMatch { target: String, what: &'static str },
    /// Several match.
    #[error("{target} matches {} running {plural} ({}); give a longer prefix or --pid", found.len(), found.join(", "))]
    Ambiguous {
        target: String,
        plural: &'static str,
        found: Vec<String>,
    },
}

/// A running download that answered.
#[derive(Debug, Clone)]
pub struct Running {
    /// Its socket.
    pub path: PathBuf,
    /// What it said.
    pub status: DownloadStatus,
}

/// What a look over the runtime directory found.
#[derive(Debug, Default)]
pub struct Listing {
    /// The downloads that answered, by info-hash then pid.
    pub running: Vec<Running>,
    /// Sockets that are there but did not answer properly (not removed).
    pub unanswered: Vec<ControlClientError>,
}

/// A torrent of a running process that answered.
#[derive(Debug, Clone)]
pub struct RunningTorrent {
    /// Its process's socket.
    pub path: PathBuf,
    /// What the process said of it.
    pub status: TorrentStatus,
}

/// A running process that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its socket.
    pub path: PathBuf,
    /// Its pid.
    pub pid: u32,
    /// Its program.
    pub program: String,
}

/// What a look over the runtime directory for torrents found.
#[derive(Debug, Default)]
pub struct TorrentListing {
    /// The processes that answered, by pid.
    pub processes: Vec<Process>,
    /// Every torrent of the processes that answered, by info-hash then pid.
    pub running: Vec<RunningTorrent>,
    /// Sockets that are there but did not answer properly (not removed).
    pub unanswered: Vec<ControlClientError>,
}

/// Every download that buys of the processes with a control socket in `runtime`.
pub async fn list(runtime: &Path) -> Result<Listing, ControlClientError> {
    let mut listing = Listing::default();
    for (path, answer) in survey(runtime, &Request::Status {}).await? {
        match answer {
            Ok(Response::Status(status)) => listing.running.push(Running {
                path,
                status: *status,
            }),
            Ok(_) => {}
            Err(error) => listing.unanswered.push(error),
        }
    }
    listing.running.sort_by(|a, b| {
        (&a.status.info_hash, a.status.pid).cmp(&(&b.status.info_hash, b.status.pid))
    });
    Ok(listing)
}

/// Every torrent of the processes with a control socket in `runtime`.
pub async fn torrents(runtime: &Path) -> Result<TorrentListing, ControlClientError> {
    let mut listing = TorrentListing::default();
    for (path, answer) in survey(runtime, &Request::Torrents {}).await? {
        match answer {
            Ok(Response::Process(process)) => {
                let torrents = process.torrents.into_iter();
                listing
                    .running
                    .extend(torrents.map(|status| RunningTorrent {
                        path: path.clone(),
                        status,
                    }));
                listing.processes.push(Process {
                    path,
                    pid: process.pid,
                    program: process.program,
                });
            }
            Ok(_) => {}
            Err(error) => listing.unanswered.push(error),
        }
    }
    listing.running.sort_by(|a, b| {
        (&a.status.info_hash, a.status.pid).cmp(&(&b.status.info_hash, b.status.pid))
    });
    listing.processes.sort_by_key(|process| process.pid);
    Ok(listing)
}

/// `request`'s answer from every live socket in `runtime`; a dead one is removed.
async fn survey(
    runtime: &Path,
    request: &Request,
) -> Result<Vec<(PathBuf, Result<Response, ControlClientError>)>, ControlClientError> {
    let mut answers = Vec::new();
    for path in sockets(runtime)? {
        match ask(&path, request).await {
            Err(ControlClientError::Io { source, .. }) if is_dead(&source) => {
                // A dead process's socket; another client may have removed it first.
                let _ = std::fs::remove_file(&path);
            }
            answer => answers.push((path, answer)),
        }
    }
    Ok(answers)
}

/// The one running download whose info-hash starts with `target` (and
/// whose process is `pid`, when given).
pub fn select(
    running: Vec<Running>,
    target: &str,
    pid: Option<u32>,
) -> Result<Running, ControlClientError> {
    pick(
        running,
        target,
        pid,
        ("download that buys", "downloads"),
        |running| {
            (
                &running.status.info_hash,
                running.status.pid,
                &running.status.name,
            )
        },
    )
}

/// The one running torrent whose info-hash starts with `target` (and
/// whose process is `pid`, when given).
pub fn select_torrent(
    running: Vec<RunningTorrent>,
    target: &str,
    pid: Option<u32>,
) -> Result<RunningTorrent, ControlClientError> {
    pick(running, target, pid, ("torrent", "torrents"), |running| {
        (
            &running.status.info_hash,
            running.status.pid,
            &running.status.name,
        )
    })
}

/// The one item whose info-hash (of `key`: info-hash, pid, name) starts
/// with the hex prefix `target`, of process `pid` when given; `what` names
/// the items, one and several.
fn pick<T>(
    items: Vec<T>,
    target: &str,
    pid: Option<u32>,
    (what, plural): (&'static str, &'static str),
    key: impl Fn(&T) -> (&String, u32, &String),
) -> Result<T, ControlClientError> {
    let prefix = target.to_ascii_lowercase();
    if prefix.is_empty() || prefix.len() > 40 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ControlClientError::NotInfoHash {
            target: target.to_string(),
        });
    }
    let mut matching: Vec<T> = items
        .into_iter()
        .filter(|item| key(item).0.starts_with(&prefix))
        .filter(|item| pid.is_none_or(|pid| key(item).1 == pid))
        .collect();
    match matching.len() {
        0 => Err(ControlClientError::NoMatch {
            target: target.to_string(),
            what,
        }),
        1 => Ok(matching.remove(0)),
        _ => Err(ControlClientError::Ambiguous {
            target: target.to_string(),
            plural,
            found: matching
                .iter()
                .map(|item| {
                    let (hash, pid, name) = key(item);
                    format!("{name} {} pid {pid}", &hash[..hash.len().min(12)])
                })
                .collect(),
        }),
    }
}

/// Sends `request` to the socket at `path` and reads its answer.
pub async fn ask(path: &Path, request: &Request) -> Result<Response, ControlClientError> {
    ask_within(path, request, ANSWER_TIMEOUT).await
}

/// [`ask`], waiting up to `within` for the answer.
pub async fn ask_within(
    path: &Path,
    request: &Request,
    within: Duration,
) -> Result<Response, ControlClientError> {
    match tokio::time::timeout(within, exchange(path, request)).await {
        Ok(answer) => answer,
        Err(_) => Err(ControlClientError::Timeout {
            path: path.to_path_buf(),
            within,
        }),
    }
}

async fn exchange(path: &Path, request: &Request) -> Result<Response, ControlClientError> {
    let io = |source| ControlClientError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut stream = UnixStream::connect(path).await.map_err(io)?;
    let mut line = serde_json::to_vec(request).expect("a request serializes");
    line.push(b'\n');
    stream.write_all(&line).await.map_err(io)?;
    let mut answer = String::new();
    BufReader::new(stream)
        .take(MAX_ANSWER)
        .read_line(&mut answer)
        .await
        .map_err(io)?;
    serde_json::from_str(&answer).map_err(|source| ControlClientError::Malformed {
        path: path.to_path_buf(),
        source,
    })
}

/// Whether connecting failed because nobody listens there any more.
fn is_dead(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::NotFound
    )
}

/// The control sockets in `runtime` (`btt-PID.sock`); none when it does not exist.
fn sockets(runtime: &Path) -> Result<Vec<PathBuf>, ControlClientError> {
    let entries = match std::fs::read_dir(runtime) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ControlClientError::ReadDir {
                path: runtime.to_path_buf(),
                source,
            })
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_control_socket(path))
        .collect();
    paths.sort();
    Ok(paths)
}

fn is_control_socket(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    name.strip_prefix("btt-")
        .and_then(|rest| rest.strip_suffix(".sock"))
        .is_some_and(|pid| pid.bytes().all(|b| b.is_ascii_digit()) && pid.parse::<u32>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_btt_pid_sockets_are_control_sockets() {
        assert!(is_control_socket(Path::new("/r/btt-12.sock")));
        for other in [
            "/r/btt-12.lock",
            "/r/btt-.sock",
            "/r/btt-+12.sock",
            "/r/btt-x.sock",
            "/r/ab-12.sock",
            "/r/torrents.lock",
        ] {
            assert!(!is_control_socket(Path::new(&other)), "{other}");
        }
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_is_removed_and_skipped() {
        let runtime = tempfile::tempdir().unwrap();
        let path = super::super::socket_path(runtime.path(), 1);
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let listing = list(runtime.path()).await.unwrap();
        assert!(listing.running.is_empty() && listing.unanswered.is_empty());
        assert!(!path.exists());
    }

    #[test]
    fn a_target_is_a_hex_prefix() {
        for bad in ["", "xyz", &"a".repeat(41)] {
            let error = select(Vec::new(), bad, None).unwrap_err();
            assert!(
                matches!(error, ControlClientError::NotInfoHash { .. }),
                "{bad}"
            );
        }
        let error = select(Vec::new(), "ab", None).unwrap_err();
        assert!(matches!(error, ControlClientError::NoMatch { .. }));
    }

    #[test]
    fn a_prefix_two_torrents_share_is_ambiguous_and_a_pid_settles_it() {
        let torrent = |hash: &str, pid: u32| RunningTorrent {
            path: PathBuf::from("/r"),
            status: TorrentStatus {
                info_hash: hash.to_string(),
                pid,
                ..serde_json::from_str::<TorrentStatus>(STATUS).unwrap()
            },
        };
        let running = vec![torrent("ab12", 1), torrent("ab34", 2)];
        let error = select_torrent(running.clone(), "AB", None).unwrap_err();
        assert!(matches!(error, ControlClientError::Ambiguous { .. }));
        assert!(error.to_string().contains("2 running torrents"), "{error}");
        let one = select_torrent(running.clone(), "ab3", None).unwrap();
        assert_eq!(one.status.pid, 2);
        assert_eq!(
            select_torrent(running, "ab", Some(1)).unwrap().status.pid,
            1
        );
    }

    const STATUS: &str = r#"{"info_hash":"","name":"x","pid":0,"program":"btt-seed",
        "state":"seeding","data":"/d","total_length":1,"left":0,"progress":1.0,
        "download_rate":0,"upload_rate":0,"downloaded":0,"uploaded":0,"peers":0,"ratio":0.0,
        "eta_seconds":null,"up_limit":null,"down_limit":null,"ask":null,"ask_base_units":null,
        "paid":"0BTT","paid_base_units":"0",
        "earned":"0BTT","earned_base_units":"0"}"#;
}
