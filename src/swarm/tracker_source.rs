//! Trackers as a peer source before a session exists: during the metadata
//! phase of a magnet download the magnet's `tr` trackers are announced to
//! (`started`, then at the tracker's interval, sooner while they return no
//! peer: [`LonelyBackoff`]) under each hash the magnet names the swarm by
//! (both of a hybrid), and every answer goes into the phase's
//! [`PeerBatch`] channel. It stops by itself when the channel's receiver is
//! gone; the session that follows announces on its own.

use super::announce_backoff::LonelyBackoff;
use super::events::{SwarmEvent, TrackerFailed};
use super::{PeerBatch, PeerSource};
use crate::metainfo::InfoHash;
use crate::tracker::{announce_key, AnnounceEvent, AnnounceRequest, Tiers, TrackerClient};
use std::time::Duration;
use tokio::sync::mpsc;

/// How long one announce may take.
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(15);
/// The bounds on the wait between announces, whatever a tracker says: the
/// phase is short, so a long interval would leave it without new peers.
const MIN_INTERVAL: Duration = Duration::from_secs(5);
const MAX_INTERVAL: Duration = Duration::from_secs(60);
/// The wait after every tracker failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);
/// `left` while the size is unknown: any non-zero value marks a leecher.
const LEFT_UNKNOWN: u64 = u32::MAX as u64;

/// Who announces, and where answers go.
#[derive(Debug, Clone)]
pub struct TrackerSource {
    /// The hashes the torrent's swarm is named by (the first is the main one).
    pub info_hashes: Vec<InfoHash>,
    /// Our peer id.
    pub peer_id: [u8; 20],
    /// The port we accept peers on.
    pub port: u16,
    /// The tracker tiers.
    pub trackers: Vec<Vec<String>>,
}

impl TrackerSource {
    /// Announces until `peers`' receiver is dropped, reporting failures on `events`.
    pub async fn run(
        self,
        peers: mpsc::UnboundedSender<PeerBatch>,
        events: mpsc::UnboundedSender<SwarmEvent>,
    ) {
        let mut tiers = Tiers::new(self.trackers.clone());
        if tiers.is_empty() {
            return;
        }
        let client = TrackerClient::new(ANNOUNCE_TIMEOUT);
        let mut event = AnnounceEvent::Started;
        let mut backoff = LonelyBackoff::default();
        while !peers.is_closed() {
            let mut answered = None;
            let mut found = 0;
            for &info_hash in &self.info_hashes {
                let request = self.request(info_hash, event);
                match tiers.announce(&client, &request).await {
                    Ok((_, response)) => {
                        found += response.peers.len();
                        let _ = peers.send(PeerBatch::new(PeerSource::Tracker, response.peers));
                        answered = Some(response.interval.clamp(MIN_INTERVAL, MAX_INTERVAL));
                    }
                    Err(error) => {
                        let _ = events.send(SwarmEvent::TrackerFailed(TrackerFailed {
                            info_hash: info_hash.to_string(),
                            url: tiers.first_url(),
                            message: error.to_string(),
                        }));
                    }
                }
            }
            let wait = match answered {
                Some(interval) => {
                    event = AnnounceEvent::None;
                    backoff.wait(interval, None, found == 0)
                }
                None => RETRY_AFTER_FAILURE,
            };
            tokio::select! {
                () = peers.closed() => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    fn request(&self, info_hash: InfoHash, event: AnnounceEvent) -> AnnounceRequest {
        AnnounceRequest {
            info_hash: info_hash.0,
            peer_id: self.peer_id,
            port: self.port,
            uploaded: 0,
            downloaded: 0,
            left: LEFT_UNKNOWN,
            event,
            num_want: Some(80),
            key: announce_key(&self.peer_id),
        }
    }
}
