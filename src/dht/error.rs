//! What can go wrong running a DHT node, with the input involved.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A DHT failure.
#[derive(Debug, thiserror::Error)]
pub enum DhtError {
    /// The DHT crate speaks IPv4 only.
    #[error("the DHT supports IPv4 only; {addr} is IPv6")]
    Ipv6Listen {
        /// The requested listen address.
        addr: SocketAddr,
    },
    /// The UDP socket could not be bound.
    #[error("could not listen for the DHT on {addr}: {source}")]
    Bind {
        /// The requested listen address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A bootstrap node is not `HOST:PORT`.
    #[error("bad DHT bootstrap node {input:?}: expected HOST:PORT")]
    BadBootstrap {
        /// What was given.
        input: String,
    },
    /// Bootstrap nodes whose names did not resolve to an IPv4 address (all
    /// of them, offline): one error for them all.
    #[error("{}", unresolved_message(nodes, *none_resolved))]
    Unresolved {
        /// The `HOST:PORT`s that did not resolve.
        nodes: Vec<String>,
        /// Whether no bootstrap node resolved at all.
        none_resolved: bool,
    },
    /// The saved routing table could not be read.
    #[error("could not read the DHT routing table {}: {source}", path.display())]
    ReadTable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The saved routing table is not what this module writes.
    #[error("ignoring the malformed DHT routing table {}: {message}", path.display())]
    MalformedTable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The routing table could not be saved.
    #[error("could not save the DHT routing table {}: {source}", path.display())]
    WriteTable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// One line for the bootstrap nodes that did not resolve.
fn unresolved_message(nodes: &[String], none_resolved: bool) -> String {
    let list = nodes.join(", ");
    match (none_resolved, nodes.len()) {
        (true, _) => format!(
            "no DHT bootstrap node resolved to an IPv4 address ({list}); \
             the DHT finds no peers until one does (offline?)"
        ),
        (false, 1) => format!("DHT bootstrap node {list} did not resolve to an IPv4 address"),
        (false, _) => format!("DHT bootstrap nodes {list} did not resolve to an IPv4 address"),
    }
}
