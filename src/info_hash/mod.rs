//! Info-hashes, the names of torrents: the v1 SHA-1 of the info dictionary,
//! the v2 SHA-256 (BEP 52), and the pair a hybrid torrent has. Below both
//! `metainfo` (which computes them) and `magnet` (which carries them).

mod both;
mod v1;
mod v2;

pub use both::InfoHashes;
pub use v1::{InfoHash, InfoHashParseError};
pub use v2::{InfoHashV2, InfoHashV2ParseError};
