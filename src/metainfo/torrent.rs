//! [`Torrent`]: a parsed .torrent file (or an info dictionary fetched from
//! peers) with its info-hash.
//!
//! Invariant: `info_bytes` are the exact bytes of the info dictionary as they
//! appeared in the input, `info_hash` is their SHA-1 (for a v2-only torrent,
//! which has no v1 swarm, the first 20 bytes of their SHA-256) and, for a
//! hybrid or v2-only torrent, `info_hash_v2` their SHA-256, so unsorted or
//! unknown keys never change the hash, and [`Torrent::to_bytes`] writes them
//! back verbatim. A v2-only torrent read from a .torrent file has every
//! piece layer it needs, each checked against its file's root.

use std::collections::BTreeMap;

use crate::bencode::{decode, Bencode};
use crate::magnet::Magnet;

use super::error::MetainfoError;
use super::fields::{wrong_type, Fields};
use super::info::{Info, MetaVersion};
use super::piece_hashes::PieceHashes;
use super::summary::TorrentSummary;
use super::trackers::{parse_trackers, tracker_entries};
use super::web_seeds::{parse_web_seeds, web_seed_entry};
use crate::info_hash::InfoHash;
use crate::info_hash::InfoHashV2;
use crate::info_hash::InfoHashes;

/// A parsed v1, hybrid or v2-only torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torrent {
    /// The 20 bytes that name the swarm btt joins: SHA-1 of `info_bytes`
    /// (the v1 swarm), or for a v2-only torrent the truncated v2 info-hash.
    pub info_hash: InfoHash,
    /// SHA-256 of `info_bytes` when the torrent is hybrid or v2-only (BEP 52).
    pub info_hash_v2: Option<InfoHashV2>,
    /// The parsed info dictionary.
    pub info: Info,
    /// The exact raw bytes of the info dictionary.
    pub info_bytes: Vec<u8>,
    /// Tracker tiers (BEP 12); `[[announce]]` when there is no announce-list.
    pub trackers: Vec<Vec<String>>,
    /// Web seed URLs (BEP 19 `url-list`).
    pub web_seeds: Vec<String>,
    /// The free-text comment.
    pub comment: Option<String>,
    /// The program that created the torrent.
    pub created_by: Option<String>,
    /// Creation time, in seconds since the Unix epoch.
    pub creation_date: Option<i64>,
}

impl Torrent {
    /// Parses a .torrent file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Torrent, MetainfoError> {
        let root = Fields::new(decode(bytes)?, String::new())?;
        let info_value = root.required("info")?;
        let info_bytes = info_value.raw();
        let mut info = Info::from_value(info_value)?;
        if let PieceHashes::Merkle(merkle) = &mut info.pieces {
            let layers = root.required("piece layers")?;
            let layers = layers
                .as_dict()
                .ok_or_else(|| wrong_type("piece layers".into(), "dictionary", layers))?;
            merkle.attach_layers(|root| layers.get(root).and_then(|value| value.as_bytes()))?;
        }
        Ok(Torrent {
            info_hash: swarm_hash(&info, info_bytes),
            info_hash_v2: v2_hash(&info, info_bytes),
            info,
            info_bytes: info_bytes.to_vec(),
            trackers: parse_trackers(&root)?,
            web_seeds: parse_web_seeds(&root),
            comment: root.lossy_text("comment")?,
            created_by: root.lossy_text("created by")?,
            creation_date: root.int("creation date")?,
        })
    }

    /// A torrent from a bare info dictionary (as fetched from peers for a
    /// magnet link) and the trackers known from elsewhere. A v2-only
    /// torrent's piece layers are then still unknown.
    pub fn from_info_bytes(
        info_bytes: &[u8],
        trackers: Vec<Vec<String>>,
    ) -> Result<Torrent, MetainfoError> {
        let info = Info::from_value(decode(info_bytes)?)?;
        Ok(Torrent {
            info_hash: swarm_hash(&info, info_bytes),
            info_hash_v2: v2_hash(&info, info_bytes),
            info,
            info_bytes: info_bytes.to_vec(),
            trackers,
            web_seeds: Vec::new(),
            comment: None,
            created_by: None,
            creation_date: None,
        })
    }

    /// A .torrent file for this torrent: the info dictionary verbatim, plus the
    /// trackers, web seeds, comment, creator, date and the v2 piece layers
    /// known. Other root keys of the original file are not kept.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut root: BTreeMap<Vec<u8>, Bencode> = tracker_entries(&self.trackers)
            .into_iter()
            .map(|(key, value)| (key.as_bytes().to_vec(), value))
            .collect();
        let mut insert = |key: &str, value: Bencode| root.insert(key.as_bytes().to_vec(), value);
        if let Some((key, value)) = web_seed_entry(&self.web_seeds) {
            insert(key, value);
        }
        if let Some(comment) = &self.comment {
            insert("comment", Bencode::text(comment));
        }
        if let Some(created_by) = &self.created_by {
            insert("created by", Bencode::text(created_by));
        }
        if let Some(date) = self.creation_date {
            insert("creation date", Bencode::Int(date));
        }
        if let PieceHashes::Merkle(merkle) = &self.info.pieces {
            let layers = merkle
                .layers()
                .map(|(root, layer)| (root.to_vec(), Bencode::Bytes(layer.concat())))
                .collect();
            insert("piece layers", Bencode::Dict(layers));
        }
        insert("info", Bencode::Raw(self.info_bytes.clone()));
        Bencode::Dict(root).encode()
    }

    /// A magnet link: the info-hashes (both, for a hybrid), the name and
    /// every tracker.
    pub fn magnet(&self) -> Magnet {
        Magnet {
            info_hashes: self.info_hashes(),
            name: Some(self.info.name.clone()),
            trackers: self.trackers.iter().flatten().cloned().collect(),
            peers: Vec::new(),
            select_only: None,
            ignored: Vec::new(),
        }
    }

    /// The v1 info-hash, the v2 one, or both (a hybrid).
    pub fn info_hashes(&self) -> InfoHashes {
        match (self.info.version, self.info_hash_v2) {
            (MetaVersion::V2, Some(v2)) => InfoHashes::from_v2(v2),
            _ => InfoHashes::from_v1(self.info_hash, self.info_hash_v2),
        }
    }

    /// What a person (or a script) wants to know about the torrent.
    pub fn summary(&self) -> TorrentSummary {
        TorrentSummary::of(self)
    }
}

/// The v2 info-hash of a hybrid's or v2-only torrent's info dictionary.
fn v2_hash(info: &Info, info_bytes: &[u8]) -> Option<InfoHashV2> {
    (info.version != MetaVersion::V1).then(|| InfoHashV2::of_info_bytes(info_bytes))
}

/// The 20 bytes that name the torrent's swarm.
fn swarm_hash(info: &Info, info_bytes: &[u8]) -> InfoHash {
    match info.version {
        MetaVersion::V2 => InfoHashV2::of_info_bytes(info_bytes).truncated(),
        MetaVersion::V1 | MetaVersion::Hybrid => InfoHash::of_info_bytes(info_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &[u8] =
        b"d6:lengthi5e4:name5:a.txt12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae";

    fn torrent_bytes(root_before_info: &str, info: &[u8]) -> Vec<u8> {
        [b"d", root_before_info.as_bytes(), b"4:info", info, b"e"].concat()
    }

    #[test]
    fn hashes_the_exact_info_bytes_even_unsorted_with_unknown_keys() {
        let info = b"d4:name5:a.txt6:lengthi5e7:zzextra3:yes12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae";
        let torrent = Torrent::from_bytes(&torrent_bytes("", info)).expect("valid");
        assert_eq!(torrent.info_bytes, info);
        assert_eq!(torrent.info_hash, InfoHash::of_info_bytes(info));
        assert_ne!(torrent.info_hash, InfoHash::of_info_bytes(INFO));
        assert_eq!(
            Torrent::from_bytes(&torrent.to_bytes()).map(|t| t.info_hash),
            Ok(torrent.info_hash)
        );
    }

    #[test]
    fn reads_trackers_comment_and_dates() {
        let root = "8:announce3:u/113:announce-listll3:u/13:u/2el0:el3:u/3ee7:comment2:hi10:created by3:btt\
                    13:creation datei1700000000e8:url-listl9:http://a/9:http://b/e";
        let torrent = Torrent::from_bytes(&torrent_bytes(root, INFO)).expect("valid");
        assert_eq!(
            torrent.trackers,
            [vec!["u/1".to_owned(), "u/2".into()], vec!["u/3".into()]]
        );
        assert_eq!(torrent.comment.as_deref(), Some("hi"));
        assert_eq!(torrent.created_by.as_deref(), Some("btt"));
        assert_eq!(torrent.creation_date, Some(1_700_000_000));
        assert_eq!(torrent.web_seeds, ["http://a/", "http://b/"]);
        assert_eq!(Torrent::from_bytes(&torrent.to_bytes()), Ok(torrent));
    }

    #[test]
    fn falls_back_to_announce() {
        let torrent = Torrent::from_bytes(&torrent_bytes("8:announce3:u/1", INFO)).expect("valid");
        assert_eq!(torrent.trackers, [vec!["u/1".to_owned()]]);
        let bare = Torrent::from_bytes(&torrent_bytes("", INFO)).expect("valid");
        assert!(bare.trackers.is_empty());
    }

    #[test]
    fn reports_bad_roots() {
        assert_eq!(
            Torrent::from_bytes(b"d3:fooi1ee"),
            Err(MetainfoError::MissingKey { key: "info".into() })
        );
        assert!(matches!(
            Torrent::from_bytes(b"i1e"),
            Err(MetainfoError::WrongType {
                found: "integer",
                ..
            })
        ));
        assert!(matches!(
            Torrent::from_bytes(b"d4:info"),
            Err(MetainfoError::Bencode(_))
        ));
        let bad_tier = torrent_bytes("13:announce-listl3:u/1e", INFO);
        assert_eq!(
            Torrent::from_bytes(&bad_tier),
            Err(MetainfoError::WrongType {
                key: "announce-list[0]".into(),
                expected: "list",
                found: "string"
            })
        );
    }

    #[test]
    fn builds_from_bare_info_bytes() {
        let trackers = vec![vec!["http://127.0.0.1:1/announce".to_owned()]];
        let torrent = Torrent::from_info_bytes(INFO, trackers.clone()).expect("valid");
        assert_eq!(torrent.info_hash, InfoHash::of_info_bytes(INFO));
        assert_eq!(torrent.trackers, trackers);
        let magnet = torrent.magnet();
        assert_eq!(
            (magnet.name.as_deref(), magnet.trackers),
            (Some("a.txt"), vec![trackers[0][0].clone()])
        );
    }

    #[test]
    fn summary_json_reads_back_with_its_schema() {
        let torrent = Torrent::from_bytes(&torrent_bytes("8:announce3:u/1", INFO)).expect("valid");
        let summary = torrent.summary();
        let json = serde_json::to_string(&summary).expect("serializable");
        let back: TorrentSummary = serde_json::from_str(&json).expect("same schema");
        assert_eq!(back, summary);
        assert_eq!(
            (
                summary.piece_count,
                summary.total_length,
                summary.files.len()
            ),
            (1, 5, 1)
        );
        assert_eq!(
            summary.magnet,
            format!(
                "magnet:?xt=urn:btih:{}&dn=a.txt&tr=u%2F1",
                torrent.info_hash
            )
        );
    }
}
