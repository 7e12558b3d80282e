//! [`Info`]: the parsed info dictionary of a v1, hybrid (v1 + v2, BEP 52)
//! or v2-only torrent, the part the info-hash covers.
//!
//! The parser reads the raw bencode (not serde), so unknown keys are simply
//! ignored and never change anything. Everything a download relies on is
//! checked here: a valid name and paths that stay inside the download
//! directory, lengths that add up without overflow, and exactly one 20-byte
//! hash per piece. At most [`MAX_FILES`] files are accepted, which bounds the
//! memory a hostile torrent can make us use. BEP 47 attributes are read into
//! each [`FileEntry`]; pad files take part in the piece arithmetic but not in
//! the path checks, since they are never stored. A v2-only torrent's files
//! come from its `file tree` (see `file_tree`), laid out like a hybrid's
//! with pad files, and its pieces are checked by merkle root
//! ([`PieceHashes::Merkle`]); v1 and hybrid pieces by SHA-1.

use std::path::{Path, PathBuf};

use crate::bencode::{List, Value};

use super::error::MetainfoError;
use super::fields::{expect_int, expect_list, expect_str, Fields};
use super::file_attributes::FileAttributes;
use super::file_entry::FileEntry;
use super::file_tree::parse_file_tree;
use super::merkle_tree::BLOCK;
use super::path_component::check_component;
use super::piece_hashes::PieceHashes;
use super::piece_length::MAX_PIECE_LENGTH;

/// The most files a torrent may hold: 2^20 (1,048,576).
pub const MAX_FILES: usize = 1 << 20;

/// Which BitTorrent versions a torrent speaks (BEP 52 `meta version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaVersion {
    /// v1 only: SHA-1 pieces, the v1 info-hash.
    V1,
    /// v1 and v2 keys in one dictionary; btt joins the v1 swarm.
    Hybrid,
    /// v2 only: merkle pieces; the swarm is named by the truncated v2 hash.
    V2,
}

/// The parsed info dictionary of a v1, hybrid or v2-only torrent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The suggested name: the file name (single file) or the top directory.
    pub name: String,
    /// The length of every piece but the last.
    pub piece_length: u32,
    /// What every piece is checked against.
    pub pieces: PieceHashes,
    /// The files, in torrent order, with their offsets (a v2-only torrent's
    /// pad files included).
    pub files: Vec<FileEntry>,
    /// Whether the torrent is private (BEP 27): no DHT, no PEX.
    pub private: bool,
    /// The sum of the file lengths.
    pub total_length: u64,
    /// v1, hybrid (downloaded here through its v1 keys) or v2-only.
    pub version: MetaVersion,
}

impl Info {
    /// Parses and validates an info dictionary.
    pub fn from_value(value: Value<'_>) -> Result<Info, MetainfoError> {
        parse_info(value, MAX_FILES)
    }

    /// The number of pieces.
    pub fn piece_count(&self) -> usize {
        self.pieces.len()
    }

    /// The length of piece `index`: `piece_length`, except for a shorter last
    /// piece; 0 for an index past the end.
    pub fn piece_size(&self, index: u32) -> u32 {
        let start = u64::from(index).saturating_mul(u64::from(self.piece_length));
        let remaining = self.total_length.saturating_sub(start);
        u32::try_from(remaining.min(u64::from(self.piece_length))).unwrap_or(self.piece_length)
    }

    /// Whether the torrent has a `files` list (its data lives under a directory
    /// named after the torrent).
    pub fn is_multi_file(&self) -> bool {
        self.files
            .first()
            .is_some_and(|file| file.path.as_path() != Path::new(&self.name))
    }
}

fn parse_info(value: Value<'_>, max_files: usize) -> Result<Info, MetainfoError> {
    let fields = Fields::new(value, "info".to_owned())?;
    let version = parse_meta_version(&fields)?;
    let name = parse_name(&fields)?;
    let piece_length = parse_piece_length(&fields)?;
    let private = fields.int("private")? == Some(1);
    let (files, pieces) = match version {
        MetaVersion::V2 => {
            check_v2_piece_length(piece_length)?;
            let tree = parse_file_tree(&name, &fields, piece_length, max_files)?;
            (tree.files, PieceHashes::Merkle(tree.pieces))
        }
        MetaVersion::V1 | MetaVersion::Hybrid => {
            let pieces = parse_pieces(&fields)?;
            (
                v1_files(&name, &fields, max_files)?,
                PieceHashes::Sha1(pieces),
            )
        }
    };
    let total_length = files.last().map_or(0, FileEntry::end);
    check_piece_count(total_length, piece_length, pieces.len())?;
    Ok(Info {
        name,
        piece_length,
        pieces,
        files,
        private,
        total_length,
        version,
    })
}

/// The files of a v1 or hybrid info dictionary: `length` or `files`.
fn v1_files(
    name: &str,
    fields: &Fields<'_>,
    max_files: usize,
) -> Result<Vec<FileEntry>, MetainfoError> {
    Ok(match (fields.optional("length"), fields.list("files")?) {
        (Some(_), Some(_)) => return Err(MetainfoError::BothLengthAndFiles),
        (None, None) => return Err(MetainfoError::NeitherLengthNorFiles),
        (Some(length), None) => vec![single_file(name, length, fields)?],
        (None, Some(files)) => multi_file(name, files, max_files)?,
    })
}

/// The version: hybrid when `meta version` 2 sits beside the v1 `pieces`,
/// v2-only without them; any version but 1 and 2 is refused.
fn parse_meta_version(fields: &Fields<'_>) -> Result<MetaVersion, MetainfoError> {
    match fields.int("meta version")? {
        None | Some(1) => Ok(MetaVersion::V1),
        Some(2) => {
            fields.required("file tree")?;
            Ok(match fields.optional("pieces") {
                Some(_) => MetaVersion::Hybrid,
                None => MetaVersion::V2,
            })
        }
        Some(value) => Err(MetainfoError::UnknownMetaVersion { value }),
    }
}

/// BEP 52 pieces are a power of two of at least one 16 KiB block.
fn check_v2_piece_length(piece_length: u32) -> Result<(), MetainfoError> {
    if piece_length.is_power_of_two() && u64::from(piece_length) >= BLOCK {
        Ok(())
    } else {
        Err(MetainfoError::NotV2PieceLength {
            value: piece_length,
        })
    }
}

fn parse_name(fields: &Fields<'_>) -> Result<String, MetainfoError> {
    let name = fields
        .text("name")?
        .ok_or_else(|| MetainfoError::MissingKey {
            key: fields.key("name"),
        })?;
    check_component(&fields.key("name"), name).map(str::to_owned)
}

fn parse_piece_length(fields: &Fields<'_>) -> Result<u32, MetainfoError> {
    let value = expect_int(fields.required("piece length")?, fields.key("piece length"))?;
    u32::try_from(value)
        .ok()
        .filter(|length| (1..=MAX_PIECE_LENGTH).contains(length))
        .ok_or(MetainfoError::InvalidPieceLength {
            value,
            max: MAX_PIECE_LENGTH,
        })
}

fn parse_pieces(fields: &Fields<'_>) -> Result<Vec<[u8; 20]>, MetainfoError> {
    let bytes = fields
        .bytes("pieces")?
        .ok_or_else(|| MetainfoError::MissingKey {
            key: fields.key("pieces"),
        })?;
    let (hashes, rest) = bytes.as_chunks::<20>();
    if !rest.is_empty() {
        return Err(MetainfoError::PiecesNotMultipleOf20 {
            length: bytes.len(),
        });
    }
    Ok(hashes.to_vec())
}

/// The one file of a single-file torrent; of its `attr` only `x` and `h`
/// mean anything (a lone pad file or symlink would hold no data).
fn single_file(
    name: &str,
    length: Value<'_>,
    fields: &Fields<'_>,
) -> Result<FileEntry, MetainfoError> {
    let letters = fields.bytes("attr")?.unwrap_or_default();
    Ok(FileEntry {
        path: PathBuf::from(name),
        length: file_length(length, "info.length".to_owned())?,
        offset: 0,
        attributes: FileAttributes {
            executable: letters.contains(&b'x'),
            hidden: letters.contains(&b'h'),
            ..FileAttributes::default()
        },
    })
}

fn file_length(value: Value<'_>, key: String) -> Result<u64, MetainfoError> {
    let length = expect_int(value, key.clone())?;
    u64::try_from(length).map_err(|_| MetainfoError::NegativeLength { key, value: length })
}

fn multi_file(
    name: &str,
    list: List<'_>,
    max_files: usize,
) -> Result<Vec<FileEntry>, MetainfoError> {
    let count = list.len();
    if count > max_files {
        return Err(MetainfoError::TooManyFiles {
            count,
            limit: max_files,
        });
    }
    if count == 0 {
        return Err(MetainfoError::NoFiles);
    }
    let mut files = Vec::with_capacity(count);
    let mut offset = 0u64;
    for (index, item) in list.iter().enumerate() {
        let fields = Fields::new(item, format!("info.files[{index}]"))?;
        let attributes = file_attributes(name, &fields)?;
        let length = match fields.optional("length") {
            Some(length) => file_length(length, fields.key("length"))?,
            // BEP 47: a symlink's length may be left out.
            None if attributes.symlink.is_some() => 0,
            None => fields.required("length").map(|_| 0)?,
        };
        if attributes.symlink.is_some() && length != 0 {
            return Err(MetainfoError::SymlinkWithData {
                key: fields.key("length"),
                length,
            });
        }
        let path = file_path(name, &fields)?;
        files.push(FileEntry {
            path,
            length,
            offset,
            attributes,
        });
        offset = offset
            .checked_add(length)
            .ok_or_else(|| MetainfoError::TotalLengthOverflow {
                key: fields.key("length"),
            })?;
    }
    check_collisions(&files)?;
    Ok(files)
}

/// The BEP 47 `attr` letters (unknown ones ignored) and, for a symlink that
/// is not also a pad file, its `symlink path`.
pub(super) fn file_attributes(
    name: &str,
    fields: &Fields<'_>,
) -> Result<FileAttributes, MetainfoError> {
    let letters = fields.bytes("attr")?.unwrap_or_default();
    let has = |letter: u8| letters.contains(&letter);
    let pad = has(b'p');
    let symlink = if has(b'l') && !pad {
        Some(path_under(name, fields, "symlink path")?)
    } else {
        None
    };
    Ok(FileAttributes {
        pad,
        executable: has(b'x'),
        hidden: has(b'h'),
        symlink,
    })
}

/// `name/component/...`, from `path.utf-8` when present, else `path`.
fn file_path(name: &str, fields: &Fields<'_>) -> Result<PathBuf, MetainfoError> {
    let key_name = if fields.optional("path.utf-8").is_some() {
        "path.utf-8"
    } else {
        "path"
    };
    path_under(name, fields, key_name)
}

/// `name/component/...` from the list of path components in `key_name`.
fn path_under(name: &str, fields: &Fields<'_>, key_name: &str) -> Result<PathBuf, MetainfoError> {
    let key = fields.key(key_name);
    let components = expect_list(fields.required(key_name)?, key.clone())?;
    if components.is_empty() {
        return Err(MetainfoError::EmptyPath { key });
    }
    let mut path = PathBuf::from(name);
    for component in components {
        path.push(check_component(&key, expect_str(component, key.clone())?)?);
    }
    Ok(path)
}

/// Refuses two files at one path, and a file whose path is another's
/// directory. Pad files are left out: they are never stored, and libtorrent
/// names every pad of one size alike (`.pad/262143`).
///
/// Paths are sorted with the separator ranking below every other byte (NUL
/// never occurs in a checked component), which keeps a path right before the
/// paths under it, so comparing neighbours finds every collision.
pub(super) fn check_collisions(files: &[FileEntry]) -> Result<(), MetainfoError> {
    let separator_first = |byte: &u8| if *byte == b'/' { 0 } else { *byte };
    let mut paths: Vec<&[u8]> = files
        .iter()
        .filter(|file| !file.is_pad())
        .map(|file| file.path.as_os_str().as_encoded_bytes())
        .collect();
    paths.sort_unstable_by(|a, b| {
        a.iter()
            .map(separator_first)
            .cmp(b.iter().map(separator_first))
    });
    for pair in paths.windows(2) {
        if let [first, second] = pair {
            let under_first = second.get(first.len()).is_none_or(|byte| *byte == b'/');
            if second.starts_with(first) && under_first {
                return Err(MetainfoError::PathCollision {
                    first: path_from_bytes(first),
                    second: path_from_bytes(second),
                });
            }
        }
    }
    Ok(())
}

fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn check_piece_count(
    total_length: u64,
    piece_length: u32,
    actual: usize,
) -> Result<(), MetainfoError> {
    if total_length == 0 {
        return Err(MetainfoError::Empty);
    }
    let expected = total_length.div_ceil(u64::from(piece_length));
    if u64::try_from(actual).ok() != Some(expected) {
        return Err(MetainfoError::PieceCountMismatch {
            expected,
            actual,
            total_length,
            piece_length,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::bencode::{decode, Bencode};

    type Dict = BTreeMap<Vec<u8>, Bencode>;

    fn set(dict: &mut Dict, key: &str, value: Bencode) {
        dict.insert(key.as_bytes().to_vec(), value);
    }

    fn pieces_for(total: i64, piece_length: i64) -> Bencode {
        let count = usize::try_from((total + piece_length - 1) / piece_length).unwrap_or(0);
        Bencode::Bytes(vec![7; count * 20])
    }

    fn single(length: i64, piece_length: i64) -> Dict {
        let mut info = Dict::new();
        set(&mut info, "name", Bencode::text("a.txt"));
        set(&mut info, "piece length", Bencode::Int(piece_length));
        set(&mut info, "pieces", pieces_for(length, piece_length));
        set(&mut info, "length", Bencode::Int(length));
        info
    }

    fn file(length: i64, path: &[&str]) -> Bencode {
        let mut entry = Dict::new();
        set(&mut entry, "length", Bencode::Int(length));
        set(
            &mut entry,
            "path",
            Bencode::List(path.iter().map(|c| Bencode::text(c)).collect()),
        );
        Bencode::Dict(entry)
    }

    fn multi(files: Vec<Bencode>, total: i64) -> Dict {
        let mut info = Dict::new();
        set(&mut info, "name", Bencode::text("album"));
        set(&mut info, "piece length", Bencode::Int(16384));
        set(&mut info, "pieces", pieces_for(total, 16384));
        set(&mut info, "files", Bencode::List(files));
        info
    }

    fn parse(info: Dict) -> Result<Info, MetainfoError> {
        let bytes = Bencode::Dict(info).encode();
        Info::from_value(decode(&bytes)?)
    }

    #[test]
    fn parses_a_single_file_torrent() {
        let info = parse(single(40_000, 16384)).expect("valid");
        assert_eq!(info.name, "a.txt");
        assert_eq!(info.total_length, 40_000);
        assert_eq!(info.piece_count(), 3);
        assert_eq!(
            (info.piece_size(0), info.piece_size(2), info.piece_size(3)),
            (16384, 7232, 0)
        );
        assert_eq!(
            info.files,
            [FileEntry {
                path: "a.txt".into(),
                length: 40_000,
                offset: 0,
                attributes: FileAttributes::default(),
            }]
        );
        assert!(!info.is_multi_file());
        assert!(!info.private);
    }

    #[test]
    fn parses_a_multi_file_torrent_with_offsets() {
        let files = vec![
            file(10, &["cd1", "01.flac"]),
            file(0, &["empty"]),
            file(20_000, &["cover.jpg"]),
        ];
        let mut dict = multi(files, 20_010);
        set(&mut dict, "private", Bencode::Int(1));
        let info = parse(dict).expect("valid");
        let layout: Vec<(PathBuf, u64, u64)> = info
            .files
            .iter()
            .map(|f| (f.path.clone(), f.length, f.offset))
            .collect();
        assert_eq!(
            layout,
            [
                ("album/cd1/01.flac".into(), 10, 0),
                ("album/empty".into(), 0, 10),
                ("album/cover.jpg".into(), 20_000, 10),
            ]
        );
        assert!(info.is_multi_file());
        assert!(info.private);
        assert_eq!(info.piece_size(1), 20_010 - 16384);
    }

    #[test]
    fn prefers_utf8_twins_of_name_and_path() {
        let mut entry = Dict::new();
        set(&mut entry, "length", Bencode::Int(5));
        set(
            &mut entry,
            "path",
            Bencode::List(vec![Bencode::Bytes(vec![0xff])]),
        );
        set(
            &mut entry,
            "path.utf-8",
            Bencode::List(vec![Bencode::text("ü.txt")]),
        );
        let mut dict = multi(vec![Bencode::Dict(entry)], 5);
        set(&mut dict, "name", Bencode::Bytes(vec![0xfe]));
        set(&mut dict, "name.utf-8", Bencode::text("naïve"));
        let info = parse(dict).expect("valid");
        assert_eq!(
            info.files.first().map(|f| f.path.clone()),
            Some("naïve/ü.txt".into())
        );
    }

    #[test]
    fn reports_missing_keys_and_wrong_types() {
        let mut dict = single(10, 16384);
        dict.remove(&b"name"[..]);
        assert_eq!(
            parse(dict),
            Err(MetainfoError::MissingKey {
                key: "info.name".into()
            })
        );
        let mut dict = single(10, 16384);
        set(&mut dict, "pieces", Bencode::Int(3));
        assert_eq!(
            parse(dict),
            Err(MetainfoError::WrongType {
                key: "info.pieces".into(),
                expected: "string",
                found: "integer"
            })
        );
        let mut dict = single(10, 16384);
        set(&mut dict, "name", Bencode::Bytes(vec![0xff]));
        assert_eq!(
            parse(dict),
            Err(MetainfoError::InvalidUtf8 {
                key: "info.name".into()
            })
        );
        assert!(matches!(
            Info::from_value(decode(b"le").expect("valid bencode")),
            Err(MetainfoError::WrongType {
                expected: "dictionary",
                found: "list",
                ..
            })
        ));
    }

    #[test]
    fn checks_pieces_against_the_total_length() {
        let mut dict = single(10, 16384);
        set(&mut dict, "pieces", Bencode::Bytes(vec![0; 21]));
        assert_eq!(
            parse(dict),
            Err(MetainfoError::PiecesNotMultipleOf20 { length: 21 })
        );
        let mut dict = single(40_000, 16384);
        set(&mut dict, "pieces", Bencode::Bytes(vec![0; 40]));
        assert!(matches!(
            parse(dict),
            Err(MetainfoError::PieceCountMismatch {
                expected: 3,
                actual: 2,
                ..
            })
        ));
    }

    #[test]
    fn checks_the_piece_length() {
        for value in [0, -1, i64::from(MAX_PIECE_LENGTH) + 1, i64::MAX] {
            let mut dict = single(10, 16384);
            set(&mut dict, "piece length", Bencode::Int(value));
            assert_eq!(
                parse(dict),
                Err(MetainfoError::InvalidPieceLength {
                    value,
                    max: MAX_PIECE_LENGTH
                })
            );
        }
        assert!(
            parse(single(10, 1000)).is_ok(),
            "non-power-of-two lengths are accepted"
        );
    }

    #[test]
    fn checks_file_lengths() {
        assert_eq!(
            parse(single(-5, 16384)),
            Err(MetainfoError::NegativeLength {
                key: "info.length".into(),
                value: -5
            })
        );
        assert_eq!(parse(single(0, 16384)), Err(MetainfoError::Empty));
        let files = vec![
            file(i64::MAX, &["a"]),
            file(i64::MAX, &["b"]),
            file(i64::MAX, &["c"]),
        ];
        assert_eq!(
            parse(multi(files, 1)),
            Err(MetainfoError::TotalLengthOverflow {
                key: "info.files[2].length".into()
            })
        );
    }

    #[test]
    fn needs_exactly_one_of_length_and_files() {
        let mut both = single(10, 16384);
        set(&mut both, "files", Bencode::List(vec![file(10, &["a"])]));
        assert_eq!(parse(both), Err(MetainfoError::BothLengthAndFiles));
        let mut neither = single(10, 16384);
        neither.remove(&b"length"[..]);
        assert_eq!(parse(neither), Err(MetainfoError::NeitherLengthNorFiles));
        assert_eq!(parse(multi(vec![], 1)), Err(MetainfoError::NoFiles));
    }

    #[test]
    fn refuses_unsafe_paths() {
        for path in [
            &["..", "etc"][..],
            &["a", "."],
            &[""],
            &["/abs"],
            &["a/b"],
            &["a\\b"],
            &["nul\0"],
        ] {
            let result = parse(multi(vec![file(1, path)], 1));
            assert!(
                matches!(&result, Err(MetainfoError::UnsafePathComponent { key, .. }) if key == "info.files[0].path"),
                "{path:?}: {result:?}"
            );
        }
        assert_eq!(
            parse(multi(vec![file(1, &[])], 1)),
            Err(MetainfoError::EmptyPath {
                key: "info.files[0].path".into()
            })
        );
        let mut dict = single(10, 16384);
        set(&mut dict, "name", Bencode::text(".."));
        assert!(matches!(
            parse(dict),
            Err(MetainfoError::UnsafePathComponent { .. })
        ));
    }

    #[test]
    fn refuses_colliding_paths() {
        let duplicate = vec![file(1, &["a"]), file(1, &["b"]), file(1, &["a"])];
        assert_eq!(
            parse(multi(duplicate, 3)),
            Err(MetainfoError::PathCollision {
                first: "album/a".into(),
                second: "album/a".into()
            })
        );
        let file_as_directory = vec![file(1, &["a"]), file(1, &["a.txt"]), file(1, &["a", "b"])];
        assert_eq!(
            parse(multi(file_as_directory, 3)),
            Err(MetainfoError::PathCollision {
                first: "album/a".into(),
                second: "album/a/b".into()
            })
        );
    }

    #[test]
    fn refuses_more_files_than_the_limit() {
        let files = (0..4).map(|index| file(1, &[&index.to_string()])).collect();
        let bytes = Bencode::Dict(multi(files, 4)).encode();
        let value = decode(&bytes).expect("valid bencode");
        assert_eq!(
            parse_info(value, 3),
            Err(MetainfoError::TooManyFiles { count: 4, limit: 3 })
        );
        assert!(parse_info(value, 4).is_ok());
    }

    #[test]
    fn parses_a_million_files_in_bounded_time() {
        const COUNT: usize = 1_000_000;
        let mut bytes = b"d5:filesl".to_vec();
        for index in 0..COUNT {
            let name = format!("f{index}");
            bytes.extend_from_slice(
                format!("d6:lengthi1e4:pathl{}:{name}ee", name.len()).as_bytes(),
            );
        }
        bytes.extend_from_slice(b"e4:name1:n12:piece lengthi1048576e6:pieces20:");
        bytes.extend_from_slice(&[0; 20]);
        bytes.push(b'e');
        let started = std::time::Instant::now();
        let info = Info::from_value(decode(&bytes).expect("valid bencode")).expect("valid info");
        assert_eq!((info.files.len(), info.total_length), (COUNT, COUNT as u64));
        assert_eq!(info.files.last().map(|f| f.offset), Some(COUNT as u64 - 1));
        assert!(
            started.elapsed().as_secs() < 60,
            "took {:?}",
            started.elapsed()
        );
    }

    fn with_keys(entry: Bencode, keys: &[(&str, Bencode)]) -> Bencode {
        let Bencode::Dict(mut dict) = entry else {
            return entry;
        };
        for (key, value) in keys {
            set(&mut dict, key, value.clone());
        }
        Bencode::Dict(dict)
    }

    /// A libtorrent-style pad file of `length` bytes: `.pad/LENGTH`, attr `p`.
    fn pad(length: i64) -> Bencode {
        with_keys(
            file(length, &[".pad", &length.to_string()]),
            &[("attr", Bencode::text("p"))],
        )
    }

    #[test]
    fn pad_files_of_one_size_do_not_collide() {
        let files = vec![
            file(100, &["a"]),
            pad(16284),
            file(100, &["b"]),
            pad(16284),
            file(7, &["c"]),
        ];
        let info = parse(multi(files, 2 * 16384 + 7)).expect("valid");
        let pads: Vec<bool> = info.files.iter().map(FileEntry::is_pad).collect();
        assert_eq!(pads, [false, true, false, true, false]);
        assert_eq!(info.files[2].offset, 16384);
        assert_eq!(info.files[4].offset, 2 * 16384);
        assert_eq!(info.files[1].path, PathBuf::from("album/.pad/16284"));
    }

    #[test]
    fn pad_files_still_need_safe_paths_and_real_files_still_collide() {
        let unsafe_pad = with_keys(file(1, &[".."]), &[("attr", Bencode::text("p"))]);
        assert!(matches!(
            parse(multi(vec![file(1, &["a"]), unsafe_pad], 2)),
            Err(MetainfoError::UnsafePathComponent { .. })
        ));
        let files = vec![file(1, &["a"]), pad(1), file(1, &["a"])];
        assert!(matches!(
            parse(multi(files, 3)),
            Err(MetainfoError::PathCollision { .. })
        ));
    }

    #[test]
    fn reads_executable_hidden_and_symlink_attributes() {
        let symlink_path = Bencode::List(vec![Bencode::text("bin"), Bencode::text("tool")]);
        let mut symlink = Dict::new();
        set(&mut symlink, "attr", Bencode::text("l"));
        set(
            &mut symlink,
            "path",
            Bencode::List(vec![Bencode::text("latest")]),
        );
        set(&mut symlink, "symlink path", symlink_path);
        let files = vec![
            with_keys(file(10, &["bin", "tool"]), &[("attr", Bencode::text("xq"))]),
            with_keys(file(5, &[".hidden"]), &[("attr", Bencode::text("h"))]),
            Bencode::Dict(symlink),
        ];
        let info = parse(multi(files, 15)).expect("valid");
        let letters: Vec<String> = info
            .files
            .iter()
            .map(|file| file.attributes.letters())
            .collect();
        assert_eq!(letters, ["x", "h", "l"]);
        assert_eq!(
            info.files[2].attributes.symlink,
            Some(PathBuf::from("album/bin/tool"))
        );
        assert_eq!((info.files[2].length, info.files[2].offset), (0, 15));
        let mut single_file = single(10, 16384);
        set(&mut single_file, "attr", Bencode::text("xhpl"));
        let info = parse(single_file).expect("valid");
        assert_eq!(info.files[0].attributes.letters(), "xh");
    }

    #[test]
    fn refuses_symlinks_with_data_or_unsafe_targets() {
        let link = |length: i64, target: &str| {
            with_keys(
                file(length, &["link"]),
                &[
                    ("attr", Bencode::text("l")),
                    ("symlink path", Bencode::List(vec![Bencode::text(target)])),
                ],
            )
        };
        assert_eq!(
            parse(multi(vec![file(1, &["a"]), link(3, "a")], 4)),
            Err(MetainfoError::SymlinkWithData {
                key: "info.files[1].length".into(),
                length: 3
            })
        );
        assert!(matches!(
            parse(multi(vec![file(1, &["a"]), link(0, "..")], 1)),
            Err(MetainfoError::UnsafePathComponent { key, .. }) if key == "info.files[1].symlink path"
        ));
        let no_target = with_keys(file(0, &["link"]), &[("attr", Bencode::text("l"))]);
        assert_eq!(
            parse(multi(vec![file(1, &["a"]), no_target], 1)),
            Err(MetainfoError::MissingKey {
                key: "info.files[1].symlink path".into()
            })
        );
    }

    #[test]
    fn knows_hybrids_and_v2_only_and_refuses_unknown_versions() {
        assert_eq!(
            parse(single(10, 16384)).expect("v1").version,
            MetaVersion::V1
        );
        let mut hybrid = single(10, 16384);
        set(&mut hybrid, "meta version", Bencode::Int(2));
        set(&mut hybrid, "file tree", Bencode::Dict(Dict::new()));
        assert_eq!(
            parse(hybrid.clone()).expect("hybrid").version,
            MetaVersion::Hybrid
        );
        hybrid.remove(&b"file tree"[..]);
        assert_eq!(
            parse(hybrid),
            Err(MetainfoError::MissingKey {
                key: "info.file tree".into()
            })
        );
        let mut future = single(10, 16384);
        set(&mut future, "meta version", Bencode::Int(3));
        assert_eq!(
            parse(future),
            Err(MetainfoError::UnknownMetaVersion { value: 3 })
        );
    }

    /// A v2 file-tree leaf of `length` bytes with a made-up root.
    fn leaf(length: i64, root: u8) -> Bencode {
        let mut file = Dict::new();
        set(&mut file, "length", Bencode::Int(length));
        if length > 0 {
            set(&mut file, "pieces root", Bencode::Bytes(vec![root; 32]));
        }
        let mut node = Dict::new();
        set(&mut node, "", Bencode::Dict(file));
        Bencode::Dict(node)
    }

    fn directory(entries: Vec<(&str, Bencode)>) -> Bencode {
        let mut dict = Dict::new();
        for (name, node) in entries {
            set(&mut dict, name, node);
        }
        Bencode::Dict(dict)
    }

    fn v2_only(name: &str, tree: Bencode, piece_length: i64) -> Dict {
        let mut info = Dict::new();
        set(&mut info, "name", Bencode::text(name));
        set(&mut info, "piece length", Bencode::Int(piece_length));
        set(&mut info, "meta version", Bencode::Int(2));
        set(&mut info, "file tree", tree);
        info
    }

    #[test]
    fn lays_out_a_v2_file_tree_piece_aligned_with_pads() {
        let tree = directory(vec![
            ("a.txt", leaf(1, 1)),
            ("big.bin", leaf(40_000, 2)),
            ("empty", leaf(0, 0)),
            ("sub", directory(vec![("z", leaf(16384, 3))])),
        ]);
        let info = parse(v2_only("multi", tree, 16384)).expect("valid");
        let layout: Vec<(String, u64, u64, bool)> = info
            .files
            .iter()
            .map(|f| (f.path.display().to_string(), f.length, f.offset, f.is_pad()))
            .collect();
        assert_eq!(
            layout,
            [
                ("multi/a.txt".to_owned(), 1, 0, false),
                ("multi/.pad/16383".into(), 16383, 1, true),
                ("multi/big.bin".into(), 40_000, 16384, false),
                ("multi/.pad/9152".into(), 9152, 56_384, true),
                ("multi/empty".into(), 0, 65_536, false),
                ("multi/sub/z".into(), 16384, 65_536, false),
            ]
        );
        assert_eq!(info.version, MetaVersion::V2);
        assert_eq!((info.piece_count(), info.total_length), (5, 5 * 16384));
        assert!(info.is_multi_file());
        assert!(matches!(info.pieces, PieceHashes::Merkle(_)));
    }

    #[test]
    fn a_v2_tree_of_one_file_named_like_the_torrent_is_a_single_file() {
        let tree = directory(vec![("f.bin", leaf(20_000, 1))]);
        let info = parse(v2_only("f.bin", tree, 16384)).expect("valid");
        let paths: Vec<PathBuf> = info.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("f.bin"), "f.bin/.pad/12768".into()]);
        assert!(!info.is_multi_file());
    }

    #[test]
    fn refuses_bad_v2_trees() {
        let tree = || directory(vec![("a", leaf(5, 1))]);
        assert_eq!(
            parse(v2_only("t", tree(), 3 * 16384)),
            Err(MetainfoError::NotV2PieceLength { value: 3 * 16384 })
        );
        assert_eq!(
            parse(v2_only("t", tree(), 8192)),
            Err(MetainfoError::NotV2PieceLength { value: 8192 })
        );
        let both = directory(vec![("a", with_keys(leaf(5, 1), &[("b", leaf(1, 2))]))]);
        assert_eq!(
            parse(v2_only("t", both, 16384)),
            Err(MetainfoError::FileAndDirectory {
                key: "info.file tree.a".into()
            })
        );
        let unsafe_name = directory(vec![("..", leaf(5, 1))]);
        assert!(matches!(
            parse(v2_only("t", unsafe_name, 16384)),
            Err(MetainfoError::UnsafePathComponent { .. })
        ));
        let mut no_root = Dict::new();
        set(&mut no_root, "length", Bencode::Int(5));
        let no_root = directory(vec![("a", directory(vec![("", Bencode::Dict(no_root))]))]);
        assert_eq!(
            parse(v2_only("t", no_root, 16384)),
            Err(MetainfoError::MissingKey {
                key: "info.file tree.a..pieces root".into()
            })
        );
        let mut short_root = Dict::new();
        set(&mut short_root, "length", Bencode::Int(5));
        set(&mut short_root, "pieces root", Bencode::Bytes(vec![1; 31]));
        let short_root = directory(vec![(
            "a",
            directory(vec![("", Bencode::Dict(short_root))]),
        )]);
        assert_eq!(
            parse(v2_only("t", short_root, 16384)),
            Err(MetainfoError::BadPiecesRoot {
                key: "info.file tree.a..pieces root".into(),
                length: 31
            })
        );
        assert_eq!(
            parse(v2_only("t", directory(vec![("e", leaf(0, 0))]), 16384)),
            Err(MetainfoError::Empty)
        );
        let many = directory(vec![("x", leaf(1, 1)), ("y", leaf(1, 1))]);
        let bytes = Bencode::Dict(v2_only("t", many, 16384)).encode();
        assert_eq!(
            parse_info(decode(&bytes).expect("valid"), 1),
            Err(MetainfoError::TooManyFiles { count: 2, limit: 1 })
        );
    }
}
