//! `btt-get --select N --stream`: the one selected file written to stdout in
//! order, each stretch as soon as the pieces under it are verified, while
//! the download goes on (picking pieces in order: `--sequential`) and the
//! file is written and seeded as usual.
//!
//! Invariant: a byte reaches stdout only once the piece holding it is
//! verified, and is read back from the file the download wrote; bytes go
//! out in file order, each once.

use crate::metainfo::{FileEntry, Torrent};
use crate::swarm::Session;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often the next piece is looked for while it is missing.
const POLL: Duration = Duration::from_millis(50);
/// The most bytes read and written at once.
const CHUNK: u64 = 1 << 20;

/// The file being streamed.
pub struct Stream {
    path: PathBuf,
    file_offset: u64,
    length: u64,
    piece_length: u64,
}

impl Stream {
    /// The stream of `file` of `torrent`, whose content is under `output`.
    pub fn new(torrent: &Torrent, file: &FileEntry, output: &Path) -> Stream {
        Stream {
            path: output.join(&file.path),
            file_offset: file.offset,
            length: file.length,
            piece_length: u64::from(torrent.info.piece_length),
        }
    }

    /// Writes the file to stdout as `session` verifies it; returns once all
    /// of it is written, or the error that stopped it (a closed pipe among them).
    pub async fn run(self, session: Arc<Session>) -> std::io::Result<()> {
        let stream = Arc::new(self);
        let mut sent = 0;
        while sent < stream.length {
            let ready = stream.verified_from(&session, sent);
            if ready == sent {
                tokio::time::sleep(POLL).await;
                continue;
            }
            let until = ready.min(sent + CHUNK);
            let copying = Arc::clone(&stream);
            tokio::task::spawn_blocking(move || copying.copy_out(sent, until))
                .await
                .map_err(std::io::Error::other)??;
            sent = until;
        }
        Ok(())
    }

    /// Copies bytes `from..until` of the file to stdout.
    fn copy_out(&self, from: u64, until: u64) -> std::io::Result<()> {
        let bytes = self.read(from, until)?;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.flush()
    }

    /// How far from `start` (in the file) the verified pieces reach.
    fn verified_from(&self, session: &Session, start: u64) -> u64 {
        let mut reach = start;
        while reach < self.length {
            let at = self.file_offset + reach;
            let piece = at / self.piece_length;
            let Ok(index) = u32::try_from(piece) else {
                break;
            };
            if !session.has_piece(index) {
                break;
            }
            let piece_end = (piece + 1) * self.piece_length - self.file_offset;
            reach = piece_end.min(self.length);
        }
        reach
    }

    fn read(&self, from: u64, until: u64) -> std::io::Result<Vec<u8>> {
        let mut file = std::fs::File::open(&self.path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut bytes = Vec::new();
        file.take(until - from).read_to_end(&mut bytes)?;
        if bytes.len() as u64 != until - from {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "{} is shorter than its verified pieces",
                    self.path.display()
                ),
            ));
        }
        Ok(bytes)
    }
}
