//! The README's tour, run from top to bottom on loopback as a new user
//! would run it in one shell, so it can not drift from what btt does.
//!
//! Every shell line of the README from "A tour" to "Output and exit status"
//! (the "Real BTT" section included, against `scripts/devchain`) is read
//! from README.md and must match, in order, a step of [`tour`], which says
//! how the line runs: to completion (exit 0, or the refusal the README
//! describes), as a server in the background until the end (or until a
//! later step stops it), until a record shows it working, or not at all,
//! with the reason. A line added to or changed in the README fails the test
//! until its step says how it runs. The lines run in one `bash`, as
//! written, with the substitutions of [`Tour::substitute`] only: ports,
//! `scripts/`, and the placeholders the README fills with values an
//! earlier command printed. What the README shows of a command's output is
//! checked in its essentials where a step says so.
//!
//! The scaffolding around the lines, all in [`Tour::scaffold`] and the
//! steps' `fresh_dl` and `home`: the content (`album/`, a second torrent in
//! `more/` and `more.torrent`, a queue of magnet lines), a `chat-bot` that
//! prints the README's tip request, an empty `~/dl` before the downloads
//! whose point is to download, and the "Real BTT" section in its own data
//! directory (it makes its own alice and bob). Wallet passwords come from
//! `BTT_PASSWORD_FILE`, as the README says they can.

use crate::support;

use serde_json::Value;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{bin, free_port, make_tree, Child, TestEnv};

/// How long one foreground command may take (`btt-bid quote` listens 10 s).
const COMMAND: Duration = Duration::from_secs(60);
/// How long a server may take to show it is ready.
const READY: Duration = Duration::from_secs(30);
/// How long a stopped server may take to exit after SIGTERM.
const GRACE: Duration = Duration::from_secs(5);

/// How a README line runs.
#[derive(Clone, Copy)]
enum How {
    /// To completion; it must exit 0.
    Run,
    /// To completion; the README says it refuses now: this status and these words on stderr.
    Refused(i32, &'static str),
    /// In the background, named, until a later step stops it or the tour ends;
    /// it is ready once it shows `Ready`.
    Serve(&'static str, Ready),
    /// In the background until it shows `Ready`, then stopped (it would run on: seeding, following).
    Until(Ready),
    /// Not here, for the reason given.
    Skip(&'static str),
}

/// What shows a background command is working.
#[derive(Clone, Copy)]
enum Ready {
    /// A `{"type": ...}` record of this type on its stdout.
    Record(&'static str),
    /// Any JSON record on its stdout.
    AnyRecord,
    /// Its TCP port (the anvil port) takes connections.
    AnvilPort,
}

/// Where a step runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Home {
    /// The tour's data directory.
    Tour,
    /// The "Real BTT" section's own data directory.
    Bttc,
}

/// A value an earlier command printed, for a placeholder of a later one.
type Capture = (&'static str, fn(&[Value]) -> Option<String>);

/// A check of what the README shows of a command's output.
type Check = fn(&Output) -> Result<(), String>;

/// One README line and how the tour runs it.
struct Step {
    command: &'static str,
    how: How,
    /// Servers stopped before it runs (they hold the lock of the same torrent and data).
    stops: &'static [&'static str],
    /// Empty `~/dl` first, so the line downloads rather than finds its files complete.
    fresh_dl: bool,
    home: Home,
    capture: Option<Capture>,
    check: Option<Check>,
}

fn step(command: &'static str, how: How) -> Step {
    Step {
        command,
        how,
        stops: &[],
        fresh_dl: false,
        home: Home::Tour,
        capture: None,
        check: None,
    }
}

fn run(command: &'static str) -> Step {
    step(command, How::Run)
}

impl Step {
    fn stops(mut self, servers: &'static [&'static str]) -> Step {
        self.stops = servers;
        self
    }
    fn fresh_dl(mut self) -> Step {
        self.fresh_dl = true;
        self
    }
    fn bttc(mut self) -> Step {
        self.home = Home::Bttc;
        self
    }
    fn captures(mut self, name: &'static str, value: fn(&[Value]) -> Option<String>) -> Step {
        self.capture = Some((name, value));
        self
    }
    fn checks(mut self, check: Check) -> Step {
        self.check = Some(check);
        self
    }
}

/// The README's tour, line by line.
fn tour() -> Vec<Step> {
    use How::*;
    use Ready::*;
    let seeder = Record("listening");
    vec![
        run("btt-seed create ./album -o album.torrent --announce http://127.0.0.1:6969/announce")
            .captures("HASH", |records| text(records, "created", &["torrent", "info_hash"])),
        run("btt-seed create ./album --hybrid -o hybrid.torrent"),
        run("btt-seed create ./album --v2 -o v2.torrent"),
        run("btt-seed show album.torrent").checks(shows_album),
        run("btt-seed show hybrid.torrent").checks(shows_pads_apart),
        run("btt-seed show v2.torrent"),
        run("btt-seed verify album.torrent --data ."),
        step("btt-seed tracker --listen 127.0.0.1:6969", Serve("tracker", seeder)),
        step("btt-seed run --data . --for 6h --ratio 2 album.torrent more/*.torrent", Serve("album seeder", seeder)),
        run("btt-seed status"),
        step("btt-seed status --watch", Until(Record("torrent_status"))),
        run("btt-seed add v2.torrent").checks(|output| output.has("\"state\":\"seeding\"")),
        run("btt-seed pause 3f2a").checks(|output| output.has("\"state\":\"paused\"")),
        run("btt-seed resume 3f2a").checks(|output| output.has("\"state\":\"seeding\"")),
        run("btt-seed set 3f2a --up-limit 2MiB --down-limit 0").checks(|output| output.has("\"up_limit\":2097152")),
        step("btt-seed remove 3f2a --delete-data", Skip("it would delete the album the tour goes on with; tests/control.rs removes with --delete-data")),
        step("btt-seed run --watch-dir ~/torrents --data ~/seeds", Until(Record("listening"))),
        run("btt-get album.torrent -o ~/dl").fresh_dl().checks(downloaded),
        step("btt-get album.torrent -o ~/dl --peer 127.0.0.1:51413 --seed-ratio 1.5 --select 1,3-4", Until(Record("started"))),
        run("btt-get album.torrent more.torrent 'magnet:?xt=urn:btih:HASH&tr=http://127.0.0.1:6969/announce' -o ~/dl"),
        run("grep -h '^magnet:' queue/*.txt | btt-get - -o ~/dl").fresh_dl().checks(downloaded),
        run("btt-seed show - < album.torrent | jq .magnet").checks(prints_the_magnet),
        run("btt-seed create ./album --hybrid -o tracked.torrent --announce http://127.0.0.1:6969/announce")
            .captures("V2HASH", |records| text(records, "created", &["torrent", "info_hash_v2"])),
        step("btt-seed run --data . tracked.torrent", Serve("hybrid seeder", seeder)),
        run("btt-get 'magnet:?xt=urn:btmh:1220V2HASH&tr=http://127.0.0.1:6969/announce' -o ~/dl").fresh_dl().checks(downloaded),
        run("btt-seed create ./album -o web.torrent --web-seed https://files.example.org/pub/"),
        step("btt-get web.torrent -o ~/dl", Skip("its web seed is a public server; tests/web_seed.rs serves one on loopback")),
        step("btt-seed run --data . --listen 0.0.0.0:51413 album.torrent", Serve("utp seeder", seeder)).stops(&["album seeder"]),
        run("btt-get album.torrent -o ~/dl --utp only --peer 10.0.0.7:6881").fresh_dl().checks(downloaded),
        run("btt-get 'magnet:?xt=urn:btih:HASH&dn=album&tr=http://127.0.0.1:6969/announce' -o ~/dl").fresh_dl().checks(downloaded),
        run("btt-get 'magnet:?xt=urn:btih:HASH&x.pe=127.0.0.1:51413' --metadata-only -o fetched.torrent"),
        run("btt-get 'magnet:?xt=urn:btmh:1220V2HASH&tr=http://127.0.0.1:6969/announce' -o ~/dl").fresh_dl().checks(downloaded),
        step("btt-seed tracker --listen '[::1]:6969'", Serve("ipv6 tracker", seeder)),
        step("btt-seed run --data . --listen '[::1]:51413' album.torrent", Serve("ipv6 seeder", seeder)).stops(&["utp seeder"]),
        run("btt-get album.torrent -o ~/dl --peer '[::1]:51413'").fresh_dl().checks(downloaded),
        step("btt-seed run --data . album.torrent --no-tracker --dht-listen 127.0.0.1:6882 --dht-bootstrap none", Serve("dht seeder", Record("dht_listening"))).stops(&["ipv6 seeder"]),
        run("btt-get album.torrent --no-tracker --dht-bootstrap 127.0.0.1:6882 -o ~/dl").fresh_dl().checks(downloaded),
        run("btt-get 'magnet:?xt=urn:btih:HASH' --no-tracker --dht-bootstrap 127.0.0.1:6882 -o ~/dl").fresh_dl().checks(downloaded),
        run("btt-get album.torrent --no-dht -o ~/dl"),
        run("btt-wallet new --name alice"),
        run("btt-wallet new --name bob"),
        run("btt-wallet new --name carol"),
        run("to=$(btt-wallet address bob --plain)"),
        run("btt-wallet --dev faucet alice 1000BTT"),
        run("btt-wallet send \"$to\" 2.5BTT --from alice --memo \"thanks\"")
            .captures("TXID", |records| text(records, "receipt", &["txID"])),
        run("btt-wallet balance alice").checks(|output| output.has("997.5")),
        run("btt-wallet history alice").checks(|output| output.has("thanks")),
        run("btt-wallet tx TXID").checks(|output| output.has("thanks")),
        step("btt-wallet node --listen 127.0.0.1:8090", Serve("node", Record("listening"))),
        run("btt-wallet --ledger http://127.0.0.1:8090 balance alice").checks(|output| output.has("997.5")),
        run("btt-wallet channel open bob 50BTT --from alice --timeout 24h")
            .captures("CHANNEL_ID", channel_id),
        run("btt-wallet voucher CHANNEL_ID 1.25BTT --from alice > owed.json"),
        run("btt-wallet channel close owed.json"),
        run("btt-wallet channel list --from alice"),
        run("btt-seed earnings --wallet carol"),
        step("btt-seed run album.torrent --data . --wallet carol --ask 0.01BTT/MiB --slots 4 --up-limit 16MiB", Serve("market seeder", seeder)).stops(&["dht seeder"]),
        run("btt-get album.torrent -o ~/dl --wallet alice --bid 0.02BTT/MiB --budget 5BTT").fresh_dl().checks(downloaded),
        run("btt-bid quote album.torrent").checks(|output| output.has("\"quote\"")),
        run("btt-bid plan album.torrent --budget 20BTT --deadline 30m | btt-get - -o ~/dl --wallet alice").fresh_dl().checks(downloaded),
        run("btt-bid quote album.torrent | btt-bid plan - --budget 20BTT --deadline 30m").checks(|output| output.has("\"plan\"")),
        // With its only seeder stopped, the download stays in flight for btt-bid to steer.
        step(
            "btt-get album.torrent -o ~/dl --wallet alice --budget 20BTT --deadline 30m",
            Serve("auto-bidder", Record("started")),
        )
        .stops(&["market seeder"])
        .fresh_dl(),
        run("btt-bid status").checks(|output| output.has("\"download\"")),
        run("btt-bid set 3f2a 0.08BTT/MiB").checks(|output| output.has("\"bid_base_units\":80000")),
        run("btt-bid set 3f2a --budget 30BTT").checks(|output| output.has("\"budget_base_units\":\"30000000\"")),
        run("btt-bid stop 3f2a"),
        run("btt-tip TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY 5BTT --from alice --memo \"great set\"")
            .stops(&["auto-bidder"]),
        run("chat-bot | btt-tip - --from alice --budget 100BTT --max-tip 10BTT").checks(|output| output.has("msg-4711")),
        step("btt-tip watch TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY --since 1h", Until(AnyRecord)),
        run("btt-tip fund create --title \"Album 2\" --goal 1000BTT --deadline 30days --beneficiary carol")
            .captures("CAMPAIGN_ID", |records| text(records, "campaign", &["id"])),
        run("btt-tip fund pledge CAMPAIGN_ID 25BTT --from alice"),
        run("btt-tip fund status CAMPAIGN_ID"),
        step("btt-tip fund settle CAMPAIGN_ID", Refused(3, "can be settled from")),
        step("scripts/devchain &", Serve("devchain", AnvilPort)).bttc(),
        run("export BTT_LEDGER=http://127.0.0.1:8545").bttc(),
        run("btt-wallet new --name alice; btt-wallet new --name bob").bttc(),
        run("btt-wallet address alice").bttc().checks(|output| output.has("\"0x")),
        run("btt-wallet faucet alice 100BTT").bttc(),
        run("btt-wallet send bob 2.5BTT --from alice --memo \"thanks\"").bttc().checks(|output| output.has("fee_base_units")),
        run("btt-wallet balance alice").bttc().checks(|output| output.has("97.49996")),
        run("btt-tip bob 0.000000000000000001BTT --from alice --memo \"one wei\" --id gift-1").bttc(),
        run("btt-tip watch bob --since 1h --no-follow").bttc().checks(|output| output.has("one wei")),
        run("btt-wallet history bob").bttc().checks(|output| output.has("thanks")),
        run("btt-wallet --wbtt 0x000000000000000000000000000000000000B77C balance alice").bttc(),
        run("export BTT_CONTRACTS=$(btt-wallet deploy --from alice --gas-limit 2000000 | jq -r .contracts)").bttc(),
        run("btt-wallet channel open bob 10BTT --from alice --timeout 1h")
            .bttc()
            .captures("BTTC_CHANNEL", channel_id)
            .checks(|output| output.has("\"token\":\"bttc\"")),
        run("btt-wallet voucher BTTC_CHANNEL 3BTT --from alice > owed.json").bttc(),
        run("btt-wallet channel close owed.json")
            .bttc()
            .checks(|output| output.has("\"redeemed_base_units\":\"3000000000000000000\"")),
        run("btt-wallet new --name carol; btt-wallet faucet carol 1BTT").bttc(),
        step(
            "btt-seed run album.torrent --data . --wallet carol --ask 0.01BTT/MiB --slots 4 --up-limit 16MiB",
            Serve("chain seeder", seeder),
        )
        .bttc(),
        run("btt-get album.torrent -o ~/dl --wallet alice --bid 0.02BTT/MiB --budget 5BTT")
            .bttc()
            .fresh_dl()
            .checks(downloaded),
        run("btt-seed earnings --wallet carol")
            .bttc()
            .stops(&["chain seeder"])
            .checks(|output| output.has("\"type\":\"summary\"")),
        run("btt-seed sell ./single.bin --price 1BTT --wallet carol -o single.listing --announce http://127.0.0.1:6969/announce")
            .bttc()
            .checks(|output| output.has("\"token\":\"bttc\"")),
        step("btt-seed run --data . single.bin.age.torrent --wallet carol --sell single.listing", Serve("chain sale seeder", seeder)).bttc(),
        run("btt-tip buy single.listing --from alice -o ~/dl")
            .bttc()
            .fresh_dl()
            .checks(|output| output.has("\"status\":\"delivered\"")),
        run("btt-tip fund create --title \"Album 3\" --goal 5BTT --deadline 30days --beneficiary carol")
            .bttc()
            .stops(&["chain sale seeder"])
            .captures("CHAIN_CAMPAIGN", |records| text(records, "campaign", &["id"])),
        run("btt-tip fund pledge CHAIN_CAMPAIGN 1BTT --from alice").bttc(),
        step("btt-tip fund settle CHAIN_CAMPAIGN --from alice", Refused(3, "can be settled from")).bttc(),
        run("unset BTT_LEDGER BTT_CONTRACTS"),
        run("btt-seed sell ./album --price 10BTT --wallet carol -o album.listing --announce http://127.0.0.1:6969/announce"),
        step("btt-seed run --data . album.age.torrent --wallet carol --sell album.listing", Serve("sale seeder", seeder)),
        run("btt-seed deliver --wallet carol"),
        run("btt-tip buy album.listing --from alice -o ~/dl").fresh_dl().checks(bought),
        run("btt-tip buy album.listing --from alice --status").checks(|output| output.has("delivered")),
        run("btt-tip purchases --from alice").checks(|output| output.has("delivered")),
    ]
}

/// What a foreground command left.
struct Output {
    stdout: String,
    stderr: String,
    records: Vec<Value>,
}

impl Output {
    fn has(&self, text: &str) -> Result<(), String> {
        match self.stdout.contains(text) {
            true => Ok(()),
            false => Err(format!("stdout lacks {text:?}")),
        }
    }
    fn has_record(&self, kind: &str) -> Result<&Value, String> {
        self.records
            .iter()
            .find(|record| record["type"] == kind)
            .ok_or_else(|| format!("no {kind} record"))
    }
}

/// The string at `path` in the first `kind` record.
fn text(records: &[Value], kind: &str, path: &[&str]) -> Option<String> {
    let record = records.iter().find(|record| record["type"] == kind)?;
    let value = path.iter().fold(record, |value, key| &value[*key]);
    value.as_str().map(str::to_owned)
}

/// The id `channel open` printed.
fn channel_id(records: &[Value]) -> Option<String> {
    let record = records.first()?;
    ["channel_id", "channel", "id"]
        .iter()
        .find_map(|key| record[*key].as_str().map(str::to_owned))
}

fn shows_album(output: &Output) -> Result<(), String> {
    let torrent = output.has_record("torrent")?;
    match (
        torrent["name"].as_str(),
        torrent["files"].as_array().map(Vec::len),
    ) {
        (Some("album"), Some(4)) => Ok(()),
        other => Err(format!("name and files: {other:?}")),
    }
}

/// `show hybrid.torrent`: the size is of the files, the pads apart.
fn shows_pads_apart(output: &Output) -> Result<(), String> {
    let torrent = output.has_record("torrent")?;
    let size = torrent["content_length"].as_u64();
    let pads = torrent["padding_length"].as_u64().unwrap_or(0);
    match size == Some(ALBUM_SIZE) && pads > 0 {
        true => Ok(()),
        false => Err(format!("content {size:?}, padding {pads}")),
    }
}

fn downloaded(output: &Output) -> Result<(), String> {
    let summary = output.has_record("summary")?;
    match summary["downloaded"].as_u64() {
        Some(bytes) if bytes > 0 => Ok(()),
        other => Err(format!("downloaded {other:?}")),
    }
}

fn prints_the_magnet(output: &Output) -> Result<(), String> {
    match output.stdout.trim().starts_with("\"magnet:?xt=urn:btih:") {
        true => Ok(()),
        false => Err("no magnet".into()),
    }
}

fn bought(output: &Output) -> Result<(), String> {
    let mut receipts = output.records.iter().filter(|r| r["type"] == "purchase");
    match receipts
        .next_back()
        .map(|receipt| receipt["status"].clone())
    {
        Some(status) if status == "delivered" => Ok(()),
        other => Err(format!("last purchase status {other:?}")),
    }
}

/// The album of the tour: four files, so `--select 1,3-4` names files.
const ALBUM: &[(&str, u64)] = &[
    ("album/01.flac", 300_000),
    ("album/02.flac", 200_000),
    ("album/03.flac", 100_000),
    ("album/art/cover.jpg", 20_000),
];
const ALBUM_SIZE: u64 = 620_000;

/// The free ports that stand for the README's.
struct Ports {
    tracker: u16,
    seeder: u16,
    ipv6: u16,
    ipv6_seeder: u16,
    dht: u16,
    node: u16,
    anvil: u16,
}

/// A server the tour started in its shell.
struct Server {
    name: &'static str,
    pid: u32,
}

/// The tour's shell, its directories, ports and what it learned.
struct Tour {
    env: TestEnv,
    shell: Child,
    /// The README's current directory.
    dir: PathBuf,
    /// Each command's stdout and stderr, as `N.out` and `N.err`.
    logs: PathBuf,
    ports: Ports,
    values: Vec<(&'static str, String)>,
    servers: Vec<Server>,
    home: Home,
    count: usize,
}

impl Tour {
    fn start() -> Tour {
        let env = TestEnv::new();
        let dir = env.dir("home/tour");
        let logs = env.dir("logs");
        let password = env.path().join("password");
        std::fs::write(&password, "tour password\n").expect("password file");
        let bin_dir = bin("btt-get").parent().expect("bin dir").to_path_buf();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = env.command("bash");
        command
            .arg("--norc")
            .current_dir(&dir)
            .env_remove("BTT_HOME")
            .env("PATH", path)
            .env("BTT_PASSWORD_FILE", &password);
        let shell = Child::spawn_with_stdin("tour shell", command);
        let ports = Ports {
            tracker: free_port(),
            seeder: free_port(),
            ipv6: free_port(),
            ipv6_seeder: free_port(),
            dht: free_port(),
            node: free_port(),
            anvil: free_port(),
        };
        let mut tour = Tour {
            env,
            shell,
            dir,
            logs,
            ports,
            values: Vec::new(),
            servers: Vec::new(),
            home: Home::Tour,
            count: 0,
        };
        tour.scaffold();
        tour
    }

    /// The content and helpers the README takes for granted.
    fn scaffold(&mut self) {
        make_tree(&self.dir, ALBUM);
        make_tree(&self.dir, &[("single.bin", 150_000)]);
        std::fs::create_dir_all(self.dir.join("more")).expect("more/");
        let announce = format!("http://127.0.0.1:{}/announce", self.ports.tracker);
        for torrent in ["more/single.torrent", "more.torrent"] {
            self.shell(&format!(
                "btt-seed create ./single.bin -o {torrent} --announce {announce} > /dev/null"
            ));
        }
        std::fs::create_dir_all(self.dir.join("queue")).expect("queue/");
        self.shell("btt-seed show more.torrent | jq -r .magnet > queue/more.txt");
        let chat_bot = r#"chat-bot() { echo '{"to":"TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY","amount":"5BTT","memo":"great set","id":"msg-4711"}'; }"#;
        self.shell(chat_bot);
    }

    /// Runs `line` in the shell (no output expected); panics unless it exits 0.
    fn shell(&mut self, line: &str) {
        let status = self.foreground(line, "scaffold");
        assert_eq!(
            status,
            0,
            "scaffold `{line}` failed: {}",
            self.shell.diagnostics()
        );
    }

    /// Every substitution the tour makes in a README command: the README's
    /// ports become free ones (its `0.0.0.0` and `10.0.0.7` stand for this
    /// machine), `scripts/` is the repository's (given anvil's port), and
    /// the placeholders become what earlier commands printed (HASH, V2HASH,
    /// TXID, CHANNEL_ID, BTTC_CHANNEL, CAMPAIGN_ID, CHAIN_CAMPAIGN; 3f2a is
    /// the start of HASH).
    fn substitute(&self, command: &str) -> String {
        let ports = &self.ports;
        let repository = env!("CARGO_MANIFEST_DIR");
        let local = |port: u16| format!("127.0.0.1:{port}");
        let devchain = format!("{repository}/scripts/devchain {}", ports.anvil);
        let mut pairs: Vec<(&str, String)> = vec![
            ("127.0.0.1:6969", local(ports.tracker)),
            ("[::1]:6969", format!("[::1]:{}", ports.ipv6)),
            ("[::1]:51413", format!("[::1]:{}", ports.ipv6_seeder)),
            ("0.0.0.0:51413", format!("0.0.0.0:{}", ports.seeder)),
            ("127.0.0.1:51413", local(ports.seeder)),
            ("10.0.0.7:6881", local(ports.seeder)),
            ("127.0.0.1:6882", local(ports.dht)),
            ("127.0.0.1:8090", local(ports.node)),
            ("127.0.0.1:8545", local(ports.anvil)),
            ("scripts/devchain &", devchain),
            ("V2HASH", self.value("V2HASH")),
            ("CAMPAIGN_ID", self.value("CAMPAIGN_ID")),
            ("CHAIN_CAMPAIGN", self.value("CHAIN_CAMPAIGN")),
            ("CHANNEL_ID", self.value("CHANNEL_ID")),
            ("BTTC_CHANNEL", self.value("BTTC_CHANNEL")),
            ("TXID", self.value("TXID")),
        ];
        let hash = self.value("HASH");
        pairs.push(("3f2a", hash.chars().take(4).collect()));
        pairs.push(("HASH", hash));
        let replace = |command: String, (from, to): &(&str, String)| command.replace(from, to);
        pairs.iter().fold(command.to_owned(), replace)
    }

    fn value(&self, name: &str) -> String {
        let found = self.values.iter().find(|(key, _)| *key == name);
        found
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| name.to_owned())
    }

    /// Runs one README step.
    fn take(&mut self, readme_line: usize, step: &Step) {
        for name in step.stops {
            self.stop(name);
        }
        self.enter(step.home);
        if step.fresh_dl {
            self.shell("rm -rf ~/dl");
        }
        let command = self.substitute(step.command);
        match step.how {
            How::Run => {
                let output = self.run(readme_line, &command, 0);
                self.learn(step, &output);
            }
            How::Refused(status, says) => {
                let output = self.run(readme_line, &command, status);
                assert!(
                    output.stderr.contains(says),
                    "README line {readme_line} `{command}`: {}",
                    output.stderr
                );
            }
            How::Serve(name, ready) => {
                let pid = self.background(readme_line, &command, ready);
                self.servers.push(Server { name, pid });
            }
            How::Until(ready) => {
                let pid = self.background(readme_line, &command, ready);
                self.end(pid);
            }
            How::Skip(why) => note(&format!(
                "README line {readme_line} skipped: `{command}`: {why}"
            )),
        }
    }

    /// Switches the shell to `home`'s data directory.
    fn enter(&mut self, home: Home) {
        if home == self.home {
            return;
        }
        let data = match home {
            Home::Tour => self.env.path().join("xdg/data"),
            Home::Bttc => self.env.dir("bttc-data"),
        };
        self.shell(&format!("export XDG_DATA_HOME={}", data.display()));
        self.home = home;
    }

    /// Runs `command` to its end; fails unless it exits with `expected`, or its check fails.
    fn run(&mut self, readme_line: usize, command: &str, expected: i32) -> Output {
        let label = format!("{}", self.count);
        let status = self.foreground(command, &label);
        let read = |suffix: &str| {
            std::fs::read_to_string(self.logs.join(format!("{label}.{suffix}"))).unwrap_or_default()
        };
        let (stdout, stderr) = (read("out"), read("err"));
        assert_eq!(
            status, expected,
            "README line {readme_line} `{command}` exited {status}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}"
        );
        let records = stdout
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        Output {
            stdout,
            stderr,
            records,
        }
    }

    /// Captures and checks `step`'s output.
    fn learn(&mut self, step: &Step, output: &Output) {
        if let Some(check) = step.check {
            if let Err(why) = check(output) {
                panic!(
                    "`{}`: {why}\n--- stdout ---\n{}--- stderr ---\n{}",
                    step.command, output.stdout, output.stderr
                );
            }
        }
        if let Some((name, value)) = step.capture {
            let value = value(&output.records).unwrap_or_else(|| {
                panic!("`{}` printed no {name}: {}", step.command, output.stdout)
            });
            self.values.push((name, value));
        }
    }

    /// Runs `command` in the shell with its output in the logs; its exit status.
    fn foreground(&mut self, command: &str, label: &str) -> i32 {
        self.count += 1;
        let logs = self.logs.display();
        self.shell.send_line(&format!(
            "{{ {command}\n}} > {logs}/{label}.out 2> {logs}/{label}.err < /dev/null; echo \"::status:: $?\""
        ));
        let shell = &mut self.shell;
        let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            shell.read_line_until(COMMAND, |line| line.starts_with("::status:: "))
        }));
        let line = waited.unwrap_or_else(|_| {
            panic!(
                "`{command}` did not end within {COMMAND:?}\n{}",
                self.log(label)
            )
        });
        line["::status:: ".len()..]
            .trim()
            .parse()
            .expect("a status")
    }

    /// Starts `command` in the background and waits until it shows `ready`; its PID.
    fn background(&mut self, readme_line: usize, command: &str, ready: Ready) -> u32 {
        let label = format!("{}", self.count);
        self.count += 1;
        let logs = self.logs.clone();
        self.shell.send_line(&format!(
            "( exec {command} ) > {0}/{label}.out 2> {0}/{label}.err < /dev/null & echo \"::pid:: $!\"",
            logs.display()
        ));
        let line = self
            .shell
            .read_line_until(COMMAND, |line| line.starts_with("::pid:: "));
        let pid: u32 = line["::pid:: ".len()..].trim().parse().expect("a pid");
        let deadline = Instant::now() + READY;
        while !self.is_ready(&logs.join(format!("{label}.out")), ready) {
            if Instant::now() > deadline {
                panic!(
                    "README line {readme_line} `{command}` was not ready within {READY:?}\n{}",
                    self.log(&label)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        pid
    }

    fn is_ready(&self, stdout: &Path, ready: Ready) -> bool {
        let text = std::fs::read_to_string(stdout).unwrap_or_default();
        let mut records = text
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok());
        match ready {
            Ready::Record(kind) => records.any(|record| record["type"] == kind),
            Ready::AnyRecord => records.next().is_some(),
            Ready::AnvilPort => TcpStream::connect(("127.0.0.1", self.ports.anvil)).is_ok(),
        }
    }

    /// The stdout and stderr of the command labelled `label`.
    fn log(&self, label: &str) -> String {
        let read = |suffix: &str| {
            let path = self.logs.join(format!("{label}.{suffix}"));
            std::fs::read_to_string(path).unwrap_or_default()
        };
        format!(
            "--- stdout ---\n{}--- stderr ---\n{}",
            read("out"),
            read("err")
        )
    }

    /// Stops the server named `name`.
    fn stop(&mut self, name: &str) {
        let index = self.servers.iter().position(|server| server.name == name);
        let server = self
            .servers
            .remove(index.unwrap_or_else(|| panic!("no server {name}")));
        self.end(server.pid);
    }

    /// Stops `pid` by SIGTERM (SIGKILL after [`GRACE`]) and has the shell reap it.
    fn end(&mut self, pid: u32) {
        signal(pid, libc::SIGTERM);
        let deadline = Instant::now() + GRACE;
        while is_alive(pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if is_alive(pid) {
            signal(pid, libc::SIGKILL);
        }
        self.shell
            .send_line(&format!("wait {pid}; echo \"::reaped::\""));
        self.shell
            .read_line_until(GRACE, |line| line == "::reaped::");
    }
}

impl Drop for Tour {
    fn drop(&mut self) {
        let pids: Vec<u32> = self.servers.iter().map(|server| server.pid).collect();
        for pid in pids {
            signal(pid, libc::SIGTERM);
        }
    }
}

/// A line on the test's stderr (shown with `--nocapture` or on failure).
fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn signal(pid: u32, signal: i32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill has no memory effects.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Whether `pid` runs (a zombie, exited and not yet reaped, does not).
fn is_alive(pid: u32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The state follows the command name, which is in parentheses.
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    matches!(state, Some(state) if state != 'Z' && state != 'X')
}

/// The README's shell lines from "## A tour" to "## Output and exit
/// status", each with its line number, comments and comment lines left out.
fn readme_tour_lines() -> Vec<(usize, String)> {
    let readme = include_str!("../README.md");
    let mut lines = Vec::new();
    let (mut in_tour, mut in_block) = (false, false);
    for (index, line) in readme.lines().enumerate() {
        if line.starts_with("## ") {
            in_tour = line == "## A tour";
        }
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        let command = line.split(" # ").next().unwrap_or_default().trim();
        if in_tour && in_block && !command.is_empty() && !command.starts_with('#') {
            lines.push((index + 1, command.to_owned()));
        }
    }
    lines
}

#[test]
fn the_readme_tour_runs_as_written() {
    let started = Instant::now();
    let lines = readme_tour_lines();
    let steps = tour();
    for (index, (number, command)) in lines.iter().enumerate() {
        let expected = steps.get(index).map(|step| step.command);
        assert_eq!(
            expected,
            Some(command.as_str()),
            "README line {number} is not the tour's next step: say in tests/readme_tour.rs how it runs"
        );
    }
    assert_eq!(
        lines.len(),
        steps.len(),
        "the tour has steps the README no longer has"
    );
    let mut tour = Tour::start();
    for ((number, _), step) in lines.iter().zip(&steps) {
        tour.take(*number, step);
    }
    note(&format!("the tour took {:?}", started.elapsed()));
}
