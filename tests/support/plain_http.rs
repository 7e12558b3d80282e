//! [`PlainHttpServer`]: Python's `http.server` serving a directory on
//! 127.0.0.1, as a user would start it for a web seed. It ignores `Range`
//! and answers every request `200 OK` with the whole file. A [`Child`]
//! stopped by PID when dropped.

use super::{free_port, Child, TestEnv};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the server may take to accept connections.
const START: Duration = Duration::from_secs(20);

/// A running `python3 -m http.server`.
pub struct PlainHttpServer {
    _child: Child,
    port: u16,
}

impl PlainHttpServer {
    /// Serves `root` and returns once the server accepts connections.
    pub fn serve(env: &TestEnv, root: &Path) -> PlainHttpServer {
        let port = free_port();
        let mut command = env.command("python3");
        command
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(root);
        let mut child = env.spawn("python3 -m http.server", command);
        let deadline = Instant::now() + START;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline && child.try_wait().is_none(),
                "http.server did not start\n{}",
                child.diagnostics()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        PlainHttpServer {
            _child: child,
            port,
        }
    }

    /// The URL of `path` on the server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }
}
