//! The connection table of a server that anyone may connect to (the ledger
//! node, the embedded tracker's HTTP side): at most a fixed number of
//! connections count at once, and a new connection is always let in, at the
//! expense of one that is only holding its place.
//!
//! A connection is idle while it waits for a request head (it has sent none
//! yet, or it sits in keep-alive between requests), receiving from its
//! request head until its body has arrived whole, and busy while a request
//! is answered. When the table is full, a newly accepted connection takes the
//! place of another, in this order: an idle one that never sent a complete
//! request head, then one receiving a body, then an idle one in keep-alive;
//! within each, the one that has waited (or received) the longest. The
//! connection chosen learns it through [`Slot::evicted`] and leaves
//! ([`Slot::leave`]); from that moment it no longer counts. Only when every
//! counted connection is busy does a new one wait, and a busy one is bounded
//! by its server's request timeout.
//!
//! So a client that trickles a request body holds its place only until
//! newer connections need it: a prompt client's body arrives in moments, so
//! it is the youngest receiver, while the trickler has been receiving the
//! longest and goes first. A receiving connection that is evicted is closed
//! at once (nothing has been answered on it yet); one in keep-alive is shut
//! down gracefully, after idle ones that never asked anything, so that a
//! well-behaved client's pooled connection is the last to go.
//!
//! So idle and half-open connections, however many, cannot keep a client
//! that sends its request promptly waiting for their header timeouts: its
//! connection is the youngest idle one, and is evicted only after `capacity`
//! newer connections have arrived before its request head. Until it is
//! evicted, an idle connection lives by its server's own time limits.
//!
//! An evicted connection that never sent a request is kept open, uncounted,
//! for [`LINGER`] before it is closed ([`Slot::linger`]), unless `capacity`
//! others already linger. A client that reopens each connection as soon as
//! it is closed thus churns at most about `capacity` connections per
//! `LINGER`, not as many as the machine can accept. A server may go on
//! reading a lingering connection: if its request head arrives after all
//! (a prompt client that lost its place to a burst of newer connections),
//! [`Slot::receiving`] or [`Slot::busy`] takes it back into the table, at
//! the expense of an idle one, so that client is answered, not reset.

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
    /// Waiting for a request head, since then.
    Idle(Instant),
    /// Reading a request body, since its head arrived.
    Receiving(Instant),
    /// Answering a request.
    Busy,
    /// Told to leave, as said; no longer counted.
    Evicting(Leave),
}

/// How an evicted connection leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// Never sent a request: stays open unread for [`LINGER`], then closes.
    Linger,
    /// Closes at once: it never sent a request and `capacity` others
    /// already linger, or it was receiving a body.
    Close,
    /// In keep-alive after answering: shuts down gracefully, answering a
    /// request it was already sending.
    Graceful,
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
            .filter(|entry| !matches!(entry.state, State::Evicting(_)))
            .count()
    }

    fn lingering(&self) -> usize {
        self.entries
            .values()
            .filter(|entry| entry.state == State::Evicting(Leave::Linger))
            .count()
    }

    /// Tells the connection to leave that should go first; `None` when
    /// every counted connection is busy.
    fn evict_one(&mut self, capacity: usize) -> Option<()> {
        let room_to_linger = self.lingering() < capacity;
        let (leave, entry) = self
            .entries
            .iter_mut()
            .filter_map(|(id, entry)| {
                let (rank, since, leave) = eviction_order(entry)?;
                Some(((rank, since, *id), leave, entry))
            })
            .min_by_key(|(order, _, _)| *order)
            .map(|(_, leave, entry)| (leave, entry))?;
        entry.state = State::Evicting(match leave {
            Leave::Linger if !room_to_linger => Leave::Close,
            leave => leave,
        });
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

/// Where `entry` stands in the eviction order (lowest rank first, then
/// the longest waiting) and how it would leave; `None` if it may not be
/// evicted (busy, or already leaving).
fn eviction_order(entry: &Entry) -> Option<(u8, Instant, Leave)> {
    match entry.state {
        State::Idle(since) if !entry.served => Some((0, since, Leave::Linger)),
        State::Receiving(since) => Some((1, since, Leave::Close)),
        State::Idle(since) => Some((2, since, Leave::Graceful)),
        State::Busy | State::Evicting(_) => None,
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
        self.enter(State::Busy)
    }

    /// Marks the connection receiving a request body (its head has
    /// arrived) until [`Busy::answering`] or the guard is dropped.
    pub fn receiving(&self) -> Busy {
        self.enter(State::Receiving(Instant::now()))
    }

    /// Moves the connection to `state`; one lingering after its eviction
    /// (it had sent nothing) is counted again, and if that overfills the
    /// table, another connection leaves in its place.
    fn enter(&self, state: State) -> Busy {
        let mut table = self.shared.table();
        if let Some(entry) = table.entries.get_mut(&self.id) {
            entry.served = true;
            match entry.state {
                State::Evicting(Leave::Linger) => {
                    entry.state = state;
                    if table.counted() > self.shared.capacity {
                        table.evict_one(self.shared.capacity);
                    }
                }
                State::Evicting(_) => {}
                _ => entry.state = state,
            }
        }
        drop(table);
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

    /// Whether the connection has been told to leave and not taken back.
    pub fn is_evicted(&self) -> bool {
        self.shared
            .table()
            .entries
            .get(&self.id)
            .is_some_and(|entry| matches!(entry.state, State::Evicting(_)))
    }

    /// How an evicted connection leaves ([`Leave::Close`] if it was not evicted).
    pub fn leave(&self) -> Leave {
        let entry = self
            .shared
            .table()
            .entries
            .get(&self.id)
            .map(|entry| entry.state);
        match entry {
            Some(State::Evicting(leave)) => leave,
            _ => Leave::Close,
        }
    }

    /// How long an evicted connection should stay open before it closes:
    /// [`LINGER`] or nothing.
    pub fn linger(&self) -> Duration {
        match self.leave() {
            Leave::Linger => LINGER,
            Leave::Close | Leave::Graceful => Duration::ZERO,
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

impl Busy {
    /// The request has arrived whole: the connection is answering it.
    pub fn answering(&self) {
        if let Some(entry) = self.shared.table().entries.get_mut(&self.id) {
            if matches!(entry.state, State::Receiving(_)) {
                entry.state = State::Busy;
            }
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(entry) = self.shared.table().entries.get_mut(&self.id) {
            if matches!(entry.state, State::Busy | State::Receiving(_)) {
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
    fn a_receiver_goes_after_idle_newcomers_and_before_keep_alive_ones() {
        let slots = slots(3);
        let kept_alive = ready_now(slots.admit()).unwrap();
        drop(kept_alive.busy());
        let trickler = ready_now(slots.admit()).unwrap();
        let _receiving = trickler.receiving();
        let silent = ready_now(slots.admit()).unwrap();
        let _first = ready_now(slots.admit()).expect("admitted at once");
        assert!(ready_now(silent.evicted()).is_some());
        assert_eq!(silent.leave(), Leave::Linger);
        let prompt = ready_now(slots.admit()).unwrap();
        assert!(ready_now(trickler.evicted()).is_none(), "an idle one first");
        let answering = prompt.receiving();
        answering.answering();
        let _second = ready_now(slots.admit()).expect("admitted at once");
        assert!(ready_now(trickler.evicted()).is_some());
        assert_eq!(trickler.leave(), Leave::Close, "nothing answered yet");
        assert!(ready_now(kept_alive.evicted()).is_none());
        assert!(ready_now(prompt.evicted()).is_none(), "busy");
    }

    #[test]
    fn a_lingering_connection_whose_request_arrives_is_taken_back() {
        let slots = slots(2);
        let late = ready_now(slots.admit()).unwrap();
        let silent = ready_now(slots.admit()).unwrap();
        let _burst = ready_now(slots.admit()).unwrap();
        assert!(ready_now(late.evicted()).is_some());
        assert_eq!(late.leave(), Leave::Linger);
        let answering = late.receiving();
        assert!(!late.is_evicted(), "taken back");
        assert!(ready_now(silent.evicted()).is_some(), "in its place");
        answering.answering();
        let _next = ready_now(slots.admit()).unwrap();
        assert!(!late.is_evicted(), "busy, so never evicted");
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
