//! The per-torrent engine: peers, piece selection, choking, verification.
//!
//! A [`Session`] runs one torrent: a [`shared`] state behind one lock, one
//! task per peer connection ([`connection`]), a ticker, an announcer and a
//! dialer. A process shares one TCP listener among its sessions
//! ([`listener`]). See [`picker`] for the piece states. Two seams take
//! plug-ins without edits here: [`choker`] (the only thing that unchokes;
//! the bandwidth market's auction is one) and [`extension`] (BEP 10
//! extensions: `ut_metadata` and `ut_pex` are built in). A magnet download
//! first fetches its info dictionary from peers ([`metadata_fetch`]), since
//! a session needs a whole torrent. A process runs its sessions through one
//! [`Client`] ([`client`]), which owns what they share: the listener, the DHT
//! node, the connection slots and the process-wide rate limits. Web seeds
//! (BEP 19) are fetched over HTTP beside peers ([`web_seed`]). Connections
//! run over TCP or uTP ([`transport`]); everything above the byte stream is
//! the same for both.

mod admission;
mod announce;
pub mod announce_backoff;
pub mod announce_pacing;
pub mod choker;
pub mod client;
mod connection;
mod dialer;
pub mod events;
pub mod extension;
pub mod listener;
mod metadata_assembly;
pub mod metadata_fetch;
mod metadata_peer;
mod metadata_serve;
mod meter;
pub mod optimistic;
mod peer_entry;
mod pex_exchange;
pub mod picker;
pub mod piece_layer_fetch;
pub mod prepare;
mod requests;
pub mod session;
mod shared;
#[cfg(test)]
pub(crate) mod test_swarm;
pub mod tracker_source;
pub mod transport;
mod udp_port;
mod upload_slots;
mod verifier;
pub mod web_seed;

pub use crate::peer::source::{PeerBatch, PeerSource};
pub use choker::{
    ChokeCandidate, Choker, ChokerFactory, PricePerMib, TitForTat, UnchokePlan, UploadSlot,
};
pub use client::Client;
pub use extension::{Extension, ExtensionPeer, Messenger, PeerSummary, SessionExtension};
pub use optimistic::OptimisticSlot;
pub use peer_entry::PeerError;
pub use session::{Session, SessionOptions, SessionStats};
pub use transport::{PeerTransport, UtpMode};

/// The extensions every session offers before those of its options:
/// `ut_pex` for public torrents, then `ut_metadata` (so their ids stay 1
/// and 2 as they have always been).
fn built_in_extensions() -> Vec<Extension> {
    vec![
        Extension::new(pex_exchange::PeerExchange),
        Extension::new(metadata_serve::MetadataServer),
    ]
}
