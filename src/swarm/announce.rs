//! Announcing to the torrent's trackers (BEP 3, 12, 15): `started` at the
//! torrent's turn in the process's
//! [`AnnouncePacer`](super::announce_pacing::AnnouncePacer) (at once, unless
//! the process started many torrents just before), regular announces at the
//! tracker's interval, `completed` when the last piece is verified,
//! `stopped` on shutdown. A hybrid torrent is announced
//! under both its v1 and its truncated v2 info-hash, so peers that know it
//! by either find it. While an incomplete torrent has no peer, announces
//! come sooner ([`LonelyBackoff`]). Peers it learns go to the dialer.

use super::announce_backoff::LonelyBackoff;
use super::events::{SwarmEvent, TrackerFailed};
use super::shared::Shared;
use super::{PeerBatch, PeerSource};
use crate::tracker::{
    announce_key, AnnounceEvent, AnnounceRequest, AnnounceResponse, Tiers, TrackerClient,
};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// How long one announce may take.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the `stopped` announce may delay shutdown.
const STOPPED_TIMEOUT: Duration = Duration::from_secs(3);
/// The wait before trying again after every tracker failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);
/// The shortest interval we honour, whatever a tracker says.
const MIN_INTERVAL: Duration = Duration::from_secs(5);

/// Announces until shutdown, then sends `stopped`.
pub(super) async fn announce_loop(shared: Arc<Shared>) {
    let mut tiers = Tiers::new(shared.torrent.trackers.clone());
    if tiers.is_empty() {
        return;
    }
    tokio::select! {
        _ = shared.shutdown.cancelled() => return,
        _ = tokio::time::sleep(shared.options.announce_pacer.turn()) => {}
    }
    let client = TrackerClient::new(ANNOUNCE_TIMEOUT);
    let mut complete = shared.complete.subscribe();
    let mut reported_complete = *complete.borrow();
    let mut event = AnnounceEvent::Started;
    let mut backoff = LonelyBackoff::default();
    loop {
        let wait = match announce_once(&shared, &client, &mut tiers, event).await {
            Some(response) => {
                let interval = response.interval.max(MIN_INTERVAL);
                backoff.wait(interval, response.min_interval, is_lonely(&shared))
            }
            None => RETRY_AFTER_FAILURE,
        };
        event = AnnounceEvent::None;
        tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            _ = tokio::time::sleep(wait) => {}
            Ok(()) = complete.changed(), if !reported_complete => {
                reported_complete = true;
                event = AnnounceEvent::Completed;
            }
        }
    }
    let stopped = announce_once(&shared, &client, &mut tiers, AnnounceEvent::Stopped);
    let _ = tokio::time::timeout(STOPPED_TIMEOUT, stopped).await;
}

/// Whether the torrent still wants data and has no peer to get it from.
fn is_lonely(shared: &Shared) -> bool {
    let state = shared.lock();
    !state.picker.is_done() && state.peers.is_empty()
}

/// One announce under each of the torrent's swarm hashes; the answer of
/// the first that got one, after its peers went to the dialer.
async fn announce_once(
    shared: &Arc<Shared>,
    client: &TrackerClient,
    tiers: &mut Tiers,
    event: AnnounceEvent,
) -> Option<AnnounceResponse> {
    let mut answer = None;
    for hash in shared.torrent.info_hashes().swarm_hashes() {
        let request = AnnounceRequest {
            info_hash: hash.0,
            peer_id: shared.options.peer_id,
            port: shared.options.listen_port,
            uploaded: shared.uploaded.load(Ordering::Relaxed),
            downloaded: shared.downloaded.load(Ordering::Relaxed),
            left: shared.lock().picker.bytes_left(),
            event,
            num_want: (event != AnnounceEvent::Stopped).then_some(80),
            key: announce_key(&shared.options.peer_id),
        };
        match tiers.announce(client, &request).await {
            Ok((_, response)) => {
                if !response.peers.is_empty() {
                    let batch = PeerBatch::new(PeerSource::Tracker, response.peers.clone());
                    let _ = shared.new_peers.send(batch);
                }
                answer.get_or_insert(response);
            }
            Err(error) => shared.emit(SwarmEvent::TrackerFailed(TrackerFailed {
                info_hash: hash.to_string(),
                url: tiers.first_url(),
                message: error.to_string(),
            })),
        }
    }
    answer
}
