//! The BEP 52 `file tree` of a v2-only torrent, laid out as a hybrid is: the
//! files in tree order (the dictionary's sorted key order), each starting
//! on a piece boundary, with a BEP 47 pad file after every file that ends
//! inside a piece, the last one too (as libtorrent lays out v2 torrents, so
//! piece indices and sizes agree on the wire).
//!
//! A tree is nested dictionaries of path components; a file is a dictionary
//! whose only key is the empty string, holding `length`, `pieces root`
//! (32 bytes, for a file that is not empty) and BEP 47 `attr`. A tree of one
//! file at the top is a single-file torrent, stored under the torrent's name.

use std::path::PathBuf;

use crate::bencode::Value;

use super::error::MetainfoError;
use super::fields::{expect_int, wrong_type, Fields};
use super::file_attributes::FileAttributes;
use super::file_entry::FileEntry;
use super::info::{check_collisions, file_attributes};
use super::merkle_tree::Hash;
use super::path_component::check_component;
use super::piece_hashes::{MerkleFile, MerklePieces};

/// The files of a v2-only torrent, pads included, and its merkle hashes.
#[derive(Debug)]
pub(super) struct FileTree {
    pub(super) files: Vec<FileEntry>,
    pub(super) pieces: MerklePieces,
}

/// One file as the tree lists it.
struct TreeFile {
    path: PathBuf,
    length: u64,
    root: Option<Hash>,
    attributes: FileAttributes,
    key: String,
}

/// Parses `info.file tree` of the torrent `name` with pieces of
/// `piece_length` bytes (a power of two, at least 16 KiB).
pub(super) fn parse_file_tree(
    name: &str,
    fields: &Fields<'_>,
    piece_length: u32,
    max_files: usize,
) -> Result<FileTree, MetainfoError> {
    let key = fields.key("file tree");
    let tree = fields.required("file tree")?;
    let mut listed = Vec::new();
    walk(
        name,
        tree,
        &key,
        PathBuf::from(name),
        &mut listed,
        max_files,
    )?;
    if let [only] = listed.as_mut_slice() {
        if only.path.parent() == Some(name.as_ref()) && only.path.file_name() == Some(name.as_ref())
        {
            only.path = PathBuf::from(name);
        }
    }
    if listed.is_empty() {
        return Err(MetainfoError::NoFiles);
    }
    lay_out(name, listed, piece_length)
}

/// Lists the files under the directory `value` (at `key`, on disk `path`).
fn walk(
    name: &str,
    value: Value<'_>,
    key: &str,
    path: PathBuf,
    listed: &mut Vec<TreeFile>,
    max_files: usize,
) -> Result<(), MetainfoError> {
    let entries = value
        .as_dict()
        .ok_or_else(|| wrong_type(key.to_owned(), "dictionary", value))?;
    if let Some(leaf) = entries.get("") {
        if entries.iter().nth(1).is_some() {
            return Err(MetainfoError::FileAndDirectory {
                key: key.to_owned(),
            });
        }
        return leaf_file(name, leaf, key, path, listed, max_files);
    }
    for (component, child) in entries {
        let component = std::str::from_utf8(component).map_err(|_| MetainfoError::InvalidUtf8 {
            key: key.to_owned(),
        })?;
        let component = check_component(key, component)?;
        let child_key = format!("{key}.{component}");
        walk(
            name,
            child,
            &child_key,
            path.join(component),
            listed,
            max_files,
        )?;
    }
    Ok(())
}

/// The file described by `leaf` (the value under the empty key).
fn leaf_file(
    name: &str,
    leaf: Value<'_>,
    key: &str,
    path: PathBuf,
    listed: &mut Vec<TreeFile>,
    max_files: usize,
) -> Result<(), MetainfoError> {
    if listed.len() >= max_files {
        return Err(MetainfoError::TooManyFiles {
            count: listed.len() + 1,
            limit: max_files,
        });
    }
    let fields = Fields::new(leaf, format!("{key}."))?;
    let mut attributes = file_attributes(name, &fields)?;
    attributes.pad = false;
    let length_key = fields.key("length");
    let value = expect_int(fields.required("length")?, length_key.clone())?;
    let length = u64::try_from(value).map_err(|_| MetainfoError::NegativeLength {
        key: length_key.clone(),
        value,
    })?;
    if attributes.symlink.is_some() && length != 0 {
        return Err(MetainfoError::SymlinkWithData {
            key: length_key,
            length,
        });
    }
    let root = match fields.bytes("pieces root")? {
        Some(bytes) => Some(
            <Hash>::try_from(bytes).map_err(|_| MetainfoError::BadPiecesRoot {
                key: fields.key("pieces root"),
                length: bytes.len(),
            })?,
        ),
        None if length == 0 => None,
        None => fields.required("pieces root").map(|_| None)?,
    };
    listed.push(TreeFile {
        path,
        length,
        root,
        attributes,
        key: key.to_owned(),
    });
    Ok(())
}

/// Places the files piece-aligned with pads between them, and lists the
/// merkle hashes of those holding data.
fn lay_out(
    name: &str,
    listed: Vec<TreeFile>,
    piece_length: u32,
) -> Result<FileTree, MetainfoError> {
    let piece = u64::from(piece_length);
    let mut files = Vec::with_capacity(listed.len() * 2);
    let mut merkle = Vec::with_capacity(listed.len());
    let mut offset = 0u64;
    for file in listed {
        let overflow = || MetainfoError::TotalLengthOverflow {
            key: format!("{}..length", file.key),
        };
        if let (Some(root), true) = (file.root, file.length > 0) {
            let first_piece = u32::try_from(offset / piece).map_err(|_| overflow())?;
            merkle.push(MerkleFile::new(root, first_piece, file.length));
        }
        let end = offset.checked_add(file.length).ok_or_else(overflow)?;
        files.push(FileEntry {
            path: file.path,
            length: file.length,
            offset,
            attributes: file.attributes,
        });
        offset = end;
        let into_piece = end % piece;
        if into_piece != 0 {
            let pad = piece - into_piece;
            files.push(pad_file(name, pad, offset));
            offset = offset.checked_add(pad).ok_or_else(overflow)?;
        }
    }
    check_collisions(&files)?;
    let piece_count = usize::try_from(offset / piece).unwrap_or(usize::MAX);
    Ok(FileTree {
        files,
        pieces: MerklePieces::new(piece_length, piece_count, merkle),
    })
}

/// A pad of `length` bytes at `offset`, named as libtorrent names it.
fn pad_file(name: &str, length: u64, offset: u64) -> FileEntry {
    FileEntry {
        path: PathBuf::from(format!("{name}/.pad/{length}")),
        length,
        offset,
        attributes: FileAttributes {
            pad: true,
            ..FileAttributes::default()
        },
    }
}
