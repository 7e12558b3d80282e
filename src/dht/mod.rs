//! The BitTorrent DHT (BEP 5): finding peers for an info-hash and announcing
//! ourselves, without a tracker.
//!
//! The protocol is the `mainline` crate's; this module wraps it behind a small
//! API ([`DhtNode`], [`LookupRequest`], [`PeerSink`]) and adds what the crate
//! leaves to its users: the choice of bootstrap nodes ([`bootstrap`]), a
//! routing table kept between runs ([`routing_table_file`]), and the
//! per-torrent loop that looks peers up and announces our port ([`lookup`]).
//!
//! What the crate guarantees, and this module relies on (read in mainline
//! 8.0.1's `rpc/socket.rs`, `rpc.rs` and `rpc/server.rs`):
//!
//! - Malformed packets are dropped without harm: a datagram that does not
//!   decode as a KRPC message, is larger than 2 KiB, comes from port 0 or over
//!   IPv6 is logged at trace level and ignored; a response whose transaction
//!   id and source address do not match a request in flight is ignored too.
//! - No amplification toward addresses we are told about: a request is
//!   answered with one bounded message (at most 20 nodes and a random subset
//!   of at most about 10 peers) to the packet's source address only.
//!   `announce_peer` needs a token bound to the requester's IP and stores that
//!   source IP, never an address named in the packet. Addresses learned from
//!   answers are only queried as part of our own bounded iterative lookups.
//! - The node is IPv4 only, and loopback and private addresses work (BEP 42
//!   node-id checks exempt them), so test swarms on 127.0.0.1 work.
//! - A node runs on its own thread and stops when the last handle is dropped.
//!
//! The crate is vendored with small patches (`vendor/mainline/BTT-PATCHES.md`),
//! because 8.0.1, its newest release, reads transaction ids as exactly 4 bytes
//! and so drops every query from clients that use 2-byte ids (libtorrent, most
//! of the DHT) unanswered. Patched, a query's id of any length up to 16 bytes
//! is echoed as it came. A second patch makes a node answer `get_peers` with
//! what it announces itself (8.0.1 only announces to other nodes), so the
//! first node of a private DHT, a seeder that a leecher bootstraps from, can
//! be found through its own node: a DHT of two processes works. A third
//! lets a node use a UDP socket it shares with uTP (`swarm::udp_port`), so
//! that both run on the listen port, as in libtorrent. The
//! alternatives, measured against what btt needs:
//!
//! - A newer mainline: there is none (`cargo info mainline`: 8.0.1), and
//!   upstream's repository, as far as it is mirrored (7.0.0), still has `[u8; 4]`.
//! - `librqbit-dht` 9.1 (rqbit's, tokio-native, IPv6 and BEP 32): accepts any
//!   id, but announces only to nodes whose id shares 16 leading bits with the
//!   info-hash and stores only info-hashes within 20 bits of its own id, which
//!   is right for the public DHT and means a private DHT of a few nodes (a
//!   test swarm, a LAN) almost never stores an announce; its peer store
//!   does not expire entries (`garbage_collect_peers` is `todo!()`). Read in
//!   its source, not built here.
//! - Writing our own KRPC node: more code to keep than two small patches.
//!
//! The cost is that the node stays IPv4 only (no BEP 32), as before.

pub mod bootstrap;
mod error;
pub mod lookup;
mod node;
pub mod routing_table_file;

pub use error::DhtError;
pub use lookup::{LookupRequest, PeerSink};
pub use node::{DhtNode, DhtOptions};
