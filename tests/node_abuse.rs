//! The ledger node under abuse: a real `btt-wallet node` process on
//! 127.0.0.1 beside 300 connections that send a request head with
//! `Content-Length: 60000` and then one body byte a second, and 1,000 that
//! send nothing or half a request head; the node's 256 places are taken many
//! times over. Every connection the node closes is opened again at the next
//! sweep. A well-behaved client's 200 requests, half on fresh connections
//! and half on one kept alive, must all be answered, with p99 under 100 ms.
//!
//! The abuse costs the node almost no work (a byte a second, a reopen at
//! most once a second per connection), so what the bound tests is places,
//! not CPU speed: a node that let a slow body keep its place would make a
//! normal request wait seconds for one.

mod support;

use btt::ledger::node::client::NodeClient;
use btt::ledger::Ledger;
use btt::tron::Address;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use support::{BttWalletNode, TestEnv};

/// Connections that trickle a request body.
const SLOW_BODIES: usize = 300;
/// Connections that send nothing, or half a request head.
const IDLE: usize = 1_000;
/// The well-behaved client's requests.
const REQUESTS: usize = 200;
/// How often the abuser trickles a byte and reopens what was closed.
const SWEEP: Duration = Duration::from_secs(1);

const SLOW_HEAD: &[u8] = b"POST /wallet/getnowblock HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{";
const HALF_HEAD: &[u8] = b"POST /wallet/getnowblock HTTP/1.1\r\nHost: x\r\n";

/// What one abusive connection sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Abuse {
    Silent,
    HalfHead,
    SlowBody,
}

/// One abusive connection, reopened when the node closes it.
struct Held {
    abuse: Abuse,
    stream: Option<TcpStream>,
}

/// The abusive connections, kept up by a thread until dropped.
struct Abuser {
    stop: Arc<AtomicBool>,
    sweeps: Arc<AtomicUsize>,
    opened: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl Abuser {
    fn start(addr: SocketAddr) -> Abuser {
        let stop = Arc::new(AtomicBool::new(false));
        let sweeps = Arc::new(AtomicUsize::new(0));
        let opened = Arc::new(AtomicUsize::new(0));
        let held: Vec<Held> = (0..IDLE)
            .map(|index| match index % 2 {
                0 => Abuse::Silent,
                _ => Abuse::HalfHead,
            })
            .chain((0..SLOW_BODIES).map(|_| Abuse::SlowBody))
            .map(|abuse| Held {
                abuse,
                stream: None,
            })
            .collect();
        let thread = {
            let (stop, sweeps, opened) = (stop.clone(), sweeps.clone(), opened.clone());
            std::thread::spawn(move || abuse(addr, held, &stop, &sweeps, &opened))
        };
        Abuser {
            stop,
            sweeps,
            opened,
            thread: Some(thread),
        }
    }

    /// Waits (bounded) until `count` sweeps over every connection are done.
    fn wait_sweeps(&self, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.sweeps.load(Ordering::SeqCst) < count {
            assert!(Instant::now() < deadline, "the abuser is stuck");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Abuser {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Every `SWEEP`: reopens each connection the node closed and sends each
/// slow body its next byte, until `stop`.
fn abuse(
    addr: SocketAddr,
    mut held: Vec<Held>,
    stop: &AtomicBool,
    sweeps: &AtomicUsize,
    opened: &AtomicUsize,
) {
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        for connection in &mut held {
            if connection.stream.as_mut().is_none_or(closed) {
                connection.stream = open(addr, connection.abuse);
                opened.fetch_add(usize::from(connection.stream.is_some()), Ordering::SeqCst);
            } else if connection.abuse == Abuse::SlowBody {
                let stream = connection.stream.as_mut().expect("open");
                let _ = stream.write(b" ");
            }
        }
        sweeps.fetch_add(1, Ordering::SeqCst);
        while started.elapsed() < SWEEP && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A new connection sending what `abuse` sends first; `None` if the node
/// did not take it in time.
fn open(addr: SocketAddr, abuse: Abuse) -> Option<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
    let first: &[u8] = match abuse {
        Abuse::Silent => b"",
        Abuse::HalfHead => HALF_HEAD,
        Abuse::SlowBody => SLOW_HEAD,
    };
    stream.write_all(first).ok()?;
    stream.set_nonblocking(true).ok()?;
    Some(stream)
}

/// Whether the node closed (or answered and is closing) `stream`.
fn closed(stream: &mut TcpStream) -> bool {
    let mut byte = [0; 1];
    !matches!(stream.read(&mut byte), Err(error) if error.kind() == ErrorKind::WouldBlock)
}

/// Raises this process's descriptor limit (the node inherits it) to hold
/// both ends of every connection.
fn raise_descriptor_limit() {
    const NEEDED: libc::rlim_t = 8_192;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `limit`.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        if limit.rlim_cur < NEEDED {
            assert!(
                limit.rlim_max >= NEEDED,
                "this test needs {NEEDED} descriptors; the hard limit is {}",
                limit.rlim_max
            );
            limit.rlim_cur = NEEDED;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
}

/// The time each of `REQUESTS` requests took (alternately a fresh client
/// asking the ledger id, and a kept-alive one asking a balance), and the
/// errors of those that failed.
fn normal_requests(url: &str) -> (Vec<Duration>, Vec<String>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let kept = NodeClient::new(url).expect("client");
    let nobody = Address::from_public_key(
        k256::ecdsa::SigningKey::from_slice(&[7; 32])
            .expect("a key")
            .verifying_key(),
    );
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    for index in 0..REQUESTS {
        let started = Instant::now();
        let answer = runtime.block_on(async {
            if index % 2 == 0 {
                let fresh = NodeClient::new(url)?;
                Ledger::ledger_id(&fresh).await.map(drop)
            } else {
                Ledger::balance(&kept, nobody, btt::amount::Token::Btt)
                    .await
                    .map(drop)
            }
        });
        match answer {
            Ok(()) => latencies.push(started.elapsed()),
            Err(error) => errors.push(error.to_string()),
        }
    }
    (latencies, errors)
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)]
}

#[test]
fn slow_bodies_and_idle_connections_do_not_delay_or_fail_normal_requests() {
    raise_descriptor_limit();
    let env = TestEnv::new();
    let mut node = BttWalletNode::start_dev(&env);
    let addr: SocketAddr = node
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("an address");
    let abuser = Abuser::start(addr);
    abuser.wait_sweeps(2);
    assert!(abuser.opened.load(Ordering::SeqCst) >= IDLE + SLOW_BODIES);

    let (mut latencies, errors) = normal_requests(&node.url);
    let sweeps = abuser.sweeps.load(Ordering::SeqCst);
    drop(abuser);
    assert!(errors.is_empty(), "{} failed: {errors:?}", errors.len());
    latencies.sort_unstable();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    let _ = writeln!(
        std::io::stderr(),
        "{REQUESTS} requests beside {SLOW_BODIES} slow bodies and {IDLE} idle connections \
         ({sweeps} sweeps): p50 {p50:?}, p99 {p99:?}, max {:?}",
        latencies[latencies.len() - 1]
    );
    assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");
    node.child.terminate();
}
