//! The control socket of every running `btt-get` and `btt-seed run`: one
//! Unix socket per process in the runtime directory (`btt-PID.sock`, mode
//! 0600 in a 0700 directory), one JSON request and one JSON response per
//! line (`docs/control-protocol.md`). `btt-seed status|add|remove|pause|
//! resume|set` and `btt-bid status|set|stop` talk to it.
//!
//! - [`protocol`]: the requests and responses.
//! - [`torrent_status`]: the record of one torrent of a process.
//! - [`registry`]: a process's torrents as the socket sees them.
//! - [`server`]: the process's side; it removes its socket when dropped.
//! - [`transmission`]: the Transmission RPC of `btt-seed run --rpc`, another
//!   door to the same desk.
//! - [`client`]: finding the sockets of running processes (a socket nobody
//!   listens on is a dead process's: removed and skipped), asking one, and
//!   naming a torrent by a unique prefix of its info-hash.

pub mod client;
pub mod protocol;
pub mod registry;
pub mod server;
pub mod torrent_status;
pub mod transmission;

use std::path::{Path, PathBuf};

/// The control socket of process `pid` in `runtime`.
pub fn socket_path(runtime: &Path, pid: u32) -> PathBuf {
    runtime.join(format!("btt-{pid}.sock"))
}
