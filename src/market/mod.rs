//! The bandwidth market (the `btt_market` extension): seeders sell their
//! regular upload slots for BTT, leechers bid, and winners pay per verified
//! piece through a payment channel with cumulative vouchers. The wire
//! format is public and versioned (`docs/market-protocol.md`).
//!
//! - [`price`]: prices per MiB and the exact conversions between bytes and
//!   base units.
//! - [`wire`]: the handshake fields and messages.
//! - [`auction`]: the seeder's uniform-price auction of regular slots, a
//!   [`Choker`](crate::swarm::Choker).
//! - [`credit`]: the seeder's credit window for one paying peer.
//! - [`journal`]: the seeder's durable record of the vouchers it accepted.
//! - [`settle`]: redeeming and closing the journal's channels on the ledger.

pub mod auction;
pub mod credit;
pub mod journal;
pub mod price;
pub mod settle;
pub mod wire;
