//! libtorrent (Debian's python3-libtorrent) as a seeder or a leecher, via
//! `lt_peer.py` run with `/usr/bin/python3` (the pyenv `python3` on PATH
//! has no libtorrent). The script listens on 127.0.0.1 on a port the kernel
//! picks and reports it as `{"type":"listening","addr":...}`, so there is no
//! port race; it can dial peers given on its command line or on stdin.

use super::{Child, Leecher, Seeder, TestEnv};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The interpreter that has the libtorrent bindings.
const PYTHON: &str = "/usr/bin/python3";

/// How long libtorrent may take to start and check its data.
const START: Duration = Duration::from_secs(30);

/// Starts libtorrent sessions with the loopback-only settings.
#[derive(Debug)]
pub struct Libtorrent;

impl Libtorrent {
    /// The path of the peer script.
    pub fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/lt_peer.py")
    }

    /// Seeds `torrent` from `data_dir` (which contains the content under the
    /// torrent's name); returns once the data is checked and it is seeding.
    /// Commands such as `connect 127.0.0.1:PORT` can be sent with
    /// [`Child::send_line`].
    pub fn seed(env: &TestEnv, torrent: &Path, data_dir: &Path) -> Seeder {
        let mut command = env.command(PYTHON);
        command
            .arg(Self::script())
            .arg("seed")
            .arg(torrent)
            .arg(data_dir);
        let mut child = Child::spawn_with_stdin("libtorrent seed", command);
        let port = listening_port(&mut child);
        child.read_record(START, "seeding");
        Seeder { child, port }
    }

    /// Downloads `torrent` into `out_dir`, dialing `peers` (`IP:PORT`) and
    /// the tracker's peers; exits after completion.
    pub fn leech(env: &TestEnv, torrent: &Path, out_dir: &Path, peers: &[&str]) -> Leecher {
        let marker = env
            .path()
            .join(format!("libtorrent-{}.complete", rand::random::<u32>()));
        let mut command = env.command(PYTHON);
        command
            .arg(Self::script())
            .arg("leech")
            .arg(torrent)
            .arg(out_dir)
            .arg("--exit-on-complete")
            .arg("--done-marker")
            .arg(&marker);
        for peer in peers {
            command.arg("--peer").arg(peer);
        }
        let mut child = Child::spawn_with_stdin("libtorrent leech", command);
        let port = listening_port(&mut child);
        Leecher::new(child, port, marker, true)
    }
}

fn listening_port(child: &mut Child) -> u16 {
    let record = child.read_record(START, "listening");
    let addr = record["addr"].as_str().unwrap_or_default();
    addr.parse::<std::net::SocketAddr>()
        .unwrap_or_else(|e| panic!("bad listening record {record}: {e}"))
        .port()
}
