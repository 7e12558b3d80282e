//! Where a peer address came from. Every address a session learns arrives as
//! a [`PeerBatch`] tagged with its source, so the output can show a user why
//! a swarm is empty (no tracker peers, no DHT answers, ...).

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// A way of learning peer addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerSource {
    /// A tracker's announce response.
    Tracker,
    /// A DHT `get_peers` lookup (BEP 5).
    Dht,
    /// Peer exchange from a connected peer (BEP 11).
    Pex,
    /// An `x.pe` hint in a magnet link (BEP 9).
    MagnetHint,
    /// `--peer` on the command line.
    Manual,
    /// A peer that connected to us, at the port it says it listens on.
    Incoming,
}

impl PeerSource {
    /// The name used in records and messages.
    pub fn name(self) -> &'static str {
        match self {
            PeerSource::Tracker => "tracker",
            PeerSource::Dht => "dht",
            PeerSource::Pex => "pex",
            PeerSource::MagnetHint => "magnet_hint",
            PeerSource::Manual => "manual",
            PeerSource::Incoming => "incoming",
        }
    }
}

/// Addresses learned together from one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerBatch {
    /// Where they came from.
    pub source: PeerSource,
    /// The addresses, possibly including ones already known.
    pub addrs: Vec<SocketAddr>,
}

impl PeerBatch {
    /// A batch of `addrs` from `source`.
    pub fn new(source: PeerSource, addrs: Vec<SocketAddr>) -> PeerBatch {
        PeerBatch { source, addrs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialised_names_match_display_names() {
        for source in [
            PeerSource::Tracker,
            PeerSource::Dht,
            PeerSource::Pex,
            PeerSource::MagnetHint,
            PeerSource::Manual,
            PeerSource::Incoming,
        ] {
            let json = serde_json::to_string(&source).unwrap();
            assert_eq!(json, format!("\"{}\"", source.name()));
        }
    }
}
