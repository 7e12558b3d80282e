//! What a seller knows of each market peer of one torrent, shared by the
//! auction (which asks whether a request may be served and whether a peer
//! may still bid), the extension's hooks and the settlement task.
//!
//! A connection's money is not kept here: what a payer owes lives in the
//! process's [`PayerAccounts`], keyed by its wallet and source address, so
//! nothing a connection does (`close`, a re-bid, a reconnection, another
//! torrent) resets it. Here each connection has a [`Standing`]: one variant
//! per state, with the price it is charged carried by the states that
//! charge one.
//!
//! Lock order (written in full in `swarm/shared.rs`): the swarm lock, then
//! this book's, then the accounts'; none is held across a ledger call or a
//! disk write.

use super::payer_accounts::PayerAccounts;
use super::price::PricePerMib;
use super::wire::MarketMessage;
use crate::ledger::ChannelId;
use crate::swarm::picker::PeerKey;
use crate::swarm::Messenger;
use crate::tron::Address;
use bytes::Bytes;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a payer may leave its credit window used up before the next
/// rechoke takes its paid slot away.
pub const PAYMENT_GRACE: Duration = Duration::from_secs(2);

/// Where a market peer stands with its seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It trades and holds no paid slot: served free.
    Free,
    /// It holds a paid slot at this price: served within its wallet's credit.
    Paying(PricePerMib),
    /// It said `close` in a paid slot at this price: still charged, and it
    /// bids nothing until it leaves that slot.
    ClosedInSlot(PricePerMib),
    /// It broke the protocol: a plain peer from then on, still charged the
    /// price of the paid slot it held, if any, until it leaves it.
    Plain(Option<PricePerMib>),
}

impl Standing {
    /// The price its requests are charged now; `None`: served free.
    pub fn charged(self) -> Option<PricePerMib> {
        match self {
            Standing::Free => None,
            Standing::Paying(price) | Standing::ClosedInSlot(price) => Some(price),
            Standing::Plain(price) => price,
        }
    }

    /// Whether it still trades.
    pub fn trading(self) -> bool {
        !matches!(self, Standing::Plain(_))
    }

    /// Its slot changed: a paid one at `price`, or (`None`) a free one or none.
    pub fn slot_changed(self, price: Option<PricePerMib>) -> Standing {
        match (self, price) {
            (Standing::Plain(_), _) => Standing::Plain(None),
            (Standing::ClosedInSlot(held), Some(_)) => Standing::ClosedInSlot(held),
            (_, Some(price)) => Standing::Paying(price),
            (_, None) => Standing::Free,
        }
    }

    /// It said `close`.
    pub fn closed(self) -> Standing {
        match self {
            Standing::Paying(price) => Standing::ClosedInSlot(price),
            other => other,
        }
    }

    /// It broke the protocol.
    pub fn broke(self) -> Standing {
        Standing::Plain(self.charged())
    }
}

/// One market connection, as its seller keeps it.
pub struct PeerSession {
    /// Its connection.
    pub addr: SocketAddr,
    /// The wallet it said it pays from.
    pub wallet: Address,
    /// Where it stands.
    pub standing: Standing,
    /// The last price we told it; `None` before any.
    pub price_sent: Option<PricePerMib>,
    /// The channel it named on this connection, while in use.
    pub channel: Option<ChannelId>,
    /// When a request was first refused since the last voucher.
    pub refused_since: Option<Instant>,
    /// Whether `need_payment` went out for that refusal.
    pub asked_to_pay: bool,
    /// What its vouchers on this connection added (base units credited).
    pub earned: u128,
    /// Reaches the peer from the settlement task.
    pub messenger: Option<Messenger>,
}

impl PeerSession {
    /// A peer that just said it trades.
    pub fn new(addr: SocketAddr, wallet: Address, messenger: Option<Messenger>) -> Self {
        PeerSession {
            addr,
            wallet,
            standing: Standing::Free,
            price_sent: None,
            channel: None,
            refused_since: None,
            asked_to_pay: false,
            earned: 0,
            messenger,
        }
    }

    /// The `need_payment` for the refusal it is behind on: once per
    /// refusal, asking for what its wallet owes now.
    pub fn payment_request(&mut self, accounts: &PayerAccounts) -> Option<Bytes> {
        if self.refused_since.is_none() || self.asked_to_pay {
            return None;
        }
        self.asked_to_pay = true;
        let amount = u64::try_from(accounts.due(self.wallet)).unwrap_or(u64::MAX);
        Some(
            MarketMessage::NeedPayment {
                amount: u128::from(amount),
            }
            .to_payload(),
        )
    }

    /// Its requests may go on: a voucher came, or its channel is usable.
    pub fn paid_up(&mut self) {
        let refused = self.refused_since.take().is_some();
        self.asked_to_pay = false;
        if refused && self.standing.charged().is_some() {
            if let Some(messenger) = &self.messenger {
                messenger.resume_requests();
            }
        }
    }

    /// Whether it left `need_payment` unanswered past the grace.
    fn behind(&self, now: Instant) -> bool {
        self.refused_since
            .is_some_and(|since| now.duration_since(since) >= PAYMENT_GRACE)
    }
}

/// Every market peer of one torrent.
pub struct SellerBook {
    peers: Mutex<HashMap<PeerKey, PeerSession>>,
    accounts: Arc<PayerAccounts>,
}

impl SellerBook {
    /// The book of one torrent of a process whose payers are `accounts`.
    pub fn new(accounts: Arc<PayerAccounts>) -> SellerBook {
        SellerBook {
            peers: Mutex::new(HashMap::new()),
            accounts,
        }
    }

    /// The process's payer accounts.
    pub fn accounts(&self) -> &PayerAccounts {
        &self.accounts
    }

    /// The sessions, locked.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<PeerKey, PeerSession>> {
        crate::sync::lock(&self.peers)
    }

    /// Whether to serve `bytes` to `peer`: always for plain peers and free
    /// slots; within its wallet's credit on a paid slot. A refusal starts
    /// the clock of the `need_payment` it calls for, which goes out at once
    /// (a payer pays a verified piece only, so a payer short of its next
    /// quarter window would otherwise wait for a tick with its requests
    /// refused).
    pub fn admit(&self, peer: PeerKey, bytes: u64) -> bool {
        let mut peers = self.lock();
        let Some(session) = peers.get_mut(&peer) else {
            return true;
        };
        let Some(price) = session.standing.charged() else {
            return true;
        };
        let (wallet, source) = (session.wallet, session.addr.ip());
        if self.accounts.admit(wallet, source, bytes, price) {
            return true;
        }
        session.refused_since.get_or_insert_with(Instant::now);
        if let Some(messenger) = session.messenger.clone() {
            if let Some(payload) = session.payment_request(&self.accounts) {
                messenger.send(payload);
            }
        }
        false
    }

    /// Whether `peer`'s offer counts at a rechoke: not once it stopped
    /// trading, nor while it leaves a `need_payment` unanswered, nor while
    /// it still holds the paid slot it said `close` in.
    pub fn may_bid(&self, peer: PeerKey, now: Instant) -> bool {
        self.lock().get(&peer).is_none_or(|session| {
            matches!(session.standing, Standing::Free | Standing::Paying(_)) && !session.behind(now)
        })
    }
}
