//! Where btt keeps its files: `$BTT_HOME` overrides everything, otherwise the
//! XDG base directories (config, data, runtime state).

use std::env;
use std::path::{Path, PathBuf};

/// The directories one btt process reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Config files (`config.toml`).
    pub config: PathBuf,
    /// Keystores, the ledger, resume state, torrents.
    pub data: PathBuf,
    /// Lock files and control sockets.
    pub runtime: PathBuf,
}

impl Dirs {
    /// Resolves the directories from the process environment.
    pub fn from_env() -> Dirs {
        Dirs::resolve(|name| env::var_os(name).filter(|value| !value.is_empty()))
    }

    /// Resolves the directories with `lookup` standing for the environment.
    pub fn resolve(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Dirs {
        if let Some(home) = lookup("BTT_HOME") {
            let home = PathBuf::from(home);
            return Dirs {
                config: home.clone(),
                data: home.clone(),
                runtime: home.join("run"),
            };
        }
        let user_home = lookup("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let xdg = |name: &str, fallback: &str| {
            lookup(name)
                .map(PathBuf::from)
                .filter(|path| path.is_absolute())
                .unwrap_or_else(|| user_home.join(fallback))
        };
        let config = xdg("XDG_CONFIG_HOME", ".config").join("btt");
        let data = xdg("XDG_DATA_HOME", ".local/share").join("btt");
        let runtime = lookup("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
            .map(|path| path.join("btt"))
            .unwrap_or_else(|| data.join("run"));
        Dirs {
            config,
            data,
            runtime,
        }
    }

    /// The DHT routing table kept between runs.
    pub fn dht_routing_table(&self) -> PathBuf {
        self.data.join("dht-nodes.json")
    }

    /// Creates `path` and its parents with mode 0700, so keys and state stay private.
    pub fn create_private(path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
    }
}

/// How many threads CPU-bound work (hashing) should use: one per core.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |count| count.get())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn resolve(vars: &[(&str, &str)]) -> Dirs {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(key, value)| (key.to_string(), OsString::from(value)))
            .collect();
        Dirs::resolve(|name| map.get(name).cloned())
    }

    #[test]
    fn btt_home_overrides_xdg() {
        let dirs = resolve(&[("BTT_HOME", "/b"), ("XDG_DATA_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(dirs.data, PathBuf::from("/b"));
        assert_eq!(dirs.runtime, PathBuf::from("/b/run"));
    }

    #[test]
    fn xdg_directories_are_used_when_absolute() {
        let dirs = resolve(&[
            ("HOME", "/h"),
            ("XDG_DATA_HOME", "/x"),
            ("XDG_CONFIG_HOME", "rel"),
        ]);
        assert_eq!(dirs.data, PathBuf::from("/x/btt"));
        assert_eq!(dirs.config, PathBuf::from("/h/.config/btt"));
        assert_eq!(dirs.runtime, PathBuf::from("/x/btt/run"));
    }

    #[test]
    fn runtime_dir_comes_from_xdg_runtime_dir() {
        let dirs = resolve(&[("HOME", "/h"), ("XDG_RUNTIME_DIR", "/run/user/1")]);
        assert_eq!(dirs.runtime, PathBuf::from("/run/user/1/btt"));
        assert_eq!(dirs.data, PathBuf::from("/h/.local/share/btt"));
    }
}
