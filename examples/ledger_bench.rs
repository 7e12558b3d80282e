//! Benchmark of the embedded ledger: durable transfers per second, each
//! a signed TRON transaction the ledger admits (`txID` recomputed, the
//! signer recovered from the 65-byte signature and compared with the
//! owner). Signing happens in setup; the timed loop verifies, applies and
//! commits (WAL, `synchronous=FULL`: every
//! acknowledged transfer is on disk).
//!
//! Two reference rows frame the ledger's: signature recovery alone (the
//! CPU cost) and raw SQLite commits with the same durability settings (the
//! fsync floor a one-commit-per-transfer writer cannot beat). Commit times
//! follow the disk: on a busy machine fsync slows tenfold, and group
//! commit is what keeps the rate up.
//!
//! The last rows go through the ledger node: a node serving a fresh
//! ledger on 127.0.0.1 and concurrent HTTP clients broadcasting signed
//! transactions (clients and node share this machine's cores), with the
//! latency of each broadcast (p50, p99). In the last two rows [`IDLE`] more
//! connections are held open beside the clients, every other one with half
//! a request head sent, and each is opened again as soon as the node closes
//! it; in the very last, [`SLOW_BODIES`] more send a request head with
//! `Content-Length: 60000` and then a body byte a second, reopened as soon
//! as they are closed. The targets: no broadcast fails, and p99 stays under
//! 100 ms. The idle connections here are reopened in a tight loop in this
//! same process (some 100,000 a second), so these rows also measure a
//! machine saturated by a connection flood; `tests/node_abuse.rs` asserts
//! the targets against a real node under a steady abuse of the same size.
//!
//! Run with `bench/ledger` (a release build). Prints a Markdown table.
//! `--transfers N` sets the transfers per run (default 4000, at most
//! [`MAX_TRANSFERS`]: every transfer names the ledger's head block at signing,
//! and TaPoS accepts only the latest 65,536 blocks).

use btt::amount::{Amount, Token};
use btt::ledger::local::Store;
use btt::ledger::node::client::NodeClient;
use btt::ledger::node::{serve, NodeConfig};
use btt::ledger::{admit, tapos, Clock, Ledger, LedgerError, LocalLedger, OpenOptions, Transfer};
use btt::tron::transaction::UnsignedTransaction;
use btt::tron::{Address, BlockReference, SignedTransaction, TransactionParams, TransferCall};
use btt::wallet::PrivateKey;
use k256::ecdsa::SigningKey;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The most transfers one run signs against one head block.
const MAX_TRANSFERS: u64 = 60_000;

/// Idle connections held open during the last node rows.
const IDLE: usize = 1_000;

/// Connections trickling a request body during the last node row.
const SLOW_BODIES: usize = 300;

/// What a slow body sends before its trickle: a head promising 60,000 bytes.
const SLOW_HEAD: &[u8] = b"POST /btt/balance HTTP/1.1\r\nHost: x\r\n\
Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{";

/// One row of the table.
struct Row {
    mode: &'static str,
    writers: String,
    transfers: u64,
    elapsed: Duration,
    /// The p50 and p99 of one transfer, where each is timed.
    latency: Option<(Duration, Duration)>,
}

/// What a run through the node measured.
struct NodeRun {
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Broadcasts that got no answer (the transfer is not retried).
    failed: usize,
    /// How often the idle connections were closed by the node and reopened.
    reopened: usize,
}

fn key(seed: u64) -> SigningKey {
    let digest: [u8; 32] = Sha256::digest(seed.to_be_bytes()).into();
    SigningKey::from_slice(&digest).expect("a SHA-256 output is a valid scalar here")
}

fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

/// `count` TRON transactions moving 1 base unit from the key of `sender`,
/// naming `reference`, signed.
fn signed_transfers(reference: BlockReference, sender: u64, count: u64) -> Vec<SignedTransaction> {
    let owner = PrivateKey::from_signing_key(key(sender));
    let to = Address::from_public_key(self::key(sender + 1_000_000).verifying_key());
    let now = now_ms();
    (0..count)
        .map(|index| {
            let call = TransferCall {
                owner: owner.address(),
                to,
                amount: Amount {
                    token: Token::Btt,
                    base_units: 1,
                },
            };
            let params = TransactionParams {
                reference,
                timestamp: now,
                expiration: now + 3_600_000,
                memo: format!("bench {index}").into_bytes(),
                fee_limit: 0,
            };
            UnsignedTransaction::new(call, &params)
                .expect("a valid transfer")
                .sign(&owner)
        })
        .collect()
}

/// The head block of the ledger at `path`, which transfers signed now name.
fn head_block(path: &Path) -> Result<BlockReference, String> {
    let store = Store::open(path, dev_options()).map_err(|e| e.to_string())?;
    let head = store.head().map_err(|e| e.to_string())?;
    Ok(tapos::block_reference(&store.ledger_id(), head))
}

/// The verification every applied transfer pays for.
fn verified(signed: &SignedTransaction) -> Result<Transfer, String> {
    admit(signed, now_ms()).map_err(|e| e.to_string())
}

fn dev_options() -> OpenOptions {
    OpenOptions {
        dev: true,
        clock: Clock::system(),
    }
}

fn fund(path: &Path, sender: u64, units: u128) -> Result<(), LedgerError> {
    let mut store = Store::open(path, dev_options())?;
    let from = Address::from_public_key(key(sender).verifying_key());
    store.mint(
        &from,
        &Amount {
            token: Token::Btt,
            base_units: units,
        },
    )?;
    Ok(())
}

/// Recover and apply one at a time on one connection; returns (start, end) in unix ns.
fn sequential(path: &Path, transfers: &[SignedTransaction]) -> Result<(u128, u128), String> {
    let mut store = Store::open(path, dev_options()).map_err(|e| e.to_string())?;
    let start = unix_ns();
    for signed in transfers {
        store
            .apply_transfer(&verified(signed)?)
            .map_err(|e| e.to_string())?;
    }
    Ok((start, unix_ns()))
}

/// Recover on a thread pool and apply through [`LocalLedger`] with `tasks` in flight.
fn grouped(
    path: &Path,
    transfers: Vec<SignedTransaction>,
    tasks: usize,
) -> Result<(u128, u128), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let ledger = LocalLedger::open(path, dev_options()).map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let chunk = transfers.len().div_ceil(tasks.max(1)).max(1);
        let mut batches: Vec<Vec<SignedTransaction>> = Vec::new();
        let mut rest = transfers;
        while !rest.is_empty() {
            let tail = rest.split_off(chunk.min(rest.len()));
            batches.push(std::mem::replace(&mut rest, tail));
        }
        let start = unix_ns();
        let handles: Vec<_> = batches
            .into_iter()
            .map(|batch| {
                let ledger = ledger.clone();
                tokio::spawn(async move {
                    for signed in batch {
                        ledger.transfer(signed).await.map_err(|e| e.to_string())?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        for handle in handles {
            handle.await.map_err(|e| e.to_string())??;
        }
        Ok((start, unix_ns()))
    })
}

/// Connections held beside the clients of a node row.
#[derive(Debug, Clone, Copy)]
struct Abuse {
    /// Idle connections, every other one with half a request head.
    idle: usize,
    /// Connections trickling a request body.
    slow: usize,
}

/// Serves a fresh ledger with the node (in this process, on 127.0.0.1) and
/// broadcasts every transfer through its HTTP API from `clients` concurrent
/// clients, each waiting for its answer before sending the next, while
/// the `abuse` connections are held open.
fn through_node(
    path: &Path,
    transfers: Vec<SignedTransaction>,
    clients: usize,
    abuse: Abuse,
) -> Result<NodeRun, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let ledger = LocalLedger::open(path, dev_options()).map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let config = NodeConfig {
            listen: addr,
            ..NodeConfig::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            serve(listener, ledger, &config, async {
                let _ = stopped.await;
            })
            .await
        });
        let holders = hold_idle(addr, abuse.idle).await?;
        let tricklers = hold_slow(addr, abuse.slow).await?;
        let client = NodeClient::new(&format!("http://{addr}")).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let (latencies, failed) = broadcast_all(&client, transfers, clients).await?;
        let elapsed = start.elapsed();
        let reopened = holders.stop().await + tricklers.stop().await;
        let _ = stop.send(());
        server
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        Ok(NodeRun {
            elapsed,
            latencies,
            failed,
            reopened,
        })
    })
}

/// Broadcasts `transfers` from `clients` tasks: the time each answered one
/// took, and how many got no answer (the first error goes to stderr).
async fn broadcast_all(
    client: &NodeClient,
    transfers: Vec<SignedTransaction>,
    clients: usize,
) -> Result<(Vec<Duration>, usize), String> {
    let chunk = transfers.len().div_ceil(clients.max(1)).max(1);
    let handles: Vec<_> = transfers
        .chunks(chunk)
        .map(|batch| {
            let client = client.clone();
            let batch = batch.to_vec();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(batch.len());
                let mut errors = Vec::new();
                for signed in &batch {
                    let sent = Instant::now();
                    match client.broadcast(signed).await {
                        Ok(_) => latencies.push(sent.elapsed()),
                        Err(error) => errors.push(error.to_string()),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(transfers.len());
    let mut errors = Vec::new();
    for handle in handles {
        let (answered, failed) = handle.await.map_err(|e| e.to_string())?;
        latencies.extend(answered);
        errors.extend(failed);
    }
    if let Some(first) = errors.first() {
        let _ = writeln!(
            std::io::stderr(),
            "ledger_bench: a broadcast failed: {first}"
        );
    }
    Ok((latencies, errors.len()))
}

/// Connections held open against the node, each reopened when closed.
struct IdleHolders {
    tasks: tokio::task::JoinSet<()>,
    reopened: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// Opens `count` connections to `addr`, every other one with half a request
/// head sent, and keeps each open (reopening it when the node closes it).
async fn hold_idle(addr: std::net::SocketAddr, count: usize) -> Result<IdleHolders, String> {
    let reopened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..count {
        let first = connect_idle(addr, index).await.map_err(|e| e.to_string())?;
        let reopened = std::sync::Arc::clone(&reopened);
        tasks.spawn(async move {
            let mut stream = Some(first);
            loop {
                if let Some(mut open) = stream.take() {
                    let mut byte = [0; 1];
                    let _ = tokio::io::AsyncReadExt::read(&mut open, &mut byte).await;
                    reopened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                match connect_idle(addr, index).await {
                    Ok(next) => stream = Some(next),
                    Err(error) => {
                        let _ = writeln!(std::io::stderr(), "ledger_bench: idle connect: {error}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
    }
    Ok(IdleHolders { tasks, reopened })
}

/// Opens `count` connections to `addr` that send a request head promising
/// 60,000 body bytes and then one byte a second, each reopened as soon as
/// the node closes it.
async fn hold_slow(addr: std::net::SocketAddr, count: usize) -> Result<IdleHolders, String> {
    let reopened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let first = connect_slow(addr).await.map_err(|e| e.to_string())?;
        let reopened = std::sync::Arc::clone(&reopened);
        tasks.spawn(async move {
            let mut stream = first;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if tokio::io::AsyncWriteExt::write_all(&mut stream, b" ")
                    .await
                    .is_ok()
                {
                    continue;
                }
                match connect_slow(addr).await {
                    Ok(next) => {
                        stream = next;
                        reopened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(error) => {
                        let _ = writeln!(std::io::stderr(), "ledger_bench: slow connect: {error}");
                    }
                }
            }
        });
    }
    Ok(IdleHolders { tasks, reopened })
}

async fn connect_slow(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    tokio::io::AsyncWriteExt::write_all(&mut stream, SLOW_HEAD).await?;
    Ok(stream)
}

async fn connect_idle(
    addr: std::net::SocketAddr,
    index: usize,
) -> std::io::Result<tokio::net::TcpStream> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    if index % 2 == 1 {
        let half = b"POST /wallet/getnowblock HTTP/1.1\r\nHost: x\r\n";
        tokio::io::AsyncWriteExt::write_all(&mut stream, half).await?;
    }
    Ok(stream)
}

impl IdleHolders {
    /// Closes every held connection; how many times they were reopened.
    async fn stop(mut self) -> usize {
        self.tasks.shutdown().await;
        self.reopened.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// The p50 and p99 of `latencies`.
fn percentiles(mut latencies: Vec<Duration>) -> Option<(Duration, Duration)> {
    latencies.sort_unstable();
    let at = |fraction: f64| {
        let index = ((latencies.len() as f64 * fraction).ceil() as usize).saturating_sub(1);
        latencies.get(index).copied()
    };
    Some((at(0.50)?, at(0.99)?))
}

fn unix_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// Runs one writer in this process, as a child of the 2-process rows.
fn child(args: &[String]) -> Result<(), String> {
    let [mode, path, sender, count, tasks] = args else {
        return Err("child needs: MODE PATH SENDER COUNT TASKS".to_string());
    };
    let parse = |text: &str| text.parse::<u64>().map_err(|e| e.to_string());
    let path = PathBuf::from(path);
    let transfers = signed_transfers(head_block(&path)?, parse(sender)?, parse(count)?);
    let (start, end) = match mode.as_str() {
        "sequential" => sequential(&path, &transfers)?,
        _ => grouped(&path, transfers, parse(tasks)? as usize)?,
    };
    writeln!(std::io::stdout(), "{start} {end}").map_err(|e| e.to_string())
}

/// Runs two children at once on one ledger file; the rate counts from the
/// first start to the last end.
fn two_processes(path: &Path, mode: &str, count: u64, tasks: usize) -> Result<Duration, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let children: Vec<_> = [1u64, 2]
        .iter()
        .map(|sender| {
            Command::new(&exe)
                .args(["--child", mode, &path.display().to_string()])
                .args([sender.to_string(), count.to_string(), tasks.to_string()])
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut spans = Vec::new();
    for child in children {
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(format!("child failed: {}", output.status));
        }
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let numbers: Vec<u128> = text
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let [start, end] = numbers[..] else {
            return Err(format!("child printed {text:?}"));
        };
        spans.push((start, end));
    }
    let start = spans.iter().map(|span| span.0).min().unwrap_or(0);
    let end = spans.iter().map(|span| span.1).max().unwrap_or(0);
    Ok(Duration::from_nanos(
        u64::try_from(end.saturating_sub(start)).unwrap_or(u64::MAX),
    ))
}

fn span((start, end): (u128, u128)) -> Duration {
    Duration::from_nanos(u64::try_from(end.saturating_sub(start)).unwrap_or(u64::MAX))
}

/// The floor any durable ledger here pays: one tiny insert per
/// `BEGIN IMMEDIATE` commit, WAL and `synchronous=FULL`, no ledger logic.
fn raw_sqlite_commits(path: &Path, count: u64) -> Result<Duration, String> {
    let text = |error: rusqlite::Error| error.to_string();
    let mut connection = rusqlite::Connection::open(path).map_err(text)?;
    connection
        .query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(text)?;
    connection
        .execute_batch("PRAGMA synchronous = FULL; CREATE TABLE t (n INTEGER)")
        .map_err(text)?;
    let start = Instant::now();
    for n in 0..count {
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(text)?;
        transaction
            .execute(
                "INSERT INTO t (n) VALUES (?1)",
                [i64::try_from(n).unwrap_or(i64::MAX)],
            )
            .map_err(text)?;
        transaction.commit().map_err(text)?;
    }
    Ok(start.elapsed())
}

fn fresh_ledger(dir: &Path, name: &str, senders: &[u64], count: u64) -> Result<PathBuf, String> {
    let path = dir.join(format!("{name}.sqlite"));
    for sender in senders {
        fund(&path, *sender, u128::from(count)).map_err(|e| e.to_string())?;
    }
    Ok(path)
}

fn run(count: u64) -> Result<Vec<Row>, String> {
    if count > MAX_TRANSFERS {
        return Err(format!("--transfers is at most {MAX_TRANSFERS}"));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = dir.path();
    let mut rows = Vec::new();

    let unledgered = BlockReference::from_block_id(&[0; 32]);
    let transfers = signed_transfers(unledgered, 1, count);
    let start = Instant::now();
    for signed in &transfers {
        verified(signed)?;
    }
    rows.push(Row {
        mode: "signature verification only (no ledger)",
        writers: "1 thread".into(),
        transfers: count,
        elapsed: start.elapsed(),
        latency: None,
    });

    let elapsed = raw_sqlite_commits(&dir.join("raw.sqlite"), count)?;
    rows.push(Row {
        mode: "peer baseline: raw SQLite, one insert per commit",
        writers: "1 thread".into(),
        transfers: count,
        elapsed,
        latency: None,
    });

    let path = fresh_ledger(dir, "sequential", &[1], count)?;
    let transfers = signed_transfers(head_block(&path)?, 1, count);
    let elapsed = span(sequential(&path, &transfers)?);
    rows.push(Row {
        mode: "embedded, one commit per transfer",
        writers: "1 thread".into(),
        transfers: count,
        elapsed,
        latency: None,
    });

    let path = fresh_ledger(dir, "threads", &[1, 2], count / 2)?;
    let head = head_block(&path)?;
    let halves = [
        signed_transfers(head, 1, count / 2),
        signed_transfers(head, 2, count / 2),
    ];
    let start = Instant::now();
    std::thread::scope(|scope| {
        let handles: Vec<_> = halves
            .iter()
            .map(|half| scope.spawn(|| sequential(&path, half)))
            .collect();
        handles.into_iter().try_for_each(|handle| {
            handle
                .join()
                .map_err(|_| "thread panicked".to_string())?
                .map(drop)
        })
    })?;
    rows.push(Row {
        mode: "embedded, one commit per transfer",
        writers: "2 threads, own connections".into(),
        transfers: count / 2 * 2,
        elapsed: start.elapsed(),
        latency: None,
    });

    let path = fresh_ledger(dir, "processes", &[1, 2], count / 2)?;
    let elapsed = two_processes(&path, "sequential", count / 2, 1)?;
    rows.push(Row {
        mode: "embedded, one commit per transfer",
        writers: "2 processes".into(),
        transfers: count / 2 * 2,
        elapsed,
        latency: None,
    });

    let path = fresh_ledger(dir, "grouped", &[1], count)?;
    let transfers = signed_transfers(head_block(&path)?, 1, count);
    let elapsed = span(grouped(&path, transfers, 64)?);
    rows.push(Row {
        mode: "LocalLedger, group commit",
        writers: "1 process, 64 tasks".into(),
        transfers: count,
        elapsed,
        latency: None,
    });

    let path = fresh_ledger(dir, "grouped_processes", &[1, 2], count / 2)?;
    let elapsed = two_processes(&path, "grouped", count / 2, 32)?;
    rows.push(Row {
        mode: "LocalLedger, group commit",
        writers: "2 processes × 32 tasks".into(),
        transfers: count / 2 * 2,
        elapsed,
        latency: None,
    });

    let quiet = Abuse { idle: 0, slow: 0 };
    let idle = Abuse {
        idle: IDLE,
        slow: 0,
    };
    let slow = Abuse {
        idle: IDLE,
        slow: SLOW_BODIES,
    };
    for (clients, abuse) in [(32, quiet), (64, quiet), (64, idle), (64, slow)] {
        let name = format!("node{clients}_{}_{}", abuse.idle, abuse.slow);
        let path = fresh_ledger(dir, &name, &[1], count)?;
        let transfers = signed_transfers(head_block(&path)?, 1, count);
        let run = through_node(&path, transfers, clients, abuse)?;
        let mut writers = match (abuse.idle, abuse.slow) {
            (0, 0) => format!("{clients} concurrent clients, same host"),
            (idle, 0) => format!(
                "{clients} clients + {idle} idle connections (reopened {} times)",
                run.reopened
            ),
            (idle, slow) => format!(
                "{clients} clients + {idle} idle + {slow} slow-body connections \
                 (reopened {} times)",
                run.reopened
            ),
        };
        if run.failed > 0 {
            writers.push_str(&format!(", {} broadcasts FAILED", run.failed));
        }
        rows.push(Row {
            mode: "node HTTP API (/wallet/broadcasttransaction)",
            writers,
            transfers: count,
            elapsed: run.elapsed,
            latency: percentiles(run.latencies),
        });
    }
    Ok(rows)
}

fn print_table(rows: &[Row]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "| mode | writers | transfers | seconds | transfers/s | p50 ms | p99 ms |"
    )?;
    writeln!(out, "|---|---|---:|---:|---:|---:|---:|")?;
    for row in rows {
        let seconds = row.elapsed.as_secs_f64();
        let rate = row.transfers as f64 / seconds.max(f64::EPSILON);
        let (p50, p99) = match row.latency {
            Some((p50, p99)) => (milliseconds(p50), milliseconds(p99)),
            None => ("-".to_string(), "-".to_string()),
        };
        writeln!(
            out,
            "| {} | {} | {} | {seconds:.2} | {rate:.0} | {p50} | {p99} |",
            row.mode, row.writers, row.transfers
        )?;
    }
    Ok(())
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1_000.0)
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        Some("--transfers") => args
            .get(1)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| "--transfers needs a number".to_string())
            .and_then(run)
            .and_then(|rows| print_table(&rows).map_err(|e| e.to_string())),
        None => run(4_000).and_then(|rows| print_table(&rows).map_err(|e| e.to_string())),
        Some(other) => Err(format!("unknown argument {other:?} (use --transfers N)")),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "ledger_bench: error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
