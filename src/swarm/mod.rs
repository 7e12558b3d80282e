//! The per-torrent engine: peers, piece selection, choking, verification.
//! See `picker` for the piece states and `choker` for the unchoke seam.

pub mod choker;
pub mod events;
pub mod picker;
