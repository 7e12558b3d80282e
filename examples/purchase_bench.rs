//! Benchmark of a purchase's crypto against its download: encrypting and
//! decrypting SIZE MiB (default 1024) of incompressible data with
//! `btt::purchase` (age v1 over tar, every chunk authenticated), beside a
//! `btt-get` download of the same encrypted file from a `btt-seed run` over
//! 127.0.0.1 (both release binaries of this build), so decryption is shown
//! never to be the slow part of a purchase.
//!
//! Run with `bench/purchase [SIZE_MIB]`. Prints a Markdown table.

use btt::purchase::{decrypt_to, encrypt_to, ContentKey};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let size_mib: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(1024), |arg| arg.parse())?;
    let work = tempfile::Builder::new()
        .prefix("btt-purchase-bench-")
        .tempdir()?;
    let plain = work.path().join("content.bin");
    write_random(&plain, size_mib * MIB)?;
    let key = ContentKey::generate();
    let encrypted = work.path().join("content.bin.age");
    let started = Instant::now();
    encrypt_to(&plain, &key, &encrypted, &|_| {})?;
    let encrypt = started.elapsed();
    let out = work.path().join("decrypted");
    let started = Instant::now();
    decrypt_to(&encrypted, &key, &out)?;
    let decrypt = started.elapsed();
    let download = download(work.path(), &encrypted)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "| {size_mib} MiB | seconds | MiB/s |")?;
    writeln!(stdout, "|---|---:|---:|")?;
    for (what, took) in [
        ("encrypt (btt-seed sell)", encrypt),
        ("decrypt and verify every chunk", decrypt),
        ("btt-get download of the .age over loopback", download),
    ] {
        let seconds = took.as_secs_f64();
        writeln!(
            stdout,
            "| {what} | {seconds:.2} | {:.0} |",
            size_mib as f64 / seconds
        )?;
    }
    Ok(())
}

/// Writes `length` bytes from a fast pseudo-random generator (incompressible).
fn write_random(path: &Path, length: u64) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..length / block.len() as u64 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&block)?;
    }
    file.flush()
}

/// Seeds `encrypted` with `btt-seed run` and times `btt-get` fetching it.
fn download(work: &Path, encrypted: &Path) -> Result<Duration, Box<dyn std::error::Error>> {
    let torrent = work.join("content.bin.age.torrent");
    let status = Command::new(binary("btt-seed"))
        .env("BTT_HOME", work.join("home"))
        .arg("create")
        .arg(encrypted)
        .arg("-o")
        .arg(&torrent)
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "btt-seed create failed");
    let mut seeder = Command::new(binary("btt-seed"))
        .env("BTT_HOME", work.join("home"))
        .args(["run", "--no-dht", "--listen", "127.0.0.1:0", "--data"])
        .arg(work)
        .arg(&torrent)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let addr = listening_addr(seeder.stdout.take().expect("piped stdout"))?;
    let started = Instant::now();
    let mut leecher = Command::new(binary("btt-get"))
        .env("BTT_HOME", work.join("leech-home"))
        .arg(&torrent)
        .arg("-o")
        .arg(work.join("downloaded"))
        .args(["--no-dht", "--peer", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let status = wait_bounded(&mut leecher, DOWNLOAD_BOUND);
    let took = started.elapsed();
    let _ = seeder.kill();
    let _ = seeder.wait();
    assert!(
        status.is_some_and(|status| status.success()),
        "btt-get failed or timed out"
    );
    Ok(took)
}

/// The most a download may take before the bench stops it.
const DOWNLOAD_BOUND: Duration = Duration::from_secs(600);

/// `child`'s exit status, or `None` after killing it once `bound` passed.
fn wait_bounded(
    child: &mut std::process::Child,
    bound: Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + bound;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The address in the seeder's first `listening` record; the rest of its
/// output is drained by a thread, so the seeder never writes to a closed pipe.
fn listening_addr(stdout: std::process::ChildStdout) -> Result<String, Box<dyn std::error::Error>> {
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let record: serde_json::Value = serde_json::from_str(&line?)?;
        if record["type"] == "listening" {
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(record["addr"].as_str().unwrap_or_default().to_string());
        }
    }
    Err("btt-seed run printed no listening record".into())
}

/// A binary of this build, beside the example (`target/release/NAME`).
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("path of the example");
    exe.parent()
        .and_then(Path::parent)
        .expect("examples live in target/PROFILE/examples")
        .join(name)
}
