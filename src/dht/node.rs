//! One DHT node per process, shared by all its torrents: started on a UDP
//! address with its bootstrap nodes, saving its routing table periodically
//! and on stop.

use super::bootstrap::{choose_bootstrap, resolve};
use super::lookup::{self, LookupRequest, PeerSink};
use super::{routing_table_file, DhtError};
use mainline::async_dht::AsyncDht;
use mainline::{Dht, SharedSocket};
use std::net::{SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How often the routing table is saved while running.
const SAVE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// How to start a node.
#[derive(Debug, Clone)]
pub struct DhtOptions {
    /// The UDP address to listen on (IPv4; port 0 picks a free one).
    pub listen: SocketAddr,
    /// `HOST:PORT` nodes to join through, besides the saved table. With
    /// neither, the public routers; [`super::bootstrap::NO_BOOTSTRAP`] among
    /// them means never the public routers (see [`super::bootstrap`]).
    pub bootstrap: Vec<String>,
    /// Where the routing table is kept between runs; `None` keeps nothing.
    pub routing_table_path: Option<PathBuf>,
    /// Answer other nodes' queries from the start (a bootstrap node, a
    /// reachable seeder); otherwise the crate answers only once it has seen
    /// that it is reachable.
    pub server_mode: bool,
    /// A UDP socket shared with uTP, used instead of binding `listen`
    /// (whose port it has).
    pub shared_socket: Option<SharedSocket>,
}

/// A running DHT node. Cheap lookups share it; it stops when [`DhtNode::stop`]
/// is called or the node and every lookup task are gone.
#[derive(Debug)]
pub struct DhtNode {
    dht: AsyncDht,
    local_addr: SocketAddr,
    table: Option<TableStore>,
    warnings: Vec<DhtError>,
    saver: CancellationToken,
}

/// Where the routing table is kept, and whether the saved table was the
/// only way in: then a run in which no node answered forgets it, so the next
/// run asks the public routers instead of the same dead nodes forever.
#[derive(Debug, Clone)]
struct TableStore {
    path: PathBuf,
    sole_bootstrap: bool,
}

impl DhtNode {
    /// Binds the node and starts joining the network. Problems that do not
    /// stop it (an unresolvable bootstrap node, a malformed saved table) are
    /// kept for [`DhtNode::warnings`].
    pub async fn start(options: DhtOptions) -> Result<DhtNode, DhtError> {
        let SocketAddr::V4(listen) = options.listen else {
            return Err(DhtError::Ipv6Listen {
                addr: options.listen,
            });
        };
        let (dht, table, warnings) = tokio::task::spawn_blocking(move || build(listen, &options))
            .await
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?;
        let local_addr = SocketAddr::V4(dht.info().await.local_addr());
        let saver = CancellationToken::new();
        if let Some(table) = &table {
            tokio::spawn(save_periodically(dht.clone(), table.clone(), saver.clone()));
        }
        Ok(DhtNode {
            dht,
            local_addr,
            table,
            warnings,
            saver,
        })
    }

    /// The bound UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What went wrong at start without stopping the node.
    pub fn warnings(&self) -> &[DhtError] {
        &self.warnings
    }

    /// The good nodes in the routing table now.
    pub async fn good_nodes(&self) -> Vec<SocketAddrV4> {
        good_nodes(&self.dht).await
    }

    /// Starts the per-torrent task: looks peers up at once and then
    /// periodically, announces `request.announce_port` if given, and hands
    /// every answer to `sink` until `cancel` fires or the sink is closed.
    pub fn lookup(
        &self,
        request: LookupRequest,
        sink: impl PeerSink,
        cancel: CancellationToken,
    ) -> JoinHandle<()> {
        tokio::spawn(lookup::run(self.dht.clone(), request, sink, cancel))
    }

    /// Saves the routing table now; returns how many nodes were saved. An
    /// empty table is not saved, so a run that could not reach the network
    /// keeps the last good one, unless that table was the only bootstrap
    /// and none of its nodes answered: then the file is removed.
    pub async fn save_routing_table(&self) -> Result<usize, DhtError> {
        match &self.table {
            Some(table) => save(&self.dht, table).await,
            None => Ok(0),
        }
    }

    /// Stops the periodic save and saves the routing table a last time.
    pub async fn stop(self) -> Result<usize, DhtError> {
        self.saver.cancel();
        self.save_routing_table().await
    }
}

type Built = (AsyncDht, Option<TableStore>, Vec<DhtError>);

/// Builds the crate's node (blocking: resolves names, binds, reads the table).
fn build(listen: SocketAddrV4, options: &DhtOptions) -> Result<Built, DhtError> {
    let mut warnings = Vec::new();
    let saved = match &options.routing_table_path {
        Some(path) => routing_table_file::load(path).unwrap_or_else(|error| {
            warnings.push(error);
            Vec::new()
        }),
        None => Vec::new(),
    };
    let table = options.routing_table_path.clone().map(|path| TableStore {
        path,
        sole_bootstrap: options.bootstrap.is_empty() && !saved.is_empty(),
    });
    let (bootstrap, unresolved) = resolve(&choose_bootstrap(&options.bootstrap, &saved));
    warnings.extend(unresolved);
    let mut builder = Dht::builder();
    builder
        .bootstrap(&bootstrap)
        .bind_address(*listen.ip())
        .port(listen.port());
    if let Some(shared) = options.shared_socket.clone() {
        builder.shared_socket(shared);
    }
    if options.server_mode {
        builder.server_mode();
    }
    let dht = builder.build().map_err(|source| DhtError::Bind {
        addr: SocketAddr::V4(listen),
        source,
    })?;
    Ok((dht.as_async(), table, warnings))
}

async fn good_nodes(dht: &AsyncDht) -> Vec<SocketAddrV4> {
    dht.to_bootstrap()
        .await
        .iter()
        .filter_map(|node| node.parse().ok())
        .collect()
}

async fn save(dht: &AsyncDht, table: &TableStore) -> Result<usize, DhtError> {
    let nodes = good_nodes(dht).await;
    let path = table.path.clone();
    if nodes.is_empty() && !table.sole_bootstrap {
        return Ok(0);
    }
    let saved = nodes.len().min(routing_table_file::MAX_NODES);
    tokio::task::spawn_blocking(move || {
        if nodes.is_empty() {
            routing_table_file::forget(&path)
        } else {
            routing_table_file::save(&path, &nodes)
        }
    })
    .await
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?;
    Ok(saved)
}

async fn save_periodically(dht: AsyncDht, table: TableStore, cancel: CancellationToken) {
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(SAVE_INTERVAL) => {}
        }
        // A failed periodic save is retried at the next one and reported by stop.
        let _ = save(&dht, &table).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dht::bootstrap::NO_BOOTSTRAP;
    use crate::peer::source::{PeerBatch, PeerSource};
    use std::path::Path;
    use tokio::sync::mpsc;

    const PATIENCE: Duration = Duration::from_secs(60);

    fn options(bootstrap: &[String], table: Option<&Path>, server_mode: bool) -> DhtOptions {
        DhtOptions {
            listen: "127.0.0.1:0".parse().unwrap(),
            bootstrap: bootstrap.to_vec(),
            routing_table_path: table.map(Path::to_path_buf),
            server_mode,
            shared_socket: None,
        }
    }

    /// The first node of a new network: answers queries, asks nobody.
    async fn first_node() -> DhtNode {
        let none = [NO_BOOTSTRAP.to_string()];
        DhtNode::start(options(&none, None, true)).await.unwrap()
    }

    async fn wait_for_good_node(node: &DhtNode, wanted: SocketAddr) {
        let wanted = match wanted {
            SocketAddr::V4(addr) => addr,
            SocketAddr::V6(_) => panic!("IPv6 DHT address"),
        };
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !node.good_nodes().await.contains(&wanted) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{wanted} never joined"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Malformed datagrams: not bencode, truncated, a bencoded non-message,
    /// a response nobody asked for, and an oversized packet.
    fn send_garbage(to: SocketAddr) {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let oversized = vec![b'x'; 4000];
        let packets: [&[u8]; 5] = [
            b"\xff\x00garbage",
            b"d1:ad2:id20:",
            b"li1ei2ee",
            b"d1:rd2:id20:aaaaaaaaaaaaaaaaaaaae1:t2:zz1:y1:re",
            &oversized,
        ];
        for packet in packets {
            socket.send_to(packet, to).unwrap();
        }
    }

    /// Reads datagrams on `socket` until `quiet` passes without one.
    fn replies(socket: &std::net::UdpSocket, quiet: Duration) -> Vec<Vec<u8>> {
        socket.set_read_timeout(Some(quiet)).unwrap();
        let mut buffer = [0; 65536];
        let mut replies = Vec::new();
        while let Ok(length) = socket.recv(&mut buffer) {
            replies.push(buffer[..length].to_vec());
        }
        replies
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn malformed_packets_get_no_reply_and_a_query_one_bounded_reply_to_its_source() {
        let node = first_node().await;
        let asker = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let bystander = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        asker.connect(node.local_addr()).unwrap();
        asker.send(b"d1:ad2:id20:").unwrap();
        asker.send(b"\xff\xfe not bencode").unwrap();
        assert!(replies(&asker, Duration::from_secs(1)).is_empty());
        // find_node naming the bystander's address in its fields: the answer
        // still goes to the source only.
        let mut query = b"d1:ad2:id20:".to_vec();
        query.extend(b"abcdefghij0123456789");
        query.extend(b"6:target20:");
        query.extend(format!("{:<20}", bystander.local_addr().unwrap()).as_bytes());
        query.extend(b"e1:q9:find_node1:t4:aaaa1:y1:qe");
        asker.send(&query).unwrap();
        let answers = replies(&asker, Duration::from_secs(1));
        assert_eq!(answers.len(), 1, "{answers:?}");
        assert!(answers[0].len() <= 1500, "{} bytes", answers[0].len());
        assert!(answers[0].windows(3).any(|window| window == b"1:r"));
        assert!(replies(&bystander, Duration::from_millis(200)).is_empty());
    }

    /// A `ping` from node id `abcdefghij0123456789` with transaction id `tid`.
    fn ping(tid: &[u8]) -> Vec<u8> {
        let mut query = b"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t".to_vec();
        query.extend(format!("{}:", tid.len()).as_bytes());
        query.extend(tid);
        query.extend(b"1:y1:qe");
        query
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn queries_with_short_transaction_ids_are_answered_with_the_same_id() {
        let node = first_node().await;
        let asker = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        asker.connect(node.local_addr()).unwrap();
        // libtorrent and most of the DHT: 2 bytes; also 1 and 8.
        for tid in [&b"lt"[..], b"\x00\x07", b"x", b"12345678"] {
            asker.send(&ping(tid)).unwrap();
            let answers = replies(&asker, Duration::from_secs(1));
            assert_eq!(answers.len(), 1, "tid {tid:?}: {answers:?}");
            let mut echoed = format!("1:t{}:", tid.len()).into_bytes();
            echoed.extend(tid);
            let answer = &answers[0];
            assert!(
                answer.windows(echoed.len()).any(|window| window == echoed),
                "tid {tid:?} not echoed: {:?}",
                String::from_utf8_lossy(answer)
            );
            assert!(answer.windows(6).any(|window| window == b"1:y1:r"));
        }
    }

    /// `seeder` announces port 5555 for `info_hash`; `leecher`'s lookup must
    /// find 127.0.0.1:5555 and stop when cancelled.
    async fn announce_and_find(seeder: &DhtNode, leecher: &DhtNode, info_hash: [u8; 20]) {
        let cancel = CancellationToken::new();
        let (sink, _unused) = mpsc::unbounded_channel();
        let announce = LookupRequest {
            info_hash,
            announce_port: Some(5555),
        };
        seeder.lookup(announce, sink, cancel.clone());
        let (sink, mut found) = mpsc::unbounded_channel::<PeerBatch>();
        let search = LookupRequest {
            info_hash,
            announce_port: None,
        };
        let task = leecher.lookup(search, sink, cancel.clone());
        let wanted: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        let batch = tokio::time::timeout(PATIENCE, async {
            loop {
                let batch = found.recv().await.expect("the lookup task ended");
                if batch.addrs.contains(&wanted) {
                    return batch;
                }
            }
        })
        .await
        .expect("the announced peer was never found");
        assert_eq!(batch.source, PeerSource::Dht);
        cancel.cancel();
        tokio::time::timeout(PATIENCE, task)
            .await
            .expect("the lookup task did not stop when cancelled")
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_lookup_finds_a_peer_announced_through_another_node() {
        let boot = first_node().await;
        assert!(boot.warnings().is_empty(), "{:?}", boot.warnings());
        send_garbage(boot.local_addr());
        let via_boot = [boot.local_addr().to_string()];
        let seeder = DhtNode::start(options(&via_boot, None, false))
            .await
            .unwrap();
        let leecher = DhtNode::start(options(&via_boot, None, false))
            .await
            .unwrap();
        announce_and_find(&seeder, &leecher, [7; 20]).await;
    }

    /// A DHT of two: the first node announces, and is the only node the
    /// other one knows.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_lookup_finds_a_peer_announced_by_the_only_other_node() {
        let seeder = first_node().await;
        let via_seeder = [seeder.local_addr().to_string()];
        let leecher = DhtNode::start(options(&via_seeder, None, false))
            .await
            .unwrap();
        announce_and_find(&seeder, &leecher, [8; 20]).await;
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_lookup_ends_when_its_sink_closes() {
        let boot = first_node().await;
        let (sink, found) = mpsc::unbounded_channel::<PeerBatch>();
        drop(found);
        let request = LookupRequest {
            info_hash: [9; 20],
            announce_port: None,
        };
        let task = boot.lookup(request, sink, CancellationToken::new());
        tokio::time::timeout(PATIENCE, task)
            .await
            .expect("the lookup task outlived its sink")
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_routing_table_is_saved_on_stop_and_bootstraps_the_next_run() {
        let directory = tempfile::tempdir().unwrap();
        let table = directory.path().join("dht-nodes.json");
        let boot = first_node().await;
        let via_boot = [boot.local_addr().to_string()];
        let first_run = DhtNode::start(options(&via_boot, Some(&table), false))
            .await
            .unwrap();
        wait_for_good_node(&first_run, boot.local_addr()).await;
        assert!(first_run.stop().await.unwrap() >= 1);
        let saved = routing_table_file::load(&table).unwrap();
        assert!(saved.contains(&match boot.local_addr() {
            SocketAddr::V4(addr) => addr,
            SocketAddr::V6(_) => unreachable!(),
        }));
        // The saved table is the only way in, and it works: it is kept.
        let next_run = DhtNode::start(options(&[], Some(&table), false))
            .await
            .unwrap();
        wait_for_good_node(&next_run, boot.local_addr()).await;
        assert!(next_run.stop().await.unwrap() >= 1);
        let kept = routing_table_file::load(&table).unwrap();
        assert!(kept.iter().any(|node| saved.contains(node)), "{kept:?}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_empty_table_does_not_overwrite_a_saved_one() {
        let directory = tempfile::tempdir().unwrap();
        let table = directory.path().join("dht-nodes.json");
        let kept = SocketAddrV4::new([127, 0, 0, 1].into(), 9);
        routing_table_file::save(&table, &[kept]).unwrap();
        let none = [NO_BOOTSTRAP.to_string()];
        let node = DhtNode::start(options(&none, Some(&table), false))
            .await
            .unwrap();
        assert_eq!(node.stop().await.unwrap(), 0);
        assert_eq!(routing_table_file::load(&table).unwrap(), [kept]);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_saved_table_of_dead_nodes_is_forgotten_when_it_was_the_only_way_in() {
        let directory = tempfile::tempdir().unwrap();
        let table = directory.path().join("dht-nodes.json");
        let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let SocketAddr::V4(dead_addr) = dead.local_addr().unwrap() else {
            unreachable!("bound to 127.0.0.1")
        };
        drop(dead);
        routing_table_file::save(&table, &[dead_addr]).unwrap();
        let node = DhtNode::start(options(&[], Some(&table), false))
            .await
            .unwrap();
        assert!(node.warnings().is_empty(), "{:?}", node.warnings());
        // Longer than the crate's 2 s request timeout: the bootstrap failed.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(node.good_nodes().await.is_empty());
        assert_eq!(node.stop().await.unwrap(), 0);
        assert!(!table.exists(), "the dead table was kept");
    }

    #[tokio::test]
    async fn ipv6_and_taken_addresses_are_clear_errors() {
        let ipv6 = DhtOptions {
            listen: "[::1]:0".parse().unwrap(),
            ..options(&[], None, false)
        };
        let error = DhtNode::start(ipv6).await.unwrap_err();
        assert!(matches!(error, DhtError::Ipv6Listen { .. }), "{error}");
        let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let busy = DhtOptions {
            listen: taken.local_addr().unwrap(),
            bootstrap: vec![NO_BOOTSTRAP.to_string()],
            ..options(&[], None, false)
        };
        let error = DhtNode::start(busy).await.unwrap_err();
        assert!(matches!(error, DhtError::Bind { .. }), "{error}");
        assert!(error.to_string().contains("could not listen"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_taken_port_is_an_error_every_time_never_a_panic() {
        // The crate's actor thread used to race its start-up check and
        // panic ("actor thread unexpectedly shutdown") now and then.
        let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..200 {
            let busy = DhtOptions {
                listen: taken.local_addr().unwrap(),
                bootstrap: vec![NO_BOOTSTRAP.to_string()],
                ..options(&[], None, false)
            };
            let started = tokio::spawn(DhtNode::start(busy)).await;
            let error = started.expect("no panic").unwrap_err();
            assert!(matches!(error, DhtError::Bind { .. }), "{error}");
        }
    }
}
