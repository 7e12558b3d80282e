//! One torrent's [`TorrentStatus`] as the fields `torrent-get` asks for, with
//! Transmission's names, types and units (rates in bytes per second, limits
//! in kB/s of 1,000 bytes, dates in seconds since 1970).
//!
//! Invariant: a field btt can't answer truthfully (peers by direction,
//! seeding time, trackers...) is left out, as Transmission leaves out a
//! name it does not know; a field it answers has Transmission's type.

use super::ids::Entry;
use crate::control::protocol::{TorrentState, TorrentStatus};
use serde_json::{json, Map, Value};

/// Transmission's `status`: stopped.
pub const STOPPED: i64 = 0;
/// Transmission's `status`: downloading.
pub const DOWNLOADING: i64 = 4;
/// Transmission's `status`: seeding.
pub const SEEDING: i64 = 6;
/// Bytes in Transmission's kB of speed limits.
pub const SPEED_UNIT: u64 = 1000;
/// `eta` when unknown.
const ETA_UNKNOWN: i64 = -1;
/// `uploadRatio` when infinite (uploaded without downloading).
const RATIO_INFINITE: f64 = -2.0;

/// Transmission's status code of `state`.
pub fn status_code(state: TorrentState) -> i64 {
    match state {
        TorrentState::Paused => STOPPED,
        TorrentState::Downloading => DOWNLOADING,
        TorrentState::Seeding => SEEDING,
    }
}

/// The `fields` of `torrent` that btt knows; `file_count` is its number of files.
pub fn render(
    torrent: &TorrentStatus,
    entry: Entry,
    file_count: usize,
    fields: &[String],
) -> Value {
    let object: Map<String, Value> = fields
        .iter()
        .filter_map(|name| Some((name.clone(), field(torrent, entry, file_count, name)?)))
        .collect();
    Value::Object(object)
}

/// One field, or `None` when btt does not know it.
fn field(torrent: &TorrentStatus, entry: Entry, file_count: usize, name: &str) -> Option<Value> {
    let have = torrent.total_length.saturating_sub(torrent.left);
    let value = match name {
        "id" => json!(entry.id),
        "addedDate" => json!(entry.added),
        "name" => json!(torrent.name),
        "hashString" => json!(torrent.info_hash),
        "status" => json!(status_code(torrent.state)),
        "error" => json!(0),
        "errorString" => json!(""),
        "percentDone" => json!(torrent.progress),
        "rateDownload" => json!(torrent.download_rate),
        "rateUpload" => json!(torrent.upload_rate),
        "peersConnected" => json!(torrent.peers),
        "uploadRatio" => json!(ratio(torrent.ratio)),
        "eta" => json!(torrent.eta_seconds.map_or(ETA_UNKNOWN, saturating_i64)),
        "totalSize" | "sizeWhenDone" => json!(torrent.total_length),
        "leftUntilDone" => json!(torrent.left),
        "haveValid" => json!(have),
        "haveUnchecked" => json!(0),
        "downloadDir" => json!(torrent.data),
        "isFinished" => json!(false),
        "isStalled" => json!(false),
        "uploadedEver" => json!(torrent.uploaded),
        "downloadedEver" => json!(torrent.downloaded),
        "fileCount" | "file-count" => json!(file_count),
        "uploadLimit" => json!(torrent.up_limit.map_or(0, |limit| limit / SPEED_UNIT)),
        "uploadLimited" => json!(torrent.up_limit.is_some()),
        "downloadLimit" => json!(torrent.down_limit.map_or(0, |limit| limit / SPEED_UNIT)),
        "downloadLimited" => json!(torrent.down_limit.is_some()),
        "labels" => json!([]),
        _ => return None,
    };
    Some(value)
}

fn ratio(ratio: f64) -> f64 {
    match ratio.is_finite() {
        true => ratio,
        false => RATIO_INFINITE,
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
