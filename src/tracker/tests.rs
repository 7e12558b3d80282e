//! End-to-end tests: the client against the embedded server over HTTP and UDP
//! on loopback, the client against tiny raw servers that misbehave, and tiers
//! falling over. Every test is bounded by a tokio timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::server::RunningServer;
use super::*;
use crate::bencode;

const LIMIT: Duration = Duration::from_secs(20);

async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("test took too long")
}

fn client() -> TrackerClient {
    TrackerClient::with_options(ClientOptions {
        timeout: Duration::from_secs(5),
        udp_retry: UdpRetry {
            first_timeout: Duration::from_millis(200),
            attempts: 3,
        },
    })
}

fn options() -> ServerOptions {
    ServerOptions {
        interval: Duration::from_secs(60),
        ..ServerOptions::default()
    }
}

fn request(peer: u8, port: u16, left: u64, event: AnnounceEvent) -> AnnounceRequest {
    AnnounceRequest {
        info_hash: *b"\x00info+hash/ with %\xff!",
        peer_id: [peer; 20],
        port,
        uploaded: 0,
        downloaded: 0,
        left,
        event,
        num_want: None,
        key: u32::from(peer),
    }
}

fn addr(ip: &str, port: u16) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), port)
}

/// The tracker URLs of one running server, one per transport.
fn urls(server: &RunningServer) -> [String; 2] {
    [server.http_url(), server.udp_url()]
}

#[tokio::test]
async fn two_peers_see_each_other_over_both_transports() {
    bounded(async {
        for ip in ["127.0.0.1", "::1"] {
            let server = RunningServer::start(&addr(ip, 0).to_string(), options()).await;
            let client = client();
            for url in urls(&server) {
                let leecher = request(1, 6001, 100, AnnounceEvent::Started);
                let seeder = request(2, 6002, 0, AnnounceEvent::Started);
                let first = client.announce(&url, &leecher).await.unwrap();
                assert_eq!(first.interval, Duration::from_secs(60), "{url}");
                let second = client.announce(&url, &seeder).await.unwrap();
                assert_eq!(second.peers, vec![addr(ip, 6001)], "{url}");
                assert_eq!((second.seeders, second.leechers), (Some(1), Some(1)));
                let again = AnnounceRequest {
                    event: AnnounceEvent::None,
                    ..leecher
                };
                let third = client.announce(&url, &again).await.unwrap();
                assert_eq!(third.peers, vec![addr(ip, 6002)], "{url}");
                for peer in [leecher, seeder] {
                    let stopped = AnnounceRequest {
                        event: AnnounceEvent::Stopped,
                        ..peer
                    };
                    client.announce(&url, &stopped).await.unwrap();
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn an_ipv6_announcer_gets_two_ipv6_peers_over_both_transports() {
    bounded(async {
        let server = RunningServer::start("[::1]:0", options()).await;
        let client = client();
        for url in urls(&server) {
            for (peer, port) in [(1, 6001), (2, 6002)] {
                let started = request(peer, port, 0, AnnounceEvent::Started);
                client.announce(&url, &started).await.unwrap();
            }
            let third = request(3, 6003, 100, AnnounceEvent::Started);
            let mut peers = client.announce(&url, &third).await.unwrap().peers;
            peers.sort();
            assert_eq!(peers, vec![addr("::1", 6001), addr("::1", 6002)], "{url}");
            for (peer, port) in [(1, 6001), (2, 6002), (3, 6003)] {
                let stopped = request(peer, port, 0, AnnounceEvent::Stopped);
                client.announce(&url, &stopped).await.unwrap();
            }
        }
    })
    .await;
}

#[tokio::test]
async fn stopped_removes_the_peer() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        let client = client();
        for url in urls(&server) {
            client
                .announce(&url, &request(1, 6001, 5, AnnounceEvent::Started))
                .await
                .unwrap();
            let stopped = client
                .announce(&url, &request(1, 6001, 5, AnnounceEvent::Stopped))
                .await
                .unwrap();
            assert!(stopped.peers.is_empty());
            let other = client
                .announce(&url, &request(2, 6002, 5, AnnounceEvent::Started))
                .await
                .unwrap();
            assert!(other.peers.is_empty(), "{url}: {:?}", other.peers);
            assert_eq!(other.leechers, Some(1));
            client
                .announce(&url, &request(2, 6002, 5, AnnounceEvent::Stopped))
                .await
                .unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn scrape_counts_seeders_leechers_and_completions() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        let client = client();
        let hash = request(0, 0, 0, AnnounceEvent::None).info_hash;
        let unknown = [9; 20];
        client
            .announce(
                &server.http_url(),
                &request(1, 6001, 5, AnnounceEvent::Started),
            )
            .await
            .unwrap();
        client
            .announce(
                &server.udp_url(),
                &request(2, 6002, 0, AnnounceEvent::Completed),
            )
            .await
            .unwrap();
        client
            .announce(
                &server.http_url(),
                &request(3, 6003, 5, AnnounceEvent::Started),
            )
            .await
            .unwrap();
        for url in urls(&server) {
            let stats = client.scrape(&url, &[hash, unknown]).await.unwrap();
            let expected = vec![
                ScrapeStats {
                    info_hash: hash,
                    seeders: 1,
                    leechers: 2,
                    completed: 1,
                },
                ScrapeStats {
                    info_hash: unknown,
                    seeders: 0,
                    leechers: 0,
                    completed: 0,
                },
            ];
            assert_eq!(stats, expected, "{url}");
        }
    })
    .await;
}

#[tokio::test]
async fn num_want_limits_the_peer_list() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        let client = client();
        for peer in 1..=6 {
            client
                .announce(
                    &server.http_url(),
                    &request(peer, 6000 + u16::from(peer), 1, AnnounceEvent::Started),
                )
                .await
                .unwrap();
        }
        for url in urls(&server) {
            let mut asker = request(7, 7000, 1, AnnounceEvent::Started);
            asker.num_want = Some(2);
            assert_eq!(client.announce(&url, &asker).await.unwrap().peers.len(), 2);
            asker.num_want = None;
            assert_eq!(client.announce(&url, &asker).await.unwrap().peers.len(), 6);
        }
    })
    .await;
}

/// GETs `target` from `addr` with a raw socket and returns the body.
async fn raw_get(addr: SocketAddr, target: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {target} HTTP/1.1\r\nHost: tracker\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    let start = reply
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("no end of head")
        + 4;
    reply.split_off(start)
}

#[tokio::test]
async fn server_answers_dictionary_peers_and_peers6() {
    bounded(async {
        let server = RunningServer::start("[::1]:0", options()).await;
        let client = client();
        client
            .announce(
                &server.http_url(),
                &request(1, 6001, 1, AnnounceEvent::Started),
            )
            .await
            .unwrap();
        let query =
            "info_hash=%00info%2Bhash%2F%20with%20%25%FF%21&peer_id=bbbbbbbbbbbbbbbbbbbb&port=6002";
        let compact = raw_get(server.addr, &format!("/announce?{query}")).await;
        let compact = bencode::decode(&compact).unwrap().as_dict().unwrap();
        assert_eq!(
            compact.get("peers").and_then(|peers| peers.as_bytes()),
            Some(&[][..])
        );
        let mut peers6 = std::net::Ipv6Addr::LOCALHOST.octets().to_vec();
        peers6.extend_from_slice(&6001u16.to_be_bytes());
        assert_eq!(
            compact.get("peers6").and_then(|peers6| peers6.as_bytes()),
            Some(&peers6[..])
        );

        let dictionary = raw_get(server.addr, &format!("/announce?{query}&compact=0")).await;
        let dictionary = bencode::decode(&dictionary).unwrap().as_dict().unwrap();
        let Some(entries) = dictionary.get("peers").and_then(|peers| peers.as_list()) else {
            panic!("peers is not a list: {dictionary:?}");
        };
        let entries: Vec<_> = entries.iter().collect();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0]
                .as_dict()
                .and_then(|entry| entry.get("peer id"))
                .and_then(|peer_id| peer_id.as_bytes()),
            Some(&[1; 20][..])
        );
        let parsed = http::parse_announce("test", dictionary).unwrap();
        assert_eq!(parsed.peers, vec![addr("::1", 6001)]);
    })
    .await;
}

#[tokio::test]
async fn server_explains_bad_requests() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        for (target, reason) in [
            ("/announce", "missing info_hash"),
            (
                "/announce?info_hash=short",
                "info_hash must be 20 bytes, got 5",
            ),
            ("/scrape", "scrape needs an info_hash"),
        ] {
            let body = raw_get(server.addr, target).await;
            let reply = bencode::decode(&body).unwrap().as_dict().unwrap();
            assert_eq!(
                reply
                    .get("failure reason")
                    .and_then(|reason| reason.as_bytes()),
                Some(reason.as_bytes()),
                "{target}"
            );
        }
        assert_eq!(raw_get(server.addr, "/nothing").await, b"404 Not Found");
    })
    .await;
}

#[tokio::test]
async fn server_drops_slow_and_oversized_requests() {
    bounded(async {
        let options = ServerOptions {
            read_timeout: Duration::from_millis(200),
            ..options()
        };
        let server = RunningServer::start("127.0.0.1:0", options).await;
        let mut slow = TcpStream::connect(server.addr).await.unwrap();
        slow.write_all(b"GET /announce HTTP/1.1\r\n").await.unwrap();
        let mut reply = String::new();
        slow.read_to_string(&mut reply).await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");

        let mut large = TcpStream::connect(server.addr).await.unwrap();
        // Exactly the limit and no end of head, so the server reads it all.
        let head = format!("GET /announce?{}", "x".repeat(server::MAX_REQUEST - 14));
        assert_eq!(head.len(), server::MAX_REQUEST);
        large.write_all(head.as_bytes()).await.unwrap();
        let mut reply = Vec::new();
        large.read_to_end(&mut reply).await.unwrap();
        assert!(reply.starts_with(b"HTTP/1.1 431"), "{reply:?}");
    })
    .await;
}

#[tokio::test]
async fn idle_connections_do_not_shut_out_an_announce() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        let idle = crate::connection_slots::hold_idle(server.addr, 300).await;
        let leecher = request(1, 6001, 100, AnnounceEvent::Started);
        let announce = tokio::time::timeout(
            Duration::from_secs(2),
            client().announce(&server.http_url(), &leecher),
        )
        .await;
        assert!(matches!(announce, Ok(Ok(_))), "{announce:?}");
        drop(idle);
    })
    .await;
}

/// A raw HTTP server that answers every connection with `reply` and counts
/// connections. It stops with the test's runtime.
async fn raw_tracker(reply: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/announce", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut head = vec![0; 4096];
            let _ = stream.read(&mut head).await;
            let _ = stream.write_all(&reply).await;
            let _ = stream.shutdown().await;
        }
    });
    (url, connections)
}

fn http_reply(status: &str, body: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(body);
    reply
}

#[tokio::test]
async fn misbehaving_http_trackers_give_the_right_error() {
    bounded(async {
        let client = client();
        let request = request(1, 6001, 1, AnnounceEvent::Started);

        let (url, _) = raw_tracker(http_reply("200 OK", b"<html><body>Login</body></html>")).await;
        match client.announce(&url, &request).await {
            Err(TrackerError::Malformed { url: named, reason }) => {
                assert_eq!(named, url);
                assert!(reason.contains("HTML"), "{reason}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }

        let (url, _) = raw_tracker(http_reply("200 OK", b"\x00\x01garbage")).await;
        assert!(matches!(
            client.announce(&url, &request).await,
            Err(TrackerError::Malformed { .. })
        ));

        let (url, _) = raw_tracker(http_reply(
            "200 OK",
            b"d14:failure reason17:torrent not founde",
        ))
        .await;
        match client.announce(&url, &request).await {
            Err(error @ TrackerError::Failure { .. }) => {
                assert_eq!(
                    error.to_string(),
                    format!("tracker {url} refused: torrent not found")
                );
            }
            other => panic!("expected Failure, got {other:?}"),
        }

        let (url, _) = raw_tracker(http_reply("503 Service Unavailable", b"busy")).await;
        assert!(matches!(
            client.announce(&url, &request).await,
            Err(TrackerError::Http { status: 503, .. })
        ));

        let huge = format!("d8:intervali60e5:peers{}:", MAX_BODY).into_bytes();
        let mut body = huge;
        body.extend(vec![0; MAX_BODY]);
        body.push(b'e');
        let (url, _) = raw_tracker(http_reply("200 OK", &body)).await;
        match client.announce(&url, &request).await {
            Err(TrackerError::Malformed { reason, .. }) => {
                assert!(reason.contains("larger"), "{reason}")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }

        let mut streamed = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
        streamed.extend(vec![b'x'; MAX_BODY + 1]);
        let (url, _) = raw_tracker(streamed).await;
        assert!(matches!(
            client.announce(&url, &request).await,
            Err(TrackerError::Malformed { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn silent_trackers_time_out() {
    bounded(async {
        let client = TrackerClient::with_options(ClientOptions {
            timeout: Duration::from_millis(500),
            udp_retry: UdpRetry {
                first_timeout: Duration::from_millis(50),
                attempts: 3,
            },
        });
        let request = request(1, 6001, 1, AnnounceEvent::Started);

        let silent_tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/announce", silent_tcp.local_addr().unwrap());
        assert!(matches!(
            client.announce(&url, &request).await,
            Err(TrackerError::Timeout { .. })
        ));

        let silent_udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let url = format!("udp://{}", silent_udp.local_addr().unwrap());
        assert!(matches!(
            client.announce(&url, &request).await,
            Err(TrackerError::Timeout { .. })
        ));
        let mut sends = 0;
        let mut buffer = [0; 128];
        while let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_millis(50), silent_udp.recv_from(&mut buffer)).await
        {
            sends += 1;
        }
        assert_eq!(sends, 3, "one connect request, sent once per attempt");
    })
    .await;
}

#[tokio::test]
async fn unsupported_schemes_are_refused() {
    let client = client();
    let request = request(1, 6001, 1, AnnounceEvent::Started);
    assert!(matches!(
        client
            .announce("wss://tracker.test/announce", &request)
            .await,
        Err(TrackerError::UnsupportedScheme { .. })
    ));
}

/// A URL nothing listens on: bound once, then released.
async fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    format!("http://{}/announce", listener.local_addr().unwrap())
}

#[tokio::test]
async fn tiers_fall_over_to_a_live_tracker_and_promote_it() {
    bounded(async {
        let server = RunningServer::start("127.0.0.1:0", options()).await;
        let client = client();
        let (broken, broken_hits) = raw_tracker(http_reply("200 OK", b"garbage")).await;
        let dead = dead_url().await;
        let mut tiers = Tiers::new(vec![
            vec![dead.clone()],
            vec![],
            vec![broken.clone(), server.http_url()],
        ]);
        assert_eq!(tiers.tiers().len(), 2);
        let request = request(1, 6001, 1, AnnounceEvent::Started);
        let (url, _) = tiers.announce(&client, &request).await.unwrap();
        assert_eq!(url, server.http_url());
        assert_eq!(tiers.tiers()[1][0], server.http_url());
        let hits = broken_hits.load(Ordering::SeqCst);
        let (url, _) = tiers.announce(&client, &request).await.unwrap();
        assert_eq!(url, server.http_url());
        assert_eq!(
            broken_hits.load(Ordering::SeqCst),
            hits,
            "promoted tracker goes first"
        );
        assert_eq!(tiers.tiers()[0], vec![dead]);
    })
    .await;
}

#[tokio::test]
async fn tiers_report_the_last_error() {
    bounded(async {
        let client = client();
        let request = request(1, 6001, 1, AnnounceEvent::Started);
        let (broken, _) = raw_tracker(http_reply("200 OK", b"garbage")).await;
        let mut tiers = Tiers::new(vec![vec![dead_url().await], vec![broken.clone()]]);
        match tiers.announce(&client, &request).await {
            Err(TrackerError::Malformed { url, .. }) => assert_eq!(url, broken),
            other => panic!("expected the second tier's error, got {other:?}"),
        }
        let mut empty = Tiers::new(vec![vec![]]);
        assert!(empty.is_empty());
        assert!(matches!(
            empty.announce(&client, &request).await,
            Err(TrackerError::NoTrackers)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_full_swarm_refuses_newcomers_with_a_reason() {
    bounded(async {
        let options = ServerOptions {
            max_peers_per_swarm: 1,
            ..options()
        };
        let server = RunningServer::start("127.0.0.1:0", options).await;
        let client = client();
        client
            .announce(
                &server.http_url(),
                &request(1, 6001, 1, AnnounceEvent::Started),
            )
            .await
            .unwrap();
        for url in urls(&server) {
            match client
                .announce(&url, &request(2, 6002, 1, AnnounceEvent::Started))
                .await
            {
                Err(TrackerError::Failure { reason, .. }) => {
                    assert!(reason.starts_with("swarm is full"), "{url}: {reason}")
                }
                other => panic!("{url}: expected a failure, got {other:?}"),
            }
        }
    })
    .await;
}

#[tokio::test]
async fn an_empty_scrape_asks_nothing() {
    bounded(async {
        let (url, hits) = raw_tracker(http_reply("200 OK", b"garbage")).await;
        assert_eq!(client().scrape(&url, &[]).await.unwrap(), vec![]);
        assert_eq!(hits.load(Ordering::SeqCst), 0);
    })
    .await;
}
