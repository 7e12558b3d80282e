//! The torrents of one `btt-seed run` while it runs: those of the command
//! line, and those added, removed, paused and resumed over the control
//! socket (`btt-seed add|remove|pause|resume`) or found in and removed from
//! the watch directory (`--watch-dir`).
//!
//! Invariants: a torrent is listed in the control [`Registry`] from its
//! start to its removal, and holds its state lock as long (paused too); a
//! paused or removed torrent's session is stopped (its `stopped` announce
//! sent, its resume state saved) before the order is answered; the run
//! ends when nothing runs and nothing is paused (unless a watch directory
//! is watched), or when interrupted or past `--for`.

use super::{row_labels, seed_one, start_seeding, RunArgs, Seeding};
use crate::cli::exit::ExitStatus;
use crate::cli::interrupt;
use crate::cli::magnet_metadata::{self, MetadataPhase};
use crate::cli::market_run::Market;
use crate::cli::stop_policy::StopReason;
use crate::cli::torrent_run::{self, StateLock, StatePaths};
use crate::config::Dirs;
use crate::control::protocol::Response;
use crate::control::registry::{Registry, Trade};
use crate::control::server::{Command, ControlServer, Desk, Order};
use crate::control::transmission::{RpcListener, RpcServer};
use crate::magnet::Magnet;
use crate::market::price::PricePerMib;
use crate::market::seller_desk::SellerDesk;
use crate::metainfo::Torrent;
use crate::output::Output;
use crate::swarm::session::TorrentLimits;
use crate::swarm::Client;
use crate::watch_dir::{WatchDir, WatchEvent};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

/// How long a magnet added to a running seeder may take to get its metadata
/// (the run loop waits for it; Transmission's remote gives up after 60 s).
const MAGNET_METADATA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(45);

/// What a finished torrent run returns: its swarm hash and why it stopped.
type Ended = ([u8; 20], anyhow::Result<StopReason>);

/// A torrent that runs now.
struct Run {
    /// The swarm hash its session is under in the client.
    hash: [u8; 20],
    /// Stops it, with the reason its summary gives.
    stop: Option<oneshot::Sender<StopReason>>,
    /// What to do once it stopped, when an order stopped it.
    then: Option<After>,
}

/// What a resumed torrent keeps from before its pause.
struct Kept {
    limits: TorrentLimits,
    ask: Option<PricePerMib>,
}

/// What an order that stops a torrent does once it stopped.
enum After {
    /// Keep it listed, paused.
    Pause(oneshot::Sender<Response>),
    /// Forget it; delete its data if asked; answer if asked over the socket.
    Remove {
        delete_data: bool,
        reply: Option<oneshot::Sender<Response>>,
    },
}

/// The torrents of a `btt-seed run`.
pub struct Library<'a> {
    args: &'a RunArgs,
    output: &'a Output,
    dirs: Dirs,
    desk: Option<SellerDesk>,
    client: Client,
    started: Instant,
    registry: Arc<Registry>,
    runs: JoinSet<Ended>,
    running: HashMap<String, Run>,
    locks: HashMap<String, StateLock>,
    /// The torrents found in the watch directory, by file.
    watched: HashMap<PathBuf, String>,
    /// The control socket and the Transmission RPC (from the start, so a
    /// torrent is listed once added), and the orders they pass on, carried
    /// out once [`Library::run`] runs.
    _control: Option<ControlServer>,
    _rpc: Option<RpcServer>,
    ordered: mpsc::Receiver<Order>,
    status: ExitStatus,
}

impl<'a> Library<'a> {
    /// A library with no torrent yet, seeding through `client`, listening
    /// on its control socket and on `rpc` (the Transmission RPC, when asked).
    pub fn new(
        args: &'a RunArgs,
        desk: Option<SellerDesk>,
        client: Client,
        rpc: Option<RpcListener>,
        output: &'a Output,
    ) -> Library<'a> {
        let dirs = Dirs::from_env();
        let registry = Registry::new("btt-seed");
        let (orders, ordered) = mpsc::channel(16);
        let control_desk = Desk::new(Arc::clone(&registry), Some(orders));
        let control = listen_for_control(&dirs, &control_desk, output);
        let rpc = rpc.map(|rpc| rpc.serve(control_desk));
        Library {
            args,
            output,
            dirs,
            desk,
            client,
            started: Instant::now(),
            registry,
            runs: JoinSet::new(),
            running: HashMap::new(),
            locks: HashMap::new(),
            watched: HashMap::new(),
            _control: control,
            _rpc: rpc,
            ordered,
            status: ExitStatus::Success,
        }
    }

    /// Starts seeding the torrents of the command line, or fails.
    pub async fn add_all(&mut self, torrents: Vec<Arc<Torrent>>) -> anyhow::Result<()> {
        let labels = row_labels(&torrents);
        for (torrent, label) in torrents.into_iter().zip(labels) {
            self.add(torrent, label).await?;
        }
        Ok(())
    }

    /// Starts seeding `torrent`, listed under `label` on a terminal.
    async fn add(&mut self, torrent: Arc<Torrent>, label: Option<String>) -> anyhow::Result<()> {
        let key = torrent.info_hash.to_string();
        if self.registry.get(&key).is_some() {
            anyhow::bail!("{} ({key}) is seeded already", torrent.info.name);
        }
        let state = StatePaths::new(&self.dirs, &torrent, &self.args.data)?;
        let lock = state.lock(&torrent)?;
        self.start(torrent, state.resume, label, None).await?;
        self.locks.insert(key, lock);
        Ok(())
    }

    /// Starts a torrent's session (with what it `kept`, when resumed) and its run.
    async fn start(
        &mut self,
        torrent: Arc<Torrent>,
        resume: PathBuf,
        label: Option<String>,
        kept: Option<Kept>,
    ) -> anyhow::Result<()> {
        let (args, output) = (self.args, self.output);
        if args.network.dht.enabled_for(&torrent, output) && self.client.dht().is_none() {
            torrent_run::start_dht(&mut self.client, &args.network.dht, &self.dirs, output).await?;
        }
        let market = self.desk.as_ref().map(Market::selling);
        let torrent_market = market.as_ref();
        let added = start_seeding(
            args,
            resume,
            Arc::clone(&torrent),
            &mut self.client,
            torrent_market,
            output,
        )
        .await?;
        let trade = market.as_ref().map(Market::trade);
        if let Some(kept) = kept {
            added.session.set_limits(kept.limits);
            if let (Some(Trade::Selling(seller)), Some(ask)) = (&trade, kept.ask) {
                seller.set_ask(ask);
            }
        }
        let session = Arc::clone(&added.session);
        let (stop, stopped) = oneshot::channel();
        let seeding = Seeding {
            market,
            data: args.data.clone(),
            output: output.clone(),
            ratio: args.ratio,
            deadline: args.run_for.map(|limit| self.started + limit),
            label,
            stop: stopped,
        };
        let key = torrent.info_hash.to_string();
        self.registry.insert(
            Arc::clone(&torrent),
            &args.data,
            Arc::clone(&session),
            trade,
        );
        self.running.insert(
            key,
            Run {
                hash: session.info_hash(),
                stop: Some(stop),
                then: None,
            },
        );
        self.runs.spawn(seed_one(torrent, added, seeding));
        Ok(())
    }

    /// Seeds until nothing is left to seed, an interruption or `--for`;
    /// stops the client and returns the run's status.
    pub async fn run(mut self) -> anyhow::Result<ExitStatus> {
        self.client.accept_peers();
        let mut watch_dir = self.args.watch_dir.as_ref().map(|dir| WatchDir::new(dir));
        let mut polls = tokio::time::interval(self.args.watch_every);
        let deadline = self.args.run_for.map(|limit| self.started + limit);
        let mut stopping = false;
        loop {
            let idle = self.registry.is_empty() && watch_dir.is_none();
            if self.runs.is_empty() && (stopping || idle) {
                break;
            }
            tokio::select! {
                Some(joined) = self.runs.join_next() => self.ended(joined?),
                Some(order) = self.ordered.recv(), if !stopping => self.obey(order).await,
                () = interrupt::interrupted(), if !stopping => {
                    stopping = true;
                    self.status = ExitStatus::Interrupted;
                }
                () = until(deadline), if !stopping => stopping = true,
                _ = polls.tick(), if watch_dir.is_some() && !stopping => {
                    if let Some(watch_dir) = watch_dir.as_mut() {
                        self.poll(watch_dir).await;
                    }
                }
            }
        }
        torrent_run::check_stopped(self.client.stop().await, self.output)?;
        Ok(self.status)
    }

    /// A torrent's run ended: by an order, or on its own.
    fn ended(&mut self, (hash, outcome): Ended) {
        self.client.remove_torrent(&hash);
        let key = self
            .running
            .iter()
            .find(|(_, run)| run.hash == hash)
            .map(|(key, _)| key.clone());
        let Some(run) = key.as_ref().and_then(|key| self.running.remove(key)) else {
            return;
        };
        let key = key.unwrap_or_default();
        match outcome {
            Ok(StopReason::Interrupted) => self.status = ExitStatus::Interrupted,
            Ok(_) => {}
            Err(error) => {
                self.output
                    .error(ExitStatus::Failure.name(), &format!("{error:#}"));
                self.status = ExitStatus::Failure;
            }
        }
        match run.then {
            Some(After::Pause(reply)) => {
                self.registry.pause(&key);
                let _ = reply.send(self.answer(&key));
            }
            Some(After::Remove { delete_data, reply }) => {
                let answer = self.forget(&key, delete_data);
                if let Some(reply) = reply {
                    let _ = reply.send(answer);
                }
            }
            None => {
                self.forget(&key, false);
            }
        }
    }

    /// The answer naming one torrent's status now.
    fn answer(&self, key: &str) -> Response {
        match self.registry.status(key) {
            Some(status) => Response::Torrents(vec![status]),
            None => Response::Error(format!("no torrent {key} here")),
        }
    }

    /// Unlists a stopped torrent, releases its lock and deletes its data if
    /// asked; answers with its last status.
    fn forget(&mut self, key: &str, delete_data: bool) -> Response {
        let answer = self.answer(key);
        let known = self.registry.get(key);
        self.registry.remove(key);
        self.locks.remove(key);
        self.watched.retain(|_, watched| watched.as_str() != key);
        let Some(known) = known.filter(|_| delete_data) else {
            return answer;
        };
        match delete(&self.dirs, &known.torrent, &known.data) {
            Ok(()) => answer,
            Err(error) => Response::Error(format!("removed, but {error}")),
        }
    }

    /// Carries out an order from the control socket.
    async fn obey(&mut self, Order { command, reply }: Order) {
        match command {
            Command::Add(path) => {
                let answer = match self.add_file(&path).await {
                    Ok(key) => self.answer(&key),
                    Err(error) => Response::Error(format!("{error:#}")),
                };
                let _ = reply.send(answer);
            }
            Command::AddTorrent(torrent) => {
                let key = torrent.info_hash.to_string();
                let answer = match self.add(torrent, None).await {
                    Ok(()) => self.answer(&key),
                    Err(error) => Response::Error(format!("{error:#}")),
                };
                let _ = reply.send(answer);
            }
            Command::AddMagnet(magnet) => {
                let answer = match self.add_magnet(&magnet).await {
                    Ok(key) => self.answer(&key),
                    Err(error) => Response::Error(format!("{error:#}")),
                };
                let _ = reply.send(answer);
            }
            Command::Pause(key) => self.stop_run(&key, StopReason::Paused, After::Pause(reply)),
            Command::Remove {
                info_hash,
                delete_data,
            } => {
                let then = After::Remove {
                    delete_data,
                    reply: Some(reply),
                };
                self.stop_run(&info_hash, StopReason::Removed, then);
            }
            Command::Resume(key) => {
                let answer = match self.resume(&key).await {
                    Ok(()) => self.answer(&key),
                    Err(error) => Response::Error(format!("{error:#}")),
                };
                let _ = reply.send(answer);
            }
        }
    }

    /// Seeds the .torrent file at `path`; returns its info-hash.
    async fn add_file(&mut self, path: &Path) -> anyhow::Result<String> {
        let input = path.display().to_string();
        let torrent = Arc::new(torrent_run::load_torrent(&input)?);
        let key = torrent.info_hash.to_string();
        self.add(torrent, None).await?;
        Ok(key)
    }

    /// Fetches the metadata of `magnet` (from the cache, `--peer`, its
    /// trackers and hints, within [`MAGNET_METADATA_TIMEOUT`]) and seeds it,
    /// starting from the peers that were found; returns its info-hash.
    async fn add_magnet(&mut self, magnet: &Magnet) -> anyhow::Result<String> {
        if let Some(known) = self.registry.get(&magnet.info_hashes.swarm().to_string()) {
            anyhow::bail!("{} is seeded already", known.torrent.info.name);
        }
        let phase = MetadataPhase {
            client: &self.client,
            manual_peers: self.args.network.peers.clone(),
            use_trackers: !self.args.network.no_tracker,
            timeout: MAGNET_METADATA_TIMEOUT,
        };
        let (torrent, peers) =
            magnet_metadata::resolve(magnet, &self.dirs, &phase, self.output).await?;
        let torrent = Arc::new(torrent);
        let key = torrent.info_hash.to_string();
        self.add(torrent, None).await?;
        if let Some(session) = self.registry.session(&key) {
            for batch in peers {
                session.add_peers(batch);
            }
        }
        Ok(key)
    }

    /// Stops a running torrent for `reason`, then does `then`; a paused
    /// torrent is removed at once, and can't be paused again.
    fn stop_run(&mut self, key: &str, reason: StopReason, then: After) {
        if let Some(run) = self.running.get_mut(key) {
            if let Some(stop) = run.stop.take() {
                let _ = stop.send(reason);
                run.then = Some(then);
                return;
            }
        }
        match then {
            After::Pause(reply) => {
                let refused = match self.running.contains_key(key) {
                    true => "it is stopping already",
                    false => "it is paused already",
                };
                let _ = reply.send(Response::Error(format!("{key}: {refused}")));
            }
            After::Remove { delete_data, reply } => {
                let answer = self.forget(key, delete_data);
                if let Some(reply) = reply {
                    let _ = reply.send(answer);
                }
            }
        }
    }

    /// Starts a paused torrent again, with the limits it had.
    async fn resume(&mut self, key: &str) -> anyhow::Result<()> {
        let known = self
            .registry
            .get(key)
            .filter(|known| known.paused)
            .ok_or_else(|| anyhow::anyhow!("{key} is not paused"))?;
        let state = StatePaths::new(&self.dirs, &known.torrent, &known.data)?;
        let kept = Kept {
            limits: known.limits,
            ask: known.ask,
        };
        self.start(known.torrent, state.resume, None, Some(kept))
            .await
    }

    /// One look at the watch directory: adds what is new and complete,
    /// removes what is gone, says once why a file is ignored.
    async fn poll(&mut self, watch_dir: &mut WatchDir) {
        for event in watch_dir.poll() {
            match event {
                WatchEvent::Added(path, torrent) => {
                    let key = torrent.info_hash.to_string();
                    match self.add(torrent, None).await {
                        Ok(()) => {
                            self.watched.insert(path, key);
                        }
                        Err(error) => self
                            .output
                            .warn(format!("{}: ignored: {error:#}", path.display())),
                    }
                }
                WatchEvent::Ignored(path, why) => self
                    .output
                    .warn(format!("{}: ignored: {why}", path.display())),
                WatchEvent::Removed(path) => {
                    if let Some(key) = self.watched.remove(&path) {
                        let then = After::Remove {
                            delete_data: false,
                            reply: None,
                        };
                        self.stop_run(&key, StopReason::Removed, then);
                    }
                }
            }
        }
    }
}

/// The control socket of the run; one that can't be set up is a warning.
fn listen_for_control(dirs: &Dirs, desk: &Arc<Desk>, output: &Output) -> Option<ControlServer> {
    match ControlServer::start(&dirs.runtime, Arc::clone(desk)) {
        Ok(server) => {
            output.debug(format!("control socket {}", server.path().display()));
            Some(server)
        }
        Err(error) => {
            output.warn(format!("btt-seed status can't see this run: {error}"));
            None
        }
    }
}

/// Resolves at `deadline`; never without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Deletes a removed torrent's content (under its name in `data`) and its
/// resume file.
fn delete(dirs: &Dirs, torrent: &Torrent, data: &Path) -> anyhow::Result<()> {
    let name = Path::new(&torrent.info.name);
    let mut components = name.components();
    let plain = matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    );
    if !plain {
        anyhow::bail!("did not delete data under the name {:?}", torrent.info.name);
    }
    let content = data.join(name);
    let removed = match std::fs::symlink_metadata(&content) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&content),
        Ok(_) => std::fs::remove_file(&content),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    };
    removed.map_err(|error| anyhow::anyhow!("could not delete {}: {error}", content.display()))?;
    let state = StatePaths::new(dirs, torrent, data)?;
    match std::fs::remove_file(&state.resume) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(anyhow::anyhow!(
            "could not delete {}: {error}",
            state.resume.display()
        )),
        _ => Ok(()),
    }
}
