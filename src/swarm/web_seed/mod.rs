//! Web seeds (BEP 19, `url-list`): HTTP servers that hold the torrent's
//! files, used beside peers. Each web seed is one more source for the
//! [`picker`](super::picker), under a key of its own: its workers ask the
//! picker for blocks as a peer with every piece would, so peers and web
//! seeds never fetch the same block twice except in endgame. Picked blocks
//! that follow each other become one run, fetched with one HTTP range
//! request per file it covers ([`span`]), on keep-alive connections with
//! [`REQUESTS_IN_FLIGHT`](worker) requests in flight per seed. The bytes go
//! through the same assembly and verification as a peer's; a piece that
//! fails its hash with a web seed as its only source counts against that
//! seed. Failures back a seed off and bad data drops it ([`health`]); each
//! is a [`WebSeedFailed`](super::events::WebSeedFailed) event, never an error
//! of the download.
//!
//! Pad files (BEP 47) are not on a web seed's server; the file layout here
//! is the torrent's file list as parsed.

mod fetch;
mod health;
mod span;
mod url;
mod worker;

pub use url::{WebSeedUrl, WebSeedUrlError};
pub(super) use worker::{spawn_web_seeds, WebSeed};
