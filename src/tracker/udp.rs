//! The UDP tracker client (BEP 15), with the wire format from
//! `aquatic_udp_protocol`.
//!
//! Every exchange is a request with a random transaction id, retransmitted on
//! the [`UdpRetry`] schedule until a reply with the same id arrives; datagrams
//! with other ids are ignored. A connection id is reused for 60 seconds per
//! tracker address and forgotten when the tracker answers with an error. The
//! reply's peers are IPv4 or IPv6 according to the tracker address's family.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aquatic_udp_protocol as wire;
use tokio::net::UdpSocket;
use url::{Host, Url};

use super::announce::{AnnounceEvent, AnnounceRequest, AnnounceResponse, ScrapeStats};
use super::error::TrackerError;

/// How long a connection id stays valid on the client side (BEP 15).
const CONNECTION_ID_LIFETIME: Duration = Duration::from_secs(60);

/// The most info-hashes BEP 15 allows in one scrape packet.
const MAX_SCRAPE_HASHES: usize = 74;

/// The largest datagram we expect: a reply with a few hundred peers.
const MAX_DATAGRAM: usize = 8192;

/// The retransmission schedule: attempt `n` (from 0) waits
/// `first_timeout * 2^n` for a reply; the client gives up after `attempts`
/// sends, or earlier when the client's overall timeout expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRetry {
    /// How long to wait after the first send.
    pub first_timeout: Duration,
    /// How many times to send one request.
    pub attempts: u32,
}

impl Default for UdpRetry {
    /// BEP 15's schedule: 15 s, doubling, 9 sends.
    fn default() -> UdpRetry {
        UdpRetry {
            first_timeout: Duration::from_secs(15),
            attempts: 9,
        }
    }
}

impl UdpRetry {
    fn wait(&self, attempt: u32) -> Duration {
        self.first_timeout
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
    }
}

/// Talks to `udp://` trackers and remembers their connection ids.
#[derive(Debug)]
pub(crate) struct UdpTracker {
    retry: UdpRetry,
    connections: Mutex<HashMap<SocketAddr, (wire::ConnectionId, Instant)>>,
}

/// One tracker address and a socket connected to it.
struct Session<'a> {
    url: &'a str,
    addr: SocketAddr,
    socket: UdpSocket,
}

impl UdpTracker {
    pub(crate) fn new(retry: UdpRetry) -> UdpTracker {
        UdpTracker {
            retry,
            connections: Mutex::new(HashMap::new()),
        }
    }

    /// Announces to `url` (`udp://host:port`).
    pub(crate) async fn announce(
        &self,
        url: &str,
        request: &AnnounceRequest,
    ) -> Result<AnnounceResponse, TrackerError> {
        let session = Session::open(url).await?;
        let connection_id = self.connection_id(&session).await?;
        let transaction_id = random_transaction_id();
        let packet =
            wire::Request::Announce(announce_packet(request, connection_id, transaction_id));
        match self.exchange(&session, &packet, transaction_id).await? {
            wire::Response::AnnounceIpv4(reply) => Ok(announce_response(reply, |ip| ip.0.into())),
            wire::Response::AnnounceIpv6(reply) => Ok(announce_response(reply, |ip| ip.0.into())),
            other => Err(self.unexpected(&session, other)),
        }
    }

    /// Scrapes `url` for `info_hashes`, 74 per packet.
    pub(crate) async fn scrape(
        &self,
        url: &str,
        info_hashes: &[[u8; 20]],
    ) -> Result<Vec<ScrapeStats>, TrackerError> {
        let session = Session::open(url).await?;
        let mut stats = Vec::with_capacity(info_hashes.len());
        for chunk in info_hashes.chunks(MAX_SCRAPE_HASHES) {
            let connection_id = self.connection_id(&session).await?;
            let transaction_id = random_transaction_id();
            let packet = wire::Request::Scrape(wire::ScrapeRequest {
                connection_id,
                transaction_id,
                info_hashes: chunk.iter().map(|hash| wire::InfoHash(*hash)).collect(),
            });
            match self.exchange(&session, &packet, transaction_id).await? {
                wire::Response::Scrape(reply) => stats.extend(
                    chunk
                        .iter()
                        .zip(reply.torrent_stats)
                        .map(|(hash, torrent)| ScrapeStats {
                            info_hash: *hash,
                            seeders: count(torrent.seeders.0.get()),
                            leechers: count(torrent.leechers.0.get()),
                            completed: count(torrent.completed.0.get()),
                        }),
                ),
                other => return Err(self.unexpected(&session, other)),
            }
        }
        Ok(stats)
    }

    /// A cached connection id younger than a minute, or a fresh one.
    async fn connection_id(
        &self,
        session: &Session<'_>,
    ) -> Result<wire::ConnectionId, TrackerError> {
        if let Some(connection_id) = self.cached_connection_id(session.addr) {
            return Ok(connection_id);
        }
        let transaction_id = random_transaction_id();
        let packet = wire::Request::Connect(wire::ConnectRequest { transaction_id });
        match self.exchange(session, &packet, transaction_id).await? {
            wire::Response::Connect(reply) => {
                self.lock_connections()
                    .insert(session.addr, (reply.connection_id, Instant::now()));
                Ok(reply.connection_id)
            }
            other => Err(self.unexpected(session, other)),
        }
    }

    fn cached_connection_id(&self, addr: SocketAddr) -> Option<wire::ConnectionId> {
        let mut connections = self.lock_connections();
        connections.retain(|_, (_, since)| since.elapsed() < CONNECTION_ID_LIFETIME);
        connections
            .get(&addr)
            .map(|(connection_id, _)| *connection_id)
    }

    fn lock_connections(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, (wire::ConnectionId, Instant)>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The error for a reply of the wrong kind; an error reply also drops the
    /// connection id, which may be what the tracker objected to.
    fn unexpected(&self, session: &Session<'_>, reply: wire::Response) -> TrackerError {
        match reply {
            wire::Response::Error(error) => {
                self.lock_connections().remove(&session.addr);
                TrackerError::Failure {
                    url: session.url.to_owned(),
                    reason: error.message.into_owned(),
                }
            }
            _ => TrackerError::malformed(session.url, "reply of the wrong kind"),
        }
    }

    /// Sends `packet` until a reply carrying `transaction_id` arrives.
    async fn exchange(
        &self,
        session: &Session<'_>,
        packet: &wire::Request,
        transaction_id: wire::TransactionId,
    ) -> Result<wire::Response, TrackerError> {
        let mut bytes = Vec::new();
        packet
            .write_bytes(&mut bytes)
            .map_err(|source| session.io_error(source))?;
        for attempt in 0..self.retry.attempts {
            session
                .socket
                .send(&bytes)
                .await
                .map_err(|source| session.io_error(source))?;
            let wait = self.retry.wait(attempt);
            if let Ok(reply) = tokio::time::timeout(wait, session.reply(transaction_id)).await {
                return reply;
            }
        }
        Err(TrackerError::Timeout {
            url: session.url.to_owned(),
        })
    }
}

impl<'a> Session<'a> {
    /// Resolves `url` and connects a fresh socket of the same family to it.
    async fn open(url: &'a str) -> Result<Session<'a>, TrackerError> {
        let addr = resolve(url).await?;
        let local: SocketAddr = match addr.ip() {
            IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let io_error = |source| TrackerError::Io {
            url: url.to_owned(),
            source,
        };
        let socket = UdpSocket::bind(local).await.map_err(io_error)?;
        socket.connect(addr).await.map_err(io_error)?;
        Ok(Session { url, addr, socket })
    }

    fn io_error(&self, source: std::io::Error) -> TrackerError {
        TrackerError::Io {
            url: self.url.to_owned(),
            source,
        }
    }

    /// Waits for the reply with `transaction_id`, skipping stray datagrams.
    async fn reply(
        &self,
        transaction_id: wire::TransactionId,
    ) -> Result<wire::Response, TrackerError> {
        let mut buffer = vec![0; MAX_DATAGRAM];
        loop {
            let length = self
                .socket
                .recv(&mut buffer)
                .await
                .map_err(|source| self.io_error(source))?;
            let datagram = buffer.get(..length).unwrap_or_default();
            let ours = datagram.get(4..8) == Some(&transaction_id.0.get().to_be_bytes()[..]);
            if !ours {
                continue;
            }
            return wire::Response::parse_bytes(datagram, self.addr.is_ipv4())
                .map_err(|error| TrackerError::malformed(self.url, error.to_string()));
        }
    }
}

/// The tracker's socket address from `udp://host:port[/path]`.
async fn resolve(url: &str) -> Result<SocketAddr, TrackerError> {
    let invalid = |reason: &str| TrackerError::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(url).map_err(|error| invalid(&error.to_string()))?;
    let port = parsed.port().ok_or_else(|| invalid("no port"))?;
    match parsed.host().ok_or_else(|| invalid("no host"))? {
        Host::Ipv4(ip) => Ok((ip, port).into()),
        Host::Ipv6(ip) => Ok((ip, port).into()),
        Host::Domain(name) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|source| TrackerError::Io {
                url: url.to_owned(),
                source,
            })?
            .next()
            .ok_or_else(|| invalid("host has no address")),
    }
}

fn random_transaction_id() -> wire::TransactionId {
    wire::TransactionId::new(rand::random())
}

fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn announce_packet(
    request: &AnnounceRequest,
    connection_id: wire::ConnectionId,
    transaction_id: wire::TransactionId,
) -> wire::AnnounceRequest {
    let bytes = |value: u64| wire::NumberOfBytes::new(i64::try_from(value).unwrap_or(i64::MAX));
    let event = match request.event {
        AnnounceEvent::None => wire::AnnounceEvent::None,
        AnnounceEvent::Started => wire::AnnounceEvent::Started,
        AnnounceEvent::Completed => wire::AnnounceEvent::Completed,
        AnnounceEvent::Stopped => wire::AnnounceEvent::Stopped,
    };
    let peers_wanted = request
        .num_want
        .map_or(-1, |wanted| i32::try_from(wanted).unwrap_or(i32::MAX));
    wire::AnnounceRequest {
        connection_id,
        action_placeholder: Default::default(),
        transaction_id,
        info_hash: wire::InfoHash(request.info_hash),
        peer_id: wire::PeerId(request.peer_id),
        bytes_downloaded: bytes(request.downloaded),
        bytes_left: bytes(request.left),
        bytes_uploaded: bytes(request.uploaded),
        event: event.into(),
        ip_address: wire::Ipv4AddrBytes([0; 4]),
        // The key is an opaque 32-bit value; reinterpret its bits.
        key: wire::PeerKey::new(i32::from_ne_bytes(request.key.to_ne_bytes())),
        peers_wanted: wire::NumberOfPeers::new(peers_wanted),
        port: wire::Port(request.port.into()),
    }
}

fn announce_response<I: wire::Ip>(
    reply: wire::AnnounceResponse<I>,
    to_ip: impl Fn(I) -> IpAddr,
) -> AnnounceResponse {
    let interval = u64::try_from(reply.fixed.announce_interval.0.get()).unwrap_or(0);
    AnnounceResponse {
        interval: Duration::from_secs(interval),
        min_interval: None,
        peers: reply
            .peers
            .iter()
            .map(|peer| {
                let (ip, port) = (peer.ip_address, peer.port);
                SocketAddr::new(to_ip(ip), port.0.get())
            })
            .collect(),
        seeders: Some(count(reply.fixed.seeders.0.get())),
        leechers: Some(count(reply.fixed.leechers.0.get())),
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::server::{RunningServer, ServerOptions};

    #[test]
    fn retry_schedule_doubles() {
        let retry = UdpRetry {
            first_timeout: Duration::from_millis(10),
            attempts: 3,
        };
        assert_eq!(retry.wait(0), Duration::from_millis(10));
        assert_eq!(retry.wait(2), Duration::from_millis(40));
        assert_eq!(UdpRetry::default().wait(8), Duration::from_secs(3840));
    }

    #[test]
    fn announce_packet_carries_the_request() {
        let request = AnnounceRequest {
            info_hash: [7; 20],
            peer_id: [8; 20],
            port: 51413,
            uploaded: u64::MAX,
            downloaded: 5,
            left: 0,
            event: AnnounceEvent::Completed,
            num_want: None,
            key: 0xffff_ffff,
        };
        let packet = announce_packet(
            &request,
            wire::ConnectionId::new(42),
            wire::TransactionId::new(9),
        );
        let mut bytes = Vec::new();
        wire::Request::Announce(packet)
            .write_bytes(&mut bytes)
            .unwrap();
        assert_eq!(bytes.len(), 98);
        assert_eq!(&bytes[16..36], &[7; 20]);
        assert_eq!(&bytes[36..56], &[8; 20]);
        assert_eq!(&bytes[56..64], &5i64.to_be_bytes());
        assert_eq!(&bytes[72..80], &i64::MAX.to_be_bytes());
        assert_eq!(&bytes[80..84], &1i32.to_be_bytes());
        assert_eq!(&bytes[88..92], &[0xff; 4]);
        assert_eq!(&bytes[92..96], &(-1i32).to_be_bytes());
        assert_eq!(&bytes[96..98], &51413u16.to_be_bytes());
    }

    fn quick() -> UdpTracker {
        UdpTracker::new(UdpRetry {
            first_timeout: Duration::from_millis(200),
            attempts: 3,
        })
    }

    fn request() -> AnnounceRequest {
        AnnounceRequest {
            info_hash: [1; 20],
            peer_id: [2; 20],
            port: 6881,
            uploaded: 0,
            downloaded: 0,
            left: 1,
            event: AnnounceEvent::Started,
            num_want: None,
            key: 0,
        }
    }

    #[tokio::test]
    async fn connection_id_is_reused_and_dropped_on_error() {
        let test = async {
            let server = RunningServer::start("127.0.0.1:0", ServerOptions::default()).await;
            let tracker = quick();
            let url = server.udp_url();
            tracker.announce(&url, &request()).await.unwrap();
            let first = tracker.cached_connection_id(server.addr).unwrap();
            tracker.announce(&url, &request()).await.unwrap();
            assert_eq!(tracker.cached_connection_id(server.addr), Some(first));

            let stale = wire::ConnectionId::new(first.0.get().wrapping_add(1));
            tracker
                .lock_connections()
                .insert(server.addr, (stale, Instant::now()));
            match tracker.announce(&url, &request()).await {
                Err(TrackerError::Failure { reason, .. }) => {
                    assert_eq!(reason, "connection id expired")
                }
                other => panic!("expected a failure, got {other:?}"),
            }
            assert_eq!(tracker.cached_connection_id(server.addr), None);
            tracker.announce(&url, &request()).await.unwrap();
        };
        tokio::time::timeout(Duration::from_secs(10), test)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn stray_datagrams_are_ignored() {
        let test = async {
            let tracker_socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let url = format!("udp://{}", tracker_socket.local_addr().unwrap());
            let fake = async {
                let mut buffer = [0; 64];
                let (_, client) = tracker_socket.recv_from(&mut buffer).await.unwrap();
                let transaction_id = wire::TransactionId(
                    i32::from_be_bytes(buffer[12..16].try_into().unwrap()).into(),
                );
                let wrong = wire::TransactionId::new(transaction_id.0.get().wrapping_add(1));
                for id in [wrong, transaction_id] {
                    let mut bytes = Vec::new();
                    wire::Response::Connect(wire::ConnectResponse {
                        transaction_id: id,
                        connection_id: wire::ConnectionId::new(i64::from(id.0.get())),
                    })
                    .write_bytes(&mut bytes)
                    .unwrap();
                    tracker_socket.send_to(&bytes, client).await.unwrap();
                }
                transaction_id
            };
            let tracker = quick();
            let session = Session::open(&url).await.unwrap();
            let (connection_id, transaction_id) =
                tokio::join!(tracker.connection_id(&session), fake);
            assert_eq!(
                connection_id.unwrap(),
                wire::ConnectionId::new(i64::from(transaction_id.0.get()))
            );
        };
        tokio::time::timeout(Duration::from_secs(10), test)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn resolve_needs_a_port_and_reads_ipv6_literals() {
        assert!(matches!(
            resolve("udp://127.0.0.1/announce").await,
            Err(TrackerError::InvalidUrl { .. })
        ));
        assert_eq!(
            resolve("udp://[::1]:6969/announce").await.unwrap(),
            "[::1]:6969".parse().unwrap()
        );
    }
}
