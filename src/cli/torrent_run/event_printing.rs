//! Swarm events printed: records on stdout, and for a person a line on
//! stderr where it helps; progress moves the bar.

use crate::metainfo::Torrent;
use crate::output::{Output, Progress as ProgressBar};
use crate::swarm::events::SwarmEvent;

pub(super) fn print_event(
    output: &Output,
    bar: &ProgressBar,
    torrent: &Torrent,
    event: SwarmEvent,
) -> std::io::Result<()> {
    match event {
        SwarmEvent::Progress(progress) => {
            bar.set_position(torrent.info.total_length.saturating_sub(progress.left));
            output.record(&progress)
        }
        other => print_notice(output, other),
    }
}

/// Prints an event that needs no progress bar: a record, and a line on
/// stderr for a person where it helps (also used before a session exists,
/// while a magnet's metadata is fetched).
pub fn print_notice(output: &Output, event: SwarmEvent) -> std::io::Result<()> {
    match event {
        SwarmEvent::Progress(progress) => output.record(&progress),
        SwarmEvent::PieceFailed(failed) => {
            output.warn(format!(
                "piece {} failed its hash check; fetching it again",
                failed.index
            ));
            output.record(&failed)
        }
        SwarmEvent::PeerBanned(banned) => {
            output.warn(format!("banned peer {}: {}", banned.peer, banned.reason));
            output.record(&banned)
        }
        SwarmEvent::TrackerFailed(failed) => {
            output.warn(format!("tracker {}: {}", failed.url, failed.message));
            output.record(&failed)
        }
        SwarmEvent::WebSeedFailed(failed) => {
            let next = match failed.dropped {
                true => "dropped".to_owned(),
                false => format!("retrying in {} s", failed.retry_in_ms.div_ceil(1000)),
            };
            output.warn(format!(
                "web seed {}: {}; {next}",
                failed.url, failed.message
            ));
            output.record(&failed)
        }
        SwarmEvent::PeersFound(found) => {
            let line = format!(
                "{}: {} peers ({} new, {} known)",
                found.source.name(),
                found.found,
                found.new,
                found.known
            );
            if found.new > 0 {
                output.info(line);
            } else {
                output.debug(line);
            }
            output.record(&found)
        }
        SwarmEvent::Started(record) => output.record(&record),
        SwarmEvent::Completed(record) => output.record(&record),
        SwarmEvent::Summary(record) => output.record(&record),
    }
}
