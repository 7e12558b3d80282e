//! What every scripted peer of the tests shares ([`super::DishonestPeer`],
//! [`super::ChokingSeeder`], [`super::MetadataLiar`], [`super::PulsedSeeder`]): a listener on
//! 127.0.0.1, its own thread with a current-thread tokio runtime, one task
//! per connection, counters the test reads back, and a stop on drop that
//! joins the thread within about a second.

use btt::peer::WireError;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// What a scripted peer counts; each script says what it serves.
#[derive(Debug, Default)]
pub struct Counters {
    /// Connections that got past the handshake.
    pub connections: AtomicU64,
    /// Blocks or pieces sent.
    pub served: AtomicU64,
}

/// A running scripted peer; stopped when dropped.
#[derive(Debug)]
pub struct ScriptedPeer {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedPeer {
    /// Listens on 127.0.0.1 and runs `script` on each accepted connection;
    /// a connection whose script fails is simply over.
    pub fn start<Script, Run>(script: Script) -> ScriptedPeer
    where
        Script: Fn(TcpStream, Arc<Counters>) -> Run + Send + 'static,
        Run: Future<Output = Result<(), WireError>> + Send + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let counters = Arc::new(Counters::default());
        let shared = Arc::clone(&counters);
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                tokio::select! {
                    _ = stopped => {}
                    () = accept_all(listener, script, shared) => {}
                }
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        });
        ScriptedPeer {
            addr,
            counters,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:PORT`, for `btt-get --peer`.
    pub fn addr(&self) -> String {
        self.addr.to_string()
    }

    /// Connections that got past the handshake so far.
    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::Relaxed)
    }

    /// Blocks or pieces sent so far.
    pub fn served(&self) -> u64 {
        self.counters.served.load(Ordering::Relaxed)
    }
}

impl Drop for ScriptedPeer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_all<Script, Run>(listener: TcpListener, script: Script, counters: Arc<Counters>)
where
    Script: Fn(TcpStream, Arc<Counters>) -> Run,
    Run: Future<Output = Result<(), WireError>> + Send + 'static,
{
    while let Ok((stream, _)) = listener.accept().await {
        let run = script(stream, Arc::clone(&counters));
        tokio::spawn(async move {
            let _ = run.await;
        });
    }
}
