//! Where a torrent's state lives: its resume file, and its key in the
//! runtime directory's lock file, locked while a process runs it.

use crate::cli::exit::{with_status, ExitStatus};
use crate::config::Dirs;
use crate::metainfo::Torrent;
use crate::storage::state_lock::StateLock;
use crate::storage::state_lock::StateLockError;
use anyhow::Context;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// Where `torrent`'s state for data in `root` lives: the resume file, and
/// its key in the runtime directory's lock file. The same torrent in another
/// directory is other state.
#[derive(Debug, Clone)]
pub struct StatePaths {
    /// The resume file.
    pub resume: PathBuf,
    /// The lock file every torrent of this runtime directory shares.
    pub lock: PathBuf,
    /// This state's key in it.
    pub key: String,
}

impl StatePaths {
    /// The state paths of `torrent` downloaded into (or seeded from) `root`.
    pub fn new(dirs: &Dirs, torrent: &Torrent, root: &Path) -> anyhow::Result<StatePaths> {
        let resume_directory = dirs.data.join("resume");
        for directory in [&resume_directory, &dirs.runtime] {
            Dirs::create_private(directory)
                .with_context(|| format!("could not create {}", directory.display()))?;
        }
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let root_tag = hex::encode(&Sha1::digest(absolute.as_os_str().as_encoded_bytes())[..4]);
        let stem = format!("{}-{root_tag}", torrent.info_hash);
        Ok(StatePaths {
            resume: resume_directory.join(format!("{stem}.json")),
            lock: dirs.runtime.join("torrents.lock"),
            key: stem,
        })
    }

    /// Takes the lock, or fails with the `locked` status.
    pub fn lock(&self, torrent: &Torrent) -> anyhow::Result<StateLock> {
        StateLock::take(&self.lock, &self.key).map_err(|error| match error {
            StateLockError::Held => with_status(
                ExitStatus::Locked,
                anyhow::anyhow!(
                    "{} is already running in another process (lock {})",
                    torrent.info.name,
                    self.lock.display()
                ),
            ),
            StateLockError::Io { path, source } => {
                anyhow::anyhow!("could not lock {}: {source}", path.display())
            }
        })
    }
}
