//! The ledger node under abuse: a real `btt-wallet node` process on
//! 127.0.0.1 beside 300 connections that send a request head with
//! `Content-Length: 60000` and then one body byte a second, and 1,000 that
//! send nothing or half a request head; the node's 256 places are taken many
//! times over. All are open before the first normal request; every slow
//! body the node closes is opened again at the next sweep (a second), and
//! so are up to 100 of the idle connections it closed. A
//! well-behaved client's 200 requests, half on fresh connections and half on
//! one kept alive, must all be answered, with p99 under [`NOT_HELD_UP`] (a
//! node that let the slow bodies keep their places made them wait 12-15 s).
//! The bound only tells held up from not; how fast the node answers under
//! this abuse is measured by `bench/ledger`, not here.
//!
//! The abuse costs the node almost no work (a byte a second, a reopen at
//! most once a second per connection), so what the bound tests is places,
//! not CPU speed: a node that let a slow body keep its place would make a
//! normal request wait seconds for one.

use crate::support;

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
/// Under this, a request was not held up behind a slow body: one that waits
/// for a place waits for a body timeout (5 s) or more, on any machine.
const NOT_HELD_UP: Duration = Duration::from_secs(2);
/// The time between two normal requests: 200 span 10 s.
const PACE: Duration = Duration::from_millis(50);
/// How long the abuser waits for each connection at the start, and when
/// it reopens one (a reopen that times out is tried at the next sweep).
const FIRST_CONNECT: Duration = Duration::from_secs(2);
const RECONNECT: Duration = Duration::from_millis(100);
/// How many closed idle connections the abuser reopens a sweep: a steady
/// stream of newcomers, without the bursts that would make this a test of
/// the machine's accept rate.
const IDLE_REOPENS: usize = 100;
/// How often the abuser trickles a byte and reopens what was closed.
const SWEEP: Duration = Duration::from_secs(1);
/// A sweep is spread over this many even steps, each over every tenth
/// connection, so that the abuse is steady rather than a burst a second.
const SLICES: usize = 10;

const SLOW_HEAD: &[u8] = b"POST /btt/balance HTTP/1.1\r\nHost: x\r\n\
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
    thread: Option<JoinHandle<()>>,
}

impl Abuser {
    /// Opens every abusive connection (the slow bodies last), then keeps
    /// them up from a thread.
    fn start(addr: SocketAddr) -> Abuser {
        let held: Vec<Held> = (0..IDLE)
            .map(|index| match index % 2 {
                0 => Abuse::Silent,
                _ => Abuse::HalfHead,
            })
            .chain((0..SLOW_BODIES).map(|_| Abuse::SlowBody))
            .map(|abuse| Held {
                abuse,
                stream: Some(open(addr, abuse, FIRST_CONNECT).expect("an abusive connection")),
            })
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let sweeps = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (stop, sweeps) = (stop.clone(), sweeps.clone());
            std::thread::spawn(move || abuse(addr, held, &stop, &sweeps))
        };
        Abuser {
            stop,
            sweeps,
            thread: Some(thread),
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

/// Every `SWEEP`, spread over `SLICES` steps: sends each slow body its next
/// byte and reopens each slow body and up to `IDLE_REOPENS` idle connections
/// the node closed, until `stop`.
fn abuse(addr: SocketAddr, mut held: Vec<Held>, stop: &AtomicBool, sweeps: &AtomicUsize) {
    let slice = SWEEP / SLICES as u32;
    for tick in 0.. {
        let started = Instant::now();
        while started.elapsed() < slice {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut idle_reopens = 0;
        let in_slice = held.iter_mut().skip(tick % SLICES).step_by(SLICES);
        for connection in in_slice {
            let slow = connection.abuse == Abuse::SlowBody;
            if connection.stream.as_mut().is_none_or(closed) {
                if slow || idle_reopens < IDLE_REOPENS / SLICES {
                    idle_reopens += usize::from(!slow);
                    connection.stream = open(addr, connection.abuse, RECONNECT);
                }
            } else if slow {
                let stream = connection.stream.as_mut().expect("open");
                let _ = stream.write(b" ");
            }
        }
        if tick % SLICES == SLICES - 1 {
            sweeps.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A new connection sending what `abuse` sends first; `None` if the node
/// did not take it within `timeout`.
fn open(addr: SocketAddr, abuse: Abuse, timeout: Duration) -> Option<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).ok()?;
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

/// The time each of `REQUESTS` requests took, and the errors of those that
/// failed. One starts every `PACE` (so they span two body timeouts, while
/// the abuser reopens what the node closes), each timed on its own from the
/// moment it is sent: alternately a client made beforehand asking the
/// ledger id on a new connection, and a kept-alive one asking a balance.
fn normal_requests(url: &str) -> (Vec<Duration>, Vec<String>) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let kept = NodeClient::new(url).expect("client");
    let nobody = Address::from_public_key(
        k256::ecdsa::SigningKey::from_slice(&[7; 32])
            .expect("a key")
            .verifying_key(),
    );
    let start = tokio::time::Instant::now();
    let requests: Vec<_> = (0..REQUESTS)
        .map(|index| {
            let (url, kept) = (url.to_string(), kept.clone());
            let at = start + PACE * u32::try_from(index).expect("few requests");
            runtime.spawn(async move {
                let fresh = NodeClient::new(&url).expect("client");
                tokio::time::sleep_until(at).await;
                let started = Instant::now();
                let answer = if index % 2 == 0 {
                    Ledger::ledger_id(&fresh).await.map(drop)
                } else {
                    Ledger::balance(&kept, nobody, btt::amount::Token::Btt)
                        .await
                        .map(drop)
                };
                answer
                    .map(|()| started.elapsed())
                    .map_err(|error| error.to_string())
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    for request in requests {
        match runtime.block_on(request).expect("the request task") {
            Ok(latency) => latencies.push(latency),
            Err(error) => errors.push(error),
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
    assert!(p99 < NOT_HELD_UP, "p99 {p99:?}");
    node.child.terminate();
}
