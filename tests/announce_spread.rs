//! A seeder of many torrents spreads its first announces instead of sending
//! them all at start: a real `btt-seed run` of a library on a real
//! `btt-seed tracker`, whose scrapes say which torrents were announced.
//! The announces of the library must take at least half the time the
//! process's pacer spaces them over (they all came within a moment before
//! the pacer), and every torrent must be announced in the end.

use crate::support;

use crate::seed_descriptors::small_library;
use btt::metainfo::Torrent;
use btt::swarm::announce_pacing::{BURST, SPACING};
use btt::tracker::TrackerClient;
use std::time::{Duration, Instant};
use support::{BttTracker, Home};

/// Torrents in the library.
const LIBRARY: usize = 120;
/// Hashes per scrape (the tracker takes request heads of 8 KiB).
const SCRAPE_BATCH: usize = 50;
/// How long the whole library may take to be announced.
const BOUND: Duration = Duration::from_secs(90);

/// How many of `hashes` the tracker at `announce` lists a seeder for.
fn announced(announce: &str, hashes: &[[u8; 20]]) -> usize {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let client = TrackerClient::new(Duration::from_secs(5));
    hashes
        .chunks(SCRAPE_BATCH)
        .map(|batch| {
            let stats = runtime
                .block_on(client.scrape(announce, batch))
                .expect("scrape the tracker");
            stats.iter().filter(|swarm| swarm.seeders > 0).count()
        })
        .sum()
}

/// Waits (bounded) until `done` holds for the count of announced torrents;
/// returns when it was seen.
fn wait_announced(announce: &str, hashes: &[[u8; 20]], done: impl Fn(usize) -> bool) -> Instant {
    let deadline = Instant::now() + BOUND;
    loop {
        let count = announced(announce, hashes);
        if done(count) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "{count} of {LIBRARY} announced");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_seeder_of_many_torrents_spreads_its_first_announces() {
    let env = support::TestEnv::new();
    let tracker = BttTracker::start_with(&env, "127.0.0.1:0", "30m");
    let (data, torrents) = small_library(&env, LIBRARY, std::slice::from_ref(&tracker.announce));
    let hashes: Vec<[u8; 20]> = torrents
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).expect("read torrent");
            Torrent::from_bytes(&bytes).expect("torrent").info_hash.0
        })
        .collect();
    let home = Home::new(&env, "seeder");
    let mut command = home.command(&env, "btt-seed");
    command
        .args(["run", "--no-dht", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args(&torrents);
    let mut seeder = env.spawn("btt-seed run of a library", command);

    let first = wait_announced(&tracker.announce, &hashes, |count| count > 0);
    let all = wait_announced(&tracker.announce, &hashes, |count| count == LIBRARY);
    let paced = SPACING * (LIBRARY as u32 - BURST);
    assert!(
        all - first >= paced / 2,
        "{LIBRARY} torrents announced within {:?} (paced over {paced:?})\n{}",
        all - first,
        seeder.diagnostics()
    );
    seeder.terminate();
}
