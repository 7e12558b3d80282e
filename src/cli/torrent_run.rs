//! What `btt-get` and `btt-seed run` share: reading a torrent argument,
//! the per-torrent state lock, the [`Client`] options from the command
//! line, printing what the client reports and swarm events, the completion
//! hook, and the loop that runs a session until a stop condition.

use super::exit::{with_status, ExitStatus};
use super::interrupt;
use super::stop_policy::{SeedPolicy, StopReason};
use super::values::parse_socket_addr;
use crate::config::{worker_threads, Dirs};
use crate::dht::bootstrap::parse_bootstrap_node;
use crate::dht::DhtError;
use crate::metainfo::Torrent;
use crate::output::{BarMode, Output, Progress as ProgressBar, Record};
use crate::peer::{generate_peer_id, EncryptionPolicy};
pub use crate::storage::state_lock::StateLock;
use crate::storage::state_lock::StateLockError;
use crate::swarm::client::{ClientOptions, DhtSettings, Stopped, TorrentOptions};
use crate::swarm::events::{Completed, Started, Summary, SwarmEvent};
use crate::swarm::{ChokerFactory, Client, Session, SessionStats, UtpMode};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How a torrent finds and accepts peers (`btt-get`, `btt-seed run`).
#[derive(Debug, Clone, clap::Args)]
pub struct PeerArgs {
    /// Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)
    #[arg(long = "peer", value_name = "ADDR", value_parser = parse_socket_addr)]
    pub peers: Vec<SocketAddr>,
    /// Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next
    /// free one, on every IPv4 and every IPv6 address]
    #[arg(long, value_name = "ADDR", value_parser = parse_socket_addr)]
    pub listen: Option<SocketAddr>,
    /// Do not announce to the torrent's trackers
    #[arg(long)]
    pub no_tracker: bool,
    /// The most peers connected at once, per torrent
    #[arg(long, value_name = "N", default_value_t = 80)]
    pub max_peers: usize,
    /// The most peer connections of the whole process, over every torrent
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to
    /// plain, and accepts both; `require` refuses plain peers; `off` speaks plain only
    #[arg(long, value_name = "POLICY", value_enum, default_value_t = Encryption::Prefer)]
    pub encryption: Encryption,
    /// uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP
    /// only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port
    #[arg(long, value_name = "MODE", value_enum, default_value_t = Utp::On)]
    pub utp: Utp,
    #[command(flatten)]
    pub dht: DhtArgs,
}

/// The values of `--utp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Utp {
    /// TCP and uTP, both ways
    On,
    /// TCP only
    Off,
    /// uTP only
    Only,
}

impl From<Utp> for UtpMode {
    fn from(utp: Utp) -> UtpMode {
        match utp {
            Utp::On => UtpMode::On,
            Utp::Off => UtpMode::Off,
            Utp::Only => UtpMode::Only,
        }
    }
}

/// The values of `--encryption`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Encryption {
    /// RC4-encrypted connections only
    Require,
    /// Encrypted when the peer can, else plain
    Prefer,
    /// Plain BitTorrent only
    Off,
}

impl From<Encryption> for EncryptionPolicy {
    fn from(encryption: Encryption) -> EncryptionPolicy {
        match encryption {
            Encryption::Require => EncryptionPolicy::Require,
            Encryption::Prefer => EncryptionPolicy::Prefer,
            Encryption::Off => EncryptionPolicy::Off,
        }
    }
}

impl PeerArgs {
    /// The options of the process's client, with its process-wide limits.
    pub fn client_options(
        &self,
        upload_limit: Option<u64>,
        download_limit: Option<u64>,
    ) -> ClientOptions {
        ClientOptions {
            listen: self.listen,
            peer_id: generate_peer_id(),
            upload_limit,
            download_limit,
            max_connections: self.max_connections,
            hash_threads: worker_threads(),
            encryption: self.encryption.into(),
            utp: self.utp.into(),
        }
    }

    /// A torrent's options with this command line's peers, recording
    /// verified pieces in `resume_path`; no limit of its own, not
    /// sequential, tit-for-tat and the built-in extensions only.
    pub fn torrent_options(&self, resume_path: PathBuf) -> TorrentOptions {
        TorrentOptions {
            peers: self.peers.clone(),
            found_peers: Vec::new(),
            use_trackers: !self.no_tracker,
            max_peers: self.max_peers,
            upload_limit: None,
            download_limit: None,
            resume_path,
            sequential: false,
            choker: ChokerFactory::default(),
            free_share: 100,
            extensions: Vec::new(),
        }
    }
}

/// Whether and how a process joins the DHT (`btt-get`, `btt-seed run`): on
/// by default for public torrents, as in other clients; private torrents
/// never use it.
#[derive(Debug, Clone, clap::Args)]
pub struct DhtArgs {
    /// Find and announce peers through the DHT (the default; never for private torrents)
    #[arg(long, overrides_with = "no_dht")]
    pub dht: bool,
    /// Do not use the DHT
    #[arg(long, overrides_with = "dht", conflicts_with_all = ["dht_listen", "dht_bootstrap"])]
    pub no_dht: bool,
    /// UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]
    #[arg(long, value_name = "ADDR", value_parser = parse_dht_listen)]
    pub dht_listen: Option<SocketAddr>,
    /// Join the DHT through this node (repeatable; implies --dht); `none` starts a new network
    /// without the public routers, which are used only when neither this nor a saved routing table exists
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_dht_bootstrap)]
    pub dht_bootstrap: Vec<String>,
}

impl DhtArgs {
    /// Whether the command line asked for the DHT.
    fn requested(&self) -> bool {
        self.dht || self.dht_listen.is_some() || !self.dht_bootstrap.is_empty()
    }

    /// Whether the DHT is on, before knowing whether the torrent is
    /// private (a magnet link): unless `--no-dht` is given.
    pub fn enabled(&self) -> bool {
        !self.no_dht
    }

    /// How the DHT node starts, keeping its routing table in `dirs`.
    pub fn settings(&self, dirs: &Dirs) -> DhtSettings {
        DhtSettings {
            listen: self.dht_listen,
            bootstrap: self.dht_bootstrap.clone(),
            routing_table_path: dirs.dht_routing_table(),
        }
    }

    /// Whether `torrent` uses the DHT; a private torrent never does (said
    /// once if the command line asked for the DHT).
    pub fn enabled_for(&self, torrent: &Torrent, output: &Output) -> bool {
        if !self.enabled() {
            return false;
        }
        if torrent.info.private {
            if self.requested() {
                output.info(format!(
                    "{}: private torrent; the DHT is not used for it",
                    torrent.info.name
                ));
            }
            return false;
        }
        true
    }
}

fn parse_dht_listen(input: &str) -> Result<SocketAddr, String> {
    let addr = parse_socket_addr(input)?;
    if addr.is_ipv6() {
        return Err(DhtError::Ipv6Listen { addr }.to_string());
    }
    Ok(addr)
}

fn parse_dht_bootstrap(input: &str) -> Result<String, String> {
    parse_bootstrap_node(input).map_err(|error| error.to_string())
}

/// The first record of a process that accepts peers: where it listens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Listening {
    /// The bound TCP address (the uTP one under `--utp only`).
    pub addr: String,
    /// The bound uTP (UDP) address, unless `--utp off`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utp: Option<String>,
}

impl Record for Listening {
    const TYPE: &'static str = "listening";
    fn human(&self) -> Option<String> {
        None
    }
}

/// The record after `listening` when the DHT is on: where its node listens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DhtListening {
    /// The bound UDP address.
    pub addr: String,
}

impl Record for DhtListening {
    const TYPE: &'static str = "dht_listening";
    fn human(&self) -> Option<String> {
        None
    }
}

/// Prints the `listening` record of a started client.
pub fn print_listening(client: &Client, output: &Output) -> std::io::Result<()> {
    output.record(&Listening {
        addr: client.listen_addr().to_string(),
        utp: client.transport().utp_addr().map(|addr| addr.to_string()),
    })
}

/// Starts the client's DHT node, prints its `dht_listening` record and any
/// warnings.
pub async fn start_dht(
    client: &mut Client,
    args: &DhtArgs,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<()> {
    let node = client.start_dht(&args.settings(dirs)).await?;
    for warning in node.warnings() {
        output.warn(warning);
    }
    output.record(&DhtListening {
        addr: node.local_addr().to_string(),
    })?;
    Ok(())
}

/// Prints what stopping the client could not save: a DHT routing table
/// failure as a warning; a resume save failure is the error returned.
pub fn check_stopped(stopped: Stopped, output: &Output) -> anyhow::Result<()> {
    if let Some(error) = stopped.dht {
        output.warn(error);
    }
    stopped
        .resume_saves
        .into_iter()
        .collect::<Result<(), _>>()
        .context("could not save resume state")
}

/// Reads and parses a `.torrent` file, or standard input for `-`.
pub fn load_torrent(input: &str) -> anyhow::Result<Torrent> {
    parse_torrent(input, &read_input(input)?)
}

/// The bytes of the file `input`, or of standard input for `-`.
pub fn read_input(input: &str) -> anyhow::Result<Vec<u8>> {
    if input != "-" {
        return std::fs::read(input).with_context(|| format!("could not read {input}"));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .context("could not read the torrent from standard input")?;
    Ok(bytes)
}

/// Parses the `.torrent` bytes read from `input`; bad ones are bad input.
pub fn parse_torrent(input: &str, bytes: &[u8]) -> anyhow::Result<Torrent> {
    Torrent::from_bytes(bytes)
        .map_err(|error| with_status(ExitStatus::BadInput, anyhow::anyhow!("{input}: {error}")))
}

/// Where `torrent`'s state for data in `root` lives: the resume file, and
/// its key in the runtime directory's lock file. The same torrent in another
/// directory is other state.
#[derive(Debug, Clone)]
pub struct StatePaths {
    /// The resume file.
    pub resume: PathBuf,
    /// The lock file every torrent of this runtime directory shares.
    pub lock: PathBuf,
    /// This state's key in it.
    pub key: String,
}

impl StatePaths {
    /// The state paths of `torrent` downloaded into (or seeded from) `root`.
    pub fn new(dirs: &Dirs, torrent: &Torrent, root: &Path) -> anyhow::Result<StatePaths> {
        let resume_directory = dirs.data.join("resume");
        for directory in [&resume_directory, &dirs.runtime] {
            Dirs::create_private(directory)
                .with_context(|| format!("could not create {}", directory.display()))?;
        }
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let root_tag = hex::encode(&Sha1::digest(absolute.as_os_str().as_encoded_bytes())[..4]);
        let stem = format!("{}-{root_tag}", torrent.info_hash);
        Ok(StatePaths {
            resume: resume_directory.join(format!("{stem}.json")),
            lock: dirs.runtime.join("torrents.lock"),
            key: stem,
        })
    }

    /// Takes the lock, or fails with the `locked` status.
    pub fn lock(&self, torrent: &Torrent) -> anyhow::Result<StateLock> {
        StateLock::take(&self.lock, &self.key).map_err(|error| match error {
            StateLockError::Held => with_status(
                ExitStatus::Locked,
                anyhow::anyhow!(
                    "{} is already running in another process (lock {})",
                    torrent.info.name,
                    self.lock.display()
                ),
            ),
            StateLockError::Io { path, source } => {
                anyhow::anyhow!("could not lock {}: {source}", path.display())
            }
        })
    }
}

/// The `started` record of a prepared torrent.
pub fn started_record(torrent: &Torrent, session: &Session, root: &Path) -> Started {
    let stats = session.stats();
    Started {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        total_length: torrent.info.total_length,
        left: stats.left,
        pieces: torrent.info.pieces.len(),
        have_pieces: session.have_pieces(),
        path: root.join(&torrent.info.name).display().to_string(),
    }
}

/// What a torrent's run loop is told.
pub struct RunControl<'a> {
    /// Where records go.
    pub output: &'a Output,
    /// When to stop seeding.
    pub seed: SeedPolicy,
    /// The deadline for the whole run (`--for`).
    pub deadline: Option<Instant>,
    /// Give up when nothing arrives for this long while downloading.
    pub stall_timeout: Option<Duration>,
    /// A shell command to run on completion.
    pub on_complete: Option<&'a str>,
    /// The torrent's market, whose price and spend the progress bar shows.
    pub market: Option<&'a super::market_run::Market>,
    /// The name its row shows, when not the torrent's own (two torrents
    /// of one process named alike).
    pub label: Option<&'a str>,
}

/// How a torrent's run ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ran {
    /// Why it stopped.
    pub reason: StopReason,
    /// How long it downloaded: from its start to its completion, or to its
    /// stop when it did not complete; zero when it started complete.
    pub downloading: Duration,
}

/// A download that has had no data for this long shows as stalled.
const STALLED_AFTER: Duration = Duration::from_secs(5);

/// Runs `session` until a stop condition, printing its events; returns how it ended.
pub async fn drive(
    torrent: &Torrent,
    root: &Path,
    session: &Session,
    mut events: mpsc::UnboundedReceiver<SwarmEvent>,
    control: &RunControl<'_>,
) -> anyhow::Result<Ran> {
    let started = Instant::now();
    let label = control.label.unwrap_or(&torrent.info.name);
    let bar = control.output.progress(torrent.info.total_length, label);
    // A seeder that starts complete is not "completing"; a download that
    // finds its data already complete reports completion once and stops.
    let mut completed_at = (session.stats().complete && control.seed.seeds()).then(Instant::now);
    let started_complete = completed_at.is_some();
    let mut last_received = (Instant::now(), session.stats().downloaded);
    let mut upload_rate = 0;
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    let reason = loop {
        tokio::select! {
            Some(event) = events.recv() => {
                if let SwarmEvent::Progress(progress) = &event {
                    upload_rate = progress.upload_rate;
                }
                print_event(control.output, &bar, torrent, event)?;
            }
            () = session.wait_complete(), if completed_at.is_none() => {
                completed_at = Some(Instant::now());
                on_completed(control, torrent, root, session, started).await?;
                if !control.seed.seeds() {
                    break StopReason::Complete;
                }
            }
            message = session.wait_failure() => return Err(anyhow::anyhow!(message)),
            error = unlock_failure(control.market) => return Err(error),
            () = interrupt::interrupted() => break StopReason::Interrupted,
            _ = ticker.tick() => {
                if let Some(status) = control.market.and_then(|market| market.status()) {
                    bar.set_message(format!("{label} ({status})"));
                }
                let stats = session.stats();
                if stats.downloaded != last_received.1 {
                    last_received = (Instant::now(), stats.downloaded);
                }
                let quiet = completed_at.is_none().then(|| last_received.0.elapsed());
                match quiet {
                    Some(quiet) => {
                        let mode = if is_stalled(Some(quiet)) { BarMode::Stalled } else { BarMode::Downloading };
                        bar.set_status(&swarm_status(stats.peers, Some(quiet)), mode);
                    }
                    None => bar.set_status(&seeding_status(&stats, upload_rate), BarMode::Seeding),
                }
                if let Some(reason) = check_limits(control, session, completed_at, quiet) {
                    break reason;
                }
            }
        }
    };
    bar.finish();
    let downloading = match (started_complete, completed_at) {
        (true, _) => Duration::ZERO,
        (false, Some(completed)) => completed.duration_since(started),
        (false, None) => started.elapsed(),
    };
    Ok(Ran {
        reason,
        downloading,
    })
}

/// Why the market's paying wallet did not unlock; pending while it may.
async fn unlock_failure(market: Option<&super::market_run::Market>) -> anyhow::Error {
    match market {
        Some(market) => market.unlock_failure().await,
        None => std::future::pending().await,
    }
}

/// Whether a download that has had no data for `quiet` (`None`: complete)
/// shows as stalled.
fn is_stalled(quiet: Option<Duration>) -> bool {
    quiet.is_some_and(|quiet| quiet >= STALLED_AFTER)
}

/// The words after the bar: the peers, and for a stalled download how long
/// it has had no data and what it waits for.
pub fn swarm_status(peers: usize, quiet: Option<Duration>) -> String {
    let connected = match peers {
        1 => "1 peer".to_owned(),
        count => format!("{count} peers"),
    };
    match quiet.filter(|_| is_stalled(quiet)) {
        Some(quiet) => {
            let waiting = match peers {
                0 => "waiting for peers",
                _ => "waiting for data",
            };
            format!("stalled {}s, {connected}, {waiting}", quiet.as_secs())
        }
        None => connected,
    }
}

/// The row of a complete torrent: its peers, upload rate and what it
/// uploaded this run.
pub fn seeding_status(stats: &SessionStats, upload_rate: u64) -> String {
    let peers = match stats.peers {
        1 => "1 peer".to_owned(),
        count => format!("{count} peers"),
    };
    format!(
        "seeding to {peers}, up {}/s, {} up",
        crate::output::swarm::bytes(upload_rate),
        crate::output::swarm::bytes(stats.uploaded)
    )
}

/// Why the run should stop now, if it should; `quiet` is how long a
/// download has had no data (`None` once complete).
fn check_limits(
    control: &RunControl<'_>,
    session: &Session,
    completed_at: Option<Instant>,
    quiet: Option<Duration>,
) -> Option<StopReason> {
    if control
        .deadline
        .is_some_and(|deadline| Instant::now() >= deadline)
    {
        return Some(StopReason::TimeLimit);
    }
    if let Some(since) = completed_at {
        return control.seed.reached(session.ratio(), since.elapsed());
    }
    control
        .stall_timeout
        .zip(quiet)
        .filter(|(timeout, quiet)| quiet >= timeout)
        .map(|_| StopReason::Stalled)
}

async fn on_completed(
    control: &RunControl<'_>,
    torrent: &Torrent,
    root: &Path,
    session: &Session,
    started: Instant,
) -> anyhow::Result<()> {
    let path = root.join(&torrent.info.name);
    control.output.record(&Completed {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        path: path.display().to_string(),
        downloaded: session.stats().downloaded,
        seconds: started.elapsed().as_secs_f64(),
    })?;
    if let Some(command) = control.on_complete {
        run_hook(control.output, command, torrent, &path).await;
    }
    Ok(())
}

/// Runs the `--on-complete` command with the torrent in its environment.
async fn run_hook(output: &Output, command: &str, torrent: &Torrent, path: &Path) {
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("BTT_NAME", &torrent.info.name)
        .env("BTT_INFO_HASH", torrent.info_hash.to_string())
        .env("BTT_PATH", path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => output.warn(format!("--on-complete command exited with {status}")),
        Err(error) => output.warn(format!("could not run --on-complete command: {error}")),
    }
}

fn print_event(
    output: &Output,
    bar: &ProgressBar,
    torrent: &Torrent,
    event: SwarmEvent,
) -> std::io::Result<()> {
    match event {
        SwarmEvent::Progress(progress) => {
            bar.set_position(torrent.info.total_length.saturating_sub(progress.left));
            output.record(&progress)
        }
        other => print_notice(output, other),
    }
}

/// Prints an event that needs no progress bar: a record, and a line on
/// stderr for a person where it helps (also used before a session exists,
/// while a magnet's metadata is fetched).
pub fn print_notice(output: &Output, event: SwarmEvent) -> std::io::Result<()> {
    match event {
        SwarmEvent::Progress(progress) => output.record(&progress),
        SwarmEvent::PieceFailed(failed) => {
            output.warn(format!(
                "piece {} failed its hash check; fetching it again",
                failed.index
            ));
            output.record(&failed)
        }
        SwarmEvent::PeerBanned(banned) => {
            output.warn(format!("banned peer {}: {}", banned.peer, banned.reason));
            output.record(&banned)
        }
        SwarmEvent::TrackerFailed(failed) => {
            output.warn(format!("tracker {}: {}", failed.url, failed.message));
            output.record(&failed)
        }
        SwarmEvent::WebSeedFailed(failed) => {
            let next = match failed.dropped {
                true => "dropped".to_owned(),
                false => format!("retrying in {} s", failed.retry_in_ms.div_ceil(1000)),
            };
            output.warn(format!(
                "web seed {}: {}; {next}",
                failed.url, failed.message
            ));
            output.record(&failed)
        }
        SwarmEvent::PeersFound(found) => {
            let line = format!(
                "{}: {} peers ({} new, {} known)",
                found.source.name(),
                found.found,
                found.new,
                found.known
            );
            if found.new > 0 {
                output.info(line);
            } else {
                output.debug(line);
            }
            output.record(&found)
        }
        SwarmEvent::Started(record) => output.record(&record),
        SwarmEvent::Completed(record) => output.record(&record),
        SwarmEvent::Summary(record) => output.record(&record),
    }
}

/// The `summary` record of a finished run of `seconds`.
pub fn summary_record(torrent: &Torrent, session: &Session, seconds: f64, ran: Ran) -> Summary {
    let stats = session.stats();
    let downloading = ran.downloading.as_secs_f64();
    Summary {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        complete: stats.complete,
        downloaded: stats.downloaded,
        uploaded: stats.uploaded,
        seconds,
        download_rate: match stats.downloaded {
            0 => 0,
            downloaded => (downloaded as f64 / downloading.max(0.001)) as u64,
        },
        ratio: run_ratio(stats.uploaded, stats.downloaded, torrent.info.total_length),
        lifetime_ratio: session.ratio(),
        stopped_by: ran.reason.name().to_string(),
    }
}

/// The ratio of one run: what it uploaded over what it downloaded, or
/// over the torrent's size when it downloaded less (a seeding run: how
/// many copies it served).
fn run_ratio(uploaded: u64, downloaded: u64, total_length: u64) -> f64 {
    uploaded as f64 / downloaded.max(total_length).max(1) as f64
}

/// The exit status of a run that ended for `reason`.
pub fn exit_status(reason: StopReason, complete: bool) -> ExitStatus {
    match reason {
        StopReason::Stalled => ExitStatus::Unreachable,
        _ if complete => ExitStatus::Success,
        StopReason::Interrupted => ExitStatus::Interrupted,
        _ => ExitStatus::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Command {
        #[command(flatten)]
        dht: DhtArgs,
    }

    fn dht_args(args: &[&str]) -> DhtArgs {
        Command::try_parse_from(std::iter::once("btt").chain(args.iter().copied()))
            .unwrap()
            .dht
    }

    #[test]
    fn a_runs_ratio_counts_only_that_run() {
        assert_eq!(run_ratio(0, 0, 1000), 0.0);
        assert_eq!(run_ratio(500, 0, 1000), 0.5);
        assert_eq!(run_ratio(3000, 1000, 1000), 3.0);
        assert_eq!(run_ratio(10, 0, 0), 10.0);
    }

    #[test]
    fn the_bar_says_peers_and_what_a_stalled_download_waits_for() {
        let second = Duration::from_secs(1);
        assert_eq!(swarm_status(3, None), "3 peers");
        assert_eq!(swarm_status(1, Some(second)), "1 peer");
        assert_eq!(
            swarm_status(0, Some(40 * second)),
            "stalled 40s, 0 peers, waiting for peers"
        );
        assert_eq!(
            swarm_status(2, Some(STALLED_AFTER)),
            "stalled 5s, 2 peers, waiting for data"
        );
    }

    #[test]
    fn the_dht_is_on_unless_the_last_word_is_no_dht() {
        for asking in [
            &[][..],
            &["--dht"],
            &["--dht-listen", "127.0.0.1:0"],
            &["--dht-bootstrap", "127.0.0.1:1"],
            &["--no-dht", "--dht"],
        ] {
            assert!(dht_args(asking).enabled(), "{asking:?}");
        }
        for refusing in [&["--no-dht"][..], &["--dht", "--no-dht"]] {
            assert!(!dht_args(refusing).enabled(), "{refusing:?}");
        }
    }

    #[test]
    fn no_dht_conflicts_with_dht_settings() {
        for args in [
            &["--no-dht", "--dht-listen", "127.0.0.1:0"][..],
            &["--no-dht", "--dht-bootstrap", "none"],
        ] {
            let argv = std::iter::once("btt").chain(args.iter().copied());
            assert!(Command::try_parse_from(argv).is_err(), "{args:?}");
        }
    }
}
