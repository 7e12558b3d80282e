//! `TestEnv`: a temporary directory and the pinned environment every process
//! a test starts runs with, so results never depend on the developer's
//! home directory, configuration, terminal or `BTT_*` variables.

use super::Child;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables passed through from the test's own environment: the search
/// path and what helps debugging. Everything else is dropped.
const PASSED_THROUGH: &[&str] = &["PATH", "RUST_BACKTRACE", "RUST_LOG", "LLVM_PROFILE_FILE"];

/// A temporary directory (removed on drop) with a pinned environment.
#[derive(Debug)]
pub struct TestEnv {
    root: tempfile::TempDir,
}

impl TestEnv {
    /// Creates the directory and its `home/` for child processes.
    pub fn new() -> TestEnv {
        let root = tempfile::Builder::new()
            .prefix("btt-test-")
            .tempdir()
            .expect("create test directory");
        let env = TestEnv { root };
        for dir in [
            "home",
            "btt-home",
            "xdg/config",
            "xdg/data",
            "xdg/cache",
            "xdg/state",
        ] {
            env.dir(dir);
        }
        let runtime = env.dir("xdg/runtime");
        set_mode_0700(&runtime);
        env
    }

    /// The root of the temporary directory.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// `root/relative`, created with its parents.
    pub fn dir(&self, relative: impl AsRef<Path>) -> PathBuf {
        let path = self.root.path().join(relative);
        std::fs::create_dir_all(&path).expect("create directory in test env");
        path
    }

    /// A command for `program` with the pinned environment, run in the root.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env_clear().current_dir(self.path());
        for name in PASSED_THROUGH {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let root = self.path();
        command
            .env("HOME", root.join("home"))
            .env("BTT_HOME", root.join("btt-home"))
            .env("XDG_CONFIG_HOME", root.join("xdg/config"))
            .env("XDG_DATA_HOME", root.join("xdg/data"))
            .env("XDG_CACHE_HOME", root.join("xdg/cache"))
            .env("XDG_STATE_HOME", root.join("xdg/state"))
            .env("XDG_RUNTIME_DIR", root.join("xdg/runtime"))
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("LC_ALL", "C");
        command
    }

    /// A command for the btt binary `name` of this build (see [`bin`]).
    /// `btt-get` gets `--no-dht` first, so no test contacts the public DHT
    /// routers (every `btt-seed run` in the tests passes it after `run`); a
    /// test of the DHT uses [`TestEnv::btt_with_dht`] and gives loopback
    /// bootstrap nodes.
    pub fn btt(&self, name: &str) -> Command {
        let mut command = self.btt_with_dht(name);
        if name == "btt-get" {
            command.arg("--no-dht");
        }
        command
    }

    /// A command for the btt binary `name` with its own DHT default.
    pub fn btt_with_dht(&self, name: &str) -> Command {
        self.command(bin(name))
    }

    /// Starts `command` as a [`Child`] guard labelled `label`.
    pub fn spawn(&self, label: &str, command: Command) -> Child {
        Child::spawn(label, command)
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

/// The path of the btt binary `name` of this build (`target/debug/NAME`),
/// found at run time next to the test executable's directory, so tests
/// compile before the binary exists (`env!("CARGO_BIN_EXE_...")` would
/// not). Panics with a clear message when it has not been built.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    // target/debug/deps/TEST-HASH -> target/debug/NAME
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in target/PROFILE/deps");
    let path = profile_dir.join(name);
    assert!(
        path.is_file(),
        "{} is not built (run `cargo build --bins` or `scripts/test`)",
        path.display()
    );
    path
}

fn set_mode_0700(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .expect("chmod runtime dir");
}
