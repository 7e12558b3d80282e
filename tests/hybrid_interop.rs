//! Hybrid (BEP 52 v1 + v2) torrents with BEP 47 pad files, made by
//! libtorrent (python3-libtorrent, `lt.create_torrent`; the version is in
//! each test's failure message): btt shows both info-hashes as libtorrent
//! computes them and marks the pad files, verifies data that has no pad
//! files on disk, downloads from libtorrent without writing pad files (from
//! the .torrent, and from v2 magnet links: `urn:btmh:` alone, whose swarm is
//! reached through the truncated v2 hash, and beside `urn:btih:`), and seeds
//! such data to libtorrent. `btt-seed create --hybrid` makes the torrent
//! libtorrent makes of the same files (both info-hashes equal), which
//! libtorrent downloads from btt-seed checking v1 and v2 hashes. Every swarm
//! is on 127.0.0.1 with btt's embedded tracker; every download is compared
//! byte for byte.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use btt::cli::magnet_metadata::MetadataReady;
use btt::cli::seed::Verified;
use btt::metainfo::TorrentSummary;
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(90);

/// 256 KiB pieces: the two 1-byte files get pad files of the same size
/// (`multi/.pad/262143`), the rest end mid-piece too.
const PIECE: u32 = 256 * 1024;

/// The content: two 1-byte files, an executable, a file of several pieces.
const HYBRID: &[(&str, u64)] = &[
    ("multi/a.txt", 1),
    ("multi/b.txt", 1),
    ("multi/bin/tool", 300_000),
    ("multi/big.bin", 1_000_003),
];

/// The executable file of [`HYBRID`].
const EXECUTABLE: &str = "multi/bin/tool";

/// A libtorrent-made hybrid torrent of [`HYBRID`] and its data directory.
struct Hybrid {
    env: TestEnv,
    /// The tracker in the torrent's announce URL.
    tracker: BttTracker,
    data: PathBuf,
    torrent: PathBuf,
    libtorrent: LtTorrent,
}

impl Hybrid {
    fn new() -> Hybrid {
        let env = TestEnv::new();
        let tracker = BttTracker::start(&env);
        let data = env.dir("data");
        make_tree(&data, HYBRID);
        set_executable(&data.join(EXECUTABLE));
        let torrent = env.path().join("hybrid.torrent");
        let libtorrent = Libtorrent::create_hybrid(
            &env,
            &data.join("multi"),
            &torrent,
            &tracker.announce,
            PIECE,
        );
        Hybrid {
            env,
            tracker,
            data,
            torrent,
            libtorrent,
        }
    }

    /// `btt-seed SUBCOMMAND TORRENT EXTRA...` run to completion.
    fn btt_seed(&self, subcommand: &str, extra: &[&str]) -> Child {
        let mut command = self.env.btt("btt-seed");
        command.arg(subcommand).arg(&self.torrent).args(extra);
        let mut child = self.env.spawn("btt-seed", command);
        child.wait_success(Duration::from_secs(60));
        child
    }
}

fn set_executable(path: &Path) {
    let mut permissions = std::fs::metadata(path).expect("stat").permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).expect("chmod");
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|metadata| metadata.permissions().mode() & 0o100 != 0)
        .unwrap_or(false)
}

#[test]
fn btt_seed_shows_libtorrents_info_hashes_and_marks_pad_files() {
    let hybrid = Hybrid::new();
    let libtorrent = &hybrid.libtorrent;
    let show = hybrid.btt_seed("show", &[]);
    let summary: TorrentSummary = last_record(&show, "torrent");
    assert_eq!(
        summary.info_hash.to_string(),
        libtorrent.v1.clone().unwrap_or_default(),
        "libtorrent {}",
        libtorrent.version
    );
    assert_eq!(
        summary.info_hash_v2.map(|hash| hash.to_string()),
        libtorrent.v2.clone()
    );
    let ours: Vec<(String, u64, String)> = summary
        .files
        .iter()
        .map(|file| (file.path.clone(), file.length, file.attr.clone()))
        .collect();
    let theirs: Vec<(String, u64, String)> = libtorrent
        .files
        .iter()
        .map(|file| {
            let attr = match (file.pad, file.executable) {
                (true, _) => "p",
                (false, true) => "x",
                (false, false) => "",
            };
            (file.path.clone(), file.size, attr.to_owned())
        })
        .collect();
    assert_eq!(ours, theirs);
    let size_of = |pad: bool| -> u64 {
        let files = libtorrent.files.iter().filter(|file| file.pad == pad);
        files.map(|file| file.size).sum()
    };
    assert_eq!(
        (summary.content_length, summary.padding_length),
        (size_of(false), size_of(true)),
        "the size leaves the pads out"
    );
    assert_eq!(summary.total_length, size_of(false) + size_of(true));
    let pads = theirs
        .iter()
        .filter(|(path, _, _)| path == "multi/.pad/262143");
    assert_eq!(pads.count(), 2, "the torrent has two pads of one size");
}

#[test]
fn btt_seed_verifies_hybrid_data_that_has_no_pad_files() {
    let hybrid = Hybrid::new();
    let data = hybrid.data.to_str().expect("utf-8 path");
    let verify = hybrid.btt_seed("verify", &["--data", data]);
    let verified: Verified = last_record(&verify, "verified");
    assert_eq!((verified.good, verified.bad), (verified.pieces, vec![]));
    assert!(!hybrid.data.join("multi/.pad").exists());
}

#[test]
fn btt_get_downloads_a_hybrid_from_libtorrent_without_pad_files() {
    let hybrid = Hybrid::new();
    let seeder = Libtorrent::seed(&hybrid.env, &hybrid.torrent, &hybrid.data);
    let out = hybrid.env.dir("out");
    let mut get = btt_get(
        &hybrid.env,
        &hybrid.torrent,
        &out,
        &["--peer", &seeder.addr()],
    );
    get.wait_success(DOWNLOAD);
    assert_trees_equal(&hybrid.data, &out);
    assert!(
        is_executable(&out.join(EXECUTABLE)),
        "BEP 47 x (libtorrent {})",
        hybrid.libtorrent.version
    );
    assert!(!is_executable(&out.join("multi/big.bin")));
}

#[test]
fn libtorrent_downloads_a_hybrid_from_btt_seed() {
    let hybrid = Hybrid::new();
    let seeder = BttSeed::run(&hybrid.env, &hybrid.torrent, &hybrid.data);
    let out = hybrid.env.dir("out");
    Libtorrent::leech(&hybrid.env, &hybrid.torrent, &out, &[&seeder.addr()]).finish(DOWNLOAD);
    assert_trees_equal(&hybrid.data, &out);
}

/// libtorrent seeds the hybrid; btt-get fetches `magnet` (with the
/// tracker and a hint at the seeder appended) and downloads it all.
fn btt_get_downloads_a_hybrid_magnet(magnet: impl Fn(&LtTorrent) -> String) {
    let hybrid = Hybrid::new();
    let seeder = Libtorrent::seed_with_metadata(&hybrid.env, &hybrid.torrent, &hybrid.data);
    let magnet = format!(
        "{}&tr={}&x.pe={}",
        magnet(&hybrid.libtorrent),
        hybrid.tracker.announce,
        seeder.addr()
    );
    let out = hybrid.env.dir("out");
    let mut command = hybrid.env.btt("btt-get");
    command.arg(&magnet).arg("-o").arg(&out);
    let mut get = hybrid.env.spawn("btt-get", command);
    get.wait_success(DOWNLOAD);
    let ready: Vec<MetadataReady> = records_of(&get, "metadata");
    assert_eq!(
        ready.last().map(|ready| ready.info_hash.clone()),
        hybrid.libtorrent.v1.clone(),
        "the v1 swarm (libtorrent {})",
        hybrid.libtorrent.version
    );
    assert_trees_equal(&hybrid.data, &out);
}

#[test]
fn btt_get_downloads_a_hybrid_from_a_v2_only_magnet() {
    btt_get_downloads_a_hybrid_magnet(|libtorrent| {
        format!(
            "magnet:?xt=urn:btmh:1220{}",
            libtorrent.v2.clone().unwrap_or_default()
        )
    });
}

#[test]
fn btt_get_downloads_a_hybrid_from_a_magnet_with_both_hashes() {
    btt_get_downloads_a_hybrid_magnet(|libtorrent| {
        format!(
            "magnet:?xt=urn:btih:{}&xt=urn:btmh:1220{}",
            libtorrent.v1.clone().unwrap_or_default(),
            libtorrent.v2.clone().unwrap_or_default()
        )
    });
}

/// Content shapes btt and libtorrent must lay out and hash alike: files
/// that end mid-piece (pads of one size twice), an executable, nested
/// directories, an empty file, a file of exactly one piece, a single file.
#[test]
fn btt_seed_create_hybrid_gives_the_info_hashes_libtorrent_gives_the_same_files() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, HYBRID);
    set_executable(&data.join(EXECUTABLE));
    make_tree(
        &data,
        &[
            ("nested/empty", 0),
            ("nested/a/b/c.bin", 70_000),
            ("nested/a/one-piece", 32_768),
            ("nested/z", 5),
            ("single.bin", 1_000_003),
        ],
    );
    let shapes = [
        ("multi", PIECE),
        ("nested", 32 * 1024),
        ("single.bin", 64 * 1024),
    ];
    for (content, piece) in shapes {
        let announce = "http://127.0.0.1:1/announce";
        let theirs_path = env.path().join("lt.torrent");
        let theirs =
            Libtorrent::create_hybrid(&env, &data.join(content), &theirs_path, announce, piece);
        let ours_path = btt_create(&env, &data.join(content), "--hybrid", announce, piece);
        let ours = Libtorrent::show(&env, &ours_path);
        assert!(
            theirs.v1.is_some() && theirs.v2.is_some(),
            "{content}: hybrid"
        );
        assert_eq!(
            (ours.v1, ours.v2),
            (theirs.v1, theirs.v2),
            "{content} (libtorrent {})",
            theirs.version
        );
    }
}

/// libtorrent checks the v2 piece layers and merkle roots of a hybrid as it
/// downloads; btt-seed seeds its own hybrid to it.
#[test]
fn libtorrent_downloads_a_btt_made_hybrid_from_btt_seed() {
    let env = TestEnv::new();
    let tracker = BttTracker::start(&env);
    let data = env.dir("data");
    make_tree(&data, HYBRID);
    let torrent = btt_create(
        &env,
        &data.join("multi"),
        "--hybrid",
        &tracker.announce,
        PIECE,
    );
    let seeder = BttSeed::run(&env, &torrent, &data);
    let out = env.dir("out");
    Libtorrent::leech(&env, &torrent, &out, &[&seeder.addr()]).finish(DOWNLOAD);
    assert_trees_equal(&data, &out);
}
