//! The embedded tracker's memory: one swarm per info-hash, one entry per
//! (info-hash, peer id).
//!
//! Invariants: a peer's address is the address the announce came from with
//! the port it announced; an entry is dropped on `stopped` or when it has not
//! announced for its time to live; a swarm with no peers and no completed
//! downloads is dropped; a peer never receives itself in its peer list;
//! memory is bounded by [`Limits`]: a new torrent or a new peer beyond them is
//! refused, while peers already known keep announcing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::seq::IteratorRandom;
use thiserror::Error;

use crate::tracker::announce::{AnnounceEvent, ScrapeStats};

/// Peers returned when the announce does not say how many it wants.
pub const DEFAULT_NUM_WANT: usize = 50;
/// The most peers one reply carries.
pub const MAX_NUM_WANT: usize = 200;

/// How much the registry holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Torrents with a swarm.
    pub swarms: usize,
    /// Peers in one swarm.
    pub peers_per_swarm: usize,
}

/// An announce refused because the registry is at one of its [`Limits`].
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Full {
    #[error("tracker is full: too many torrents")]
    Swarms,
    #[error("swarm is full: too many peers")]
    Peers,
}

/// What the server learned from one announce, transport aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    pub info_hash: [u8; 20],
    pub peer_id: [u8; 20],
    /// Source IP with the announced port.
    pub addr: SocketAddr,
    pub left: u64,
    pub event: AnnounceEvent,
    /// `None` for the default.
    pub num_want: Option<usize>,
    /// Which address families the reply can carry.
    pub families: Families,
}

/// The address families a reply can carry: a UDP reply carries only the
/// family of the socket it answers on (BEP 15), an HTTP reply both (BEP 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Families {
    Both,
    Ipv4,
    Ipv6,
}

impl Families {
    fn admits(self, addr: &SocketAddr) -> bool {
        match self {
            Families::Both => true,
            Families::Ipv4 => addr.is_ipv4(),
            Families::Ipv6 => addr.is_ipv6(),
        }
    }
}

/// The registry's answer to one announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmView {
    /// Other peers, at most the number wanted, in random order.
    pub peers: Vec<([u8; 20], SocketAddr)>,
    pub seeders: u32,
    pub leechers: u32,
}

#[derive(Debug, Clone)]
struct Peer {
    addr: SocketAddr,
    seeding: bool,
    last_seen: Instant,
}

#[derive(Debug, Default)]
struct Swarm {
    peers: HashMap<[u8; 20], Peer>,
    completed: u32,
}

impl Swarm {
    fn expire(&mut self, now: Instant, ttl: Duration) {
        self.peers
            .retain(|_, peer| now.saturating_duration_since(peer.last_seen) < ttl);
    }

    fn counts(&self) -> (u32, u32) {
        let seeders = self.peers.values().filter(|peer| peer.seeding).count();
        let leechers = self.peers.len() - seeders;
        (saturate(seeders), saturate(leechers))
    }
}

fn saturate(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// All swarms the tracker knows.
#[derive(Debug)]
pub struct Registry {
    swarms: HashMap<[u8; 20], Swarm>,
    ttl: Duration,
    limits: Limits,
}

impl Registry {
    /// An empty registry whose peers live `ttl` after their last announce.
    pub fn new(ttl: Duration, limits: Limits) -> Registry {
        Registry {
            swarms: HashMap::new(),
            ttl,
            limits,
        }
    }

    /// Records `announce` at `now` and picks peers for the announcer.
    pub fn announce(&mut self, announce: &Announce, now: Instant) -> Result<SwarmView, Full> {
        if !self.swarms.contains_key(&announce.info_hash) && self.swarms.len() >= self.limits.swarms
        {
            self.sweep(now);
            if self.swarms.len() >= self.limits.swarms {
                return Err(Full::Swarms);
            }
        }
        let swarm = self.swarms.entry(announce.info_hash).or_default();
        swarm.expire(now, self.ttl);
        let joining = announce.event != AnnounceEvent::Stopped
            && !swarm.peers.contains_key(&announce.peer_id);
        if joining && swarm.peers.len() >= self.limits.peers_per_swarm {
            self.drop_if_empty(&announce.info_hash);
            return Err(Full::Peers);
        }
        let wanted = announce
            .num_want
            .unwrap_or(DEFAULT_NUM_WANT)
            .min(MAX_NUM_WANT);
        if announce.event == AnnounceEvent::Stopped {
            swarm.peers.remove(&announce.peer_id);
        } else {
            if announce.event == AnnounceEvent::Completed {
                swarm.completed = swarm.completed.saturating_add(1);
            }
            swarm.peers.insert(
                announce.peer_id,
                Peer {
                    addr: announce.addr,
                    seeding: announce.left == 0,
                    last_seen: now,
                },
            );
        }
        let peers = if announce.event == AnnounceEvent::Stopped {
            Vec::new()
        } else {
            swarm
                .peers
                .iter()
                .filter(|(peer_id, peer)| {
                    **peer_id != announce.peer_id && announce.families.admits(&peer.addr)
                })
                .map(|(peer_id, peer)| (*peer_id, peer.addr))
                .choose_multiple(&mut rand::thread_rng(), wanted)
        };
        let (seeders, leechers) = swarm.counts();
        self.drop_if_empty(&announce.info_hash);
        Ok(SwarmView {
            peers,
            seeders,
            leechers,
        })
    }

    /// Counts for `info_hash` at `now`; an unknown torrent has all zeros.
    pub fn scrape(&mut self, info_hash: &[u8; 20], now: Instant) -> ScrapeStats {
        let (seeders, leechers, completed) = match self.swarms.get_mut(info_hash) {
            Some(swarm) => {
                swarm.expire(now, self.ttl);
                let (seeders, leechers) = swarm.counts();
                (seeders, leechers, swarm.completed)
            }
            None => (0, 0, 0),
        };
        self.drop_if_empty(info_hash);
        ScrapeStats {
            info_hash: *info_hash,
            seeders,
            leechers,
            completed,
        }
    }

    fn drop_if_empty(&mut self, info_hash: &[u8; 20]) {
        if self
            .swarms
            .get(info_hash)
            .is_some_and(|swarm| swarm.peers.is_empty() && swarm.completed == 0)
        {
            self.swarms.remove(info_hash);
        }
    }

    /// Drops expired peers and empty swarms everywhere.
    pub fn sweep(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.swarms.retain(|_, swarm| {
            swarm.expire(now, ttl);
            !swarm.peers.is_empty() || swarm.completed > 0
        });
    }

    #[cfg(test)]
    fn swarm_count(&self) -> usize {
        self.swarms.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: [u8; 20] = [1; 20];

    fn registry(peers_per_swarm: usize) -> Registry {
        Registry::new(
            Duration::from_secs(60),
            Limits {
                swarms: 2,
                peers_per_swarm,
            },
        )
    }

    fn announce(peer: u8, event: AnnounceEvent, left: u64) -> Announce {
        Announce {
            info_hash: HASH,
            peer_id: [peer; 20],
            addr: SocketAddr::from(([127, 0, 0, peer], 6000 + u16::from(peer))),
            left,
            event,
            num_want: None,
            families: Families::Both,
        }
    }

    #[test]
    fn peers_see_each_other_but_not_themselves() {
        let mut registry = registry(1000);
        let now = Instant::now();
        let first = registry
            .announce(&announce(1, AnnounceEvent::Started, 10), now)
            .unwrap();
        assert!(first.peers.is_empty());
        assert_eq!((first.seeders, first.leechers), (0, 1));
        let second = registry
            .announce(&announce(2, AnnounceEvent::Started, 0), now)
            .unwrap();
        assert_eq!(
            second.peers,
            vec![([1; 20], "127.0.0.1:6001".parse().unwrap())]
        );
        assert_eq!((second.seeders, second.leechers), (1, 1));
    }

    #[test]
    fn stopped_removes_and_completed_counts() {
        let mut registry = registry(1000);
        let now = Instant::now();
        registry
            .announce(&announce(1, AnnounceEvent::Started, 10), now)
            .unwrap();
        registry
            .announce(&announce(1, AnnounceEvent::Completed, 0), now)
            .unwrap();
        registry
            .announce(&announce(2, AnnounceEvent::Started, 10), now)
            .unwrap();
        let stats = registry.scrape(&HASH, now);
        assert_eq!((stats.seeders, stats.leechers, stats.completed), (1, 1, 1));
        let stopped = registry
            .announce(&announce(2, AnnounceEvent::Stopped, 10), now)
            .unwrap();
        assert!(stopped.peers.is_empty());
        assert_eq!((stopped.seeders, stopped.leechers), (1, 0));
    }

    #[test]
    fn peers_expire_and_empty_swarms_go() {
        let mut registry = registry(1000);
        let now = Instant::now();
        registry
            .announce(&announce(1, AnnounceEvent::Started, 10), now)
            .unwrap();
        let later = now + Duration::from_secs(61);
        let view = registry
            .announce(&announce(2, AnnounceEvent::Started, 10), later)
            .unwrap();
        assert!(view.peers.is_empty());
        registry.sweep(later + Duration::from_secs(61));
        assert_eq!(registry.swarm_count(), 0);
        assert_eq!(registry.scrape(&HASH, later).seeders, 0);
        assert_eq!(registry.swarm_count(), 0);
    }

    #[test]
    fn num_want_is_honoured_and_capped() {
        let mut registry = registry(1000);
        let now = Instant::now();
        for peer in 1..=250u8 {
            registry
                .announce(&announce(peer, AnnounceEvent::Started, 1), now)
                .unwrap();
        }
        let mut asker = announce(251, AnnounceEvent::None, 1);
        asker.num_want = Some(3);
        assert_eq!(registry.announce(&asker, now).unwrap().peers.len(), 3);
        asker.num_want = Some(10_000);
        assert_eq!(
            registry.announce(&asker, now).unwrap().peers.len(),
            MAX_NUM_WANT
        );
        asker.num_want = None;
        assert_eq!(
            registry.announce(&asker, now).unwrap().peers.len(),
            DEFAULT_NUM_WANT
        );
    }

    #[test]
    fn limits_refuse_newcomers_but_not_known_peers() {
        let mut registry = registry(2);
        let now = Instant::now();
        registry
            .announce(&announce(1, AnnounceEvent::Started, 1), now)
            .unwrap();
        registry
            .announce(&announce(2, AnnounceEvent::Started, 1), now)
            .unwrap();
        assert_eq!(
            registry.announce(&announce(3, AnnounceEvent::Started, 1), now),
            Err(Full::Peers)
        );
        registry
            .announce(&announce(2, AnnounceEvent::None, 1), now)
            .unwrap();
        let mut other = announce(1, AnnounceEvent::Started, 1);
        other.info_hash = [2; 20];
        registry.announce(&other, now).unwrap();
        other.info_hash = [3; 20];
        assert_eq!(registry.announce(&other, now), Err(Full::Swarms));
        let later = now + Duration::from_secs(61);
        registry.announce(&other, later).unwrap();
    }

    #[test]
    fn families_filter_peers() {
        let mut registry = registry(1000);
        let now = Instant::now();
        let mut v6 = announce(1, AnnounceEvent::Started, 1);
        v6.addr = "[::1]:7000".parse().unwrap();
        registry.announce(&v6, now).unwrap();
        registry
            .announce(&announce(2, AnnounceEvent::Started, 1), now)
            .unwrap();
        let mut asker = announce(3, AnnounceEvent::Started, 1);
        asker.families = Families::Ipv4;
        let peers = registry.announce(&asker, now).unwrap().peers;
        assert_eq!(peers, vec![([2; 20], "127.0.0.2:6002".parse().unwrap())]);
        asker.families = Families::Ipv6;
        let peers = registry.announce(&asker, now).unwrap().peers;
        assert_eq!(peers, vec![([1; 20], "[::1]:7000".parse().unwrap())]);
    }
}
