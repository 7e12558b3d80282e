//! btt: a fast, scriptable BitTorrent client toolkit with a market for
//! upload bandwidth paid in BitTorrent Token (BTT).
//!
//! The five binaries in `src/bin` are thin wrappers over [`cli`]. Protocol,
//! storage, wallet, ledger and market code never imports `cli` or `output`:
//! results are plain `Serialize` types and [`output`] decides how they look.

pub mod amount;
pub mod atomic_file;
pub mod bencode;
pub mod bitfield;
pub mod cli;
pub mod clock;
pub mod config;
pub mod connection_slots;
pub mod control;
pub mod dht;
pub mod durable_sqlite;
pub mod http_client;
pub mod info_hash;
pub mod ledger;
pub mod magnet;
pub mod market;
pub mod metainfo;
pub mod output;
pub mod payment;
pub mod peer;
pub mod purchase;
pub mod rate;
pub(crate) mod sha1_pair;
pub mod storage;
pub mod swarm;
pub mod sync;
pub mod tip;
pub mod tracker;
pub mod tron;
pub mod wallet;
pub mod watch_dir;
