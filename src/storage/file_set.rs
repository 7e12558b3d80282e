//! The torrent's files on disk: where they are, and a small cache of open
//! handles so that a block read does not reopen its file.
//!
//! Invariants:
//! - Every path is the download root joined with a layout path, and before
//!   a file is opened or created, each existing component of that path is
//!   checked: a symlink must resolve inside the root. (A symlink swapped in
//!   between the check and the open is not caught; the root is assumed to
//!   belong to the user running btt.)
//! - Handles are cached in the process's [`HandlePool`], shared by every
//!   torrent and bounded; a set's handles leave the pool when it is dropped.
//! - With [`Access::ReadWrite`] every handle is opened read-write, so one
//!   cached handle serves reads and writes. Reads never create files;
//!   writes create the file and its directories, and extend a new or short
//!   file to its full length with `set_len` (sparse). An executable file
//!   (BEP 47 `x`) gets an execute bit wherever it has a read bit.
//! - Pad files have no path and are never opened. Symlinks are created
//!   (relative, so the tree can move) when the set is opened read-write, and
//!   an existing entry at their path is left alone.
//! - A file written since the last [`FileSet::sync_dirty`] is marked dirty
//!   (after the write), so syncing covers it even if its handle was evicted
//!   meanwhile.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::handle_pool::HandlePool;
use super::{Access, FileKind, Layout, StorageError};

/// One file of the torrent.
#[derive(Debug)]
struct FileEntry {
    /// Relative path from the layout, used for the symlink check.
    relative: PathBuf,
    /// Root joined with `relative`.
    path: PathBuf,
    length: u64,
    kind: FileKind,
    dirty: AtomicBool,
}

/// The files of one torrent under one download root.
#[derive(Debug)]
pub(crate) struct FileSet {
    root: PathBuf,
    access: Access,
    files: Vec<FileEntry>,
    pool: Arc<HandlePool>,
    /// This set's name in the pool.
    owner: u64,
}

impl FileSet {
    /// Resolves the root (creating it for `ReadWrite`) and, for
    /// `ReadWrite`, creates every 0-byte file now, since no write will.
    pub(crate) fn open(
        root: &Path,
        layout: &Layout,
        access: Access,
    ) -> Result<FileSet, StorageError> {
        FileSet::open_in(root, layout, access, HandlePool::shared())
    }

    /// [`FileSet::open`] with its handles cached in `pool`.
    pub(crate) fn open_in(
        root: &Path,
        layout: &Layout,
        access: Access,
        pool: Arc<HandlePool>,
    ) -> Result<FileSet, StorageError> {
        let root = resolve_root(root, access)?;
        let files = layout
            .files()
            .iter()
            .map(|file| FileEntry {
                relative: file.path.clone(),
                path: root.join(&file.path),
                length: file.length,
                kind: file.kind.clone(),
                dirty: AtomicBool::new(false),
            })
            .collect();
        let set = FileSet {
            root,
            access,
            files,
            owner: pool.new_owner(),
            pool,
        };
        if access == Access::ReadWrite {
            set.create_empty_files_and_symlinks()?;
        }
        Ok(set)
    }

    /// The resolved download root.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// The full path of file `file`; `None` for a pad file, which is never
    /// on disk.
    pub(crate) fn path(&self, file: usize) -> Option<&Path> {
        self.files
            .get(file)
            .filter(|entry| entry.kind != FileKind::Pad)
            .map(|entry| entry.path.as_path())
    }

    /// A handle to read `file`; `StorageError::Missing` if it does not exist.
    pub(crate) fn for_reading(&self, file: usize) -> Result<Arc<File>, StorageError> {
        if let Some(handle) = self.pool.get(self.owner, file) {
            return Ok(handle);
        }
        let entry = self.entry(file)?;
        self.check_inside_root(entry)?;
        let handle = self.options().open(&entry.path).map_err(|source| {
            if source.kind() == io::ErrorKind::NotFound {
                StorageError::Missing {
                    path: entry.path.clone(),
                }
            } else {
                StorageError::io(&entry.path, source)
            }
        })?;
        Ok(self.pool.insert(self.owner, file, handle))
    }

    /// A handle to write `file`, creating it (full length, sparse) and its
    /// directories if needed. Call [`FileSet::mark_written`] after writing.
    pub(crate) fn for_writing(&self, file: usize) -> Result<Arc<File>, StorageError> {
        if self.access == Access::ReadOnly {
            return Err(StorageError::ReadOnly {
                path: self.root.clone(),
            });
        }
        let entry = self.entry(file)?;
        if let Some(handle) = self.pool.get(self.owner, file) {
            return Ok(handle);
        }
        let handle = self.create(entry)?;
        Ok(self.pool.insert(self.owner, file, handle))
    }

    /// Records that a write to `file` completed, so the next
    /// [`FileSet::sync_dirty`] flushes it. Marking after the write (not
    /// before) means a concurrent sync either covers the write or leaves
    /// the mark for the next sync.
    pub(crate) fn mark_written(&self, file: usize) {
        if let Some(entry) = self.files.get(file) {
            entry.dirty.store(true, Ordering::Release);
        }
    }

    /// Flushes every file written since the last call to the disk.
    pub(crate) fn sync_dirty(&self) -> Result<(), StorageError> {
        for (index, entry) in self.files.iter().enumerate() {
            if entry.dirty.swap(false, Ordering::AcqRel) {
                let synced = self.for_reading(index).and_then(|handle| {
                    handle
                        .sync_all()
                        .map_err(|source| StorageError::io(&entry.path, source))
                });
                if let Err(error) = synced {
                    entry.dirty.store(true, Ordering::Release);
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    fn entry(&self, file: usize) -> Result<&FileEntry, StorageError> {
        match self.files.get(file) {
            Some(entry) if entry.kind == FileKind::Pad => Err(StorageError::BadLayout {
                reason: "a pad file has no file on disk",
            }),
            Some(entry) => Ok(entry),
            None => Err(StorageError::BadLayout {
                reason: "file index past the last file",
            }),
        }
    }

    fn create_empty_files_and_symlinks(&self) -> Result<(), StorageError> {
        for entry in &self.files {
            match &entry.kind {
                FileKind::Data { .. } if entry.length == 0 => {
                    self.create(entry)?;
                }
                FileKind::Symlink { target } => self.create_symlink(entry, target)?,
                FileKind::Data { .. } | FileKind::Pad => {}
            }
        }
        Ok(())
    }

    /// Links `entry` to `target` (a layout path) with a relative link,
    /// unless something is at the link's path already.
    fn create_symlink(&self, entry: &FileEntry, target: &Path) -> Result<(), StorageError> {
        self.check_inside_root(entry)?;
        if fs::symlink_metadata(&entry.path).is_ok() {
            return Ok(());
        }
        if let Some(parent) = entry.path.parent() {
            fs::create_dir_all(parent).map_err(|source| StorageError::io(parent, source))?;
        }
        let mut relative = PathBuf::new();
        for _ in entry.relative.components().skip(1) {
            relative.push("..");
        }
        relative.push(target);
        std::os::unix::fs::symlink(&relative, &entry.path)
            .map_err(|source| StorageError::io(&entry.path, source))
    }

    fn create(&self, entry: &FileEntry) -> Result<File, StorageError> {
        self.check_inside_root(entry)?;
        if let Some(parent) = entry.path.parent() {
            fs::create_dir_all(parent).map_err(|source| StorageError::io(parent, source))?;
        }
        let handle = self
            .options()
            .create(true)
            .open(&entry.path)
            .map_err(|source| StorageError::io(&entry.path, source))?;
        let length = handle
            .metadata()
            .map_err(|source| StorageError::io(&entry.path, source))?
            .len();
        if length < entry.length {
            handle
                .set_len(entry.length)
                .map_err(|source| StorageError::io(&entry.path, source))?;
        }
        if entry.kind == (FileKind::Data { executable: true }) {
            make_executable(&handle).map_err(|source| StorageError::io(&entry.path, source))?;
        }
        Ok(handle)
    }

    fn options(&self) -> OpenOptions {
        let mut options = OpenOptions::new();
        options.read(true).write(self.access == Access::ReadWrite);
        options
    }

    /// Refuses the file if an existing component of its path is a symlink
    /// that resolves outside the root (or does not resolve at all).
    fn check_inside_root(&self, entry: &FileEntry) -> Result<(), StorageError> {
        let mut prefix = self.root.clone();
        for component in entry.relative.components() {
            if let Component::Normal(name) = component {
                prefix.push(name);
            }
            let metadata = match fs::symlink_metadata(&prefix) {
                Ok(metadata) => metadata,
                Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(source) => return Err(StorageError::io(&prefix, source)),
            };
            if metadata.file_type().is_symlink() {
                let target = fs::canonicalize(&prefix).map_err(|_| StorageError::BadPath {
                    path: entry.relative.clone(),
                    reason: "a component is a dangling symlink",
                })?;
                if !target.starts_with(&self.root) {
                    return Err(StorageError::BadPath {
                        path: entry.relative.clone(),
                        reason: "a component is a symlink leading outside the download root",
                    });
                }
            }
        }
        Ok(())
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        self.pool.forget(self.owner);
    }
}

/// The root as an absolute path with symlinks resolved, so that the escape
/// check compares like with like. `ReadWrite` creates it; a missing root
/// is fine for `ReadOnly` (every file then reads as missing).
fn resolve_root(root: &Path, access: Access) -> Result<PathBuf, StorageError> {
    if access == Access::ReadWrite {
        fs::create_dir_all(root).map_err(|source| StorageError::io(root, source))?;
    }
    match fs::canonicalize(root) {
        Ok(resolved) => Ok(resolved),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            std::path::absolute(root).map_err(|source| StorageError::io(root, source))
        }
        Err(source) => Err(StorageError::io(root, source)),
    }
}

/// Adds an execute bit for each read bit of the file's mode.
fn make_executable(handle: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = handle.metadata()?.permissions().mode();
    let executable = mode | ((mode & 0o444) >> 2);
    if executable != mode {
        handle.set_permissions(fs::Permissions::from_mode(executable))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;

    use super::*;
    use crate::storage::fixture::layout;
    use crate::storage::handle_pool::MAX_OPEN_FILES;

    /// `layout` opened read-write in a pool of its own.
    fn open_alone(root: &Path, layout: &Layout) -> FileSet {
        let pool = Arc::new(HandlePool::new(MAX_OPEN_FILES));
        FileSet::open_in(root, layout, Access::ReadWrite, pool).unwrap()
    }

    fn many_files(count: usize) -> Layout {
        let names: Vec<String> = (0..count).map(|i| format!("t/{i}")).collect();
        let files: Vec<(&str, u64)> = names.iter().map(|name| (name.as_str(), 2)).collect();
        layout(2, &files)
    }

    fn dirty_count(set: &FileSet) -> usize {
        set.files
            .iter()
            .filter(|entry| entry.dirty.load(Ordering::Acquire))
            .count()
    }

    #[test]
    fn the_cache_stays_bounded_and_sync_covers_evicted_files() {
        let dir = tempfile::tempdir().unwrap();
        let count = MAX_OPEN_FILES + 20;
        let set = open_alone(dir.path(), &many_files(count));
        for file in 0..count {
            set.for_writing(file)
                .unwrap()
                .write_all_at(b"ab", 0)
                .unwrap();
            set.mark_written(file);
        }
        assert_eq!(set.pool.len(), MAX_OPEN_FILES);
        assert!(
            set.pool.get(set.owner, 0).is_none(),
            "the oldest handle was evicted"
        );
        assert_eq!(dirty_count(&set), count);
        set.sync_dirty().unwrap();
        assert_eq!(dirty_count(&set), 0);
        assert_eq!(set.pool.len(), MAX_OPEN_FILES);
    }

    #[test]
    fn a_recently_used_handle_survives_eviction() {
        let dir = tempfile::tempdir().unwrap();
        let count = MAX_OPEN_FILES + 1;
        let set = open_alone(dir.path(), &many_files(count));
        for file in 0..MAX_OPEN_FILES {
            set.for_writing(file).unwrap();
        }
        set.for_reading(0).unwrap();
        set.for_writing(MAX_OPEN_FILES).unwrap();
        assert!(set.pool.get(set.owner, 0).is_some());
        assert!(set.pool.get(set.owner, 1).is_none());
    }

    #[test]
    fn torrents_share_one_bounded_pool_and_a_dropped_one_leaves_it() {
        let pool = Arc::new(HandlePool::new(4));
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let open = |dir: &Path| {
            FileSet::open_in(dir, &many_files(3), Access::ReadWrite, Arc::clone(&pool)).unwrap()
        };
        let (first, second) = (open(one.path()), open(two.path()));
        for file in 0..3 {
            first.for_writing(file).unwrap();
            second.for_writing(file).unwrap();
        }
        assert_eq!(pool.len(), 4);
        assert!(
            first.pool.get(first.owner, 0).is_none(),
            "the oldest went first"
        );
        assert!(second.pool.get(second.owner, 2).is_some());
        drop(second);
        assert_eq!(pool.len(), 2, "the first set's two newest handles are left");
        assert_eq!(first.for_reading(0).unwrap().metadata().unwrap().len(), 2);
    }

    #[test]
    fn writing_extends_a_short_existing_file_but_never_truncates() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("t")).unwrap();
        fs::write(dir.path().join("t/0"), b"x").unwrap();
        fs::write(dir.path().join("t/1"), b"longer").unwrap();
        let set = FileSet::open(dir.path(), &many_files(2), Access::ReadWrite).unwrap();
        set.for_writing(0).unwrap();
        set.for_writing(1).unwrap();
        assert_eq!(fs::read(dir.path().join("t/0")).unwrap(), b"x\0");
        assert_eq!(fs::read(dir.path().join("t/1")).unwrap(), b"longer");
    }
}
