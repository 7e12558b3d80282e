//! Exclusive locks on torrents' state (data directory and resume file), so
//! two processes never download or seed the same data at once, held with one
//! descriptor per process however many torrents it has: one lock file per
//! runtime directory, and for each torrent an open-file-description lock
//! (Linux `F_OFD_SETLK`) on one byte of it, at an offset named by the
//! torrent's state key.
//!
//! Invariants:
//! - Within a process the file is opened once, so the kernel would let the
//!   process take one byte twice: a set of the offsets held refuses that.
//! - A lock is released when its [`StateLock`] is dropped, and all of them
//!   when the process ends (the kernel drops the file's locks with it).
//! - Two keys share an offset only when 62 bits of their SHA-1 agree.

use crate::sync::lock;
use sha1::{Digest, Sha1};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// Why a lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum StateLockError {
    /// Another process, or another run in this one, holds it.
    #[error("held by another run")]
    Held,
    /// The lock file could not be opened or locked.
    #[error("{path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
}

/// A held lock on one state key.
#[derive(Debug)]
pub struct StateLock {
    file: Arc<LockFile>,
    offset: i64,
}

/// A lock file of this process, and the offsets it holds.
#[derive(Debug)]
struct LockFile {
    file: File,
    held: Mutex<HashSet<i64>>,
}

impl StateLock {
    /// Takes the lock on `key` in the lock file at `path`, without waiting.
    pub fn take(path: &Path, key: &str) -> Result<StateLock, StateLockError> {
        let file = LockFile::open(path)?;
        let offset = offset_of(key);
        if !file.held().insert(offset) {
            return Err(StateLockError::Held);
        }
        match set_lock(&file.file, offset, libc::F_WRLCK) {
            Ok(()) => Ok(StateLock { file, offset }),
            Err(error) => {
                file.held().remove(&offset);
                match error.kind() {
                    io::ErrorKind::WouldBlock | io::ErrorKind::PermissionDenied => {
                        Err(StateLockError::Held)
                    }
                    _ => Err(StateLockError::Io {
                        path: path.to_path_buf(),
                        source: error,
                    }),
                }
            }
        }
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Unlocking a byte this description holds cannot fail in a way
        // worth reporting; the process's end releases it in any case.
        let _ = set_lock(&self.file.file, self.offset, libc::F_UNLCK);
        self.file.held().remove(&self.offset);
    }
}

impl LockFile {
    /// The process's open lock file at `path`, opened on first use.
    fn open(path: &Path) -> Result<Arc<LockFile>, StateLockError> {
        static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<LockFile>>>> = OnceLock::new();
        let mut open = lock(OPEN.get_or_init(Default::default));
        if let Some(file) = open.get(path).and_then(Weak::upgrade) {
            return Ok(file);
        }
        let io_error = |source| StateLockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io_error)?;
        let file = Arc::new(LockFile {
            file,
            held: Mutex::new(HashSet::new()),
        });
        open.retain(|_, weak| weak.strong_count() > 0);
        open.insert(path.to_path_buf(), Arc::downgrade(&file));
        Ok(file)
    }

    fn held(&self) -> MutexGuard<'_, HashSet<i64>> {
        lock(&self.held)
    }
}

/// The byte of the lock file that stands for `key`.
fn offset_of(key: &str) -> i64 {
    let digest = Sha1::digest(key.as_bytes());
    let mut word = [0u8; 8];
    word.copy_from_slice(&digest[..8]);
    // 62 bits: a non-negative offset with room for the one-byte range.
    (u64::from_be_bytes(word) >> 2) as i64
}

/// Sets (`F_WRLCK`) or clears (`F_UNLCK`) the lock on byte `offset` of `file`.
fn set_lock(file: &File, offset: i64, kind: libc::c_int) -> io::Result<()> {
    // SAFETY: flock is plain data; zeroed is a valid value (l_pid must be 0
    // for open-file-description locks).
    let mut range: libc::flock = unsafe { std::mem::zeroed() };
    range.l_type = kind as libc::c_short;
    range.l_whence = libc::SEEK_SET as libc::c_short;
    range.l_start = offset;
    range.l_len = 1;
    // SAFETY: the descriptor is open for as long as `file` is borrowed, and
    // `range` is a valid flock for the call.
    let result = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &range) };
    match result {
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_held_once_per_process_and_free_again_after_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let first = StateLock::take(&path, "a").unwrap();
        assert!(matches!(
            StateLock::take(&path, "a"),
            Err(StateLockError::Held)
        ));
        let other = StateLock::take(&path, "b").unwrap();
        drop(first);
        let again = StateLock::take(&path, "a").unwrap();
        drop((other, again));
    }

    #[test]
    fn another_open_file_description_is_refused_the_held_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let _held = StateLock::take(&path, "a").unwrap();
        let stranger = File::options().write(true).open(&path).unwrap();
        let refused = set_lock(&stranger, offset_of("a"), libc::F_WRLCK).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::WouldBlock);
        set_lock(&stranger, offset_of("b"), libc::F_WRLCK).unwrap();
    }

    #[test]
    fn many_keys_share_one_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let locks: Vec<StateLock> = (0..1000)
            .map(|index| StateLock::take(&path, &format!("torrent-{index}")).unwrap())
            .collect();
        assert!(locks
            .iter()
            .all(|lock| Arc::ptr_eq(&lock.file, &locks[0].file)));
    }
}
