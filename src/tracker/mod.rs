//! BitTorrent trackers: the client side over HTTP(S) and UDP, BEP 12 tiers,
//! and a small embedded tracker server for private swarms and tests.
//!
//! Info-hashes and peer ids are plain `[u8; 20]` here so the module stands on
//! its own. Every error names the tracker URL involved; nothing here prints.

mod announce;
mod client;
mod error;
mod http;
mod peers;
pub mod server;
mod tiers;
mod udp;

#[cfg(test)]
mod tests;

pub use announce::{announce_key, AnnounceEvent, AnnounceRequest, AnnounceResponse, ScrapeStats};
pub use client::{ClientOptions, TrackerClient};
pub use error::TrackerError;
pub use http::MAX_BODY;
pub use server::{ServerOptions, TrackerServer};
pub use tiers::Tiers;
pub use udp::UdpRetry;
