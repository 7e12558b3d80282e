//! `btt-seed status|add|remove|pause|resume|set`: the torrents of every
//! running `btt-get` and `btt-seed run` on this machine, and changes to one
//! of them, over the control sockets in the runtime directory
//! ([`crate::control`]). A torrent is named by a prefix of its info-hash
//! that only it has (and `--pid` when two processes run it).

use crate::amount::Token;
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::interrupt;
use crate::cli::market_run::parse_price_flag;
use crate::cli::values::{parse_duration, parse_size};
use crate::config::Dirs;
use crate::control::client::{self, ControlClientError, Process, RunningTorrent};
use crate::control::protocol::{Request, Response, TorrentStatus};
use crate::market::price::{format_price, PricePerMib};
use crate::output::control::TorrentTable;
use crate::output::{Format, Output};
use clap::Args;
use std::path::Path;
use std::time::Duration;

/// `btt-seed status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Keep printing: the table redrawn in place on a terminal, a record per torrent per round in a pipe
    #[arg(long)]
    pub watch: bool,
    /// How often --watch prints
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "1s", requires = "watch")]
    pub every: Duration,
}

/// Which torrent of which running process.
#[derive(Debug, Args)]
pub struct Target {
    /// The torrent's info-hash, or a prefix of it that only one running torrent has
    pub info_hash: String,
    /// The process, when several run the same torrent
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
}

/// `btt-seed add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The .torrent files and magnet links to seed (a magnet's metadata is
    /// fetched from its swarm first)
    #[arg(required = true, value_name = "TORRENT")]
    pub torrents: Vec<String>,
    /// The btt-seed run to add them to, when several run
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
}

/// `btt-seed remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub target: Target,
    /// Delete the torrent's data and resume file as well
    #[arg(long)]
    pub delete_data: bool,
}

/// `btt-seed set`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("change").required(true).multiple(true).args(["up_limit", "down_limit", "ask"]))]
pub struct SetArgs {
    #[command(flatten)]
    pub target: Target,
    /// The torrent's own upload limit per second, e.g. 2MiB; 0 is none
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub up_limit: Option<u64>,
    /// The torrent's own download limit per second, e.g. 10MiB; 0 is none
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub down_limit: Option<u64>,
    /// The ask of a torrent a btt-seed run --ask sells, e.g. 0.02BTT/MiB
    #[arg(long, value_name = "PRICE", value_parser = parse_price_flag)]
    pub ask: Option<PricePerMib>,
}

/// `btt-seed status`.
pub fn status(args: StatusArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    block_on(async {
        if !args.watch {
            print_status(output, false).await?;
            return Ok(ExitStatus::Success);
        }
        interrupt::listen_for_interruptions();
        let mut rounds = tokio::time::interval(args.every);
        loop {
            tokio::select! {
                _ = rounds.tick() => print_status(output, true).await?,
                () = interrupt::interrupted() => return Ok(ExitStatus::Success),
            }
        }
    })
}

async fn print_status(output: &Output, redraw: bool) -> anyhow::Result<()> {
    let running = listing(output).await?.running;
    let torrents: Vec<TorrentStatus> = running.into_iter().map(|torrent| torrent.status).collect();
    match output.format() {
        Format::Human => output.record(&TorrentTable {
            torrents: &torrents,
            redraw,
        })?,
        Format::Json => {
            for torrent in &torrents {
                output.record(torrent)?;
            }
        }
    }
    Ok(())
}

/// `btt-seed add`: each file, in order, to one running `btt-seed run`.
pub fn add(args: AddArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let mut requests = Vec::new();
    for torrent in &args.torrents {
        requests.push(add_request(torrent)?);
    }
    block_on(async {
        let process = seeder(args.pid, output).await?;
        for request in requests {
            let label = format!("{} (pid {})", process.program, process.pid);
            print_answer(ask(&process.path, &label, &request).await?, output)?;
        }
        Ok(ExitStatus::Success)
    })
}

/// `btt-seed remove`.
pub fn remove(args: RemoveArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    order(&args.target, output, |info_hash| Request::Remove {
        info_hash,
        delete_data: args.delete_data,
    })
}

/// `btt-seed pause`.
pub fn pause(target: Target, output: &Output) -> anyhow::Result<ExitStatus> {
    order(&target, output, |info_hash| Request::Pause { info_hash })
}

/// `btt-seed resume`.
pub fn resume(target: Target, output: &Output) -> anyhow::Result<ExitStatus> {
    order(&target, output, |info_hash| Request::Resume { info_hash })
}

/// `btt-seed set`.
pub fn set(args: SetArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    order(&args.target, output, |info_hash| Request::SetLimits {
        info_hash,
        up_limit: args.up_limit,
        down_limit: args.down_limit,
        ask: args.ask.map(|ask| format_price(ask, Token::Btt)),
    })
}

/// Sends the request `make` builds from the target's whole info-hash to
/// its process, and prints the torrent after it.
fn order(
    target: &Target,
    output: &Output,
    make: impl FnOnce(String) -> Request,
) -> anyhow::Result<ExitStatus> {
    block_on(async {
        let running = find(target, output).await?;
        let label = format!(
            "{} ({} pid {})",
            running.status.name, running.status.program, running.status.pid
        );
        let request = make(running.status.info_hash.clone());
        print_answer(ask(&running.path, &label, &request).await?, output)?;
        Ok(ExitStatus::Success)
    })
}

fn block_on<T>(work: impl std::future::Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    crate::cli::runtime().and_then(|runtime| runtime.block_on(work))
}

/// The torrents of the processes that answered; a socket that did not answer is a warning.
async fn listing(output: &Output) -> anyhow::Result<client::TorrentListing> {
    let listing = client::torrents(&Dirs::from_env().runtime).await?;
    for error in &listing.unanswered {
        output.warn(format!("skipped a process that did not answer: {error}"));
    }
    Ok(listing)
}

async fn find(target: &Target, output: &Output) -> anyhow::Result<RunningTorrent> {
    let running = listing(output).await?.running;
    client::select_torrent(running, &target.info_hash, target.pid).map_err(not_found)
}

fn not_found(error: ControlClientError) -> anyhow::Error {
    let status = match error {
        ControlClientError::NotInfoHash { .. } => ExitStatus::BadInput,
        _ => ExitStatus::Failure,
    };
    with_status(status, error)
}

/// The one running `btt-seed run` (process `pid`, when given).
async fn seeder(pid: Option<u32>, output: &Output) -> anyhow::Result<Process> {
    let processes = listing(output).await?.processes;
    let mut seeders: Vec<Process> = processes
        .into_iter()
        .filter(|process| process.program == "btt-seed")
        .filter(|process| pid.is_none_or(|pid| process.pid == pid))
        .collect();
    match (seeders.len(), pid) {
        (1, _) => Ok(seeders.remove(0)),
        (0, Some(pid)) => Err(anyhow::anyhow!("no btt-seed run with pid {pid} is running")),
        (0, None) => Err(anyhow::anyhow!(
            "no btt-seed run is running on this machine"
        )),
        (_, _) => {
            let pids: Vec<String> = seeders
                .iter()
                .map(|seeder| seeder.pid.to_string())
                .collect();
            let error = anyhow::anyhow!(
                "{} btt-seed runs are running (pids {}); name one with --pid",
                seeders.len(),
                pids.join(", ")
            );
            Err(with_status(ExitStatus::Usage, error))
        }
    }
}

/// The request that adds `input`: a magnet link that parses, or the
/// absolute path of a .torrent file that parses; else a one-line error.
fn add_request(input: &str) -> anyhow::Result<Request> {
    if crate::cli::magnet_metadata::parse_if_magnet(input)?.is_some() {
        return Ok(Request::AddMagnet {
            magnet: input.to_string(),
        });
    }
    if input == "-" {
        let error = anyhow::anyhow!("-: btt-seed add takes .torrent files and magnet links");
        return Err(with_status(ExitStatus::Usage, error));
    }
    crate::cli::torrent_run::load_torrent(input)?;
    let path = std::path::absolute(Path::new(input))
        .map_err(|error| anyhow::anyhow!("{input}: could not make the path absolute: {error}"))?;
    Ok(Request::Add {
        torrent: path.display().to_string(),
    })
}

/// Sends `request` to the process at `path` (`label` in errors) and waits for the answer.
async fn ask(path: &Path, label: &str, request: &Request) -> anyhow::Result<Vec<TorrentStatus>> {
    let within = match request {
        Request::SetLimits { .. } => client::ANSWER_TIMEOUT,
        _ => client::ORDER_TIMEOUT,
    };
    match client::ask_within(path, request, within).await? {
        Response::Torrents(torrents) => Ok(torrents),
        Response::Error(refused) => Err(anyhow::anyhow!("{label} refused: {refused}")),
        Response::Status(_) | Response::Process(_) => Err(anyhow::anyhow!(
            "{label} answered with something else than torrents"
        )),
    }
}

fn print_answer(torrents: Vec<TorrentStatus>, output: &Output) -> anyhow::Result<()> {
    for torrent in &torrents {
        output.record(torrent)?;
    }
    Ok(())
}
