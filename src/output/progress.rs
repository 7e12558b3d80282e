//! A progress bar on stderr for a person at a terminal; invisible otherwise,
//! so callers never branch on where output goes. Other lines for the terminal
//! are written through [`ActiveBar`], which lifts the bar out of their way.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, WeakProgressBar};
use std::sync::{Arc, Mutex};

/// The bar being drawn, if any, shared by the clones of one `Output`: a line
/// written while it is drawn goes above it, never onto its line.
#[derive(Clone, Default)]
pub(super) struct ActiveBar(Arc<Mutex<Option<WeakProgressBar>>>);

impl std::fmt::Debug for ActiveBar {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ActiveBar")
    }
}

impl ActiveBar {
    /// Makes `progress` the bar that lines are written above.
    pub(super) fn set(&self, progress: &Progress) {
        *self.lock() = Some(progress.bar.downgrade());
    }

    /// Runs `write` with the bar, if one is drawn, cleared from the terminal,
    /// and draws it again after.
    pub(super) fn above<R>(&self, write: impl FnOnce() -> R) -> R {
        let bar = self.lock().as_ref().and_then(WeakProgressBar::upgrade);
        match bar {
            Some(bar) if !bar.is_finished() => bar.suspend(write),
            _ => write(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<WeakProgressBar>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A byte-count progress bar (indicatif), drawn at most a few times a second.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub(super) fn new(visible: bool, total: u64, message: &str) -> Progress {
        let target = if visible {
            ProgressDrawTarget::stderr_with_hz(4)
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message.to_string());
        Progress { bar }
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
