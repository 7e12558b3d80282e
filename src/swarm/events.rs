//! What a running torrent reports: plain `Serialize` values that the output
//! layer renders as NDJSON records or as a progress bar and a table.

use super::PeerSource;
use serde::{Deserialize, Serialize};

/// A download or seed began.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Started {
    /// The torrent's name.
    pub name: String,
    /// Hex info-hash.
    pub info_hash: String,
    /// Bytes of the whole torrent.
    pub total_length: u64,
    /// Bytes of the selected files still to fetch.
    pub left: u64,
    /// Pieces in the torrent.
    pub pieces: usize,
    /// Pieces already verified (resume or recheck).
    pub have_pieces: usize,
    /// Where the content is.
    pub path: String,
}

/// Periodic status, at most once a second.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// Hex info-hash.
    pub info_hash: String,
    /// Verified payload bytes received this run.
    pub downloaded: u64,
    /// Payload bytes sent this run.
    pub uploaded: u64,
    /// Bytes of the selected files still to fetch.
    pub left: u64,
    /// Pieces verified.
    pub have_pieces: usize,
    /// Connected peers.
    pub peers: usize,
    /// Bytes per second received (recent average).
    pub download_rate: u64,
    /// Bytes per second sent (recent average).
    pub upload_rate: u64,
}

/// A piece failed its SHA-1 check and will be fetched again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PieceFailed {
    /// Hex info-hash.
    pub info_hash: String,
    /// Piece index.
    pub index: u32,
    /// The peers that sent blocks of it.
    pub peers: Vec<String>,
}

/// A peer was disconnected and will not be accepted again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeerBanned {
    /// Hex info-hash.
    pub info_hash: String,
    /// The peer's address.
    pub peer: String,
    /// Why.
    pub reason: String,
}

/// A tracker could not be used; the swarm goes on with other peer sources.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrackerFailed {
    /// Hex info-hash.
    pub info_hash: String,
    /// The tracker's URL.
    pub url: String,
    /// The tracker's failure reason or the transport error.
    pub message: String,
}

/// A web seed failed a request or sent a bad piece; it is backed off (or,
/// after too many bad pieces, dropped) and the swarm goes on without it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebSeedFailed {
    /// Hex info-hash.
    pub info_hash: String,
    /// The web seed's URL.
    pub url: String,
    /// What went wrong.
    pub message: String,
    /// Milliseconds until it is asked again (0 when dropped).
    pub retry_in_ms: u64,
    /// Whether it is no longer asked at all.
    pub dropped: bool,
}

/// A peer source returned addresses; `new` of them were not known before.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PeersFound {
    /// Hex info-hash.
    pub info_hash: String,
    /// Where they came from.
    pub source: PeerSource,
    /// Addresses in the answer.
    pub found: usize,
    /// Addresses not known before.
    pub new: usize,
    /// Addresses known from every source after this answer.
    pub known: usize,
}

/// Every selected piece is verified and on disk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    /// The torrent's name.
    pub name: String,
    /// Hex info-hash.
    pub info_hash: String,
    /// Where the content is.
    pub path: String,
    /// Verified bytes received this run.
    pub downloaded: u64,
    /// Seconds from start to completion.
    pub seconds: f64,
}

/// The last record of a torrent's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// The torrent's name.
    pub name: String,
    /// Hex info-hash.
    pub info_hash: String,
    /// Whether every selected piece is verified.
    pub complete: bool,
    /// Verified bytes received this run.
    pub downloaded: u64,
    /// Bytes sent this run.
    pub uploaded: u64,
    /// Seconds the torrent ran.
    pub seconds: f64,
    /// Average download speed in bytes per second over the time it
    /// downloaded (to its completion, not over the seeding after it).
    pub download_rate: u64,
    /// This run's upload over this run's download, or over the torrent's
    /// size when it downloaded less (a seeding run: the copies it served).
    pub ratio: f64,
    /// Upload over download over every run on this data here (what
    /// `--seed-ratio` counts).
    pub lifetime_ratio: f64,
    /// Why it stopped: `complete`, `ratio`, `seed_time`, `time_limit`, `interrupted`.
    pub stopped_by: String,
}

/// Everything a running torrent reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum SwarmEvent {
    /// See [`Started`].
    Started(Started),
    /// See [`Progress`].
    Progress(Progress),
    /// See [`PieceFailed`].
    PieceFailed(PieceFailed),
    /// See [`PeerBanned`].
    PeerBanned(PeerBanned),
    /// See [`TrackerFailed`].
    TrackerFailed(TrackerFailed),
    /// See [`WebSeedFailed`].
    WebSeedFailed(WebSeedFailed),
    /// See [`PeersFound`].
    PeersFound(PeersFound),
    /// See [`Completed`].
    Completed(Completed),
    /// See [`Summary`].
    Summary(Summary),
}
