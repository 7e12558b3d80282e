//! aria2 (`aria2c`) as a seeder or a leecher on 127.0.0.1, or on `::1`
//! ([`Aria2::seed_v6`], [`Aria2::leech_v6`]).
//!
//! DHT, LPD and PEX are off and every socket is bound to the loopback
//! address (`--interface`; without it aria2 listens on 0.0.0.0); on
//! 127.0.0.1 IPv6 is disabled, on `::1` it is the only family. aria2
//! learns peers only from the torrent's tracker (it cannot be given a peer
//! address) or from peers that dial it. Completion
//! is detected from `--on-bt-download-complete`, which fires when the last
//! piece is verified; aria2 itself exits 1–2 s later.

use super::{free_port, wait_listening, write_completion_hook, Child, Leecher, Seeder, TestEnv};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Starts aria2 processes with the loopback-only settings.
#[derive(Debug)]
pub struct Aria2;

/// The loopback address an aria2 process binds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loopback {
    V4,
    V6,
}

impl Aria2 {
    /// Seeds `torrent` from `data_dir` (the directory that contains the
    /// torrent's content under its own name) after checking every piece;
    /// returns once aria2 accepts connections.
    pub fn seed(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        seed_on(Loopback::V4, env, torrent, data_dir)
    }

    /// Downloads `torrent` into `out_dir`; aria2 exits after completion
    /// (`--seed-time=0`). Use [`Leecher::finish`].
    pub fn leech(env: &TestEnv, torrent: &Path, out_dir: &Path) -> Leecher {
        Self::leech_with(env, torrent, out_dir, &[])
    }

    /// Downloads like [`Aria2::leech`] with `extra` options.
    pub fn leech_with(env: &TestEnv, torrent: &Path, out_dir: &Path, extra: &[&str]) -> Leecher {
        leech_on(Loopback::V4, env, torrent, out_dir, extra)
    }

    /// [`Aria2::seed`] on `[::1]`.
    pub fn seed_v6(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        seed_on(Loopback::V6, env, torrent, data_dir)
    }

    /// [`Aria2::leech`] on `[::1]`.
    pub fn leech_v6(env: &TestEnv, torrent: &Path, out_dir: &Path) -> Leecher {
        leech_on(Loopback::V6, env, torrent, out_dir, &[])
    }
}

fn seed_on(loopback: Loopback, env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
    let port = free_port();
    let mut command = base_command_on(loopback, env, port, data_dir);
    command
        .arg("--check-integrity=true")
        .arg("--seed-ratio=0.0")
        .arg(torrent);
    let child = Child::spawn("aria2c seed", command);
    let child = wait_listening(child, port, Duration::from_secs(30));
    Seeder { child, port }
}

fn leech_on(
    loopback: Loopback,
    env: &TestEnv,
    torrent: &Path,
    out_dir: &Path,
    extra: &[&str],
) -> Leecher {
    let port = free_port();
    let marker = env.path().join(format!("aria2-{port}.complete"));
    let hook = write_completion_hook(&env.path().join(format!("aria2-{port}.hook")), &marker);
    let mut command = base_command_on(loopback, env, port, out_dir);
    command
        .arg("--seed-time=0")
        .arg(format!("--on-bt-download-complete={}", hook.display()))
        .args(extra)
        .arg(torrent);
    Leecher::new(Child::spawn("aria2c leech", command), port, marker, true)
}

/// aria2's loopback-only options on 127.0.0.1.
pub(super) fn base_command(env: &TestEnv, port: u16, dir: &Path) -> Command {
    base_command_on(Loopback::V4, env, port, dir)
}

fn base_command_on(loopback: Loopback, env: &TestEnv, port: u16, dir: &Path) -> Command {
    let family: &[&str] = match loopback {
        Loopback::V4 => &["--disable-ipv6=true", "--interface=127.0.0.1"],
        Loopback::V6 => &["--disable-ipv6=false", "--interface=::1"],
    };
    let mut command = env.command("aria2c");
    command.args(family);
    command.args([
        "--no-conf=true",
        "--enable-dht=false",
        "--enable-dht6=false",
        "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--bt-tracker-interval=2",
        "--bt-tracker-connect-timeout=5",
        "--bt-tracker-timeout=5",
        "--file-allocation=none",
        "--allow-overwrite=true",
        "--auto-file-renaming=false",
        "--summary-interval=0",
        "--console-log-level=notice",
        "--enable-color=false",
    ]);
    command
        .arg(format!("--listen-port={port}"))
        .arg(format!("--dir={}", dir.display()));
    command
}
