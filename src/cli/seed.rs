//! `btt-seed`: create torrents, show and verify them, run the embedded
//! tracker, seed many torrents from one process (foreground or cron), list
//! what the channels paying a wallet have earned (`earnings`), and sell
//! content (`sell`, then `deliver` to the buyers who paid).

mod config;
mod deliver;
mod delivering;
mod earnings;
mod library;
mod remote;
mod rpc_args;
mod sell;

pub use config::{ConfigArgs, SettingInEffect};
pub use deliver::{DeliverArgs, Delivered};
pub use earnings::{Earning, EarningsArgs, EarningsSummary, TokenTotal};
pub use sell::{Listed, SellContentArgs};

use super::exit::{with_status, ExitStatus};
use super::interrupt;
use super::market_run::{
    end_run, parse_ledger_interval, plain_choker, seller_desk, Market, MarketPrinter,
    MarketSummary, SellArgs,
};
use super::stop_policy::{SeedPolicy, StopReason};
use super::torrent_run::{self, Listening, PeerArgs, RunControl};
use super::values::{parse_duration, parse_ratio, parse_size, parse_socket_addr, parse_web_seed};
use super::{exit_status_help, finish, GlobalArgs};
use crate::config::worker_threads;
use crate::market::events::MarketEvents;
use crate::metainfo::{create, CreateOptions, MetaVersion, Torrent, TorrentSummary};
use crate::output::swarm::bytes;
use crate::output::{Output, Record};
use crate::storage::{Access, Storage};
use crate::swarm::client::{AddedTorrent, TorrentOptions};
use crate::swarm::prepare::{layout_of, prepare_in_background, PrepareOptions};
use crate::swarm::Client;
use crate::tracker::{ServerOptions, TrackerServer};
use anyhow::Context;
use clap::{Args, CommandFactory, Parser, Subcommand};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Create torrents and seed them.
#[derive(Debug, Parser)]
#[command(name = "btt-seed", version, about, after_help = exit_status_help())]
pub struct SeedArgs {
    #[command(subcommand)]
    pub command: SeedCommand,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// The subcommands of `btt-seed`.
#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Create a .torrent from a file or directory
    Create(CreateArgs),
    /// Show a torrent's name, info-hash, size, files, pieces, trackers, web seeds and magnet link
    Show(ShowArgs),
    /// Check the data of a torrent against its piece hashes
    Verify(VerifyArgs),
    /// Run the embedded tracker (HTTP announce and scrape, and UDP on the same port)
    Tracker(TrackerArgs),
    /// Seed torrents from one process until stopped
    Run(Box<RunArgs>),
    /// List every torrent of every running btt-get and btt-seed run on this machine
    Status(remote::StatusArgs),
    /// Add .torrent files to a running btt-seed run
    Add(remote::AddArgs),
    /// Stop one torrent of a running btt-seed run and forget it
    Remove(remote::RemoveArgs),
    /// Pause one torrent of a running btt-seed run (its swarm stops; it stays listed)
    Pause(remote::Target),
    /// Resume a paused torrent of a running btt-seed run
    Resume(remote::Target),
    /// Change the upload and download limits, or the ask, of a torrent of a running process
    Set(remote::SetArgs),
    /// List the payment channels paying a wallet: deposit, earned, pending, status
    Earnings(EarningsArgs),
    /// Encrypt a file or directory for sale: NAME.age, its torrent, and a signed listing
    Sell(Box<SellContentArgs>),
    /// Deliver the content key to every buyer who paid for a listing sold here; the ledger pays on delivery
    Deliver(DeliverArgs),
    /// Print the settings the config file and environment give every btt binary, and where each comes from
    Config(ConfigArgs),
}

/// `btt-seed create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The file or directory to make a torrent of
    pub path: PathBuf,
    /// Where to write the .torrent [default: NAME.torrent]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub torrent: TorrentFlags,
    /// A comment to store in the torrent
    #[arg(long)]
    pub comment: Option<String>,
    /// Store this creation time (seconds since 1970); omitted by default so output is reproducible
    #[arg(long, value_name = "SECONDS")]
    pub creation_date: Option<i64>,
    /// Overwrite an existing output file
    #[arg(long)]
    pub force: bool,
}

/// The torrent flags `create` and `sell` share.
#[derive(Debug, Args)]
pub struct TorrentFlags {
    /// Tracker announce URL; repeat for more tiers, or comma-separate URLs of one tier
    #[arg(short, long = "announce", value_name = "URL")]
    pub announce: Vec<String>,
    /// Web seed URL (BEP 19): an http(s) server holding the files; repeat for more
    #[arg(long = "web-seed", value_name = "URL", value_parser = parse_web_seed)]
    pub web_seeds: Vec<String>,
    /// Piece length, e.g. 256KiB [default: chosen from the total size]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub piece_length: Option<u64>,
    /// Mark the torrent private (no DHT, no peer exchange)
    #[arg(long)]
    pub private: bool,
    /// Make a hybrid torrent (BEP 52): v1 and v2 hashes, pad files between files; v1 clients use it as before
    #[arg(long, conflicts_with = "v2")]
    pub hybrid: bool,
    /// Make a v2-only torrent (BEP 52): SHA-256 merkle hashes, no v1 keys; clients without v2 can't use it
    #[arg(long)]
    pub v2: bool,
}

/// `btt-seed show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The .torrent file, or - for standard input
    pub torrent: String,
}

/// `btt-seed verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The .torrent file, or - for standard input
    pub torrent: String,
    /// The directory that holds the content under the torrent's name
    #[arg(long, default_value = ".")]
    pub data: PathBuf,
}

/// `btt-seed tracker`.
#[derive(Debug, Args)]
pub struct TrackerArgs {
    /// Address for HTTP and UDP (the same port for both), IPv4 or IPv6 (`[::1]:6969`)
    #[arg(long, default_value = "127.0.0.1:6969", value_parser = parse_socket_addr)]
    pub listen: SocketAddr,
    /// Announce interval told to clients
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30m")]
    pub interval: Duration,
}

/// `btt-seed run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The torrents to seed
    #[arg(required_unless_present = "watch_dir")]
    pub torrents: Vec<String>,
    /// Seed the .torrent files put in this directory (polled, so NFS works; a file is taken once
    /// it stopped changing and parses) and stop those removed from it
    #[arg(long, value_name = "DIR")]
    pub watch_dir: Option<PathBuf>,
    /// How often --watch-dir is looked at
    #[arg(long, value_name = "DURATION", value_parser = parse_watch_every, default_value = "5s")]
    pub watch_every: Duration,
    /// The directory that holds each torrent's content under the torrent's name
    #[arg(long, default_value = ".")]
    pub data: PathBuf,
    #[command(flatten)]
    pub network: PeerArgs,
    /// Stop after this long (e.g. 6h); without it, run until interrupted
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub run_for: Option<Duration>,
    /// Stop seeding a torrent once its upload/download ratio, counted over every run on this data
    /// here (the summary's lifetime_ratio), reaches this
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio)]
    pub ratio: Option<f64>,
    /// Re-hash every piece before seeding
    #[arg(long)]
    pub recheck: bool,
    /// Upload limit per second for all torrents together, e.g. 10MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub up_limit: Option<u64>,
    /// Upload limit per second for each torrent, e.g. 2MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub torrent_up_limit: Option<u64>,
    /// Download limit per second for all torrents together (for data still missing)
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub down_limit: Option<u64>,
    /// Download limit per second for each torrent
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub torrent_down_limit: Option<u64>,
    #[command(flatten)]
    pub market: SellArgs,
    /// Deliver the content key of this listing (of btt-seed sell; repeatable) to every buyer who paid for it (needs --wallet)
    #[arg(long = "sell", value_name = "LISTING", requires = "wallet")]
    pub sell: Vec<PathBuf>,
    /// How often --sell looks on the ledger for paid purchases to deliver
    #[arg(long, value_name = "DURATION", value_parser = parse_ledger_interval, default_value = "5s")]
    pub deliver_every: Duration,
    #[command(flatten)]
    pub rpc: rpc_args::RpcArgs,
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    SeedArgs::command()
}

/// The entry point of the `btt-seed` binary.
pub fn main() -> ExitCode {
    let args = match super::parse_args::<SeedArgs>("btt-seed") {
        Ok(args) => args,
        Err(code) => return code,
    };
    let output = args.global.output("btt-seed");
    let result = match args.command {
        SeedCommand::Create(create_args) => create_torrent(create_args, &output),
        SeedCommand::Show(show_args) => show(show_args, &output),
        SeedCommand::Verify(verify_args) => verify(verify_args, &output),
        SeedCommand::Tracker(tracker_args) => {
            super::runtime().and_then(|runtime| runtime.block_on(tracker(tracker_args, &output)))
        }
        SeedCommand::Run(run_args) => {
            super::runtime().and_then(|runtime| runtime.block_on(run(*run_args, &output)))
        }
        SeedCommand::Status(status_args) => remote::status(status_args, &output),
        SeedCommand::Add(add_args) => remote::add(add_args, &output),
        SeedCommand::Remove(remove_args) => remote::remove(remove_args, &output),
        SeedCommand::Pause(target) => remote::pause(target, &output),
        SeedCommand::Resume(target) => remote::resume(target, &output),
        SeedCommand::Set(set_args) => remote::set(set_args, &output),
        SeedCommand::Earnings(earnings_args) => earnings::run(earnings_args, &output),
        SeedCommand::Sell(sell_args) => sell::run(*sell_args, &output),
        SeedCommand::Deliver(deliver_args) => deliver::run(deliver_args, &output),
        SeedCommand::Config(config_args) => config::run(config_args, &output),
    };
    finish(&output, result)
}

/// The record `btt-seed create` prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Created {
    /// Where the .torrent was written.
    pub path: String,
    /// The torrent.
    pub torrent: TorrentSummary,
}

impl Record for Created {
    const TYPE: &'static str = "created";
    fn human(&self) -> Option<String> {
        Some(format!(
            "{}  {}  {} in {} pieces\n{}",
            self.path,
            self.torrent.info_hash,
            bytes(self.torrent.content_length),
            self.torrent.piece_count,
            self.torrent.magnet
        ))
    }
}

/// How `btt-seed show` names a BEP 52 torrent's kind.
fn version_name(version: MetaVersion) -> &'static str {
    match version {
        MetaVersion::V1 => "v1",
        MetaVersion::Hybrid => "hybrid",
        MetaVersion::V2 => "v2-only",
    }
}

impl Record for TorrentSummary {
    const TYPE: &'static str = "torrent";
    fn human(&self) -> Option<String> {
        let v2 = self
            .info_hash_v2
            .map(|hash| format!("info-hash v2: {hash} ({})\n", version_name(self.version)))
            .unwrap_or_default();
        let swarm_note = match self.version {
            MetaVersion::V2 => " (the v2 info-hash truncated: the swarm)",
            MetaVersion::V1 | MetaVersion::Hybrid => "",
        };
        let padding = match self.padding_length {
            0 => String::new(),
            length => format!(", and {} of pad files, not stored", bytes(length)),
        };
        let mut text = format!(
            "name:       {}\ninfo-hash:  {}{swarm_note}\n{v2}size:       {} ({} bytes){padding}\npieces:     {} x {}\nprivate:    {}\n",
            self.name,
            self.info_hash,
            bytes(self.content_length),
            self.content_length,
            self.piece_count,
            bytes(u64::from(self.piece_length)),
            if self.private { "yes" } else { "no" },
        );
        for (tier, urls) in self.trackers.iter().enumerate() {
            text.push_str(&format!("tracker {}:  {}\n", tier + 1, urls.join(" ")));
        }
        for url in &self.web_seeds {
            text.push_str(&format!("web seed:   {url}\n"));
        }
        if let Some(comment) = &self.comment {
            text.push_str(&format!("comment:    {comment}\n"));
        }
        text.push_str(&format!("magnet:     {}\n", self.magnet));
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header(["#", "size", "attr", "path"]);
        for (index, file) in self.files.iter().enumerate() {
            let path = match &file.symlink {
                Some(target) => format!("{} -> {target}", file.path),
                None if file.attr.contains('p') => format!("{} (padding, not stored)", file.path),
                None => file.path.clone(),
            };
            table.add_row([
                (index + 1).to_string(),
                bytes(file.length),
                file.attr.clone(),
                path,
            ]);
        }
        text.push_str(&table.to_string());
        Some(text)
    }
}

fn create_torrent(args: CreateArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let name = args
        .path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| {
            with_status(
                ExitStatus::Usage,
                anyhow::anyhow!("{} has no file name", args.path.display()),
            )
        })?;
    let destination = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.torrent")));
    if destination.exists() && !args.force {
        return Err(with_status(
            ExitStatus::Usage,
            anyhow::anyhow!(
                "{} exists; name another file with -o, or pass --force to overwrite it",
                destination.display()
            ),
        ));
    }
    let torrent = make_torrent(
        &args.path,
        &args.torrent,
        TorrentText {
            comment: args.comment.clone(),
            creation_date: args.creation_date,
        },
        &destination,
        output,
    )?;
    output.record(&Created {
        path: destination.display().to_string(),
        torrent: torrent.summary(),
    })?;
    Ok(ExitStatus::Success)
}

/// What a created torrent says beside its content and flags.
#[derive(Debug, Default)]
struct TorrentText {
    comment: Option<String>,
    creation_date: Option<i64>,
}

/// Hashes `source` into a torrent with `flags`, writes it to `destination`
/// and returns it.
fn make_torrent(
    source: &Path,
    flags: &TorrentFlags,
    text: TorrentText,
    destination: &Path,
    output: &Output,
) -> anyhow::Result<Torrent> {
    let piece_length = flags
        .piece_length
        .map(|length| {
            u32::try_from(length).map_err(|_| anyhow::anyhow!("piece length {length} is too large"))
        })
        .transpose()?;
    let options = CreateOptions {
        source: source.to_path_buf(),
        piece_length,
        trackers: flags
            .announce
            .iter()
            .map(|tier| tier.split(',').map(str::to_string).collect())
            .collect(),
        web_seeds: flags.web_seeds.clone(),
        comment: text.comment,
        private: flags.private,
        created_by: Some(format!("btt {}", env!("CARGO_PKG_VERSION"))),
        creation_date: text.creation_date,
        threads: worker_threads(),
        version: match (flags.hybrid, flags.v2) {
            (true, _) => MetaVersion::Hybrid,
            (false, true) => MetaVersion::V2,
            (false, false) => MetaVersion::V1,
        },
    };
    let bar = output.progress(0, "hashing");
    let bytes_written = create(&options, &|done| bar.set_position(done))
        .map_err(|error| with_status(ExitStatus::BadInput, anyhow::Error::new(error)))?;
    bar.finish();
    write_atomically(destination, &bytes_written)?;
    Torrent::from_bytes(&bytes_written).context("created torrent does not parse")
}

/// Writes a file so that a crash leaves either the old file or the new one.
fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    crate::atomic_file::write(path, contents)
        .with_context(|| format!("could not write {}", path.display()))
}

fn show(args: ShowArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let torrent = torrent_run::load_torrent(&args.torrent)?;
    output.record(&torrent.summary())?;
    Ok(ExitStatus::Success)
}

/// The record `btt-seed verify` prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Verified {
    /// The torrent's name.
    pub name: String,
    /// Hex info-hash.
    pub info_hash: String,
    /// Pieces in the torrent.
    pub pieces: usize,
    /// Pieces whose data matches.
    pub good: usize,
    /// Indices of pieces that are missing or do not match.
    pub bad: Vec<usize>,
}

impl Record for Verified {
    const TYPE: &'static str = "verified";
    fn human(&self) -> Option<String> {
        if self.bad.is_empty() {
            return Some(format!(
                "{}: all {} pieces verified",
                self.name, self.pieces
            ));
        }
        let listed: Vec<String> = self.bad.iter().take(50).map(usize::to_string).collect();
        let more = if self.bad.len() > 50 { " ..." } else { "" };
        Some(format!(
            "{}: {} of {} pieces bad or missing: {}{more}",
            self.name,
            self.bad.len(),
            self.pieces,
            listed.join(" ")
        ))
    }
}

fn verify(args: VerifyArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let torrent = torrent_run::load_torrent(&args.torrent)?;
    let layout = layout_of(&torrent)?;
    let storage = Storage::open(&args.data, layout, Access::ReadOnly)?;
    let threads = worker_threads();
    let bar = output.progress(torrent.info.total_length, "verifying");
    let done = std::sync::atomic::AtomicU64::new(0);
    let good = storage.recheck(&torrent.info.pieces, None, threads, &|bytes| {
        bar.set_position(done.fetch_add(bytes, std::sync::atomic::Ordering::Relaxed) + bytes);
    })?;
    bar.finish();
    let record = Verified {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        pieces: good.len(),
        good: good.count(),
        bad: (0..good.len()).filter(|&index| !good.get(index)).collect(),
    };
    output.record(&record)?;
    Ok(if record.bad.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

async fn tracker(args: TrackerArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let options = ServerOptions {
        interval: args.interval,
        ..ServerOptions::default()
    };
    let server = TrackerServer::bind(args.listen, options)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    output.record(&Listening {
        addr: server.local_addr().to_string(),
        utp: None,
    })?;
    output.info(format!("tracker at {}", server.http_announce_url()));
    tokio::select! {
        result = server.run() => result.context("tracker stopped")?,
        () = interrupt::interrupted() => {}
    }
    Ok(ExitStatus::Success)
}

async fn run(args: RunArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    interrupt::listen_for_interruptions();
    let (events, market_events) = MarketEvents::channel();
    let printer = MarketPrinter::start(output.clone(), market_events);
    let desk = seller_desk(&args.market, args.up_limit, events).await?;
    let _delivering = start_delivering(&args, output).await?;
    let options = args.network.client_options(args.up_limit, args.down_limit);
    let client = Client::start(options).await?;
    torrent_run::print_listening(&client, output)?;
    let torrents = args
        .torrents
        .iter()
        .map(|input| torrent_run::load_torrent(input).map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rpc = args.rpc.listen(&args.data, output).await?;
    let mut library = library::Library::new(&args, desk, client, rpc, output);
    library.add_all(torrents).await?;
    let status = library.run().await?;
    printer.finish().await;
    Ok(status)
}

/// `--watch-every`: at least 100 ms, so a poll is not a busy loop.
fn parse_watch_every(text: &str) -> Result<Duration, String> {
    let every = parse_duration(text)?;
    if every < Duration::from_millis(100) {
        return Err("polling more often than every 100ms is a busy loop".to_string());
    }
    Ok(every)
}

/// The delivery rounds of `--sell`, if any listing is given.
async fn start_delivering(
    args: &RunArgs,
    output: &Output,
) -> anyhow::Result<Option<delivering::Delivering>> {
    let Some(wallet) = args
        .market
        .wallet
        .as_deref()
        .filter(|_| !args.sell.is_empty())
    else {
        return Ok(None);
    };
    let flags = delivering::SellFlags {
        listings: &args.sell,
        wallet,
        ledger: &args.market.ledger,
        password: &args.market.password,
        every: args.deliver_every,
    };
    delivering::Delivering::start(flags, output).await.map(Some)
}

/// Prepares a torrent's data and adds it to the client.
async fn start_seeding(
    args: &RunArgs,
    resume_path: PathBuf,
    torrent: Arc<Torrent>,
    client: &mut Client,
    market: Option<&Market>,
    output: &Output,
) -> anyhow::Result<AddedTorrent> {
    let options = PrepareOptions {
        root: args.data.clone(),
        resume_path: resume_path.clone(),
        selection: None,
        force_recheck: args.recheck,
        threads: worker_threads(),
    };
    let prepared = prepare_in_background(Arc::clone(&torrent), options)
        .await
        .with_context(|| format!("could not open the data of {}", torrent.info.name))?;
    if prepared.have.count() < prepared.have.len() {
        output.warn(format!(
            "{}: {} of {} pieces present in {}; fetching the rest",
            torrent.info.name,
            prepared.have.count(),
            prepared.have.len(),
            args.data.display()
        ));
    }
    let mut options = TorrentOptions {
        upload_limit: args.torrent_up_limit,
        download_limit: args.torrent_down_limit,
        choker: plain_choker(&args.market),
        ..args.network.torrent_options(resume_path)
    };
    if let Some(market) = market {
        options = market.plug_into(options);
    }
    let added = client.add_torrent(Arc::clone(&torrent), prepared, options);
    output.record(&torrent_run::started_record(
        &torrent,
        &added.session,
        &args.data,
    ))?;
    Ok(added)
}

/// How one torrent of `btt-seed run` is seeded.
struct Seeding {
    market: Option<Market>,
    data: PathBuf,
    output: Output,
    ratio: Option<f64>,
    deadline: Option<Instant>,
    /// The name of its row on a terminal, when its own is shared.
    label: Option<String>,
    /// Stops it early (pause, remove), with the reason its summary gives.
    stop: tokio::sync::oneshot::Receiver<StopReason>,
}

/// The row names of torrents whose names are alike: the name and the
/// start of the info-hash, so three `album`s are three rows a person can
/// tell apart; `None` for a torrent whose name is its own.
fn row_labels(torrents: &[Arc<Torrent>]) -> Vec<Option<String>> {
    torrents
        .iter()
        .map(|torrent| {
            let name = &torrent.info.name;
            let alike = torrents.iter().filter(|other| other.info.name == *name);
            (alike.count() > 1).then(|| {
                let hash = torrent.info_hash.to_string();
                format!("{name} ({})", &hash[..8])
            })
        })
        .collect()
}

/// Runs one torrent until it stops and stops its session; returns its
/// info-hash with why it stopped.
async fn seed_one(
    torrent: Arc<Torrent>,
    AddedTorrent { session, events }: AddedTorrent,
    seeding: Seeding,
) -> ([u8; 20], anyhow::Result<StopReason>) {
    let Seeding {
        market,
        data,
        output,
        ratio,
        deadline,
        label,
        stop,
    } = seeding;
    let started = Instant::now();
    let control = RunControl {
        output: &output,
        seed: SeedPolicy::Seed { ratio, time: None },
        deadline,
        stall_timeout: None,
        on_complete: None,
        market: market.as_ref(),
        label: label.as_deref(),
    };
    let outcome = tokio::select! {
        outcome = torrent_run::drive(&torrent, &data, &session, events, &control) => outcome,
        Ok(reason) = stop => Ok(torrent_run::Ran { reason, downloading: started.elapsed() }),
    };
    let (stopped, market) = end_run(market.as_ref(), session.stop()).await;
    let stopped = stopped.context("could not save resume state");
    let reason = stopped.and(outcome).and_then(|ran| {
        let summary =
            torrent_run::summary_record(&torrent, &session, started.elapsed().as_secs_f64(), ran);
        output.record(&MarketSummary { summary, market })?;
        Ok(ran.reason)
    });
    (session.info_hash(), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn torrent(name: &str, length: u64) -> Arc<Torrent> {
        let info = format!(
            "d6:lengthi{length}e4:name{}:{name}12:piece lengthi16384e6:pieces20:{}e",
            name.len(),
            "x".repeat(20)
        );
        Arc::new(Torrent::from_info_bytes(info.as_bytes(), Vec::new()).unwrap())
    }

    /// A hybrid's summary: 40,000 + 3 bytes of files, the first padded to the 32 KiB piece.
    fn padded_summary() -> TorrentSummary {
        let pad = 32_768 - 40_000 % 32_768;
        let files = format!(
            "l d6:lengthi40000e4:pathl1:aee d4:attr1:p6:lengthi{pad}e4:pathl4:.pad{}:{pad}ee d6:lengthi3e4:pathl1:bee e",
            pad.to_string().len()
        )
        .replace(' ', "");
        let info = format!(
            "d5:files{files}4:name5:album12:piece lengthi32768e6:pieces60:{}e",
            "x".repeat(60)
        );
        Torrent::from_info_bytes(info.as_bytes(), Vec::new())
            .unwrap()
            .summary()
    }

    #[test]
    fn show_gives_the_size_of_the_files_and_the_pads_apart() {
        let summary = padded_summary();
        assert_eq!(
            (
                summary.total_length,
                summary.content_length,
                summary.padding_length
            ),
            (65_539, 40_003, 25_536)
        );
        let text = summary.human().unwrap();
        let size = text.lines().find(|line| line.starts_with("size:")).unwrap();
        assert_eq!(
            size,
            format!(
                "size:       {} (40003 bytes), and {} of pad files, not stored",
                bytes(40_003),
                bytes(25_536)
            )
        );
    }

    #[test]
    fn torrents_named_alike_get_rows_that_tell_them_apart() {
        let torrents = [torrent("album", 1), torrent("album", 2), torrent("solo", 3)];
        let labels = row_labels(&torrents);
        let hash = |index: usize| torrents[index].info_hash.to_string()[..8].to_owned();
        assert_eq!(
            labels,
            [
                Some(format!("album ({})", hash(0))),
                Some(format!("album ({})", hash(1))),
                None
            ]
        );
        assert_ne!(labels[0], labels[1]);
    }
}
