//! The one place that renders results: a table or plain lines for a person on
//! a terminal, NDJSON (one object per line with a `"type"` field, flushed per
//! line) for a pipe or with `--json`.
//!
//! Invariants: stdout carries results only; progress, logs and errors go to
//! stderr; `-q` silences stderr, never stdout. A command's `--plain` prints a
//! one-value result bare (as `cast wallet address` does), on a terminal and
//! in a pipe alike, and then puts no error record on stdout. Library code never calls this
//! module: it returns `Serialize` values and the binaries hand them here.

pub mod control;
mod market;
mod progress;
mod record;
pub mod swarm;

use progress::ActiveBar;
pub use progress::{BarMode, Progress};
pub use record::{ErrorRecord, Record};

use std::io::{self, IsTerminal, Write};

/// How results are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tables and plain lines for a person.
    Human,
    /// One JSON object per line.
    Json,
}

/// How much goes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Nothing but fatal errors.
    Quiet,
    /// Progress and warnings.
    Normal,
    /// Also debugging detail.
    Verbose,
}

/// The output settings of one process, chosen once from the flags and the terminal.
#[derive(Debug, Clone)]
pub struct Output {
    program: &'static str,
    format: Format,
    verbosity: Verbosity,
    color: bool,
    stderr_is_terminal: bool,
    plain: bool,
    nested_in: Option<&'static str>,
    stdout_taken: bool,
    bar: ActiveBar,
}

impl Output {
    /// Chooses the format: JSON when forced or when stdout is not a terminal.
    pub fn new(program: &'static str, force_json: bool, verbosity: Verbosity) -> Output {
        let stdout_is_terminal = io::stdout().is_terminal();
        let stderr_is_terminal = io::stderr().is_terminal();
        let format = if force_json || !stdout_is_terminal {
            Format::Json
        } else {
            Format::Human
        };
        let color = stderr_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Output {
            program,
            format,
            verbosity,
            color,
            stderr_is_terminal,
            plain: false,
            nested_in: None,
            stdout_taken: false,
            bar: ActiveBar::default(),
        }
    }

    /// The program name used as the prefix of diagnostics (`btt-get: ...`).
    pub fn program(&self) -> &'static str {
        self.program
    }

    /// The same settings, printing one-value results bare ([`Record::plain`]).
    pub fn plain(mut self) -> Output {
        self.plain = true;
        self
    }

    /// The same settings, for a step run inside a command (`btt-tip buy`'s
    /// download): in JSON each record is nested as `record` in one of type
    /// `kind` (`{"type":"download","record":{"type":"peers_found",...}}`),
    /// so the command's stream has its own types at the top; for a person
    /// the records print as they are.
    pub fn nested(mut self, kind: &'static str) -> Output {
        self.nested_in = Some(kind);
        self
    }

    /// The same settings, with stdout carrying something else (`btt-get
    /// --stream`'s file): records are not written, errors go to stderr only.
    pub fn stdout_taken(mut self) -> Output {
        self.stdout_taken = true;
        self
    }

    /// The chosen stdout format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether colour may be used on stderr (a terminal, and `NO_COLOR` unset).
    pub fn color(&self) -> bool {
        self.color
    }

    /// Writes one result to stdout and flushes it.
    pub fn record<R: Record>(&self, record: &R) -> io::Result<()> {
        self.bar.above(|| self.write_record(record))
    }

    fn write_record<R: Record>(&self, record: &R) -> io::Result<()> {
        if self.stdout_taken {
            return Ok(());
        }
        let mut stdout = io::stdout().lock();
        if let Some(value) = record.plain().filter(|_| self.plain) {
            writeln!(stdout, "{value}")?;
            return stdout.flush();
        }
        match self.format {
            Format::Json => {
                let tagged = record::Tagged::new(record);
                match self.nested_in {
                    Some(kind) => {
                        serde_json::to_writer(&mut stdout, &record::Nested::new(kind, &tagged))?
                    }
                    None => serde_json::to_writer(&mut stdout, &tagged)?,
                }
                stdout.write_all(b"\n")?;
            }
            Format::Human => {
                if let Some(text) = record.human() {
                    stdout.write_all(text.as_bytes())?;
                    if !text.ends_with('\n') {
                        stdout.write_all(b"\n")?;
                    }
                }
            }
        }
        stdout.flush()
    }

    /// A note for a person on stderr (`btt-get: ...`), hidden by `-q`.
    pub fn info(&self, message: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Normal {
            self.stderr_line("", &message);
        }
    }

    /// A warning on stderr, hidden by `-q`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Normal {
            self.stderr_line("warning: ", &message);
        }
    }

    /// Debugging detail on stderr, shown only with `-v`.
    pub fn debug(&self, message: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Verbose {
            self.stderr_line("debug: ", &message);
        }
    }

    /// Reports a fatal error: one line on stderr (even with `-q`), and an
    /// `error` record on stdout when stdout is JSON.
    pub fn error(&self, code: &str, message: &str) {
        self.stderr_line("error: ", &message);
        if self.format == Format::Json && !self.plain {
            let record = ErrorRecord {
                code: code.to_string(),
                message: message.to_string(),
            };
            // stdout may be the broken pipe that caused the error: nothing more to do then.
            let _ = self.record(&record);
        }
    }

    /// A progress bar on stderr for a person, or a hidden one otherwise.
    pub fn progress(&self, total: u64, message: &str) -> Progress {
        let visible = self.stderr_is_terminal && self.verbosity >= Verbosity::Normal;
        Progress::new(visible.then_some(&self.bar), total, message)
    }

    fn stderr_line(&self, level: &str, message: &dyn std::fmt::Display) {
        self.bar.above(|| {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "{}: {level}{message}", self.program);
        });
    }
}
