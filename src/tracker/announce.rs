//! What a client tells a tracker and what it hears back, independent of the
//! transport (HTTP or UDP). Info-hashes and peer ids are raw 20-byte arrays.

use std::net::SocketAddr;
use std::time::Duration;

/// One announce: who we are and how far along we are in one torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceRequest {
    /// SHA-1 of the torrent's info dictionary.
    pub info_hash: [u8; 20],
    /// Our peer id.
    pub peer_id: [u8; 20],
    /// The TCP port we accept peers on.
    pub port: u16,
    /// Bytes uploaded since the `started` event.
    pub uploaded: u64,
    /// Bytes downloaded since the `started` event.
    pub downloaded: u64,
    /// Bytes still missing; 0 means we are a seeder.
    pub left: u64,
    /// Why we announce now.
    pub event: AnnounceEvent,
    /// How many peers we want; `None` lets the tracker choose.
    pub num_want: Option<u32>,
    /// A random value, constant for the session, that proves we are the same
    /// client when our address changes.
    pub key: u32,
}

/// The announce `key` of a process: the random tail of its peer id, so it
/// is constant for as long as the peer id is.
pub fn announce_key(peer_id: &[u8; 20]) -> u32 {
    u32::from_be_bytes([peer_id[16], peer_id[17], peer_id[18], peer_id[19]])
}

/// The reason for an announce (BEP 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnounceEvent {
    /// A regular, periodic announce.
    None,
    /// The first announce of a download.
    Started,
    /// The download just finished.
    Completed,
    /// We are leaving the swarm.
    Stopped,
}

impl AnnounceEvent {
    /// The value of the HTTP `event` parameter, absent for a regular announce.
    pub fn as_query_value(self) -> Option<&'static str> {
        match self {
            AnnounceEvent::None => None,
            AnnounceEvent::Started => Some("started"),
            AnnounceEvent::Completed => Some("completed"),
            AnnounceEvent::Stopped => Some("stopped"),
        }
    }

    /// Parses the HTTP `event` parameter; an empty value is a regular announce.
    pub fn from_query_value(value: &str) -> Option<AnnounceEvent> {
        match value {
            "" | "empty" => Some(AnnounceEvent::None),
            "started" => Some(AnnounceEvent::Started),
            "completed" => Some(AnnounceEvent::Completed),
            "stopped" => Some(AnnounceEvent::Stopped),
            _ => None,
        }
    }
}

/// A tracker's answer to an announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnounceResponse {
    /// How long to wait before the next regular announce.
    pub interval: Duration,
    /// The tracker's floor for announce spacing, if it sets one.
    pub min_interval: Option<Duration>,
    /// Peers to connect to, IPv4 and IPv6 together.
    pub peers: Vec<SocketAddr>,
    /// Peers that have the whole torrent, if reported.
    pub seeders: Option<u32>,
    /// Peers still downloading, if reported.
    pub leechers: Option<u32>,
    /// A warning to show the user; the announce still succeeded.
    pub warning: Option<String>,
}

/// Swarm counts for one torrent from a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrapeStats {
    /// The torrent these counts are for.
    pub info_hash: [u8; 20],
    /// Peers that have the whole torrent.
    pub seeders: u32,
    /// Peers still downloading.
    pub leechers: u32,
    /// Completed downloads the tracker has seen.
    pub completed: u32,
}
