//! The connection table of a server that anyone may connect to (the ledger
//! node, the embedded tracker's HTTP side): at most a fixed number of
//! connections count at once, and a new connection is always let in, at the
//! expense of one that is only holding its place.
//!
//! A connection is idle while it waits for a request head (it has sent none
//! yet, or it sits in keep-alive between requests) and busy while a request
//! is answered. When the table is full, a newly accepted connection takes the
//! place of an idle one: one that never sent a complete request head before
//! one that did, and among those the one idle the longest. The connection
//! chosen learns it through [`Slot::evicted`] and closes; from that moment it
//! no longer counts. Only when every counted connection is busy does a new
//! one wait, and a busy one is bounded by its server's request timeout.
//!
//! So idle and half-open connections, however many, cannot keep a client
//! that sends its request promptly waiting for their header timeouts: its
//! connection is the youngest idle one, and is evicted only after `capacity`
//! newer connections have arrived before its request head. Until it is
//! evicted, an idle connection lives by its server's own time limits.
//!
//! An evicted connection that never sent a request is kept open, unread and
//! uncounted, for [`LINGER`] before it is closed ([`Slot::linger`]), unless
//! `capacity` others already linger. A client that reopens each connection
//! as soon as it is closed thus churns at most about `capacity` connections
//! per `LINGER`, not as many as the machine can accept, and a prompt client's
//! connection keeps its place long enough for its request head to be read.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// How long accepting pauses after an error that may pass (no descriptors
/// left, a connection reset before it was accepted).
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How long an evicted connection that never sent a request stays open.
pub const LINGER: Duration = Duration::from_secs(1);

/// The open connections of one server.
#[derive(Debug)]
pub struct ConnectionSlots {
    shared: Arc<Shared>,
}

/// The table and its change signal, shared with every [`Slot`].
#[derive(Debug)]
struct Shared {
    capacity: usize,
    table: Mutex<Table>,
    /// Told when a slot is released or a busy connection turns idle.
    changed: Notify,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    entries: HashMap<u64, Entry>,
}

#[derive(Debug)]
struct Entry {
    state: State,
    /// Whether a complete request head has arrived on the connection.
    served: bool,
    evict: Arc<Notify>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle(Instant),
    Busy,
    /// Told to close, after lingering or not; no longer counted.
    Evicting {
        linger: bool,
    },
}

impl ConnectionSlots {
    /// A table counting at most `capacity` connections (at least one).
    pub fn new(capacity: usize) -> ConnectionSlots {
        ConnectionSlots {
            shared: Arc::new(Shared {
                capacity: capacity.max(1),
                table: Mutex::default(),
                changed: Notify::new(),
            }),
        }
    }

    /// Accepts the next connection and gives it a slot. Errors that concern
    /// one client or may pass ([`is_passing`]) are skipped after a pause;
    /// any other ends accepting.
    pub async fn accept(
        &self,
        listener: &TcpListener,
    ) -> io::Result<(TcpStream, SocketAddr, Slot)> {
        let (stream, peer) = loop {
            match listener.accept().await {
                Ok(accepted) => break accepted,
                Err(error) if is_passing(&error) => tokio::time::sleep(ACCEPT_PAUSE).await,
                Err(error) => return Err(error),
            }
        };
        Ok((stream, peer, self.admit().await))
    }

    /// A slot for a connection just accepted: a free one, or the place of
    /// an idle connection; waits only while every counted one is busy.
    async fn admit(&self) -> Slot {
        loop {
            if let Some(slot) = self.try_admit() {
                return slot;
            }
            self.shared.changed.notified().await;
        }
    }

    fn try_admit(&self) -> Option<Slot> {
        let mut table = self.shared.table();
        if table.counted() >= self.shared.capacity {
            table.evict_one(self.shared.capacity)?;
        }
        let (id, evict) = table.insert();
        Some(Slot {
            id,
            evict,
            shared: Arc::clone(&self.shared),
        })
    }

    /// Resolves once every slot has been released.
    pub async fn all_released(&self) {
        while !self.shared.table().entries.is_empty() {
            self.shared.changed.notified().await;
        }
    }
}

impl Shared {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Table {
    fn counted(&self) -> usize {
        self.entries
            .values()
            .filter(|entry| !matches!(entry.state, State::Evicting { .. }))
            .count()
    }

    fn lingering(&self) -> usize {
        self.entries
            .values()
            .filter(|entry| entry.state == State::Evicting { linger: true })
            .count()
    }

    /// Tells the idle connection to close that should go first; `None` when
    /// every counted connection is busy.
    fn evict_one(&mut self, capacity: usize) -> Option<()> {
        let room_to_linger = self.lingering() < capacity;
        let entry = self
            .entries
            .iter_mut()
            .filter_map(|(id, entry)| match entry.state {
                State::Idle(since) => Some(((entry.served, since, *id), entry)),
                State::Busy | State::Evicting { .. } => None,
            })
            .min_by_key(|(order, _)| *order)
            .map(|(_, entry)| entry)?;
        entry.state = State::Evicting {
            linger: room_to_linger && !entry.served,
        };
        entry.evict.notify_one();
        Some(())
    }

    fn insert(&mut self) -> (u64, Arc<Notify>) {
        let id = self.next_id;
        self.next_id += 1;
        let evict = Arc::new(Notify::new());
        let entry = Entry {
            state: State::Idle(Instant::now()),
            served: false,
            evict: Arc::clone(&evict),
        };
        self.entries.insert(id, entry);
        (id, evict)
    }
}

/// One connection's place in the table, released when dropped.
#[derive(Debug)]
pub struct Slot {
    id: u64,
    evict: Arc<Notify>,
    shared: Arc<Shared>,
}

impl Slot {
    /// Marks the connection busy (a request head has arrived) until the
    /// guard is dropped; then it is idle again, from that moment.
    pub fn busy(&self) -> Busy {
        if let Some(entry) = self.shared.table().entries.get_mut(&self.id) {
            entry.served = true;
            if !matches!(entry.state, State::Evicting { .. }) {
                entry.state = State::Busy;
            }
        }
        Busy {
            id: self.id,
            shared: Arc::clone(&self.shared),
        }
    }

    /// Resolves once the table has given this connection's place to a newer
    /// one: the connection should close.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }

    /// How long an evicted connection should stay open before it closes:
    /// [`LINGER`] or nothing.
    pub fn linger(&self) -> Duration {
        let entry = self
            .shared
            .table()
            .entries
            .get(&self.id)
            .map(|entry| entry.state);
        match entry {
            Some(State::Evicting { linger: true }) => LINGER,
            _ => Duration::ZERO,
        }
    }

    /// Whether a complete request head has arrived on this connection.
    pub fn has_served(&self) -> bool {
        self.shared
            .table()
            .entries
            .get(&self.id)
            .is_some_and(|entry| entry.served)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.shared.table().entries.remove(&self.id);
        self.shared.changed.notify_one();
    }
}

/// A connection answering a request; see [`Slot::busy`].
#[derive(Debug)]
pub struct Busy {
    id: u64,
    shared: Arc<Shared>,
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(entry) = self.shared.table().entries.get_mut(&self.id) {
            if entry.state == State::Busy {
                entry.state = State::Idle(Instant::now());
            }
        }
        self.shared.changed.notify_one();
    }
}

/// Whether an accept or receive error concerns one client only, or a
/// resource shortage that may pass: a server keeps going after these.
pub fn is_passing(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::TimedOut
    ) || matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// `count` connections to `addr`, every other one with half a request head
/// sent: what a client holding places open looks like to a server.
#[cfg(test)]
pub(crate) async fn hold_idle(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut held = Vec::with_capacity(count);
    for index in 0..count {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        if index % 2 == 1 {
            let half = b"GET /announce HTTP/1.1\r\nHost: x\r\n";
            stream.write_all(half).await.expect("write half a head");
        }
        held.push(stream);
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn slots(capacity: usize) -> ConnectionSlots {
        ConnectionSlots::new(capacity)
    }

    /// Whether `future` is ready when first polled.
    fn ready_now<F: Future>(future: F) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        match std::pin::pin!(future).poll(&mut context) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }

    #[test]
    fn a_full_table_evicts_the_longest_idle_that_never_sent_a_request() {
        let slots = slots(3);
        let served = ready_now(slots.admit()).unwrap();
        drop(served.busy());
        let oldest = ready_now(slots.admit()).unwrap();
        let younger = ready_now(slots.admit()).unwrap();
        let newcomer = ready_now(slots.admit()).expect("admitted at once");
        assert!(ready_now(oldest.evicted()).is_some());
        assert_eq!(oldest.linger(), LINGER);
        assert!(ready_now(younger.evicted()).is_none());
        assert!(ready_now(served.evicted()).is_none());
        let next = ready_now(slots.admit()).expect("admitted at once");
        assert!(ready_now(younger.evicted()).is_some());
        drop((newcomer, next));
        ready_now(slots.admit()).expect("two places were freed");
        assert!(ready_now(served.evicted()).is_none());
    }

    #[test]
    fn served_connections_go_longest_idle_first_and_busy_ones_stay() {
        let slots = slots(2);
        let first = ready_now(slots.admit()).unwrap();
        let second = ready_now(slots.admit()).unwrap();
        let busy = first.busy();
        drop(second.busy());
        drop(busy);
        assert!(first.has_served() && second.has_served());
        let _third = ready_now(slots.admit()).unwrap();
        assert!(ready_now(second.evicted()).is_some());
        assert_eq!(second.linger(), Duration::ZERO, "it may be answering");
        assert!(ready_now(first.evicted()).is_none());
    }

    #[test]
    fn at_most_capacity_evicted_connections_linger() {
        let slots = slots(1);
        let first = ready_now(slots.admit()).unwrap();
        let second = ready_now(slots.admit()).unwrap();
        let third = ready_now(slots.admit()).unwrap();
        assert!(ready_now(second.evicted()).is_some());
        assert_eq!((first.linger(), second.linger()), (LINGER, Duration::ZERO));
        assert_eq!(third.linger(), Duration::ZERO, "not evicted");
    }

    #[tokio::test]
    async fn a_newcomer_waits_while_every_connection_is_busy() {
        let slots = slots(1);
        let only = slots.admit().await;
        let busy = only.busy();
        assert!(ready_now(slots.admit()).is_none());
        let waiting = slots.admit();
        tokio::pin!(waiting);
        let idle_soon = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(busy);
        };
        let (newcomer, ()) = tokio::join!(waiting, idle_soon);
        assert!(ready_now(only.evicted()).is_some());
        assert!(!newcomer.has_served());
        drop(only);
        drop(newcomer);
        tokio::time::timeout(Duration::from_secs(1), slots.all_released())
            .await
            .expect("every slot released");
    }
}
