//! Drives the real `btt-seed sell` (with `btt-wallet import` for the seller's
//! wallet): it writes the encrypted file, its torrent and a signed listing,
//! and stores the content key in the data directory; the listing verifies
//! for the embedded ledger; the stored key decrypts the `.age` file back to
//! the creator's bytes, and a truncated or corrupted copy is refused with no
//! plain file written; `btt-seed run` seeds the `.age` file as any torrent.

use crate::support;

use btt::config::Dirs;
use btt::ledger::{LedgerId, ListingDomain, LocalLedger, OpenOptions};
use btt::purchase::{decrypt_to, ContentError, ContentKey, ListingError, SignedListing};
use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::{assert_trees_equal, btt_get, make_tree, BttSeed, Run, TestEnv};

/// The seller's key (the test wallets' carol).
const CAROL_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";
/// How long a download may take on a busy machine.
const DOWNLOAD: Duration = Duration::from_secs(120);

/// The `listing` record `btt-seed sell` prints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Listed {
    #[serde(rename = "type")]
    kind: String,
    listing: String,
    encrypted: String,
    torrent: String,
    digest: String,
    info_hash: String,
    price: String,
    token: String,
    seller: String,
    ledger: String,
    name: String,
    files: u64,
    size: u64,
    encrypted_size: u64,
    expires: i64,
}

/// A test directory with carol's wallet imported.
fn seller_env() -> TestEnv {
    let env = TestEnv::new();
    fs::write(env.path().join("password"), "correct horse\n").unwrap();
    fs::write(env.path().join("carol.key"), CAROL_KEY).unwrap();
    let mut import = env.btt("btt-wallet");
    import
        .args([
            "import",
            "--name",
            "carol",
            "--private-key-file",
            "carol.key",
        ])
        .args(["--password-file", "password"]);
    Run::of("btt-wallet import", import, "").ok();
    env
}

fn sell(env: &TestEnv, content: &Path, extra: &[&str]) -> Run {
    let mut command = env.btt("btt-seed");
    command
        .arg("sell")
        .arg(content)
        .args([
            "--price",
            "10BTT",
            "--wallet",
            "carol",
            "-o",
            "album.listing",
        ])
        .args(["--password-file", "password"])
        .args(extra);
    Run::of("btt-seed sell", command, "")
}

/// The id of the test's embedded ledger, read from the ledger file itself.
fn ledger_id(env: &TestEnv) -> LedgerId {
    let home = env.path().join("btt-home");
    let dirs = Dirs::resolve(|name| (name == "BTT_HOME").then(|| home.clone().into()));
    LocalLedger::open_in(&dirs, OpenOptions::default())
        .unwrap()
        .id()
}

fn stored_key(env: &TestEnv, digest: &str) -> ContentKey {
    let path = env
        .path()
        .join(format!("btt-home/listing-keys/{digest}.key"));
    fs::read_to_string(path).unwrap().parse().unwrap()
}

fn album(env: &TestEnv) -> PathBuf {
    let data = env.dir("data");
    make_tree(
        &data,
        &[
            ("album/cover.jpg", 300_000),
            ("album/disc 1/01.flac", 1_500_000),
            ("album/disc 1/notes/empty.txt", 0),
        ],
    );
    data.join("album")
}

#[test]
fn sell_writes_a_verifiable_listing_and_a_decryptable_file() {
    let env = seller_env();
    let content = album(&env);
    let listed: Listed = sell(&env, &content, &[]).ok().one_as();
    assert_eq!(
        (listed.kind.as_str(), listed.price.as_str()),
        ("listing", "10000000")
    );
    assert_eq!((listed.files, listed.size), (3, 1_800_000));
    let encrypted = env.path().join("data/album.age");
    let torrent = env.path().join("data/album.age.torrent");
    assert_eq!(listed.info_hash, support::info_hash(&torrent));
    assert_eq!(
        fs::metadata(&encrypted).unwrap().len(),
        listed.encrypted_size
    );
    assert!(listed.encrypted.ends_with("album.age"), "{listed:?}");
    assert!(listed.listing.ends_with("album.listing"), "{listed:?}");
    assert_eq!(listed.token, "btt");
    assert_eq!(listed.ledger, ledger_id(&env).to_string());

    let text = fs::read(env.path().join("album.listing")).unwrap();
    let listing = SignedListing::load(
        &text,
        &ListingDomain::Ledger(ledger_id(&env)),
        listed.expires - 1,
    )
    .unwrap();
    assert_eq!(hex::encode(listing.digest()), listed.digest);
    assert_eq!(listing.listing.seller.to_string(), listed.seller);
    let key = stored_key(&env, &listed.digest);
    assert!(key.matches(&listing.listing.key_commitment));

    let out = env.dir("out");
    decrypt_to(&encrypted, &key, &out).unwrap();
    assert_trees_equal(&content, &out.join("album"));
}

#[test]
fn a_single_file_sells_and_decrypts_byte_for_byte() {
    let env = seller_env();
    let data = env.dir("data");
    make_tree(&data, &[("talk.mp4", 2_345_678)]);
    let listed: Listed = sell(&env, &data.join("talk.mp4"), &[]).ok().one_as();
    assert_eq!((listed.name.as_str(), listed.files), ("talk.mp4", 1));
    let out = env.dir("out");
    let key = stored_key(&env, &listed.digest);
    decrypt_to(&data.join("talk.mp4.age"), &key, &out).unwrap();
    assert_eq!(
        fs::read(out.join("talk.mp4")).unwrap(),
        fs::read(data.join("talk.mp4")).unwrap()
    );
}

#[test]
fn sell_refuses_to_overwrite_without_force() {
    let env = seller_env();
    let content = album(&env);
    sell(&env, &content, &[]).ok();
    sell(&env, &content, &[]).refused(2, "exists; pass --force");
    sell(&env, &content, &["--force"]).ok();
}

/// The README's order: `create ./album` first, then `sell ./album` in the
/// same directory; the sale's torrent is named after `album.age`, so the
/// plaintext's `album.torrent` is neither refused nor touched.
#[test]
fn sell_after_create_in_the_same_directory_keeps_the_created_torrent() {
    let env = seller_env();
    album(&env);
    let mut create = env.btt("btt-seed");
    create
        .current_dir(env.path().join("data"))
        .args(["create", "./album"]);
    Run::of("btt-seed create", create, "").ok();
    let created = fs::read(env.path().join("data/album.torrent")).unwrap();
    let mut command = env.btt("btt-seed");
    command
        .current_dir(env.path().join("data"))
        .args(["sell", "./album", "--price", "10BTT", "--wallet", "carol"])
        .args(["-o", "album.listing", "--password-file", "../password"]);
    let listed: Listed = Run::of("btt-seed sell", command, "").ok().one_as();
    assert_eq!(listed.torrent, "./album.age.torrent");
    assert_eq!(
        fs::read(env.path().join("data/album.torrent")).unwrap(),
        created
    );
}

#[test]
fn a_tampered_listing_is_refused() {
    let env = seller_env();
    let content = album(&env);
    sell(&env, &content, &[]).ok();
    let text = fs::read_to_string(env.path().join("album.listing")).unwrap();
    let cheaper = text.replace(r#""price":"10000000""#, r#""price":"1""#);
    assert_ne!(cheaper, text);
    let error = SignedListing::load(
        cheaper.as_bytes(),
        &ListingDomain::Ledger(ledger_id(&env)),
        0,
    )
    .unwrap_err();
    assert!(
        matches!(error, ListingError::NotSignedBySeller { .. }),
        "{error}"
    );
    let elsewhere = SignedListing::load(
        text.as_bytes(),
        &ListingDomain::Ledger(LedgerId([9; 32])),
        0,
    )
    .unwrap_err();
    assert!(
        matches!(elsewhere, ListingError::OtherLedger { .. }),
        "{error}"
    );
}

#[test]
fn a_truncated_or_corrupted_file_writes_no_plain_files() {
    let env = seller_env();
    let content = album(&env);
    let listed: Listed = sell(&env, &content, &[]).ok().one_as();
    let key = stored_key(&env, &listed.digest);
    let bytes = fs::read(env.path().join("data/album.age")).unwrap();

    let truncated = env.path().join("truncated.age");
    fs::write(&truncated, &bytes[..bytes.len() - 1000]).unwrap();
    let mut corrupted_bytes = bytes.clone();
    corrupted_bytes[bytes.len() / 2] ^= 0x40;
    let corrupted = env.path().join("corrupted.age");
    fs::write(&corrupted, &corrupted_bytes).unwrap();

    for (file, expected) in [(&truncated, "truncated"), (&corrupted, "corrupted")] {
        let out = env.dir(format!("out-{expected}"));
        let error = decrypt_to(file, &key, &out).unwrap_err();
        assert!(
            matches!(
                error,
                ContentError::Truncated { .. } | ContentError::Corrupted { .. }
            ),
            "{error}"
        );
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!(
            fs::read_dir(&out).unwrap().count(),
            0,
            "{expected}: plain files left"
        );
        assert!(file.exists());
    }
}

#[test]
fn btt_seed_run_seeds_the_encrypted_file_to_a_plain_btt_get() {
    let env = seller_env();
    let content = album(&env);
    sell(&env, &content, &["--piece-length", "64KiB"]).ok();
    let data = env.path().join("data");
    let seeder = BttSeed::run(&env, &data.join("album.age.torrent"), &data);
    let out = env.dir("out");
    btt_get(
        &env,
        &data.join("album.age.torrent"),
        &out,
        &["--peer", &seeder.addr()],
    )
    .wait_success(DOWNLOAD);
    assert_eq!(
        fs::read(out.join("album.age")).unwrap(),
        fs::read(data.join("album.age")).unwrap()
    );
}
