//! The 68-byte handshake that opens every peer connection (BEP 3):
//! `\x13BitTorrent protocol`, 8 reserved bytes whose bits announce
//! extensions, the 20-byte info-hash and the sender's 20-byte peer id.
//!
//! Reading checks the 20-byte protocol header first, so a peer speaking
//! something else (HTTP, an encrypted stream) is refused with
//! [`WireError::BadProtocol`] without waiting for 48 more bytes. Reading
//! never over-reads: the stream is positioned at the first message after it.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::error::WireError;

/// The length byte and protocol string every handshake starts with.
pub const PROTOCOL_HEADER: &[u8; 20] = b"\x13BitTorrent protocol";

/// Reserved byte 5, bit 0x10: the extension protocol (BEP 10).
const EXTENSION_PROTOCOL: (usize, u8) = (5, 0x10);
/// Reserved byte 7, bit 0x04: the fast extension (BEP 6).
const FAST_EXTENSION: (usize, u8) = (7, 0x04);
/// Reserved byte 7, bit 0x01: the DHT (BEP 5).
const DHT: (usize, u8) = (7, 0x01);

/// A parsed or to-be-sent handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// The torrent's info-hash.
    pub info_hash: [u8; 20],
    /// The sender's peer id.
    pub peer_id: [u8; 20],
    /// Extension bits.
    pub reserved: [u8; 8],
}

impl Handshake {
    /// Our handshake: announces the extension protocol, the fast extension
    /// and the DHT.
    pub fn new(info_hash: [u8; 20], peer_id: [u8; 20]) -> Handshake {
        let mut reserved = [0u8; 8];
        for (byte, bit) in [EXTENSION_PROTOCOL, FAST_EXTENSION, DHT] {
            reserved[byte] |= bit;
        }
        Handshake {
            info_hash,
            peer_id,
            reserved,
        }
    }

    fn has(&self, (byte, bit): (usize, u8)) -> bool {
        self.reserved[byte] & bit != 0
    }

    /// Whether the sender speaks the extension protocol (BEP 10).
    pub fn supports_extensions(&self) -> bool {
        self.has(EXTENSION_PROTOCOL)
    }

    /// Whether the sender speaks the fast extension (BEP 6).
    pub fn supports_fast(&self) -> bool {
        self.has(FAST_EXTENSION)
    }

    /// Whether the sender runs a DHT node (BEP 5).
    pub fn supports_dht(&self) -> bool {
        self.has(DHT)
    }

    /// The 68 wire bytes.
    pub fn to_bytes(&self) -> [u8; 68] {
        let mut bytes = [0u8; 68];
        bytes[..20].copy_from_slice(PROTOCOL_HEADER);
        bytes[20..28].copy_from_slice(&self.reserved);
        bytes[28..48].copy_from_slice(&self.info_hash);
        bytes[48..].copy_from_slice(&self.peer_id);
        bytes
    }

    /// Parses 68 wire bytes, refusing any other protocol header.
    pub fn parse(bytes: &[u8; 68]) -> Result<Handshake, WireError> {
        let mut header = [0u8; 20];
        header.copy_from_slice(&bytes[..20]);
        check_protocol(&header)?;
        let mut rest = [0u8; 48];
        rest.copy_from_slice(&bytes[20..]);
        Ok(Handshake::from_rest(&rest))
    }

    /// Builds a handshake from the 48 bytes after the protocol header.
    fn from_rest(rest: &[u8; 48]) -> Handshake {
        let mut handshake = Handshake {
            info_hash: [0; 20],
            peer_id: [0; 20],
            reserved: [0; 8],
        };
        handshake.reserved.copy_from_slice(&rest[..8]);
        handshake.info_hash.copy_from_slice(&rest[8..28]);
        handshake.peer_id.copy_from_slice(&rest[28..]);
        handshake
    }
}

fn check_protocol(header: &[u8; 20]) -> Result<(), WireError> {
    if header != PROTOCOL_HEADER {
        return Err(WireError::BadProtocol { header: *header });
    }
    Ok(())
}

/// Writes `handshake` and flushes.
pub async fn write_handshake<W: AsyncWrite + Unpin>(
    writer: &mut W,
    handshake: &Handshake,
) -> Result<(), WireError> {
    writer.write_all(&handshake.to_bytes()).await?;
    writer.flush().await?;
    Ok(())
}

/// Reads a handshake: the protocol header first (refused at once if wrong),
/// then the other 48 bytes. Callers bound it with a timeout.
pub async fn read_handshake<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Handshake, WireError> {
    let mut header = [0u8; 20];
    reader.read_exact(&mut header).await?;
    check_protocol(&header)?;
    let mut rest = [0u8; 48];
    reader.read_exact(&mut rest).await?;
    Ok(Handshake::from_rest(&rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sets_our_bits() {
        let handshake = Handshake::new([0xaa; 20], *b"-BT0100-abcdefghijkl");
        assert!(handshake.supports_extensions());
        assert!(handshake.supports_fast());
        assert!(handshake.supports_dht());
        assert_eq!(handshake.reserved, [0, 0, 0, 0, 0, 0x10, 0, 0x05]);
        let bytes = handshake.to_bytes();
        assert_eq!(&bytes[..20], PROTOCOL_HEADER);
        assert_eq!(&bytes[48..], b"-BT0100-abcdefghijkl");
        assert_eq!(Handshake::parse(&bytes).unwrap(), handshake);
    }

    #[test]
    fn plain_peer_supports_nothing() {
        let mut bytes = Handshake::new([1; 20], [2; 20]).to_bytes();
        bytes[20..28].fill(0);
        let handshake = Handshake::parse(&bytes).unwrap();
        assert!(!handshake.supports_extensions());
        assert!(!handshake.supports_fast());
        assert!(!handshake.supports_dht());
    }

    #[test]
    fn refuses_another_protocol() {
        let mut bytes = Handshake::new([1; 20], [2; 20]).to_bytes();
        bytes[..20].copy_from_slice(b"GET /announce HTTP/1");
        let error = Handshake::parse(&bytes).unwrap_err();
        assert!(
            matches!(error, WireError::BadProtocol { header } if &header == b"GET /announce HTTP/1")
        );
        assert!(error
            .to_string()
            .contains("does not speak the BitTorrent protocol"));
    }

    #[tokio::test]
    async fn reading_stops_at_a_bad_header_without_waiting_for_the_rest() {
        let (mut ours, mut theirs) = tokio::io::duplex(256);
        ours.write_all(b"\x13BitTorrent protocoX").await.unwrap();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            read_handshake(&mut theirs),
        )
        .await
        .expect("read_handshake should not wait for 48 more bytes");
        assert!(matches!(read, Err(WireError::BadProtocol { .. })));
    }

    #[tokio::test]
    async fn early_close_is_an_io_error() {
        let (mut ours, mut theirs) = tokio::io::duplex(256);
        ours.write_all(&Handshake::new([1; 20], [2; 20]).to_bytes()[..30])
            .await
            .unwrap();
        drop(ours);
        let read = read_handshake(&mut theirs).await;
        assert!(
            matches!(read, Err(WireError::Io(error)) if error.kind() == std::io::ErrorKind::UnexpectedEof)
        );
    }
}
