//! Encrypting content for sale and decrypting a bought copy, both streaming.
//!
//! The encrypted file is a standard age v1 file (age-encryption.org/v1)
//! encrypted to the content key's X25519 recipient; its payload is a tar
//! stream of the plaintext (one file, or a directory with everything under
//! it). age's payload is ChaCha20-Poly1305 in 64 KiB chunks, each checked on
//! its own and the last one marked, so a corrupted chunk and a truncated
//! file are both caught, and neither side ever holds the content in memory.
//!
//! Invariants of decryption: nothing appears under its final name until the
//! whole file, to its last chunk, has been authenticated (it is unpacked in a
//! hidden staging directory beside the output and renamed into place, and a
//! staging directory left by a killed process is removed by the next
//! decryption there, see `staging`); every
//! tar entry lies under the one plaintext name, with no absolute path, no
//! `..`, no symlink leaving the content, no entry written through a symlink,
//! and nothing but files, directories and symlinks; the encrypted file is
//! only read. The tar stream carries no real mtimes (it is deterministic), so
//! the decrypted files get the time they were written, not the stream's.

use super::content_key::ContentKey;
use super::staging;
use std::cell::Cell;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use thiserror::Error;

/// Plaintext bytes in one age payload chunk.
const CHUNK_SIZE: u64 = 64 * 1024;

/// Buffer size of the file reads and writes.
const BUFFER_SIZE: usize = 1 << 20;

/// Why content could not be encrypted or decrypted.
#[derive(Debug, Error)]
pub enum ContentError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The source is neither a file, a directory nor a symlink inside it.
    #[error("{path}: only regular files, directories and symlinks inside the content can be sold")]
    Unsupported { path: PathBuf },
    /// The encrypted file's header is not age's, or the key does not open it.
    #[error("{path}: cannot open the encrypted file: {source}")]
    Header {
        path: PathBuf,
        source: age::DecryptError,
    },
    /// The encrypted file ends before its last chunk.
    #[error("{path}: truncated: the encrypted file ends inside chunk {chunk}")]
    Truncated { path: PathBuf, chunk: u64 },
    /// A chunk failed authentication.
    #[error("{path}: corrupted: chunk {chunk} fails authentication")]
    Corrupted { path: PathBuf, chunk: u64 },
    /// The tar stream inside is malformed.
    #[error("{path}: the archive inside is malformed: {source}")]
    Archive { path: PathBuf, source: io::Error },
    /// An entry would write outside the content or is not a file, directory or symlink.
    #[error("{path}: refused entry {entry}: {reason}")]
    UnsafeEntry {
        path: PathBuf,
        entry: String,
        reason: &'static str,
    },
    /// The archive holds nothing.
    #[error("{path}: the archive inside is empty")]
    Empty { path: PathBuf },
    /// The plaintext's name already exists in the output directory.
    #[error("{path} exists; move it away or choose another output directory")]
    Exists { path: PathBuf },
}

impl ContentError {
    /// Whether the encrypted file itself is bad (not the disk, nor the
    /// output directory): its header, a chunk, or the archive inside.
    pub fn is_bad_content(&self) -> bool {
        matches!(
            self,
            ContentError::Header { .. }
                | ContentError::Truncated { .. }
                | ContentError::Corrupted { .. }
                | ContentError::Archive { .. }
                | ContentError::UnsafeEntry { .. }
                | ContentError::Empty { .. }
        )
    }
}

/// What [`encrypt_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// The plaintext's name (the source's file name).
    pub name: String,
    /// Regular files in the plaintext.
    pub files: u64,
    /// Bytes of the plaintext's regular files.
    pub plain_size: u64,
    /// Bytes of the encrypted file.
    pub encrypted_size: u64,
}

/// What [`decrypt_to`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The plaintext, under the output directory.
    pub path: PathBuf,
    /// Regular files written.
    pub files: u64,
    /// Bytes of the regular files written.
    pub plain_size: u64,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> ContentError + '_ {
    move |source| ContentError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Encrypts the file or directory `source` to `destination` (written under a
/// temporary name, synced, then renamed), calling `progress` with the
/// plaintext bytes done so far.
pub fn encrypt_to(
    source: &Path,
    key: &ContentKey,
    destination: &Path,
    progress: &dyn Fn(u64),
) -> Result<Encrypted, ContentError> {
    let name = source
        .file_name()
        .ok_or_else(|| ContentError::Unsupported {
            path: source.to_path_buf(),
        })?
        .to_string_lossy()
        .into_owned();
    let temporary = temporary_sibling(destination);
    let written = write_encrypted(source, &name, key, &temporary, progress);
    let totals = match written {
        Ok(totals) => totals,
        Err(error) => {
            let _ = fs::remove_file(&temporary);
            return Err(error);
        }
    };
    fs::rename(&temporary, destination).map_err(io_error(destination))?;
    let encrypted_size = fs::metadata(destination)
        .map_err(io_error(destination))?
        .len();
    Ok(Encrypted {
        name,
        files: totals.files,
        plain_size: totals.bytes,
        encrypted_size,
    })
}

fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

/// Counts of regular files and their bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    files: u64,
    bytes: u64,
}

fn write_encrypted(
    source: &Path,
    name: &str,
    key: &ContentKey,
    temporary: &Path,
    progress: &dyn Fn(u64),
) -> Result<Totals, ContentError> {
    let file = File::create(temporary).map_err(io_error(temporary))?;
    let recipient = key.age_identity().to_public();
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .expect("one X25519 recipient always encrypts");
    let stream = encryptor
        .wrap_output(BufWriter::with_capacity(BUFFER_SIZE, file))
        .map_err(io_error(temporary))?;
    let mut builder = tar::Builder::new(stream);
    builder.mode(tar::HeaderMode::Deterministic);
    builder.follow_symlinks(false);
    let mut totals = Totals::default();
    append_tree(&mut builder, source, Path::new(name), &mut totals, progress)?;
    let stream = builder.into_inner().map_err(io_error(temporary))?;
    let buffered = stream.finish().map_err(io_error(temporary))?;
    let file = buffered
        .into_inner()
        .map_err(|error| io_error(temporary)(error.into_error()))?;
    file.sync_all().map_err(io_error(temporary))?;
    Ok(totals)
}

/// Appends `path` as `archived` and, for a directory, its children in name order.
fn append_tree<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &Path,
    archived: &Path,
    totals: &mut Totals,
    progress: &dyn Fn(u64),
) -> Result<(), ContentError> {
    let metadata = fs::symlink_metadata(path).map_err(io_error(path))?;
    let kind = metadata.file_type();
    if kind.is_symlink() {
        let target = fs::read_link(path).map_err(io_error(path))?;
        if !symlink_stays_inside(archived, &target) {
            return Err(ContentError::Unsupported {
                path: path.to_path_buf(),
            });
        }
    } else if !kind.is_file() && !kind.is_dir() {
        return Err(ContentError::Unsupported {
            path: path.to_path_buf(),
        });
    }
    builder
        .append_path_with_name(path, archived)
        .map_err(io_error(path))?;
    if kind.is_file() {
        totals.files += 1;
        totals.bytes += metadata.len();
        progress(totals.bytes);
    }
    if kind.is_dir() {
        let mut children = fs::read_dir(path)
            .map_err(io_error(path))?
            .map(|entry| entry.map(|entry| entry.file_name()))
            .collect::<io::Result<Vec<_>>>()
            .map_err(io_error(path))?;
        children.sort();
        for child in children {
            append_tree(
                builder,
                &path.join(&child),
                &archived.join(&child),
                totals,
                progress,
            )?;
        }
    }
    Ok(())
}

/// Whether a symlink at `link` (a path under the content's name) pointing to
/// `target` resolves, by its components alone, to somewhere under that name.
fn symlink_stays_inside(link: &Path, target: &Path) -> bool {
    let mut depth: Vec<&std::ffi::OsStr> = link
        .parent()
        .map(|parent| parent.iter().collect())
        .unwrap_or_default();
    if depth.is_empty() {
        return false;
    }
    for component in target.components() {
        match component {
            Component::Normal(part) => depth.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                depth.pop();
                if depth.is_empty() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// Decrypts the age file `encrypted` with `key` into `out_dir`, verifying
/// every chunk; the plaintext appears at `out_dir/NAME` only once all of it
/// has been authenticated.
pub fn decrypt_to(
    encrypted: &Path,
    key: &ContentKey,
    out_dir: &Path,
) -> Result<Decrypted, ContentError> {
    decrypt_with_progress(encrypted, key, out_dir, &|_| {})
}

/// [`decrypt_to`], calling `progress` with the plaintext bytes done so far.
pub fn decrypt_with_progress(
    encrypted: &Path,
    key: &ContentKey,
    out_dir: &Path,
    progress: &dyn Fn(u64),
) -> Result<Decrypted, ContentError> {
    staging::remove_stale(out_dir).map_err(io_error(out_dir))?;
    let staging = staging::staging_dir(out_dir);
    fs::create_dir_all(out_dir).map_err(io_error(out_dir))?;
    fs::create_dir(&staging).map_err(io_error(&staging))?;
    let unpacked = unpack(encrypted, key, &staging, progress);
    let placed = unpacked.and_then(|unpacked| {
        let path = out_dir.join(&unpacked.name);
        if fs::symlink_metadata(&path).is_ok() {
            return Err(ContentError::Exists { path });
        }
        fs::rename(staging.join(&unpacked.name), &path).map_err(io_error(&path))?;
        Ok(Decrypted {
            path,
            files: unpacked.totals.files,
            plain_size: unpacked.totals.bytes,
        })
    });
    let _ = fs::remove_dir_all(&staging);
    placed
}

/// The plaintext unpacked into the staging directory.
struct Unpacked {
    name: String,
    totals: Totals,
}

/// Where the decrypting reader is, and how it failed if it did.
#[derive(Default)]
struct StreamState {
    plain_offset: Cell<u64>,
    failure: Cell<Option<io::ErrorKind>>,
}

/// Counts the plaintext read and remembers the first failure of the age stream.
struct WatchedStream<R> {
    inner: R,
    state: Rc<StreamState>,
}

impl<R: Read> Read for WatchedStream<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buffer) {
            Ok(read) => {
                let offset = self.state.plain_offset.get();
                self.state.plain_offset.set(offset + read as u64);
                Ok(read)
            }
            Err(error) => {
                if self.state.failure.get().is_none() {
                    self.state.failure.set(Some(error.kind()));
                }
                Err(error)
            }
        }
    }
}

fn unpack(
    encrypted: &Path,
    key: &ContentKey,
    staging: &Path,
    progress: &dyn Fn(u64),
) -> Result<Unpacked, ContentError> {
    let file = File::open(encrypted).map_err(io_error(encrypted))?;
    let header_error = |source| ContentError::Header {
        path: encrypted.to_path_buf(),
        source,
    };
    let decryptor = age::Decryptor::new_buffered(BufReader::with_capacity(BUFFER_SIZE, file))
        .map_err(header_error)?;
    let identity = key.age_identity();
    let reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(header_error)?;
    let state = Rc::new(StreamState::default());
    let watched = WatchedStream {
        inner: reader,
        state: Rc::clone(&state),
    };
    let stream_error =
        |fallback: ContentError| stream_failure(encrypted, &state).unwrap_or(fallback);
    let mut archive = tar::Archive::new(watched);
    archive.set_overwrite(false);
    archive.set_preserve_permissions(false);
    archive.set_preserve_mtime(false);
    let unpacked =
        unpack_entries(&mut archive, encrypted, staging, progress).map_err(stream_error)?;
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|source| {
        stream_error(ContentError::Archive {
            path: encrypted.to_path_buf(),
            source,
        })
    })?;
    Ok(unpacked)
}

/// The error of a failed age stream, if the stream is what failed.
fn stream_failure(encrypted: &Path, state: &StreamState) -> Option<ContentError> {
    let chunk = state.plain_offset.get() / CHUNK_SIZE;
    let path = encrypted.to_path_buf();
    match state.failure.get()? {
        io::ErrorKind::UnexpectedEof => Some(ContentError::Truncated { path, chunk }),
        io::ErrorKind::InvalidData => Some(ContentError::Corrupted { path, chunk }),
        _ => None,
    }
}

fn unpack_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    encrypted: &Path,
    staging: &Path,
    progress: &dyn Fn(u64),
) -> Result<Unpacked, ContentError> {
    let archive_error = |source| ContentError::Archive {
        path: encrypted.to_path_buf(),
        source,
    };
    let mut name: Option<String> = None;
    let mut totals = Totals::default();
    for entry in archive.entries().map_err(archive_error)? {
        let mut entry = entry.map_err(archive_error)?;
        let relative = checked_entry(&entry, encrypted, staging, &mut name)?;
        let is_file = entry.header().entry_type() == tar::EntryType::Regular;
        let size = entry.header().size().map_err(archive_error)?;
        let written = entry
            .unpack(staging.join(&relative))
            .map_err(archive_error)?;
        drop(written);
        if is_file {
            totals.files += 1;
            totals.bytes += size;
            progress(totals.bytes);
        }
    }
    let name = name.ok_or_else(|| ContentError::Empty {
        path: encrypted.to_path_buf(),
    })?;
    Ok(Unpacked { name, totals })
}

/// The entry's path if it is safe to unpack in `staging`; the first entry's
/// top component becomes the content's `name`, which every later entry shares.
fn checked_entry<R: Read>(
    entry: &tar::Entry<'_, R>,
    encrypted: &Path,
    staging: &Path,
    name: &mut Option<String>,
) -> Result<PathBuf, ContentError> {
    let path = entry.path().map_err(|source| ContentError::Archive {
        path: encrypted.to_path_buf(),
        source,
    })?;
    let shown = path.display().to_string();
    let refuse = |reason| ContentError::UnsafeEntry {
        path: encrypted.to_path_buf(),
        entry: shown.clone(),
        reason,
    };
    let relative = relative_path(&path).ok_or_else(|| refuse("not a plain relative path"))?;
    let top = relative
        .iter()
        .next()
        .map(|top| top.to_string_lossy().into_owned())
        .ok_or_else(|| refuse("empty path"))?;
    match name {
        Some(existing) if *existing != top => return Err(refuse("outside the content's name")),
        Some(_) => {}
        None => *name = Some(top),
    }
    check_entry_kind(entry, &relative).map_err(refuse)?;
    if passes_through_symlink(staging, &relative) {
        return Err(refuse("written through a symlink"));
    }
    Ok(relative)
}

/// The path with only normal components (`.` dropped), or `None`.
fn relative_path(path: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!relative.as_os_str().is_empty()).then_some(relative)
}

fn check_entry_kind<R: Read>(
    entry: &tar::Entry<'_, R>,
    relative: &Path,
) -> Result<(), &'static str> {
    match entry.header().entry_type() {
        tar::EntryType::Regular | tar::EntryType::Directory => Ok(()),
        tar::EntryType::Symlink => {
            let target = entry
                .link_name()
                .ok()
                .flatten()
                .ok_or("a symlink without a target")?;
            if symlink_stays_inside(relative, &target) {
                Ok(())
            } else {
                Err("a symlink leaving the content")
            }
        }
        _ => Err("not a file, directory or symlink"),
    }
}

/// Whether any directory above `relative` in `staging` is a symlink.
fn passes_through_symlink(staging: &Path, relative: &Path) -> bool {
    let mut above = staging.to_path_buf();
    let parents: Vec<_> = relative.iter().collect();
    parents[..parents.len().saturating_sub(1)]
        .iter()
        .any(|part| {
            above.push(part);
            fs::symlink_metadata(&above).is_ok_and(|metadata| metadata.file_type().is_symlink())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_tree(root: &Path) -> PathBuf {
        let album = root.join("album");
        fs::create_dir_all(album.join("disc 1/deep")).unwrap();
        fs::write(album.join("cover.jpg"), vec![7u8; 200_000]).unwrap();
        fs::write(album.join("disc 1/01.flac"), b"first track").unwrap();
        fs::write(album.join("disc 1/deep/empty"), b"").unwrap();
        std::os::unix::fs::symlink("../cover.jpg", album.join("disc 1/cover")).unwrap();
        album
    }

    fn sealed(root: &Path, source: &Path) -> (ContentKey, PathBuf, Encrypted) {
        let key = ContentKey::generate();
        let encrypted = root.join("album.age");
        let summary = encrypt_to(source, &key, &encrypted, &|_| {}).unwrap();
        (key, encrypted, summary)
    }

    #[test]
    fn a_directory_round_trips() {
        let root = tempfile::tempdir().unwrap();
        let album = sample_tree(root.path());
        let (key, encrypted, summary) = sealed(root.path(), &album);
        assert_eq!((summary.files, summary.plain_size), (3, 200_011));
        let out = root.path().join("out");
        let decrypted = decrypt_to(&encrypted, &key, &out).unwrap();
        assert_eq!(decrypted.path, out.join("album"));
        assert_eq!((decrypted.files, decrypted.plain_size), (3, 200_011));
        assert_eq!(
            fs::read(out.join("album/cover.jpg")).unwrap(),
            vec![7u8; 200_000]
        );
        assert_eq!(
            fs::read_link(out.join("album/disc 1/cover")).unwrap(),
            Path::new("../cover.jpg")
        );
        assert!(encrypted.exists());
        assert_eq!(fs::read_dir(&out).unwrap().count(), 1, "no staging left");
        let written = fs::metadata(out.join("album/cover.jpg"))
            .unwrap()
            .modified()
            .unwrap();
        let age = std::time::SystemTime::now().duration_since(written);
        assert!(age.unwrap_or_default().as_secs() < 600, "mtime {written:?}");
    }

    #[test]
    fn the_wrong_key_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let album = sample_tree(root.path());
        let (_, encrypted, _) = sealed(root.path(), &album);
        let out = root.path().join("out");
        let error = decrypt_to(&encrypted, &ContentKey::generate(), &out).unwrap_err();
        assert!(matches!(error, ContentError::Header { .. }), "{error}");
        assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
    }

    #[test]
    fn a_symlink_out_of_the_content_is_refused_when_selling() {
        let root = tempfile::tempdir().unwrap();
        let album = sample_tree(root.path());
        std::os::unix::fs::symlink("../../etc/passwd", album.join("escape")).unwrap();
        let key = ContentKey::generate();
        let destination = root.path().join("album.age");
        let error = encrypt_to(&album, &key, &destination, &|_| {}).unwrap_err();
        assert!(matches!(error, ContentError::Unsupported { .. }), "{error}");
        assert!(!destination.exists());
    }

    #[test]
    fn symlink_targets_are_checked_by_components() {
        let link = Path::new("album/a/link");
        assert!(symlink_stays_inside(link, Path::new("../b")));
        assert!(symlink_stays_inside(link, Path::new("c/./d")));
        assert!(!symlink_stays_inside(link, Path::new("../..")));
        assert!(!symlink_stays_inside(link, Path::new("/etc")));
        assert!(!symlink_stays_inside(Path::new("album"), Path::new("x")));
    }

    #[test]
    fn unsafe_paths_are_not_relative() {
        assert_eq!(
            relative_path(Path::new("./a/b")),
            Some(PathBuf::from("a/b"))
        );
        assert_eq!(relative_path(Path::new("a/../b")), None);
        assert_eq!(relative_path(Path::new("/a")), None);
        assert_eq!(relative_path(Path::new(".")), None);
    }
}
