//! aria2 (`aria2c`) given a magnet link: it finds peers through the magnet's
//! trackers (it cannot be given a peer address) and fetches the metadata
//! over `ut_metadata`, with the same loopback-only settings as
//! [`Aria2`](super::Aria2)'s seeders and leechers.

use super::aria2::base_command;
use super::{free_port, Aria2, Child, TestEnv};
use std::path::Path;

impl Aria2 {
    /// Fetches only the metadata of `magnet` and saves it as
    /// `DIR/INFO_HASH.torrent` (`--bt-metadata-only --bt-save-metadata`);
    /// aria2 exits 0 once it is saved.
    pub fn fetch_metadata(env: &TestEnv, magnet: &str, dir: &Path) -> Child {
        let mut command = base_command(env, free_port(), dir);
        command
            .arg("--bt-metadata-only=true")
            .arg("--bt-save-metadata=true")
            .arg(magnet);
        Child::spawn("aria2c metadata", command)
    }
}
