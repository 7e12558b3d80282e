//! btt-get on a real terminal: a tmux pane (its own server, on a socket in the
//! test's directory) runs a download from a slow local seeder, and the pane's
//! text shows what a person sees: notices above the bar, the peers beside
//! it, a stalled download said as such, and `btt-seed run`'s seeding rows. The tmux server is stopped by PID when the
//! test ends; a tracker stub, a thread of the test, gives up after
//! [`STUB_LIMIT`].

use crate::support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::*;

/// How long the tracker stub waits for its announce and for its release.
const STUB_LIMIT: Duration = Duration::from_secs(30);

/// The start of the progress bar's line for the test's file.
const BAR: &str = "slow.bin [";

/// A tmux server of one detached session; killed by PID on drop.
struct Tmux {
    socket: PathBuf,
    pid: i32,
}

impl Tmux {
    /// Starts `command` (program, arguments and environment) in a new
    /// 160×40 session; the pane stays after the program exits.
    fn start(socket: PathBuf, command: &Command) -> Tmux {
        let mut tmux = Command::new("tmux");
        tmux.arg("-S")
            .arg(&socket)
            .args(["new-session", "-d", "-x", "160", "-y", "40", "--"])
            .args(["sh", "-c", "\"$@\"; sleep 60", "sh"])
            .arg(command.get_program())
            .args(command.get_args());
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => tmux.env(key, value),
                None => tmux.env_remove(key),
            };
        }
        let status = tmux.status().expect("run tmux (scripts/install-test-deps)");
        assert!(status.success(), "tmux new-session: {status}");
        let mut tmux = Tmux { socket, pid: 0 };
        tmux.pid = tmux
            .query("display-message", &["-p", "#{pid}"])
            .trim()
            .parse()
            .expect("the tmux server's PID");
        tmux
    }

    fn query(&self, command: &str, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg(command)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The pane's visible text.
    fn screen(&self) -> String {
        self.query("capture-pane", &["-p"])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        if self.pid > 0 {
            // SAFETY: kill(2) on the PID of the server this test started.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
    }
}

#[test]
fn notices_are_printed_above_the_progress_bar_not_on_it() {
    let fixture = Fixture::new(&[("slow.bin", 3 * 1024 * 1024)], &[]);
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "512KiB"]);
    let home = Home::new(&fixture.env, "leecher");
    let mut get = home.command(&fixture.env, "btt-get");
    get.arg(&fixture.torrent)
        .arg("-o")
        .arg(fixture.out("leecher"))
        .args(["--listen", "127.0.0.1:0", "--no-tracker", "--peer"])
        .arg(seeder.addr());
    let tmux = Tmux::start(fixture.env.path().join("tmux.sock"), &get);
    let notice = "manual: 1 peers";
    let screen = screen_when(&tmux, "bar and notice", |screen| {
        screen.contains(BAR) && screen.contains(notice)
    });
    assert_above_the_bar(&screen, notice);
}

#[test]
fn the_bar_shows_peers_and_says_stalled_when_the_only_seeder_stops() {
    let fixture = Fixture::new(&[("slow.bin", 8 * 1024 * 1024)], &[]);
    let mut seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "256KiB"]);
    let home = Home::new(&fixture.env, "leecher");
    let mut get = home.command(&fixture.env, "btt-get");
    get.arg(&fixture.torrent)
        .arg("-o")
        .arg(fixture.out("leecher"))
        .args(["--listen", "127.0.0.1:0", "--no-tracker", "--peer"])
        .arg(seeder.addr());
    let tmux = Tmux::start(fixture.env.path().join("tmux.sock"), &get);
    screen_when(&tmux, "a bar with its peer", |screen| {
        bar_line(screen).is_some_and(|bar| bar.contains("1 peer") && bar.contains("eta"))
    });
    seeder.child.terminate();
    let screen = screen_when(&tmux, "a stalled bar", |screen| {
        bar_line(screen).is_some_and(|bar| bar.contains("stalled"))
    });
    let bar = bar_line(&screen).unwrap_or_default();
    assert!(
        bar.contains("0 peers, waiting for peers") && !bar.contains("eta"),
        "{screen}"
    );
}

#[test]
fn btt_seed_run_shows_a_seeding_row_per_torrent_and_tells_alike_names_apart() {
    let fixture = Fixture::new(&[("slow.bin", 1024 * 1024)], &["--piece-length", "16KiB"]);
    let second = fixture.env.path().join("second.torrent");
    let content = fixture.data.join("slow.bin");
    btt_seed_create(
        &fixture.env,
        &content,
        &second,
        &["--piece-length", "32KiB"],
    );
    let hashes = [fixture.info_hash_hex(), info_hash(&second)];
    let home = Home::new(&fixture.env, "seeder");
    let mut seed = home.command(&fixture.env, "btt-seed");
    seed.args([
        "run",
        "--no-dht",
        "--no-tracker",
        "--listen",
        "127.0.0.1:0",
        "--data",
    ])
    .arg(&fixture.data)
    .arg(&fixture.torrent)
    .arg(&second);
    let tmux = Tmux::start(fixture.env.path().join("tmux.sock"), &seed);
    let rows = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .filter(|line| line.contains("seeding to"))
            .map(str::to_owned)
            .collect()
    };
    let screen = screen_when(&tmux, "two seeding rows", |screen| rows(screen).len() == 2);
    for hash in &hashes {
        let row = rows(&screen)
            .into_iter()
            .find(|row| row.starts_with(&format!("slow.bin ({})", &hash[..8])));
        let row = row.unwrap_or_else(|| panic!("no row for {hash}:\n{screen}"));
        assert!(
            row.contains("0 peers, up 0 B/s, 0 B up") && !row.contains('['),
            "{screen}"
        );
    }
}

/// The progress bar's line on the screen.
fn bar_line(screen: &str) -> Option<&str> {
    screen.lines().find(|line| line.contains(BAR))
}

/// An HTTP tracker on 127.0.0.1 that holds its first announce until it is
/// released, then answers with one peer btt-get does not know yet.
struct HeldTracker {
    announce: String,
    release: mpsc::Sender<()>,
}

impl HeldTracker {
    fn start() -> HeldTracker {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the tracker stub");
        let announce = format!("http://{}/announce", listener.local_addr().unwrap());
        let (release, released) = mpsc::channel();
        std::thread::spawn(move || answer_when_released(&listener, &released));
        HeldTracker { announce, release }
    }
}

/// Accepts one announce, waits for the release, answers `127.0.0.1:9`.
fn answer_when_released(listener: &TcpListener, released: &mpsc::Receiver<()>) {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + STUB_LIMIT;
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return,
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(STUB_LIMIT)).unwrap();
    let _ = stream.read(&mut [0; 4096]);
    if released.recv_timeout(STUB_LIMIT).is_err() {
        return;
    }
    let body = b"d8:intervali1800e5:peers6:\x7f\x00\x00\x01\x00\x09e";
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&[head.as_bytes(), body].concat());
}

/// Polls the pane until `ready` holds for its text, for at most 30 s.
fn screen_when(tmux: &Tmux, what: &str, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = tmux.screen();
        if ready(&screen) {
            return screen;
        }
        assert!(Instant::now() < deadline, "no {what}:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_notice_while_the_bar_is_drawn_goes_above_it() {
    let tracker = HeldTracker::start();
    let fixture = Fixture::of(&[("slow.bin", 4 * 1024 * 1024)])
        .args(&["--announce", &tracker.announce])
        .create();
    let seeder = fixture.seed("seeder", &["--no-tracker", "--up-limit", "512KiB"]);
    let home = Home::new(&fixture.env, "leecher");
    let mut get = home.command(&fixture.env, "btt-get");
    get.arg(&fixture.torrent)
        .arg("-o")
        .arg(fixture.out("leecher"))
        .args(["--listen", "127.0.0.1:0", "--peer"])
        .arg(seeder.addr());
    let tmux = Tmux::start(fixture.env.path().join("tmux.sock"), &get);
    screen_when(&tmux, "bar", |screen| screen.contains(BAR));
    tracker.release.send(()).unwrap();
    let notice = "tracker: 1 peers";
    let screen = screen_when(&tmux, "tracker notice", |screen| screen.contains(notice));
    assert_above_the_bar(&screen, notice);
}

/// That the line with `notice` is its own, `btt-get: NOTICE...`, and the bar
/// is drawn once, below it: a notice written over the bar shares its line
/// or leaves a stale copy of the bar above itself.
fn assert_above_the_bar(screen: &str, notice: &str) {
    let lines: Vec<&str> = screen.lines().collect();
    let at = |text: &str| lines.iter().position(|line| line.contains(text));
    let line = at(notice).map(|index| lines[index]).unwrap_or_default();
    assert!(
        line.starts_with(&format!("btt-get: {notice}")) && !line.contains('['),
        "the notice shares a line with the bar:\n{screen}"
    );
    let bars = lines.iter().filter(|line| line.contains(BAR)).count();
    assert!(
        bars == 1 && at(BAR) > at(notice),
        "the bar is not drawn once, below the notice:\n{screen}"
    );
}
