//! Torrent files made by other programs (`mktorrent`, `transmission-create`)
//! or by `btt-seed create` with a format flag, and the info-hash of a torrent file, computed as the spec says: SHA-1 of
//! the info dictionary's bytes exactly as they are in the file.

use super::TestEnv;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a torrent tool may take on test-sized data.
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `mktorrent -t 2` on `content` (a file or a directory) and returns
/// `out`. `piece_log2` is the piece length as a power of two (18 = 256 KiB).
pub fn mktorrent(
    env: &TestEnv,
    content: &Path,
    out: &Path,
    announce: &str,
    piece_log2: u8,
) -> PathBuf {
    mktorrent_with(env, content, out, piece_log2, &["-a", announce])
}

/// Runs `mktorrent -t 2` with `flags` (e.g. `-w URL` for a web seed).
pub fn mktorrent_with(
    env: &TestEnv,
    content: &Path,
    out: &Path,
    piece_log2: u8,
    flags: &[&str],
) -> PathBuf {
    let mut command = env.command("mktorrent");
    command
        .args(["-t", "2", "-l", &piece_log2.to_string()])
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg(content);
    env.spawn("mktorrent", command).wait_success(TOOL_TIMEOUT);
    out.to_path_buf()
}

/// Runs `transmission-create` on `content` and returns `out`. Transmission
/// leaves 0-byte files out and writes `private=0`, so its info-hash differs
/// from mktorrent's for the same tree.
pub fn transmission_create(
    env: &TestEnv,
    content: &Path,
    out: &Path,
    announce: &str,
    piece_kib: u32,
) -> PathBuf {
    let mut command = env.command("transmission-create");
    command
        .args(["-t", announce, "-s", &piece_kib.to_string(), "-o"])
        .arg(out)
        .arg(content);
    env.spawn("transmission-create", command)
        .wait_success(TOOL_TIMEOUT);
    out.to_path_buf()
}

/// The info-hash of the torrent file at `path`, as 40 lowercase hex digits.
pub fn info_hash(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let span =
        info_span(&bytes).unwrap_or_else(|| panic!("{} has no info dictionary", path.display()));
    hex::encode(Sha1::digest(&bytes[span]))
}

/// The byte range of the value of the top-level `info` key.
fn info_span(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    if bytes.first() != Some(&b'd') {
        return None;
    }
    let mut at = 1;
    while bytes.get(at) != Some(&b'e') {
        let key_end = skip(bytes, at)?;
        let value_end = skip(bytes, key_end)?;
        if bytes.get(at..key_end) == Some(b"4:info".as_slice()) {
            return Some(key_end..value_end);
        }
        at = value_end;
    }
    None
}

/// The index just past the bencoded value that starts at `at`.
fn skip(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'i' => Some(at + bytes.get(at..)?.iter().position(|b| *b == b'e')? + 1),
        b'l' | b'd' => {
            let mut next = at + 1;
            while bytes.get(next)? != &b'e' {
                next = skip(bytes, next)?;
            }
            Some(next + 1)
        }
        b'0'..=b'9' => {
            let colon = at + bytes.get(at..)?.iter().position(|b| *b == b':')?;
            let len: usize = std::str::from_utf8(bytes.get(at..colon)?)
                .ok()?
                .parse()
                .ok()?;
            let end = colon.checked_add(1)?.checked_add(len)?;
            (end <= bytes.len()).then_some(end)
        }
        _ => None,
    }
}

/// `btt-seed create FORMAT` (`--hybrid`, `--v2`) of `content` announcing to
/// `announce`, with pieces of `piece` bytes, into `NAME.torrent` in the
/// test's directory; returns its path.
pub fn btt_create(
    env: &TestEnv,
    content: &Path,
    format: &str,
    announce: &str,
    piece: u32,
) -> PathBuf {
    let name = format!("btt-{}.torrent", format.trim_start_matches('-'));
    let piece = piece.to_string();
    let extra = [format, "--piece-length", &piece, "--announce", announce];
    btt_seed_create(env, content, &env.path().join(name), &extra)
}

/// `btt-seed create CONTENT -o TORRENT --force EXTRA...`; returns `torrent`.
pub fn btt_seed_create(env: &TestEnv, content: &Path, torrent: &Path, extra: &[&str]) -> PathBuf {
    let mut command = env.btt("btt-seed");
    command
        .arg("create")
        .arg(content)
        .arg("-o")
        .arg(torrent)
        .arg("--force")
        .args(extra);
    env.spawn("btt-seed create", command)
        .wait_success(TOOL_TIMEOUT);
    torrent.to_path_buf()
}
