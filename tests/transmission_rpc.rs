//! `btt-seed run --rpc` driven by Debian's real `transmission-remote`: list,
//! add (file and magnet), stop, start, limits, remove (with and without the
//! data), with and without a password, each change seen in `btt-seed status`
//! and, where cheap, by a leecher; and hostile HTTP (no session id, a wrong
//! password, oversize, bad JSON, bad base64, bad bencode, a foreign Host) that
//! changes nothing. Every wait polls with a deadline.

use crate::support;

use btt::control::protocol::TorrentStatus;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{make_tree, BttSeed, Child, Run, TestEnv};

/// How long a state may take to show.
const WAIT: Duration = Duration::from_secs(60);
/// How long a leecher is watched to see it receive nothing.
const QUIET: Duration = Duration::from_secs(3);

/// Three contents under `data/`, a torrent of each, and a seeder of the
/// first with the RPC on a free loopback port.
struct Rpc {
    env: TestEnv,
    data: PathBuf,
    torrents: Vec<PathBuf>,
    port: u16,
    seeder: Child,
    /// The seeder's peer port.
    peer_port: u16,
    /// `-n USER:PASSWORD` for transmission-remote, when a password is set.
    auth: Option<String>,
}

impl Rpc {
    /// The seeder of torrent 0, its RPC with `auth` (given through `BTT_RPC_AUTH`).
    fn start(auth: Option<&str>, extra: &[&str]) -> Rpc {
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
        let torrents: Vec<PathBuf> = ["alpha", "beta", "gamma"]
            .iter()
            .map(|name| {
                let out = env.path().join(format!("{name}.torrent"));
                BttSeed::create(&env, &data.join(name), &out, "http://127.0.0.1:1/announce")
            })
            .collect();
        let port = support::free_port();
        let mut command = env.btt("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .args(["--rpc", &format!("127.0.0.1:{port}")])
            .arg("--data")
            .arg(&data)
            .args(extra)
            .arg(&torrents[0]);
        if let Some(auth) = auth {
            command.env("BTT_RPC_AUTH", auth);
        }
        let mut seeder = env.spawn("btt-seed run --rpc", command);
        let peer_port = support::listening_port(&mut seeder);
        let rpc = Rpc {
            env,
            data,
            torrents,
            port,
            seeder,
            peer_port,
            auth: auth.map(str::to_string),
        };
        rpc.wait_answering();
        let alpha = rpc.hash(0);
        rpc.wait_status("alpha seeding", |listed| named(listed, &alpha).is_some());
        rpc
    }

    fn hash(&self, index: usize) -> String {
        support::info_hash(&self.torrents[index])
    }

    /// Polls until the RPC port takes connections.
    fn wait_answering(&self) {
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "the RPC never listened");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `transmission-remote` with `args`, with the right password when one is set.
    fn remote(&self, args: &[&str]) -> Run {
        let mut command = self.env.command("transmission-remote");
        command.arg(format!("127.0.0.1:{}", self.port));
        if let Some(auth) = &self.auth {
            command.args(["-n", auth]);
        }
        command.args(args);
        let mut child = self.env.spawn("transmission-remote", command);
        Run::finish(&mut child, support::COMMAND_TIMEOUT)
    }

    /// `transmission-remote` with `args` and no password of ours.
    fn remote_as(&self, auth: Option<&str>, args: &[&str]) -> Run {
        let mut command = self.env.command("transmission-remote");
        command.arg(format!("127.0.0.1:{}", self.port));
        if let Some(auth) = auth {
            command.args(["-n", auth]);
        }
        command.args(args);
        let mut child = self.env.spawn("transmission-remote", command);
        Run::finish(&mut child, support::COMMAND_TIMEOUT)
    }

    /// The seeder's torrents as `btt-seed status` lists them.
    fn status(&self) -> Vec<TorrentStatus> {
        let mut command = self.env.btt("btt-seed");
        command.arg("status");
        let mut child = self.env.spawn("btt-seed status", command);
        let run = Run::finish(&mut child, support::COMMAND_TIMEOUT).ok();
        run.records()
            .iter()
            .map(torrent_status)
            .filter(|torrent| torrent.pid == self.seeder.pid())
            .collect()
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

    /// A `btt-get` of torrent `index` from the seeder at `--down-limit 64KiB`.
    fn leecher(&self, index: usize) -> Child {
        let mut command = self.env.btt("btt-get");
        command
            .arg(&self.torrents[index])
            .arg("-o")
            .arg(self.env.path().join("leeched"))
            .args(["--no-tracker", "--listen", "127.0.0.1:0"])
            .args(["--down-limit", "64KiB"])
            .args(["--peer", &format!("127.0.0.1:{}", self.peer_port)]);
        let mut child = self.env.spawn("btt-get", command);
        child.read_record(WAIT, "started");
        child
    }

    /// Sends raw `request` bytes to the RPC; returns the whole answer.
    fn raw(&self, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(WAIT)).unwrap();
        // An oversize body may be refused before all of it is written.
        let _ = stream.write_all(request);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// A POST of `body` with `headers` (each ending in CRLF).
    fn post(&self, headers: &str, body: &str) -> String {
        let request = format!(
            "POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Length: {}\r\n{headers}\r\n{body}",
            self.port,
            body.len()
        );
        self.raw(request.as_bytes())
    }

    /// The session id the RPC hands out in its 409.
    fn session_id(&self) -> String {
        let answer = self.post("", "{}");
        assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
        header(&answer, "x-transmission-session-id").expect("a session id")
    }

    /// The JSON answer to `body`, sent with a valid session id.
    fn call(&self, body: &str) -> Value {
        let id = self.session_id();
        let answer = self.post(&format!("X-Transmission-Session-Id: {id}\r\n"), body);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let json = answer.split("\r\n\r\n").nth(1).expect("a body");
        serde_json::from_str(json).expect("a JSON answer")
    }
}

fn torrent_status(record: &Value) -> TorrentStatus {
    assert_eq!(record["type"], "torrent_status", "{record}");
    let mut fields = record.clone();
    fields.as_object_mut().unwrap().remove("type");
    serde_json::from_value(fields).expect("a torrent_status record")
}

fn header(answer: &str, name: &str) -> Option<String> {
    answer.split("\r\n\r\n").next()?.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

fn named<'a>(listed: &'a [TorrentStatus], hash: &str) -> Option<&'a TorrentStatus> {
    listed.iter().find(|torrent| torrent.info_hash == hash)
}

fn leeched(child: &Child, listed_by: &Rpc, hash: &str) -> Option<TorrentStatus> {
    let mut command = listed_by.env.btt("btt-seed");
    command.arg("status");
    let mut status = listed_by.env.spawn("btt-seed status", command);
    let run = Run::finish(&mut status, support::COMMAND_TIMEOUT).ok();
    run.records()
        .iter()
        .map(torrent_status)
        .find(|torrent| torrent.pid == child.pid() && torrent.info_hash == hash)
}

/// Polls until the leecher's status satisfies `found`.
fn wait_leecher(
    rpc: &Rpc,
    child: &Child,
    hash: &str,
    what: &str,
    found: impl Fn(&TorrentStatus) -> bool,
) -> TorrentStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(torrent) = leeched(child, rpc, hash).filter(|torrent| found(torrent)) {
            return torrent;
        }
        assert!(Instant::now() < deadline, "the leecher never {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn transmission_remote_lists_adds_stops_starts_limits_and_removes() {
    let rpc = Rpc::start(None, &[]);
    let (alpha, beta, gamma) = (rpc.hash(0), rpc.hash(1), rpc.hash(2));

    let list = rpc.remote(&["-l"]).ok();
    let row = list
        .stdout
        .lines()
        .find(|line| line.contains("alpha"))
        .expect("alpha listed");
    assert!(row.trim_start().starts_with("1 "), "{row}");
    // Without peers by direction (btt does not count them) a seeding torrent is Idle.
    assert!(row.contains("100%") && row.contains("Idle"), "{row}");
    assert!(list.stdout.contains("Sum:"), "{}", list.stdout);

    // A .torrent file (sent as base64 metainfo) is seeded at once.
    let beta_torrent = rpc.torrents[1].display().to_string();
    let added = rpc.remote(&["-a", &beta_torrent]).ok();
    assert!(added.stdout.contains("success"), "{}", added.describe());
    rpc.wait_status("beta seeding", |listed| {
        named(listed, &beta).is_some_and(|torrent| torrent.state.name() == "seeding")
    });
    let again = rpc.remote(&["-a", &beta_torrent]).ok();
    assert!(
        again.stdout.contains("success"),
        "a duplicate is not an error: {}",
        again.describe()
    );

    // -S stops the swarm: the leecher loses its peer and receives nothing more.
    let leecher = rpc.leecher(0);
    wait_leecher(&rpc, &leecher, &alpha, "received", |torrent| {
        torrent.downloaded > 0
    });
    rpc.remote(&["-t", "1", "-S"]).ok();
    let listed = rpc.status();
    assert_eq!(named(&listed, &alpha).unwrap().state.name(), "paused");
    let stopped = wait_leecher(&rpc, &leecher, &alpha, "lost its peer", |torrent| {
        torrent.peers == 0
    });
    let deadline = Instant::now() + QUIET;
    while Instant::now() < deadline {
        let now = leeched(&leecher, &rpc, &alpha).expect("the leecher runs");
        assert_eq!(
            now.downloaded, stopped.downloaded,
            "received from a stopped torrent"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let list = rpc.remote(&["-l"]).ok();
    let row = list
        .stdout
        .lines()
        .find(|line| line.contains("alpha"))
        .unwrap();
    assert!(row.contains("Stopped"), "{row}");

    // -s starts it again: the leecher receives more.
    rpc.remote(&["-t", &alpha, "-s"]).ok();
    wait_leecher(&rpc, &leecher, &alpha, "received again", |torrent| {
        torrent.downloaded > stopped.downloaded
    });

    // -u and -d set the torrent's own limits, in kB/s.
    rpc.remote(&["-t", "1", "-u", "100", "-d", "200"]).ok();
    let listed = rpc.status();
    let limited = named(&listed, &alpha).unwrap();
    assert_eq!(
        (limited.up_limit, limited.down_limit),
        (Some(100_000), Some(200_000))
    );
    rpc.remote(&["-t", "1", "-U"]).ok();
    assert_eq!(named(&rpc.status(), &alpha).unwrap().up_limit, None);

    // -r forgets beta and keeps its data; --remove-and-delete deletes gamma's.
    rpc.remote(&["-t", &beta, "-r"]).ok();
    rpc.wait_status("beta removed", |listed| named(listed, &beta).is_none());
    assert!(rpc.data.join("beta").exists());
    rpc.remote(&["-a", &rpc.torrents[2].display().to_string()])
        .ok();
    rpc.wait_status("gamma seeding", |listed| named(listed, &gamma).is_some());
    rpc.remote(&["-t", &gamma, "--remove-and-delete"]).ok();
    rpc.wait_status("gamma removed", |listed| named(listed, &gamma).is_none());
    assert!(
        !rpc.data.join("gamma").exists(),
        "gamma's data is still there"
    );
    let list = rpc.remote(&["-l"]).ok();
    assert!(
        !list.stdout.contains("beta") && !list.stdout.contains("gamma"),
        "{}",
        list.stdout
    );
}

#[test]
fn a_password_admits_the_right_user_and_nothing_else_reaches_the_swarm() {
    let rpc = Rpc::start(Some("alice:s3cret"), &[]);
    let beta_torrent = rpc.torrents[1].display().to_string();

    let list = rpc.remote(&["-l"]).ok();
    assert!(list.stdout.contains("alpha"), "{}", list.stdout);
    for wrong in [Some("alice:wrong"), Some("bob:s3cret"), None] {
        let refused = rpc.remote_as(wrong, &["-a", &beta_torrent]);
        assert_ne!(refused.code, 0, "{}", refused.describe());
        assert!(refused.stderr.contains("401"), "{}", refused.describe());
        let stopped = rpc.remote_as(wrong, &["-t", "all", "-S"]);
        assert_ne!(stopped.code, 0, "{}", stopped.describe());
    }
    let listed = rpc.status();
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0].state.name(), "seeding");
    let raw = rpc.post("", "{\"method\":\"torrent-get\"}");
    assert!(raw.starts_with("HTTP/1.1 401"), "{raw}");
    assert_eq!(
        header(&raw, "www-authenticate").as_deref(),
        Some("Basic realm=\"Transmission\"")
    );

    rpc.remote(&["-a", &beta_torrent]).ok();
    rpc.wait_status("beta added with the password", |listed| listed.len() == 2);
}

#[test]
fn a_magnet_added_over_rpc_fetches_its_metadata_and_downloads() {
    let origin = Rpc::start(None, &[]);
    let origin_port = origin.peer_port;
    let empty = origin.env.dir("empty");
    let watched = origin.env.dir("watched");
    let port = support::free_port();
    let mut command = origin.env.btt("btt-seed");
    command
        .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
        .args(["--rpc", &format!("127.0.0.1:{port}")])
        .args(["--peer", &format!("127.0.0.1:{origin_port}")])
        .arg("--data")
        .arg(&empty)
        .arg("--watch-dir")
        .arg(&watched);
    let mut fetcher = origin.env.spawn("btt-seed run --rpc (empty)", command);
    support::listening_port(&mut fetcher);
    let alpha = origin.hash(0);
    let magnet = format!("magnet:?xt=urn:btih:{alpha}&dn=alpha");
    let deadline = Instant::now() + WAIT;
    let added = loop {
        let mut remote = origin.env.command("transmission-remote");
        remote
            .arg(format!("127.0.0.1:{port}"))
            .args(["-a", &magnet]);
        let mut child = origin.env.spawn("transmission-remote -a magnet", remote);
        let run = Run::finish(&mut child, support::COMMAND_TIMEOUT);
        if run.code == 0 || Instant::now() > deadline {
            break run;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(added.stdout.contains("success"), "{}", added.describe());
    let deadline = Instant::now() + WAIT;
    loop {
        let listed = origin.status_of(fetcher.pid());
        if named(&listed, &alpha).is_some_and(|torrent| torrent.progress == 1.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the magnet never completed: {listed:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let fetched = std::fs::read(empty.join("alpha")).expect("alpha downloaded");
    assert_eq!(fetched, std::fs::read(origin.data.join("alpha")).unwrap());
}

impl Rpc {
    /// The torrents of process `pid` as `btt-seed status` lists them.
    fn status_of(&self, pid: u32) -> Vec<TorrentStatus> {
        let mut command = self.env.btt("btt-seed");
        command.arg("status");
        let mut child = self.env.spawn("btt-seed status", command);
        let run = Run::finish(&mut child, support::COMMAND_TIMEOUT).ok();
        run.records()
            .iter()
            .map(torrent_status)
            .filter(|torrent| torrent.pid == pid)
            .collect()
    }
}

#[test]
fn hostile_requests_get_clear_answers_and_change_nothing() {
    let rpc = Rpc::start(None, &[]);

    // No session id, then a wrong one: 409 with the id to use.
    let answer = rpc.post("", r#"{"method":"torrent-stop"}"#);
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    let answer = rpc.post(
        "X-Transmission-Session-Id: nope\r\n",
        r#"{"method":"torrent-stop"}"#,
    );
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    let id = rpc.session_id();

    // A page of another origin, through DNS rebinding: 421.
    let rebound = format!(
        "POST /transmission/rpc HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\
         X-Transmission-Session-Id: {id}\r\nContent-Length: 2\r\n\r\n{{}}",
        rpc.port
    );
    assert!(rpc.raw(rebound.as_bytes()).starts_with("HTTP/1.1 421"));

    // An oversize body: 413 before it is sent.
    let huge = format!(
        "POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         X-Transmission-Session-Id: {id}\r\nContent-Length: {}\r\n\r\n",
        (8 << 20) + 1
    );
    assert!(rpc.raw(huge.as_bytes()).starts_with("HTTP/1.1 413"));

    // Oversize headers are refused by the HTTP layer.
    let long_header = format!(
        "POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(64 << 10)
    );
    let answer = rpc.raw(long_header.as_bytes());
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );

    // Bad JSON, bad base64, bad bencode, bad ids, bad limits, unknown methods.
    let refusals = [
        ("{not json", "not a JSON-RPC request"),
        (
            r#"{"method":"torrent-add","arguments":{"metainfo":"!!!"}}"#,
            "not base64",
        ),
        (
            r#"{"method":"torrent-add","arguments":{"metainfo":"aGVsbG8="}}"#,
            "invalid or corrupt torrent file",
        ),
        (
            r#"{"method":"torrent-add","arguments":{"filename":"magnet:?xt=urn:btih:zz"}}"#,
            "invalid magnet link",
        ),
        (
            r#"{"method":"torrent-add","arguments":{"filename":"relative.torrent"}}"#,
            "not an absolute path",
        ),
        (
            r#"{"method":"torrent-add","arguments":{}}"#,
            "no filename or metainfo specified",
        ),
        (
            r#"{"method":"torrent-stop","arguments":{"ids":{"a":1}}}"#,
            "ids must be",
        ),
        (
            r#"{"method":"torrent-set","arguments":{"uploadLimit":-5}}"#,
            "uploadLimit must be",
        ),
        (
            r#"{"method":"torrent-get","arguments":{}}"#,
            "no fields specified",
        ),
        (
            r#"{"method":"torrent-add","arguments":{"filename":"/x.torrent","download-dir":"/elsewhere"}}"#,
            "is not this run's --data",
        ),
        (
            r#"{"method":"torrent-add","arguments":{"filename":"/x.torrent","files-unwanted":[0]}}"#,
            "files-unwanted is not supported",
        ),
        (
            r#"{"method":"blocklist-update"}"#,
            "method name not recognized",
        ),
        (
            r#"{"method":"torrent-get","arguments":[1]}"#,
            "arguments must be an object",
        ),
    ];
    for (body, expected) in refusals {
        let answer = rpc.call(body);
        let result = answer["result"].as_str().unwrap_or_default();
        assert!(result.contains(expected), "{body}: {answer}");
    }

    // Nothing changed: one torrent, seeding, no limits; tags are echoed.
    let answer = rpc.call(
        r#"{"method":"torrent-get","tag":7,"arguments":{"fields":["id","status","hashString","uploadLimited","bogus"]}}"#,
    );
    assert_eq!(answer["result"], "success", "{answer}");
    assert_eq!(answer["tag"], 7);
    let torrents = answer["arguments"]["torrents"].as_array().unwrap();
    assert_eq!(torrents.len(), 1, "{answer}");
    assert_eq!(torrents[0]["status"], 6);
    assert_eq!(torrents[0]["hashString"], rpc.hash(0));
    assert_eq!(torrents[0]["uploadLimited"], false);
    assert!(torrents[0].get("bogus").is_none());
    let listed = rpc.status();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].state.name(), listed[0].up_limit),
        ("seeding", None)
    );

    // A client that sends half a request head is dropped.
    let mut slow = TcpStream::connect(("127.0.0.1", rpc.port)).unwrap();
    slow.set_read_timeout(Some(WAIT)).unwrap();
    slow.write_all(b"POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(started.elapsed() < WAIT, "a slow client was kept");
    assert!(!Path::new(&rpc.data).join("relative.torrent").exists());
}

#[test]
fn the_password_comes_from_a_file_and_an_exposed_rpc_needs_one() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("alpha", 64 << 10)]);
    let torrent = env.path().join("alpha.torrent");
    BttSeed::create(
        &env,
        &data.join("alpha"),
        &torrent,
        "http://127.0.0.1:1/announce",
    );
    let seeder = |rpc: &str, extra: &[&str]| {
        let mut command = env.btt("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .args(["--rpc", rpc])
            .arg("--data")
            .arg(&data)
            .args(extra)
            .arg(&torrent);
        command
    };

    // Listening beyond loopback without a password is refused before anything runs.
    let mut exposed = env.spawn("btt-seed run --rpc 0.0.0.0", seeder("0.0.0.0:0", &[]));
    let run = Run::finish(&mut exposed, support::COMMAND_TIMEOUT);
    assert_ne!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains("is not a loopback address"),
        "{}",
        run.describe()
    );

    // The password file's first line; transmission-remote -ne reads TR_AUTH.
    let secret = env.path().join("rpc-auth");
    std::fs::write(&secret, "carol:pa:ss\nignored\n").unwrap();
    let port = support::free_port();
    let auth_file = secret.display().to_string();
    let addr = format!("127.0.0.1:{port}");
    let mut running = env.spawn(
        "btt-seed run --rpc-auth-file",
        seeder(&addr, &["--rpc-auth-file", &auth_file]),
    );
    support::listening_port(&mut running);
    let remote = |tr_auth: &str| {
        let mut command = env.command("transmission-remote");
        command
            .env("TR_AUTH", tr_auth)
            .args([addr.as_str(), "-ne", "-l"]);
        let mut child = env.spawn("transmission-remote -ne", command);
        Run::finish(&mut child, support::COMMAND_TIMEOUT)
    };
    let deadline = Instant::now() + WAIT;
    loop {
        let listed = remote("carol:pa:ss");
        if listed.code == 0 && listed.stdout.contains("alpha") {
            break;
        }
        assert!(Instant::now() < deadline, "{}", listed.describe());
        std::thread::sleep(Duration::from_millis(200));
    }
    let refused = remote("carol:pa");
    assert!(refused.stderr.contains("401"), "{}", refused.describe());
}
