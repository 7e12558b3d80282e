//! btt-seed and btt-get as nodes of a loopback swarm, each with its own
//! `BTT_HOME`, and typed access to the NDJSON records they print.
//!
//! Every process that holds a torrent takes a lock named after its
//! info-hash under `BTT_HOME/run`, so a seeder and a leecher of the same
//! torrent must not share a home: [`Home`] gives each node its own.
//! Every node listens on `127.0.0.1:0` (never the default port 6881), or
//! `[::1]:0` through [`seed_on`] and [`get_on`].

use super::{Child, Seeder, TestEnv};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long a btt process may take to print its `listening` record.
const START: Duration = Duration::from_secs(20);

/// One node's private `BTT_HOME` inside the test directory.
#[derive(Debug, Clone)]
pub struct Home(pub PathBuf);

impl Home {
    /// `ROOT/homes/NAME`, created.
    pub fn new(env: &TestEnv, name: &str) -> Home {
        Home(env.dir(Path::new("homes").join(name)))
    }

    /// A command for the btt binary `program` that uses this home.
    pub fn command(&self, env: &TestEnv, program: &str) -> Command {
        let mut command = env.btt(program);
        command.env("BTT_HOME", &self.0);
        command
    }

    /// The resume files under `resume/` (none before the first save).
    pub fn resume_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.0.join("resume"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Starts `btt-seed run --data DATA --listen 127.0.0.1:0 EXTRA... TORRENT`
/// in `home` and returns once it is listening.
pub fn seed_in(env: &TestEnv, home: &Home, torrent: &Path, data: &Path, extra: &[&str]) -> Seeder {
    seed_on(env, home, torrent, data, "127.0.0.1:0", extra)
}

/// [`seed_in`] listening on `listen` (`[::1]:0`) instead.
pub fn seed_on(
    env: &TestEnv,
    home: &Home,
    torrent: &Path,
    data: &Path,
    listen: &str,
    extra: &[&str],
) -> Seeder {
    let mut command = home.command(env, "btt-seed");
    command
        .args(["run", "--no-dht"])
        .arg("--data")
        .arg(data)
        .args(["--listen", listen])
        .args(extra)
        .arg(torrent);
    let mut child = env.spawn("btt-seed run", command);
    let port = listening_port(&mut child);
    Seeder { child, port }
}

/// Starts `btt-get TORRENT -o OUT --listen 127.0.0.1:0 EXTRA...` in `home`.
pub fn get_in(env: &TestEnv, home: &Home, torrent: &Path, out: &Path, extra: &[&str]) -> Child {
    get_on(env, home, torrent, out, "127.0.0.1:0", extra)
}

/// [`get_in`] listening on `listen` (`[::1]:0`) instead.
pub fn get_on(
    env: &TestEnv,
    home: &Home,
    torrent: &Path,
    out: &Path,
    listen: &str,
    extra: &[&str],
) -> Child {
    let mut command = home.command(env, "btt-get");
    command
        .arg(torrent)
        .arg("-o")
        .arg(out)
        .args(["--listen", listen])
        .args(extra);
    env.spawn("btt-get", command)
}

/// The port from a process's `listening` record.
pub fn listening_port(child: &mut Child) -> u16 {
    let record = child.read_record(START, "listening");
    record["addr"]
        .as_str()
        .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
        .map(|addr| addr.port())
        .unwrap_or_else(|| panic!("{}: bad listening record {record}", child.label()))
}

/// `record` (one NDJSON line) as `T`, without its `type` tag; `T` should deny
/// unknown fields so that a renamed or added field fails the test.
pub fn typed<T: DeserializeOwned>(record: &Value) -> T {
    let mut fields = record.clone();
    if let Some(object) = fields.as_object_mut() {
        object.remove("type");
    }
    serde_json::from_value(fields)
        .unwrap_or_else(|e| panic!("record {record} does not match its type: {e}"))
}

/// Every record of type `record_type` the process printed so far, typed.
pub fn records_of<T: DeserializeOwned>(child: &Child, record_type: &str) -> Vec<T> {
    child
        .json_records()
        .iter()
        .filter(|record| record["type"] == record_type)
        .map(typed)
        .collect()
}

/// The last record the process printed, which must be of `record_type`.
pub fn last_record<T: DeserializeOwned>(child: &Child, record_type: &str) -> T {
    let records = child.json_records();
    match records.last() {
        Some(last) if last["type"] == record_type => typed(last),
        other => panic!(
            "last record is {other:?}, not {record_type}\n{}",
            child.diagnostics()
        ),
    }
}

/// The exit code of a process that must exit within `timeout`.
pub fn exit_code(child: &mut Child, timeout: Duration) -> i32 {
    match child.wait_timeout(timeout) {
        Some(status) => status.code().unwrap_or_else(|| {
            panic!(
                "{} ended by a signal ({status})\n{}",
                child.label(),
                child.diagnostics()
            )
        }),
        None => panic!(
            "{} did not exit within {timeout:?}\n{}",
            child.label(),
            child.diagnostics()
        ),
    }
}
