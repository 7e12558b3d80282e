//! [`SourceTree`]: the files a new torrent will hold, found by walking the
//! source path.
//!
//! Invariants: files are listed in a deterministic order (entries sorted by
//! raw name bytes at every level, so the whole list is sorted by path
//! components); nothing is skipped silently (hidden files and empty files are
//! included, anything else that is not a regular file or a directory is an
//! error); symbolic links are followed, and a link back to an ancestor
//! directory is refused rather than walked forever.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::error::CreateError;
use crate::metainfo::info::MAX_FILES;
use crate::metainfo::path_component::unsafe_reason;

/// One file to hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SourceFile {
    /// Where to read it.
    pub(super) disk_path: PathBuf,
    /// Its path inside the torrent, below the name (empty for a single-file torrent).
    pub(super) components: Vec<String>,
    /// Its length when the tree was walked.
    pub(super) length: u64,
    /// Whether its owner may execute it (BEP 47 `x`).
    pub(super) executable: bool,
    /// Whether it is BEP 47 padding: zeros, not on disk (`disk_path` is empty).
    pub(super) pad: bool,
}

impl SourceFile {
    /// A pad file of `length` zeros, named `.pad/LENGTH` below the torrent
    /// name as other clients name theirs.
    pub(super) fn pad(length: u64) -> SourceFile {
        SourceFile {
            disk_path: PathBuf::new(),
            components: vec![".pad".to_owned(), length.to_string()],
            length,
            executable: false,
            pad: true,
        }
    }
}

/// The files under a source path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SourceTree {
    /// The torrent name: the source's own file name.
    pub(super) name: String,
    /// Whether the source is a directory (a multi-file torrent).
    pub(super) is_directory: bool,
    /// The files, in torrent order.
    pub(super) files: Vec<SourceFile>,
}

impl SourceTree {
    /// Walks `source`, a file or a directory.
    pub(super) fn scan(source: &Path) -> Result<SourceTree, CreateError> {
        let metadata = fs::metadata(source).map_err(CreateError::io(source))?;
        let name = source_name(source)?;
        let mut files = Vec::new();
        if metadata.is_file() {
            files.push(SourceFile {
                disk_path: source.to_path_buf(),
                components: Vec::new(),
                length: metadata.len(),
                executable: is_executable(&metadata),
                pad: false,
            });
        } else if metadata.is_dir() {
            let mut walk = Walk {
                root: source,
                ancestors: vec![(metadata.dev(), metadata.ino())],
                files: &mut files,
            };
            walk.directory(source, &[])?;
            if files.is_empty() {
                return Err(CreateError::EmptyDirectory {
                    path: source.to_path_buf(),
                });
            }
        } else {
            return Err(CreateError::UnsupportedFileType {
                path: source.to_path_buf(),
            });
        }
        Ok(SourceTree {
            name,
            is_directory: metadata.is_dir(),
            files,
        })
    }

    /// The sum of the file lengths.
    pub(super) fn total_length(&self) -> u64 {
        self.files.iter().map(|file| file.length).sum()
    }
}

/// The last component of `source`, resolving `.` and `..` first.
fn source_name(source: &Path) -> Result<String, CreateError> {
    let last = match source.file_name() {
        Some(name) => PathBuf::from(name),
        None => fs::canonicalize(source)
            .map_err(CreateError::io(source))?
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    checked_name(source, last.as_os_str())
}

fn checked_name(path: &Path, name: &std::ffi::OsStr) -> Result<String, CreateError> {
    let name = name.to_str().ok_or_else(|| CreateError::NonUtf8Name {
        path: path.to_path_buf(),
    })?;
    match unsafe_reason(name) {
        Some(reason) => Err(CreateError::UnsafeName {
            path: path.to_path_buf(),
            reason,
        }),
        None => Ok(name.to_owned()),
    }
}

struct Walk<'a> {
    root: &'a Path,
    /// (device, inode) of the directories from the root down to the current one.
    ancestors: Vec<(u64, u64)>,
    files: &'a mut Vec<SourceFile>,
}

impl Walk<'_> {
    fn directory(&mut self, directory: &Path, prefix: &[String]) -> Result<(), CreateError> {
        let mut entries = fs::read_dir(directory)
            .map_err(CreateError::io(directory))?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<Result<Vec<PathBuf>, _>>()
            .map_err(CreateError::io(directory))?;
        entries.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        for path in entries {
            self.entry(&path, prefix)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, prefix: &[String]) -> Result<(), CreateError> {
        let name = checked_name(path, path.file_name().unwrap_or_default())?;
        let components = [prefix, &[name]].concat();
        let metadata = fs::metadata(path).map_err(CreateError::io(path))?;
        if metadata.is_file() {
            self.file(path, components, &metadata)
        } else if metadata.is_dir() {
            let identity = (metadata.dev(), metadata.ino());
            if self.ancestors.contains(&identity) {
                return Err(CreateError::SymlinkLoop {
                    path: path.to_path_buf(),
                });
            }
            self.ancestors.push(identity);
            let result = self.directory(path, &components);
            self.ancestors.pop();
            result
        } else {
            Err(CreateError::UnsupportedFileType {
                path: path.to_path_buf(),
            })
        }
    }

    fn file(
        &mut self,
        path: &Path,
        components: Vec<String>,
        metadata: &fs::Metadata,
    ) -> Result<(), CreateError> {
        if self.files.len() >= MAX_FILES {
            return Err(CreateError::TooManyFiles {
                path: self.root.to_path_buf(),
                limit: MAX_FILES,
            });
        }
        self.files.push(SourceFile {
            disk_path: path.to_path_buf(),
            components,
            length: metadata.len(),
            executable: is_executable(metadata),
            pad: false,
        });
        Ok(())
    }
}

/// Whether the owner's execute bit is set.
fn is_executable(metadata: &fs::Metadata) -> bool {
    metadata.mode() & 0o100 != 0
}
