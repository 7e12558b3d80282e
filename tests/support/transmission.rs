//! Transmission (`transmission-cli` 3.00) as a seeder or a leecher on 127.0.0.1.
//!
//! Its config directory gets a `settings.json` with DHT, LPD, PEX, uTP and
//! port forwarding off and every socket bound to loopback. Quirks that tests
//! must allow for: it never dials 127.x peers from a tracker (the other side
//! must dial it), it accepts one connection per IP, it waits about 10 s
//! before it unchokes or shows interest, it creates no 0-byte files, and it
//! keeps seeding after a download until it is stopped. Completion is
//! detected with its `-f` script.

use super::{free_port, wait_listening, write_completion_hook, Child, Leecher, Seeder, TestEnv};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Starts transmission-cli processes with the loopback-only settings.
#[derive(Debug)]
pub struct Transmission;

impl Transmission {
    /// Seeds `torrent` from `data_dir` (which contains the torrent's content
    /// under its own name) after verifying it; returns once it accepts
    /// connections. It announces to the torrent's tracker on start.
    pub fn seed(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::seed_with(env, torrent, data_dir, Encryption::Tolerated)
    }

    /// Seeds like [`Transmission::seed`], requiring encrypted connections.
    pub fn seed_encrypted(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        Self::seed_with(env, torrent, data_dir, Encryption::Required)
    }

    fn seed_with(env: &TestEnv, torrent: &Path, data_dir: &Path, encryption: Encryption) -> Seeder {
        let port = free_port();
        let command = base_command(env, port, data_dir, torrent, encryption);
        let child = Child::spawn("transmission-cli seed", command);
        let child = wait_listening(child, port, Duration::from_secs(30));
        Seeder { child, port }
    }

    /// Downloads `torrent` into `out_dir`; it announces to the torrent's
    /// tracker and waits for peers to dial it. It keeps running (seeding)
    /// after completion: [`Leecher::finish`] stops it.
    pub fn leech(env: &TestEnv, torrent: &Path, out_dir: &Path) -> Leecher {
        Self::leech_with(env, torrent, out_dir, Encryption::Tolerated)
    }

    /// Downloads like [`Transmission::leech`], requiring encrypted connections.
    pub fn leech_encrypted(env: &TestEnv, torrent: &Path, out_dir: &Path) -> Leecher {
        Self::leech_with(env, torrent, out_dir, Encryption::Required)
    }

    fn leech_with(
        env: &TestEnv,
        torrent: &Path,
        out_dir: &Path,
        encryption: Encryption,
    ) -> Leecher {
        let port = free_port();
        let marker = env.path().join(format!("transmission-{port}.complete"));
        let hook = env.path().join(format!("transmission-{port}.hook"));
        let hook = write_completion_hook(&hook, &marker);
        let mut command = base_command(env, port, out_dir, torrent, encryption);
        command.arg("-f").arg(hook);
        let child = Child::spawn("transmission-cli leech", command);
        let child = wait_listening(child, port, Duration::from_secs(30));
        Leecher::new(child, port, marker, false)
    }
}

/// Transmission's encryption setting: `encryption` in `settings.json` and
/// the `-et` / `-er` flag of transmission-cli (which overrides it).
#[derive(Debug, Clone, Copy)]
enum Encryption {
    /// Plain preferred, encrypted accepted (`0`, `-et`).
    Tolerated,
    /// Encrypted only (`2`, `-er`).
    Required,
}

impl Encryption {
    fn setting(self) -> u8 {
        match self {
            Encryption::Tolerated => 0,
            Encryption::Required => 2,
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Encryption::Tolerated => "-et",
            Encryption::Required => "-er",
        }
    }
}

fn base_command(
    env: &TestEnv,
    port: u16,
    dir: &Path,
    torrent: &Path,
    encryption: Encryption,
) -> Command {
    let config = write_settings(env, port, encryption);
    let mut command = env.command("transmission-cli");
    command
        .arg("-w")
        .arg(dir)
        .arg("-g")
        .arg(config)
        .arg("-p")
        .arg(port.to_string())
        .args(["-M", "-D", "-U", encryption.flag()])
        .arg(torrent);
    command
}

/// Writes `settings.json` into a fresh config directory for one instance.
fn write_settings(env: &TestEnv, port: u16, encryption: Encryption) -> PathBuf {
    let config = env.dir(format!("transmission-{port}"));
    let settings = serde_json::json!({
        "dht-enabled": false,
        "lpd-enabled": false,
        "pex-enabled": false,
        "utp-enabled": false,
        "port-forwarding-enabled": false,
        "bind-address-ipv4": "127.0.0.1",
        "bind-address-ipv6": "::1",
        "peer-port": port,
        "peer-port-random-on-start": false,
        "blocklist-enabled": false,
        "encryption": encryption.setting(),
        "speed-limit-down-enabled": false,
        "speed-limit-up-enabled": false,
        "ratio-limit-enabled": false,
        "idle-seeding-limit-enabled": false,
        "rename-partial-files": false,
        "start-added-torrents": true,
        "message-level": 2,
    });
    let text = serde_json::to_string_pretty(&settings).expect("settings are JSON");
    std::fs::write(config.join("settings.json"), text).expect("write settings.json");
    config
}
