//! The hidden directory a purchase is decrypted into before its plaintext
//! is renamed into place: `.btt-decrypt-PID.partial` beside the output,
//! named by the decrypting process so two processes never share one.
//!
//! A process killed mid-decryption (`kill -9`, a power cut) leaves its
//! directory behind. The next decryption into the same directory removes
//! every such directory whose process is gone; one whose PID is alive is
//! left alone, since it may be another buy decrypting there now.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const PREFIX: &str = ".btt-decrypt-";
const SUFFIX: &str = ".partial";

/// The staging directory of this process in `out_dir`.
pub fn staging_dir(out_dir: &Path) -> PathBuf {
    out_dir.join(format!("{PREFIX}{}{SUFFIX}", std::process::id()))
}

/// Removes the staging directories in `out_dir` of processes that no
/// longer run; returns how many it removed. A missing `out_dir` has none.
pub fn remove_stale(out_dir: &Path) -> io::Result<usize> {
    let entries = match fs::read_dir(out_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let Some(pid) = staging_pid(&entry.file_name().to_string_lossy()) else {
            continue;
        };
        if pid != std::process::id() && !is_running(pid) {
            fs::remove_dir_all(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The PID a staging directory's name carries, if `name` is one.
fn staging_pid(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether a process with `pid` exists (signal 0 checks without sending;
/// EPERM means it exists under another user).
fn is_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks the PID.
    let answer = unsafe { libc::kill(pid, 0) };
    answer == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staging_names_carry_a_pid() {
        assert_eq!(staging_pid(".btt-decrypt-4711.partial"), Some(4711));
        for name in [
            ".btt-decrypt-.partial",
            ".btt-decrypt-+1.partial",
            ".btt-decrypt-12.partial.x",
            "btt-decrypt-12.partial",
            ".album.12.partial",
        ] {
            assert_eq!(staging_pid(name), None, "{name}");
        }
    }

    #[test]
    fn stale_directories_go_and_live_ones_stay() {
        let out = tempfile::tempdir().unwrap();
        let own = staging_dir(out.path());
        let parent = out.path().join(format!("{PREFIX}{}{SUFFIX}", parent_pid()));
        let dead = out.path().join(format!("{PREFIX}{}{SUFFIX}", exited_pid()));
        for dir in [&own, &parent, &dead] {
            fs::create_dir_all(dir.join("album")).unwrap();
            fs::write(dir.join("album/01.flac"), b"half").unwrap();
        }
        assert_eq!(remove_stale(out.path()).unwrap(), 1);
        assert!(own.exists() && parent.exists());
        assert!(!dead.exists());
        assert_eq!(remove_stale(&out.path().join("absent")).unwrap(), 0);
    }

    fn parent_pid() -> u32 {
        std::os::unix::process::parent_id()
    }

    /// The PID of a child that has exited and been reaped.
    fn exited_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }
}
