//! `btt-get`: download torrents (.torrent files or magnet links, or lines
//! of them on standard input) one after another, verify every piece,
//! optionally seed each for a while, and exit with a status a script can
//! act on: the first failure's, when one of several failed.

use super::exit::{with_status, ExitStatus};
use super::interrupt;
use super::magnet_metadata::{self, MetadataPhase};
use super::market_run::{end_run, BuyArgs, Market, MarketPrinter, MarketSummary};
use super::stop_policy::SeedPolicy;
use super::stream::Stream;
use super::torrent_run::{self, PeerArgs, RunControl, StatePaths};
use super::values::{parse_duration, parse_ratio, parse_selection, parse_size, FileSelection};
use super::{exit_status_help, finish, GlobalArgs};
use crate::config::{worker_threads, Dirs};
use crate::control::registry::Registry;
use crate::control::server::{ControlServer, Desk};
use crate::magnet::Magnet;
use crate::market::auto_bid::AutoBidder;
use crate::market::events::MarketEvents;
use crate::market::plan::Plan;
use crate::market::price::{from_token, PricePerMib};
use crate::metainfo::Torrent;
use crate::output::Output;
use crate::swarm::client::{AddedTorrent, TorrentOptions};
use crate::swarm::prepare::{prepare_in_background, PrepareError, PrepareOptions, Prepared};
use crate::swarm::{Client, PeerBatch};
use anyhow::Context;
use clap::{CommandFactory, Parser};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The default `--stall-timeout`: long enough for a slow swarm to verify a
/// piece, short enough that a cron job whose swarm is gone ends.
pub const STALL_TIMEOUT: &str = "10m";

/// Download a torrent, verify it, and optionally keep seeding it.
#[derive(Debug, Parser)]
#[command(name = "btt-get", version, about, after_help = exit_status_help())]
pub struct GetArgs {
    /// The .torrent files or magnet links to download, one after another; - reads standard input:
    /// a .torrent, a `plan` record of btt-bid plan, or lines of magnet links and .torrent paths
    #[arg(required = true, value_name = "TORRENT")]
    pub torrents: Vec<String>,
    /// Directory to download into (the content goes under the torrent's name); with --metadata-only, the .torrent file to write
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Only fetch a magnet link's metadata and write it as a .torrent file (to -o, or NAME.torrent in it when it is a directory)
    #[arg(long)]
    pub metadata_only: bool,
    /// Give up (exit 4) when a magnet link's metadata does not arrive within this long
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    pub metadata_timeout: Duration,
    #[command(flatten)]
    pub network: PeerArgs,
    /// Download only these files (1-based, as listed by btt-seed show), e.g. 1,3-4
    #[arg(long, value_name = "LIST", value_parser = parse_selection)]
    pub select: Option<FileSelection>,
    /// Download pieces in order, for playing while downloading
    #[arg(long)]
    pub sequential: bool,
    /// Write the one file of --select to stdout in order as its pieces verify (implies
    /// --sequential), e.g. `| mpv -`; the file is still written and seeded as usual
    #[arg(long, requires = "select", conflicts_with = "metadata_only")]
    pub stream: bool,
    /// Re-hash every piece on disk before starting
    #[arg(long)]
    pub recheck: bool,
    /// After completing, seed until this upload/download ratio, counted over every run on this
    /// data here (the summary's lifetime_ratio)
    #[arg(long, value_name = "RATIO", value_parser = parse_ratio)]
    pub seed_ratio: Option<f64>,
    /// After completing, seed for this long (e.g. 30m)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub seed_time: Option<Duration>,
    /// Stop after this long in all, complete or not (e.g. 6h)
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub run_for: Option<Duration>,
    /// Give up (exit 4) when no verified data arrives for this long while downloading, so an
    /// unattended run ends; 0 waits forever
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = STALL_TIMEOUT)]
    pub stall_timeout: Duration,
    /// Upload limit per second, e.g. 2MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub up_limit: Option<u64>,
    /// Download limit per second, e.g. 10MiB
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub down_limit: Option<u64>,
    /// Run this shell command on completion, with BTT_NAME, BTT_INFO_HASH and BTT_PATH set
    #[arg(long, value_name = "CMD")]
    pub on_complete: Option<String>,
    #[command(flatten)]
    pub market: BuyArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Standard input, when `-` named a .torrent or a plan there and it was
    /// read already (looking for lines of torrents).
    #[arg(skip)]
    pub stdin: Option<Vec<u8>>,
}

impl GetArgs {
    /// These arguments for `torrent` alone (buying nothing: a download
    /// that buys takes one torrent).
    fn for_one(&self, torrent: &str) -> GetArgs {
        GetArgs {
            torrents: vec![torrent.to_owned()],
            output: self.output.clone(),
            metadata_only: self.metadata_only,
            metadata_timeout: self.metadata_timeout,
            network: self.network.clone(),
            select: self.select.clone(),
            sequential: self.sequential,
            stream: self.stream,
            recheck: self.recheck,
            seed_ratio: self.seed_ratio,
            seed_time: self.seed_time,
            run_for: self.run_for,
            stall_timeout: self.stall_timeout,
            up_limit: self.up_limit,
            down_limit: self.down_limit,
            on_complete: self.on_complete.clone(),
            market: BuyArgs::none(self.market.ledger.clone()),
            global: self.global.clone(),
            stdin: self.stdin.clone().filter(|_| torrent == "-"),
        }
    }
}

/// The clap definition, for man pages and completions.
pub fn command() -> clap::Command {
    GetArgs::command()
}

/// The entry point of the `btt-get` binary.
pub fn main() -> ExitCode {
    let args = match super::parse_args::<GetArgs>("btt-get") {
        Ok(args) => args,
        Err(code) => return code,
    };
    let output = match args.stream {
        true => args.global.output("btt-get").stdout_taken(),
        false => args.global.output("btt-get"),
    };
    let result = super::runtime().and_then(|runtime| runtime.block_on(run(args, &output)));
    finish(&output, result)
}

/// What the torrent argument named.
enum Input {
    /// A .torrent file (or standard input), read.
    File(Torrent),
    /// A magnet link, whose metadata is still to be found.
    Magnet(Magnet),
}

async fn run(mut args: GetArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let stdin_lines = args.torrents.iter().any(|torrent| torrent == "-");
    if stdin_lines {
        let (torrents, stdin) = expand_stdin(&args.torrents)?;
        args.torrents = torrents;
        args.stdin = stdin;
    }
    if args.torrents.len() == 1 {
        return fetch(args, output).await.map(|fetched| fetched.status);
    }
    if args.market.wallet.is_some() {
        let error = anyhow::anyhow!("a download that buys slots takes one torrent");
        return Err(with_status(ExitStatus::Usage, error));
    }
    if args.stream {
        let error = anyhow::anyhow!("--stream takes one torrent");
        return Err(with_status(ExitStatus::Usage, error));
    }
    fetch_each(&args, output).await
}

/// Fetches the torrents of `args` one after another; a failure is printed
/// and the next one fetched, and the first failure's status is the run's.
/// An interruption stops the run.
async fn fetch_each(args: &GetArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    for torrent in &args.torrents {
        let this = match fetch(args.for_one(torrent), output).await {
            Ok(fetched) => fetched.status,
            Err(error) if super::exit::is_broken_pipe(&error) => return Err(error),
            Err(error) => {
                let failed = super::exit::classify(&error);
                output.error(failed.name(), &format!("{error:#}"));
                failed
            }
        };
        if status == ExitStatus::Success {
            status = this;
        }
        if this == ExitStatus::Interrupted {
            break;
        }
    }
    Ok(status)
}

/// `torrents` with each `-` replaced by the lines of standard input (magnet
/// links and .torrent paths; blank lines and `#` comments skipped), unless
/// standard input is a .torrent or a plan: then it is returned, for the one `-`.
fn expand_stdin(torrents: &[String]) -> anyhow::Result<(Vec<String>, Option<Vec<u8>>)> {
    let bytes = torrent_run::read_input("-")?;
    let first = bytes.trim_ascii_start().first();
    if first == Some(&b'{') || Torrent::from_bytes(&bytes).is_ok() {
        return Ok((torrents.to_vec(), Some(bytes)));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        let error = anyhow::anyhow!("standard input is neither a .torrent nor lines of text");
        with_status(ExitStatus::BadInput, error)
    })?;
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if lines.is_empty() {
        let error = anyhow::anyhow!("standard input names no torrent");
        return Err(with_status(ExitStatus::BadInput, error));
    }
    if lines.iter().any(|line| line == "-") {
        let error = anyhow::anyhow!("a line of standard input is -: name a file or a magnet link");
        return Err(with_status(ExitStatus::BadInput, error));
    }
    let mut expanded = Vec::new();
    for torrent in torrents {
        match torrent.as_str() {
            "-" => expanded.extend(lines.iter().cloned()),
            _ => expanded.push(torrent.clone()),
        }
    }
    Ok((expanded, None))
}

/// What a finished `btt-get` run fetched.
pub struct Fetched {
    /// How the run ended.
    pub status: ExitStatus,
    /// The torrent it ran (a magnet's, once its metadata arrived).
    pub torrent: Arc<Torrent>,
}

/// Runs `btt-get` with `args` for their first torrent: the download, and
/// the seeding after it that they ask for.
pub async fn fetch(mut args: GetArgs, output: &Output) -> anyhow::Result<Fetched> {
    interrupt::listen_for_interruptions();
    let input = read_input(&mut args)?;
    let dirs = Dirs::from_env();
    let (events, market_events) = MarketEvents::channel();
    let printer = MarketPrinter::start(output.clone(), market_events);
    let market = Market::buyer(&args.market, events).await?;
    // The process-wide limits stay off: btt-get runs one torrent.
    let mut client = Client::start(args.network.client_options(None, None)).await?;
    torrent_run::print_listening(&client, output)?;
    let dht_wanted = match &input {
        Input::File(torrent) => args.network.dht.enabled_for(torrent, output),
        Input::Magnet(_) => args.network.dht.enabled(),
    };
    if dht_wanted {
        torrent_run::start_dht(&mut client, &args.network.dht, &dirs, output).await?;
    }
    let (torrent, found_peers, magnet) = match input {
        Input::File(torrent) => (torrent, Vec::new(), None),
        Input::Magnet(magnet) => {
            // A seeder that learns of us from a tracker dials us: take it.
            client.accept_peers();
            let (torrent, peers) = fetch_metadata(&magnet, &client, &args, &dirs, output).await?;
            (torrent, peers, Some(magnet))
        }
    };
    let torrent = Arc::new(torrent);
    if args.metadata_only {
        magnet_metadata::save_torrent(&torrent, &args.output, output)?;
        return Ok(Fetched {
            status: ExitStatus::Success,
            torrent,
        });
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("could not create {}", args.output.display()))?;
    let state = StatePaths::new(&dirs, &torrent, &args.output)?;
    let _lock = state.lock(&torrent)?;
    let stream = stream_of(&args, &torrent)?;
    let prepared = prepare(&args, &torrent, &state, magnet.as_ref()).await?;
    let mut options = TorrentOptions {
        found_peers,
        upload_limit: args.up_limit,
        download_limit: args.down_limit,
        sequential: args.sequential || args.stream,
        ..args.network.torrent_options(state.resume)
    };
    if let Some(market) = &market {
        options = market.plug_into(options);
    }
    let added = client.add_torrent(Arc::clone(&torrent), prepared, options);
    let streaming = stream.map(|stream| tokio::spawn(stream.run(Arc::clone(&added.session))));
    client.accept_peers();
    let control = listen_for_control(&market, &dirs, &torrent, &args.output, &added, output);
    let auto_bid = market
        .as_ref()
        .and_then(Market::buying)
        .zip(args.market.deadline)
        .map(|(buyer, deadline)| {
            let until = Instant::now() + deadline;
            AutoBidder::start(buyer.clone(), Arc::clone(&added.session), until)
        });
    output.record(&torrent_run::started_record(
        &torrent,
        &added.session,
        &args.output,
    ))?;
    let trade = Trade {
        market,
        printer,
        _control: control,
        _auto_bid: auto_bid,
    };
    let status = download(&args, &torrent, client, added, trade, output).await?;
    if let Some(streaming) = streaming {
        finish_stream(streaming, status).await?;
    }
    Ok(Fetched { status, torrent })
}

/// The stream of `--stream`: the one file `--select` names (`run` checked
/// that there is one torrent).
fn stream_of(args: &GetArgs, torrent: &Torrent) -> anyhow::Result<Option<Stream>> {
    if !args.stream {
        return Ok(None);
    }
    let usage = |message: String| with_status(ExitStatus::Usage, anyhow::anyhow!(message));
    let ranges = args.select.as_ref().map_or(&[][..], |select| &select.0[..]);
    let index = match ranges {
        [range] if range.start() == range.end() => *range.start(),
        _ => {
            return Err(usage(
                "--stream needs --select to name one file".to_string(),
            ))
        }
    };
    let file = torrent
        .info
        .files
        .get(index)
        .filter(|file| !file.attributes.pad)
        .ok_or_else(|| {
            usage(format!(
                "--select {}: {} has {} files",
                index + 1,
                torrent.info.name,
                torrent.info.files.len()
            ))
        })?;
    Ok(Some(Stream::new(torrent, file, &args.output)))
}

/// Waits for the stream to end once the download completed (it has all it
/// needs then), or stops it when the download did not; a reader that closed
/// the pipe is not an error.
async fn finish_stream(
    streaming: tokio::task::JoinHandle<std::io::Result<()>>,
    status: ExitStatus,
) -> anyhow::Result<()> {
    if status != ExitStatus::Success {
        streaming.abort();
        return Ok(());
    }
    match streaming.await {
        Ok(Ok(())) | Err(_) => Ok(()),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Ok(Err(error)) => Err(anyhow::anyhow!("--stream: {error}")),
    }
}

/// What the torrent argument names; a `plan` on standard input names the
/// torrent and sets the bid and budget the command line did not give.
fn read_input(args: &mut GetArgs) -> anyhow::Result<Input> {
    let torrent = args.torrents.first().cloned().unwrap_or_default();
    if let Some(magnet) = magnet_metadata::parse_if_magnet(&torrent)? {
        return Ok(Input::Magnet(magnet));
    }
    let bytes = match args.stdin.take().filter(|_| torrent == "-") {
        Some(bytes) => bytes,
        None => torrent_run::read_input(&torrent)?,
    };
    if torrent != "-" || bytes.trim_ascii_start().first() != Some(&b'{') {
        return Ok(Input::File(torrent_run::parse_torrent(&torrent, &bytes)?));
    }
    let plan = read_plan(&bytes)?;
    if args.market.wallet.is_none() {
        let error = anyhow::anyhow!("a plan on standard input pays: give --wallet");
        return Err(with_status(ExitStatus::Usage, error));
    }
    // A plan's amounts are base units of its token; flags are btt's BTT,
    // which the market converts to the ledger's token itself.
    let flag_units = |units: u128| from_token(units, plan.token);
    let bid = u64::try_from(flag_units(u128::from(plan.bid().0))).unwrap_or(u64::MAX);
    args.market.bid = args.market.bid.or(Some(PricePerMib(bid)));
    args.market.budget = args
        .market
        .budget
        .or(Some(flag_units(plan.budget_base_units)));
    let planned_deadline = Duration::from_secs(plan.deadline_seconds);
    args.market.deadline = args.market.deadline.or(Some(planned_deadline));
    if plan.torrent == "-" {
        let error =
            anyhow::anyhow!("the plan names no torrent file (it was planned from standard input)");
        return Err(with_status(ExitStatus::BadInput, error));
    }
    match magnet_metadata::parse_if_magnet(&plan.torrent)? {
        Some(magnet) => Ok(Input::Magnet(magnet)),
        None => Ok(Input::File(torrent_run::load_torrent(&plan.torrent)?)),
    }
}

/// The last `plan` record in NDJSON `bytes`.
fn read_plan(bytes: &[u8]) -> anyhow::Result<Plan> {
    let bad = |why: String| {
        with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("standard input: {why}"),
        )
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 JSON".to_string()))?;
    let mut found = None;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let mut record: serde_json::Value =
            serde_json::from_str(line).map_err(|error| bad(format!("not JSON: {error}")))?;
        if record["type"] == "plan" {
            if let Some(fields) = record.as_object_mut() {
                fields.remove("type");
            }
            found = Some(
                serde_json::from_value(record)
                    .map_err(|error| bad(format!("not a plan record: {error}")))?,
            );
        }
    }
    found.ok_or_else(|| bad("no plan record (from btt-bid plan) and not a .torrent".to_string()))
}

/// The download's market, if it buys, the printer of its events, the
/// control socket `btt-seed status` and `btt-bid` talk to (removed when dropped),
/// and the auto-bidder of `--deadline` (stopped when dropped).
struct Trade {
    market: Option<Market>,
    printer: MarketPrinter,
    _control: Option<ControlServer>,
    _auto_bid: Option<AutoBidder>,
}

/// The control socket of the download; a socket that can't be set up is
/// a warning, since the download works without it.
fn listen_for_control(
    market: &Option<Market>,
    dirs: &Dirs,
    torrent: &Arc<Torrent>,
    data: &std::path::Path,
    added: &AddedTorrent,
    output: &Output,
) -> Option<ControlServer> {
    let registry = Registry::new("btt-get");
    let trade = market.as_ref().map(Market::trade);
    registry.insert(Arc::clone(torrent), data, Arc::clone(&added.session), trade);
    match ControlServer::start(&dirs.runtime, Desk::new(registry, None)) {
        Ok(server) => {
            output.debug(format!("control socket {}", server.path().display()));
            Some(server)
        }
        Err(error) => {
            output.warn(format!("btt-seed status can't see this download: {error}"));
            None
        }
    }
}

/// A magnet link's torrent, and the peers found while fetching it.
async fn fetch_metadata(
    magnet: &Magnet,
    client: &Client,
    args: &GetArgs,
    dirs: &Dirs,
    output: &Output,
) -> anyhow::Result<(Torrent, Vec<PeerBatch>)> {
    if !magnet.ignored.is_empty() {
        output.warn(format!(
            "ignoring magnet parameters btt does not use: {}",
            magnet.ignored.join(", ")
        ));
    }
    let phase = MetadataPhase {
        client,
        manual_peers: args.network.peers.clone(),
        use_trackers: !args.network.no_tracker,
        timeout: args.metadata_timeout,
    };
    magnet_metadata::resolve(magnet, dirs, &phase, output).await
}

/// Opens the download's data and finds its verified pieces.
async fn prepare(
    args: &GetArgs,
    torrent: &Arc<Torrent>,
    state: &StatePaths,
    magnet: Option<&Magnet>,
) -> anyhow::Result<Prepared> {
    // --select wins over the magnet's `so=` (BEP 53); both are 0-based here.
    let selection = match (&args.select, magnet) {
        (Some(selection), _) => Some(selection.0.clone()),
        (None, Some(magnet)) => magnet.select_only.clone(),
        (None, None) => None,
    };
    let options = PrepareOptions {
        root: args.output.clone(),
        resume_path: state.resume.clone(),
        selection,
        force_recheck: args.recheck,
        threads: worker_threads(),
    };
    prepare_in_background(Arc::clone(torrent), options)
        .await
        .map_err(|error| match error {
            PrepareError::SelectionOutOfRange { .. } => with_status(ExitStatus::Usage, error),
            other => anyhow::Error::new(other).context("could not open the download"),
        })
}

/// Runs the added torrent until it stops, stops the client and prints the summary.
async fn download(
    args: &GetArgs,
    torrent: &Torrent,
    client: Client,
    AddedTorrent { session, events }: AddedTorrent,
    trade: Trade,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let control = RunControl {
        output,
        seed: SeedPolicy::after_download(args.seed_ratio, args.seed_time),
        deadline: args.run_for.map(|limit| started + limit),
        stall_timeout: Some(args.stall_timeout).filter(|timeout| !timeout.is_zero()),
        on_complete: args.on_complete.as_deref(),
        market: trade.market.as_ref(),
        label: None,
    };
    let outcome = torrent_run::drive(torrent, &args.output, &session, events, &control).await;
    let (stopped, market) = end_run(trade.market.as_ref(), client.stop()).await;
    torrent_run::check_stopped(stopped, output)?;
    trade.printer.finish().await;
    let ran = outcome?;
    let summary =
        torrent_run::summary_record(torrent, &session, started.elapsed().as_secs_f64(), ran);
    let complete = summary.complete;
    output.record(&MarketSummary { summary, market })?;
    let status = torrent_run::exit_status(ran.reason, complete);
    if status == ExitStatus::Unreachable {
        return Err(with_status(
            status,
            anyhow::anyhow!("no data arrived for the stall timeout"),
        ));
    }
    Ok(status)
}
