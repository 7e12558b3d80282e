//! Our initiator against our responder over an in-memory pipe, under each
//! policy, and the refusals a person may meet.

use super::*;
use crate::peer::{read_handshake, write_handshake, Handshake};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

const INFO_HASH: [u8; 20] = [0x42; 20];

fn served(named: &[u8; 20]) -> Option<[u8; 20]> {
    (*named == keys::req2(&INFO_HASH)).then_some(INFO_HASH)
}

/// Runs both sides with a time bound.
async fn negotiate(
    dialler: EncryptionPolicy,
    listener: EncryptionPolicy,
) -> (
    Result<PeerStream<DuplexStream>, MseError>,
    Result<Accepted<DuplexStream>, MseError>,
) {
    let (left, right) = tokio::io::duplex(64 * 1024);
    let both = async {
        tokio::join!(
            initiate(left, INFO_HASH, dialler),
            respond(right, listener, served)
        )
    };
    tokio::time::timeout(Duration::from_secs(10), both)
        .await
        .expect("the negotiation ends")
}

/// The BitTorrent handshake and a few bytes each way over negotiated streams.
async fn exchange(mut dialled: PeerStream<DuplexStream>, mut accepted: PeerStream<DuplexStream>) {
    let ours = Handshake::new(INFO_HASH, [1; 20]);
    write_handshake(&mut dialled, &ours).await.unwrap();
    assert_eq!(read_handshake(&mut accepted).await.unwrap(), ours);
    accepted.write_all(b"piece").await.unwrap();
    accepted.flush().await.unwrap();
    let mut received = [0u8; 5];
    dialled.read_exact(&mut received).await.unwrap();
    assert_eq!(&received, b"piece");
}

#[tokio::test]
async fn prefer_and_require_dial_and_accept_each_other_with_rc4_when_one_requires_it() {
    use EncryptionPolicy::{Prefer, Require};
    for (dialler, listener, rc4) in [
        (Prefer, Prefer, false),
        (Require, Prefer, true),
        (Prefer, Require, true),
        (Require, Require, true),
    ] {
        let (dialled, accepted) = negotiate(dialler, listener).await;
        let (dialled, accepted) = (dialled.unwrap(), accepted.unwrap());
        assert_eq!(accepted.skey, Some(INFO_HASH));
        let encrypted = (dialled.is_encrypted(), accepted.stream.is_encrypted());
        assert_eq!(encrypted, (rc4, rc4), "{dialler:?} dialling {listener:?}");
        exchange(dialled, accepted.stream).await;
    }
}

#[tokio::test]
async fn a_dialler_offering_plain_text_only_gets_an_obfuscated_handshake_and_a_plain_payload() {
    let (dialled, accepted) = negotiate(EncryptionPolicy::Off, EncryptionPolicy::Prefer).await;
    let (dialled, accepted) = (dialled.unwrap(), accepted.unwrap());
    assert!(!dialled.is_encrypted() && !accepted.stream.is_encrypted());
    exchange(dialled, accepted.stream).await;
}

#[tokio::test]
async fn a_listener_takes_a_plain_handshake_unless_encryption_is_required() {
    let ours = Handshake::new(INFO_HASH, [1; 20]);
    let (mut left, right) = tokio::io::duplex(1024);
    left.write_all(&ours.to_bytes()).await.unwrap();
    let accepted = respond(right, EncryptionPolicy::Prefer, served)
        .await
        .unwrap();
    assert_eq!(accepted.skey, None);
    let mut stream = accepted.stream;
    assert_eq!(read_handshake(&mut stream).await.unwrap(), ours);

    let (mut left, right) = tokio::io::duplex(1024);
    left.write_all(&ours.to_bytes()).await.unwrap();
    let refused = respond(right, EncryptionPolicy::Require, served).await;
    let error = refused.unwrap_err();
    assert!(matches!(error, MseError::PlainRefused));
    assert_eq!(
        error.to_string(),
        "peer sent a plain BitTorrent handshake, and encryption is required"
    );
}

#[tokio::test]
async fn requiring_encryption_from_a_plain_peer_fails_with_one_clear_line() {
    let (left, mut right) = tokio::io::duplex(4096);
    let plain_peer = async move {
        // A plain client reads a handshake's worth, sees no protocol header and hangs up.
        let mut header = [0u8; 68];
        right.read_exact(&mut header).await.unwrap();
        drop(right);
    };
    let (dialled, ()) = tokio::join!(
        initiate(left, INFO_HASH, EncryptionPolicy::Require),
        plain_peer
    );
    let message = dialled.unwrap_err().to_string();
    assert_eq!(
        message,
        "peer closed the connection during the encryption handshake (it may not support encryption)"
    );
    assert!(!message.contains('\n'));
}

#[tokio::test]
async fn mismatched_policies_and_unknown_torrents_are_refused() {
    let (_, accepted) = negotiate(EncryptionPolicy::Prefer, EncryptionPolicy::Off).await;
    assert!(matches!(accepted, Err(MseError::EncryptedRefused)));
    let (_, accepted) = negotiate(EncryptionPolicy::Off, EncryptionPolicy::Require).await;
    assert!(matches!(
        accepted,
        Err(MseError::NoCommonMethod {
            provided: PLAINTEXT
        })
    ));

    let (left, right) = tokio::io::duplex(64 * 1024);
    let (_, accepted) = tokio::join!(
        initiate(left, [7; 20], EncryptionPolicy::Prefer),
        respond(right, EncryptionPolicy::Prefer, served)
    );
    assert!(matches!(accepted, Err(MseError::UnknownTorrent)));
}

#[tokio::test]
async fn a_responder_gives_up_after_the_longest_padding() {
    let (mut left, right) = tokio::io::duplex(4096);
    left.write_all(&[0xab; 96 + 512 + 20]).await.unwrap();
    let accepted = respond(right, EncryptionPolicy::Prefer, served).await;
    assert!(matches!(
        accepted,
        Err(MseError::NoSync {
            what: "HASH('req1', S)"
        })
    ));
}

#[test]
fn selection_prefers_plain_text_after_the_handshake_and_keeps_to_the_policy() {
    assert_eq!(
        EncryptionPolicy::Prefer.select(RC4 | PLAINTEXT),
        Some(PLAINTEXT)
    );
    assert_eq!(EncryptionPolicy::Prefer.select(RC4), Some(RC4));
    assert_eq!(EncryptionPolicy::Prefer.select(PLAINTEXT), Some(PLAINTEXT));
    assert_eq!(EncryptionPolicy::Require.select(PLAINTEXT), None);
    assert_eq!(EncryptionPolicy::Require.select(RC4 | 0x100), Some(RC4));
    assert_eq!(EncryptionPolicy::Off.select(RC4), None);
}
