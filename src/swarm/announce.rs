//! Announcing to the torrent's trackers (BEP 3, 12, 15): `started` at once,
//! regular announces at the tracker's interval, `completed` when the last
//! piece is verified, `stopped` on shutdown. Peers it learns go to the dialer.

use super::events::{SwarmEvent, TrackerFailed};
use super::shared::Shared;
use super::{PeerBatch, PeerSource};
use crate::tracker::{announce_key, AnnounceEvent, AnnounceRequest, Tiers, TrackerClient};
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
    let client = TrackerClient::new(ANNOUNCE_TIMEOUT);
    let mut complete = shared.complete.subscribe();
    let mut reported_complete = *complete.borrow();
    let mut event = AnnounceEvent::Started;
    loop {
        let wait = announce_once(&shared, &client, &mut tiers, event).await;
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

/// One announce; returns how long to wait for the next.
async fn announce_once(
    shared: &Arc<Shared>,
    client: &TrackerClient,
    tiers: &mut Tiers,
    event: AnnounceEvent,
) -> Duration {
    let request = AnnounceRequest {
        info_hash: shared.info_hash,
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
                let _ = shared
                    .new_peers
                    .send(PeerBatch::new(PeerSource::Tracker, response.peers));
            }
            response.interval.max(MIN_INTERVAL)
        }
        Err(error) => {
            shared.emit(SwarmEvent::TrackerFailed(TrackerFailed {
                info_hash: shared.info_hash_hex.clone(),
                url: tiers.first_url(),
                message: error.to_string(),
            }));
            RETRY_AFTER_FAILURE
        }
    }
}
