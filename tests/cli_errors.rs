//! Bad input to `btt-get` and `btt-seed`: one clear line on stderr
//! (`PROGRAM: error: ...`), an `error` record on stdout (a pipe here), the
//! documented exit status, and nothing written anywhere. The torrents are
//! hand-made with `btt::bencode::Bencode` or raw bytes.
//!
//! Also: `btt-get -` reads the torrent from standard input.

use crate::support;

use btt::bencode::Bencode;
use btt::output::ErrorRecord;
use btt::swarm::events::Summary;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use support::*;

/// How long a command that fails on its input may take.
const QUICK: Duration = Duration::from_secs(20);

/// The entries of a dictionary being built, in any order.
type Entries = Vec<(&'static str, Bencode)>;

fn dict(entries: Entries) -> Bencode {
    Bencode::Dict(
        entries
            .into_iter()
            .map(|(key, value)| (key.as_bytes().to_vec(), value))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A multi-file info dictionary with `files` (path components, length),
/// `piece_length` and one 20-byte hash per piece of the total.
fn multi_file_info(files: &[(&[&str], i64)], piece_length: i64) -> Entries {
    let total: i64 = files.iter().map(|(_, length)| length).sum();
    let pieces = (total + piece_length.max(1) - 1) / piece_length.max(1);
    let files = files
        .iter()
        .map(|(path, length)| {
            dict(vec![
                ("length", Bencode::Int(*length)),
                (
                    "path",
                    Bencode::List(path.iter().map(|part| Bencode::text(part)).collect()),
                ),
            ])
        })
        .collect();
    vec![
        ("name", Bencode::text("x")),
        ("piece length", Bencode::Int(piece_length)),
        ("pieces", Bencode::Bytes(vec![7u8; 20 * pieces as usize])),
        ("files", Bencode::List(files)),
    ]
}

/// A torrent file's bytes around `info` (no tracker).
fn torrent_bytes(info: Option<Entries>) -> Vec<u8> {
    let mut root = vec![("comment", Bencode::text("hand-made"))];
    if let Some(info) = info {
        root.push(("info", dict(info)));
    }
    dict(root).encode()
}

/// A well-formed two-file torrent.
fn good_torrent() -> Vec<u8> {
    torrent_bytes(Some(multi_file_info(
        &[(&["a.bin"], 40_000), (&["b.bin"], 3)],
        16_384,
    )))
}

/// The malformed torrents every command must refuse with status 3.
fn bad_torrents() -> Vec<(&'static str, Vec<u8>)> {
    let good = good_torrent();
    let with_info = |change: &dyn Fn(&mut Entries)| {
        let mut info = multi_file_info(&[(&["a.bin"], 40_000)], 16_384);
        change(&mut info);
        torrent_bytes(Some(info))
    };
    let set = |key: &'static str, value: Bencode| {
        move |info: &mut Entries| {
            info.retain(|(k, _)| *k != key);
            info.push((key, value.clone()));
        }
    };
    vec![
        ("malformed bencode", b"d4:infod4:name1:xe5:oops".to_vec()),
        ("not bencode at all", b"<html>404</html>".to_vec()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("missing info", torrent_bytes(None)),
        (
            "pieces not a multiple of 20",
            with_info(&set("pieces", Bencode::Bytes(vec![7u8; 59]))),
        ),
        (
            "piece length 0",
            with_info(&set("piece length", Bencode::Int(0))),
        ),
        (
            "a path with ..",
            torrent_bytes(Some(multi_file_info(
                &[(&["..", "escaped.txt"], 5), (&["ok.txt"], 5)],
                16_384,
            ))),
        ),
        (
            "an absolute path",
            torrent_bytes(Some(multi_file_info(
                &[(&["/tmp", "escaped.txt"], 5), (&["ok.txt"], 5)],
                16_384,
            ))),
        ),
        (
            "a path component with a slash",
            torrent_bytes(Some(multi_file_info(
                &[(&["a/../../escaped.txt"], 5), (&["ok.txt"], 5)],
                16_384,
            ))),
        ),
        (
            "an empty path component",
            torrent_bytes(Some(multi_file_info(
                &[(&["", "empty.txt"], 5), (&["ok.txt"], 5)],
                16_384,
            ))),
        ),
        (
            "a NUL byte in a path",
            torrent_bytes(Some(multi_file_info(
                &[(&["nul\0.txt"], 5), (&["ok.txt"], 5)],
                16_384,
            ))),
        ),
        (
            "a negative file length",
            torrent_bytes(Some(multi_file_info(
                &[(&["a.bin"], -5), (&["ok.txt"], 16_389)],
                16_384,
            ))),
        ),
        (
            "fewer piece hashes than the files need",
            with_info(&set("pieces", Bencode::Bytes(vec![7u8; 20]))),
        ),
        ("a v2-only torrent", v2_only_torrent()),
        (
            "an unknown meta version",
            with_info(&set("meta version", Bencode::Int(3))),
        ),
        (
            "a symlink that holds bytes",
            with_info(&|info| {
                let link = dict(vec![
                    ("attr", Bencode::text("l")),
                    ("length", Bencode::Int(5)),
                    ("path", Bencode::List(vec![Bencode::text("link")])),
                    ("symlink path", Bencode::List(vec![Bencode::text("a.bin")])),
                ]);
                info.retain(|(k, _)| *k != "files");
                info.push(("files", Bencode::List(vec![link])));
            }),
        ),
        (
            "a single-file name of ..",
            with_info(&|info| {
                info.retain(|(k, _)| *k != "files" && *k != "name");
                info.push(("name", Bencode::text("..")));
                info.push(("length", Bencode::Int(40_000)));
            }),
        ),
    ]
}

/// A BEP 52 torrent with only v2 info keys: `meta version` 2 and a `file tree`,
/// no `pieces`, and no top-level `piece layers` (which BEP 52 requires).
fn v2_only_torrent() -> Vec<u8> {
    let leaf = dict(vec![
        ("length", Bencode::Int(5)),
        ("pieces root", Bencode::Bytes(vec![7u8; 32])),
    ]);
    let file_tree = dict(vec![("a.bin", dict(vec![("", leaf)]))]);
    torrent_bytes(Some(vec![
        ("name", Bencode::text("a.bin")),
        ("piece length", Bencode::Int(16_384)),
        ("meta version", Bencode::Int(2)),
        ("file tree", file_tree),
    ]))
}

#[test]
fn a_v2_only_torrent_without_its_piece_layers_is_refused() {
    let env = TestEnv::new();
    let torrent = env.path().join("v2.torrent");
    std::fs::write(&torrent, v2_only_torrent()).expect("write torrent");
    let (code, child) = run(&env, "btt-seed", &["show".as_ref(), torrent.as_os_str()]);
    assert_eq!(code, 3, "{}", child.diagnostics());
    let error = assert_one_error(&child, "btt-seed", "bad_input");
    assert!(
        error.message.contains("missing key \"piece layers\""),
        "{error:?}"
    );
}

/// Every path under `root`, relative, for "nothing was written" checks.
fn snapshot(root: &Path) -> BTreeSet<PathBuf> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            seen.insert(path.strip_prefix(root).expect("under root").to_path_buf());
        }
    }
    seen
}

/// Runs `program ARGS...` and returns its exit code and the finished child.
fn run(env: &TestEnv, program: &str, args: &[&std::ffi::OsStr]) -> (i32, Child) {
    let mut command = env.btt(program);
    command.args(args);
    let mut child = env.spawn(program, command);
    let code = exit_code(&mut child, QUICK);
    (code, child)
}

/// One `PROGRAM: error: ...` line on stderr, and an `error` record with
/// `code` as the last line of stdout.
fn assert_one_error(child: &Child, program: &str, code: &str) -> ErrorRecord {
    let stderr = child.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", child.diagnostics());
    assert!(
        lines[0].starts_with(&format!("{program}: error: ")),
        "{}",
        child.diagnostics()
    );
    assert!(!stderr.contains("panicked"), "{}", child.diagnostics());
    let error: ErrorRecord = last_record(child, "error");
    assert_eq!(error.code, code, "{}", child.diagnostics());
    assert!(
        lines[0].ends_with(&error.message),
        "stderr and the error record disagree\n{}",
        child.diagnostics()
    );
    error
}

#[test]
fn malformed_torrents_are_bad_input_to_btt_get_and_write_nothing() {
    for (what, bytes) in bad_torrents() {
        let env = TestEnv::new();
        let torrent = env.path().join("bad.torrent");
        std::fs::write(&torrent, &bytes).expect("write torrent");
        let out = env.path().join("out");
        let before = snapshot(env.path());
        let (code, child) = run(
            &env,
            "btt-get",
            &[
                torrent.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
                "--listen".as_ref(),
                "127.0.0.1:0".as_ref(),
                "--no-tracker".as_ref(),
            ],
        );
        assert_eq!(code, 3, "{what}\n{}", child.diagnostics());
        let error = assert_one_error(&child, "btt-get", "bad_input");
        assert!(error.message.contains("bad.torrent"), "{what}: {error:?}");
        assert_eq!(
            snapshot(env.path()),
            before,
            "{what}: btt-get wrote something"
        );
    }
}

#[test]
fn malformed_torrents_are_bad_input_to_btt_seed_show_verify_and_run() {
    for (what, bytes) in bad_torrents() {
        let env = TestEnv::new();
        let torrent = env.path().join("bad.torrent");
        std::fs::write(&torrent, &bytes).expect("write torrent");
        let data = env.dir("data");
        let before = snapshot(env.path());
        for args in [
            vec!["show".as_ref(), torrent.as_os_str()],
            vec![
                "verify".as_ref(),
                torrent.as_os_str(),
                "--data".as_ref(),
                data.as_os_str(),
            ],
            vec![
                "run".as_ref(),
                "--no-dht".as_ref(),
                "--data".as_ref(),
                data.as_os_str(),
                "--listen".as_ref(),
                "127.0.0.1:0".as_ref(),
                "--no-tracker".as_ref(),
                torrent.as_os_str(),
            ],
        ] {
            let (code, child) = run(&env, "btt-seed", &args);
            assert_eq!(code, 3, "{what}: {args:?}\n{}", child.diagnostics());
            assert_one_error(&child, "btt-seed", "bad_input");
        }
        assert_eq!(
            snapshot(env.path()),
            before,
            "{what}: btt-seed wrote something"
        );
    }
}

#[test]
fn a_nonexistent_torrent_is_a_failure() {
    let env = TestEnv::new();
    let missing = env.path().join("missing.torrent");
    let out = env.path().join("out");
    let (code, child) = run(
        &env,
        "btt-get",
        &[missing.as_os_str(), "-o".as_ref(), out.as_os_str()],
    );
    assert_eq!(code, 1, "{}", child.diagnostics());
    let error = assert_one_error(&child, "btt-get", "failure");
    assert!(error.message.contains("missing.torrent"), "{error:?}");
    assert!(!out.exists());
}

#[test]
fn select_zero_is_a_usage_error() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let out = env.path().join("out");
    let (code, child) = run(
        &env,
        "btt-get",
        &[
            torrent.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--select".as_ref(),
            "0".as_ref(),
        ],
    );
    assert_eq!(code, 2, "{}", child.diagnostics());
    assert!(
        child.stderr().contains("--select"),
        "{}",
        child.diagnostics()
    );
    assert!(!out.exists());
}

#[test]
fn select_zero_gets_one_error_line_and_an_error_record() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let (code, child) = run(
        &env,
        "btt-get",
        &[torrent.as_os_str(), "--select".as_ref(), "0".as_ref()],
    );
    assert_eq!(code, 2, "{}", child.diagnostics());
    assert_one_error(&child, "btt-get", "usage");
}

#[test]
fn select_beyond_the_last_file_is_a_usage_error() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let out = env.path().join("out");
    let (code, child) = run(
        &env,
        "btt-get",
        &[
            torrent.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--no-tracker".as_ref(),
            "--select".as_ref(),
            "99".as_ref(),
        ],
    );
    assert_eq!(code, 2, "{}", child.diagnostics());
    assert_one_error(&child, "btt-get", "usage");
    let written: Vec<_> = std::fs::read_dir(&out)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "files created: {written:?}");
}

#[test]
fn creating_a_torrent_of_an_empty_directory_is_bad_input() {
    let env = TestEnv::new();
    let empty = env.dir("empty");
    let out = env.path().join("empty.torrent");
    let (code, child) = run(
        &env,
        "btt-seed",
        &[
            "create".as_ref(),
            empty.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
    );
    assert_eq!(code, 3, "{}", child.diagnostics());
    assert_one_error(&child, "btt-seed", "bad_input");
    assert!(!out.exists());
}

#[test]
fn a_hybrid_or_v2_torrent_with_a_piece_length_v2_cannot_take_is_bad_input() {
    let env = TestEnv::new();
    let content = env.path().join("file.bin");
    std::fs::write(&content, [7u8; 100_000]).expect("write");
    let out = env.path().join("file.torrent");
    let cases = [
        ("--hybrid", "20KiB"),
        ("--hybrid", "8KiB"),
        ("--v2", "48KiB"),
    ];
    for (version, piece) in cases {
        let (code, child) = run(
            &env,
            "btt-seed",
            &[
                "create".as_ref(),
                content.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
                version.as_ref(),
                "--piece-length".as_ref(),
                piece.as_ref(),
            ],
        );
        assert_eq!(code, 3, "{}", child.diagnostics());
        assert_one_error(&child, "btt-seed", "bad_input");
        assert!(
            child.stderr().contains("power of two"),
            "{}",
            child.diagnostics()
        );
        assert!(!out.exists());
    }
}

#[test]
fn creating_onto_an_existing_file_needs_force() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("content.bin", 100_000)]);
    let out = env.path().join("existing.torrent");
    std::fs::write(&out, b"keep me").expect("write existing file");
    let content = data.join("content.bin");
    let create = |extra: &[&str]| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "create".as_ref(),
            content.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(|arg| -> &std::ffi::OsStr { arg.as_ref() }));
        run(&env, "btt-seed", &args)
    };
    let (code, child) = create(&[]);
    assert_eq!(code, 2, "{}", child.diagnostics());
    assert_one_error(&child, "btt-seed", "usage");
    assert_eq!(std::fs::read(&out).expect("read"), b"keep me");
    let (code, child) = create(&["--force"]);
    assert_eq!(code, 0, "{}", child.diagnostics());
    assert_ne!(std::fs::read(&out).expect("read"), b"keep me");
}

/// The README's `create` lines, as written, one after another in one
/// directory; a `create` that would reuse a name is refused with the way
/// out (`-o`), and leaves the first torrent as it was.
#[test]
fn the_readme_create_lines_run_in_one_directory() {
    let env = TestEnv::new();
    make_tree(
        env.path(),
        &[("album/a.flac", 100_000), ("album/b.flac", 30_000)],
    );
    let readme = [
        "create ./album -o album.torrent --announce http://127.0.0.1:6969/announce",
        "create ./album --hybrid -o hybrid.torrent",
        "create ./album --v2 -o v2.torrent",
        "show album.torrent",
        "show hybrid.torrent",
        "show v2.torrent",
        "verify album.torrent --data .",
    ];
    for line in readme {
        let args: Vec<&std::ffi::OsStr> = line.split(' ').map(|arg| arg.as_ref()).collect();
        let (code, child) = run(&env, "btt-seed", &args);
        assert_eq!(code, 0, "{line}: {}", child.diagnostics());
    }
    let first = std::fs::read(env.path().join("album.torrent")).expect("read");
    let again: Vec<&std::ffi::OsStr> = vec!["create".as_ref(), "./album".as_ref()];
    let (code, child) = run(&env, "btt-seed", &again);
    assert_eq!(code, 2, "{}", child.diagnostics());
    let error = assert_one_error(&child, "btt-seed", "usage");
    assert!(
        error
            .message
            .contains("album.torrent exists; name another file with -o"),
        "{}",
        error.message
    );
    assert_eq!(
        std::fs::read(env.path().join("album.torrent")).expect("read"),
        first
    );
}

#[test]
fn a_web_seed_that_is_not_an_http_url_is_a_usage_error_and_writes_nothing() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("content.bin", 100_000)]);
    let content = data.join("content.bin");
    let out = env.path().join("seeded.torrent");
    for (url, named) in [
        ("ftp://127.0.0.1/content.bin", "not http or https"),
        ("127.0.0.1/content.bin", "invalid web seed URL"),
    ] {
        let before = snapshot(env.path());
        let args: [&std::ffi::OsStr; 6] = [
            "create".as_ref(),
            content.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--web-seed".as_ref(),
            url.as_ref(),
        ];
        let (code, child) = run(&env, "btt-seed", &args);
        assert_eq!(code, 2, "{url}\n{}", child.diagnostics());
        let error = assert_one_error(&child, "btt-seed", "usage");
        assert!(
            error.message.contains(named),
            "{url}\n{}",
            child.diagnostics()
        );
        assert!(
            error.message.contains(url),
            "{url}\n{}",
            child.diagnostics()
        );
        assert_eq!(snapshot(env.path()), before, "nothing written for {url}");
    }
}

#[test]
fn btt_get_reads_the_torrent_from_standard_input() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, MULTI_FILE);
    let torrent = env.path().join("x.torrent");
    let mut create = env.btt("btt-seed");
    create
        .arg("create")
        .arg(data.join("album"))
        .arg("-o")
        .arg(&torrent);
    env.spawn("btt-seed create", create)
        .wait_success(Duration::from_secs(30));
    let seeder = seed_in(
        &env,
        &Home::new(&env, "seeder"),
        &torrent,
        &data,
        &["--no-tracker"],
    );
    let out = env.path().join("out");
    let mut command = Home::new(&env, "leecher").command(&env, "btt-get");
    command
        .arg("-")
        .arg("-o")
        .arg(&out)
        .args(["--listen", "127.0.0.1:0", "--no-tracker", "--peer"])
        .arg(seeder.addr());
    let stdin = std::fs::File::open(&torrent).expect("open torrent");
    let mut get = Child::spawn_with_input("btt-get -", command, Stdio::from(stdin));
    get.wait_success(Duration::from_secs(60));
    let summary: Summary = last_record(&get, "summary");
    assert!(summary.complete, "{summary:?}");
    assert_trees_equal(&data, &out);
}

/// Market flags a user can get wrong: each is one usage line naming the
/// flag (exit 2), before anything is written or any wallet is opened.
#[test]
fn bad_market_flags_are_one_usage_line_each() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let cases: [(&str, &[&str], &str); 10] = [
        (
            "btt-get",
            &["--bid", "0.01BTT", "--budget", "1BTT", "--wallet", "a"],
            "per MiB",
        ),
        (
            "btt-get",
            &["--bid", "0.01BTT/MiB", "--budget", "1TRX", "--wallet", "a"],
            "paid in BTT",
        ),
        (
            "btt-get",
            &["--bid", "0.01BTT/MiB", "--wallet", "a"],
            "--budget",
        ),
        ("btt-get", &["--budget", "1BTT"], "--bid"),
        ("btt-seed", &["run", "--ask", "0.01BTT/MiB"], "--wallet"),
        (
            "btt-seed",
            &[
                "run",
                "--wallet",
                "c",
                "--ask",
                "1BTT/MiB",
                "--free-share",
                "120",
            ],
            "--free-share",
        ),
        (
            "btt-seed",
            &[
                "run",
                "--wallet",
                "c",
                "--ask",
                "1BTT/MiB",
                "--redeem-every",
                "100ms",
            ],
            "once a second",
        ),
        (
            "btt-seed",
            &[
                "run",
                "--wallet",
                "c",
                "--sell",
                "album.listing",
                "--deliver-every",
                "100ms",
            ],
            "once a second",
        ),
        ("btt-seed", &["run", "--sell", "album.listing"], "--wallet"),
        (
            "btt-tip",
            &["buy", "--from", "a", "--deadline", "soon"],
            "--deadline",
        ),
    ];
    assert_usage_errors(&env, &torrent, &cases);
}

/// Each `(program, flags, named)` run on `torrent` exits 2 with one usage
/// error whose message contains `named`, and writes nothing.
fn assert_usage_errors(env: &TestEnv, torrent: &Path, cases: &[(&str, &[&str], &str)]) {
    let before = snapshot(env.path());
    for (program, flags, named) in cases {
        let mut args: Vec<&std::ffi::OsStr> = flags.iter().map(|flag| flag.as_ref()).collect();
        args.push(torrent.as_os_str());
        let (code, child) = run(env, program, &args);
        assert_eq!(code, 2, "{flags:?}\n{}", child.diagnostics());
        let error = assert_one_error(&child, program, "usage");
        assert!(
            error.message.contains(named),
            "{flags:?}\n{}",
            child.diagnostics()
        );
    }
    assert_eq!(snapshot(env.path()), before, "nothing written");
}

/// An IPv6 address without its brackets or its port, as `--peer` or
/// `--listen`: one usage line that shows the bracketed form (exit 2).
#[test]
fn ipv6_addresses_without_brackets_or_port_are_one_usage_line_each() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let brackets = "in brackets with a port, as [::1]:6881";
    let cases: [(&str, &[&str], &str); 4] = [
        ("btt-get", &["--peer", "[::1"], brackets),
        ("btt-get", &["--peer", "::1:80"], brackets),
        ("btt-get", &["--listen", "[::1]"], brackets),
        ("btt-seed", &["run", "--peer", "::1:80"], brackets),
    ];
    assert_usage_errors(&env, &torrent, &cases);
}

/// A `--utp` mode that is not `on`, `off` or `only`: one usage line
/// naming the flag and its values (exit 2).
#[test]
fn a_bad_utp_mode_is_one_usage_line_naming_its_values() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let values = "possible values: on, off, only";
    let cases: [(&str, &[&str], &str); 4] = [
        ("btt-get", &["--utp", "both"], values),
        ("btt-get", &["--utp", ""], "--utp"),
        ("btt-seed", &["run", "--utp", "yes"], values),
        ("btt-seed", &["run", "--utp"], "--utp"),
    ];
    assert_usage_errors(&env, &torrent, &cases);
}

#[test]
fn selling_bad_input_is_one_line_and_writes_nothing() {
    let env = TestEnv::new();
    let data = env.dir("data");
    make_tree(&data, &[("album/track.flac", 10_000)]);
    let album = data.join("album");
    let missing = data.join("missing");
    let cases: [(&str, &std::path::Path, &str, &str, i32, &str); 3] = [
        ("no content", &missing, "10BTT", "carol", 3, "bad_input"),
        ("a bad price", &album, "ten", "carol", 2, "usage"),
        (
            "an unknown wallet",
            &album,
            "10BTT",
            "nobody",
            3,
            "bad_input",
        ),
    ];
    for (what, content, price, wallet, status, code) in cases {
        let before = snapshot(env.path());
        let args: [&std::ffi::OsStr; 8] = [
            "sell".as_ref(),
            content.as_os_str(),
            "--price".as_ref(),
            price.as_ref(),
            "--wallet".as_ref(),
            wallet.as_ref(),
            "-o".as_ref(),
            "album.listing".as_ref(),
        ];
        let (exit, child) = run(&env, "btt-seed", &args);
        assert_eq!(exit, status, "{what}: {}", child.diagnostics());
        assert_one_error(&child, "btt-seed", code);
        assert_eq!(
            snapshot(env.path()),
            before,
            "{what}: btt-seed sell wrote something"
        );
    }
}

/// A price or budget written without a unit is a usage error (exit 2, one
/// line naming the flag) in every binary that takes one, before any work.
#[test]
fn market_amounts_without_a_unit_are_usage_errors() {
    let env = TestEnv::new();
    let torrent = env.path().join("good.torrent");
    std::fs::write(&torrent, good_torrent()).expect("write torrent");
    let out = env.path().join("out");
    let cases: [(&str, Vec<&std::ffi::OsStr>, &str); 3] = [
        (
            "btt-get",
            vec![
                torrent.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
                "--wallet".as_ref(),
                "alice".as_ref(),
                "--bid".as_ref(),
                "7/MiB".as_ref(),
            ],
            "--bid <PRICE>': invalid price \"7/MiB\": invalid amount \"7\": no unit; write 7BTT",
        ),
        (
            "btt-bid",
            vec![
                "plan".as_ref(),
                torrent.as_os_str(),
                "--budget".as_ref(),
                "5".as_ref(),
            ],
            "--budget <AMOUNT>': invalid amount \"5\": no unit; write 5BTT",
        ),
        (
            "btt-seed",
            vec![
                "sell".as_ref(),
                torrent.as_os_str(),
                "--price".as_ref(),
                "10".as_ref(),
            ],
            "--price <AMOUNT>': invalid amount \"10\": no unit; write 10BTT",
        ),
    ];
    for (program, args, said) in cases {
        let (code, child) = run(&env, program, &args);
        assert_eq!(code, 2, "{}", child.diagnostics());
        let error = assert_one_error(&child, program, "usage");
        assert!(error.message.ends_with(said), "{}", child.diagnostics());
    }
    assert!(!out.exists());
}
