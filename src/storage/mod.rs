//! The storage layer: a torrent's pieces mapped onto its files under a
//! download root, read and written with positioned I/O, verified with
//! SHA-1, and remembered across restarts.
//!
//! - [`Layout`] (layout.rs): the pure piece-to-file arithmetic and the path
//!   checks.
//! - [`Storage`] (store.rs): blocking reads, writes and hashing of one
//!   torrent, shareable between threads; open handles are cached in
//!   file_set.rs, which also refuses paths escaping the root.
//! - [`Storage::recheck`] (recheck.rs): the parallel verify.
//! - [`ResumeState`] (resume.rs): the crash-safe resume file.
//!
//! This layer knows nothing of peers, the network or output: info-hashes
//! are plain `[u8; 20]` and piece sets are [`crate::bitfield::Bitfield`].

mod error;
mod file_set;
#[cfg(test)]
mod fixture;
mod handle_pool;
mod layout;
mod recheck;
mod resume;
pub mod state_lock;
mod store;

pub use error::StorageError;
pub use layout::{FileKind, Layout, LayoutFile};
pub use resume::{FileStamp, ResumeState};
pub use store::{Access, Storage};
