//! A small embedded tracker for private swarms and tests: HTTP (BEP 3, 7, 23,
//! 48) over TCP and BEP 15 over UDP, on the same port number, sharing one
//! in-memory registry of swarms.
//!
//! The server binds exactly the address it is given. Peers are recorded at the
//! address their announce came from with the port they announced (an `ip`
//! parameter is ignored, so nobody can register someone else's address), and
//! forgotten two intervals after their last announce.

mod http;
mod registry;
mod udp;

pub use http::MAX_REQUEST;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, UdpSocket};

use crate::connection_slots::is_passing;

use registry::{Limits, Registry};

/// How many times `bind` looks for a port free for both TCP and UDP.
const BIND_ATTEMPTS: usize = 64;

/// How the embedded tracker behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// The announce interval told to peers; peers expire after two.
    pub interval: Duration,
    /// How long an HTTP client may take to send its request.
    pub read_timeout: Duration,
    /// The most HTTP connections open at once; a new one beyond it takes
    /// the place of the longest-idle one still waiting for its request.
    pub max_connections: usize,
    /// The most torrents tracked; announces for more are refused.
    pub max_swarms: usize,
    /// The most peers in one swarm; newcomers beyond it are refused.
    pub max_peers_per_swarm: usize,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions {
            interval: Duration::from_secs(30 * 60),
            read_timeout: Duration::from_secs(10),
            max_connections: 256,
            max_swarms: 100_000,
            max_peers_per_swarm: 10_000,
        }
    }
}

/// A bound, not yet running, tracker.
#[derive(Debug)]
pub struct TrackerServer {
    tcp: TcpListener,
    udp: UdpSocket,
    local_addr: SocketAddr,
    options: ServerOptions,
}

/// What the HTTP and UDP halves share.
#[derive(Debug)]
struct Shared {
    options: ServerOptions,
    registry: Mutex<Registry>,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl TrackerServer {
    /// Binds TCP and UDP on `addr`. With port 0, picks a port number that is
    /// free for both.
    pub async fn bind(addr: SocketAddr, options: ServerOptions) -> io::Result<TrackerServer> {
        let (tcp, udp) = if addr.port() == 0 {
            bind_any_port(addr).await?
        } else {
            (TcpListener::bind(addr).await?, UdpSocket::bind(addr).await?)
        };
        let local_addr = tcp.local_addr()?;
        Ok(TrackerServer {
            tcp,
            udp,
            local_addr,
            options,
        })
    }

    /// The address both sockets are bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The HTTP announce URL of this tracker.
    pub fn http_announce_url(&self) -> String {
        format!("http://{}/announce", self.local_addr)
    }

    /// The UDP announce URL of this tracker.
    pub fn udp_announce_url(&self) -> String {
        format!("udp://{}", self.local_addr)
    }

    /// Serves until the returned future is dropped, or until a socket fails
    /// for good. Dropping it also ends every open connection.
    pub async fn run(self) -> io::Result<()> {
        let ttl = self.options.interval.saturating_mul(2);
        let limits = Limits {
            swarms: self.options.max_swarms,
            peers_per_swarm: self.options.max_peers_per_swarm,
        };
        let shared = Arc::new(Shared {
            options: self.options,
            registry: Mutex::new(Registry::new(ttl, limits)),
        });
        tokio::select! {
            result = http::serve(self.tcp, Arc::clone(&shared)) => result,
            result = udp::serve(self.udp, Arc::clone(&shared)) => result,
            never = sweep(shared) => match never {},
        }
    }
}

async fn bind_any_port(addr: SocketAddr) -> io::Result<(TcpListener, UdpSocket)> {
    let mut last_error = None;
    for _ in 0..BIND_ATTEMPTS {
        let tcp = TcpListener::bind(addr).await?;
        let port = tcp.local_addr()?.port();
        match UdpSocket::bind(SocketAddr::new(addr.ip(), port)).await {
            Ok(udp) => return Ok((tcp, udp)),
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => last_error = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AddrInUse)))
}

/// Forgets expired peers once per interval, so idle swarms do not pile up.
async fn sweep(shared: Arc<Shared>) -> std::convert::Infallible {
    let mut ticks = tokio::time::interval(shared.options.interval);
    loop {
        ticks.tick().await;
        shared.registry().sweep(Instant::now());
    }
}

/// A tracker running on a test runtime, stopped when dropped.
#[cfg(test)]
pub(crate) struct RunningServer {
    pub(crate) addr: SocketAddr,
    task: tokio::task::JoinHandle<io::Result<()>>,
}

#[cfg(test)]
impl RunningServer {
    /// Binds `addr` (port 0 picks one) and starts serving.
    pub(crate) async fn start(addr: &str, options: ServerOptions) -> RunningServer {
        let addr = addr.parse().expect("test address");
        let server = TrackerServer::bind(addr, options).await.expect("bind");
        let addr = server.local_addr();
        RunningServer {
            addr,
            task: tokio::spawn(server.run()),
        }
    }

    pub(crate) fn http_url(&self) -> String {
        format!("http://{}/announce", self.addr)
    }

    pub(crate) fn udp_url(&self) -> String {
        format!("udp://{}", self.addr)
    }
}

#[cfg(test)]
impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn port_zero_binds_tcp_and_udp_on_one_port() {
        for addr in ["127.0.0.1:0", "[::1]:0"] {
            let server = TrackerServer::bind(addr.parse().unwrap(), ServerOptions::default())
                .await
                .unwrap();
            let port = server.local_addr().port();
            assert_ne!(port, 0);
            assert_eq!(server.udp.local_addr().unwrap().port(), port);
            assert_eq!(
                server.local_addr().ip(),
                addr.parse::<SocketAddr>().unwrap().ip()
            );
        }
    }

    #[tokio::test]
    async fn a_taken_port_is_an_error() {
        let first = TrackerServer::bind("127.0.0.1:0".parse().unwrap(), ServerOptions::default())
            .await
            .unwrap();
        let taken = TrackerServer::bind(first.local_addr(), ServerOptions::default()).await;
        assert_eq!(taken.unwrap_err().kind(), io::ErrorKind::AddrInUse);
    }
}
