//! Progress bars on stderr for a person at a terminal; invisible otherwise,
//! so callers never branch on where output goes. The bars of one process
//! (one per torrent of `btt-seed run`) are rows of one stack, each on its
//! own line. Other lines for the terminal are written through
//! [`ActiveBar`], which lifts the rows out of their way.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::{Arc, Mutex};

/// The rows being drawn, if any, shared by the clones of one `Output`: a
/// line written while they are drawn goes above them, never onto one.
#[derive(Clone, Default)]
pub(super) struct ActiveBar(Arc<Mutex<Option<MultiProgress>>>);

impl std::fmt::Debug for ActiveBar {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ActiveBar")
    }
}

impl ActiveBar {
    /// Draws `progress` as a row below those drawn already.
    pub(super) fn add(&self, progress: &Progress) {
        let mut rows = self.lock();
        let rows = rows.get_or_insert_with(|| {
            MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(4))
        });
        rows.add(progress.bar.clone());
    }

    /// Runs `write` with the rows, if any are drawn, cleared from the
    /// terminal, and draws them again after.
    pub(super) fn above<R>(&self, write: impl FnOnce() -> R) -> R {
        let rows = self.lock().clone();
        match rows {
            Some(rows) => rows.suspend(write),
            None => write(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<MultiProgress>> {
        crate::sync::lock(&self.0)
    }
}

/// What a torrent's row shows after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarMode {
    /// The bar, bytes, rate and eta, then the status.
    Downloading,
    /// The bar and bytes, then the status (no rate or eta that would lie).
    Stalled,
    /// The status alone: a complete torrent has no bar to fill.
    Seeding,
}

/// A byte-count progress bar (indicatif), drawn at most a few times a second.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `total` bytes named `message`: a row of `rows` when given
    /// (a person at a terminal), hidden otherwise.
    pub(super) fn new(rows: Option<&ActiveBar>, total: u64, message: &str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_message(message.to_string());
        let progress = Progress { bar };
        progress.set_status("", BarMode::Downloading);
        if let Some(rows) = rows {
            rows.add(&progress);
        }
        progress
    }

    /// Sets the words after the bar (peers, what a stalled download waits
    /// for, a seeder's upload) and what else the row shows.
    pub fn set_status(&self, status: &str, mode: BarMode) {
        let template = match (mode, status.is_empty()) {
            (BarMode::Downloading, true) => {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
            }
            (BarMode::Downloading, false) => {
                "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}, {prefix}"
            }
            (BarMode::Stalled, _) => "{msg} [{bar:30}] {bytes}/{total_bytes} {prefix}",
            (BarMode::Seeding, _) => "{msg}  {prefix}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_prefix(status.to_string());
    }

    /// Sets how many bytes are done.
    pub fn set_position(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// Changes the text shown before the bar.
    pub fn set_message(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// Clears the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
