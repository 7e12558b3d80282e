//! Feeds arbitrary bytes to the MSE negotiation (`btt::peer::mse`): as the
//! whole stream a responder reads, as the whole reply an initiator reads,
//! and, behind a genuine DH exchange and the two hashes, as the encrypted
//! rest of message 3, so the fuzzer reaches the parsing of the offer (the
//! constant, `crypto_provide`, padding and initial payload). None may panic
//! or hang; the first byte picks the case and the policy.

#![no_main]

use btt::peer::mse::dh::KeyPair;
use btt::peer::mse::keys::{self, Cipher};
use btt::peer::mse::{initiate, respond, EncryptionPolicy};
use btt::peer::read_handshake;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;

const SKEY: [u8; 20] = [0x5a; 20];
const POLICIES: [EncryptionPolicy; 3] = [
    EncryptionPolicy::Require,
    EncryptionPolicy::Prefer,
    EncryptionPolicy::Off,
];

fn served(named: &[u8; 20]) -> Option<[u8; 20]> {
    (*named == keys::req2(&SKEY)).then_some(SKEY)
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    })
}

/// A responder reads `input` as everything the peer sent.
async fn respond_to(input: &[u8], policy: EncryptionPolicy) {
    let stream = tokio::io::join(input, tokio::io::sink());
    if let Ok(mut accepted) = respond(stream, policy, served).await {
        let _ = read_handshake(&mut accepted.stream).await;
    }
}

/// An initiator reads `input` as everything the peer answered.
async fn initiate_to(input: &[u8], policy: EncryptionPolicy) {
    let stream = tokio::io::join(input, tokio::io::sink());
    if let Ok(mut stream) = initiate(stream, SKEY, policy).await {
        let _ = read_handshake(&mut stream).await;
    }
}

/// A genuine opening up to the hashes, then `input` encrypted with keyA.
async fn respond_to_genuine_opening(input: &[u8], policy: EncryptionPolicy) {
    let (mut ours, theirs) = tokio::io::duplex(1 << 20);
    let responder = async {
        if let Ok(mut accepted) = respond(theirs, policy, served).await {
            let _ = read_handshake(&mut accepted.stream).await;
        }
    };
    let initiator = async {
        let pair = KeyPair::generate();
        ours.write_all(pair.public()).await.ok()?;
        let mut public = [0u8; 96];
        ours.read_exact(&mut public).await.ok()?;
        let secret = pair.shared_secret(&public);
        ours.write_all(&keys::req1(&secret)).await.ok()?;
        let named = keys::obfuscate(&keys::req2(&SKEY), &secret);
        ours.write_all(&named).await.ok()?;
        let mut encrypted = input.to_vec();
        Cipher::new(true, &secret, &SKEY).apply(&mut encrypted);
        ours.write_all(&encrypted).await.ok()?;
        drop(ours);
        Some(())
    };
    tokio::join!(responder, initiator);
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, input)) = data.split_first() else {
        return;
    };
    let policy = POLICIES[usize::from(choice / 3) % POLICIES.len()];
    runtime().block_on(async {
        match choice % 3 {
            0 => respond_to(input, policy).await,
            1 => initiate_to(input, policy).await,
            _ => respond_to_genuine_opening(input, policy).await,
        }
    });
});
