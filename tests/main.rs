//! Every integration test of btt in one test binary: each file in `tests/`
//! is a module here, and `support` is the harness they share.
//!
//! One binary links once instead of once per file, and its tests share one
//! pool of test threads, so a slow file no longer holds up the ones after it.
//! Run one file's tests with `cargo test --test integration market::`.
//! A new test file is added to the list below.

mod support;

mod announce_spread;
mod bid_auto;
mod bid_control;
mod bid_plan;
mod bid_quote;
mod cli_errors;
mod config_file;
mod control;
mod dht;
mod engine;
mod evm_contracts;
mod evm_ledger;
mod evm_payments;
mod evm_purchases;
mod generated;
mod harness;
mod hybrid_interop;
mod interop;
mod interop_encryption;
mod interop_magnet;
mod ipv6;
mod layering;
mod ledbat;
mod magnet;
mod market;
mod market_hostile;
mod market_interop;
mod metainfo_interop;
mod node_abuse;
mod pex;
mod plugins;
mod purchase_buy;
mod purchase_deliver;
mod purchase_escrow;
mod purchase_sell;
mod readme_tour;
mod seed_descriptors;
mod seed_earnings;
mod stream;
mod terminal;
mod tip_cli;
mod transmission_rpc;
mod tron_clients;
mod tron_crosscheck;
mod utp;
mod v2_interop;
mod wallet_cli;
mod wallet_ledger;
mod web_seed;
