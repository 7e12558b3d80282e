//! BEP 12 multitracker announces: tiers are tried in order, trackers within a
//! tier in an order shuffled once at construction, and a tracker that answers
//! moves to the front of its tier so it is tried first next time.

use rand::seq::SliceRandom;

use super::announce::{AnnounceRequest, AnnounceResponse};
use super::client::TrackerClient;
use super::error::TrackerError;

/// A torrent's trackers in BEP 12 order. Empty tiers are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiers {
    tiers: Vec<Vec<String>>,
}

impl Tiers {
    /// Builds the tiers from an `announce-list`, shuffling each tier.
    pub fn new(tiers: Vec<Vec<String>>) -> Tiers {
        let mut rng = rand::thread_rng();
        let tiers = tiers
            .into_iter()
            .filter(|tier| !tier.is_empty())
            .map(|mut tier| {
                tier.shuffle(&mut rng);
                tier
            })
            .collect();
        Tiers { tiers }
    }

    /// The tiers of a torrent: its `announce-list` when it has a non-empty
    /// one (BEP 12 says to ignore `announce` then), else its `announce`.
    pub fn from_torrent(announce: Option<&str>, announce_list: Option<&[Vec<String>]>) -> Tiers {
        match announce_list {
            Some(list) if list.iter().any(|tier| !tier.is_empty()) => Tiers::new(list.to_vec()),
            _ => Tiers::new(
                announce
                    .map(|url| vec![vec![url.to_owned()]])
                    .unwrap_or_default(),
            ),
        }
    }

    /// Whether there is no tracker at all.
    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty()
    }

    /// The first tracker's URL (empty when there is none), to name in a
    /// failure report.
    pub fn first_url(&self) -> String {
        self.tiers
            .first()
            .and_then(|tier| tier.first())
            .cloned()
            .unwrap_or_default()
    }

    /// The tiers in the order they will be tried.
    pub fn tiers(&self) -> &[Vec<String>] {
        &self.tiers
    }

    /// Announces to the first tracker that answers and returns its URL with
    /// the reply; when every tracker fails, the last error.
    pub async fn announce(
        &mut self,
        client: &TrackerClient,
        request: &AnnounceRequest,
    ) -> Result<(String, AnnounceResponse), TrackerError> {
        let mut last_error = TrackerError::NoTrackers;
        for tier in &mut self.tiers {
            for index in 0..tier.len() {
                let Some(url) = tier.get(index).cloned() else {
                    continue;
                };
                match client.announce(&url, request).await {
                    Ok(response) => {
                        let answered = tier.remove(index);
                        tier.insert(0, answered);
                        return Ok((url, response));
                    }
                    Err(error) => last_error = error,
                }
            }
        }
        Err(last_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announce_list_wins_over_announce() {
        let list = vec![vec!["udp://a:1".to_owned()], vec![]];
        let tiers = Tiers::from_torrent(Some("http://b/announce"), Some(&list));
        assert_eq!(tiers.tiers(), &[vec!["udp://a:1".to_owned()]]);
        let tiers = Tiers::from_torrent(Some("http://b/announce"), Some(&[vec![]]));
        assert_eq!(tiers.tiers(), &[vec!["http://b/announce".to_owned()]]);
        assert!(Tiers::from_torrent(None, None).is_empty());
    }

    #[test]
    fn shuffling_keeps_every_tracker_in_its_tier() {
        let first: Vec<String> = (0..20).map(|n| format!("http://t{n}/announce")).collect();
        let tiers = Tiers::new(vec![first.clone(), vec!["udp://x:1".to_owned()]]);
        let mut shuffled = tiers.tiers()[0].clone();
        shuffled.sort();
        let mut expected = first;
        expected.sort();
        assert_eq!(shuffled, expected);
        assert_eq!(tiers.tiers()[1], vec!["udp://x:1".to_owned()]);
    }
}
