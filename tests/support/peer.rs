//! A real client started by a controller ([`Aria2`](super::Aria2),
//! [`Transmission`](super::Transmission), [`Libtorrent`](super::Libtorrent),
//! [`BttSeed`](super::BttSeed)): a [`Seeder`] or a [`Leecher`] with its
//! process and its port on 127.0.0.1, plus what the controllers share: the
//! completion hook clients run when a download is verified, and waiting for
//! a client to listen without connecting to it.

use super::Child;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a client that exits by itself may take after its completion
/// hook (aria2 ticks once a second, then removes its `.aria2` control file).
const EXIT_AFTER_COMPLETE: Duration = Duration::from_secs(15);

/// A client that was started to download: its process, its peer port and
/// the marker file its completion hook writes.
#[derive(Debug)]
pub struct Leecher {
    /// The client process.
    pub child: Child,
    /// The port it accepts peers on (127.0.0.1).
    pub port: u16,
    complete_marker: PathBuf,
    exits_when_complete: bool,
}

impl Leecher {
    pub(super) fn new(
        child: Child,
        port: u16,
        complete_marker: PathBuf,
        exits_when_complete: bool,
    ) -> Leecher {
        Leecher {
            child,
            port,
            complete_marker,
            exits_when_complete,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Waits for completion (see [`Leecher::wait_complete`]), then lets the
    /// client settle so its output directory holds exactly the content: a
    /// client that exits by itself must exit 0 (aria2 removes its control
    /// file on the way out); one that keeps seeding (Transmission) is
    /// stopped. Returns the time to completion.
    pub fn finish(&mut self, timeout: Duration) -> Duration {
        let took = self.wait_complete(timeout);
        if self.exits_when_complete {
            self.child.wait_success(EXIT_AFTER_COMPLETE);
        } else {
            self.child.terminate();
        }
        took
    }

    /// Waits until the client's own completion hook has fired, and returns
    /// how long that took. Panics, with the client's stderr, on timeout or
    /// when the client exits without completing.
    pub fn wait_complete(&mut self, timeout: Duration) -> Duration {
        let start = Instant::now();
        loop {
            if marker_exists(&self.complete_marker) {
                return start.elapsed();
            }
            if let Some(status) = self.child.try_wait() {
                if marker_exists(&self.complete_marker) {
                    return start.elapsed();
                }
                panic!(
                    "{} exited ({status}) before completing\n{}",
                    self.child.label(),
                    self.child.diagnostics()
                );
            }
            if start.elapsed() > timeout {
                panic!(
                    "{} did not complete within {timeout:?}\n{}",
                    self.child.label(),
                    self.child.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A client that was started to seed: its process and its peer port.
#[derive(Debug)]
pub struct Seeder {
    /// The client process.
    pub child: Child,
    /// The port it accepts peers on (127.0.0.1).
    pub port: u16,
}

impl Seeder {
    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `[::1]:PORT`, for a seeder started listening on `[::1]:0`.
    pub fn addr6(&self) -> String {
        format!("[::1]:{}", self.port)
    }
}

fn marker_exists(path: &Path) -> bool {
    path.metadata().is_ok()
}

/// Writes an executable `/bin/sh` hook that atomically writes the Unix time
/// (with nanoseconds) to `marker` when run; clients call it on completion.
pub(super) fn write_completion_hook(hook: &Path, marker: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let tmp = marker.with_extension("tmp");
    let script = format!(
        "#!/bin/sh\ndate +%s.%N > '{}' && mv '{}' '{}'\n",
        tmp.display(),
        tmp.display(),
        marker.display()
    );
    std::fs::write(hook, script).expect("write completion hook");
    std::fs::set_permissions(hook, std::fs::Permissions::from_mode(0o755))
        .expect("make completion hook executable");
    hook.to_path_buf()
}

/// Waits until some process listens on TCP `port` (read from
/// `/proc/net/tcp`, so no connection disturbs the client) and returns the
/// child; panics with its output if it exits first or on timeout.
pub(super) fn wait_listening(mut child: Child, port: u16, timeout: Duration) -> Child {
    let start = Instant::now();
    while !is_listening(port) {
        if let Some(status) = child.try_wait() {
            panic!(
                "{} exited ({status}) before listening on {port}\n{}",
                child.label(),
                child.diagnostics()
            );
        }
        if start.elapsed() > timeout {
            panic!(
                "{} did not listen on {port} within {timeout:?}\n{}",
                child.label(),
                child.diagnostics()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Whether `/proc/net/tcp` or `/proc/net/tcp6` has a socket in state
/// LISTEN on `port`.
fn is_listening(port: u16) -> bool {
    const LISTEN: &str = "0A";
    let wanted = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|path| {
        let table = std::fs::read_to_string(path).unwrap_or_default();
        table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            matches!(fields.get(1), Some(local) if local.ends_with(&wanted))
                && fields.get(3) == Some(&LISTEN)
        })
    })
}
