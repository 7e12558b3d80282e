//! btt's own binaries under the command-line contract the interop tests
//! use: `btt-seed tracker`, `btt-seed create`, `btt-seed run`, `btt-get`
//! and `btt-wallet node`.
//! Each long-running one prints `{"type":"listening","addr":...}` first, so
//! it picks its own port (`127.0.0.1:0`) and there is no port race.

use super::{Child, Seeder, TestEnv};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a btt process may take to print its `listening` record.
const START: Duration = Duration::from_secs(20);

/// A running `btt-seed tracker`.
#[derive(Debug)]
pub struct BttTracker {
    /// The tracker process, stopped by PID when this is dropped.
    _child: Child,
    /// `http://127.0.0.1:PORT/announce`.
    pub announce: String,
    /// The address its HTTP and UDP sides listen on.
    pub addr: std::net::SocketAddr,
}

impl BttTracker {
    /// Starts the embedded tracker on a port it picks, with a 5 s announce
    /// interval so a seeder learns of leechers that arrive after it (the
    /// Transmission tests need this: Transmission never dials 127.x peers).
    pub fn start(env: &TestEnv) -> BttTracker {
        Self::start_on(env, "127.0.0.1:0")
    }

    /// [`BttTracker::start`] on `listen` (`[::1]:0`).
    pub fn start_on(env: &TestEnv, listen: &str) -> BttTracker {
        Self::start_with(env, listen, "5s")
    }

    /// A tracker on `listen` whose announce interval is `interval` (`30m`,
    /// as a real one: a peer that finds nobody waits that long unless it
    /// announces sooner of its own accord).
    pub fn start_with(env: &TestEnv, listen: &str, interval: &str) -> BttTracker {
        let mut command = env.btt("btt-seed");
        command.args(["tracker", "--listen", listen, "--interval", interval]);
        let mut child = env.spawn("btt-seed tracker", command);
        let addr = listening_addr(&mut child);
        BttTracker {
            _child: child,
            announce: format!("http://{addr}/announce"),
            addr,
        }
    }

    /// `udp://ADDR`, its BEP 15 side.
    pub fn udp_announce(&self) -> String {
        format!("udp://{}", self.addr)
    }
}

/// What the tracker at `announce` counts for `info_hash` (a BEP 48 scrape).
pub fn scrape(announce: &str, info_hash: [u8; 20]) -> ::btt::tracker::ScrapeStats {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = ::btt::tracker::TrackerClient::new(Duration::from_secs(5));
    let stats = runtime
        .block_on(client.scrape(announce, &[info_hash]))
        .expect("scrape the tracker");
    let nobody = ::btt::tracker::ScrapeStats {
        info_hash,
        seeders: 0,
        leechers: 0,
        completed: 0,
    };
    stats.into_iter().next().unwrap_or(nobody)
}

/// `btt-seed create` and `btt-seed run`.
#[derive(Debug)]
pub struct BttSeed;

impl BttSeed {
    /// Runs `btt-seed create CONTENT -o OUT --announce ANNOUNCE` and returns `out`.
    pub fn create(env: &TestEnv, content: &Path, out: &Path, announce: &str) -> PathBuf {
        let mut command = env.btt("btt-seed");
        command
            .arg("create")
            .arg(content)
            .arg("-o")
            .arg(out)
            .args(["--announce", announce]);
        env.spawn("btt-seed create", command)
            .wait_success(Duration::from_secs(60));
        out.to_path_buf()
    }

    /// Starts `btt-seed run --data DATA_DIR --listen 127.0.0.1:0 TORRENT` and
    /// returns once it is listening.
    pub fn run(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::run_with(env, torrent, data_dir, &[])
    }

    /// Starts `btt-seed run` like [`BttSeed::run`] with `extra` options.
    pub fn run_with(env: &TestEnv, torrent: &Path, data_dir: &Path, extra: &[&str]) -> Seeder {
        let mut command = env.btt("btt-seed");
        command
            .args(["run", "--no-dht"])
            .arg("--data")
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .arg(torrent);
        let mut child = env.spawn("btt-seed run", command);
        let port = listening_addr(&mut child).port();
        Seeder { child, port }
    }
}

/// A running `btt-wallet node --dev` over the test's embedded ledger.
#[derive(Debug)]
pub struct BttWalletNode {
    /// The node process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl BttWalletNode {
    /// Starts a dev node (its faucet mints) on a port it picks.
    pub fn start_dev(env: &TestEnv) -> BttWalletNode {
        let mut command = env.btt("btt-wallet");
        command.args(["node", "--dev", "--listen", "127.0.0.1:0"]);
        let mut child = env.spawn("btt-wallet node", command);
        let addr = listening_addr(&mut child);
        BttWalletNode {
            child,
            url: format!("http://{addr}"),
        }
    }

    /// Mints `amount` (`10BTT`, `5TRX`) to `address` with `btt-wallet faucet`.
    pub fn faucet(&self, env: &TestEnv, address: &str, amount: &str) {
        let mut command = env.btt("btt-wallet");
        command.args(["faucet", address, amount, "--ledger", &self.url]);
        env.spawn("btt-wallet faucet", command)
            .wait_success(Duration::from_secs(30));
    }
}

/// Starts `btt-get TORRENT -o OUT_DIR EXTRA...`; wait for it with
/// [`Child::wait_success`] and read its `summary` record.
pub fn btt_get(env: &TestEnv, torrent: &Path, out_dir: &Path, extra: &[&str]) -> Child {
    let mut command = env.btt("btt-get");
    command.arg(torrent).arg("-o").arg(out_dir).args(extra);
    env.spawn("btt-get", command)
}

fn listening_addr(child: &mut Child) -> std::net::SocketAddr {
    let record = child.read_record(START, "listening");
    record["addr"]
        .as_str()
        .and_then(|addr| addr.parse().ok())
        .unwrap_or_else(|| panic!("{}: bad listening record {record}", child.label()))
}
