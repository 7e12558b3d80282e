//! Plain clients against a seller: aria2, Transmission and libtorrent
//! (none speaks `btt_market`) download from `btt-seed run --ask` exactly as
//! from a plain seeder, through the free slots and the optimistic slot, and
//! the seller earns nothing from them. Every download is compared byte for
//! byte with its data. Clients and versions: aria2 1.36 and Transmission
//! 3.00 (Debian 12's packages) and python3-libtorrent 2.0 (see tests/support).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);
/// The seller's wallet key (carol's in the other market tests).
const CAROL_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

/// A command of `program` with the seller's password and the dev ledger.
fn seller_command(env: &TestEnv, program: &str) -> Command {
    let mut command = env.btt(program);
    command
        .env("BTT_PASSWORD_FILE", env.path().join("password"))
        .env("BTT_INSECURE_FAST_KDF", "1")
        .env("BTT_DEV_LEDGER", "1");
    command
}

/// Imports carol's wallet into the test's data directory.
fn import_seller_wallet(env: &TestEnv) {
    std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
    let key = env.path().join("carol.key");
    std::fs::write(&key, CAROL_KEY).unwrap();
    let mut command = seller_command(env, "btt-wallet");
    command.args(["import", "--name", "carol", "--private-key-file"]);
    command.arg(&key);
    env.spawn("btt-wallet import", command)
        .wait_success(Duration::from_secs(30));
}

/// `btt-seed run --ask` of `torrent` from `data`, selling as carol.
fn sell(env: &TestEnv, torrent: &Path, data: &Path) -> Child {
    let mut command = seller_command(env, "btt-seed");
    command
        .args(["run", "--no-dht", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(data)
        .args(["--wallet", "carol", "--ask", "0.01BTT/MiB"])
        .arg(torrent);
    let mut child = env.spawn("btt-seed run --ask", command);
    child.read_record(Duration::from_secs(20), "listening");
    child
}

/// `leech` downloads 6 MiB from a seller with btt's tracker.
fn plain_client_downloads_from_a_seller(leech: impl FnOnce(&TestEnv, &Path, &Path) -> Leecher) {
    let env = TestEnv::new();
    import_seller_wallet(&env);
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, &[("album.bin", 6 * 1024 * 1024 + 777)]);
    let torrent = BttSeed::create(
        &env,
        &data.join("album.bin"),
        &env.path().join("x.torrent"),
        &tracker.announce,
    );
    let mut seller = sell(&env, &torrent, &data);
    let out: PathBuf = env.dir("out");
    leech(&env, &torrent, &out).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
    seller.terminate();
    let market_peers = market::printed::<market::MarketPeer>(&seller);
    assert!(market_peers.is_empty(), "a plain client is no market peer");
    let summary = market::summary(&seller);
    assert_eq!(summary.earned(), 0, "{summary:?}");
}

#[test]
fn aria2_downloads_from_a_seller_as_from_any_seeder() {
    plain_client_downloads_from_a_seller(Aria2::leech);
}

#[test]
fn transmission_downloads_from_a_seller_as_from_any_seeder() {
    plain_client_downloads_from_a_seller(Transmission::leech);
}

#[test]
fn libtorrent_downloads_from_a_seller_as_from_any_seeder() {
    plain_client_downloads_from_a_seller(|env, torrent, out| {
        Libtorrent::leech(env, torrent, out, &[])
    });
}
