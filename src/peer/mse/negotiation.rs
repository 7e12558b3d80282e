//! The MSE negotiation (the "Message Stream Encryption" spec of Azureus and
//! libtorrent, "PE" in µTorrent): both sides send a DH public key and up to
//! 512 bytes of padding; the initiator then sends `HASH('req1', S)`, the
//! obfuscated `HASH('req2', SKEY)` and, under RC4, the verification
//! constant, the methods it provides, padding and an initial payload; the
//! responder answers, under RC4, with the constant, the method it selects
//! and padding. After that the payload is RC4-encrypted or plain, as
//! selected.
//!
//! Invariants:
//! - nothing is read past what the spec lets the other side send before it
//!   waits for us, so neither side waits on the other;
//! - every length read from the peer is bounded before it is used (padding
//!   at 512 bytes, the searched prefix at 512 bytes past the known bytes);
//! - a responder serves only an info-hash its `find_skey` knows, and tells
//!   the caller which one, so the BitTorrent handshake can be checked
//!   against it.
//!
//! We send no initial payload: the BitTorrent handshake follows the
//! negotiation, over the returned stream.

use super::dh::{KeyPair, KEY_LENGTH};
use super::keys::{self, Cipher};
use super::stream::PeerStream;
use super::{EncryptionPolicy, MseError, PLAINTEXT, RC4};
use crate::peer::PROTOCOL_HEADER;
use bytes::{Buf, BufMut, BytesMut};
use rand::Rng;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The most padding either side may send at each step.
const MAX_PAD: usize = 512;
/// The verification constant: 8 zero bytes, sent encrypted.
const VC: [u8; 8] = [0; 8];

/// An incoming connection after [`respond`].
#[derive(Debug)]
pub struct Accepted<S> {
    /// The stream the BitTorrent handshake is read from.
    pub stream: PeerStream<S>,
    /// The info-hash the peer named in the negotiation; `None` for a plain
    /// connection.
    pub skey: Option<[u8; 20]>,
}

/// Negotiates as the side that opened the connection, for the torrent
/// `skey`, offering what `policy` allows (`Off` offers plain text only).
pub async fn initiate<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    skey: [u8; 20],
    policy: EncryptionPolicy,
) -> Result<PeerStream<S>, MseError> {
    let mut wire = Wire::new(stream);
    let pair = KeyPair::generate();
    wire.send(&padded(pair.public())).await?;
    let secret = pair.shared_secret(&wire.take_array().await?);
    let mut write = Cipher::new(true, &secret, &skey);
    let mut read = Cipher::new(false, &secret, &skey);
    let provided = policy.provided();
    wire.send(&offer(&secret, &skey, provided, &mut write))
        .await?;
    let mut constant = VC;
    read.apply(&mut constant);
    wire.sync(&constant, "verification constant").await?;
    let mut head = wire.take_decrypted(6, &mut read).await?;
    let selected = head.get_u32();
    let pad = bounded_pad(head.get_u16())?;
    wire.take_decrypted(pad, &mut read).await?;
    if selected.count_ones() != 1 || selected & provided == 0 {
        return Err(MseError::BadSelect { selected });
    }
    Ok(wire.into_stream(BytesMut::new(), selected, read, write))
}

/// Answers an incoming connection: a plain BitTorrent handshake (unless
/// `policy` requires encryption) or an MSE negotiation (unless it is off)
/// for an info-hash `find_skey` returns from its `HASH('req2', SKEY)`.
pub async fn respond<S, F>(
    stream: S,
    policy: EncryptionPolicy,
    find_skey: F,
) -> Result<Accepted<S>, MseError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: Fn(&[u8; 20]) -> Option<[u8; 20]>,
{
    let mut wire = Wire::new(stream);
    wire.fill(PROTOCOL_HEADER.len()).await?;
    if wire.raw.starts_with(PROTOCOL_HEADER) {
        if policy == EncryptionPolicy::Require {
            return Err(MseError::PlainRefused);
        }
        let stream = PeerStream::plain(wire.inner, wire.raw);
        return Ok(Accepted { stream, skey: None });
    }
    if policy == EncryptionPolicy::Off {
        return Err(MseError::EncryptedRefused);
    }
    let pair = KeyPair::generate();
    let secret = pair.shared_secret(&wire.take_array().await?);
    wire.send(&padded(pair.public())).await?;
    wire.sync(&keys::req1(&secret), "HASH('req1', S)").await?;
    let named = keys::obfuscate(&wire.take_array().await?, &secret);
    let skey = find_skey(&named).ok_or(MseError::UnknownTorrent)?;
    let mut read = Cipher::new(true, &secret, &skey);
    let mut write = Cipher::new(false, &secret, &skey);
    let (provided, initial) = read_offer(&mut wire, &mut read).await?;
    let selected = policy
        .select(provided)
        .ok_or(MseError::NoCommonMethod { provided })?;
    let mut answer = BytesMut::from(&VC[..]);
    answer.put_u32(selected);
    answer.put_u16(0);
    write.apply(&mut answer);
    wire.send(&answer).await?;
    let stream = wire.into_stream(initial, selected, read, write);
    Ok(Accepted {
        stream,
        skey: Some(skey),
    })
}

/// Message 3 after the two hashes: `VC, crypto_provide, len(PadC) = 0,
/// len(IA) = 0`, encrypted.
fn offer(secret: &[u8], skey: &[u8; 20], provided: u32, cipher: &mut Cipher) -> BytesMut {
    let mut message = BytesMut::new();
    message.put_slice(&keys::req1(secret));
    message.put_slice(&keys::obfuscate(&keys::req2(skey), secret));
    let mut encrypted = BytesMut::from(&VC[..]);
    encrypted.put_u32(provided);
    encrypted.put_u16(0);
    encrypted.put_u16(0);
    cipher.apply(&mut encrypted);
    message.put_slice(&encrypted);
    message
}

/// Reads the encrypted part of message 3: checks the constant, skips the
/// padding, and returns `crypto_provide` and the initial payload.
async fn read_offer<S: AsyncRead + Unpin>(
    wire: &mut Wire<S>,
    cipher: &mut Cipher,
) -> Result<(u32, BytesMut), MseError> {
    let mut head = wire.take_decrypted(VC.len() + 6, cipher).await?;
    let constant = head.split_to(VC.len());
    if constant[..] != VC {
        return Err(MseError::BadVerificationConstant {
            found: constant[..].try_into().unwrap_or_default(),
        });
    }
    let provided = head.get_u32();
    let pad = bounded_pad(head.get_u16())?;
    let mut rest = wire.take_decrypted(pad + 2, cipher).await?;
    rest.advance(pad);
    let initial_length = usize::from(rest.get_u16());
    let initial = wire.take_decrypted(initial_length, cipher).await?;
    Ok((provided, initial))
}

fn bounded_pad(length: u16) -> Result<usize, MseError> {
    let length = usize::from(length);
    if length > MAX_PAD {
        return Err(MseError::PadTooLong { length });
    }
    Ok(length)
}

/// A public key followed by 0 to 512 random bytes.
fn padded(public: &[u8; KEY_LENGTH]) -> Vec<u8> {
    let mut rng = rand::thread_rng();
    let mut bytes = public.to_vec();
    let pad = rng.gen_range(0..=MAX_PAD);
    bytes.extend((0..pad).map(|_| rng.gen::<u8>()));
    bytes
}

/// The connection during the negotiation, with the bytes read but not used yet.
struct Wire<S> {
    inner: S,
    raw: BytesMut,
}

impl<S: AsyncRead + Unpin> Wire<S> {
    fn new(inner: S) -> Wire<S> {
        Wire {
            inner,
            raw: BytesMut::with_capacity(2048),
        }
    }

    /// Reads until at least `length` bytes are buffered.
    async fn fill(&mut self, length: usize) -> Result<(), MseError> {
        while self.raw.len() < length {
            if self.inner.read_buf(&mut self.raw).await? == 0 {
                return Err(MseError::Closed);
            }
        }
        Ok(())
    }

    async fn take_array<const N: usize>(&mut self) -> Result<[u8; N], MseError> {
        self.fill(N).await?;
        let mut bytes = [0u8; N];
        self.raw.copy_to_slice(&mut bytes);
        Ok(bytes)
    }

    async fn take_decrypted(
        &mut self,
        length: usize,
        cipher: &mut Cipher,
    ) -> Result<BytesMut, MseError> {
        self.fill(length).await?;
        let mut bytes = self.raw.split_to(length);
        cipher.apply(&mut bytes);
        Ok(bytes)
    }

    /// Skips the other side's padding: consumes bytes up to and including
    /// `pattern`, which must start within [`MAX_PAD`] bytes.
    async fn sync(&mut self, pattern: &[u8], what: &'static str) -> Result<(), MseError> {
        let limit = MAX_PAD + pattern.len();
        loop {
            let searched = &self.raw[..self.raw.len().min(limit)];
            if let Some(at) = searched.windows(pattern.len()).position(|w| w == pattern) {
                self.raw.advance(at + pattern.len());
                return Ok(());
            }
            if self.raw.len() >= limit {
                return Err(MseError::NoSync { what });
            }
            self.fill(self.raw.len() + 1).await?;
        }
    }

    /// The negotiated stream: `initial` (already plain) first, then the
    /// rest of what was read, decrypted if RC4 was selected.
    fn into_stream(
        mut self,
        mut initial: BytesMut,
        selected: u32,
        mut read: Cipher,
        write: Cipher,
    ) -> PeerStream<S> {
        if selected == RC4 {
            read.apply(&mut self.raw);
            initial.put_slice(&self.raw);
            return PeerStream::encrypted(self.inner, initial, read, write);
        }
        debug_assert_eq!(selected, PLAINTEXT);
        initial.put_slice(&self.raw);
        PeerStream::plain(self.inner, initial)
    }
}

impl<S: AsyncWrite + Unpin> Wire<S> {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), MseError> {
        self.inner.write_all(bytes).await?;
        self.inner.flush().await?;
        Ok(())
    }
}
