//! How peer connections travel: TCP, uTP (BEP 29) or both. A process binds
//! one UDP socket for uTP (on the TCP listener's port number, shared with
//! the DHT node: see `udp_port`) beside its TCP listeners, and every connection, dialled or accepted, becomes a
//! [`PeerSocket`], over which the MSE negotiation, the BitTorrent handshake
//! and the message codec run unchanged.
//!
//! uTP comes from `librqbit-utp` 0.7 (rqbit's, pure Rust, tokio), vendored
//! with a LEDBAT controller (RFC 6817, as BEP 29 describes; see
//! vendor/librqbit-utp/BTT-PATCHES.md) that btt's sockets use instead of the
//! crate's default Cubic: each ACK's one-way delay (the peer's
//! `timestamp_difference_microseconds`) less the lowest of the last ten
//! minutes is the queuing delay, and the window grows while it is under
//! 100 ms and shrinks above, so uTP yields to other traffic on the path.
//! `libutp-rs2` wraps
//! BitTorrent's C libutp, which has LEDBAT, but leaves `flush` and
//! `shutdown` unimplemented and its streams unsplittable, and `utp-rs`
//! (ethereum's) is an alpha with 1 KiB packets.
//!
//! Invariants:
//! - under [`UtpMode::Off`] there is no uTP socket; under [`UtpMode::Only`]
//!   no TCP listener is bound and nothing is dialled over TCP;
//! - under [`UtpMode::On`] a peer is dialled over TCP first and over uTP
//!   when the TCP opening fails (see `dialer`): a peer without uTP (aria2)
//!   would cost a uTP connect timeout.
//! - the uTP socket is dual-stack when bound to every address, so IPv4 and
//!   IPv6 peers share it, and IPv4 peers keep their plain addresses.

use super::peer_entry::PeerError;
use super::udp_port::UdpPort;
use crate::peer::Split;
use librqbit_utp::{
    CongestionConfig, CongestionControllerKind, SocketOpts, UtpSocket, UtpSocketUdp, UtpStream,
    UtpStreamReadHalf, UtpStreamWriteHalf,
};
use std::io;
use std::net::{Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// How long a uTP connect may take (libtorrent's `utp_connect_timeout`).
const UTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a TCP connect may take.
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The crate's clock and randomness, a type it names only in
/// [`UtpSocketUdp`]: its socket type over our [`UdpPort`] needs it.
pub trait Environment {
    /// The environment type of a uTP socket type.
    type Of;
}

impl<T, E> Environment for UtpSocket<T, E> {
    type Of = E;
}

/// The uTP socket over the shared UDP port.
pub type Utp = UtpSocket<UdpPort, <UtpSocketUdp as Environment>::Of>;

/// Which transports peer connections use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UtpMode {
    /// TCP and uTP both ways; TCP is dialled first.
    #[default]
    On,
    /// TCP only.
    Off,
    /// uTP only: no TCP listener, nothing dialled over TCP.
    Only,
}

impl UtpMode {
    /// Whether TCP is used at all.
    pub fn uses_tcp(self) -> bool {
        self != UtpMode::Only
    }

    /// Whether uTP is used at all.
    pub fn uses_utp(self) -> bool {
        self != UtpMode::Off
    }
}

/// The transport a connection runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// TCP.
    Tcp,
    /// uTP over UDP.
    Utp,
}

/// A process's ways to reach peers: its mode and its uTP socket, if any.
#[derive(Clone, Default)]
pub struct PeerTransport {
    mode: UtpMode,
    utp: Option<(Arc<Utp>, UdpPort)>,
}

impl std::fmt::Debug for PeerTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerTransport")
            .field("mode", &self.mode)
            .field("utp", &self.utp_addr())
            .finish()
    }
}

impl PeerTransport {
    /// TCP only, with no socket of its own (tests of the TCP engine).
    pub fn tcp() -> PeerTransport {
        PeerTransport {
            mode: UtpMode::Off,
            utp: None,
        }
    }

    /// Binds the uTP socket `mode` needs on `addr`: dual-stack when `addr`
    /// is every IPv4 address (IPv4 alone on a host without IPv6).
    pub async fn bind(mode: UtpMode, addr: SocketAddr) -> io::Result<PeerTransport> {
        if !mode.uses_utp() {
            return Ok(PeerTransport { mode, utp: None });
        }
        let dual_stack = SocketAddr::from((Ipv6Addr::UNSPECIFIED, addr.port()));
        let socket = match addr.ip().is_unspecified() && addr.is_ipv4() {
            true => match bind_utp(dual_stack).await {
                Ok(socket) => socket,
                Err(error) if error.kind() == io::ErrorKind::AddrInUse => return Err(error),
                Err(_) => bind_utp(addr).await?,
            },
            false => bind_utp(addr).await?,
        };
        Ok(PeerTransport {
            mode,
            utp: Some(socket),
        })
    }

    /// The mode.
    pub fn mode(&self) -> UtpMode {
        self.mode
    }

    /// The bound uTP address, if uTP is on.
    pub fn utp_addr(&self) -> Option<SocketAddr> {
        self.utp.as_ref().map(|(_, port)| port.local_addr())
    }

    /// The uTP socket, for the listener.
    pub fn utp_socket(&self) -> Option<Arc<Utp>> {
        self.utp.as_ref().map(|(socket, _)| Arc::clone(socket))
    }

    /// The UDP port uTP runs on, which the DHT node may share.
    pub(super) fn udp_port(&self) -> Option<&UdpPort> {
        self.utp.as_ref().map(|(_, port)| port)
    }

    /// The transports to try, in order, when dialling.
    pub(super) fn dial_order(&self) -> &'static [TransportKind] {
        match (self.mode, self.utp.is_some()) {
            (UtpMode::Only, _) => &[TransportKind::Utp],
            (UtpMode::On, true) => &[TransportKind::Tcp, TransportKind::Utp],
            _ => &[TransportKind::Tcp],
        }
    }

    /// A connection to `addr` over `kind`.
    pub(super) async fn connect(
        &self,
        kind: TransportKind,
        addr: SocketAddr,
    ) -> Result<PeerSocket, PeerError> {
        match (kind, &self.utp) {
            (TransportKind::Utp, Some((socket, _))) => {
                let stream = timeout(UTP_CONNECT_TIMEOUT, socket.connect(addr))
                    .await
                    .map_err(|_| PeerError::Timeout)?
                    .map_err(|error| PeerError::Wire(io::Error::other(error).into()))?;
                Ok(PeerSocket::Utp(stream))
            }
            (TransportKind::Utp, None) => Err(PeerError::Refused("uTP is off")),
            (TransportKind::Tcp, _) => {
                let stream = timeout(TCP_CONNECT_TIMEOUT, TcpStream::connect(addr))
                    .await
                    .map_err(|_| PeerError::Timeout)?
                    .map_err(|error| PeerError::Wire(error.into()))?;
                Ok(PeerSocket::tcp(stream))
            }
        }
    }
}

async fn bind_utp(addr: SocketAddr) -> io::Result<(Arc<Utp>, UdpPort)> {
    let port = UdpPort::bind(addr)?;
    let options = SocketOpts {
        disable_nagle: true,
        congestion: CongestionConfig {
            kind: CongestionControllerKind::Ledbat,
            tracing: false,
        },
        ..SocketOpts::default()
    };
    let socket =
        Utp::new_with_opts(port.clone(), Default::default(), options).map_err(io::Error::other)?;
    Ok((socket, port))
}

/// One peer connection's byte stream, over TCP or uTP.
pub enum PeerSocket {
    /// A TCP connection (Nagle's algorithm off).
    Tcp(TcpStream),
    /// A uTP connection.
    Utp(UtpStream),
}

impl PeerSocket {
    /// A TCP connection with Nagle's algorithm off, for the small messages of the handshakes.
    pub fn tcp(stream: TcpStream) -> PeerSocket {
        let _ = stream.set_nodelay(true);
        PeerSocket::Tcp(stream)
    }

    /// Which transport it runs over.
    pub fn kind(&self) -> TransportKind {
        match self {
            PeerSocket::Tcp(_) => TransportKind::Tcp,
            PeerSocket::Utp(_) => TransportKind::Utp,
        }
    }
}

/// The read half of a [`PeerSocket`].
pub enum PeerSocketReader {
    /// TCP.
    Tcp(OwnedReadHalf),
    /// uTP.
    Utp(UtpStreamReadHalf),
}

/// The write half of a [`PeerSocket`].
pub enum PeerSocketWriter {
    /// TCP.
    Tcp(OwnedWriteHalf),
    /// uTP.
    Utp(UtpStreamWriteHalf),
}

impl Split for PeerSocket {
    type Read = PeerSocketReader;
    type Write = PeerSocketWriter;

    fn split(self) -> (PeerSocketReader, PeerSocketWriter) {
        match self {
            PeerSocket::Tcp(stream) => {
                let (read, write) = stream.into_split();
                (PeerSocketReader::Tcp(read), PeerSocketWriter::Tcp(write))
            }
            PeerSocket::Utp(stream) => {
                let (read, write) = stream.split();
                (PeerSocketReader::Utp(read), PeerSocketWriter::Utp(write))
            }
        }
    }
}

/// Implements `AsyncRead` for an enum whose variants all do.
macro_rules! delegate_read {
    ($type:ident) => {
        impl AsyncRead for $type {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_read(cx, buf),
                    $type::Utp(inner) => Pin::new(inner).poll_read(cx, buf),
                }
            }
        }
    };
}

/// Implements `AsyncWrite` for an enum whose variants all do.
macro_rules! delegate_write {
    ($type:ident) => {
        impl AsyncWrite for $type {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_write(cx, buf),
                    $type::Utp(inner) => Pin::new(inner).poll_write(cx, buf),
                }
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_flush(cx),
                    $type::Utp(inner) => Pin::new(inner).poll_flush(cx),
                }
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $type::Tcp(inner) => Pin::new(inner).poll_shutdown(cx),
                    $type::Utp(inner) => Pin::new(inner).poll_shutdown(cx),
                }
            }
        }
    };
}

delegate_read!(PeerSocket);
delegate_write!(PeerSocket);
delegate_read!(PeerSocketReader);
delegate_write!(PeerSocketWriter);

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn utp_on_loopback(ip: &str) -> PeerTransport {
        let addr = SocketAddr::new(ip.parse().unwrap(), 0);
        PeerTransport::bind(UtpMode::Only, addr).await.unwrap()
    }

    /// Sends `bytes` from a dialled socket to an accepted one and back.
    async fn echo_over_utp(ip: &str) {
        let (server, client) = (utp_on_loopback(ip).await, utp_on_loopback(ip).await);
        let listening = server.utp_addr().unwrap();
        assert_eq!(listening.ip(), ip.parse::<std::net::IpAddr>().unwrap());
        let accepting = tokio::spawn(async move {
            let stream = server.utp_socket().unwrap().accept().await.unwrap();
            let (mut read, mut write) = PeerSocket::Utp(stream).split();
            let mut buffer = vec![0u8; 300_000];
            read.read_exact(&mut buffer).await.unwrap();
            write.write_all(&buffer).await.unwrap();
            write.flush().await.unwrap();
        });
        let bytes: Vec<u8> = (0..300_000u32).map(|n| (n % 253) as u8).collect();
        let mut socket = client.connect(TransportKind::Utp, listening).await.unwrap();
        assert_eq!(socket.kind(), TransportKind::Utp);
        socket.write_all(&bytes).await.unwrap();
        socket.flush().await.unwrap();
        let mut echoed = vec![0u8; bytes.len()];
        socket.read_exact(&mut echoed).await.unwrap();
        assert_eq!(echoed, bytes);
        accepting.await.unwrap();
    }

    #[tokio::test]
    async fn bytes_cross_a_utp_connection_both_ways_on_ipv4() {
        echo_over_utp("127.0.0.1").await;
    }

    #[tokio::test]
    async fn bytes_cross_a_utp_connection_both_ways_on_ipv6() {
        echo_over_utp("::1").await;
    }

    #[tokio::test]
    async fn the_dial_order_follows_the_mode() {
        let any = "127.0.0.1:0".parse().unwrap();
        let order = |mode| async move {
            PeerTransport::bind(mode, any)
                .await
                .unwrap()
                .dial_order()
                .to_vec()
        };
        use TransportKind::{Tcp, Utp};
        assert_eq!(order(UtpMode::On).await, [Tcp, Utp]);
        assert_eq!(order(UtpMode::Off).await, [Tcp]);
        assert_eq!(order(UtpMode::Only).await, [Utp]);
    }

    #[tokio::test]
    async fn a_taken_udp_port_is_addr_in_use() {
        let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let error = PeerTransport::bind(UtpMode::On, addr).await.err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse, "{error}");
    }

    #[tokio::test]
    async fn a_utp_dial_to_nobody_times_out() {
        let client = utp_on_loopback("127.0.0.1").await;
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let outcome = client.connect(TransportKind::Utp, addr).await;
        assert!(
            matches!(outcome, Err(PeerError::Timeout)),
            "{:?}",
            outcome.err()
        );
    }
}
