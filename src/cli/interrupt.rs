//! SIGINT and SIGTERM as one "interrupted" event for the whole process.
//! Every command that runs until told to stop (`btt-get`, `btt-seed run`,
//! `btt-wallet node`, `btt-tip watch`) waits on [`interrupted`]; one
//! listener, started once, records the signal, so a signal that arrives
//! while the program is busy elsewhere is never lost.

use std::sync::OnceLock;
use tokio::sync::watch;

/// Starts listening for SIGINT and SIGTERM, if not yet. Call it first thing
/// in a command, so that a signal at any later moment is seen by
/// [`interrupted`].
pub fn listen_for_interruptions() {
    interruption_flag();
}

/// Resolves once SIGINT or SIGTERM has arrived, at any time since the
/// process started listening: a signal that comes while the caller is busy
/// elsewhere (between two `select!` rounds) is not lost.
pub async fn interrupted() {
    let mut flag = interruption_flag();
    if flag.wait_for(|arrived| *arrived).await.is_err() {
        // The listening runtime is gone: no signal can be seen any more.
        std::future::pending::<()>().await;
    }
}

/// The process's one listener for SIGINT and SIGTERM, started on first use.
fn interruption_flag() -> watch::Receiver<bool> {
    static FLAG: OnceLock<watch::Receiver<bool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        use tokio::signal::unix::{signal, SignalKind};
        let (arrived, flag) = watch::channel(false);
        // Registered here, not in the task, so that the handlers are in
        // place when this returns.
        let signals = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        tokio::spawn(async move {
            let (Ok(mut interrupt), Ok(mut terminate)) = signals else {
                // Without signal handlers the default action ends the process.
                return std::future::pending::<()>().await;
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            let _ = arrived.send(true);
            // Keep the flag's sender, so waiters see `true`, not a closed channel.
            std::future::pending::<()>().await
        });
        flag
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_that_arrives_while_nobody_waits_is_not_lost() {
        listen_for_interruptions();
        // SAFETY: kill has no memory effects; the handler installed above
        // catches the signal instead of its default action.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGINT);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let seen = tokio::time::timeout(std::time::Duration::from_secs(10), interrupted()).await;
        assert!(seen.is_ok(), "the SIGINT sent before waiting was lost");
    }
}
