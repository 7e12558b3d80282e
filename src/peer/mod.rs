//! The BitTorrent peer wire protocol as a codec library: the handshake
//! (BEP 3), the length-prefixed messages with the DHT port (BEP 5), the fast
//! extension (BEP 6), the extension protocol (BEP 10), metadata exchange
//! (`ut_metadata`, BEP 9) and peer exchange (BEP 11, [`pex`]). The swarm
//! drives it; nothing here owns a socket or keeps per-connection state beyond
//! the extension registry.
//!
//! A connection goes: the MSE negotiation ([`mse::initiate`] or
//! [`mse::respond`], which also recognises a plain handshake), then
//! [`write_handshake`] and [`read_handshake`] on the [`PeerStream`] it
//! returns (inside a timeout), then `Framed::new(stream, MessageCodec::new(..))`
//! for [`Message`]s. If both handshakes announce the extension protocol, each
//! side sends [`ExtensionRegistry::handshake`] as extended message 0 and
//! records the peer's with [`ExtensionRegistry::record_remote`]; every other
//! extension message is routed by name through that registry. Any
//! [`WireError`] from the decoder means the peer broke the protocol (or the
//! connection failed) and the connection should be closed.

pub mod codec;
pub mod error;
pub mod extension;
pub mod extension_registry;
pub mod fast;
pub mod handshake;
pub mod message;
pub mod mse;
pub mod peer_id;
pub mod pex;
pub mod source;
pub mod ut_metadata;

pub use codec::{MessageCodec, WireLimits, STANDARD_BLOCK_LENGTH};
pub use error::WireError;
pub use extension::ExtendedHandshake;
pub use extension_registry::{ExtensionRegistry, IncomingExtension, EXTENDED_HANDSHAKE_ID};
pub use fast::allowed_fast_set;
pub use handshake::{read_handshake, write_handshake, Handshake, PROTOCOL_HEADER};
pub use message::{BlockRequest, HashRange, Message};
pub use mse::{EncryptionPolicy, MseError, PeerStream, Split};
pub use peer_id::{generate_peer_id, PEER_ID_PREFIX};
pub use pex::{PexError, PexFlags, PexMessage, PexPeer, UT_PEX};
pub use ut_metadata::{MetadataMessage, MetadataMessageError, UT_METADATA};

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures_util::{SinkExt, StreamExt};
    use std::time::Duration;
    use tokio::io::DuplexStream;
    use tokio_util::codec::Framed;

    const INFO_HASH: [u8; 20] = [0x5a; 20];

    /// Handshakes on one end of the pipe, then frames it and exchanges
    /// extended handshakes. Writing before reading is fine: the pipe buffers
    /// more than a handshake.
    async fn connect(
        mut stream: DuplexStream,
        registry: &mut ExtensionRegistry,
    ) -> (Handshake, Framed<DuplexStream, MessageCodec>) {
        let ours = Handshake::new(INFO_HASH, generate_peer_id());
        write_handshake(&mut stream, &ours).await.unwrap();
        let theirs = read_handshake(&mut stream).await.unwrap();
        let mut framed = Framed::new(stream, MessageCodec::new(WireLimits::default()));
        framed
            .send(registry.handshake().to_message())
            .await
            .unwrap();
        let Some(Ok(Message::Extended { id: 0, payload })) = framed.next().await else {
            panic!("expected the peer's extended handshake");
        };
        registry.record_remote(&ExtendedHandshake::from_payload(&payload).unwrap());
        (theirs, framed)
    }

    fn registry(names: &[&str]) -> ExtensionRegistry {
        let mut registry = ExtensionRegistry::new();
        for name in names {
            registry.register(name).unwrap();
        }
        registry
    }

    #[tokio::test]
    async fn two_peers_handshake_and_exchange_messages_both_ways() {
        let (left, right) = tokio::io::duplex(64 * 1024);
        let mut left_registry = registry(&["ut_metadata", "btt"]);
        let mut right_registry = registry(&["btt"]);
        let block = Bytes::from(vec![0x42u8; STANDARD_BLOCK_LENGTH as usize]);
        let request = BlockRequest {
            index: 7,
            begin: 0,
            length: STANDARD_BLOCK_LENGTH,
        };
        let exchange = async {
            let ((left_saw, mut left), (right_saw, mut right)) = tokio::join!(
                connect(left, &mut left_registry),
                connect(right, &mut right_registry)
            );
            assert!(left_saw.supports_fast() && right_saw.supports_extensions());
            assert_eq!(
                (left_saw.info_hash, right_saw.info_hash),
                (INFO_HASH, INFO_HASH)
            );

            left.send(Message::Interested).await.unwrap();
            left.send(Message::Request(request)).await.unwrap();
            let btt = left_registry.outgoing("btt", Bytes::from_static(b"d4:ratei5ee"));
            left.send(btt.unwrap()).await.unwrap();
            assert_eq!(left_registry.outgoing("ut_metadata", Bytes::new()), None);

            assert_eq!(right.next().await.unwrap().unwrap(), Message::Interested);
            assert_eq!(
                right.next().await.unwrap().unwrap(),
                Message::Request(request)
            );
            let Some(Ok(Message::Extended { id, payload })) = right.next().await else {
                panic!("expected the btt message");
            };
            assert_eq!(right_registry.incoming(id), IncomingExtension::Named("btt"));
            assert_eq!(&payload[..], b"d4:ratei5ee");

            right.send(Message::Unchoke).await.unwrap();
            right
                .send(Message::Piece {
                    index: 7,
                    begin: 0,
                    data: block.clone(),
                })
                .await
                .unwrap();
            right.send(Message::KeepAlive).await.unwrap();
            assert_eq!(left.next().await.unwrap().unwrap(), Message::Unchoke);
            let piece = left.next().await.unwrap().unwrap();
            assert_eq!(
                piece,
                Message::Piece {
                    index: 7,
                    begin: 0,
                    data: block.clone()
                }
            );
            assert_eq!(left.next().await.unwrap().unwrap(), Message::KeepAlive);

            drop(right);
            assert!(left.next().await.is_none(), "a closed peer ends the stream");
        };
        tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .expect("the exchange finishes");
    }

    #[tokio::test]
    async fn an_oversized_message_ends_the_stream_with_an_error() {
        let (mut left, right) = tokio::io::duplex(1024);
        let mut right = Framed::new(right, MessageCodec::new(WireLimits::default()));
        tokio::io::AsyncWriteExt::write_all(&mut left, &[0x7f, 0xff, 0xff, 0xff, 7])
            .await
            .unwrap();
        let next = tokio::time::timeout(Duration::from_secs(10), right.next()).await;
        assert!(matches!(
            next,
            Ok(Some(Err(WireError::MessageTooLong {
                length: 0x7fff_ffff,
                ..
            })))
        ));
    }
}
