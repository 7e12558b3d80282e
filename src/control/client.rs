//! The client end of the control sockets: every running download that buys
//! on this machine (the sockets in the runtime directory), one of them
//! picked by an info-hash prefix, and one request to it.
//!
//! A socket nobody listens on belongs to a process that died without
//! removing it (`kill -9`): it is removed and skipped, never an error.

use super::protocol::{DownloadStatus, Request, Response};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// How long a download may take to answer.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

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
    #[error("{}: no answer within {}s", path.display(), ANSWER_TIMEOUT.as_secs())]
    Timeout { path: PathBuf },
    /// The answer is not a response.
    #[error("{}: not a control response: {source}", path.display())]
    Malformed {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The target is not an info-hash or a prefix of one.
    #[error("{target:?} is not an info-hash (40 hex digits) or a prefix of one")]
    NotInfoHash { target: String },
    /// No running download matches.
    #[error("no running download that buys matches {target}")]
    NoMatch { target: String },
    /// Several match.
    #[error("{target} matches {} running downloads ({}); give a longer prefix or --pid", found.len(), found.join(", "))]
    Ambiguous { target: String, found: Vec<String> },
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

/// Every download with a control socket in `runtime`.
pub async fn list(runtime: &Path) -> Result<Listing, ControlClientError> {
    let mut listing = Listing::default();
    for path in sockets(runtime)? {
        match ask(&path, &Request::Status).await {
            Ok(Response::Status(status)) => listing.running.push(Running {
                path,
                status: *status,
            }),
            Ok(Response::Error(_)) => {}
            Err(ControlClientError::Io { source, .. }) if is_dead(&source) => {
                // A dead process's socket; another client may have removed it first.
                let _ = std::fs::remove_file(&path);
            }
            Err(error) => listing.unanswered.push(error),
        }
    }
    listing.running.sort_by(|a, b| {
        (&a.status.info_hash, a.status.pid).cmp(&(&b.status.info_hash, b.status.pid))
    });
    Ok(listing)
}

/// The one running download whose info-hash starts with `target` (and
/// whose process is `pid`, when given).
pub fn select(
    running: Vec<Running>,
    target: &str,
    pid: Option<u32>,
) -> Result<Running, ControlClientError> {
    let prefix = target.to_ascii_lowercase();
    if prefix.is_empty() || prefix.len() > 40 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ControlClientError::NotInfoHash {
            target: target.to_string(),
        });
    }
    let mut matching: Vec<Running> = running
        .into_iter()
        .filter(|running| running.status.info_hash.starts_with(&prefix))
        .filter(|running| pid.is_none_or(|pid| running.status.pid == pid))
        .collect();
    match matching.len() {
        0 => Err(ControlClientError::NoMatch {
            target: target.to_string(),
        }),
        1 => Ok(matching.remove(0)),
        _ => Err(ControlClientError::Ambiguous {
            target: target.to_string(),
            found: matching
                .iter()
                .map(|running| format!("{} pid {}", running.status.name, running.status.pid))
                .collect(),
        }),
    }
}

/// Sends `request` to the socket at `path` and reads its answer.
pub async fn ask(path: &Path, request: &Request) -> Result<Response, ControlClientError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, exchange(path, request)).await {
        Ok(answer) => answer,
        Err(_) => Err(ControlClientError::Timeout {
            path: path.to_path_buf(),
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

/// The control sockets in `runtime` (`INFO_HASH-PID.sock`); none when it does not exist.
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
    let Some((hash, pid)) = name
        .strip_suffix(".sock")
        .and_then(|stem| stem.split_once('-'))
    else {
        return false;
    };
    hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && pid.parse::<u32>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_info_hash_pid_sockets_are_control_sockets() {
        let hash = "a".repeat(40);
        assert!(is_control_socket(Path::new(&format!("/r/{hash}-12.sock"))));
        for other in [
            format!("/r/{hash}-12.lock"),
            format!("/r/{hash}.sock"),
            format!("/r/{hash}-x.sock"),
            "/r/ab-12.sock".to_string(),
        ] {
            assert!(!is_control_socket(Path::new(&other)), "{other}");
        }
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_is_removed_and_skipped() {
        let runtime = tempfile::tempdir().unwrap();
        let path = runtime.path().join(format!("{}-1.sock", "b".repeat(40)));
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
}
