//! A directory of .torrent files, looked at by polling (`btt-seed run
//! --watch-dir`): inotify does not see changes made over NFS, a listing
//! and a stat per file do.
//!
//! Invariants: a file is taken only once its size and modification time
//! were the same on two polls in a row (a file still being written is
//! left alone) and it parses; a file that does not is reported once, and
//! looked at again only when it changes; a taken file is reported removed
//! once it is gone. Hidden files (a leading `.`, as editors and downloaders
//! name their partial files) are not looked at.

use crate::metainfo::Torrent;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The largest .torrent file read.
const MAX_TORRENT: u64 = 64 << 20;

/// What one poll found.
#[derive(Debug)]
pub enum WatchEvent {
    /// A new .torrent file, complete and parsed.
    Added(PathBuf, Arc<Torrent>),
    /// A file that is not taken, and why (said once per version of it).
    Ignored(PathBuf, String),
    /// A file taken earlier is gone.
    Removed(PathBuf),
}

/// A file's size and modification time: when both stay the same over a
/// poll, nobody is writing it.
type Stamp = (u64, Option<SystemTime>);

/// Where a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Seen with this stamp; taken if it has it again next time.
    Settling(Stamp),
    /// Taken.
    Taken,
    /// Ignored with this stamp; looked at again when it changes.
    Ignored(Stamp),
}

/// What to do with a file seen with a stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Remember it as settling with its new stamp.
    Wait,
    /// It settled: read and parse it.
    Read,
    /// Nothing changes.
    Keep,
}

/// The step for a file seen `before` (if at all) and now with `stamp`.
fn step(before: Option<Seen>, stamp: Stamp) -> Step {
    match before {
        None => Step::Wait,
        Some(Seen::Settling(previous)) if previous == stamp => Step::Read,
        Some(Seen::Settling(_)) => Step::Wait,
        Some(Seen::Ignored(previous)) if previous != stamp => Step::Wait,
        Some(Seen::Ignored(_)) | Some(Seen::Taken) => Step::Keep,
    }
}

/// A watched directory and what was seen in it.
#[derive(Debug)]
pub struct WatchDir {
    dir: PathBuf,
    files: HashMap<PathBuf, Seen>,
    /// Why the last listing failed, so a failure is said once.
    failing: Option<String>,
}

impl WatchDir {
    /// Watches `dir` (nothing seen yet).
    pub fn new(dir: &Path) -> WatchDir {
        WatchDir {
            dir: dir.to_path_buf(),
            files: HashMap::new(),
            failing: None,
        }
    }

    /// Looks at the directory once.
    pub fn poll(&mut self) -> Vec<WatchEvent> {
        let mut events = Vec::new();
        let listed = match self.list() {
            Ok(listed) => listed,
            Err(error) => {
                let why = format!("could not list it: {error}");
                if self.failing.as_ref() != Some(&why) {
                    events.push(WatchEvent::Ignored(self.dir.clone(), why.clone()));
                    self.failing = Some(why);
                }
                return events;
            }
        };
        self.failing = None;
        for (path, stamp) in &listed {
            let seen = self.look(path, *stamp, &mut events);
            self.files.insert(path.clone(), seen);
        }
        let gone: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|path| !listed.iter().any(|(listed, _)| listed == *path))
            .cloned()
            .collect();
        for path in gone {
            if self.files.remove(&path) == Some(Seen::Taken) {
                events.push(WatchEvent::Removed(path));
            }
        }
        events
    }

    /// What a file seen now with `stamp` becomes, with its event if any.
    fn look(&self, path: &Path, stamp: Stamp, events: &mut Vec<WatchEvent>) -> Seen {
        let before = self.files.get(path).copied();
        match step(before, stamp) {
            Step::Wait => Seen::Settling(stamp),
            Step::Keep => before.unwrap_or(Seen::Settling(stamp)),
            Step::Read if !is_torrent_file(path) => {
                let why = "not a .torrent file".to_string();
                events.push(WatchEvent::Ignored(path.to_path_buf(), why));
                Seen::Ignored(stamp)
            }
            Step::Read => match read_torrent(path) {
                Ok(torrent) => {
                    events.push(WatchEvent::Added(path.to_path_buf(), Arc::new(torrent)));
                    Seen::Taken
                }
                Err(why) => {
                    events.push(WatchEvent::Ignored(path.to_path_buf(), why));
                    Seen::Ignored(stamp)
                }
            },
        }
    }

    /// The files of the directory (not hidden ones, not directories) with their stamps.
    fn list(&self) -> std::io::Result<Vec<(PathBuf, Stamp)>> {
        let mut listed = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            if entry.file_name().as_encoded_bytes().starts_with(b".") {
                continue;
            }
            let path = entry.path();
            // Follows symbolic links, as a user linking torrents in means.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() {
                listed.push((path, (meta.len(), meta.modified().ok())));
            }
        }
        listed.sort();
        Ok(listed)
    }
}

fn is_torrent_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("torrent"))
}

/// The torrent in the file at `path`, or why not (one line).
fn read_torrent(path: &Path) -> Result<Torrent, String> {
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(|error| format!("could not read it: {error}"))?;
    file.take(MAX_TORRENT + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("could not read it: {error}"))?;
    if bytes.len() as u64 > MAX_TORRENT {
        return Err(format!("larger than {MAX_TORRENT} bytes"));
    }
    Torrent::from_bytes(&bytes).map_err(|error| format!("not a torrent: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: Stamp = (10, None);
    const TWO: Stamp = (20, None);

    #[test]
    fn a_file_is_read_once_it_kept_its_stamp_over_a_poll() {
        assert_eq!(step(None, ONE), Step::Wait);
        assert_eq!(step(Some(Seen::Settling(ONE)), TWO), Step::Wait);
        assert_eq!(step(Some(Seen::Settling(ONE)), ONE), Step::Read);
        assert_eq!(step(Some(Seen::Taken), TWO), Step::Keep);
    }

    #[test]
    fn an_ignored_file_is_looked_at_again_only_when_it_changes() {
        assert_eq!(step(Some(Seen::Ignored(ONE)), ONE), Step::Keep);
        assert_eq!(step(Some(Seen::Ignored(ONE)), TWO), Step::Wait);
    }

    fn torrent_bytes() -> Vec<u8> {
        let info = format!(
            "d6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces20:{}e",
            "x".repeat(20)
        );
        format!("d4:info{info}e").into_bytes()
    }

    #[test]
    fn a_directory_yields_good_files_once_bad_ones_once_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        let mut watch = WatchDir::new(dir.path());
        let good = dir.path().join("good.torrent");
        let bad = dir.path().join("bad.torrent");
        std::fs::write(&good, torrent_bytes()).unwrap();
        std::fs::write(&bad, b"d4:infoi3ee").unwrap();
        std::fs::write(dir.path().join(".partial.torrent"), b"d").unwrap();
        assert!(watch.poll().is_empty());
        let events = watch.poll();
        assert_eq!(events.len(), 2, "{events:?}");
        assert!(events
            .iter()
            .any(|e| matches!(e, WatchEvent::Added(p, _) if *p == good)));
        assert!(events
            .iter()
            .any(|e| matches!(e, WatchEvent::Ignored(p, _) if *p == bad)));
        assert!(watch.poll().is_empty());
        std::fs::remove_file(&good).unwrap();
        let events = watch.poll();
        assert!(matches!(&events[..], [WatchEvent::Removed(p)] if *p == good));
    }
}
