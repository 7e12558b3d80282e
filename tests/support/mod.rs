//! Test harness shared by the integration tests in `tests/*.rs` (`mod support;`).
//!
//! Every test runs in a [`TestEnv`]: a temporary directory plus a pinned
//! environment for the processes it starts. Every process is a [`Child`] guard
//! that is stopped by PID with a time bound when it is dropped, even when the
//! test panics. Real clients (aria2, Transmission, libtorrent) are started by
//! the controllers in this module with every discovery mechanism off and every
//! socket on 127.0.0.1, so a swarm in a test never leaves the machine.
//!
//! A test in a few lines:
//!
//! ```text
//! let env = TestEnv::new();
//! let tracker = BttTracker::start(&env);
//! let data = env.dir("data");
//! make_tree(&data, MULTI_FILE);
//! let torrent = BttSeed::create(&env, &data.join("album"), &env.path().join("x.torrent"), &tracker.announce);
//! let _seeder = BttSeed::run(&env, &torrent, &data);
//! let out = env.dir("out");
//! Aria2::leech(&env, &torrent, &out).finish(Duration::from_secs(90));
//! assert_trees_equal(&data, &out);
//! ```
//!
//! All test files are one crate (`tests/main.rs`), so an unused helper or
//! re-export here is a warning, and clippy's `-D warnings` fails on it.

mod anvil;
mod aria2;
mod aria2_magnet;
mod btt;
mod child;
mod dishonest;
mod env;
mod fast_peer;
mod fixture;
mod libtorrent;
pub mod market;
pub mod market_peer;
pub mod market_records;
mod metadata_liar;
mod peer;
mod plain_http;
mod port;
mod pulsed_seeder;
mod range_server;
mod run;
mod scripted_peer;
mod solc;
mod swarm;
mod torrent_tools;
mod transmission;
mod tree;

pub use anvil::{Anvil, BTTC_CHAIN_ID};
pub use aria2::Aria2;
pub use btt::{btt_get, scrape, BttSeed, BttTracker, BttWalletNode};
pub use child::Child;
pub use dishonest::{Behaviour, DishonestPeer};
pub use env::{bin, TestEnv};
pub use fast_peer::{probe_allowed_fast, ChokingSeeder, SeededContent};
pub use fixture::Fixture;
pub use libtorrent::{Libtorrent, LtTorrent};
pub use metadata_liar::MetadataLiar;
pub use peer::{Leecher, Seeder};
pub use plain_http::PlainHttpServer;
pub use port::free_port;
pub use pulsed_seeder::PulsedSeeder;
pub use range_server::RangeServer;
pub use run::{Run, COMMAND_TIMEOUT};
pub use solc::compile_contracts;
pub use swarm::{
    exit_code, get_in, get_on, last_record, listening_port, records_of, seed_in, seed_on, typed,
    Home,
};
pub use torrent_tools::{
    btt_create, btt_seed_create, info_hash, mktorrent, mktorrent_with, transmission_create,
};
pub use transmission::Transmission;
pub use tree::{
    assert_trees_equal, make_tree, tree_diff, tree_size, without_empty_files, MULTI_FILE,
};

use peer::{wait_listening, write_completion_hook};
