//! Which nodes a DHT node first asks to join the network.
//!
//! The rule: the nodes given on the command line and those saved from the
//! last run; the public routers only when neither exists, so a private or
//! test swarm bootstrapped from its own nodes never talks to the Internet.
//! [`NO_BOOTSTRAP`] (`none`) starts a new network: no routers at all, only
//! the saved table, for the first node of a private or test swarm.

use super::DhtError;
use std::net::{SocketAddr, SocketAddrV4, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The public routers used when nothing else is known.
pub const DEFAULT_BOOTSTRAP: [&str; 3] = [
    "router.bittorrent.com:6881",
    "dht.transmissionbt.com:6881",
    "router.utorrent.com:6881",
];

/// The bootstrap "node" that means: never the public routers.
pub const NO_BOOTSTRAP: &str = "none";

/// Checks that `input` is [`NO_BOOTSTRAP`] or has the form `HOST:PORT` (a
/// `[v6]:port` literal is accepted here and rejected when resolved, as the
/// DHT is IPv4 only).
pub fn parse_bootstrap_node(input: &str) -> Result<String, DhtError> {
    if input == NO_BOOTSTRAP {
        return Ok(input.to_string());
    }
    let bad = || DhtError::BadBootstrap {
        input: input.to_string(),
    };
    let (host, port) = input.rsplit_once(':').ok_or_else(bad)?;
    let host_is_valid = !host.is_empty()
        && !host.contains(char::is_whitespace)
        && (host.starts_with('[') == host.ends_with(']'));
    match port.parse::<u16>() {
        Ok(port) if port != 0 && host_is_valid => Ok(input.to_string()),
        _ => Err(bad()),
    }
}

/// The nodes to bootstrap from: `explicit` (less [`NO_BOOTSTRAP`]) and
/// `saved`, or the public routers when both are empty.
pub fn choose_bootstrap(explicit: &[String], saved: &[SocketAddrV4]) -> Vec<String> {
    if explicit.is_empty() && saved.is_empty() {
        return DEFAULT_BOOTSTRAP
            .iter()
            .map(|node| node.to_string())
            .collect();
    }
    let explicit = explicit
        .iter()
        .filter(|node| *node != NO_BOOTSTRAP)
        .cloned();
    explicit
        .chain(saved.iter().map(SocketAddrV4::to_string))
        .collect()
}

/// How long names may take to resolve, all together.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Resolves each node to its IPv4 addresses, all at once on their own
/// threads (the system resolver blocks) and within [`RESOLVE_TIMEOUT`], so a
/// dead DNS server delays a start by seconds, not minutes. Nodes that do not
/// resolve in time are named in one error (offline, every public router
/// fails: one line, not one per router) beside the addresses of those that did.
pub fn resolve(nodes: &[String]) -> (Vec<SocketAddrV4>, Option<DhtError>) {
    let (sender, answers) = std::sync::mpsc::channel();
    for (index, node) in nodes.iter().enumerate() {
        let (sender, node) = (sender.clone(), node.clone());
        std::thread::spawn(move || {
            let resolved: Vec<SocketAddrV4> = node
                .to_socket_addrs()
                .map(|found| found.filter_map(ipv4).collect())
                .unwrap_or_default();
            let _ = sender.send((index, resolved));
        });
    }
    drop(sender);
    let deadline = Instant::now() + RESOLVE_TIMEOUT;
    let mut resolved = vec![Vec::new(); nodes.len()];
    while let Ok((index, addrs)) =
        answers.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    {
        if let Some(slot) = resolved.get_mut(index) {
            *slot = addrs;
        }
    }
    let mut addrs = Vec::new();
    let mut failures = Vec::new();
    for (node, found) in nodes.iter().zip(resolved) {
        if found.is_empty() {
            failures.push(node.clone());
        }
        for addr in found {
            if !addrs.contains(&addr) {
                addrs.push(addr);
            }
        }
    }
    let none_resolved = addrs.is_empty();
    let failure = (!failures.is_empty()).then_some(DhtError::Unresolved {
        nodes: failures,
        none_resolved,
    });
    (addrs, failure)
}

fn ipv4(addr: SocketAddr) -> Option<SocketAddrV4> {
    match addr {
        SocketAddr::V4(addr) => Some(addr),
        SocketAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms_are_accepted() {
        for good in ["127.0.0.1:6881", "router.example:1", "[::1]:6881", "none"] {
            assert_eq!(parse_bootstrap_node(good).unwrap(), good);
        }
    }

    #[test]
    fn malformed_nodes_are_rejected() {
        for bad in [
            "",
            "host",
            ":6881",
            "host:",
            "host:0",
            "host:70000",
            "a b:1",
            "[::1:1",
        ] {
            assert!(
                matches!(
                    parse_bootstrap_node(bad),
                    Err(DhtError::BadBootstrap { .. })
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn public_routers_only_when_nothing_else_is_known() {
        let defaults = choose_bootstrap(&[], &[]);
        assert_eq!(defaults.len(), DEFAULT_BOOTSTRAP.len());
        let saved: SocketAddrV4 = "127.0.0.1:7000".parse().unwrap();
        assert_eq!(choose_bootstrap(&[], &[saved]), ["127.0.0.1:7000"]);
        let explicit = ["127.0.0.1:8000".to_string()];
        assert_eq!(choose_bootstrap(&explicit, &[]), ["127.0.0.1:8000"]);
        assert_eq!(
            choose_bootstrap(&explicit, &[saved]),
            ["127.0.0.1:8000", "127.0.0.1:7000"]
        );
        let none = [NO_BOOTSTRAP.to_string()];
        assert!(choose_bootstrap(&none, &[]).is_empty());
        assert_eq!(choose_bootstrap(&none, &[saved]), ["127.0.0.1:7000"]);
    }

    #[test]
    fn resolution_keeps_ipv4_and_reports_the_rest() {
        let nodes = [
            "127.0.0.1:7000".to_string(),
            "127.0.0.1:7000".to_string(),
            "[::1]:7001".to_string(),
        ];
        let (addrs, failure) = resolve(&nodes);
        assert_eq!(addrs, ["127.0.0.1:7000".parse::<SocketAddrV4>().unwrap()]);
        let failure = failure.expect("[::1]:7001 failed").to_string();
        assert!(failure.contains("[::1]:7001"), "{failure}");
        let both = ["[::1]:7001".to_string(), "[::1]:7002".to_string()];
        let failure = resolve(&both).1.expect("both failed").to_string();
        assert_eq!(
            failure,
            "no DHT bootstrap node resolved to an IPv4 address ([::1]:7001, [::1]:7002); \
             the DHT finds no peers until one does (offline?)"
        );
        assert_eq!(resolve(&nodes[..1]).1.map(|e| e.to_string()), None);
    }
}
