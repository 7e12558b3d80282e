//! The Transmission RPC of `btt-seed run --rpc`: the subset of
//! Transmission's JSON-over-HTTP protocol that `transmission-remote`,
//! Sonarr/Radarr-style download-client integrations and browser "add
//! torrent" extensions speak (`docs/transmission-rpc.md`). It is another
//! door to the control socket's [`Desk`](super::server::Desk): every add,
//! remove, pause, resume, limit and status goes through the same code.
//!
//! - [`http`]: the listener: Basic auth, the `X-Transmission-Session-Id`
//!   check, the `Host` check, size and time limits.
//! - [`methods`]: one JSON request to desk requests, and the answer.
//! - [`ids`]: Transmission's small torrent ids, given to info-hashes.
//! - [`torrent_fields`]: a torrent's status as `torrent-get` fields.

mod credentials;
mod http;
mod ids;
mod methods;
mod torrent_fields;

pub use credentials::{Credentials, CredentialsError};
pub use http::{RpcListener, RpcServer, MAX_BODY};
