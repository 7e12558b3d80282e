//! The per-torrent DHT task: `get_peers` at once and then every few minutes
//! (sooner while nothing is found), `announce_peer` with our TCP port after
//! each lookup, and every answer handed to a [`PeerSink`] as a
//! [`PeerBatch`] from [`PeerSource::Dht`].
//!
//! Invariants: one lookup and one announce at a time per task, each bounded
//! in time; the task ends promptly when cancelled or when its sink closes.
//! Within one lookup an address is delivered once, as soon as it arrives; a
//! round that finds nothing delivers one empty batch after its announce, so
//! the output shows that the DHT was asked and had no peers (and a test can
//! tell that a lone seeder has announced itself).

use crate::peer::source::{PeerBatch, PeerSource};
use futures_util::StreamExt;
use mainline::async_dht::AsyncDht;
use mainline::Id;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The wait between lookups once peers were found.
pub const LOOKUP_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// The first wait after a lookup found nothing; it doubles up to [`LOOKUP_INTERVAL`].
pub const FIRST_RETRY: Duration = Duration::from_secs(10);
/// The longest a lookup or an announce may take.
const QUERY_TIMEOUT: Duration = Duration::from_secs(60);

/// What one torrent asks of the DHT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupRequest {
    /// The torrent's info-hash.
    pub info_hash: [u8; 20],
    /// Our TCP port to announce, or `None` to look up without announcing.
    pub announce_port: Option<u16>,
}

/// Where found peers go.
pub trait PeerSink: Send + Sync + 'static {
    /// Hands over one batch; `false` means nobody listens any more.
    fn deliver(&self, batch: PeerBatch) -> bool;
}

impl PeerSink for mpsc::UnboundedSender<PeerBatch> {
    fn deliver(&self, batch: PeerBatch) -> bool {
        self.send(batch).is_ok()
    }
}

/// When the next lookup is due: [`LOOKUP_INTERVAL`] after one that found
/// peers, sooner (doubling from [`FIRST_RETRY`]) while none are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    retry: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule { retry: FIRST_RETRY }
    }
}

impl Schedule {
    /// The wait after a lookup that `found` peers or not.
    pub fn next_wait(&mut self, found: bool) -> Duration {
        if found {
            self.retry = FIRST_RETRY;
            return LOOKUP_INTERVAL;
        }
        let wait = self.retry;
        self.retry = (self.retry * 2).min(LOOKUP_INTERVAL);
        wait
    }
}

/// The task behind [`super::DhtNode::lookup`].
pub(super) async fn run(
    dht: AsyncDht,
    request: LookupRequest,
    sink: impl PeerSink,
    cancel: CancellationToken,
) {
    let info_hash = Id::from(request.info_hash);
    let mut schedule = Schedule::default();
    loop {
        let found = tokio::select! {
            () = cancel.cancelled() => return,
            found = look_up(&dht, info_hash, &sink) => found,
        };
        let Some(found) = found else { return };
        if let Some(port) = request.announce_port {
            tokio::select! {
                () = cancel.cancelled() => return,
                // No node took the announce: the next round tries again.
                _ = tokio::time::timeout(QUERY_TIMEOUT, dht.announce_peer(info_hash, Some(port))) => {}
            }
        }
        // Said after the announce, so "nothing found" also means "announced".
        if !found && !sink.deliver(PeerBatch::new(PeerSource::Dht, Vec::new())) {
            return;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(schedule.next_wait(found)) => {}
        }
    }
}

/// One `get_peers` lookup, each answer's new addresses delivered at once;
/// returns whether it found peers, or `None` when the sink is closed.
async fn look_up(dht: &AsyncDht, info_hash: Id, sink: &impl PeerSink) -> Option<bool> {
    let deadline = tokio::time::Instant::now() + QUERY_TIMEOUT;
    let mut answers = dht.get_peers(info_hash);
    let mut seen: Vec<SocketAddr> = Vec::new();
    while let Ok(Some(answer)) = tokio::time::timeout_at(deadline, answers.next()).await {
        let new: Vec<SocketAddr> = answer
            .into_iter()
            .map(SocketAddr::V4)
            .filter(|addr| !seen.contains(addr))
            .collect();
        if new.is_empty() {
            continue;
        }
        seen.extend(&new);
        if !sink.deliver(PeerBatch::new(PeerSource::Dht, new)) {
            return None;
        }
    }
    Some(!seen.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_while_nothing_is_found_and_reset_on_success() {
        let mut schedule = Schedule::default();
        let waits: Vec<u64> = (0..7)
            .map(|_| schedule.next_wait(false).as_secs())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 300, 300]);
        assert_eq!(schedule.next_wait(true), LOOKUP_INTERVAL);
        assert_eq!(schedule.next_wait(false), FIRST_RETRY);
    }
}
