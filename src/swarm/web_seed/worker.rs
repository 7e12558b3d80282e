//! The tasks that fetch from web seeds, and the swarm state's side of them:
//! picking blocks under the seed's key, storing what arrived, giving back
//! what did not, and the seed's health after a failure or a bad piece. All
//! of it is under the swarm's one lock, never held across an `.await`.

use super::fetch::{self, FetchError};
use super::health::{Health, Setback};
use super::span::{self, Run};
use super::url::WebSeedUrl;
use crate::bitfield::Bitfield;
use crate::swarm::events::{SwarmEvent, WebSeedFailed};
use crate::swarm::meter::RateMeter;
use crate::swarm::picker::{Arrival, Block, PeerKey, BLOCK_SIZE};
use crate::swarm::requests::cancel_duplicates;
use crate::swarm::shared::{Shared, SwarmState};
use crate::swarm::verifier::CompletedPiece;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Requests one web seed has in flight at once.
const REQUESTS_IN_FLIGHT: usize = 4;
/// Bytes asked of a web seed in one pick: at least this, and at least one piece.
const PICK_BYTES: u32 = 256 * 1024;
/// How long a worker with nothing to fetch waits before it asks again.
const IDLE_WAIT: Duration = Duration::from_millis(200);

/// A web seed as the swarm state holds it.
#[derive(Debug)]
pub(in crate::swarm) struct WebSeed {
    url: WebSeedUrl,
    /// Every piece: a web seed has them all.
    has: Bitfield,
    requested: HashSet<Block>,
    health: Health,
    pub(in crate::swarm) download: RateMeter,
}

impl WebSeed {
    /// The seed's URL, for records.
    pub(in crate::swarm) fn url(&self) -> &str {
        self.url.as_str()
    }
}

/// What a worker does next.
enum Next {
    Stop,
    Wait(Duration),
    Fetch(Vec<Block>),
}

/// Starts the workers of each of the torrent's web seeds, unless there is
/// nothing to download; a URL btt cannot use is reported and skipped.
pub(in crate::swarm) fn spawn_web_seeds(shared: &Arc<Shared>, tasks: &mut JoinSet<()>) {
    if shared.lock().picker.is_done() {
        return;
    }
    for url in &shared.torrent.web_seeds {
        let url = match WebSeedUrl::parse(url) {
            Ok(url) => url,
            Err(error) => {
                shared.report(url, error.to_string(), Setback::Dropped);
                continue;
            }
        };
        let key = shared.add_web_seed(url.clone());
        let client = fetch::client();
        for _ in 0..REQUESTS_IN_FLIGHT {
            tasks.spawn(work(Arc::clone(shared), key, url.clone(), client.clone()));
        }
    }
}

async fn work(shared: Arc<Shared>, key: PeerKey, url: WebSeedUrl, client: reqwest::Client) {
    loop {
        let blocks = match shared.web_seed_next(key, Instant::now()) {
            Next::Stop => return,
            Next::Wait(pause) => {
                tokio::select! {
                    _ = shared.shutdown.cancelled() => return,
                    _ = tokio::time::sleep(pause) => continue,
                }
            }
            Next::Fetch(blocks) => blocks,
        };
        tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            _ = fetch_blocks(&shared, key, &url, &client, blocks) => {}
        }
    }
}

/// Fetches picked blocks run by run; on a failure the blocks not yet
/// stored go back to the picker.
async fn fetch_blocks(
    shared: &Arc<Shared>,
    key: PeerKey,
    url: &WebSeedUrl,
    client: &reqwest::Client,
    blocks: Vec<Block>,
) {
    let runs = span::runs(blocks, shared.torrent.info.piece_length);
    for (position, run) in runs.iter().enumerate() {
        match fetch_run(shared, url, client, run).await {
            Ok(data) => shared.web_seed_delivered(key, run, &data),
            Err(error) => {
                let unfetched = runs[position..].iter().flat_map(|run| &run.blocks);
                return shared.web_seed_failed(key, unfetched, &error, Instant::now());
            }
        }
    }
}

/// The bytes of one run, from each file it covers.
async fn fetch_run(
    shared: &Shared,
    url: &WebSeedUrl,
    client: &reqwest::Client,
    run: &Run,
) -> Result<Vec<u8>, FetchError> {
    let info = &shared.torrent.info;
    let mut data = Vec::with_capacity(run.length as usize);
    for range in span::file_ranges(&info.files, run.offset, run.length) {
        if range.pad {
            data.resize(data.len() + range.length as usize, 0);
            continue;
        }
        let file_url = url.file_url(info, range.file);
        let limits = &shared.options.download_limits;
        // A single file's range can be cut out of a whole-file answer.
        let whole_answers = info.files.len() == 1;
        fetch::fetch_range(client, &file_url, range, limits, whole_answers, &mut data).await?;
    }
    Ok(data)
}

impl Shared {
    /// Adds a web seed as a source of its own; returns its key.
    fn add_web_seed(&self, url: WebSeedUrl) -> PeerKey {
        let mut state = self.lock();
        let key = state.next_key;
        state.next_key += 1;
        let seed = WebSeed {
            url,
            has: Bitfield::full(state.picker.have().len()),
            requested: HashSet::new(),
            health: Health::default(),
            download: RateMeter::new(Instant::now()),
        };
        state.web_seeds.insert(key, seed);
        key
    }

    /// The blocks web seed `key` fetches next, a pause, or the end.
    fn web_seed_next(&self, key: PeerKey, now: Instant) -> Next {
        let mut state = self.lock();
        let SwarmState {
            picker, web_seeds, ..
        } = &mut *state;
        let Some(seed) = web_seeds.get_mut(&key) else {
            return Next::Stop;
        };
        if picker.is_done() || seed.health.is_dropped() {
            return Next::Stop;
        }
        if let Some(pause) = seed.health.wait(now) {
            return Next::Wait(pause);
        }
        let pick_bytes = PICK_BYTES.max(self.torrent.info.piece_length);
        let count = pick_bytes.div_ceil(BLOCK_SIZE) as usize;
        let requested = &seed.requested;
        let blocks = picker.pick(key, &seed.has, count, &|block| requested.contains(block));
        if blocks.is_empty() {
            return Next::Wait(IDLE_WAIT);
        }
        seed.requested.extend(blocks.iter().copied());
        Next::Fetch(blocks)
    }

    /// Stores a fetched run; completed pieces go to the verifier.
    fn web_seed_delivered(self: &Arc<Self>, key: PeerKey, run: &Run, data: &[u8]) {
        let mut state = self.lock();
        let SwarmState {
            picker,
            peers,
            web_seeds,
            ..
        } = &mut *state;
        let Some(seed) = web_seeds.get_mut(&key) else {
            return;
        };
        seed.health.succeeded();
        seed.download.add(data.len() as u64);
        let endgame = picker.in_endgame();
        let mut position = 0;
        for block in &run.blocks {
            let bytes = &data[position..position + block.length as usize];
            position += block.length as usize;
            if !seed.requested.remove(block) {
                continue;
            }
            let arrival = picker.block_arrived(key, block.index, block.begin, bytes);
            if let Arrival::PieceComplete { data, contributors } = arrival {
                self.verify(CompletedPiece {
                    index: block.index,
                    data,
                    contributors,
                });
            }
            if endgame {
                cancel_duplicates(peers, key, block);
            }
        }
    }

    /// A failed request: its blocks go back to the picker and the seed is
    /// backed off (once per outage).
    fn web_seed_failed<'a>(
        &self,
        key: PeerKey,
        unfetched: impl Iterator<Item = &'a Block>,
        error: &FetchError,
        now: Instant,
    ) {
        let mut state = self.lock();
        let SwarmState {
            picker, web_seeds, ..
        } = &mut *state;
        let Some(seed) = web_seeds.get_mut(&key) else {
            return;
        };
        for block in unfetched {
            if seed.requested.remove(block) {
                picker.request_dropped(block);
            }
        }
        picker.peer_gone(key);
        let setback = match error {
            // Asking again gets the same whole file: say so once and stop.
            FetchError::NotPartial { .. } => seed.health.drop_for_good(),
            _ => seed.health.request_failed(now),
        };
        let url = seed.url.to_string();
        drop(state);
        self.report(&url, error.to_string(), setback);
    }

    /// Counts a bad piece that web seed `key` alone sent: a backoff, or
    /// the end of the seed, whose outstanding blocks then go back to the picker.
    pub(in crate::swarm) fn web_seed_sent_bad_piece(
        &self,
        state: &mut SwarmState,
        key: PeerKey,
        index: u32,
    ) {
        let SwarmState {
            picker, web_seeds, ..
        } = state;
        let Some(seed) = web_seeds.get_mut(&key) else {
            return;
        };
        let setback = seed.health.sent_bad_piece(Instant::now());
        if setback == Setback::Dropped {
            for block in seed.requested.drain() {
                picker.request_dropped(&block);
            }
        }
        picker.peer_gone(key);
        let message = format!("sent piece {index}, which failed its hash check");
        self.report(seed.url.as_str(), message, setback);
    }

    /// Emits the record of a web seed's setback (none for an absorbed one).
    fn report(&self, url: &str, message: String, setback: Setback) {
        let (retry_in, dropped) = match setback {
            Setback::Absorbed => return,
            Setback::BackedOff(pause) => (pause, false),
            Setback::Dropped => (Duration::ZERO, true),
        };
        self.emit(SwarmEvent::WebSeedFailed(WebSeedFailed {
            info_hash: self.info_hash_hex.clone(),
            url: url.to_owned(),
            message,
            retry_in_ms: retry_in.as_millis() as u64,
            dropped,
        }));
    }
}
