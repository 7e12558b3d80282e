//! The per-torrent engine: peers, piece selection, choking, verification.
//!
//! A [`Session`] runs one torrent: a [`shared`] state behind one lock, one
//! task per peer connection ([`connection`]), a ticker, an announcer and a
//! dialer. A process shares one TCP listener among its sessions
//! ([`listener`]). See [`picker`] for the piece states and [`choker`] for the
//! unchoke seam that the bandwidth market plugs into. A magnet download
//! first fetches its info dictionary from peers ([`metadata_fetch`]), since
//! a session needs a whole torrent.

mod announce;
pub mod choker;
mod connection;
pub mod events;
pub mod listener;
mod metadata_assembly;
pub mod metadata_fetch;
mod metadata_peer;
mod metadata_serve;
mod meter;
pub mod peer_source;
mod pex_exchange;
pub mod picker;
pub mod prepare;
pub mod session;
mod shared;
pub mod tracker_source;
mod verifier;

pub use peer_source::{PeerBatch, PeerSource};
pub use session::{Session, SessionOptions, SessionStats};
