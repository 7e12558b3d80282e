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
//! for [`LINGER`] before it is closed ([`Slot::linger`]); at most `capacity`
//! linger at once, and when one more starts to, the one lingering the
//! longest is told to close now (through [`Slot::evicted`] again). A client
//! that reopens each connection as soon as it is closed is thus made to wait
//! for its places to be needed, and a prompt client's connection lasts until
//! `2 × capacity` newer ones have arrived before its request head. A server may go on
//! reading a lingering connection: if its request head arrives after all
//! (a prompt client that lost its place to a burst of newer connections),
//! [`Slot::receiving`] or [`Slot::busy`] takes it back into the table, at
//! the expense of an idle one, so that client is answered, not reset. And
//! when an idle connection that never sent a request is to be evicted, or a
//! lingering one closed, one whose whole request head is waiting unread in
//! its socket (a request the server has not got to yet; half a head does
//! not count) is passed over for the next in line, among the first
//! [`UNREAD_CHECKS`].

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// How long accepting pauses after an error that may pass (no descriptors
/// left, a connection reset before it was accepted).
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// How many of the first candidates for eviction are checked for a request
/// waiting unread (each check is one `recv` with `MSG_PEEK`).
const UNREAD_CHECKS: usize = 16;

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
    /// The connection's socket, to see whether it has sent bytes the
    /// server has not read yet (`None` in unit tests).
    socket: Option<RawFd>,
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
    /// Told to leave after lingering, since then; no longer counted.
    Lingering(Instant),
    /// Told to leave, as said (never [`Leave::Linger`]); no longer counted.
    Evicting(Leave),
}

/// How an evicted connection leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// Never sent a request: stays open unread for [`LINGER`], then closes.
    Linger,
    /// Closes at once: it was receiving a body, or it lingered while
    /// `capacity` newer evicted connections came to linger.
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
        let socket = stream.as_raw_fd();
        Ok((stream, peer, self.admit(Some(socket)).await))
    }

    /// A slot for a connection just accepted: a free one, or the place of
    /// an idle connection; waits only while every counted one is busy.
    async fn admit(&self, socket: Option<RawFd>) -> Slot {
        loop {
            if let Some(slot) = self.try_admit(socket) {
                return slot;
            }
            self.shared.changed.notified().await;
        }
    }

    fn try_admit(&self, socket: Option<RawFd>) -> Option<Slot> {
        let mut table = self.shared.table();
        if table.counted() >= self.shared.capacity {
            table.evict_one(self.shared.capacity)?;
        }
        let (id, evict) = table.insert(socket);
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
            .filter(|entry| !is_leaving(entry.state))
            .count()
    }

    fn lingering(&self) -> usize {
        self.entries
            .values()
            .filter(|entry| matches!(entry.state, State::Lingering(_)))
            .count()
    }

    /// Tells the connection to leave that should go first; `None` when
    /// every counted connection is busy.
    fn evict_one(&mut self, capacity: usize) -> Option<()> {
        let mut candidates: Vec<_> = self
            .entries
            .iter()
            .filter_map(|(id, entry)| {
                let (rank, since, leave) = eviction_order(entry)?;
                Some(((rank, since, *id), leave, entry.socket))
            })
            .collect();
        candidates.sort_unstable_by_key(|(order, _, _)| *order);
        let spoke = |(_, leave, socket): &&(_, Leave, Option<RawFd>)| {
            *leave == Leave::Linger && socket.is_some_and(has_waiting_request)
        };
        let chosen = candidates
            .iter()
            .take(UNREAD_CHECKS)
            .find(|candidate| !spoke(candidate))
            .or(candidates.first())?;
        let ((_, _, id), leave, _) = *chosen;
        let entry = self.entries.get_mut(&id)?;
        entry.state = match leave {
            Leave::Linger => State::Lingering(Instant::now()),
            leave => State::Evicting(leave),
        };
        entry.evict.notify_one();
        if self.lingering() > capacity {
            self.close_longest_lingering();
        }
        Some(())
    }

    /// Tells the connection lingering the longest to close now, passing
    /// over one whose request head is already waiting to be read.
    fn close_longest_lingering(&mut self) {
        let mut lingering: Vec<_> = self
            .entries
            .iter()
            .filter_map(|(id, entry)| match entry.state {
                State::Lingering(since) => Some(((since, *id), entry.socket)),
                _ => None,
            })
            .collect();
        lingering.sort_unstable_by_key(|(order, _)| *order);
        let chosen = lingering
            .iter()
            .take(UNREAD_CHECKS)
            .find(|(_, socket)| !socket.is_some_and(has_waiting_request))
            .or(lingering.first());
        if let Some(entry) = chosen.and_then(|((_, id), _)| self.entries.get_mut(id)) {
            entry.state = State::Evicting(Leave::Close);
            entry.evict.notify_one();
        }
    }

    fn insert(&mut self, socket: Option<RawFd>) -> (u64, Arc<Notify>) {
        let id = self.next_id;
        self.next_id += 1;
        let evict = Arc::new(Notify::new());
        let entry = Entry {
            state: State::Idle(Instant::now()),
            socket,
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
        State::Busy | State::Lingering(_) | State::Evicting(_) => None,
    }
}

/// How far into the unread bytes a request head's end is looked for.
const PEEK_BYTES: usize = 2_048;

/// Whether `socket` holds a whole request head its server has not read
/// yet: a request a prompt client has sent, not yet read because a burst
/// of newer connections kept the server busy.
fn has_waiting_request(socket: RawFd) -> bool {
    let mut unread = [0u8; PEEK_BYTES];
    // SAFETY: recv writes at most `unread.len()` bytes into `unread`; a
    // descriptor closed meanwhile (or reused) only makes this preference
    // wrong, never unsafe.
    let peeked = unsafe {
        libc::recv(
            socket,
            unread.as_mut_ptr().cast(),
            unread.len(),
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(peeked)
        .is_ok_and(|length| unread[..length].windows(4).any(|end| end == b"\r\n\r\n"))
}

/// Whether a connection in `state` has been told to leave.
fn is_leaving(state: State) -> bool {
    matches!(state, State::Lingering(_) | State::Evicting(_))
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
                State::Lingering(_) => {
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

    /// How the connection is to leave; `None` while it keeps its place
    /// (never evicted, or taken back since: [`Slot::evicted`] may still
    /// have a notice pending for it then).
    pub fn leave(&self) -> Option<Leave> {
        let entry = self
            .shared
            .table()
            .entries
            .get(&self.id)
            .map(|entry| entry.state);
        match entry? {
            State::Lingering(_) => Some(Leave::Linger),
            State::Evicting(leave) => Some(leave),
            State::Idle(_) | State::Receiving(_) | State::Busy => None,
        }
    }

    /// How long an evicted connection should stay open before it closes:
    /// [`LINGER`] or nothing.
    pub fn linger(&self) -> Duration {
        match self.leave() {
            Some(Leave::Linger) => LINGER,
            _ => Duration::ZERO,
        }
    }

    /// Whether a complete request head has arrived on this connection.
    #[cfg(test)]
    fn has_served(&self) -> bool {
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
        let served = ready_now(slots.admit(None)).unwrap();
        drop(served.busy());
        let oldest = ready_now(slots.admit(None)).unwrap();
        let younger = ready_now(slots.admit(None)).unwrap();
        let newcomer = ready_now(slots.admit(None)).expect("admitted at once");
        assert!(ready_now(oldest.evicted()).is_some());
        assert_eq!(oldest.linger(), LINGER);
        assert!(ready_now(younger.evicted()).is_none());
        assert!(ready_now(served.evicted()).is_none());
        let next = ready_now(slots.admit(None)).expect("admitted at once");
        assert!(ready_now(younger.evicted()).is_some());
        drop((newcomer, next));
        ready_now(slots.admit(None)).expect("two places were freed");
        assert!(ready_now(served.evicted()).is_none());
    }

    #[test]
    fn served_connections_go_longest_idle_first_and_busy_ones_stay() {
        let slots = slots(2);
        let first = ready_now(slots.admit(None)).unwrap();
        let second = ready_now(slots.admit(None)).unwrap();
        let busy = first.busy();
        drop(second.busy());
        drop(busy);
        assert!(first.has_served() && second.has_served());
        let _third = ready_now(slots.admit(None)).unwrap();
        assert!(ready_now(second.evicted()).is_some());
        assert_eq!(second.linger(), Duration::ZERO, "it may be answering");
        assert!(ready_now(first.evicted()).is_none());
    }

    #[test]
    fn a_receiver_goes_after_idle_newcomers_and_before_keep_alive_ones() {
        let slots = slots(3);
        let kept_alive = ready_now(slots.admit(None)).unwrap();
        drop(kept_alive.busy());
        let trickler = ready_now(slots.admit(None)).unwrap();
        let _receiving = trickler.receiving();
        let silent = ready_now(slots.admit(None)).unwrap();
        let _first = ready_now(slots.admit(None)).expect("admitted at once");
        assert!(ready_now(silent.evicted()).is_some());
        assert_eq!(silent.leave(), Some(Leave::Linger));
        let prompt = ready_now(slots.admit(None)).unwrap();
        assert!(ready_now(trickler.evicted()).is_none(), "an idle one first");
        let answering = prompt.receiving();
        answering.answering();
        let _second = ready_now(slots.admit(None)).expect("admitted at once");
        assert!(ready_now(trickler.evicted()).is_some());
        assert_eq!(trickler.leave(), Some(Leave::Close), "nothing answered yet");
        assert!(ready_now(kept_alive.evicted()).is_none());
        assert!(ready_now(prompt.evicted()).is_none(), "busy");
    }

    #[test]
    fn a_lingering_connection_whose_request_arrives_is_taken_back() {
        let slots = slots(2);
        let late = ready_now(slots.admit(None)).unwrap();
        let silent = ready_now(slots.admit(None)).unwrap();
        let _burst = ready_now(slots.admit(None)).unwrap();
        assert!(ready_now(late.evicted()).is_some());
        assert_eq!(late.leave(), Some(Leave::Linger));
        let answering = late.receiving();
        assert_eq!(late.leave(), None, "taken back");
        assert!(ready_now(silent.evicted()).is_some(), "in its place");
        answering.answering();
        let _next = ready_now(slots.admit(None)).unwrap();
        assert_eq!(late.leave(), None, "busy, so never evicted");
    }

    #[test]
    fn at_most_capacity_linger_and_the_longest_lingering_closes_first() {
        let slots = slots(1);
        let first = ready_now(slots.admit(None)).unwrap();
        let second = ready_now(slots.admit(None)).unwrap();
        let third = ready_now(slots.admit(None)).unwrap();
        assert!(ready_now(second.evicted()).is_some());
        assert!(ready_now(first.evicted()).is_some());
        assert_eq!(
            (first.leave(), second.leave()),
            (Some(Leave::Close), Some(Leave::Linger))
        );
        assert_eq!((first.linger(), second.linger()), (Duration::ZERO, LINGER));
        assert_eq!(third.linger(), Duration::ZERO, "not evicted");
        assert_eq!(third.leave(), None);
    }

    #[test]
    fn only_a_whole_request_head_waiting_unread_counts_as_a_request() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let socket = server.as_raw_fd();
        assert!(!has_waiting_request(socket), "nothing sent");
        client
            .write_all(b"GET /btt/info HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!has_waiting_request(socket), "half a head");
        client.write_all(b"\r\n").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !has_waiting_request(socket) {
            assert!(Instant::now() < deadline, "the head never showed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test]
    async fn a_newcomer_waits_while_every_connection_is_busy() {
        let slots = slots(1);
        let only = slots.admit(None).await;
        let busy = only.busy();
        assert!(ready_now(slots.admit(None)).is_none());
        let waiting = slots.admit(None);
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
