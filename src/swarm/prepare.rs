//! Getting a torrent's data ready before its session starts: the storage
//! layout, the wanted pieces of a file selection, and which pieces are
//! already verified (from resume state, re-hashing what changed since, or a
//! full recheck).

use crate::bitfield::Bitfield;
use crate::metainfo::{FileAttributes, Torrent};
use crate::storage::{Access, FileKind, Layout, ResumeState, Storage, StorageError};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;

/// Why a torrent's data could not be prepared.
#[derive(Debug, Error)]
pub enum PrepareError {
    /// A selected file index is past the torrent's last file.
    #[error("file selection names file {index}, but the torrent has {count} files")]
    SelectionOutOfRange { index: usize, count: usize },
    /// The data could not be opened or read.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The blocking task that prepared the data died.
    #[error("preparing the data failed: {0}")]
    Task(String),
}

/// A torrent's data, opened and checked.
#[derive(Debug)]
pub struct Prepared {
    /// The opened files.
    pub storage: Storage,
    /// Pieces known to be verified on disk.
    pub have: Bitfield,
    /// Pieces to download.
    pub wanted: Bitfield,
    /// The resume state found, if any, for its lifetime counters.
    pub resume: Option<ResumeState>,
    /// Whether any piece was re-hashed.
    pub rechecked: bool,
}

/// How to prepare a torrent's data.
#[derive(Debug, Clone)]
pub struct PrepareOptions {
    /// The directory holding the content under the torrent's name.
    pub root: PathBuf,
    /// The resume file.
    pub resume_path: PathBuf,
    /// 0-based file index ranges to download; `None` for all.
    pub selection: Option<Vec<RangeInclusive<usize>>>,
    /// Re-hash every piece, whatever the resume state says.
    pub force_recheck: bool,
    /// Threads that hash.
    pub threads: usize,
}

/// The storage layout of a torrent's files, with their BEP 47 kinds.
pub fn layout_of(torrent: &Torrent) -> Result<Layout, StorageError> {
    let files = torrent
        .info
        .files
        .iter()
        .map(|file| (file.path.clone(), file.length, file_kind(&file.attributes)))
        .collect();
    Layout::with_kinds(torrent.info.piece_length, files)
}

/// What a file with these attributes is on disk.
fn file_kind(attributes: &FileAttributes) -> FileKind {
    match &attributes.symlink {
        _ if attributes.pad => FileKind::Pad,
        Some(target) => FileKind::Symlink {
            target: target.clone(),
        },
        None => FileKind::Data {
            executable: attributes.executable,
        },
    }
}

/// [`prepare`] on the blocking pool, for async callers.
pub async fn prepare_in_background(
    torrent: Arc<Torrent>,
    options: PrepareOptions,
) -> Result<Prepared, PrepareError> {
    tokio::task::spawn_blocking(move || prepare(&torrent, &options, &|_| {}))
        .await
        .map_err(|error| PrepareError::Task(error.to_string()))?
}

/// Opens `torrent`'s files under `options.root` and finds the verified pieces.
pub fn prepare(
    torrent: &Torrent,
    options: &PrepareOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Prepared, PrepareError> {
    let layout = layout_of(torrent)?;
    let wanted = wanted_pieces(&layout, options.selection.as_deref())?;
    let storage = Storage::open(&options.root, layout, Access::ReadWrite)?;
    let piece_count = torrent.info.pieces.len();
    let resume = match ResumeState::load(&options.resume_path, &torrent.info_hash.0, piece_count) {
        Ok(found) => found,
        Err(StorageError::ResumeCorrupt { .. }) => None,
        Err(error) => return Err(error.into()),
    };
    let to_check = match (&resume, options.force_recheck) {
        (Some(state), false) => state.stale_pieces(&storage),
        _ if options.force_recheck || any_file_exists(&storage) => Bitfield::full(piece_count),
        _ => Bitfield::new(piece_count),
    };
    let mut have = match (&resume, options.force_recheck) {
        (Some(state), false) => state.have.clone(),
        _ => Bitfield::new(piece_count),
    };
    let rechecked = to_check.count() > 0;
    if rechecked {
        let verified = storage.recheck(
            &torrent.info.pieces,
            Some(&to_check),
            options.threads,
            progress,
        )?;
        for index in to_check.iter_ones() {
            if verified.get(index) {
                have.set(index);
            } else {
                have.clear(index);
            }
        }
    }
    Ok(Prepared {
        storage,
        have,
        wanted,
        resume,
        rechecked,
    })
}

fn any_file_exists(storage: &Storage) -> bool {
    (0..storage.layout().files().len())
        .any(|file| storage.file_path(file).is_some_and(|path| path.exists()))
}

/// The pieces that touch a selected file.
fn wanted_pieces(
    layout: &Layout,
    selection: Option<&[RangeInclusive<usize>]>,
) -> Result<Bitfield, PrepareError> {
    let Some(selection) = selection else {
        return Ok(Bitfield::full(layout.piece_count()));
    };
    let count = layout.files().len();
    let mut wanted = Bitfield::new(layout.piece_count());
    for range in selection {
        for file in range.clone() {
            if file >= count {
                return Err(PrepareError::SelectionOutOfRange {
                    index: file + 1,
                    count,
                });
            }
            for index in layout.pieces_of_file(file) {
                wanted.set(index as usize);
            }
        }
    }
    Ok(wanted)
}
