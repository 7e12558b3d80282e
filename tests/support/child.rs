//! `Child`: a process a test started, with its output captured and a
//! guarantee that it is stopped.
//!
//! Invariants:
//! - The process runs in its own process group and gets SIGKILL from the
//!   kernel if the thread that spawned it dies (`PR_SET_PDEATHSIG`), so even
//!   an aborted test binary leaves nothing behind. The kernel ties that
//!   signal to the spawning *thread*: spawn a `Child` on the thread that
//!   keeps it (the test's own), not on a helper thread that ends first.
//! - On drop it is stopped by its PID (the group it leads): SIGTERM, then
//!   SIGKILL after [`GRACE`], then reaped, all within a few seconds.
//! - stdout and stderr are drained by threads into buffers, so a chatty
//!   process never blocks on a full pipe; stdout lines are also queued for
//!   [`Child::read_json_line_until`].

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a process gets between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(3);

/// How long to wait for the output threads after the process has exited
/// (a grandchild that inherited the pipes may keep them open).
const DRAIN: Duration = Duration::from_secs(2);

/// A running process that is stopped by PID when dropped.
#[derive(Debug)]
pub struct Child {
    label: String,
    process: std::process::Child,
    status: Option<ExitStatus>,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Child {
    /// Starts `command` with stdin closed. Panics when it cannot start.
    pub fn spawn(label: &str, command: Command) -> Child {
        Child::start(label, command, Stdio::null())
    }

    /// Starts `command` with a pipe on stdin for [`Child::send_line`].
    pub fn spawn_with_stdin(label: &str, command: Command) -> Child {
        Child::start(label, command, Stdio::piped())
    }

    /// Starts `command` with `stdin` as its standard input (a file, say).
    pub fn spawn_with_input(label: &str, command: Command, stdin: Stdio) -> Child {
        Child::start(label, command, stdin)
    }

    /// Starts `command` with stdin closed and its stdout (bytes, not lines)
    /// handed to the caller: `stdout()` and the line readers see nothing.
    pub fn spawn_with_raw_stdout(
        label: &str,
        mut command: Command,
    ) -> (Child, std::io::PipeReader) {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        command.stdout(writer);
        (
            Child::start_with(label, command, Stdio::null(), false),
            reader,
        )
    }

    fn start(label: &str, command: Command, stdin: Stdio) -> Child {
        Child::start_with(label, command, stdin, true)
    }

    fn start_with(label: &str, mut command: Command, stdin: Stdio, pipe_stdout: bool) -> Child {
        if pipe_stdout {
            command.stdout(Stdio::piped());
        }
        command.stdin(stdin).stderr(Stdio::piped()).process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut process = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {label} ({command:?}): {e}"));
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (sender, lines) = mpsc::channel();
        let err_pipe = process.stderr.take().expect("stderr is piped");
        let err_log = Arc::clone(&stderr);
        let mut readers = vec![std::thread::spawn(move || {
            let mut pipe = err_pipe;
            let mut chunk = [0u8; 8192];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                lock(&err_log).extend_from_slice(&chunk[..n]);
            }
        })];
        if let Some(out_pipe) = process.stdout.take() {
            let out_log = Arc::clone(&stdout);
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(out_pipe).lines().map_while(Result::ok) {
                    lock(&out_log).push_str(&line);
                    lock(&out_log).push('\n');
                    // The receiver may be gone when the Child was dropped.
                    let _ = sender.send(line);
                }
            }));
        }
        Child {
            label: label.to_string(),
            stdin: process.stdin.take(),
            process,
            status: None,
            lines,
            stdout,
            stderr,
            readers,
        }
    }

    /// The label given at spawn time, used in panic messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The exit status if the process has exited, without blocking.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.process.try_wait().expect("waitpid");
            if self.status.is_some() {
                self.drain_readers();
            }
        }
        self.status
    }

    /// Waits up to `timeout` for the process to exit; `None` if it is still running.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `timeout` for the process to exit with status 0, and
    /// panics with its output otherwise.
    pub fn wait_success(&mut self, timeout: Duration) {
        match self.wait_timeout(timeout) {
            Some(status) if status.success() => {}
            Some(status) => panic!("{} failed ({status})\n{}", self.label, self.diagnostics()),
            None => panic!(
                "{} did not exit within {timeout:?}\n{}",
                self.label,
                self.diagnostics()
            ),
        }
    }

    /// Reads NDJSON lines from stdout until one satisfies `predicate` and
    /// returns it. Lines that are not JSON are skipped (they stay in
    /// [`Child::stdout`]). Panics with the process's output on timeout or
    /// when stdout closes first.
    pub fn read_json_line_until(
        &mut self,
        timeout: Duration,
        mut predicate: impl FnMut(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Ok(value) = serde_json::from_str::<Value>(&line) {
                        if predicate(&value) {
                            return value;
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{}: no matching JSON line within {timeout:?}\n{}",
                    self.label,
                    self.diagnostics()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.wait_timeout(GRACE);
                    panic!(
                        "{}: stdout closed (exit: {status:?}) before a matching JSON line\n{}",
                        self.label,
                        self.diagnostics()
                    )
                }
            }
        }
    }

    /// Reads stdout lines until one satisfies `predicate` and returns it.
    /// Panics with the process's output on timeout or when stdout closes first.
    pub fn read_line_until(
        &mut self,
        timeout: Duration,
        mut predicate: impl FnMut(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if predicate(&line) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{}: no matching line within {timeout:?}\n{}",
                    self.label,
                    self.diagnostics()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.wait_timeout(GRACE);
                    panic!(
                        "{}: stdout closed (exit: {status:?}) before a matching line\n{}",
                        self.label,
                        self.diagnostics()
                    )
                }
            }
        }
    }

    /// Waits for the first `{"type": TYPE, ...}` record on stdout.
    pub fn read_record(&mut self, timeout: Duration, record_type: &str) -> Value {
        self.read_json_line_until(timeout, |value| value["type"] == record_type)
    }

    /// Every stdout line so far that parses as JSON, in order.
    pub fn json_records(&self) -> Vec<Value> {
        self.stdout()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Writes one line to the process's stdin (see [`Child::spawn_with_stdin`]).
    pub fn send_line(&mut self, line: &str) {
        let stdin = self
            .stdin
            .as_mut()
            .unwrap_or_else(|| panic!("{} was spawned without a stdin pipe", self.label));
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .unwrap_or_else(|e| panic!("write to {} stdin: {e}", self.label));
    }

    /// Writes `input` to the process's stdin pipe and closes it.
    pub fn write_stdin(&mut self, input: &[u8]) {
        let mut stdin = self
            .stdin
            .take()
            .unwrap_or_else(|| panic!("{} was spawned without a stdin pipe", self.label));
        // A process that exits without reading its input is not an error here.
        let _ = stdin.write_all(input);
    }

    /// Everything the process wrote to stdout so far.
    pub fn stdout(&self) -> String {
        lock(&self.stdout).clone()
    }

    /// Everything the process wrote to stderr so far (lossy UTF-8).
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// stdout and stderr, labelled, for assertion messages.
    pub fn diagnostics(&self) -> String {
        format!(
            "--- {} stdout ---\n{}--- {} stderr ---\n{}",
            self.label,
            self.stdout(),
            self.label,
            self.stderr()
        )
    }

    /// Stops the process: SIGTERM to its process group, SIGKILL after
    /// [`GRACE`], then reaps it. Returns its exit status.
    pub fn terminate(&mut self) -> Option<ExitStatus> {
        if let Some(status) = self.try_wait() {
            return Some(status);
        }
        self.signal(libc::SIGTERM);
        if let Some(status) = self.wait_timeout(GRACE) {
            return Some(status);
        }
        self.signal(libc::SIGKILL);
        self.wait_timeout(GRACE)
    }

    /// Whether the process was ended by `signal`.
    pub fn killed_by(&mut self, signal: i32) -> bool {
        self.try_wait().and_then(|status| status.signal()) == Some(signal)
    }

    /// Sends `signal` to the process group the child leads (SIGKILL for a
    /// crash, SIGTERM for a clean stop); [`Child::wait_timeout`] reaps it.
    pub fn signal(&self, signal: i32) {
        let Ok(pid) = libc::pid_t::try_from(self.process.id()) else {
            return;
        };
        // SAFETY: kill has no memory effects; a negative pid names the
        // process group this child leads (process_group(0) at spawn).
        unsafe {
            libc::kill(-pid, signal);
        }
    }

    fn drain_readers(&mut self) {
        let deadline = Instant::now() + DRAIN;
        while self.readers.iter().any(|reader| !reader.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stdin = None;
        self.terminate();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
