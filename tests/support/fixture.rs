//! A test's content and its torrent: files made from a spec under
//! `data/`, a torrent of them made by `btt-seed create`, and btt nodes that
//! seed or download it, each in its own home. Built with [`Fixture::of`]:
//!
//! ```text
//! let fixture = Fixture::of(MULTI_FILE).args(&["--piece-length", "16KiB"]).private(true).create();
//! let seeder = fixture.seed("seeder", &[]);
//! let (mut get, out) = fixture.get("leecher", &["--peer", &seeder.addr()]);
//! ```

use super::{get_on, make_tree, seed_on, BttTracker, Child, Home, Seeder, TestEnv};
use btt::metainfo::Torrent;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `btt-seed create` may take.
const CREATE_TIMEOUT: Duration = Duration::from_secs(60);

/// A test's data, its torrent, and the environment they live in.
pub struct Fixture {
    /// The test's directory and environment.
    pub env: TestEnv,
    /// The directory holding the content under its own name (`--data`).
    pub data: PathBuf,
    /// The torrent file.
    pub torrent: PathBuf,
}

/// What a [`Fixture`] is made of, before it is created.
pub struct FixtureBuilder<'a> {
    spec: &'a [(&'a str, u64)],
    args: Vec<String>,
    env: Option<TestEnv>,
}

impl FixtureBuilder<'_> {
    /// Adds arguments for `btt-seed create` (`--announce URL`, `--piece-length 16KiB`).
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|arg| arg.to_string()));
        self
    }

    /// Makes the torrent private (BEP 27) when `private`.
    pub fn private(self, private: bool) -> Self {
        if private {
            self.args(&["--private"])
        } else {
            self
        }
    }

    /// Creates it in `env` rather than a new environment.
    pub fn env(mut self, env: TestEnv) -> Self {
        self.env = Some(env);
        self
    }

    /// Makes the files and the torrent of their top-level entry.
    pub fn create(self) -> Fixture {
        let env = self.env.unwrap_or_default();
        let data = env.dir("data");
        make_tree(&data, self.spec);
        let top = self
            .spec
            .first()
            .and_then(|(path, _)| Path::new(path).components().next())
            .expect("a non-empty spec");
        let torrent = env.path().join("x.torrent");
        let mut command = env.btt("btt-seed");
        command
            .arg("create")
            .arg(data.join(top))
            .arg("-o")
            .arg(&torrent)
            .args(&self.args);
        env.spawn("btt-seed create", command)
            .wait_success(CREATE_TIMEOUT);
        Fixture { env, data, torrent }
    }
}

impl Fixture {
    /// A fixture of the files in `spec`, to be configured and created.
    pub fn of<'a>(spec: &'a [(&'a str, u64)]) -> FixtureBuilder<'a> {
        FixtureBuilder {
            spec,
            args: Vec::new(),
            env: None,
        }
    }

    /// The files in `spec` and a torrent made with `create_args`, in a new environment.
    pub fn new(spec: &[(&str, u64)], create_args: &[&str]) -> Fixture {
        Fixture::of(spec).args(create_args).create()
    }

    /// With a running embedded tracker, whose announce URL the torrent carries.
    pub fn with_tracker(spec: &[(&str, u64)]) -> (Fixture, BttTracker) {
        let env = TestEnv::new();
        let tracker = BttTracker::start(&env);
        let announce = tracker.announce.clone();
        let fixture = Fixture::of(spec)
            .args(&["--announce", &announce])
            .env(env)
            .create();
        (fixture, tracker)
    }

    /// The torrent, parsed.
    pub fn parsed(&self) -> Torrent {
        let bytes = std::fs::read(&self.torrent).expect("read the torrent");
        Torrent::from_bytes(&bytes).expect("the torrent parses")
    }

    /// The torrent's info-hash.
    pub fn info_hash(&self) -> [u8; 20] {
        self.parsed().info_hash.0
    }

    /// The torrent's info-hash in hex.
    pub fn info_hash_hex(&self) -> String {
        self.parsed().info_hash.to_string()
    }

    /// `btt-seed run` from `data/` in the home `home`; `extra` before the torrent.
    pub fn seed(&self, home: &str, extra: &[&str]) -> Seeder {
        self.seed_on(home, "127.0.0.1:0", extra)
    }

    /// [`Fixture::seed`] listening on `listen` (`[::1]:0`).
    pub fn seed_on(&self, home: &str, listen: &str, extra: &[&str]) -> Seeder {
        let home = Home::new(&self.env, home);
        seed_on(&self.env, &home, &self.torrent, &self.data, listen, extra)
    }

    /// `btt-get` into `out-NAME/` with the home `NAME`.
    pub fn get(&self, name: &str, extra: &[&str]) -> (Child, PathBuf) {
        self.get_on(name, "127.0.0.1:0", extra)
    }

    /// [`Fixture::get`] listening on `listen` (`[::1]:0`).
    pub fn get_on(&self, name: &str, listen: &str, extra: &[&str]) -> (Child, PathBuf) {
        let out = self.out(name);
        let home = Home::new(&self.env, name);
        let child = get_on(&self.env, &home, &self.torrent, &out, listen, extra);
        (child, out)
    }

    /// Where [`Fixture::get`] with `name` downloads to.
    pub fn out(&self, name: &str) -> PathBuf {
        self.env.path().join(format!("out-{name}"))
    }
}
