//! A torrent's completion: its `completed` record, and the `--on-complete`
//! command run with the torrent in its environment.

use super::run_loop::RunControl;
use crate::metainfo::Torrent;
use crate::output::Output;
use crate::swarm::events::Completed;
use crate::swarm::Session;
use std::path::Path;
use std::time::Instant;

pub(super) async fn on_completed(
    control: &RunControl<'_>,
    torrent: &Torrent,
    root: &Path,
    session: &Session,
    started: Instant,
) -> anyhow::Result<()> {
    let path = root.join(&torrent.info.name);
    control.output.record(&Completed {
        name: torrent.info.name.clone(),
        info_hash: torrent.info_hash.to_string(),
        path: path.display().to_string(),
        downloaded: session.stats().downloaded,
        seconds: started.elapsed().as_secs_f64(),
    })?;
    if let Some(command) = control.on_complete {
        run_hook(control.output, command, torrent, &path).await;
    }
    Ok(())
}

/// Runs the `--on-complete` command with the torrent in its environment.
async fn run_hook(output: &Output, command: &str, torrent: &Torrent, path: &Path) {
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("BTT_NAME", &torrent.info.name)
        .env("BTT_INFO_HASH", torrent.info_hash.to_string())
        .env("BTT_PATH", path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => output.warn(format!("--on-complete command exited with {status}")),
        Err(error) => output.warn(format!("could not run --on-complete command: {error}")),
    }
}
