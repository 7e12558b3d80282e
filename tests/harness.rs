//! Tests of the test harness itself (`tests/support`): the pinned
//! environment, the process guard, test data, tree comparison, info-hashes,
//! and the client controllers against each other on 127.0.0.1 (no tracker
//! needed: libtorrent dials the seeder directly).

use crate::support;

use std::time::{Duration, Instant};
use support::*;

/// A tracker nobody listens on: peers are given by address in these tests.
const NO_TRACKER: &str = "http://127.0.0.1:9/announce";

fn shell(env: &TestEnv, script: &str) -> Child {
    let mut command = env.command("sh");
    command.args(["-c", script]);
    env.spawn("sh", command)
}

#[test]
fn children_get_the_pinned_environment_only() {
    std::env::set_var("BTT_LEAK", "leaked");
    let env = TestEnv::new();
    let mut child = shell(
        &env,
        "echo \"$HOME|$BTT_HOME|$NO_COLOR|$COLUMNS|${BTT_LEAK:-unset}\"",
    );
    child.wait_success(Duration::from_secs(10));
    let root = env.path().display().to_string();
    assert_eq!(
        child.stdout().trim(),
        format!("{root}/home|{root}/btt-home|1|100|unset")
    );
}

#[test]
fn json_lines_are_read_in_order_and_non_json_skipped() {
    let env = TestEnv::new();
    let mut child = shell(
        &env,
        r#"echo hello; echo '{"type":"listening","addr":"127.0.0.1:7"}'; echo '{"type":"summary","n":1}'"#,
    );
    let record = child.read_record(Duration::from_secs(10), "listening");
    assert_eq!(record["addr"], "127.0.0.1:7");
    let summary = child.read_json_line_until(Duration::from_secs(10), |v| v["n"] == 1);
    assert_eq!(summary["type"], "summary");
    child.wait_success(Duration::from_secs(10));
    assert_eq!(child.json_records().len(), 2);
    assert!(child.stdout().starts_with("hello\n"));
}

#[test]
#[should_panic(expected = "stdout closed")]
fn reading_past_the_end_of_stdout_panics_with_the_output() {
    let env = TestEnv::new();
    shell(&env, "echo not-json").read_record(Duration::from_secs(10), "listening");
}

#[test]
fn dropping_a_child_stops_it_by_pid() {
    let env = TestEnv::new();
    let mut child = shell(
        &env,
        "trap '' TERM; echo '{\"type\":\"up\"}'; exec sleep 100",
    );
    child.read_record(Duration::from_secs(10), "up");
    let proc_dir = format!("/proc/{}", child.pid());
    assert!(std::path::Path::new(&proc_dir).exists());
    drop(child);
    assert!(
        !std::path::Path::new(&proc_dir).exists(),
        "{proc_dir} still exists"
    );
}

#[test]
fn wait_timeout_returns_none_while_running_and_terminate_kills() {
    let env = TestEnv::new();
    let mut child = shell(
        &env,
        "trap '' TERM; echo '{\"type\":\"up\"}'; while :; do sleep 1; done",
    );
    child.read_record(Duration::from_secs(10), "up");
    assert!(child.wait_timeout(Duration::from_millis(200)).is_none());
    let start = Instant::now();
    assert!(child.terminate().is_some());
    assert!(child.killed_by(libc::SIGKILL));
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn trees_are_deterministic_and_differences_are_found() {
    let env = TestEnv::new();
    let (a, b) = (env.dir("a"), env.dir("b"));
    make_tree(&a, MULTI_FILE);
    make_tree(&b, MULTI_FILE);
    assert_trees_equal(&a, &b);
    assert_eq!(tree_size(MULTI_FILE), 3_762_165);
    assert_eq!(
        std::fs::metadata(a.join("album/02 empty.txt"))
            .unwrap()
            .len(),
        0
    );

    let outro = b.join("album/03 outro.flac");
    let mut bytes = std::fs::read(&outro).unwrap();
    bytes[2_000_000] ^= 1;
    std::fs::write(&outro, &bytes).unwrap();
    let difference = tree_diff(&a, &b).expect("a flipped bit is a difference");
    assert!(difference.contains("offset 2000000"), "{difference}");

    std::fs::remove_file(b.join("album/02 empty.txt")).unwrap();
    assert!(tree_diff(&a, &b).unwrap().contains("entries"));
}

#[test]
fn info_hash_agrees_with_transmission_show() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, MULTI_FILE);
    let torrent = mktorrent(
        &env,
        &data.join("album"),
        &env.path().join("a.torrent"),
        NO_TRACKER,
        16,
    );
    let mut show = env.command("transmission-show");
    show.arg(&torrent);
    let mut show = env.spawn("transmission-show", show);
    show.wait_success(Duration::from_secs(10));
    let hash = info_hash(&torrent);
    assert!(
        show.stdout().contains(&format!("Hash: {hash}")),
        "{hash}\n{}",
        show.stdout()
    );
}

#[test]
fn libtorrent_downloads_from_aria2() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, MULTI_FILE);
    let torrent = mktorrent(
        &env,
        &data.join("album"),
        &env.path().join("a.torrent"),
        NO_TRACKER,
        18,
    );
    let seeder = Aria2::seed(&env, &torrent, &data);
    let out = env.dir("out");
    Libtorrent::leech(&env, &torrent, &out, &[&seeder.addr()]).finish(Duration::from_secs(60));
    assert_trees_equal(&data, &out);
}

#[test]
fn libtorrent_downloads_from_transmission() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("one.bin", 3_000_001)]);
    let torrent = transmission_create(
        &env,
        &data.join("one.bin"),
        &env.path().join("t.torrent"),
        NO_TRACKER,
        256,
    );
    let seeder = Transmission::seed(&env, &torrent, &data);
    let out = env.dir("out");
    Libtorrent::leech(&env, &torrent, &out, &[&seeder.addr()]).finish(Duration::from_secs(60));
    assert_trees_equal(&data, &out);
}

#[test]
fn transmission_downloads_when_libtorrent_dials_it() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("one.bin", 2_000_000)]);
    let torrent = mktorrent(
        &env,
        &data.join("one.bin"),
        &env.path().join("a.torrent"),
        NO_TRACKER,
        18,
    );
    let mut seeder = Libtorrent::seed(&env, &torrent, &data);
    let out = env.dir("out");
    let mut leecher = Transmission::leech(&env, &torrent, &out);
    seeder
        .child
        .send_line(&format!("connect {}", leecher.addr()));
    leecher.finish(Duration::from_secs(60));
    assert_trees_equal(&data, &out);
}
