//! A torrent argument read: a `.torrent` file, or standard input for `-`.

use crate::cli::exit::{with_status, ExitStatus};
use crate::metainfo::Torrent;
use anyhow::Context;
use std::io::Read;

/// Reads and parses a `.torrent` file, or standard input for `-`.
pub fn load_torrent(input: &str) -> anyhow::Result<Torrent> {
    parse_torrent(input, &read_input(input)?)
}

/// The bytes of the file `input`, or of standard input for `-`.
pub fn read_input(input: &str) -> anyhow::Result<Vec<u8>> {
    if input != "-" {
        return std::fs::read(input).with_context(|| format!("could not read {input}"));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(64 << 20)
        .read_to_end(&mut bytes)
        .context("could not read the torrent from standard input")?;
    Ok(bytes)
}

/// Parses the `.torrent` bytes read from `input`; bad ones are bad input.
pub fn parse_torrent(input: &str, bytes: &[u8]) -> anyhow::Result<Torrent> {
    Torrent::from_bytes(bytes)
        .map_err(|error| with_status(ExitStatus::BadInput, anyhow::anyhow!("{input}: {error}")))
}
