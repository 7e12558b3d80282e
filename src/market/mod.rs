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
//! - [`payer_accounts`]: what every payer owes a selling process, by
//!   wallet and source address: the credit window and the channels that fund it.
//! - [`buyer`]: the payer's extension: bids, channels, a voucher per verified piece.
//! - [`events`]: the records and lines the market reports.
//! - [`seller`]: the seller's extension and settlement task; [`seller_book`]
//!   its accounts of each payer, shared with the auction.
//! - [`voucher_book`]: the seeder's durable record of the vouchers it accepted.
//! - [`settle`]: redeeming and closing the voucher book's channels on the ledger.
//! - [`seller_desk`]: one selling process's wallet, voucher book and payer
//!   accounts, from which each torrent's seller starts.
//! - [`expired_channels`]: a payer's refund of its channels that timed out.
//! - [`trading_end`]: the one order in which a torrent's trading ends.
//! - [`quote`]: the asks of a swarm, recorded without trading (`btt-bid quote`).
//! - [`plan`]: a bid from a budget, a deadline and the asks quoted.
//! - [`auto_bid`]: re-bidding a running download to meet its deadline.

pub mod auction;
pub mod auto_bid;
pub mod buyer;
pub mod events;
pub mod expired_channels;
pub mod payer_accounts;
pub mod plan;
pub mod price;
pub mod quote;
pub mod seller;
pub mod seller_book;
pub mod seller_desk;
pub mod settle;
pub mod trading_end;
pub mod voucher_book;
pub mod wire;

#[cfg(test)]
mod trade_properties;
#[cfg(test)]
mod trade_tests;
