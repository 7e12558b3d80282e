//! [`TorrentSummary`]: a torrent as a plain `Serialize` record for the output
//! layer (`btt-seed create`, `btt-get --info`), readable back with
//! `deny_unknown_fields` so the JSON schema is checked by tests.

use serde::{Deserialize, Serialize};

use super::info::MetaVersion;
use super::torrent::Torrent;
use crate::info_hash::InfoHash;
use crate::info_hash::InfoHashV2;

/// What is worth showing about a torrent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TorrentSummary {
    /// The torrent name.
    pub name: String,
    /// `v1`, `hybrid` or `v2` (v2-only).
    pub version: MetaVersion,
    /// The v1 info-hash; for a v2-only torrent, the truncated v2 info-hash
    /// that names its swarm on trackers and in the handshake.
    pub info_hash: InfoHash,
    /// The v2 info-hash of a hybrid or v2-only torrent; `null` for v1.
    pub info_hash_v2: Option<InfoHashV2>,
    /// Bytes the pieces cover: the files and any BEP 47 pad files.
    pub total_length: u64,
    /// Bytes of the files themselves, pad files left out: the size on disk.
    pub content_length: u64,
    /// Bytes of BEP 47 pad files (zeros that align files to pieces, never stored).
    pub padding_length: u64,
    /// Bytes per piece.
    pub piece_length: u32,
    /// Number of pieces.
    pub piece_count: usize,
    /// Whether the torrent is private.
    pub private: bool,
    /// The files, in torrent order.
    pub files: Vec<SummaryFile>,
    /// Tracker tiers.
    pub trackers: Vec<Vec<String>>,
    /// Web seed URLs (BEP 19).
    pub web_seeds: Vec<String>,
    /// The magnet link.
    pub magnet: String,
    /// The comment, if any.
    pub comment: Option<String>,
    /// The creating program, if known.
    pub created_by: Option<String>,
    /// Creation time in seconds since the Unix epoch, if known.
    pub creation_date: Option<i64>,
}

/// One file of a [`TorrentSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryFile {
    /// The path under the download directory, `/`-separated, starting with the name.
    pub path: String,
    /// Length in bytes.
    pub length: u64,
    /// BEP 47 attribute letters: `p` pad (never stored), `x` executable,
    /// `h` hidden, `l` symlink; empty for a plain file.
    pub attr: String,
    /// A symlink's target, `/`-separated, starting with the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symlink: Option<String>,
}

impl TorrentSummary {
    /// The summary of `torrent`.
    pub fn of(torrent: &Torrent) -> TorrentSummary {
        let info = &torrent.info;
        let padding_length = info
            .files
            .iter()
            .filter(|file| file.is_pad())
            .map(|file| file.length)
            .sum::<u64>();
        TorrentSummary {
            name: info.name.clone(),
            version: info.version,
            info_hash: torrent.info_hash,
            info_hash_v2: torrent.info_hash_v2,
            total_length: info.total_length,
            content_length: info.total_length.saturating_sub(padding_length),
            padding_length,
            piece_length: info.piece_length,
            piece_count: info.piece_count(),
            private: info.private,
            files: info
                .files
                .iter()
                .map(|file| SummaryFile {
                    path: file.path.to_string_lossy().into_owned(),
                    length: file.length,
                    attr: file.attributes.letters(),
                    symlink: file
                        .attributes
                        .symlink
                        .as_ref()
                        .map(|target| target.to_string_lossy().into_owned()),
                })
                .collect(),
            trackers: torrent.trackers.clone(),
            web_seeds: torrent.web_seeds.clone(),
            magnet: torrent.magnet().to_string(),
            comment: torrent.comment.clone(),
            created_by: torrent.created_by.clone(),
            creation_date: torrent.creation_date,
        }
    }
}
