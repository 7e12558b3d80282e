//! libtorrent (Debian's python3-libtorrent) as a seeder or a leecher, via
//! `lt_peer.py` run with `/usr/bin/python3` (the pyenv `python3` on PATH
//! has no libtorrent). The script listens on 127.0.0.1 on a port the kernel
//! picks and reports it as `{"type":"listening","addr":...}`, so there is no
//! port race; it can dial peers given on its command line or on stdin.
//! With the DHT on (`*_on_dht`), its node listens on the same port over UDP
//! and joins only through the bootstrap nodes given.

use super::{typed, Child, Leecher, Seeder, TestEnv};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The interpreter that has the libtorrent bindings.
const PYTHON: &str = "/usr/bin/python3";

/// How long `lt_torrent.py` may take on test-sized data.
const TORRENT_TOOL: Duration = Duration::from_secs(60);

/// What `lt_torrent.py` says of a torrent: libtorrent's version, its
/// info-hashes (hex) and its files with their flags.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LtTorrent {
    /// `lt.__version__`, e.g. `2.0.8.0`.
    pub version: String,
    /// The v1 info-hash, if the torrent has v1 keys.
    pub v1: Option<String>,
    /// The v2 info-hash, if the torrent has v2 keys.
    pub v2: Option<String>,
    /// The files, pad files included, in libtorrent's order.
    pub files: Vec<LtFile>,
}

/// One file of an [`LtTorrent`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LtFile {
    /// The path, starting with the torrent name.
    pub path: String,
    /// Length in bytes.
    pub size: u64,
    /// libtorrent's `flag_pad_file`.
    pub pad: bool,
    /// libtorrent's `flag_executable`.
    pub executable: bool,
}

/// `lt_peer.py`'s flag for uTP only, both ways (TCP off).
const UTP_ONLY: &str = "--transport=utp";

/// `lt_peer.py`'s flag for `peer_blocked` and `peer_disconnected` records.
const LOG_CONNECTIONS: &str = "--log-connections";

/// `lt_peer.py`'s flag for MSE with RC4 only, both ways.
const FORCED_ENCRYPTION: &str = "--encryption=forced";

/// How long libtorrent may take to start and check its data.
const START: Duration = Duration::from_secs(30);

/// Starts libtorrent sessions with the loopback-only settings.
#[derive(Debug)]
pub struct Libtorrent;

impl Libtorrent {
    /// The path of the peer script.
    pub fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/lt_peer.py")
    }

    /// Makes a hybrid (v1 + v2) torrent of `content` with libtorrent's
    /// `create_torrent`, pad files included, and returns what libtorrent
    /// loads from it.
    pub fn create_hybrid(
        env: &TestEnv,
        content: &Path,
        out: &Path,
        announce: &str,
        piece_size: u32,
    ) -> LtTorrent {
        Self::create(env, content, out, &["--announce", announce], piece_size)
    }

    /// Makes a v2-only (BEP 52) torrent of `content` with libtorrent's
    /// `create_torrent`, and returns what libtorrent loads from it.
    pub fn create_v2(
        env: &TestEnv,
        content: &Path,
        out: &Path,
        announce: &str,
        piece_size: u32,
    ) -> LtTorrent {
        let extra = ["--announce", announce, "--v2-only"];
        Self::create(env, content, out, &extra, piece_size)
    }

    fn create(
        env: &TestEnv,
        content: &Path,
        out: &Path,
        extra: &[&str],
        piece_size: u32,
    ) -> LtTorrent {
        let mut command = env.command(PYTHON);
        command
            .arg(Self::torrent_script())
            .arg("create")
            .arg(content)
            .arg(out)
            .args(extra)
            .arg(format!("--piece-size={piece_size}"));
        run_torrent_tool(env, command)
    }

    /// What libtorrent loads from the torrent file `torrent`.
    pub fn show(env: &TestEnv, torrent: &Path) -> LtTorrent {
        let mut command = env.command(PYTHON);
        command.arg(Self::torrent_script()).arg("show").arg(torrent);
        run_torrent_tool(env, command)
    }

    fn torrent_script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/lt_torrent.py")
    }

    /// Seeds `torrent` from `data_dir` (which contains the content under the
    /// torrent's name); returns once the data is checked and it is seeding.
    /// Commands such as `connect 127.0.0.1:PORT` can be sent with
    /// [`Child::send_line`].
    pub fn seed(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::seed_with(env, torrent, data_dir, &[])
    }

    /// Seeds like [`Libtorrent::seed`] with its DHT node on, joined through
    /// `bootstrap` (`HOST:PORT`, or `none` to start a new network); it
    /// announces the torrent once its node has joined. Its `dht_announce`
    /// records say who announced what to its node.
    pub fn seed_on_dht(
        env: &TestEnv,
        torrent: &Path,
        data_dir: &Path,
        bootstrap: &[&str],
    ) -> Seeder {
        Self::seed_with(env, torrent, data_dir, &dht_args(bootstrap))
    }

    /// Seeds like [`Libtorrent::seed`] with `ut_metadata` on, so magnet
    /// links can fetch the info dictionary from it.
    pub fn seed_with_metadata(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::seed_with(env, torrent, data_dir, &["--metadata".into()])
    }

    /// Seeds like [`Libtorrent::seed`] with encryption forced: every
    /// connection, dialled or accepted, is MSE with RC4, and plain peers are refused.
    pub fn seed_encrypted(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::seed_with(env, torrent, data_dir, &[FORCED_ENCRYPTION.into()])
    }

    /// Seeds like [`Libtorrent::seed`] over uTP only: TCP is off both
    /// ways, so every peer must reach it over uTP at its port. Each TCP
    /// connection it refuses is a `peer_blocked` record.
    pub fn seed_over_utp(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        let extra = [UTP_ONLY.into(), LOG_CONNECTIONS.into()];
        Self::seed_with(env, torrent, data_dir, &extra)
    }

    fn seed_with(env: &TestEnv, torrent: &Path, data_dir: &Path, extra: &[String]) -> Seeder {
        let mut command = env.command(PYTHON);
        command
            .arg(Self::script())
            .arg("seed")
            .arg(torrent)
            .arg(data_dir)
            .args(extra);
        let mut child = Child::spawn_with_stdin("libtorrent seed", command);
        let port = listening_port(&mut child);
        child.read_record(START, "seeding");
        Seeder { child, port }
    }

    /// Downloads `torrent` into `out_dir`, dialing `peers` (`IP:PORT`) and
    /// the tracker's peers; exits after completion.
    pub fn leech(env: &TestEnv, torrent: &Path, out_dir: &Path, peers: &[&str]) -> Leecher {
        let peers: Vec<String> = peers.iter().map(|peer| format!("--peer={peer}")).collect();
        Self::leech_with(env, torrent, out_dir, &peers)
    }

    /// Downloads the torrent of `magnet` into `out_dir` from `peers`: the
    /// info dictionary through ut_metadata, then, for a v2-only torrent,
    /// its piece layers through BEP 52 hash requests, reporting each hash
    /// message (`hash_message` records); exits after completion.
    pub fn leech_magnet(env: &TestEnv, magnet: &str, out_dir: &Path, peers: &[&str]) -> Leecher {
        let mut extra: Vec<String> = peers.iter().map(|peer| format!("--peer={peer}")).collect();
        extra.extend(["--metadata".into(), "--log-hash-messages".into()]);
        Self::leech_with(env, Path::new(magnet), out_dir, &extra)
    }

    /// Downloads like [`Libtorrent::leech`] with encryption forced (see
    /// [`Libtorrent::seed_encrypted`]).
    pub fn leech_encrypted(
        env: &TestEnv,
        torrent: &Path,
        out_dir: &Path,
        peers: &[&str],
    ) -> Leecher {
        let mut extra: Vec<String> = peers.iter().map(|peer| format!("--peer={peer}")).collect();
        extra.push(FORCED_ENCRYPTION.into());
        Self::leech_with(env, torrent, out_dir, &extra)
    }

    /// Downloads like [`Libtorrent::leech`] over uTP only (see
    /// [`Libtorrent::seed_over_utp`]); each connection that ends is a
    /// `peer_disconnected` record.
    pub fn leech_over_utp(
        env: &TestEnv,
        torrent: &Path,
        out_dir: &Path,
        peers: &[&str],
    ) -> Leecher {
        let mut extra: Vec<String> = peers.iter().map(|peer| format!("--peer={peer}")).collect();
        extra.extend([UTP_ONLY.into(), LOG_CONNECTIONS.into()]);
        Self::leech_with(env, torrent, out_dir, &extra)
    }

    /// Downloads `torrent` into `out_dir` with no peer given: only what its
    /// DHT node, joined through `bootstrap`, finds; exits after completion.
    pub fn leech_on_dht(
        env: &TestEnv,
        torrent: &Path,
        out_dir: &Path,
        bootstrap: &[&str],
    ) -> Leecher {
        Self::leech_with(env, torrent, out_dir, &dht_args(bootstrap))
    }

    fn leech_with(env: &TestEnv, torrent: &Path, out_dir: &Path, extra: &[String]) -> Leecher {
        let marker = env
            .path()
            .join(format!("libtorrent-{}.complete", rand::random::<u32>()));
        let mut command = env.command(PYTHON);
        command
            .arg(Self::script())
            .arg("leech")
            .arg(torrent)
            .arg(out_dir)
            .arg("--exit-on-complete")
            .arg("--done-marker")
            .arg(&marker)
            .args(extra);
        let mut child = Child::spawn_with_stdin("libtorrent leech", command);
        let port = listening_port(&mut child);
        Leecher::new(child, port, marker, true)
    }
}

/// Runs `lt_torrent.py` to completion and reads its one record.
fn run_torrent_tool(env: &TestEnv, command: std::process::Command) -> LtTorrent {
    let mut child = env.spawn("lt_torrent.py", command);
    child.wait_success(TORRENT_TOOL);
    let records = child.json_records();
    let record = records
        .last()
        .unwrap_or_else(|| panic!("lt_torrent.py printed nothing: {}", child.diagnostics()));
    typed(record)
}

/// `--dht-bootstrap NODE` for each node.
fn dht_args(bootstrap: &[&str]) -> Vec<String> {
    bootstrap
        .iter()
        .map(|node| format!("--dht-bootstrap={node}"))
        .collect()
}

fn listening_port(child: &mut Child) -> u16 {
    let record = child.read_record(START, "listening");
    let addr = record["addr"].as_str().unwrap_or_default();
    addr.parse::<std::net::SocketAddr>()
        .unwrap_or_else(|e| panic!("bad listening record {record}: {e}"))
        .port()
}
