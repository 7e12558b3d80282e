//! `btt-get --select N --stream`: the selected file arrives on stdout in
//! order while the download still runs (the seeder is rate-limited so it
//! lasts seconds), byte for byte the source, and is written to disk too.

use crate::support;

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{make_tree, BttSeed, TestEnv};

/// How long the whole stream may take.
const WAIT: Duration = Duration::from_secs(120);

#[test]
fn stream_writes_the_selected_file_in_order_while_it_downloads() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(
        &data,
        &[("movie/extras", 256 << 10), ("movie/film", 3 << 20)],
    );
    let torrent = env.path().join("movie.torrent");
    BttSeed::create(
        &env,
        &data.join("movie"),
        &torrent,
        "http://127.0.0.1:1/announce",
    );
    let source = std::fs::read(data.join("movie/film")).unwrap();

    let mut command = env.btt("btt-seed");
    command
        .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
        .args(["--up-limit", "512KiB"])
        .arg("--data")
        .arg(&data)
        .arg(&torrent);
    let mut seeder = env.spawn("btt-seed run", command);
    let port = support::listening_port(&mut seeder);

    let out = env.dir("out");
    let mut command = env.btt("btt-get");
    command
        .arg(&torrent)
        .arg("-o")
        .arg(&out)
        .args([
            "--no-tracker",
            "--listen",
            "127.0.0.1:0",
            "--select",
            "2",
            "--stream",
        ])
        .args(["--peer", &format!("127.0.0.1:{port}")]);
    let (mut getter, mut stdout) =
        support::Child::spawn_with_raw_stdout("btt-get --stream", command);

    // The reader: chunks as they come, on a thread, so every wait has a deadline.
    let (chunks, arrived) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 << 10];
        while let Ok(n @ 1..) = stdout.read(&mut buffer) {
            if chunks.send(buffer[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + WAIT;
    let mut received = Vec::new();
    let mut running_at_first_bytes = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match arrived.recv_timeout(left) {
            Ok(chunk) => {
                running_at_first_bytes.get_or_insert_with(|| getter.try_wait().is_none());
                received.extend(chunk);
                assert!(
                    source.starts_with(&received),
                    "byte {} differs from the source",
                    received.len()
                );
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!(
                    "the stream stalled at {} bytes: {}",
                    received.len(),
                    getter.diagnostics()
                )
            }
        }
    }
    assert_eq!(
        running_at_first_bytes,
        Some(true),
        "the first bytes came only after btt-get ended"
    );
    assert_eq!(received.len(), source.len(), "{}", getter.diagnostics());
    getter.wait_success(WAIT);
    assert_eq!(
        std::fs::read(out.join("movie/film")).unwrap(),
        source,
        "the file on disk"
    );
}

#[test]
fn stream_needs_one_selected_file_of_one_torrent() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(
        &data,
        &[("movie/extras", 16 << 10), ("movie/film", 16 << 10)],
    );
    let torrent = env.path().join("movie.torrent");
    BttSeed::create(
        &env,
        &data.join("movie"),
        &torrent,
        "http://127.0.0.1:1/announce",
    );
    let torrent = torrent.display().to_string();
    // clap refuses the first before anything runs; the others come after the
    // torrent is read, with stdout already the stream's: no record there.
    let cases: [(&[&str], &str); 4] = [
        (
            &[&torrent, "--stream"],
            "required arguments were not provided: --select",
        ),
        (
            &[&torrent, "--select", "1-2", "--stream"],
            "--stream needs --select to name one file",
        ),
        (&[&torrent, "--select", "3", "--stream"], "has 2 files"),
        (
            &[&torrent, &torrent, "--select", "1", "--stream"],
            "--stream takes one torrent",
        ),
    ];
    for (args, expected) in cases {
        let mut command = env.btt("btt-get");
        command
            .args(["--no-tracker", "--listen", "127.0.0.1:0"])
            .args(args);
        let mut child = env.spawn("btt-get --stream", command);
        let run = support::Run::finish(&mut child, support::COMMAND_TIMEOUT);
        assert_eq!(run.code, 2, "{args:?}: {}", run.describe());
        assert!(
            run.stderr.contains(expected),
            "{args:?}: {}",
            run.describe()
        );
        let on_stream = run.stdout.contains("\"type\"");
        assert_eq!(on_stream, args.len() == 2, "{args:?}: {}", run.describe());
    }
}
