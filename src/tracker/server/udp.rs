//! The embedded tracker's UDP side (BEP 15).
//!
//! Connection ids are stateless: the first 8 bytes of SHA-1 over a secret
//! drawn at start, the client's IP and the current minute. An id is accepted
//! during its minute and the next, so it lives at least 60 seconds and at most
//! 120, and a spoofed source address never gets an id it can use. Replies
//! carry peers of the family the request arrived over; an IPv4-mapped IPv6
//! source counts as IPv4.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aquatic_udp_protocol as wire;
use sha1::{Digest, Sha1};
use tokio::net::UdpSocket;

use super::registry::{Announce, Families, Full};
use super::{is_passing, Shared};
use crate::tracker::announce::AnnounceEvent;

/// The most info-hashes answered in one scrape (BEP 15's packet limit).
const MAX_SCRAPE_HASHES: u8 = 74;

/// Issues and checks connection ids.
struct ConnectionIds {
    secret: [u8; 20],
    started: Instant,
}

impl ConnectionIds {
    fn new() -> ConnectionIds {
        ConnectionIds {
            secret: rand::random(),
            started: Instant::now(),
        }
    }

    fn minute(&self) -> u64 {
        self.started.elapsed().as_secs() / 60
    }

    fn id_for(&self, ip: IpAddr, minute: u64) -> wire::ConnectionId {
        let mut hasher = Sha1::new();
        hasher.update(self.secret);
        match ip {
            IpAddr::V4(ip) => hasher.update(ip.octets()),
            IpAddr::V6(ip) => hasher.update(ip.octets()),
        }
        hasher.update(minute.to_be_bytes());
        let digest = hasher.finalize();
        let mut id = [0; 8];
        id.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        wire::ConnectionId::new(i64::from_be_bytes(id))
    }

    fn issue(&self, ip: IpAddr) -> wire::ConnectionId {
        self.id_for(ip, self.minute())
    }

    fn is_valid(&self, ip: IpAddr, id: wire::ConnectionId) -> bool {
        let minute = self.minute();
        id == self.id_for(ip, minute) || (minute > 0 && id == self.id_for(ip, minute - 1))
    }
}

/// Answers datagrams until the socket fails for good.
pub(super) async fn serve(socket: UdpSocket, shared: Arc<Shared>) -> io::Result<()> {
    let ids = ConnectionIds::new();
    let mut buffer = vec![0; 2048];
    loop {
        let (length, source) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(error) if is_passing(&error) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Err(error) => return Err(error),
        };
        let datagram = buffer.get(..length).unwrap_or_default();
        let Some(reply) = answer(datagram, source, &ids, &shared) else {
            continue;
        };
        let mut bytes = Vec::new();
        if reply.write_bytes(&mut bytes).is_ok() {
            // A reply that cannot be sent concerns that client only.
            let _ = socket.send_to(&bytes, source).await;
        }
    }
}

/// The reply to one datagram, or `None` for one not worth answering.
fn answer(
    datagram: &[u8],
    source: SocketAddr,
    ids: &ConnectionIds,
    shared: &Shared,
) -> Option<wire::Response> {
    let ip = source.ip().to_canonical();
    let request = match wire::Request::parse_bytes(datagram, MAX_SCRAPE_HASHES) {
        Ok(request) => request,
        Err(wire::RequestParseError::Sendable {
            transaction_id,
            err,
            ..
        }) => return Some(error(transaction_id, err)),
        Err(wire::RequestParseError::Unsendable { .. }) => return None,
    };
    match request {
        wire::Request::Connect(connect) => Some(wire::Response::Connect(wire::ConnectResponse {
            transaction_id: connect.transaction_id,
            connection_id: ids.issue(ip),
        })),
        wire::Request::Announce(announce) if ids.is_valid(ip, announce.connection_id) => {
            Some(announce_reply(&announce, ip, shared))
        }
        wire::Request::Scrape(scrape) if ids.is_valid(ip, scrape.connection_id) => {
            Some(scrape_reply(&scrape, shared))
        }
        wire::Request::Announce(wire::AnnounceRequest { transaction_id, .. })
        | wire::Request::Scrape(wire::ScrapeRequest { transaction_id, .. }) => {
            Some(error(transaction_id, "connection id expired"))
        }
    }
}

fn error(transaction_id: wire::TransactionId, message: &'static str) -> wire::Response {
    wire::Response::Error(wire::ErrorResponse {
        transaction_id,
        message: message.into(),
    })
}

fn announce_reply(request: &wire::AnnounceRequest, ip: IpAddr, shared: &Shared) -> wire::Response {
    let port = request.port.0.get();
    let wanted = request.peers_wanted.0.get();
    let announce = Announce {
        info_hash: request.info_hash.0,
        peer_id: request.peer_id.0,
        addr: SocketAddr::new(ip, port),
        left: u64::try_from(request.bytes_left.0.get()).unwrap_or(0),
        event: event(request.event),
        num_want: usize::try_from(wanted).ok().filter(|&wanted| wanted > 0),
        families: if ip.is_ipv4() {
            Families::Ipv4
        } else {
            Families::Ipv6
        },
    };
    let view = match shared.registry().announce(&announce, Instant::now()) {
        Ok(view) => view,
        Err(Full::Swarms) => return error(request.transaction_id, "tracker is full"),
        Err(Full::Peers) => return error(request.transaction_id, "swarm is full"),
    };
    let fixed = wire::AnnounceResponseFixedData {
        transaction_id: request.transaction_id,
        announce_interval: wire::AnnounceInterval::new(
            i32::try_from(shared.options.interval.as_secs()).unwrap_or(i32::MAX),
        ),
        leechers: wire::NumberOfPeers::new(i32::try_from(view.leechers).unwrap_or(i32::MAX)),
        seeders: wire::NumberOfPeers::new(i32::try_from(view.seeders).unwrap_or(i32::MAX)),
    };
    let addrs = view.peers.iter().map(|(_, addr)| *addr);
    match ip {
        IpAddr::V4(_) => wire::Response::AnnounceIpv4(wire::AnnounceResponse {
            fixed,
            peers: addrs
                .filter_map(|addr| match addr {
                    SocketAddr::V4(addr) => Some(wire::ResponsePeer {
                        ip_address: (*addr.ip()).into(),
                        port: wire::Port(addr.port().into()),
                    }),
                    SocketAddr::V6(_) => None,
                })
                .collect(),
        }),
        IpAddr::V6(_) => wire::Response::AnnounceIpv6(wire::AnnounceResponse {
            fixed,
            peers: addrs
                .filter_map(|addr| match addr {
                    SocketAddr::V6(addr) => Some(wire::ResponsePeer {
                        ip_address: (*addr.ip()).into(),
                        port: wire::Port(addr.port().into()),
                    }),
                    SocketAddr::V4(_) => None,
                })
                .collect(),
        }),
    }
}

fn scrape_reply(request: &wire::ScrapeRequest, shared: &Shared) -> wire::Response {
    let now = Instant::now();
    let mut registry = shared.registry();
    let clamp = |count: u32| i32::try_from(count).unwrap_or(i32::MAX);
    let torrent_stats = request
        .info_hashes
        .iter()
        .map(|hash| {
            let stats = registry.scrape(&hash.0, now);
            wire::TorrentScrapeStatistics {
                seeders: wire::NumberOfPeers::new(clamp(stats.seeders)),
                completed: wire::NumberOfDownloads::new(clamp(stats.completed)),
                leechers: wire::NumberOfPeers::new(clamp(stats.leechers)),
            }
        })
        .collect();
    wire::Response::Scrape(wire::ScrapeResponse {
        transaction_id: request.transaction_id,
        torrent_stats,
    })
}

fn event(bytes: wire::AnnounceEventBytes) -> AnnounceEvent {
    match wire::AnnounceEvent::from(bytes) {
        wire::AnnounceEvent::None => AnnounceEvent::None,
        wire::AnnounceEvent::Started => AnnounceEvent::Started,
        wire::AnnounceEvent::Completed => AnnounceEvent::Completed,
        wire::AnnounceEvent::Stopped => AnnounceEvent::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_ids_are_bound_to_the_ip() {
        let ids = ConnectionIds::new();
        let here = IpAddr::from([127, 0, 0, 1]);
        let there = IpAddr::from([127, 0, 0, 2]);
        let id = ids.issue(here);
        assert!(ids.is_valid(here, id));
        assert!(!ids.is_valid(there, id));
        assert!(!ids.is_valid(here, wire::ConnectionId::new(0)));
    }
}
