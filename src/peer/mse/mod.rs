//! Message stream encryption (MSE/PE): the obfuscated, optionally
//! RC4-encrypted opening that aria2, libtorrent, Transmission and µTorrent
//! put before the BitTorrent handshake. [`initiate`] and [`respond`]
//! negotiate it over any `AsyncRead + AsyncWrite` and return a
//! [`PeerStream`], over which the plain handshake and the message codec
//! run unchanged; [`respond`] also recognises a plain handshake, so one
//! listener takes both.
//!
//! - [`dh`]: the 768-bit Diffie-Hellman exchange;
//! - [`keys`]: the hashes and RC4 streams derived from its secret;
//! - `negotiation`: the message sequence and its bounds;
//! - `stream`: the negotiated stream.
//!
//! Like the rest of [`crate::peer`], nothing here opens a socket; the
//! swarm dials, and falls back to plain when `prefer` fails.

pub mod dh;
pub mod keys;
mod negotiation;
mod stream;

pub use negotiation::{initiate, respond, Accepted};
pub use stream::{PeerStream, Split};

use thiserror::Error;

/// `crypto_provide` / `crypto_select` bit: plain text after the negotiation.
pub const PLAINTEXT: u32 = 0x01;
/// `crypto_provide` / `crypto_select` bit: RC4 after the negotiation.
pub const RC4: u32 = 0x02;

/// Whether connections are encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncryptionPolicy {
    /// RC4 only, both ways; plain peers are refused.
    Require,
    /// Dial encrypted (RC4 preferred, plain text accepted) and fall back to
    /// a plain handshake; accept both.
    #[default]
    Prefer,
    /// Plain BitTorrent only, both ways.
    Off,
}

impl EncryptionPolicy {
    /// The `crypto_provide` bits we offer when dialling.
    pub fn provided(self) -> u32 {
        match self {
            EncryptionPolicy::Require => RC4,
            EncryptionPolicy::Prefer => RC4 | PLAINTEXT,
            EncryptionPolicy::Off => PLAINTEXT,
        }
    }

    /// The method we select from a peer's `crypto_provide`: plain text
    /// when both allow it, else RC4 when both allow that. The handshake is
    /// obfuscated either way; RC4 on every byte after it costs a core about
    /// 300 MiB/s, so it is used only when one side requires it (as
    /// libtorrent does by default).
    pub fn select(self, provided: u32) -> Option<u32> {
        let common = provided & self.provided();
        [PLAINTEXT, RC4].into_iter().find(|bit| common & bit != 0)
    }
}

/// Why an MSE negotiation failed. Each is one line a person can act on.
#[derive(Debug, Error)]
pub enum MseError {
    /// The connection failed.
    #[error("peer connection: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the connection before the negotiation finished.
    #[error("peer closed the connection during the encryption handshake (it may not support encryption)")]
    Closed,
    /// A plain handshake arrived and encryption is required.
    #[error("peer sent a plain BitTorrent handshake, and encryption is required")]
    PlainRefused,
    /// An encrypted handshake arrived and encryption is off.
    #[error("peer started an encrypted handshake, and encryption is off")]
    EncryptedRefused,
    /// The expected marker was not found after the longest allowed padding.
    #[error("peer's encryption handshake has no {what} after 512 bytes of padding")]
    NoSync {
        /// Which marker.
        what: &'static str,
    },
    /// The peer asked for an info-hash this process does not serve.
    #[error("peer asked for a torrent that is not served here")]
    UnknownTorrent,
    /// The decrypted verification constant is not 8 zero bytes.
    #[error("peer's encryption handshake has a wrong verification constant {}", hex::encode(.found))]
    BadVerificationConstant {
        /// What it was.
        found: [u8; 8],
    },
    /// A padding length over 512.
    #[error("peer announced {length} bytes of padding, more than 512")]
    PadTooLong {
        /// The announced length.
        length: usize,
    },
    /// No method both sides allow.
    #[error("peer offers no encryption method allowed here (crypto_provide {provided:#x})")]
    NoCommonMethod {
        /// The peer's `crypto_provide`.
        provided: u32,
    },
    /// The responder selected a method we did not offer, or several.
    #[error(
        "peer selected an encryption method that was not offered (crypto_select {selected:#x})"
    )]
    BadSelect {
        /// The peer's `crypto_select`.
        selected: u32,
    },
}

#[cfg(test)]
mod tests;
