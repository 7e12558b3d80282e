//! A finished command ([`Run`]): its exit code, its stdout read back as
//! NDJSON records, and its stderr, with the checks the CLI tests make of
//! every command (succeeded; refused with a status and one error line).

use super::Child;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long a one-shot command may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A finished command.
pub struct Run {
    /// The exit code (-1 when ended by a signal).
    pub code: i32,
    /// Everything it printed on stdout.
    pub stdout: String,
    /// Everything it printed on stderr.
    pub stderr: String,
}

impl Run {
    /// Runs `command` with `input` on stdin to its end within
    /// [`COMMAND_TIMEOUT`]; past that it is killed by PID.
    pub fn of(label: &str, command: Command, input: &str) -> Run {
        let mut child = Child::spawn_with_input(label, command, Stdio::piped());
        child.write_stdin(input.as_bytes());
        Run::finish(&mut child, COMMAND_TIMEOUT)
    }

    /// Waits for `child` to end within `timeout`.
    pub fn finish(child: &mut Child, timeout: Duration) -> Run {
        let status = child
            .wait_timeout(timeout)
            .unwrap_or_else(|| panic!("{} did not finish\n{}", child.label(), child.diagnostics()));
        Run {
            code: status.code().unwrap_or(-1),
            stdout: child.stdout(),
            stderr: child.stderr(),
        }
    }

    /// Every stdout line, parsed as `T`.
    pub fn lines<T: DeserializeOwned>(&self) -> Vec<T> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// Every stdout line as JSON.
    pub fn records(&self) -> Vec<Value> {
        self.lines()
    }

    /// The one stdout line, parsed as `T`.
    pub fn one_as<T: DeserializeOwned>(&self) -> T {
        let mut lines = self.lines::<T>();
        assert_eq!(lines.len(), 1, "{}", self.describe());
        lines.remove(0)
    }

    /// The one stdout line as JSON.
    pub fn one(&self) -> Value {
        self.one_as()
    }

    /// Asserts exit status 0.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{}", self.describe());
        self
    }

    /// Asserts exit status `code`, one error record and one stderr line
    /// whose message contains `text`.
    pub fn refused(&self, code: i32, text: &str) {
        assert_eq!(self.code, code, "{}", self.describe());
        let error = self.one();
        assert_eq!(error["type"], "error", "{}", self.describe());
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.contains(text), "{text:?} not in {message:?}");
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.describe());
    }

    /// The exit code and both outputs, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}
