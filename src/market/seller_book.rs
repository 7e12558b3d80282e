//! What a seller knows of each market peer of one torrent, shared by the
//! auction (which asks whether a request may be served and whether a peer
//! may still bid), the extension's hooks and the settlement task. One
//! mutex, held only for bookkeeping: never across a ledger call or a disk
//! write.

use super::credit::CreditWindow;
use super::price::PricePerMib;
use super::wire::MarketMessage;
use crate::ledger::ChannelId;
use crate::payment::VoucherCheck;
use crate::swarm::picker::PeerKey;
use crate::swarm::Messenger;
use crate::tron::Address;
use bytes::Bytes;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a payer may leave its credit window used up before the next
/// rechoke takes its paid slot away.
pub const PAYMENT_GRACE: Duration = Duration::from_secs(2);

/// One market peer, as its seller keeps it.
pub struct BuyerAccount {
    /// Its connection.
    pub addr: SocketAddr,
    /// The wallet it said it pays from.
    pub wallet: Address,
    /// False once it broke the protocol: it is a plain peer from then on.
    pub trading: bool,
    /// What it was served and paid.
    pub credit: CreditWindow,
    /// The last price we told it; `None` before any.
    pub price_sent: Option<PricePerMib>,
    /// The channel it named, once it did.
    pub channel: Option<ChannelId>,
    /// The check of that channel's vouchers, once loaded from the ledger.
    pub check: Option<VoucherCheck>,
    /// When a request was first refused since the last voucher.
    pub refused_since: Option<Instant>,
    /// Whether `need_payment` went out for that refusal.
    pub asked_to_pay: bool,
    /// It said `close` while holding a paid slot: it bids nothing until it
    /// leaves that slot, so a new bid always gets a new `price`.
    pub closed_in_slot: bool,
    /// What it paid in this run (base units accepted).
    pub earned: u128,
    /// Reaches the peer from the settlement task.
    pub messenger: Option<Messenger>,
}

impl BuyerAccount {
    /// A peer that just said it trades, served nothing yet.
    pub fn new(
        addr: SocketAddr,
        wallet: Address,
        window: u64,
        messenger: Option<Messenger>,
    ) -> Self {
        BuyerAccount {
            addr,
            wallet,
            trading: true,
            credit: CreditWindow::new(window),
            price_sent: None,
            channel: None,
            check: None,
            refused_since: None,
            asked_to_pay: false,
            closed_in_slot: false,
            earned: 0,
            messenger,
        }
    }

    /// The `need_payment` for the refusal it is behind on: once per
    /// refusal, asking for what is due now.
    pub fn payment_request(&mut self) -> Option<Bytes> {
        if self.refused_since.is_none() || self.asked_to_pay {
            return None;
        }
        self.asked_to_pay = true;
        let amount = u64::try_from(self.credit.due()).unwrap_or(u64::MAX);
        Some(MarketMessage::NeedPayment { amount }.to_payload())
    }

    /// Whether it left `need_payment` unanswered past the grace.
    fn behind(&self, now: Instant) -> bool {
        self.refused_since
            .is_some_and(|since| now.duration_since(since) >= PAYMENT_GRACE)
    }
}

/// Every market peer of one torrent.
#[derive(Default)]
pub struct SellerBook {
    peers: Mutex<HashMap<PeerKey, BuyerAccount>>,
}

impl SellerBook {
    /// The accounts, locked.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<PeerKey, BuyerAccount>> {
        self.peers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether to serve `bytes` to `peer`: always for plain peers and free
    /// slots; within the credit window for a paid slot. A refusal starts
    /// the clock of the `need_payment` it calls for, which goes out at once
    /// (a payer pays a verified piece only, so a payer short of its next
    /// quarter window would otherwise wait for a tick with its requests
    /// refused).
    pub fn admit(&self, peer: PeerKey, bytes: u64) -> bool {
        let mut peers = self.lock();
        let Some(account) = peers.get_mut(&peer) else {
            return true;
        };
        if account.credit.admit(bytes) {
            return true;
        }
        account.refused_since.get_or_insert_with(Instant::now);
        if let Some(messenger) = account.messenger.clone() {
            if let Some(payload) = account.payment_request() {
                messenger.send(payload);
            }
        }
        false
    }

    /// Whether `peer`'s offer counts at a rechoke: not once it stopped
    /// trading, nor while it leaves a `need_payment` unanswered, nor while
    /// it still holds the paid slot it said `close` in.
    pub fn may_bid(&self, peer: PeerKey, now: Instant) -> bool {
        self.lock().get(&peer).is_none_or(|account| {
            account.trading && !account.behind(now) && !account.closed_in_slot
        })
    }
}
