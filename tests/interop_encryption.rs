//! Message stream encryption (MSE/PE) against real clients on 127.0.0.1:
//! libtorrent 2.0.8 (Debian's python3-libtorrent) with `out_enc_policy` and
//! `in_enc_policy` forced to RC4, aria2 1.36.0 with `--bt-require-crypto`,
//! and Transmission 3.00 with `encryption: 2` (`-er`). Each of them refuses
//! plain connections, and btt runs with `--encryption require` where it
//! dials, so a completed download proves that btt's negotiation and RC4
//! stream interoperate in that direction; every download is compared byte
//! for byte with its data.
//!
//! Directions: libtorrent dials `btt-seed` (which has `--no-tracker`, so it
//! dials nobody), and `btt-get` dials libtorrent (`--no-tracker`, so
//! libtorrent never learns its address). aria2 and btt-seed find each other
//! through the tracker and may each dial the other. Transmission never dials
//! 127.x peers, so btt dials it both as a seeder and as a leecher.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// A few MiB, not a whole number of pieces.
const CONTENT: &[(&str, u64)] = &[("single.bin", 4 * 1024 * 1024 + 12_345)];

/// A tracker and the test's data (`data/single.bin`), with its torrent made by `btt-seed create`.
fn swarm(env: &TestEnv) -> (BttTracker, PathBuf, PathBuf) {
    let tracker = BttTracker::start(env);
    let data = env.dir("data");
    make_tree(&data, CONTENT);
    let torrent = BttSeed::create(
        env,
        &data.join("single.bin"),
        &env.path().join("x.torrent"),
        &tracker.announce,
    );
    (tracker, data, torrent)
}

/// `btt-get` with `extra` downloads from `seeder` given by `--peer`, without the tracker.
fn btt_get_downloads(env: &TestEnv, torrent: &Path, data: &Path, seeder: &Seeder, extra: &[&str]) {
    let out = env.dir("out");
    let peer = seeder.addr();
    let mut args = vec!["--peer", peer.as_str(), "--no-tracker"];
    args.extend_from_slice(extra);
    let mut get = btt_get(env, torrent, &out, &args);
    get.wait_success(DOWNLOAD);
    assert_trees_equal(data, &out);
}

#[test]
fn libtorrent_forcing_encryption_downloads_from_btt_seed_requiring_it() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let seed_args = ["--no-tracker", "--encryption", "require"];
    let seeder = BttSeed::run_with(&env, &torrent, &data, &seed_args);
    let out = env.dir("out");
    Libtorrent::leech_encrypted(&env, &torrent, &out, &[&seeder.addr()]).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn btt_get_requiring_encryption_downloads_from_libtorrent_forcing_it() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let seeder = Libtorrent::seed_encrypted(&env, &torrent, &data);
    btt_get_downloads(&env, &torrent, &data, &seeder, &["--encryption", "require"]);
}

#[test]
fn btt_get_preferring_encryption_downloads_from_libtorrent_forcing_it() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let seeder = Libtorrent::seed_encrypted(&env, &torrent, &data);
    btt_get_downloads(&env, &torrent, &data, &seeder, &[]);
}

#[test]
fn aria2_requiring_encryption_downloads_from_btt_seed() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let _seeder = BttSeed::run(&env, &torrent, &data);
    let out = env.dir("out");
    let crypto = ["--bt-require-crypto=true", "--bt-min-crypto-level=arc4"];
    Aria2::leech_with(&env, &torrent, &out, &crypto).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn transmission_requiring_encryption_downloads_from_btt_seed_requiring_it() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let out = env.dir("out");
    let mut leecher = Transmission::leech_encrypted(&env, &torrent, &out);
    let _seeder = BttSeed::run_with(&env, &torrent, &data, &["--encryption", "require"]);
    leecher.finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}

#[test]
fn btt_get_requiring_encryption_downloads_from_transmission_requiring_it() {
    let env = TestEnv::new();
    let (_tracker, data, torrent) = swarm(&env);
    let seeder = Transmission::seed_encrypted(&env, &torrent, &data);
    btt_get_downloads(&env, &torrent, &data, &seeder, &["--encryption", "require"]);
}
