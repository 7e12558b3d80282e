//! The one UDP socket of a process, shared by uTP and the DHT node, as
//! libtorrent shares its: uTP reads every datagram, and those that are KRPC
//! messages (bencoded dictionaries, which start with `d`; a uTP header
//! starts with its type and version 1, `0x01` to `0x41`) go to the DHT
//! node's inbox instead. The node sends through the same socket.
//!
//! Invariants:
//! - a datagram for the DHT is never given to uTP, and is dropped when no
//!   node is attached or its inbox is full (UDP may drop it anyway);
//! - the socket is dual-stack when bound to every IPv6 address, and the
//!   DHT node (IPv4 only) is then handed `0.0.0.0:PORT`; a socket bound to
//!   one IPv6 address is not shared with the DHT.

use librqbit_dualstack_sockets::{BindOpts, PollSendToVectored, UdpSocket};
use mainline::SharedSocket;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

/// Datagrams waiting for the DHT node, at most.
const DHT_INBOX: usize = 1024;
/// The receive buffer asked of the kernel (it may give less): room for a
/// few connections' receive windows while the reader is busy.
const RECEIVE_BUFFER: usize = 16 << 20;

/// The shared socket; cheap to clone.
#[derive(Clone)]
pub struct UdpPort(Arc<Shared>);

struct Shared {
    socket: UdpSocket,
    dht: OnceLock<SyncSender<(Vec<u8>, SocketAddrV4)>>,
}

impl UdpPort {
    /// Binds `addr` (dual-stack for every IPv6 address), with "don't
    /// fragment" set for uTP's MTU probes.
    pub fn bind(addr: SocketAddr) -> io::Result<UdpPort> {
        let options = BindOpts {
            request_dualstack: true,
            reuseport: false,
            device: None,
        };
        let socket = UdpSocket::bind_udp(addr, options).map_err(bind_error)?;
        set_options(&socket);
        Ok(UdpPort(Arc::new(Shared {
            socket,
            dht: OnceLock::new(),
        })))
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.0.socket.bind_addr()
    }

    /// The socket as the DHT node takes it, attaching the node's inbox;
    /// `None` when the socket has no IPv4 side or a node is attached already.
    pub fn share_with_dht(&self) -> Option<SharedSocket> {
        let local_addr = self.ipv4_addr()?;
        let (sender, inbox) = sync_channel(DHT_INBOX);
        self.0.dht.set(sender).ok()?;
        let port = self.clone();
        Some(SharedSocket {
            local_addr,
            send: Arc::new(move |bytes, target| port.send_now(bytes, SocketAddr::V4(target))),
            inbox: Arc::new(Mutex::new(inbox)),
        })
    }

    /// The address IPv4 nodes reach the socket at, if it has an IPv4 side.
    fn ipv4_addr(&self) -> Option<SocketAddrV4> {
        match self.local_addr() {
            SocketAddr::V4(addr) => Some(addr),
            SocketAddr::V6(addr) if self.0.socket.is_dualstack() => {
                Some(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, addr.port()))
            }
            SocketAddr::V6(_) => None,
        }
    }

    /// Sends without waiting (the DHT node's thread is not on the runtime):
    /// a full send buffer drops the datagram, as a full network would.
    fn send_now(&self, bytes: &[u8], target: SocketAddr) -> io::Result<usize> {
        let target = match (target, self.0.socket.is_dualstack()) {
            (SocketAddr::V4(v4), true) => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            (target, _) => target,
        };
        socket2::SockRef::from(self.0.socket.socket()).send_to(bytes, &target.into())
    }

    /// Hands a datagram to the DHT node if it is a KRPC message; whether it was one.
    fn route_to_dht(&self, datagram: &[u8], from: SocketAddr) -> bool {
        if datagram.first() != Some(&b'd') {
            return false;
        }
        if let (Some(dht), SocketAddr::V4(from)) = (self.0.dht.get(), from) {
            let _ = dht.try_send((datagram.to_vec(), from));
        }
        true
    }
}

fn set_options(socket: &UdpSocket) {
    use dontfrag::UdpSocketExt;
    let inner = socket.socket();
    let _ = match socket.bind_addr() {
        SocketAddr::V4(_) => inner.set_dontfrag_v4(true),
        SocketAddr::V6(_) => inner.set_dontfrag_v6(true),
    };
    let _ = socket2::SockRef::from(inner).set_recv_buffer_size(RECEIVE_BUFFER);
}

/// The crate's bind error as the `io::Error` inside it, so a taken port
/// stays `AddrInUse`.
fn bind_error(error: librqbit_dualstack_sockets::Error) -> io::Error {
    match error {
        librqbit_dualstack_sockets::Error::Bind(error) => error,
        other => io::Error::other(other),
    }
}

impl PollSendToVectored for UdpPort {
    fn poll_send_to_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.0.socket.poll_send_to_vectored(cx, bufs, target)
    }
}

impl librqbit_utp::Transport for UdpPort {
    async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        loop {
            let (length, from) = self.0.socket.recv_from(buf).await?;
            if !self.route_to_dht(&buf[..length], from) {
                return Ok((length, from));
            }
        }
    }

    fn send_to<'a>(
        &'a self,
        buf: &'a [u8],
        target: SocketAddr,
    ) -> impl Future<Output = io::Result<usize>> + Send + Sync + 'a {
        self.0.socket.send_to(buf, target)
    }

    fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.0.socket.poll_send_to(cx, buf, target)
    }

    fn bind_addr(&self) -> SocketAddr {
        self.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use librqbit_utp::Transport;
    use std::time::Duration;

    #[tokio::test]
    async fn krpc_datagrams_go_to_the_dht_and_the_rest_to_utp() {
        let port = UdpPort::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let dht = port.share_with_dht().unwrap();
        assert_eq!(SocketAddr::V4(dht.local_addr), port.local_addr());
        assert!(port.share_with_dht().is_none(), "attached twice");
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer_addr = peer.local_addr().unwrap();
        peer.send_to(b"d1:y1:qe", port.local_addr()).unwrap();
        peer.send_to(&[0x41, 1, 2, 3], port.local_addr()).unwrap();
        let mut buf = [0u8; 64];
        let (length, from) = port.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..length], from), (&[0x41, 1, 2, 3][..], peer_addr));
        let inbox = dht.inbox.lock().unwrap();
        let (krpc, from) = inbox.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            (krpc.as_slice(), SocketAddr::V4(from)),
            (&b"d1:y1:qe"[..], peer_addr)
        );
        let SocketAddr::V4(peer_v4) = peer_addr else {
            unreachable!()
        };
        (dht.send)(b"d1:y1:re", peer_v4).unwrap();
        let (length, from) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..length], from),
            (&b"d1:y1:re"[..], port.local_addr())
        );
    }

    #[tokio::test]
    async fn a_dual_stack_socket_gives_the_dht_its_ipv4_side() {
        let Ok(port) = UdpPort::bind("[::]:0".parse().unwrap()) else {
            return; // a host without IPv6
        };
        let dht = port.share_with_dht().unwrap();
        assert_eq!(*dht.local_addr.ip(), Ipv4Addr::UNSPECIFIED);
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let SocketAddr::V4(peer_v4) = peer.local_addr().unwrap() else {
            unreachable!()
        };
        (dht.send)(b"d1:y1:re", peer_v4).unwrap();
        let mut buf = [0u8; 64];
        let (length, _) = peer.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..length], b"d1:y1:re");
    }

    #[tokio::test]
    async fn a_socket_on_one_ipv6_address_is_not_shared_with_the_dht() {
        let port = UdpPort::bind("[::1]:0".parse().unwrap()).unwrap();
        assert!(port.share_with_dht().is_none());
    }
}
