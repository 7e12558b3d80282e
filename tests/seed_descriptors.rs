//! The peer listener out of file descriptors: a real `btt-seed run` under
//! `ulimit -n 96` (set in the child before it runs), 200 incoming TCP
//! connections on 127.0.0.1 that say nothing, so that `accept` fails with
//! `EMFILE` while they are held. The seeder must wait, not spin: under
//! 0.1 CPU-seconds per second over a window in which its descriptors stay
//! used up (read from `/proc/PID/stat`). Once the connections are closed, it
//! must accept again: a real `btt-get` downloads the torrent from it.
//!
//! And a library of more torrents than the seeder has descriptors: under the
//! same limit, `btt-seed run` of 150 torrents starts every one (one lock
//! file and a bounded pool of open files, not two descriptors a torrent)
//! and serves any of them.

use crate::support;

use btt::metainfo::{create, CreateOptions};
use std::io::Write;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{assert_trees_equal, listening_port, Child, Fixture, Home};

/// The seeder's descriptor limit, soft and hard.
const DESCRIPTORS: libc::rlim_t = 96;
/// Connections opened to it, more than it can hold.
const CONNECTIONS: usize = 200;
/// How long its CPU time is measured.
const WINDOW: Duration = Duration::from_secs(3);

/// `btt-seed run` of the fixture under `ulimit -n 96`.
fn seed_with_few_descriptors(fixture: &Fixture) -> Child {
    let home = Home::new(&fixture.env, "seeder");
    let mut command = home.command(&fixture.env, "btt-seed");
    command
        .args(["run", "--no-dht", "--listen", "127.0.0.1:0", "--data"])
        .arg(&fixture.data)
        .arg(&fixture.torrent);
    limit_descriptors(&mut command);
    fixture.env.spawn("btt-seed run (ulimit -n 96)", command)
}

/// Runs `command` under `ulimit -n 96`.
fn limit_descriptors(command: &mut Command) {
    let limit = libc::rlimit {
        rlim_cur: DESCRIPTORS,
        rlim_max: DESCRIPTORS,
    };
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        command.pre_exec(move || match libc::setrlimit(libc::RLIMIT_NOFILE, &limit) {
            0 => Ok(()),
            _ => Err(std::io::Error::last_os_error()),
        });
    }
}

/// The descriptors `pid` has open.
fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(Iterator::count)
        .unwrap_or(0)
}

/// The CPU time (user and system) `pid` has used.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    let after_name = &stat[stat.rfind(')').expect("a process name") + 1..];
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|field| field.parse().expect("clock ticks"))
        .collect();
    // SAFETY: sysconf only reads a configuration value.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_millis((fields[0] + fields[1]) * 1_000 / ticks_per_second)
}

/// Waits (bounded) until `pid` has used up nearly all its descriptors.
fn wait_exhausted(pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while open_descriptors(pid) < DESCRIPTORS as usize - 4 {
        assert!(
            Instant::now() < deadline,
            "the seeder holds only {} descriptors",
            open_descriptors(pid)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn out_of_descriptors_the_listener_waits_instead_of_spinning_and_accepts_again() {
    let fixture = Fixture::of(&[("album.bin", 2 << 20)]).create();
    let mut seeder = seed_with_few_descriptors(&fixture);
    let port = listening_port(&mut seeder);
    let pid = seeder.pid();
    let held: Vec<TcpStream> = (0..CONNECTIONS)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    wait_exhausted(pid);

    let before = cpu_time(pid);
    let started = Instant::now();
    std::thread::sleep(WINDOW);
    let used = cpu_time(pid) - before;
    let per_second = used.as_secs_f64() / started.elapsed().as_secs_f64();
    let _ = writeln!(
        std::io::stderr(),
        "at the descriptor limit with {CONNECTIONS} connections: {per_second:.3} CPU-s/s"
    );
    assert!(
        open_descriptors(pid) >= DESCRIPTORS as usize - 4,
        "descriptors freed during the window: the measure is void"
    );
    assert!(
        per_second < 0.1,
        "{per_second:.3} CPU-s/s at the descriptor limit\n{}",
        seeder.diagnostics()
    );

    drop(held);
    let (mut leecher, out) = fixture.get("leecher", &["--peer", &format!("127.0.0.1:{port}")]);
    leecher.wait_success(Duration::from_secs(90));
    assert_trees_equal(&fixture.data, &out);
    seeder.terminate();
}

/// Torrents in the library of [`a_library_of_more_torrents_than_descriptors_is_seeded`].
const LIBRARY: usize = 150;

/// `count` one-file torrents of a few KiB on `trackers`, made in-process:
/// their data in `data/`, their .torrent files returned.
pub fn small_library(
    env: &support::TestEnv,
    count: usize,
    trackers: &[String],
) -> (PathBuf, Vec<PathBuf>) {
    let data = env.dir("data");
    let torrents = env.dir("torrents");
    let made = (0..count)
        .map(|index| {
            let source = data.join(format!("item-{index:03}.bin"));
            std::fs::write(&source, vec![index as u8; 4096 + index]).expect("write data");
            let options = CreateOptions {
                piece_length: Some(16 << 10),
                trackers: trackers.iter().map(|url| vec![url.clone()]).collect(),
                threads: 1,
                ..CreateOptions::of(source)
            };
            let path = torrents.join(format!("item-{index:03}.torrent"));
            std::fs::write(&path, create(&options, &|_| {}).expect("created")).expect("write");
            path
        })
        .collect();
    (data, made)
}

#[test]
fn a_library_of_more_torrents_than_descriptors_is_seeded() {
    let env = support::TestEnv::new();
    let (data, torrents) = small_library(&env, LIBRARY, &[]);
    let home = Home::new(&env, "seeder");
    let mut command = home.command(&env, "btt-seed");
    command
        .args([
            "run",
            "--no-dht",
            "--no-tracker",
            "--listen",
            "127.0.0.1:0",
            "--data",
        ])
        .arg(&data)
        .args(&torrents);
    limit_descriptors(&mut command);
    let mut seeder = env.spawn("btt-seed run of a library (ulimit -n 96)", command);
    let port = listening_port(&mut seeder);
    for _ in 0..LIBRARY {
        seeder.read_record(Duration::from_secs(60), "started");
    }
    let held = open_descriptors(seeder.pid());
    assert!(
        held < DESCRIPTORS as usize / 2,
        "{held} descriptors for {LIBRARY} torrents"
    );

    let chosen = &torrents[LIBRARY * 2 / 3];
    let out = env.dir("out");
    let mut leecher = env.btt("btt-get");
    leecher
        .arg(chosen)
        .arg("-o")
        .arg(&out)
        .args(["--no-tracker", "--listen", "127.0.0.1:0", "--peer"])
        .arg(format!("127.0.0.1:{port}"));
    env.spawn("btt-get of one torrent of the library", leecher)
        .wait_success(Duration::from_secs(60));
    let name = chosen
        .file_stem()
        .expect("a name")
        .to_string_lossy()
        .into_owned();
    let got = std::fs::read(out.join(format!("{name}.bin"))).expect("downloaded");
    assert_eq!(
        got,
        std::fs::read(data.join(format!("{name}.bin"))).unwrap()
    );
    assert!(seeder.try_wait().is_none(), "{}", seeder.diagnostics());
}
