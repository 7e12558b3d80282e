//! [`PeerStream`]: a peer connection after the MSE negotiation, plain or
//! RC4-encrypted, as one `AsyncRead + AsyncWrite` type that the BitTorrent
//! handshake and the message codec run over unchanged.
//!
//! Invariants:
//! - `buffered` holds bytes read past the negotiation, already decrypted;
//!   they are served before anything else is read from the socket;
//! - with a write cipher, each byte is encrypted exactly once: a write takes
//!   its bytes into `unsent` (encrypted) and reports them written, and
//!   every later write, flush or shutdown sends `unsent` first. Callers
//!   must flush (as `write_all` followed by `flush` does) for the last bytes
//!   to leave.

use super::keys::Cipher;
use bytes::{Buf, BytesMut};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// A connection that splits into owned read and write halves (TCP, and the
/// swarm's transport over TCP or uTP), so the two halves of a
/// [`PeerStream`] can run in separate tasks.
pub trait Split {
    /// The read half.
    type Read;
    /// The write half.
    type Write;
    /// Splits the connection.
    fn split(self) -> (Self::Read, Self::Write);
}

impl Split for TcpStream {
    type Read = OwnedReadHalf;
    type Write = OwnedWriteHalf;

    fn split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        self.into_split()
    }
}

/// The most bytes one write takes in (and holds encrypted until sent).
const MAX_WRITE_CHUNK: usize = 256 * 1024;

/// A peer connection, plain or encrypted.
#[derive(Debug)]
pub struct PeerStream<S> {
    inner: S,
    buffered: BytesMut,
    read_cipher: Option<Cipher>,
    write_cipher: Option<Cipher>,
    unsent: Vec<u8>,
    unsent_start: usize,
}

impl<S> PeerStream<S> {
    /// A plain stream that first serves `buffered` (bytes already read from `inner`).
    pub fn plain(inner: S, buffered: BytesMut) -> PeerStream<S> {
        PeerStream {
            inner,
            buffered,
            read_cipher: None,
            write_cipher: None,
            unsent: Vec::new(),
            unsent_start: 0,
        }
    }

    /// A stream that decrypts what it reads and encrypts what it writes,
    /// serving `buffered` (already decrypted) first.
    pub fn encrypted(inner: S, buffered: BytesMut, read: Cipher, write: Cipher) -> PeerStream<S> {
        PeerStream {
            read_cipher: Some(read),
            write_cipher: Some(write),
            ..PeerStream::plain(inner, buffered)
        }
    }

    /// Whether the payload is RC4-encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.write_cipher.is_some()
    }
}

impl<S: Split> PeerStream<S> {
    /// Splits into a read half and a write half, each keeping its own cipher.
    pub fn into_split(self) -> (PeerStream<S::Read>, PeerStream<S::Write>) {
        let (read, write) = self.inner.split();
        let reader = PeerStream {
            read_cipher: self.read_cipher,
            ..PeerStream::plain(read, self.buffered)
        };
        let writer = PeerStream {
            write_cipher: self.write_cipher,
            unsent: self.unsent,
            unsent_start: self.unsent_start,
            ..PeerStream::plain(write, BytesMut::new())
        };
        (reader, writer)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PeerStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.buffered.is_empty() {
            let count = this.buffered.len().min(buf.remaining());
            buf.put_slice(&this.buffered[..count]);
            this.buffered.advance(count);
            return Poll::Ready(Ok(()));
        }
        let start = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if let Some(cipher) = &mut this.read_cipher {
            cipher.apply(&mut buf.filled_mut()[start..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> PeerStream<S> {
    /// Sends the encrypted bytes not yet sent.
    fn poll_send_unsent(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.unsent_start < self.unsent.len() {
            let pending = &self.unsent[self.unsent_start..];
            let written = ready!(Pin::new(&mut self.inner).poll_write(cx, pending))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.unsent_start += written;
        }
        self.unsent.clear();
        self.unsent_start = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PeerStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.write_cipher.is_none() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        ready!(this.poll_send_unsent(cx))?;
        let taken = buf.len().min(MAX_WRITE_CHUNK);
        this.unsent.extend_from_slice(&buf[..taken]);
        if let Some(cipher) = &mut this.write_cipher {
            cipher.apply(&mut this.unsent);
        }
        // The bytes are ours now; whatever is not sent yet goes with the next call.
        if let Poll::Ready(Err(error)) = this.poll_send_unsent(cx) {
            return Poll::Ready(Err(error));
        }
        Poll::Ready(Ok(taken))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_unsent(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_unsent(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn ciphers(initiator: bool) -> (Cipher, Cipher) {
        let (secret, skey) = ([5u8; 96], [6u8; 20]);
        (
            Cipher::new(!initiator, &secret, &skey),
            Cipher::new(initiator, &secret, &skey),
        )
    }

    #[tokio::test]
    async fn encrypted_bytes_cross_a_small_pipe_in_order_and_buffered_bytes_come_first() {
        let (left, right) = tokio::io::duplex(100);
        let (read, write) = ciphers(true);
        let mut left = PeerStream::encrypted(left, BytesMut::new(), read, write);
        let (read, write) = ciphers(false);
        let mut right = PeerStream::encrypted(right, BytesMut::from(&b"ahead"[..]), read, write);
        let message: Vec<u8> = (0..10_000u32).map(|n| (n % 251) as u8).collect();
        let sending = async {
            left.write_all(&message).await.unwrap();
            left.flush().await.unwrap();
        };
        let mut received = vec![0u8; 5 + message.len()];
        let receiving = right.read_exact(&mut received);
        let ((), read) = tokio::join!(sending, receiving);
        read.unwrap();
        assert_eq!(&received[..5], b"ahead");
        assert_eq!(&received[5..], &message[..]);
        assert!(left.is_encrypted());
    }

    #[tokio::test]
    async fn a_plain_stream_passes_bytes_through() {
        let (left, mut right) = tokio::io::duplex(100);
        let mut left = PeerStream::plain(left, BytesMut::new());
        left.write_all(b"plain").await.unwrap();
        let mut received = [0u8; 5];
        right.read_exact(&mut received).await.unwrap();
        assert_eq!(&received, b"plain");
        assert!(!left.is_encrypted());
    }
}
