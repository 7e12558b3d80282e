//! The control socket of every running `btt-get` and `btt-seed run`, over
//! real processes on loopback: `btt-seed status` across two downloads and a
//! seeder of three torrents; `add`, `remove`, `pause`, `resume` and `set` on
//! a running seeder, each seen in `status` and by a leecher; a watch
//! directory with a half-written, a bad and a good file; hostile input on
//! the socket. Every wait polls with a deadline.

use crate::support;

use btt::control::protocol::TorrentStatus;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{make_tree, BttSeed, Child, Run, TestEnv};

/// How long a state may take to show.
const WAIT: Duration = Duration::from_secs(60);
/// How long a download may take.
const DOWNLOAD: Duration = Duration::from_secs(120);
/// How long a leecher is watched to see it receive nothing.
const QUIET: Duration = Duration::from_secs(3);

/// Three contents under `data/` and a torrent of each (no tracker is
/// used: peers are given with `--peer`).
struct Library {
    env: TestEnv,
    data: PathBuf,
    torrents: Vec<PathBuf>,
}

impl Library {
    fn new() -> Library {
        let env = TestEnv::new();
        let data = env.dir("data");
        make_tree(
            &data,
            &[
                ("alpha", 1 << 20),
                ("beta", 512 << 10),
                ("gamma", 256 << 10),
            ],
        );
        let torrents = ["alpha", "beta", "gamma"]
            .iter()
            .map(|name| {
                let out = env.path().join(format!("{name}.torrent"));
                BttSeed::create(&env, &data.join(name), &out, "http://127.0.0.1:1/announce")
            })
            .collect();
        Library {
            env,
            data,
            torrents,
        }
    }

    fn torrent(&self, index: usize) -> &Path {
        &self.torrents[index]
    }

    fn hash(&self, index: usize) -> String {
        support::info_hash(self.torrent(index))
    }

    /// `btt-seed run` of `torrents` with `extra` flags, listening.
    fn seeder(&self, torrents: &[usize], extra: &[&str]) -> (Child, u16) {
        let mut command = self.env.btt("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.data)
            .args(extra);
        for index in torrents {
            command.arg(self.torrent(*index));
        }
        let mut child = self.env.spawn("btt-seed run", command);
        let port = support::listening_port(&mut child);
        (child, port)
    }

    /// `btt-get` of torrent `index` into `out-NAME` from the seeder on `port` (if any).
    fn get(&self, index: usize, name: &str, port: Option<u16>, extra: &[&str]) -> Child {
        let mut command = self.env.btt("btt-get");
        command
            .arg(self.torrent(index))
            .arg("-o")
            .arg(self.env.path().join(format!("out-{name}")))
            .args(["--no-tracker", "--listen", "127.0.0.1:0"])
            .args(extra);
        if let Some(port) = port {
            command.args(["--peer", &format!("127.0.0.1:{port}")]);
        }
        let mut child = self.env.spawn(&format!("btt-get {name}"), command);
        child.read_record(WAIT, "started");
        child
    }

    /// A `btt-seed` subcommand run to its end.
    fn seed_cmd(&self, args: &[&str]) -> Run {
        let mut command = self.env.btt("btt-seed");
        command.args(args);
        let mut child = self.env.spawn(&format!("btt-seed {}", args[0]), command);
        Run::finish(&mut child, support::COMMAND_TIMEOUT)
    }

    /// The torrents `btt-seed status` lists now, read back as typed records.
    fn status(&self) -> Vec<TorrentStatus> {
        let run = self.seed_cmd(&["status"]).ok();
        run.records().iter().map(torrent_status).collect()
    }

    /// Polls `status` until `found` holds; returns the last listing.
    fn wait_status(
        &self,
        what: &str,
        found: impl Fn(&[TorrentStatus]) -> bool,
    ) -> Vec<TorrentStatus> {
        let deadline = Instant::now() + WAIT;
        loop {
            let listed = self.status();
            if found(&listed) {
                return listed;
            }
            assert!(Instant::now() < deadline, "no {what} in {listed:#?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The runtime directory every process of the test shares.
    fn runtime(&self) -> PathBuf {
        self.env.path().join("btt-home/run")
    }
}

fn torrent_status(record: &Value) -> TorrentStatus {
    assert_eq!(record["type"], "torrent_status", "{record}");
    let mut fields = record.clone();
    fields.as_object_mut().unwrap().remove("type");
    serde_json::from_value(fields).expect("a torrent_status record")
}

fn of<'a>(listed: &'a [TorrentStatus], hash: &str, pid: u32) -> Option<&'a TorrentStatus> {
    listed
        .iter()
        .find(|torrent| torrent.info_hash == hash && torrent.pid == pid)
}

/// A prefix of 6 hex digits that no torrent of `hashes` has.
fn unused_prefix(hashes: &[String]) -> String {
    (0..u32::MAX)
        .map(|n| format!("{n:06x}"))
        .find(|prefix| hashes.iter().all(|hash| !hash.starts_with(prefix.as_str())))
        .unwrap()
}

/// Asserts that the download of `child` stays at nothing verified for [`QUIET`].
fn receives_nothing(library: &Library, hash: &str, child: &Child) {
    let deadline = Instant::now() + QUIET;
    while Instant::now() < deadline {
        let listed = library.status();
        let torrent = of(&listed, hash, child.pid()).expect("the leecher is listed");
        assert_eq!(torrent.downloaded, 0, "{torrent:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn status_lists_every_torrent_of_two_downloads_and_a_seeder() {
    let library = Library::new();
    let (seeder, port) = library.seeder(&[0, 1, 2], &[]);
    let slow = library.get(0, "slow", Some(port), &["--down-limit", "64KiB"]);
    let lonely = library.get(2, "lonely", None, &[]);
    let hashes: Vec<String> = (0..3).map(|index| library.hash(index)).collect();

    let listed = library.wait_status("two downloads and three seeded torrents", |listed| {
        listed.len() == 5 && of(listed, &hashes[0], slow.pid()).is_some_and(|t| t.downloaded > 0)
    });
    for hash in &hashes {
        let seeded = of(&listed, hash, seeder.pid()).expect("seeded");
        assert_eq!(
            (
                seeded.program.as_str(),
                seeded.state.name(),
                seeded.progress
            ),
            ("btt-seed", "seeding", 1.0)
        );
    }
    let downloading = of(&listed, &hashes[0], slow.pid()).unwrap();
    assert_eq!(downloading.program, "btt-get");
    assert_eq!(downloading.state.name(), "downloading");
    assert!(downloading.progress < 1.0, "{downloading:?}");
    let waiting = of(&listed, &hashes[2], lonely.pid()).unwrap();
    assert_eq!((waiting.downloaded, waiting.peers), (0, 0));
    assert_eq!(waiting.eta_seconds, None);

    // A prefix two processes run is ambiguous; --pid settles it.
    let ambiguous = library.seed_cmd(&["set", &hashes[0][..8], "--up-limit", "1MiB"]);
    ambiguous.refused(1, "matches 2 running torrents");
    let pid = seeder.pid().to_string();
    let set = library.seed_cmd(&["set", &hashes[0][..8], "--pid", &pid, "--up-limit", "1MiB"]);
    assert_eq!(torrent_status(&set.ok().one()).up_limit, Some(1 << 20));
    let no_market = ["set", &hashes[1], "--ask", "0.01BTT/MiB"];
    library.seed_cmd(&no_market).refused(1, "does not sell");
    let unknown = library.seed_cmd(&["pause", &unused_prefix(&hashes)]);
    unknown.refused(1, "no running torrent matches");
    library
        .seed_cmd(&["resume", "not-hex"])
        .refused(3, "is not an info-hash");
    // btt-get runs a fixed download: it takes no orders.
    let pid = lonely.pid().to_string();
    let refused = library.seed_cmd(&["pause", &hashes[2], "--pid", &pid]);
    refused.refused(1, "go to a btt-seed run");

    // --watch in a pipe prints every torrent each round.
    let mut command = library.env.btt("btt-seed");
    command.args(["status", "--watch", "--every", "200ms"]);
    let mut watch = library.env.spawn("btt-seed status --watch", command);
    for _ in 0..12 {
        torrent_status(&watch.read_record(WAIT, "torrent_status"));
    }
    watch.terminate();
}

#[test]
fn a_running_seeder_adds_pauses_resumes_sets_and_removes_torrents() {
    let library = Library::new();
    let (seeder, port) = library.seeder(&[0], &[]);
    let (alpha, beta) = (library.hash(0), library.hash(1));

    // add: a leecher of beta waiting for it gets it.
    let mut beta_leecher = library.get(1, "beta", Some(port), &[]);
    let beta_path = library.torrent(1).display().to_string();
    let added = library.seed_cmd(&["add", &beta_path]).ok();
    let added = torrent_status(&added.one());
    assert_eq!(
        (added.info_hash.as_str(), added.pid),
        (beta.as_str(), seeder.pid())
    );
    beta_leecher.wait_success(DOWNLOAD);
    let again = library.seed_cmd(&["add", &beta_path]);
    again.refused(1, "is seeded already");

    // pause: a new leecher of alpha receives nothing; the limit set while
    // paused holds once resumed.
    let paused = torrent_status(&library.seed_cmd(&["pause", &alpha[..10]]).ok().one());
    assert_eq!(paused.state.name(), "paused");
    library
        .seed_cmd(&["pause", &alpha[..10], "--pid", &seeder.pid().to_string()])
        .refused(1, "paused already");
    let mut alpha_leecher = library.get(0, "alpha", Some(port), &[]);
    receives_nothing(&library, &alpha, &alpha_leecher);
    let set = library.seed_cmd(&[
        "set",
        &alpha[..10],
        "--pid",
        &seeder.pid().to_string(),
        "--up-limit",
        "256KiB",
    ]);
    assert_eq!(torrent_status(&set.ok().one()).up_limit, Some(256 << 10));
    let resumed = library.seed_cmd(&["resume", &alpha[..10], "--pid", &seeder.pid().to_string()]);
    let resumed = torrent_status(&resumed.ok().one());
    assert_eq!(
        (resumed.state.name(), resumed.up_limit),
        ("seeding", Some(256 << 10))
    );
    let started = Instant::now();
    alpha_leecher.wait_success(DOWNLOAD);
    // 1 MiB at 256 KiB/s, less a burst: not under 3 s.
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let summary = support::last_record::<Value>(&alpha_leecher, "summary");
    assert_eq!(summary["complete"], true);

    // set --up-limit 0 lifts the limit.
    let pid = seeder.pid().to_string();
    let lifted = library.seed_cmd(&["set", &alpha[..10], "--pid", &pid, "--up-limit", "0"]);
    assert_eq!(torrent_status(&lifted.ok().one()).up_limit, None);

    // remove --delete-data: beta is gone from status, disk and the swarm.
    let removed = library.seed_cmd(&["remove", &beta[..10], "--pid", &pid, "--delete-data"]);
    assert_eq!(torrent_status(&removed.ok().one()).info_hash, beta);
    assert!(!library.data.join("beta").exists());
    let listed = library.status();
    assert!(of(&listed, &beta, seeder.pid()).is_none(), "{listed:#?}");
    assert!(of(&listed, &alpha, seeder.pid()).is_some(), "{listed:#?}");
    let late = library.get(1, "late", Some(port), &[]);
    receives_nothing(&library, &beta, &late);
}

/// `btt-seed add` of a magnet link into a running seeder with nothing of
/// it: the seeder fetches the metadata from the link's peer, downloads the
/// data and seeds it; a link that does not parse is one line, exit 3,
/// before anything is sent.
#[test]
fn a_running_seeder_adds_a_magnet_link_and_fetches_it() {
    let library = Library::new();
    let (_source, port) = library.seeder(&[1], &[]);
    let empty = library.env.dir("empty");
    let watched = library.env.dir("watched");
    let mut command = library.env.btt("btt-seed");
    command
        .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(&empty)
        .arg("--watch-dir")
        .arg(&watched);
    let mut fetcher = library.env.spawn("btt-seed run (empty)", command);
    support::listening_port(&mut fetcher);
    let pid = fetcher.pid().to_string();
    let beta = library.hash(1);
    library
        .seed_cmd(&["add", "magnet:?xt=urn:btih:nothex", "--pid", &pid])
        .refused(3, "magnet");
    let magnet = format!("magnet:?xt=urn:btih:{beta}&dn=beta&x.pe=127.0.0.1:{port}");
    let added = library.seed_cmd(&["add", &magnet, "--pid", &pid]).ok();
    assert_eq!(torrent_status(&added.one()).info_hash, beta);
    library.wait_status("beta fetched by the seeder", |listed| {
        of(listed, &beta, fetcher.pid()).is_some_and(|torrent| torrent.left == 0)
    });
    let fetched = std::fs::read(empty.join("beta")).expect("beta fetched");
    assert!(fetched == std::fs::read(library.data.join("beta")).unwrap());
}

#[test]
fn a_watch_dir_takes_complete_torrents_once_and_ignores_the_rest() {
    let library = Library::new();
    let watched = library.env.dir("watched");
    let (seeder, _) = library.seeder(
        &[],
        &[
            "--watch-dir",
            watched.to_str().unwrap(),
            "--watch-every",
            "200ms",
        ],
    );
    let (alpha, beta) = (library.hash(0), library.hash(1));
    let beta_bytes = std::fs::read(library.torrent(1)).unwrap();
    let half = watched.join("beta.torrent");
    std::fs::write(&half, &beta_bytes[..beta_bytes.len() / 2]).unwrap();
    std::fs::write(watched.join("bad.torrent"), b"d4:infoi1ee").unwrap();
    std::fs::write(watched.join("notes.txt"), b"hello").unwrap();
    std::fs::copy(library.torrent(0), watched.join("alpha.torrent")).unwrap();

    library.wait_status("alpha from the watch dir", |listed| {
        of(listed, &alpha, seeder.pid()).is_some()
    });
    let ignored = |name: &str| {
        let stderr = seeder.stderr();
        let needle = format!("{name}: ignored");
        stderr.lines().filter(|line| line.contains(&needle)).count()
    };
    wait_until("the half-written file ignored", || {
        ignored("beta.torrent") == 1
    });
    // The rest of the file arrives: it is taken.
    std::fs::write(&half, &beta_bytes).unwrap();
    library.wait_status("beta once complete", |listed| {
        of(listed, &beta, seeder.pid()).is_some()
    });
    assert_eq!(ignored("bad.torrent"), 1, "{}", seeder.stderr());
    assert_eq!(ignored("notes.txt"), 1, "{}", seeder.stderr());

    // A removed file stops its torrent.
    std::fs::remove_file(watched.join("alpha.torrent")).unwrap();
    library.wait_status("alpha stopped", |listed| {
        of(listed, &alpha, seeder.pid()).is_none() && of(listed, &beta, seeder.pid()).is_some()
    });
    assert_eq!(ignored("bad.torrent"), 1, "{}", seeder.stderr());
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "no {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Writes `line` (a newline added) and reads one answer line.
fn exchange(stream: &mut UnixStream, line: &[u8]) -> Value {
    // A refused oversize line may close the connection before all of it is written.
    let _ = stream.write_all(&[line, b"\n"].concat());
    let mut answer = String::new();
    BufReader::new(stream.try_clone().unwrap())
        .read_line(&mut answer)
        .unwrap();
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer:?}"))
}

fn connect(path: &Path) -> UnixStream {
    let stream = UnixStream::connect(path).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
}

#[test]
fn hostile_socket_input_is_refused_and_harms_nothing() {
    let library = Library::new();
    let (seeder, port) = library.seeder(&[0], &[]);
    let socket = library.runtime().join(format!("btt-{}.sock", seeder.pid()));
    wait_until("the control socket", || socket.exists());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Idle clients hold no one up.
    let idle: Vec<UnixStream> = (0..8).map(|_| connect(&socket)).collect();
    let mut stream = connect(&socket);
    for garbage in [
        &b"garbage"[..],
        br#"{"request":"reboot"}"#,
        br#"{"request":"torrents","extra":1}"#,
        br#"{"request":"pause","info_hash":"00"}"#,
        &[0xff, 0xfe, 0x00],
    ] {
        let answer = exchange(&mut stream, garbage);
        assert!(answer["error"].is_string(), "{answer}");
    }
    let torrents = exchange(&mut stream, br#"{"request":"torrents"}"#);
    assert_eq!(torrents["process"]["pid"], seeder.pid());

    let oversize = vec![b'a'; 100 << 10];
    let answer = exchange(&mut stream, &oversize);
    assert!(
        answer["error"].as_str().unwrap().contains("at most"),
        "{answer}"
    );
    let mut rest = String::new();
    let closed = BufReader::new(stream).read_line(&mut rest);
    assert!(matches!(closed, Ok(0)) || closed.is_err(), "{rest:?}");

    // The seeder still answers and serves.
    library.wait_status("alpha seeded", |listed| {
        of(listed, &library.hash(0), seeder.pid()).is_some()
    });
    let mut leecher = library.get(0, "after", Some(port), &[]);
    leecher.wait_success(DOWNLOAD);
    drop(idle);
}

/// `set --ask` changes what a selling seeder asks: its status says so, and
/// a buyer that connects after it hears the new ask.
#[test]
fn set_changes_the_ask_of_a_selling_seeder() {
    use support::market::{Backend, Market, COMMAND};
    let market = Market::new(Backend::Embedded);
    let seller = market.seed("0.01BTT/MiB", &[]);
    let hash = market.fixture.info_hash_hex();
    let btt_seed = |args: &[&str]| {
        let mut command = market.command("btt-seed");
        command.args(args);
        let mut child = market.env().spawn("btt-seed", command);
        Run::finish(&mut child, COMMAND)
    };
    wait_until("the seller listed", || {
        let listed = btt_seed(&["status"]).ok().records();
        listed
            .iter()
            .any(|record| record["info_hash"] == hash.as_str())
    });
    let set = btt_seed(&["set", &hash[..8], "--ask", "0.05BTT/MiB"]).ok();
    let status = torrent_status(&set.one());
    assert_eq!(
        (status.pid, status.ask_base_units),
        (seller.child.pid(), Some(50_000))
    );

    assert_eq!(btt_seed(&["set", &hash[..8], "--ask", "nonsense"]).code, 2);

    let (mut buyer, _) = market.buy("alice", &seller, "0.02BTT/MiB", "5BTT");
    let peer = buyer.read_record(COMMAND, "market_peer");
    assert_eq!(peer["ask_base_units"], 50_000, "{peer}");
}
