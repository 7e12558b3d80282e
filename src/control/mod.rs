//! The control socket of a running download that buys: `btt-get --bid`
//! listens on a Unix socket in the runtime directory, one per process and
//! torrent (`INFO_HASH-PID.sock`, mode 0600 in a 0700 directory), and
//! `btt-bid status|set|stop` talk to it.
//!
//! - [`protocol`]: the requests and responses, one JSON object per line.
//! - [`server`]: the download's side, over its [`Buyer`](crate::market::buyer::Buyer)
//!   and [`Session`](crate::swarm::Session); it removes its socket when dropped.
//! - [`client`]: finding the sockets of running downloads (a socket nobody
//!   listens on is a dead process's: removed and skipped) and asking one.

pub mod client;
pub mod protocol;
pub mod server;

use crate::metainfo::InfoHash;
use std::path::{Path, PathBuf};

/// The socket of the download of `info_hash` by process `pid` in `runtime`.
pub fn socket_path(runtime: &Path, info_hash: &InfoHash, pid: u32) -> PathBuf {
    runtime.join(format!("{info_hash}-{pid}.sock"))
}
