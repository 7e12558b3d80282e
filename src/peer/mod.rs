//! The BitTorrent peer wire protocol as a codec library: the handshake
//! (BEP 3), the length-prefixed messages with the DHT port (BEP 5), the fast
//! extension (BEP 6) and the extension protocol (BEP 10). The swarm drives
//! it; nothing here owns a socket or keeps per-connection state beyond the
//! extension registry.

pub mod codec;
pub mod error;
pub mod extension;
pub mod extension_registry;
pub mod fast;
pub mod handshake;
pub mod message;
pub mod peer_id;

pub use codec::{MessageCodec, WireLimits, STANDARD_BLOCK_LENGTH};
pub use error::WireError;
pub use extension::ExtendedHandshake;
pub use extension_registry::{ExtensionRegistry, IncomingExtension, EXTENDED_HANDSHAKE_ID};
pub use fast::allowed_fast_set;
pub use handshake::{read_handshake, write_handshake, Handshake, PROTOCOL_HEADER};
pub use message::{BlockRequest, Message};
pub use peer_id::{generate_peer_id, PEER_ID_PREFIX};
