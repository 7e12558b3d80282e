//! [`FileAttributes`]: the BEP 47 properties of one file of a torrent, from
//! its `attr` letters (`p` pad, `x` executable, `h` hidden, `l` symlink) and
//! its `symlink path`.
//!
//! Invariants (kept by the parser): a pad file is never also a symlink; a
//! symlink's target is a checked path under the download directory whose
//! first component is the torrent name, like every file's path, and the
//! symlink itself holds no bytes of the torrent.

use std::path::PathBuf;

/// What BEP 47 says about one file. The default is a plain file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileAttributes {
    /// A pad file: zeros that only align the next file to a piece boundary;
    /// never stored on disk and never read from it.
    pub pad: bool,
    /// The file should be executable.
    pub executable: bool,
    /// The file is hidden (recorded and shown only).
    pub hidden: bool,
    /// A symlink to this path (under the download directory, starting with
    /// the torrent name) rather than a file with data.
    pub symlink: Option<PathBuf>,
}

impl FileAttributes {
    /// The attributes as BEP 47 letters, in the order `p`, `x`, `h`, `l`;
    /// empty for a plain file.
    pub fn letters(&self) -> String {
        [
            (self.pad, 'p'),
            (self.executable, 'x'),
            (self.hidden, 'h'),
            (self.symlink.is_some(), 'l'),
        ]
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, letter)| *letter)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_one_order_whatever_was_set() {
        assert_eq!(FileAttributes::default().letters(), "");
        let all = FileAttributes {
            pad: true,
            executable: true,
            hidden: true,
            symlink: Some("t/a".into()),
        };
        assert_eq!(all.letters(), "pxhl");
        let hidden_executable = FileAttributes {
            executable: true,
            hidden: true,
            ..FileAttributes::default()
        };
        assert_eq!(hidden_executable.letters(), "xh");
    }
}
