//! What `btt-get` and `btt-seed run` share, one file per concern: the
//! network flags and the [`Client`](crate::swarm::Client) options they make
//! (`peer_args`), reading a torrent argument (`torrent_input`), the
//! per-torrent state lock (`state_paths`), the records of a run's start and
//! end (`records`), the loop that runs a session until a stop condition
//! (`run_loop`), the `--on-complete` hook (`completion_hook`) and the
//! printing of swarm events (`event_printing`).

mod completion_hook;
mod event_printing;
mod peer_args;
mod records;
mod run_loop;
mod state_paths;
mod torrent_input;

pub use crate::storage::state_lock::StateLock;
pub use event_printing::print_notice;
pub use peer_args::{DhtArgs, Encryption, PeerArgs, Utp};
pub use records::{
    check_stopped, print_listening, start_dht, started_record, summary_record, DhtListening,
    Listening,
};
pub use run_loop::{drive, exit_status, seeding_status, swarm_status, Ran, RunControl};
pub use state_paths::StatePaths;
pub use torrent_input::{load_torrent, parse_torrent, read_input};
