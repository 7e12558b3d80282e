//! btt's engine end to end on 127.0.0.1: `btt-seed` seeds, `btt-get`
//! downloads, and every download is compared byte for byte with its source.
//! Also: file selection, a small swarm, `verify`, the state lock, resume
//! after `kill -9` and after SIGTERM, the completion hook, `--seed-time`,
//! `--encryption`, the default stall timeout, what the summary's rate and
//! ratios count, and a dishonest peer that serves random bytes.
//!
//! Each btt process gets its own `BTT_HOME` ([`Home`]): the per-torrent lock
//! lives there, and a seeder and a leecher of one torrent are two owners.

use crate::support;

use btt::cli::seed::Verified;
use btt::output::ErrorRecord;
use btt::storage::ResumeState;
use btt::swarm::events::{Completed, PeerBanned, PieceFailed, Progress, Started, Summary};
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

/// The bound on one download, start-up included.
const DOWNLOAD: Duration = Duration::from_secs(60);

/// A single file of a few MiB that is not a whole number of pieces.
const SINGLE_FILE: &[(&str, u64)] = &[("single.bin", 3 * 1024 * 1024 + 12_345)];

/// Big enough that a rate-limited download is still running after the
/// engine's first resume save (15 s).
const RESUMABLE: &[(&str, u64)] = &[("resumable.bin", 8 * 1024 * 1024 + 777)];

/// The download rate that keeps [`RESUMABLE`] running for about 30 s.
const SLOW: &str = "256KiB";

/// Waits for a successful exit; the last record must be a complete summary.
fn finishes_complete(get: &mut Child) -> Summary {
    get.wait_success(DOWNLOAD);
    let summary: Summary = last_record(get, "summary");
    assert!(summary.complete, "{summary:?}\n{}", get.diagnostics());
    assert_eq!(summary.stopped_by, "complete");
    summary
}

fn started(get: &Child) -> Started {
    let mut started: Vec<Started> = records_of(get, "started");
    assert_eq!(started.len(), 1, "{}", get.diagnostics());
    started.remove(0)
}

/// Reads `progress` records until one shows a verified piece.
fn wait_for_a_piece(get: &mut Child) {
    get.read_json_line_until(DOWNLOAD, |record| {
        record["type"] == "progress" && typed::<Progress>(record).have_pieces > 0
    });
}

#[test]
fn single_file_via_the_embedded_tracker() {
    let (fixture, _tracker) = Fixture::with_tracker(SINGLE_FILE);
    let _seeder = fixture.seed("seeder", &[]);
    let (mut get, out) = fixture.get("leecher", &[]);
    let summary = finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert_eq!(summary.downloaded, tree_size(SINGLE_FILE));
    let completed: Vec<Completed> = records_of(&get, "completed");
    assert_eq!(completed.len(), 1, "{}", get.diagnostics());
}

#[test]
fn multi_file_via_the_embedded_tracker() {
    let (fixture, _tracker) = Fixture::with_tracker(MULTI_FILE);
    let _seeder = fixture.seed("seeder", &[]);
    let (mut get, out) = fixture.get("leecher", &[]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn multi_file_via_peer_without_tracker() {
    let fixture = Fixture::new(MULTI_FILE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let (mut get, out) = fixture.get("leecher", &["--peer", &seeder.addr(), "--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn single_file_via_peer_without_tracker() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let (mut get, out) = fixture.get("leecher", &["--peer", &seeder.addr(), "--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
}

/// `(btt-seed's, btt-get's)` `--encryption`: RC4 both ways; a preferring
/// dialler falling back to plain for a plain-only seeder; plain both ways.
const ENCRYPTION_PAIRS: [(&str, &str); 3] =
    [("require", "require"), ("off", "prefer"), ("off", "off")];

#[test]
fn every_compatible_pair_of_encryption_policies_downloads() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    for (seed_policy, get_policy) in ENCRYPTION_PAIRS {
        let name = format!("{seed_policy}-{get_policy}");
        let seed_args = ["--no-tracker", "--encryption", seed_policy];
        let seeder = fixture.seed(&format!("seeder-{name}"), &seed_args);
        let peer = seeder.addr();
        let args = ["--peer", &peer, "--no-tracker", "--encryption", get_policy];
        let (mut get, out) = fixture.get(&format!("leecher-{name}"), &args);
        finishes_complete(&mut get);
        assert_trees_equal(&fixture.data, &out);
    }
}

#[test]
fn select_downloads_the_selected_file_completely() {
    let fixture = Fixture::new(MULTI_FILE, &["--piece-length", "64KiB"]);
    let torrent = fixture.parsed();
    let wanted = "03 outro.flac";
    let position = torrent
        .info
        .files
        .iter()
        .position(|file| file.path.ends_with(wanted))
        .expect("the torrent lists the file");
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let select = (position + 1).to_string();
    let (mut get, out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &seeder.addr(),
            "--no-tracker",
            "--select",
            &select,
        ],
    );
    let summary = finishes_complete(&mut get);
    let relative = Path::new("album").join(wanted);
    let expected = std::fs::read(fixture.data.join(&relative)).expect("read source file");
    let actual = std::fs::read(out.join(&relative)).expect("read downloaded file");
    assert!(expected == actual, "{} differs", relative.display());
    assert!(
        summary.downloaded < tree_size(MULTI_FILE),
        "downloaded everything ({summary:?}) though one file was selected"
    );
}

#[test]
fn select_two_downloads_the_second_file_and_exits_0() {
    let fixture = Fixture::new(MULTI_FILE, &["--piece-length", "64KiB"]);
    let torrent = fixture.parsed();
    let second = torrent.info.files.get(1).expect("a second file");
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let (mut get, out) = fixture.get(
        "leecher",
        &["--peer", &seeder.addr(), "--no-tracker", "--select", "2"],
    );
    get.wait_success(Duration::from_secs(20));
    finishes_complete(&mut get);
    let relative = &second.path;
    let expected = std::fs::read(fixture.data.join(relative)).expect("read source file");
    let actual = std::fs::read(out.join(relative))
        .unwrap_or_else(|e| panic!("read downloaded {}: {e}", relative.display()));
    assert!(expected == actual, "{} differs", relative.display());
}

#[test]
fn btt_get_on_already_complete_data_exits_0_without_downloading() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let peer = ["--peer", &seeder.addr(), "--no-tracker"];
    let (mut first, out) = fixture.get("leecher", &peer);
    finishes_complete(&mut first);
    let (mut again, _) = fixture.get("leecher", &peer);
    again.wait_success(Duration::from_secs(20));
    let summary = finishes_complete(&mut again);
    let started = started(&again);
    assert_eq!(started.have_pieces, started.pieces, "{started:?}");
    assert_eq!(summary.downloaded, 0);
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn two_leechers_and_one_seeder_all_complete() {
    let (fixture, _tracker) = Fixture::with_tracker(MULTI_FILE);
    let _seeder = fixture.seed("seeder", &[]);
    let (mut first, first_out) = fixture.get("first", &[]);
    let (mut second, second_out) = fixture.get("second", &[]);
    finishes_complete(&mut first);
    finishes_complete(&mut second);
    assert_trees_equal(&fixture.data, &first_out);
    assert_trees_equal(&fixture.data, &second_out);
}

#[test]
fn verify_accepts_good_data_and_lists_a_corrupt_piece() {
    let fixture = Fixture::new(SINGLE_FILE, &["--piece-length", "64KiB"]);
    let run_verify = |fixture: &Fixture| {
        let mut command = fixture.env.btt("btt-seed");
        command
            .arg("verify")
            .arg(&fixture.torrent)
            .arg("--data")
            .arg(&fixture.data);
        let mut child = fixture.env.spawn("btt-seed verify", command);
        let code = exit_code(&mut child, Duration::from_secs(30));
        let verified: Verified = last_record(&child, "verified");
        (code, verified, child)
    };
    let (code, verified, child) = run_verify(&fixture);
    assert_eq!(code, 0, "{}", child.diagnostics());
    assert!(verified.bad.is_empty(), "{verified:?}");
    assert_eq!(verified.good, verified.pieces);
    assert_eq!(verified.pieces, fixture.parsed().info.pieces.len());

    let file = fixture.data.join("single.bin");
    let mut bytes = std::fs::read(&file).expect("read data");
    let offset = 3 * 64 * 1024 + 100;
    bytes[offset] ^= 0xff;
    std::fs::write(&file, bytes).expect("corrupt data");
    let (code, verified, child) = run_verify(&fixture);
    assert_eq!(code, 1, "{}", child.diagnostics());
    assert_eq!(verified.bad, vec![3]);
    assert_eq!(verified.good, verified.pieces - 1);
}

#[test]
fn a_second_seed_run_with_the_same_home_exits_locked() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let home = Home::new(&fixture.env, "shared");
    let mut first = seed_in(
        &fixture.env,
        &home,
        &fixture.torrent,
        &fixture.data,
        &["--no-tracker"],
    );
    // Wait until the first has taken the lock: it prints `started` after.
    first.child.read_record(Duration::from_secs(20), "started");
    let mut command = home.command(&fixture.env, "btt-seed");
    command
        .args(["run", "--no-dht"])
        .arg("--data")
        .arg(&fixture.data)
        .args(["--listen", "127.0.0.1:0", "--no-tracker"])
        .arg(&fixture.torrent);
    let mut second = fixture.env.spawn("second btt-seed run", command);
    assert_eq!(
        exit_code(&mut second, Duration::from_secs(20)),
        5,
        "{}",
        second.diagnostics()
    );
    let error: ErrorRecord = last_record(&second, "error");
    assert_eq!(error.code, "locked");
    assert!(
        second.stderr().starts_with("btt-seed: error: "),
        "{}",
        second.diagnostics()
    );
    assert!(first.child.try_wait().is_none(), "the first seeder stopped");
}

#[test]
fn resume_after_kill_9_does_not_fetch_verified_pieces_again() {
    let fixture = Fixture::new(RESUMABLE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let peer = ["--peer", &seeder.addr(), "--no-tracker"];
    let home = Home::new(&fixture.env, "leecher");
    let out = fixture.out("leecher");
    let mut slow_args = peer.to_vec();
    slow_args.extend(["--down-limit", SLOW]);
    let mut slow = get_in(&fixture.env, &home, &fixture.torrent, &out, &slow_args);
    wait_for_a_piece(&mut slow);
    let deadline = Instant::now() + Duration::from_secs(30);
    while home.resume_files().is_empty() {
        assert!(
            Instant::now() < deadline && slow.try_wait().is_none(),
            "no resume save within 30 s\n{}",
            slow.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    slow.signal(libc::SIGKILL);
    slow.wait_timeout(Duration::from_secs(5));
    assert!(slow.killed_by(libc::SIGKILL), "{}", slow.diagnostics());
    assert!(
        records_of::<Summary>(&slow, "summary").is_empty(),
        "finished before the kill: make the download slower\n{}",
        slow.diagnostics()
    );

    let torrent = fixture.parsed();
    let resume_file = home.resume_files().pop().expect("a resume file");
    let saved = ResumeState::load(
        &resume_file,
        &torrent.info_hash.0,
        torrent.info.pieces.len(),
    )
    .expect("the resume file loads after kill -9")
    .expect("the resume file exists");
    assert!(saved.have.count() > 0, "the resume save holds no piece");

    let mut again = get_in(&fixture.env, &home, &fixture.torrent, &out, &peer);
    let summary = finishes_complete(&mut again);
    let started = started(&again);
    assert!(started.have_pieces >= saved.have.count(), "{started:?}");
    assert!(started.left < started.total_length, "{started:?}");
    assert_eq!(
        summary.downloaded, started.left,
        "verified pieces were fetched again"
    );
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn sigterm_exits_130_with_a_summary_and_a_restart_resumes() {
    let fixture = Fixture::new(RESUMABLE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let peer = ["--peer", &seeder.addr(), "--no-tracker"];
    let home = Home::new(&fixture.env, "leecher");
    let out = fixture.out("leecher");
    let mut slow_args = peer.to_vec();
    slow_args.extend(["--down-limit", SLOW]);
    let mut slow = get_in(&fixture.env, &home, &fixture.torrent, &out, &slow_args);
    wait_for_a_piece(&mut slow);
    slow.signal(libc::SIGTERM);
    assert_eq!(
        exit_code(&mut slow, Duration::from_secs(10)),
        130,
        "{}",
        slow.diagnostics()
    );
    let summary: Summary = last_record(&slow, "summary");
    assert!(!summary.complete, "{summary:?}");
    assert_eq!(summary.stopped_by, "interrupted");

    let mut again = get_in(&fixture.env, &home, &fixture.torrent, &out, &peer);
    let summary = finishes_complete(&mut again);
    let started = started(&again);
    assert!(started.have_pieces > 0, "{started:?}");
    assert_eq!(
        summary.downloaded, started.left,
        "verified pieces were fetched again"
    );
    assert_trees_equal(&fixture.data, &out);
}

#[test]
fn on_complete_hook_gets_name_info_hash_and_path() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let written = fixture.env.path().join("hook.out");
    let hook = format!(
        "printf '%s\\n%s\\n%s\\n' \"$BTT_NAME\" \"$BTT_INFO_HASH\" \"$BTT_PATH\" > '{}'",
        written.display()
    );
    let (mut get, out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &seeder.addr(),
            "--no-tracker",
            "--on-complete",
            &hook,
        ],
    );
    finishes_complete(&mut get);
    let text = std::fs::read_to_string(&written).expect("the hook ran and wrote its file");
    let lines: Vec<&str> = text.lines().collect();
    let info_hash = fixture.parsed().info_hash.to_string();
    let path = out.join("single.bin").display().to_string();
    assert_eq!(lines, ["single.bin", info_hash.as_str(), path.as_str()]);
}

#[test]
fn seed_time_keeps_seeding_after_completion_then_exits_0() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let (mut get, _out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &seeder.addr(),
            "--no-tracker",
            "--seed-time",
            "3s",
        ],
    );
    let completed: Completed = typed(&get.read_record(DOWNLOAD, "completed"));
    let completed_at = Instant::now();
    get.wait_success(Duration::from_secs(15));
    let waited = completed_at.elapsed();
    assert!(
        waited <= Duration::from_secs(10),
        "exited {waited:?} after completing"
    );
    let summary: Summary = last_record(&get, "summary");
    assert!(summary.complete, "{summary:?}");
    let seeded = summary.seconds - completed.seconds;
    assert!(
        (3.0..8.0).contains(&seeded),
        "seeded {seeded:.2} s after completing\n{}",
        get.diagnostics()
    );
    assert_eq!(summary.stopped_by, "seed_time");
}

#[test]
fn the_summary_rates_the_download_over_its_own_time_and_a_ratio_over_its_run() {
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let mut seeder = fixture.seed("seeder", &["--no-tracker"]);
    let peer = seeder.addr();
    let flags = ["--peer", &peer, "--no-tracker", "--seed-time", "3s"];
    let (mut get, _out) = fixture.get("leecher", &flags);
    let completed: Completed = typed(&get.read_record(DOWNLOAD, "completed"));
    get.wait_success(Duration::from_secs(20));
    let summary: Summary = last_record(&get, "summary");
    let over_download = summary.downloaded as f64 / completed.seconds;
    let rate = summary.download_rate as f64;
    assert!(
        (0.8 * over_download..1.25 * over_download).contains(&rate),
        "download_rate {rate} is not downloaded over the {} s of the download\n{}",
        completed.seconds,
        get.diagnostics()
    );
    assert_eq!((summary.ratio, summary.lifetime_ratio), (0.0, 0.0));

    // The seeder served one copy in its first run, and none in its second.
    let first = stopped_seeder_summary(&mut seeder);
    assert!((0.99..1.01).contains(&first.ratio), "{first:?}");
    let mut again = fixture.seed("seeder", &["--no-tracker"]);
    let second = stopped_seeder_summary(&mut again);
    assert_eq!((second.uploaded, second.ratio), (0, 0.0), "{second:?}");
    assert!((0.99..1.01).contains(&second.lifetime_ratio), "{second:?}");
    assert_eq!(second.download_rate, 0);
}

/// The summary a seeder prints when it is stopped with SIGTERM.
fn stopped_seeder_summary(seeder: &mut Seeder) -> Summary {
    seeder.child.terminate();
    let summaries: Vec<Summary> = records_of(&seeder.child, "summary");
    summaries
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("no summary\n{}", seeder.child.diagnostics()))
}

#[test]
fn btt_get_gives_up_on_a_stalled_download_by_default_and_0_waits_forever() {
    let env = TestEnv::new();
    let mut command = env.btt("btt-get");
    command.arg("--help");
    let help = Run::of("btt-get --help", command, "");
    assert!(
        help.stdout.contains("[default: 10m]"),
        "no default stall timeout in --help\n{}",
        help.stdout
    );
    let fixture = Fixture::new(SINGLE_FILE, &[]);
    let (mut forever, _out) = fixture.get("forever", &["--no-tracker", "--stall-timeout", "0"]);
    let (mut soon, _out) = fixture.get("soon", &["--no-tracker", "--stall-timeout", "2s"]);
    assert_eq!(exit_code(&mut soon, Duration::from_secs(30)), 4);
    assert!(forever.try_wait().is_none(), "{}", forever.diagnostics());
}

#[test]
fn btt_get_takes_several_torrents_and_lines_of_them_on_standard_input() {
    let fixture = Fixture::new(&[("one.bin", 300_000), ("two.bin", 200_000)], &[]);
    let two = fixture.env.path().join("two.torrent");
    btt_seed_create(&fixture.env, &fixture.data.join("two.bin"), &two, &[]);
    let two = two.to_str().expect("UTF-8 path");
    let seeder = fixture.seed("seeder", &["--no-tracker", two]);
    let peer = seeder.addr();

    let (mut both, out) = fixture.get("both", &[two, "--peer", &peer, "--no-tracker"]);
    both.wait_success(DOWNLOAD);
    let summaries: Vec<Summary> = records_of(&both, "summary");
    let names: Vec<(&str, bool)> = summaries
        .iter()
        .map(|summary| (summary.name.as_str(), summary.complete))
        .collect();
    assert_eq!(names, [("one.bin", true), ("two.bin", true)]);
    assert_trees_equal(&fixture.data, &out);

    let magnet = format!(
        "magnet:?xt=urn:btih:{}&x.pe={peer}",
        fixture.info_hash_hex()
    );
    let home = Home::new(&fixture.env, "piped");
    let mut command = home.command(&fixture.env, "btt-get");
    let piped = fixture.out("piped");
    command.arg("-").arg("-o").arg(&piped).args([
        "--listen",
        "127.0.0.1:0",
        "--no-tracker",
        "--peer",
        &peer,
    ]);
    let input = format!("# to fetch\n{magnet}\n\n  {two}\n");
    let run = Run::of("btt-get -", command, &input).ok();
    let complete = run
        .records()
        .iter()
        .filter(|record| record["type"] == "summary" && record["complete"] == true)
        .count();
    assert_eq!(complete, 2, "{}", run.describe());
    assert_trees_equal(&fixture.data, &piped);

    // A torrent that fails does not stop the next; the run exits with its status.
    let out = fixture.out("one-bad");
    let home = Home::new(&fixture.env, "one-bad");
    let mut command = home.command(&fixture.env, "btt-get");
    command
        .args(["missing.torrent", two, "-o"])
        .arg(&out)
        .args(["--listen", "127.0.0.1:0", "--no-tracker", "--peer", &peer]);
    let run = Run::of("btt-get missing two", command, "");
    assert_eq!(run.code, 1, "{}", run.describe());
    let types: Vec<String> = run
        .records()
        .iter()
        .map(|record| record["type"].as_str().unwrap_or_default().to_owned())
        .filter(|kind| kind == "error" || kind == "summary")
        .collect();
    assert_eq!(types, ["error", "summary"], "{}", run.describe());
}

#[test]
fn max_connections_caps_peer_connections_across_every_torrent_of_a_seeder() {
    let fixture = Fixture::new(&[("a.bin", 768 * 1024), ("b.bin", 64 * 1024)], &[]);
    let small = fixture.env.path().join("b.torrent");
    let mut create = fixture.env.btt("btt-seed");
    create
        .arg("create")
        .arg(fixture.data.join("b.bin"))
        .arg("-o")
        .arg(&small);
    fixture
        .env
        .spawn("btt-seed create", create)
        .wait_success(Duration::from_secs(30));
    let home = Home::new(&fixture.env, "seeder");
    let small_arg = small.to_str().expect("a UTF-8 path");
    let extra = [
        "--no-tracker",
        "--max-connections",
        "1",
        "--up-limit",
        "128KiB",
        small_arg,
    ];
    let seeder = seed_in(&fixture.env, &home, &fixture.torrent, &fixture.data, &extra);
    let (mut big, _) = fixture.get("big", &["--peer", &seeder.addr(), "--no-tracker"]);
    big.read_json_line_until(Duration::from_secs(30), |record| {
        record["type"] == "progress" && record["downloaded"].as_u64() > Some(0)
    });
    // Alone, the small torrent would take half a second; with the only
    // connection slot taken, it must wait for the big download to end.
    let out = fixture.out("small");
    let small_home = Home::new(&fixture.env, "small");
    let extra = ["--peer", &seeder.addr(), "--no-tracker"];
    let mut small_get = get_in(&fixture.env, &small_home, &small, &out, &extra);
    finishes_complete(&mut big);
    let early: Vec<Completed> = records_of(&small_get, "completed");
    assert!(early.is_empty(), "{}", small_get.diagnostics());
    finishes_complete(&mut small_get);
}

#[test]
fn sigterm_sends_the_stopped_announce() {
    let (fixture, tracker) = Fixture::with_tracker(SINGLE_FILE);
    let info_hash = fixture.parsed().info_hash.0;
    let mut seeder = fixture.seed("seeder", &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while scrape(&tracker.announce, info_hash).seeders == 0 {
        assert!(Instant::now() < deadline, "{}", seeder.child.diagnostics());
        std::thread::sleep(Duration::from_millis(200));
    }
    seeder.child.terminate();
    // Peers the tracker was not told about expire only after two 5 s
    // intervals; a stopped announce removes the seeder at once.
    assert_eq!(
        scrape(&tracker.announce, info_hash).seeders,
        0,
        "{}",
        seeder.child.diagnostics()
    );
}

/// 64 one-block pieces: every piece comes from one peer, so a bad one has a culprit.
const SMALL_PIECES: &[&str] = &["--piece-length", "16KiB"];

#[test]
fn a_dishonest_peer_is_banned_and_the_download_completes_from_the_honest_one() {
    let fixture = Fixture::new(&[("honest.bin", 1024 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let dishonest = DishonestPeer::start(torrent.info_hash.0, torrent.info.pieces.len());
    // A slow honest seeder (about 4 s for the 1 MiB), so that the download
    // cannot finish before the dishonest peer is connected and asked.
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "256KiB"]);
    let (mut get, out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &seeder.addr(),
            "--peer",
            &dishonest.addr(),
            "--no-tracker",
        ],
    );
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert!(
        dishonest.blocks_served() > 0,
        "the dishonest peer was never asked"
    );
    let failed: Vec<PieceFailed> = records_of(&get, "piece_failed");
    assert!(!failed.is_empty(), "{}", get.diagnostics());
    let banned: Vec<PeerBanned> = records_of(&get, "peer_banned");
    assert!(
        banned.iter().any(|ban| ban.peer == dishonest.addr()),
        "{}",
        get.diagnostics()
    );
    assert!(
        banned.iter().all(|ban| ban.peer != seeder.addr()),
        "the honest seeder was banned\n{}",
        get.diagnostics()
    );
}

#[test]
fn only_a_dishonest_peer_gets_it_banned_and_exits_unreachable() {
    let fixture = Fixture::new(&[("honest.bin", 1024 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let dishonest = DishonestPeer::start(torrent.info_hash.0, torrent.info.pieces.len());
    let (mut get, _out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &dishonest.addr(),
            "--no-tracker",
            "--stall-timeout",
            "10s",
        ],
    );
    assert_eq!(
        exit_code(&mut get, Duration::from_secs(40)),
        4,
        "{}",
        get.diagnostics()
    );
    let banned: Vec<PeerBanned> = records_of(&get, "peer_banned");
    assert!(
        banned.iter().any(|ban| ban.peer == dishonest.addr()),
        "{}",
        get.diagnostics()
    );
    let error: ErrorRecord = last_record(&get, "error");
    assert_eq!(error.code, "unreachable");
    let stderr = get.stderr();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("btt-get: error: ")),
        "{stderr}"
    );
}

#[test]
fn a_download_completes_from_a_peer_that_only_allows_fast_pieces() {
    let fixture = Fixture::new(&[("choked.bin", 160 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let piece_count = torrent.info.pieces.len() as u32;
    let bytes = std::fs::read(fixture.data.join("choked.bin")).expect("read the content");
    let choking = ChokingSeeder::start(SeededContent {
        info_hash: torrent.info_hash.0,
        bytes: bytes.into(),
        piece_length: torrent.info.piece_length,
        allowed: (0..piece_count).collect(),
    });
    let (mut get, out) = fixture.get("leecher", &["--peer", &choking.addr(), "--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert_eq!(choking.blocks_served(), u64::from(piece_count));
}

#[test]
fn requests_in_flight_grow_past_32_at_a_peer_that_answers_in_half_second_pulses() {
    let fixture = Fixture::new(&[("pulsed.bin", 8 * 1024 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let bytes = std::fs::read(fixture.data.join("pulsed.bin")).expect("read the content");
    let pulsed = PulsedSeeder::start(SeededContent {
        info_hash: torrent.info_hash.0,
        bytes: bytes.into(),
        piece_length: torrent.info.piece_length,
        allowed: Vec::new(),
    });
    let (mut get, out) = fixture.get("leecher", &["--peer", &pulsed.addr(), "--no-tracker"]);
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    // 32 a pulse is 1 MiB/s, and half a second of that is 32 again: only
    // growing with the answers gets past it.
    assert!(
        pulsed.most_outstanding() >= 128,
        "{}",
        pulsed.most_outstanding()
    );
}

#[test]
fn a_choked_peer_gets_its_allowed_fast_pieces_and_nothing_else() {
    let fixture = Fixture::new(&[("served.bin", 1024 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let seeder = fixture.seed("seeder", &["--no-tracker"]);
    let probe = probe_allowed_fast(
        &seeder.addr(),
        torrent.info_hash.0,
        torrent.info.pieces.len() as u32,
    );
    assert!(
        !probe.unchoked,
        "an uninterested peer was unchoked: {probe:?}"
    );
    assert_eq!(probe.allowed.len(), 10, "{probe:?}");
    let first = *probe.allowed.first().expect("an allowed piece") as usize;
    let content = std::fs::read(fixture.data.join("served.bin")).expect("read the content");
    let offset = first * torrent.info.piece_length as usize;
    assert_eq!(
        probe.allowed_block.as_deref(),
        Some(&content[offset..offset + 16 * 1024]),
        "the allowed piece was not served"
    );
    assert!(probe.outside_rejected, "{probe:?}");
}

/// A peer that breaks the protocol as `behaviour` says, beside an honest
/// seeder: btt-get drops it, never panics, and completes from the seeder.
fn a_protocol_breaking_peer_is_dropped(behaviour: Behaviour) {
    let fixture = Fixture::new(&[("honest.bin", 1024 * 1024)], SMALL_PIECES);
    let torrent = fixture.parsed();
    let liar = DishonestPeer::start_with(torrent.info_hash.0, torrent.info.pieces.len(), behaviour);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "256KiB"]);
    let (mut get, out) = fixture.get(
        "leecher",
        &[
            "--peer",
            &liar.addr(),
            "--peer",
            &seeder.addr(),
            "--no-tracker",
        ],
    );
    finishes_complete(&mut get);
    assert_trees_equal(&fixture.data, &out);
    assert!(
        liar.connections() > 0,
        "never connected\n{}",
        get.diagnostics()
    );
    assert_eq!(
        liar.blocks_served(),
        0,
        "{behaviour:?}: its blocks were used"
    );
    assert!(!get.stderr().contains("panicked"), "{}", get.diagnostics());
}

#[test]
fn a_peer_sending_an_oversized_message_is_dropped() {
    a_protocol_breaking_peer_is_dropped(Behaviour::OversizedMessage);
}

#[test]
fn a_peer_sending_a_bitfield_of_the_wrong_length_is_dropped() {
    a_protocol_breaking_peer_is_dropped(Behaviour::WrongLengthBitfield);
}

/// The rate limit of the limit tests, and as bytes per second.
const LIMIT: &str = "1MiB";
const LIMIT_BYTES: f64 = 1024.0 * 1024.0;

/// Ten seconds of data at [`LIMIT`].
const TEN_SECONDS_AT_THE_LIMIT: &[(&str, u64)] = &[("limited.bin", 10 * 1024 * 1024)];

/// Downloads the fixture from a seeder run with `seed_args` by a btt-get run
/// with `get_args`, and checks that it went no faster than [`LIMIT`] and 3%.
/// The time runs from before btt-get starts to its exit, so the transfer lies
/// inside it and the bound holds however slow the machine is; a bucket that
/// starts with a second of tokens breaks it (10 MiB in 9 s).
fn a_download_keeps_to_the_limit(seed_args: &[&str], get_args: &[&str]) {
    let fixture = Fixture::new(TEN_SECONDS_AT_THE_LIMIT, &[]);
    let mut seed_args = seed_args.to_vec();
    seed_args.push("--no-tracker");
    let seeder = fixture.seed("seeder", &seed_args);
    let addr = seeder.addr();
    let mut get_args = get_args.to_vec();
    get_args.extend(["--peer", &addr, "--no-tracker"]);
    let start = Instant::now();
    let (mut get, out) = fixture.get("leecher", &get_args);
    let summary = finishes_complete(&mut get);
    let seconds = start.elapsed().as_secs_f64();
    assert_trees_equal(&fixture.data, &out);
    let rate = summary.downloaded as f64 / seconds;
    assert!(
        rate <= LIMIT_BYTES * 1.03,
        "{} B in {seconds:.2} s: {:.3} of the limit\n{}",
        summary.downloaded,
        rate / LIMIT_BYTES,
        get.diagnostics()
    );
}

#[test]
fn an_upload_limit_holds_from_the_first_second() {
    a_download_keeps_to_the_limit(&["--up-limit", LIMIT], &[]);
}

#[test]
fn a_download_limit_holds_from_the_first_second() {
    a_download_keeps_to_the_limit(&[], &["--down-limit", LIMIT]);
}
