//! One Transmission RPC request (`{"method", "arguments", "tag"}`) turned
//! into requests to the control [`Desk`], and its answer
//! (`{"result", "arguments", "tag"}`): `"success"`, or one line saying why
//! not, as Transmission answers.
//!
//! Invariants: every value is checked before anything is asked of the desk
//! (a bad id list, a bad limit, bad base64 or bencode change nothing); ids
//! a request names that no torrent has are skipped, as Transmission skips
//! them.

use super::ids::{Entry, IdBook};
use super::torrent_fields::{self, SPEED_UNIT};
use crate::control::protocol::{Request, Response, TorrentState, TorrentStatus};
use crate::control::server::Desk;
use crate::magnet::Magnet;
use crate::metainfo::Torrent;
use crate::sync::lock;
use data_encoding::BASE64;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The RPC version answered by `session-get` (Transmission 3.00's).
const RPC_VERSION: u64 = 16;
/// The largest .torrent file read from a `filename` path.
const MAX_TORRENT_FILE: u64 = 8 << 20;

/// The arguments of a request.
type Arguments = Map<String, Value>;

/// A request as it arrives; other top-level fields are ignored.
#[derive(Debug, Deserialize)]
struct Call {
    method: String,
    #[serde(default)]
    arguments: Option<Value>,
    #[serde(default)]
    tag: Option<i64>,
}

/// Which torrents a request names (`ids`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selection {
    /// No `ids`: every torrent.
    All,
    /// `"recently-active"`: those moving data now, and the removed ids.
    RecentlyActive,
    /// These ids and info-hashes.
    Named(Vec<Named>),
}

/// One torrent named in `ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Named {
    Id(i64),
    Hash(String),
}

/// The RPC's view of the desk.
pub struct Methods {
    desk: Arc<Desk>,
    book: Mutex<IdBook>,
    data: PathBuf,
    session_id: String,
}

impl Methods {
    /// Answers from `desk`; `data` is the run's data directory, `session_id`
    /// the id clients must send.
    pub fn new(desk: Arc<Desk>, data: PathBuf, session_id: String) -> Methods {
        Methods {
            desk,
            book: Mutex::new(IdBook::default()),
            data,
            session_id,
        }
    }

    /// The answer to one request body.
    pub async fn answer(&self, body: &[u8]) -> Value {
        let call: Call = match serde_json::from_slice(body) {
            Ok(call) => call,
            Err(error) => return reply(None, Err(format!("not a JSON-RPC request: {error}"))),
        };
        let arguments = match call.arguments {
            None => Ok(Arguments::new()),
            Some(Value::Object(arguments)) => Ok(arguments),
            Some(_) => Err("arguments must be an object".to_string()),
        };
        let result = match arguments {
            Ok(arguments) => self.call(&call.method, &arguments).await,
            Err(refused) => Err(refused),
        };
        reply(call.tag, result)
    }

    async fn call(&self, method: &str, arguments: &Arguments) -> Result<Value, String> {
        match method {
            "session-get" => Ok(self.session(arguments)),
            "session-stats" => Ok(self.stats()),
            "torrent-get" => self.torrent_get(arguments),
            "torrent-add" => self.torrent_add(arguments).await,
            "torrent-start" | "torrent-start-now" => self.start_or_stop(arguments, true).await,
            "torrent-stop" => self.start_or_stop(arguments, false).await,
            "torrent-remove" => self.torrent_remove(arguments).await,
            "torrent-set" => self.torrent_set(arguments).await,
            _ => Err(format!(
                "method name not recognized: {method} (btt-seed run answers session-get, \
                 session-stats, torrent-get, torrent-add, torrent-start, torrent-stop, \
                 torrent-remove and torrent-set)"
            )),
        }
    }

    /// Every torrent now, each with its id.
    fn listing(&self) -> Vec<(TorrentStatus, Entry)> {
        let torrents = self.desk.registry().process().torrents;
        let mut book = lock(&self.book);
        book.sync(&torrents);
        torrents
            .into_iter()
            .filter_map(|torrent| {
                let entry = book.entry(&torrent.info_hash)?;
                Some((torrent, entry))
            })
            .collect()
    }

    /// The torrents `arguments` names, in id order.
    fn selected(&self, arguments: &Arguments) -> Result<Vec<(TorrentStatus, Entry)>, String> {
        let selection = selection(arguments.get("ids"))?;
        let mut chosen: Vec<(TorrentStatus, Entry)> = self
            .listing()
            .into_iter()
            .filter(|(torrent, entry)| selection.includes(torrent, *entry))
            .collect();
        chosen.sort_by_key(|(_, entry)| entry.id);
        Ok(chosen)
    }

    fn session(&self, arguments: &Arguments) -> Value {
        let all = json!({
            "rpc-version": RPC_VERSION,
            "rpc-version-minimum": 1,
            "version": format!("3.00 (btt {})", env!("CARGO_PKG_VERSION")),
            "session-id": self.session_id,
            "download-dir": self.data.display().to_string(),
            "incomplete-dir-enabled": false,
            "start-added-torrents": true,
            "speed-limit-up-enabled": false,
            "speed-limit-down-enabled": false,
            "alt-speed-enabled": false,
            "units": {
                "speed-units": ["kB/s", "MB/s", "GB/s", "TB/s"],
                "speed-bytes": SPEED_UNIT,
                "size-units": ["kB", "MB", "GB", "TB"],
                "size-bytes": 1000,
                "memory-units": ["KiB", "MiB", "GiB", "TiB"],
                "memory-bytes": 1024,
            },
        });
        match string_list(arguments, "fields") {
            Ok(Some(fields)) => only(all, &fields),
            _ => all,
        }
    }

    fn stats(&self) -> Value {
        let torrents = self.listing();
        let paused = torrents
            .iter()
            .filter(|(torrent, _)| torrent.state == TorrentState::Paused)
            .count();
        let sum = |pick: fn(&TorrentStatus) -> u64| -> u64 {
            torrents.iter().map(|(torrent, _)| pick(torrent)).sum()
        };
        let moved = json!({
            "uploadedBytes": sum(|torrent| torrent.uploaded),
            "downloadedBytes": sum(|torrent| torrent.downloaded),
            "filesAdded": torrents.len(),
            "sessionCount": 1,
        });
        json!({
            "torrentCount": torrents.len(),
            "activeTorrentCount": torrents.len() - paused,
            "pausedTorrentCount": paused,
            "downloadSpeed": sum(|torrent| torrent.download_rate),
            "uploadSpeed": sum(|torrent| torrent.upload_rate),
            "current-stats": moved,
            "cumulative-stats": moved,
        })
    }

    fn torrent_get(&self, arguments: &Arguments) -> Result<Value, String> {
        let fields = string_list(arguments, "fields")?.ok_or("no fields specified")?;
        let recently = selection(arguments.get("ids"))? == Selection::RecentlyActive;
        let torrents: Vec<Value> = self
            .selected(arguments)?
            .iter()
            .map(|(torrent, entry)| {
                let files = self
                    .desk
                    .registry()
                    .get(&torrent.info_hash)
                    .map_or(0, |known| known.torrent.info.files.len());
                torrent_fields::render(torrent, *entry, files, &fields)
            })
            .collect();
        let mut answer = json!({ "torrents": torrents });
        if recently {
            answer["removed"] = json!(lock(&self.book).recently_removed());
        }
        Ok(answer)
    }

    async fn torrent_add(&self, arguments: &Arguments) -> Result<Value, String> {
        self.check_download_dir(arguments)?;
        if names_something(arguments, "files-unwanted") {
            return Err(
                "btt-seed run seeds whole torrents: files-unwanted is not supported".into(),
            );
        }
        let paused = boolean(arguments, "paused")?.unwrap_or(false);
        let source = Source::from_arguments(arguments)?;
        let known_hash = source.info_hash();
        if let Some((torrent, entry)) = self
            .listing()
            .into_iter()
            .find(|(torrent, _)| torrent.info_hash == known_hash)
        {
            return Ok(json!({ "torrent-duplicate": added(&torrent, entry) }));
        }
        let response = match source {
            Source::Torrent(torrent) => self.desk.add_torrent(torrent).await,
            Source::Magnet(magnet) => self.desk.add_magnet(*magnet).await,
        };
        let mut torrent = one_torrent(response)?;
        if paused {
            let info_hash = torrent.info_hash.clone();
            torrent = one_torrent(self.desk.answer(Request::Pause { info_hash }).await)?;
        }
        let entry = self
            .listing()
            .into_iter()
            .find(|(listed, _)| listed.info_hash == torrent.info_hash)
            .map(|(_, entry)| entry)
            .ok_or("the torrent stopped as soon as it was added")?;
        Ok(json!({ "torrent-added": added(&torrent, entry) }))
    }

    /// A `download-dir` other than the run's `--data` is refused.
    fn check_download_dir(&self, arguments: &Arguments) -> Result<(), String> {
        let Some(asked) = string(arguments, "download-dir")? else {
            return Ok(());
        };
        let canonical = |path: &Path| std::fs::canonicalize(path).ok();
        match canonical(Path::new(asked)) {
            Some(asked_dir) if canonical(&self.data).as_ref() == Some(&asked_dir) => Ok(()),
            _ => Err(format!(
                "download-dir {asked} is not this run's --data {}: btt-seed run keeps every \
                 torrent there",
                self.data.display()
            )),
        }
    }

    async fn start_or_stop(&self, arguments: &Arguments, start: bool) -> Result<Value, String> {
        for (torrent, _) in self.selected(arguments)? {
            let paused = torrent.state == TorrentState::Paused;
            let info_hash = torrent.info_hash;
            let request = match (start, paused) {
                (true, true) => Request::Resume { info_hash },
                (false, false) => Request::Pause { info_hash },
                _ => continue,
            };
            one_torrent(self.desk.answer(request).await)?;
        }
        Ok(json!({}))
    }

    async fn torrent_remove(&self, arguments: &Arguments) -> Result<Value, String> {
        let delete_data = boolean(arguments, "delete-local-data")?.unwrap_or(false);
        for (torrent, _) in self.selected(arguments)? {
            let request = Request::Remove {
                info_hash: torrent.info_hash,
                delete_data,
            };
            one_torrent(self.desk.answer(request).await)?;
        }
        Ok(json!({}))
    }

    async fn torrent_set(&self, arguments: &Arguments) -> Result<Value, String> {
        let up_limit = limit(arguments, "uploadLimit", "uploadLimited")?;
        let down_limit = limit(arguments, "downloadLimit", "downloadLimited")?;
        for (torrent, _) in self.selected(arguments)? {
            if up_limit.is_none() && down_limit.is_none() {
                break;
            }
            let request = Request::SetLimits {
                info_hash: torrent.info_hash,
                up_limit,
                down_limit,
                ask: None,
            };
            one_torrent(self.desk.answer(request).await)?;
        }
        Ok(json!({}))
    }
}

/// What `torrent-add` adds.
enum Source {
    /// A .torrent, from `metainfo` or read from the `filename` path.
    Torrent(Arc<Torrent>),
    /// A magnet link in `filename`.
    Magnet(Box<Magnet>),
}

impl Source {
    fn from_arguments(arguments: &Arguments) -> Result<Source, String> {
        if let Some(metainfo) = string(arguments, "metainfo")? {
            let bytes = decode_base64(metainfo)?;
            return parse_torrent(&bytes).map(Source::Torrent);
        }
        let filename = string(arguments, "filename")?.ok_or("no filename or metainfo specified")?;
        if filename
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("magnet:"))
        {
            let magnet: Magnet = filename
                .parse()
                .map_err(|error| format!("invalid magnet link: {error}"))?;
            return Ok(Source::Magnet(Box::new(magnet)));
        }
        if filename.starts_with("http://") || filename.starts_with("https://") {
            return Err("btt-seed run fetches no .torrent URLs: send the file as metainfo".into());
        }
        let path = Path::new(filename);
        if !path.is_absolute() {
            return Err(format!("filename {filename} is not an absolute path"));
        }
        parse_torrent(&read_torrent_file(path)?).map(Source::Torrent)
    }

    /// The info-hash it will be listed under.
    fn info_hash(&self) -> String {
        match self {
            Source::Torrent(torrent) => torrent.info_hash.to_string(),
            Source::Magnet(magnet) => magnet.info_hashes.swarm().to_string(),
        }
    }
}

fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    BASE64.decode(&compact).map_err(|error| {
        format!("invalid or corrupt torrent file: metainfo is not base64: {error}")
    })
}

fn parse_torrent(bytes: &[u8]) -> Result<Arc<Torrent>, String> {
    Torrent::from_bytes(bytes)
        .map(Arc::new)
        .map_err(|error| format!("invalid or corrupt torrent file: {error}"))
}

fn read_torrent_file(path: &Path) -> Result<Vec<u8>, String> {
    let refused = |error: std::io::Error| format!("could not read {}: {error}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(refused)?
        .take(MAX_TORRENT_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(refused)?;
    if bytes.len() as u64 > MAX_TORRENT_FILE {
        return Err(format!(
            "{} is larger than a .torrent file may be",
            path.display()
        ));
    }
    Ok(bytes)
}

impl Selection {
    fn includes(&self, torrent: &TorrentStatus, entry: Entry) -> bool {
        match self {
            Selection::All => true,
            Selection::RecentlyActive => torrent.download_rate > 0 || torrent.upload_rate > 0,
            Selection::Named(names) => names.iter().any(|name| match name {
                Named::Id(id) => *id == entry.id,
                Named::Hash(hash) => hash.eq_ignore_ascii_case(&torrent.info_hash),
            }),
        }
    }
}

/// The torrents `ids` names: a number, a hash string, a list of them, or
/// `"recently-active"`.
fn selection(ids: Option<&Value>) -> Result<Selection, String> {
    let refused =
        || "ids must be an id, an info-hash, a list of them or \"recently-active\"".to_string();
    let one = |value: &Value| match value {
        Value::Number(number) => number.as_i64().map(Named::Id).ok_or_else(refused),
        Value::String(hash) => Ok(Named::Hash(hash.clone())),
        _ => Err(refused()),
    };
    match ids {
        None => Ok(Selection::All),
        Some(Value::String(text)) if text == "recently-active" => Ok(Selection::RecentlyActive),
        Some(Value::Array(list)) => list
            .iter()
            .map(one)
            .collect::<Result<_, _>>()
            .map(Selection::Named),
        Some(value) => one(value).map(|named| Selection::Named(vec![named])),
    }
}

/// A limit in bytes per second from `KEY` (kB/s) and `KEYed` (on/off):
/// `Some(0)` is none, `None` unchanged.
fn limit(arguments: &Arguments, key: &str, enabled_key: &str) -> Result<Option<u64>, String> {
    let enabled = boolean(arguments, enabled_key)?;
    let value = match arguments.get(key) {
        None => None,
        Some(value) => Some(
            value
                .as_u64()
                .ok_or_else(|| format!("{key} must be a whole number of kB/s"))?,
        ),
    };
    match (enabled, value) {
        (Some(false), _) => Ok(Some(0)),
        (_, Some(0)) => Err(format!(
            "{key} 0 (no transfer at all) is not supported: pause the torrent instead"
        )),
        (_, Some(kilobytes)) => kilobytes
            .checked_mul(SPEED_UNIT)
            .map(Some)
            .ok_or_else(|| format!("{key} is too large")),
        (_, None) => Ok(None),
    }
}

fn string<'a>(arguments: &'a Arguments, key: &str) -> Result<Option<&'a str>, String> {
    match arguments.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

/// A boolean, also as 0 or 1 (Transmission takes both).
fn boolean(arguments: &Arguments, key: &str) -> Result<Option<bool>, String> {
    match arguments.get(key) {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(value) if value.as_u64() == Some(0) => Ok(Some(false)),
        Some(value) if value.as_u64() == Some(1) => Ok(Some(true)),
        Some(_) => Err(format!("{key} must be true or false")),
    }
}

fn string_list(arguments: &Arguments, key: &str) -> Result<Option<Vec<String>>, String> {
    let refused = || format!("{key} must be a list of names");
    match arguments.get(key) {
        None => Ok(None),
        Some(Value::Array(list)) => list
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(refused))
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(refused()),
    }
}

/// Whether `key` is there with something in it (a list of files, say).
fn names_something(arguments: &Arguments, key: &str) -> bool {
    match arguments.get(key) {
        Some(Value::Array(list)) => !list.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    }
}

/// The keys of `all` named in `fields`.
fn only(all: Value, fields: &[String]) -> Value {
    let Value::Object(all) = all else {
        return all;
    };
    Value::Object(
        all.into_iter()
            .filter(|(key, _)| fields.contains(key))
            .collect(),
    )
}

/// The torrent a desk answer names, or its refusal.
fn one_torrent(response: Response) -> Result<TorrentStatus, String> {
    match response {
        Response::Torrents(mut torrents) if !torrents.is_empty() => Ok(torrents.remove(0)),
        Response::Error(refused) => Err(refused),
        _ => Err("the control desk answered with no torrent".to_string()),
    }
}

fn added(torrent: &TorrentStatus, entry: Entry) -> Value {
    json!({ "id": entry.id, "name": torrent.name, "hashString": torrent.info_hash })
}

fn reply(tag: Option<i64>, result: Result<Value, String>) -> Value {
    let (result, arguments) = match result {
        Ok(arguments) => ("success".to_string(), arguments),
        Err(refused) => (refused, json!({})),
    };
    let mut answer = json!({ "result": result, "arguments": arguments });
    if let Some(tag) = tag {
        answer["tag"] = json!(tag);
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(value: Value) -> Arguments {
        match value {
            Value::Object(arguments) => arguments,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn ids_are_a_number_a_hash_a_list_or_recently_active() {
        assert_eq!(selection(None), Ok(Selection::All));
        assert_eq!(
            selection(Some(&json!(3))),
            Ok(Selection::Named(vec![Named::Id(3)]))
        );
        assert_eq!(
            selection(Some(&json!([1, "ab"]))),
            Ok(Selection::Named(vec![
                Named::Id(1),
                Named::Hash("ab".into())
            ]))
        );
        assert_eq!(
            selection(Some(&json!("recently-active"))),
            Ok(Selection::RecentlyActive)
        );
        for bad in [json!({"a": 1}), json!([true]), json!(1.5), json!(null)] {
            assert!(selection(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_are_kilobytes_of_a_thousand_and_off_is_none() {
        let limited = |value: Value| limit(&arguments(value), "uploadLimit", "uploadLimited");
        assert_eq!(limited(json!({})), Ok(None));
        assert_eq!(
            limited(json!({"uploadLimit": 100, "uploadLimited": true})),
            Ok(Some(100_000))
        );
        assert_eq!(limited(json!({"uploadLimit": 7})), Ok(Some(7_000)));
        assert_eq!(
            limited(json!({"uploadLimit": 100, "uploadLimited": false})),
            Ok(Some(0))
        );
        assert_eq!(limited(json!({"uploadLimited": 0})), Ok(Some(0)));
        for bad in [
            json!({"uploadLimit": 0}),
            json!({"uploadLimit": -1}),
            json!({"uploadLimit": "9"}),
            json!({"uploadLimit": u64::MAX}),
            json!({"uploadLimited": "yes"}),
        ] {
            assert!(limited(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn metainfo_base64_may_hold_line_breaks_and_garbage_is_refused() {
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert!(decode_base64("!!!").unwrap_err().contains("not base64"));
        assert!(parse_torrent(b"hello")
            .unwrap_err()
            .contains("invalid or corrupt torrent file"));
        assert!(parse_torrent(b"d4:infoi1ee").is_err());
    }
}
