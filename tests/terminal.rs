//! btt-get on a real terminal: a tmux pane (its own server, on a socket in the
//! test's directory) runs a download from a slow local seeder, and the pane's
//! text shows what a person sees. The tmux server is stopped by PID when the
//! test ends.

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::*;

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
    let deadline = Instant::now() + Duration::from_secs(30);
    let screen = loop {
        let screen = tmux.screen();
        let bar_drawn = screen.lines().any(|line| line.contains("slow.bin ["));
        if bar_drawn && screen.contains("manual: 1 peers") {
            break screen;
        }
        assert!(Instant::now() < deadline, "no bar and notice:\n{screen}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let notice = screen
        .lines()
        .find(|line| line.contains("manual: 1 peers"))
        .unwrap_or_default();
    assert!(
        notice.starts_with("btt-get: manual: 1 peers") && !notice.contains('['),
        "the notice shares a line with the bar:\n{screen}"
    );
}
