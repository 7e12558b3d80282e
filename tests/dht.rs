//! Trackerless swarms on 127.0.0.1: btt processes find each other through
//! the DHT alone. A bootstrap node (`btt-seed run` of an unrelated torrent,
//! starting a new network with `--dht-bootstrap none`), a seeder that joins
//! through it, and a `btt-get` that knows only the bootstrap node: no
//! tracker, no `--peer`. And the README's private DHT of two processes: a
//! seeder that starts the network on its own node, and a `btt-get` that
//! knows only that node. With libtorrent (python3-libtorrent; its DHT
//! settings are in `support/lt_peer.py`): a libtorrent session whose DHT
//! knows only btt's node finds a btt seeder, and `btt-get` finds a
//! libtorrent seeder through libtorrent's node. Also: the routing table one
//! run saves bootstraps the next, `btt-seed run` joins by default, and
//! private torrents never use the DHT.
//!
//! No process here may reach the public DHT routers: every node is given a
//! loopback bootstrap node, `none`, or a saved table of loopback nodes.

use crate::support;

use btt::cli::torrent_run::{DhtListening, Listening};
use btt::swarm::events::{PeersFound, Summary};
use btt::swarm::PeerSource;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// How long a process may take to print its first records.
const START: Duration = Duration::from_secs(30);
/// The bound on a download through the DHT, lookups and retries included.
const DOWNLOAD: Duration = Duration::from_secs(180);
/// The content the seeder serves.
const CONTENT: &[(&str, u64)] = &[("trackerless.bin", 1024 * 1024 + 4321)];

/// A seeder that has announced itself on the DHT, and the DHT node that a
/// leecher bootstraps from.
struct DhtSwarm {
    env: TestEnv,
    data: PathBuf,
    torrent: PathBuf,
    boot_addr: String,
    _nodes: Vec<Child>,
}

impl DhtSwarm {
    /// Three processes: a bootstrap node, and a seeder that joins through it.
    fn start() -> DhtSwarm {
        let env = TestEnv::new();
        let data = env.dir("data");
        make_tree(&data, CONTENT);
        let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
        let other = env.dir("other");
        make_tree(&other, &[("other.bin", 5000)]);
        let other_torrent = create(&env, &other.join("other.bin"), "other.torrent", &[]);
        let mut boot = dht_seed(&env, "boot", &other_torrent, &other, &["none"]);
        let boot_addr = dht_addr(&mut boot);
        let mut seeder = dht_seed(&env, "seeder", &torrent, &data, &[&boot_addr]);
        dht_addr(&mut seeder);
        has_announced(&mut seeder);
        DhtSwarm {
            env,
            data,
            torrent,
            boot_addr,
            _nodes: vec![boot, seeder],
        }
    }

    /// One process: a seeder that starts a new network on its own DHT node
    /// (`--dht-bootstrap none`), which is also the leecher's bootstrap node.
    fn lone_seeder() -> DhtSwarm {
        let env = TestEnv::new();
        let data = env.dir("data");
        make_tree(&data, CONTENT);
        let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
        let mut seeder = dht_seed(&env, "seeder", &torrent, &data, &["none"]);
        let boot_addr = dht_addr(&mut seeder);
        has_announced(&mut seeder);
        DhtSwarm {
            env,
            data,
            torrent,
            boot_addr,
            _nodes: vec![seeder],
        }
    }

    /// `magnet:?xt=urn:btih:HASH` of the seeder's torrent: no tracker, no hint.
    fn magnet(&self) -> String {
        let bytes = std::fs::read(&self.torrent).expect("read the torrent");
        let torrent = btt::metainfo::Torrent::from_bytes(&bytes).expect("the torrent parses");
        format!("magnet:?xt=urn:btih:{}", torrent.info_hash)
    }

    /// `btt-get TARGET --no-tracker -o out-NAME EXTRA...` in the home `NAME`,
    /// with the DHT at its default (on). TARGET is a .torrent path here; a
    /// magnet link works the same way.
    fn get(&self, name: &str, target: &OsStr, extra: &[&str]) -> (Child, PathBuf) {
        let out = self.env.path().join(format!("out-{name}"));
        let mut command = self.env.btt_with_dht("btt-get");
        command
            .env("BTT_HOME", Home::new(&self.env, name).0)
            .arg(target)
            .arg("-o")
            .arg(&out)
            .args(["--listen", "127.0.0.1:0", "--no-tracker"])
            .args(extra);
        (self.env.spawn("btt-get", command), out)
    }
}

/// `btt-seed create CONTENT -o NAME` without a tracker.
fn create(env: &TestEnv, content: &Path, name: &str, extra: &[&str]) -> PathBuf {
    btt_seed_create(env, content, &env.path().join(name), extra)
}

/// `btt-seed run` with a DHT node on 127.0.0.1 that joins through `bootstrap`.
fn dht_seed(env: &TestEnv, name: &str, torrent: &Path, data: &Path, bootstrap: &[&str]) -> Child {
    let mut command = Home::new(env, name).command(env, "btt-seed");
    command
        .arg("run")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--no-tracker"])
        .args(["--dht", "--dht-listen", "127.0.0.1:0"]);
    for node in bootstrap {
        command.args(["--dht-bootstrap", node]);
    }
    command.arg(torrent);
    env.spawn(&format!("btt-seed run ({name})"), command)
}

/// Waits until a seeder's first DHT round has found nobody and, before
/// saying so, announced.
fn has_announced(seeder: &mut Child) {
    seeder.read_json_line_until(DOWNLOAD, |record| {
        record["type"] == "peers_found" && record["source"] == "dht"
    });
}

/// The address of a process's `dht_listening` record, which must come
/// right after its `listening` record.
fn dht_addr(child: &mut Child) -> String {
    let listening = child.read_record(START, "listening");
    let _: Listening = typed(&listening);
    let next = child.read_json_line_until(START, |_| true);
    assert_eq!(next["type"], "dht_listening", "{}", child.diagnostics());
    let record: DhtListening = typed(&next);
    assert!(record.addr.starts_with("127.0.0.1:"), "{record:?}");
    record.addr
}

/// Waits for a complete download and checks that every peer came from the DHT.
fn finishes_through_the_dht(get: &mut Child, swarm: &DhtSwarm, out: &Path) {
    get.wait_success(DOWNLOAD);
    let summary: Summary = last_record(get, "summary");
    assert!(summary.complete, "{summary:?}\n{}", get.diagnostics());
    let found: Vec<PeersFound> = records_of(get, "peers_found");
    assert!(
        found.iter().all(|record| record.source == PeerSource::Dht),
        "a peer came from elsewhere: {found:?}"
    );
    assert!(
        found.iter().any(|record| record.new > 0),
        "the DHT found nobody: {found:?}\n{}",
        get.diagnostics()
    );
    assert_eq!(records_of::<DhtListening>(get, "dht_listening").len(), 1);
    assert_trees_equal(&swarm.data, out);
}

/// `btt-get X.torrent` bootstrapped from `swarm`'s node.
fn torrent_downloads_through_the_dht(swarm: &DhtSwarm) {
    let bootstrap = ["--dht-bootstrap", swarm.boot_addr.as_str()];
    let (mut get, out) = swarm.get("leecher", swarm.torrent.as_os_str(), &bootstrap);
    dht_addr(&mut get);
    finishes_through_the_dht(&mut get, swarm, &out);
}

#[test]
fn btt_get_finds_the_seeder_through_the_dht_alone() {
    torrent_downloads_through_the_dht(&DhtSwarm::start());
}

/// `btt-get MAGNET` bootstrapped from `swarm`'s node: metadata and data
/// come from the seeder, found through the DHT alone.
fn magnet_downloads_through_the_dht(swarm: &DhtSwarm) {
    let bootstrap = ["--dht-bootstrap", swarm.boot_addr.as_str()];
    let (mut get, out) = swarm.get("leecher", OsStr::new(&swarm.magnet()), &bootstrap);
    dht_addr(&mut get);
    finishes_through_the_dht(&mut get, swarm, &out);
    let metadata = get.read_record(START, "metadata");
    assert_eq!(metadata["source"], "peers", "{}", get.diagnostics());
}

#[test]
fn a_trackerless_magnet_gets_metadata_and_data_through_the_dht_alone() {
    magnet_downloads_through_the_dht(&DhtSwarm::start());
}

#[test]
fn a_magnet_downloads_from_a_lone_seeder_found_through_its_own_dht_node() {
    magnet_downloads_through_the_dht(&DhtSwarm::lone_seeder());
}

#[test]
fn a_torrent_downloads_from_a_lone_seeder_found_through_its_own_dht_node() {
    torrent_downloads_through_the_dht(&DhtSwarm::lone_seeder());
}

#[test]
fn libtorrent_finds_a_btt_seeder_through_btt_s_dht_node_alone() {
    let swarm = DhtSwarm::lone_seeder();
    let out = swarm.env.dir("out-libtorrent");
    let mut leecher =
        Libtorrent::leech_on_dht(&swarm.env, &swarm.torrent, &out, &[&swarm.boot_addr]);
    leecher.finish(DOWNLOAD);
    assert_trees_equal(&swarm.data, &out);
}

#[test]
fn btt_get_finds_a_libtorrent_seeder_through_libtorrent_s_dht_node() {
    let env = TestEnv::new();
    let other = env.dir("other");
    make_tree(&other, &[("other.bin", 5000)]);
    let other_torrent = create(&env, &other.join("other.bin"), "other.torrent", &[]);
    let mut node = Libtorrent::seed_on_dht(&env, &other_torrent, &other, &["none"]);
    let node_addr = node.addr();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
    let seeder = Libtorrent::seed_on_dht(&env, &torrent, &data, &[&node_addr]);
    let info_hash = info_hash(&torrent);
    node.child.read_json_line_until(DOWNLOAD, |record| {
        record["type"] == "dht_announce"
            && record["info_hash"] == info_hash.as_str()
            && record["port"] == seeder.port
    });
    let out = env.path().join("out");
    let mut get = env.btt_with_dht("btt-get");
    get.env("BTT_HOME", Home::new(&env, "leecher").0)
        .arg(&torrent)
        .arg("-o")
        .arg(&out)
        .args(["--listen", "127.0.0.1:0", "--no-tracker"])
        .args(["--dht-bootstrap", &node_addr]);
    let mut get = env.spawn("btt-get", get);
    dht_addr(&mut get);
    get.wait_success(DOWNLOAD);
    let found: Vec<PeersFound> = records_of(&get, "peers_found");
    assert!(
        found.iter().all(|record| record.source == PeerSource::Dht),
        "{found:?}"
    );
    assert_trees_equal(&data, &out);
}

#[test]
fn the_routing_table_saved_by_one_run_bootstraps_the_next() {
    let swarm = DhtSwarm::start();
    let bootstrap = ["--dht-bootstrap", swarm.boot_addr.as_str()];
    let (mut first, out) = swarm.get("leecher", swarm.torrent.as_os_str(), &bootstrap);
    finishes_through_the_dht(&mut first, &swarm, &out);
    let table = Home::new(&swarm.env, "leecher").0.join("dht-nodes.json");
    let saved = std::fs::read_to_string(&table).expect("the routing table was saved on exit");
    assert!(saved.contains(&swarm.boot_addr), "{saved}");
    // Same home, no DHT flag at all: the DHT is on by default for a public
    // torrent and joins through the saved table only.
    std::fs::remove_dir_all(&out).expect("remove the first download");
    let (mut second, out) = swarm.get("leecher", swarm.torrent.as_os_str(), &[]);
    finishes_through_the_dht(&mut second, &swarm, &out);
}

#[test]
fn btt_seed_run_joins_the_dht_by_default() {
    let env = TestEnv::new();
    let other = env.dir("other");
    make_tree(&other, &[("other.bin", 5000)]);
    let other_torrent = create(&env, &other.join("other.bin"), "other.torrent", &[]);
    let mut boot = dht_seed(&env, "boot", &other_torrent, &other, &["none"]);
    let boot_addr = dht_addr(&mut boot);
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
    // No DHT flag: only a saved routing table that names the boot node.
    let home = Home::new(&env, "seeder");
    std::fs::write(
        home.0.join("dht-nodes.json"),
        format!("{{\"nodes\":[\"{boot_addr}\"]}}"),
    )
    .expect("write the seeder's routing table");
    let mut command = env.btt_with_dht("btt-seed");
    command
        .env("BTT_HOME", &home.0)
        .args(["run", "--no-tracker", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .arg(&torrent);
    let mut seeder = env.spawn("btt-seed run (default DHT)", command);
    dht_addr(&mut seeder);
    seeder.read_json_line_until(DOWNLOAD, |record| {
        record["type"] == "peers_found" && record["source"] == "dht"
    });
    let out = env.path().join("out");
    let mut get = env.btt_with_dht("btt-get");
    get.env("BTT_HOME", Home::new(&env, "leecher").0)
        .arg(&torrent)
        .arg("-o")
        .arg(&out)
        .args(["--listen", "127.0.0.1:0", "--no-tracker"])
        .args(["--dht-bootstrap", &boot_addr]);
    let mut get = env.spawn("btt-get", get);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn private_torrents_never_use_the_dht() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(
        &env,
        &data.join("trackerless.bin"),
        "private.torrent",
        &["--private"],
    );
    let mut seed = dht_seed(&env, "seeder", &torrent, &data, &["none"]);
    seed.read_record(START, "started");
    seed.terminate();
    let mut command = env.btt_with_dht("btt-get");
    command
        .env("BTT_HOME", Home::new(&env, "leecher").0)
        .arg(&torrent)
        .arg("-o")
        .arg(env.path().join("out"))
        .args(["--listen", "127.0.0.1:0", "--no-tracker", "--for", "1s"])
        .args(["--dht-bootstrap", "none"]);
    let mut get = env.spawn("btt-get", command);
    exit_code(&mut get, START);
    for child in [&seed, &get] {
        assert!(
            child
                .json_records()
                .iter()
                .all(|r| r["type"] != "dht_listening"),
            "{}",
            child.diagnostics()
        );
        assert!(
            child
                .stderr()
                .contains("private torrent; the DHT is not used"),
            "{}",
            child.diagnostics()
        );
    }
}

/// Runs `btt-get` on `torrent` with `args` and returns its exit code and
/// its one `btt-get: error: ...` line on stderr.
fn one_error(env: &TestEnv, torrent: &Path, args: &[&str]) -> (i32, String) {
    let mut command = env.btt_with_dht("btt-get");
    command
        .arg(torrent)
        .arg("-o")
        .arg(env.path().join("out"))
        .args(["--listen", "127.0.0.1:0", "--no-tracker"])
        .args(args);
    let mut get = env.spawn("btt-get", command);
    let code = exit_code(&mut get, START);
    let stderr = get.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", get.diagnostics());
    assert!(lines[0].starts_with("btt-get: error: "), "{stderr}");
    (code, lines[0].to_string())
}

#[test]
fn bad_dht_flags_get_one_clear_error() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
    let usage: [(&[&str], &str); 4] = [
        (&["--dht-listen", "[::1]:0"], "IPv4 only"),
        (&["--dht-listen", "nowhere"], "--dht-listen"),
        (&["--dht-bootstrap", "nonsense"], "expected HOST:PORT"),
        (&["--no-dht", "--dht-bootstrap", "none"], "--no-dht"),
    ];
    for (args, expected) in usage {
        let (code, line) = one_error(&env, &torrent, args);
        assert_eq!(code, 2, "{args:?}: {line}");
        assert!(line.contains(expected), "{args:?}: {line}");
    }
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
    let addr = taken.local_addr().expect("its address").to_string();
    let args = ["--dht-listen", addr.as_str(), "--dht-bootstrap", "none"];
    let (code, line) = one_error(&env, &torrent, &args);
    assert_eq!(code, 1, "{line}");
    assert!(
        line.contains(&format!("could not listen for the DHT on {addr}")),
        "{line}"
    );
}

#[test]
fn bootstrap_nodes_that_do_not_resolve_are_one_warning_line() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
    let mut command = env.btt_with_dht("btt-get");
    command
        .arg(&torrent)
        .arg("-o")
        .arg(env.path().join("out"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--no-tracker",
            "--stall-timeout",
            "1s",
        ])
        .args(["--dht-bootstrap", "nowhere.invalid:6881"])
        .args(["--dht-bootstrap", "elsewhere.invalid:6881"]);
    let mut get = env.spawn("btt-get", command);
    assert_eq!(exit_code(&mut get, DOWNLOAD), 4, "{}", get.diagnostics());
    let stderr = get.stderr();
    let about_the_dht: Vec<&str> = stderr.lines().filter(|line| line.contains("DHT")).collect();
    assert_eq!(about_the_dht.len(), 1, "{stderr}");
    assert!(
        about_the_dht[0].contains("nowhere.invalid:6881, elsewhere.invalid:6881")
            && about_the_dht[0].contains("offline?"),
        "{stderr}"
    );
}

#[test]
fn two_processes_on_the_default_ports_both_start_and_a_taken_dht_port_falls_back() {
    // 6881 is free in the test's network namespace; hold its UDP side, so
    // the first process's TCP port has no UDP twin for its DHT node.
    let taken = std::net::UdpSocket::bind("0.0.0.0:6881")
        .expect("UDP port 6881 is free (run the tests in a network namespace)");
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = create(&env, &data.join("trackerless.bin"), "x.torrent", &[]);
    let start = |name: &str, program: &str, args: &[&str]| {
        let mut command = env.btt_with_dht(program);
        command
            .env("BTT_HOME", Home::new(&env, name).0)
            .args(args)
            .args(["--no-tracker", "--dht-bootstrap", "none"]);
        command.arg(&torrent);
        env.spawn(name, command)
    };
    let mut get = start("get", "btt-get", &["--utp", "off", "-o", "out"]);
    let mut seed = start("seed", "btt-seed", &["run", "--data", "data"]);
    let get_dht = dht_addr_any(&mut get);
    let seed_dht = dht_addr_any(&mut seed);
    assert_ne!(get_dht.port(), 6881, "{}", get.diagnostics());
    assert_ne!(get_dht.port(), seed_dht.port());
    for child in [&mut get, &mut seed] {
        assert!(child.try_wait().is_none(), "{}", child.diagnostics());
        assert!(
            !child.stderr().contains("panicked"),
            "{}",
            child.diagnostics()
        );
    }
    drop(taken);
}

/// The address of a process's `dht_listening` record, whatever its IP.
fn dht_addr_any(child: &mut Child) -> std::net::SocketAddr {
    let record: DhtListening = typed(&child.read_record(START, "dht_listening"));
    record.addr.parse().expect("a socket address")
}
