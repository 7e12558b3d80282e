//! Resume state: which pieces were verified, and what each file looked like
//! then, so a restart can skip the full recheck.
//!
//! The file is versioned JSON carrying the info-hash, so a file from another
//! torrent or another format is refused (`StorageError::ResumeCorrupt`, on
//! which the caller rechecks). Saving is crash-safe: the new state goes to
//! a temporary file in the same directory, is fsynced, renamed over the old
//! file, and the directory is fsynced, so a kill at any moment leaves either
//! the old or the new state, never a mix. A file whose length or mtime
//! differs from its stamp is stale: its pieces must be rechecked.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Storage, StorageError};
use crate::bitfield::Bitfield;

/// The format version written by this code.
const VERSION: u32 = 1;

/// Length and modification time of a file when the state was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileStamp {
    /// Length in bytes.
    pub length: u64,
    /// Modification time, seconds since the Unix epoch.
    pub mtime_secs: i64,
    /// Nanoseconds part of the modification time.
    pub mtime_nsec: i64,
}

impl FileStamp {
    /// The stamp of the file at `path` now; `None` if it does not exist.
    pub fn of(path: &Path) -> Result<Option<FileStamp>, StorageError> {
        match fs::metadata(path) {
            Ok(metadata) => Ok(Some(FileStamp {
                length: metadata.len(),
                mtime_secs: metadata.mtime(),
                mtime_nsec: metadata.mtime_nsec(),
            })),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StorageError::io(path, source)),
        }
    }
}

/// What a torrent had verified when it was last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeState {
    /// The torrent this state belongs to.
    pub info_hash: [u8; 20],
    /// Pieces verified and written.
    pub have: Bitfield,
    /// Bytes uploaded over the torrent's lifetime.
    pub uploaded: u64,
    /// Bytes downloaded over the torrent's lifetime.
    pub downloaded: u64,
    /// Stamp of each file in layout order; `None` for a file that did not
    /// exist.
    pub files: Vec<Option<FileStamp>>,
}

/// The on-disk form.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResumeFile {
    version: u32,
    info_hash: String,
    piece_count: usize,
    have: String,
    uploaded: u64,
    downloaded: u64,
    files: Vec<Option<FileStamp>>,
}

/// Read first, so another version is reported as such rather than as an
/// unknown field.
#[derive(Deserialize)]
struct VersionOnly {
    version: u32,
}

impl ResumeState {
    /// The state of `storage` now: `have` and the counters as given, and a
    /// fresh stamp of every file. Call [`Storage::sync_all`] first, so that
    /// the pieces in `have` are on disk when the state says so.
    pub fn capture(
        storage: &Storage,
        info_hash: [u8; 20],
        have: Bitfield,
        uploaded: u64,
        downloaded: u64,
    ) -> Result<ResumeState, StorageError> {
        Ok(ResumeState {
            info_hash,
            have,
            uploaded,
            downloaded,
            files: stamps(storage)?,
        })
    }

    /// Reads the state saved at `path` for the torrent `info_hash` with
    /// `piece_count` pieces. `Ok(None)` if there is no file; a file that is
    /// unreadable as resume state or belongs to another torrent is
    /// `StorageError::ResumeCorrupt`.
    pub fn load(
        path: &Path,
        info_hash: &[u8; 20],
        piece_count: usize,
    ) -> Result<Option<ResumeState>, StorageError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StorageError::io(path, source)),
        };
        let corrupt = |reason: String| StorageError::ResumeCorrupt {
            path: path.to_path_buf(),
            reason,
        };
        let version: VersionOnly =
            serde_json::from_slice(&bytes).map_err(|error| corrupt(error.to_string()))?;
        if version.version != VERSION {
            return Err(corrupt(format!("unsupported version {}", version.version)));
        }
        let file: ResumeFile =
            serde_json::from_slice(&bytes).map_err(|error| corrupt(error.to_string()))?;
        if file.info_hash != hex::encode(info_hash) {
            return Err(corrupt(format!(
                "belongs to another torrent ({})",
                file.info_hash
            )));
        }
        if file.piece_count != piece_count {
            return Err(corrupt(format!(
                "has {} pieces, the torrent {piece_count}",
                file.piece_count
            )));
        }
        let have = hex::decode(&file.have)
            .map_err(|error| error.to_string())
            .and_then(|bytes| {
                Bitfield::from_bytes(&bytes, piece_count).map_err(|error| error.to_string())
            })
            .map_err(|reason| corrupt(format!("bad piece set: {reason}")))?;
        Ok(Some(ResumeState {
            info_hash: *info_hash,
            have,
            uploaded: file.uploaded,
            downloaded: file.downloaded,
            files: file.files,
        }))
    }

    /// Writes the state to `path` atomically (see the module comment),
    /// creating its directory if needed.
    pub fn save(&self, path: &Path) -> Result<(), StorageError> {
        if path.file_name().is_none() {
            return Err(StorageError::BadPath {
                path: path.to_path_buf(),
                reason: "resume path has no file name",
            });
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(|source| StorageError::io(dir, source))?;
        let json = self.to_json(path)?;
        crate::atomic_file::write(path, &json).map_err(|source| StorageError::io(path, source))
    }

    /// Files whose length or mtime differ from their stamp (or whose count
    /// differs from the layout's): the pieces of these files must be
    /// rechecked before they are trusted. Pad files, never on disk, are
    /// never stale.
    pub fn stale_files(&self, storage: &Storage) -> Vec<usize> {
        let count = storage.layout().files().len();
        if self.files.len() != count {
            return (0..count).collect();
        }
        (0..count)
            .filter(|&index| !storage.layout().is_pad(index))
            .filter(|&index| {
                let saved = self.files.get(index);
                let now = storage.file_path(index).map(FileStamp::of);
                !matches!((saved, now), (Some(saved), Some(Ok(now))) if *saved == now)
            })
            .collect()
    }

    /// The pieces that touch a stale file (see [`ResumeState::stale_files`]).
    pub fn stale_pieces(&self, storage: &Storage) -> Bitfield {
        let layout = storage.layout();
        let mut stale = Bitfield::new(layout.piece_count());
        for file in self.stale_files(storage) {
            for index in layout.pieces_of_file(file) {
                stale.set(index as usize);
            }
        }
        stale
    }

    fn to_json(&self, path: &Path) -> Result<Vec<u8>, StorageError> {
        let file = ResumeFile {
            version: VERSION,
            info_hash: hex::encode(self.info_hash),
            piece_count: self.have.len(),
            have: hex::encode(self.have.as_bytes()),
            uploaded: self.uploaded,
            downloaded: self.downloaded,
            files: self.files.clone(),
        };
        let mut json =
            serde_json::to_vec(&file).map_err(|error| StorageError::io(path, error.into()))?;
        json.push(b'\n');
        Ok(json)
    }
}

/// The stamp of every file of `storage`, in layout order.
fn stamps(storage: &Storage) -> Result<Vec<Option<FileStamp>>, StorageError> {
    (0..storage.layout().files().len())
        .map(|index| match storage.file_path(index) {
            Some(path) => FileStamp::of(path),
            None => Ok(None),
        })
        .collect()
}

/// Creates `path` (which must not exist), writes `bytes` and fsyncs it.
#[cfg(test)]
mod tests {
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant, SystemTime};

    use super::*;
    use crate::storage::fixture::{content, spanning_layout, write_all};
    use crate::storage::{Access, StorageError};

    const HASH: [u8; 20] = [7; 20];

    fn written(root: &Path) -> Storage {
        let storage = Storage::open(root, spanning_layout(), Access::ReadWrite).unwrap();
        write_all(&storage, &content(storage.layout().total_length()));
        storage.sync_all().unwrap();
        storage
    }

    fn captured(storage: &Storage) -> ResumeState {
        let mut have = Bitfield::new(4);
        have.set(0);
        have.set(3);
        ResumeState::capture(storage, HASH, have, 10, 20).unwrap()
    }

    fn is_corrupt(result: Result<Option<ResumeState>, StorageError>) -> bool {
        matches!(result, Err(StorageError::ResumeCorrupt { .. }))
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let storage = written(&dir.path().join("data"));
        let state = captured(&storage);
        assert!(state.files.iter().all(Option::is_some));
        let path = dir.path().join("resume/x.json");
        state.save(&path).unwrap();
        assert_eq!(
            ResumeState::load(&path, &HASH, 4).unwrap(),
            Some(state.clone())
        );
        let mut newer = state;
        newer.uploaded = 99;
        newer.save(&path).unwrap();
        assert_eq!(ResumeState::load(&path, &HASH, 4).unwrap(), Some(newer));
        let names: Vec<_> = fs::read_dir(dir.path().join("resume"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.json"], "no temporary file is left behind");
    }

    #[test]
    fn absent_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ResumeState::load(&dir.path().join("none"), &HASH, 4).unwrap(),
            None
        );
    }

    #[test]
    fn damaged_or_foreign_files_are_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let storage = written(&dir.path().join("data"));
        let path = dir.path().join("x.json");
        captured(&storage).save(&path).unwrap();
        let good = fs::read_to_string(&path).unwrap();
        assert!(is_corrupt(ResumeState::load(&path, &[8; 20], 4)));
        assert!(is_corrupt(ResumeState::load(&path, &HASH, 5)));
        let damaged = [
            good[..good.len() / 2].to_string(),
            "garbage".to_string(),
            String::new(),
            good.replace("\"version\":1", "\"version\":2"),
            good.replace("\"have\":\"90\"", "\"have\":\"91\""),
            good.replace("\"have\":\"90\"", "\"have\":\"zz\""),
        ];
        for text in damaged {
            fs::write(&path, &text).unwrap();
            assert!(
                is_corrupt(ResumeState::load(&path, &HASH, 4)),
                "{text:?} was accepted"
            );
        }
    }

    #[test]
    fn touched_resized_or_removed_files_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let storage = written(&root);
        let state = captured(&storage);
        assert_eq!(state.stale_files(&storage), Vec::<usize>::new());
        assert_eq!(state.stale_pieces(&storage).count(), 0);

        let touched = fs::File::options()
            .write(true)
            .open(root.join("t/c"))
            .unwrap();
        touched
            .set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000))
            .unwrap();
        assert_eq!(state.stale_files(&storage), [3]);
        fs::remove_file(root.join("t/f")).unwrap();
        fs::File::options()
            .write(true)
            .open(root.join("t/b"))
            .unwrap()
            .set_len(4)
            .unwrap();
        assert_eq!(state.stale_files(&storage), [2, 3, 6]);
        assert_eq!(
            state.stale_pieces(&storage).iter_ones().collect::<Vec<_>>(),
            [0, 3]
        );

        let mut other_torrent = state;
        other_torrent.files.pop();
        assert_eq!(other_torrent.stale_files(&storage).len(), 7);
    }

    /// Not a test on its own: the child process of
    /// `kill_during_save_leaves_a_whole_file`, saving in a loop until killed.
    #[test]
    #[ignore = "run by kill_during_save_leaves_a_whole_file"]
    fn save_loop_child() {
        let Some(path) = std::env::var_os("BTT_RESUME_SAVE_LOOP") else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut state = ResumeState {
            info_hash: HASH,
            have: Bitfield::new(4000),
            uploaded: 0,
            downloaded: 0,
            files: vec![None; 500],
        };
        while Instant::now() < deadline {
            state.uploaded += 1;
            state.have.set(state.uploaded as usize % 4000);
            state.save(Path::new(&path)).unwrap();
        }
    }

    /// Kills the child process when dropped, so a failing assertion does
    /// not leave it running.
    struct KillOnDrop(Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            // The child may already be gone; nothing else to do then.
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn kill_during_save_leaves_a_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        for round in 0..3 {
            let _ = fs::remove_file(&path);
            let child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "storage::resume::tests::save_loop_child",
                    "--ignored",
                ])
                .env("BTT_RESUME_SAVE_LOOP", &path)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let child = KillOnDrop(child);
            // Read while the child saves: a reader never sees a partial file.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let state = ResumeState::load(&path, &HASH, 4000).unwrap();
                if state.is_some_and(|state| state.uploaded > 5) {
                    break;
                }
                assert!(Instant::now() < deadline, "the child never saved");
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(3 * round));
            drop(child);
            let state = ResumeState::load(&path, &HASH, 4000).unwrap().unwrap();
            assert!(state.uploaded > 5);
        }
    }
}
