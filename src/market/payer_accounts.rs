//! What every payer owes one selling process, keyed by the wallet that pays
//! (and counted per source address too), never by the connection it came
//! on: the same account is charged over `close`, re-bids, reconnections
//! under new peer ids and every torrent the process sells.
//!
//! Invariants, each tested (here and in `trade_tests`, `tests/market_hostile.rs`):
//! - **credit only against a funded channel**: a wallet is served on a paid
//!   slot beyond what it paid only while it has a usable channel, and at
//!   most what those channels' unspent deposits cover, capped at the credit
//!   window; with none it gets nothing on credit. A usable channel is open,
//!   pays this seller, is funded by this wallet, and is not within the
//!   expiry margin (the seller must redeem before the payer may refund).
//! - **unpaid ≤ window per wallet**: `served − paid` never passes the window
//!   (at the price being charged), whatever the sequence of messages.
//! - **unpaid ≤ [`SOURCE_WINDOWS`] windows per source address**, however many
//!   wallets come from it.
//! - **a voucher is credited once**: each channel has one [`VoucherCheck`]
//!   in the process, bound to one wallet, and credit grows only by the
//!   increment a check accepts; a channel is never bound twice (not after
//!   its close in this run, nor when the journal knows it from an earlier one).
//!
//! Amounts: `served` is Σ bytes × price (base units × MiB, exact); `paid`
//! is base units.

use super::price::{PricePerMib, MIB};
use crate::amount::Token;
use crate::ledger::{ChannelId, ChannelState, Signed, Voucher, VoucherDomain};
use crate::payment::{PaymentError, VoucherCheck};
use crate::tron::Address;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;

/// The credit window, in bytes, unless configured (`--credit`). A payer's
/// throughput is bounded by the window over the time a voucher takes to
/// come back (the piece verifies, the payer signs, the seller checks and
/// journals it): bench/market measured a paying download 6-8% slower than
/// a free one with 4 MiB at 400 MiB/s on loopback, and 3% with 16 MiB.
/// What a seller risks on a payer that stops paying is one window.
pub const DEFAULT_CREDIT: u64 = 16 << 20;

/// How many credit windows all the wallets of one source address may owe
/// together (a household behind one address may hold several paying
/// downloads; a peer minting wallets gets no more than this).
pub const SOURCE_WINDOWS: u128 = 4;

/// Why a channel is not taken as funding.
#[derive(Debug, Error)]
pub enum ChannelRefusal {
    /// It is funded by another wallet than the peer said it pays from.
    #[error("channel {id} is funded by {payer}, not by the peer's wallet {wallet}")]
    NotTheWallet {
        id: ChannelId,
        payer: Address,
        wallet: Address,
    },
    /// It holds another token than BTT.
    #[error("channel {id} holds {token:?}, not BTT")]
    NotBtt { id: ChannelId, token: Token },
    /// It expires too soon to be redeemed before the payer may refund it.
    #[error("channel {id} expires at {expires_at_ms} ms, before {needed_ms} ms (now plus the redeem margin)")]
    ExpiresTooSoon {
        id: ChannelId,
        expires_at_ms: i64,
        needed_ms: i64,
    },
    /// It was traded on before (in this run, or in the journal of an earlier one).
    #[error("channel {id} was traded on before; a payer opens a new channel")]
    Reused { id: ChannelId },
    /// The voucher check refuses it (closed, or pays someone else).
    #[error(transparent)]
    Check(#[from] PaymentError),
}

/// Why a voucher is not credited.
#[derive(Debug, Error)]
pub enum VoucherRefusal {
    /// The channel is not a usable channel of this wallet.
    #[error("channel {id} is not an open channel of wallet {wallet} here")]
    NotBound { id: ChannelId, wallet: Address },
    /// The check refused it (signature, payee, deposit, not above the last).
    #[error(transparent)]
    Check(#[from] PaymentError),
}

/// One channel a wallet funds this seller through.
struct FundedChannel {
    check: VoucherCheck,
    deposit: u128,
    /// Credit against it ends here (its expiry less the redeem margin).
    serve_until_ms: i64,
}

impl FundedChannel {
    /// Base units of its deposit not yet promised by an accepted voucher.
    fn unspent(&self) -> u128 {
        self.deposit.saturating_sub(self.check.accepted())
    }
}

/// One paying wallet.
#[derive(Default)]
struct WalletAccount {
    served: u128,
    paid: u128,
    channels: HashMap<ChannelId, FundedChannel>,
}

impl WalletAccount {
    fn unpaid(&self) -> u128 {
        self.served.saturating_sub(self.paid * MIB)
    }

    /// Base units its usable channels can still cover.
    fn cover(&self, now_ms: i64) -> u128 {
        self.channels
            .values()
            .filter(|channel| now_ms < channel.serve_until_ms)
            .map(FundedChannel::unspent)
            .sum()
    }
}

#[derive(Default)]
struct Accounts {
    wallets: HashMap<Address, WalletAccount>,
    /// The wallets seen paying from each source address.
    sources: HashMap<IpAddr, HashSet<Address>>,
    /// Every channel bound in this run (a closed one stays, so it is never bound again).
    bound: HashMap<ChannelId, Address>,
}

impl Accounts {
    fn unpaid_at(&self, source: IpAddr) -> u128 {
        let Some(wallets) = self.sources.get(&source) else {
            return 0;
        };
        wallets
            .iter()
            .filter_map(|wallet| self.wallets.get(wallet))
            .map(WalletAccount::unpaid)
            .sum()
    }
}

/// The time channel expiries are compared with, in ms since the Unix epoch
/// (the ledger's clock; the system's outside tests).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The accounts of every payer of one selling process.
pub struct PayerAccounts {
    window: u64,
    margin_ms: i64,
    clock: Clock,
    accounts: Mutex<Accounts>,
}

impl PayerAccounts {
    /// Accounts with a credit window of `window` bytes, refusing channels
    /// that expire within `margin_ms` (the redeem interval and a leeway)
    /// of `clock`.
    pub fn new(window: u64, margin_ms: i64, clock: Clock) -> PayerAccounts {
        PayerAccounts {
            window,
            margin_ms,
            clock,
            accounts: Mutex::new(Accounts::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Accounts> {
        crate::sync::lock(&self.accounts)
    }

    /// Whether `bytes` more may be served to `wallet` from `source` on a
    /// slot priced `price`; counts them when they may.
    pub fn admit(&self, wallet: Address, source: IpAddr, bytes: u64, price: PricePerMib) -> bool {
        let now_ms = (self.clock)();
        let price = u128::from(price.0);
        let value = u128::from(bytes) * price;
        let window_value = u128::from(self.window) * price;
        let mut accounts = self.lock();
        if accounts.unpaid_at(source) + value > SOURCE_WINDOWS * window_value {
            return false;
        }
        let account = accounts.wallets.entry(wallet).or_default();
        let credit = window_value.min(account.cover(now_ms) * MIB);
        if account.unpaid() + value > credit {
            return false;
        }
        account.served += value;
        true
    }

    /// Notes that `wallet` trades from `source`, so what it owes counts
    /// against that address too (once per connection, not per block).
    pub fn met(&self, wallet: Address, source: IpAddr) {
        self.lock()
            .sources
            .entry(source)
            .or_default()
            .insert(wallet);
    }

    /// Takes `channel` (as the ledger holds it now) as `wallet`'s funding
    /// of payee `me` on `ledger`; `known_before` says the journal of an
    /// earlier run holds it.
    pub fn bind(
        &self,
        wallet: Address,
        channel: ChannelState,
        domain: VoucherDomain,
        me: Address,
        known_before: bool,
    ) -> Result<(), ChannelRefusal> {
        let (id, now_ms) = (channel.id, (self.clock)());
        let mut accounts = self.lock();
        if known_before || accounts.bound.contains_key(&id) {
            return Err(ChannelRefusal::Reused { id });
        }
        self.fundable(wallet, &channel, domain.token(), now_ms)?;
        let funded = FundedChannel {
            deposit: channel.amount.base_units,
            serve_until_ms: channel.expires_at_ms.saturating_sub(self.margin_ms),
            check: VoucherCheck::new(domain, channel, me)?,
        };
        accounts.bound.insert(id, wallet);
        let account = accounts.wallets.entry(wallet).or_default();
        account.channels.insert(id, funded);
        Ok(())
    }

    fn fundable(
        &self,
        wallet: Address,
        channel: &ChannelState,
        token: Token,
        now_ms: i64,
    ) -> Result<(), ChannelRefusal> {
        let id = channel.id;
        if channel.payer != wallet {
            let payer = channel.payer;
            return Err(ChannelRefusal::NotTheWallet { id, payer, wallet });
        }
        if channel.token() != token {
            let token = channel.token();
            return Err(ChannelRefusal::NotBtt { id, token });
        }
        let needed_ms = now_ms.saturating_add(self.margin_ms);
        if channel.expires_at_ms <= needed_ms {
            let expires_at_ms = channel.expires_at_ms;
            return Err(ChannelRefusal::ExpiresTooSoon {
                id,
                expires_at_ms,
                needed_ms,
            });
        }
        Ok(())
    }

    /// Checks `voucher` on `wallet`'s channel and returns the increment it
    /// adds. The check moves on at once, so the same voucher is refused on
    /// any other connection; the increment is credited by
    /// [`PayerAccounts::credit`] once the voucher is stored.
    pub fn accept(
        &self,
        wallet: Address,
        voucher: Signed<Voucher>,
    ) -> Result<u128, VoucherRefusal> {
        let id = voucher.request.channel;
        let mut accounts = self.lock();
        let channel = accounts
            .wallets
            .get_mut(&wallet)
            .and_then(|account| account.channels.get_mut(&id))
            .ok_or(VoucherRefusal::NotBound { id, wallet })?;
        Ok(channel.check.accept(voucher)?)
    }

    /// Credits `wallet` with `increment` base units of a stored voucher.
    pub fn credit(&self, wallet: Address, increment: u128) {
        let mut accounts = self.lock();
        accounts.wallets.entry(wallet).or_default().paid += increment;
    }

    /// Takes `channel` out of use (the payer said `close`, left, or the
    /// channel nears its expiry) and returns its check, to close it on the
    /// ledger with its best voucher; `None` when it was retired already.
    pub fn retire(&self, id: ChannelId) -> Option<VoucherCheck> {
        let mut accounts = self.lock();
        let wallet = *accounts.bound.get(&id)?;
        let account = accounts.wallets.get_mut(&wallet)?;
        account.channels.remove(&id).map(|channel| channel.check)
    }

    /// The channels whose credit ended by now and are still in use:
    /// they must be closed before their expiry.
    pub fn expiring(&self) -> Vec<ChannelId> {
        let now_ms = (self.clock)();
        let accounts = self.lock();
        accounts
            .wallets
            .values()
            .flat_map(|account| account.channels.iter())
            .filter(|(_, channel)| now_ms >= channel.serve_until_ms)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The base units `wallet` owes for what it was served beyond what it
    /// paid, rounded down as the payer's own count is.
    pub fn due(&self, wallet: Address) -> u128 {
        let accounts = self.lock();
        accounts.wallets.get(&wallet).map_or(0, |account| {
            (account.served / MIB).saturating_sub(account.paid)
        })
    }

    /// What `wallet` was served and not paid for, in bytes at `price`.
    pub fn unpaid_bytes(&self, wallet: Address, price: PricePerMib) -> u64 {
        let accounts = self.lock();
        let unpaid = accounts
            .wallets
            .get(&wallet)
            .map_or(0, WalletAccount::unpaid);
        let bytes = unpaid / u128::from(price.0.max(1));
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }

    /// Base units `wallet`'s usable channels can still cover.
    pub fn funded(&self, wallet: Address) -> u128 {
        let now_ms = (self.clock)();
        let accounts = self.lock();
        accounts
            .wallets
            .get(&wallet)
            .map_or(0, |account| account.cover(now_ms))
    }

    /// Whether channel `id` gives credit now (bound, not retired, not expiring).
    pub fn funds(&self, id: ChannelId) -> bool {
        let now_ms = (self.clock)();
        let accounts = self.lock();
        let Some(wallet) = accounts.bound.get(&id) else {
            return false;
        };
        accounts.wallets.get(wallet).is_some_and(|account| {
            account
                .channels
                .get(&id)
                .is_some_and(|channel| now_ms < channel.serve_until_ms)
        })
    }

    /// Base units credited to `wallet` in this run.
    pub fn paid(&self, wallet: Address) -> u128 {
        let accounts = self.lock();
        accounts
            .wallets
            .get(&wallet)
            .map_or(0, |account| account.paid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::local::fixtures::{address, btt, key};
    use crate::ledger::{ChannelStatus, LedgerId, OpenChannel};
    use crate::payment::sign_voucher;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicI64, Ordering};

    const LEDGER: LedgerId = LedgerId([4; 32]);

    fn domain() -> VoucherDomain {
        VoucherDomain::from(&LEDGER)
    }
    const SELLER: u8 = 9;
    const WINDOW: u64 = 4 << 20;
    const MARGIN_MS: i64 = 60_000;
    const PRICE: PricePerMib = PricePerMib(10_000);

    struct World {
        accounts: PayerAccounts,
        now: Arc<AtomicI64>,
    }

    fn world() -> World {
        let now = Arc::new(AtomicI64::new(1_000_000));
        let clock = Arc::clone(&now);
        let accounts = PayerAccounts::new(
            WINDOW,
            MARGIN_MS,
            Arc::new(move || clock.load(Ordering::SeqCst)),
        );
        World { accounts, now }
    }

    fn channel(payer: u8, deposit: u128, expires_at_ms: i64, nonce: u64) -> ChannelState {
        let open = OpenChannel {
            payer: address(payer),
            payee: address(SELLER),
            amount: btt(deposit),
            expires_at_ms,
            nonce,
        };
        ChannelState {
            id: open.id(&LEDGER),
            payer: open.payer,
            payee: open.payee,
            amount: open.amount,
            redeemed: 0,
            expires_at_ms,
            status: ChannelStatus::Open,
        }
    }

    fn source(n: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, n])
    }

    impl World {
        fn bind(&self, payer: u8, state: &ChannelState) -> Result<(), ChannelRefusal> {
            let me = address(SELLER);
            (self.accounts).bind(address(payer), state.clone(), domain(), me, false)
        }

        /// Serves `bytes` in blocks of 16 KiB to `payer` from `from`: the bytes admitted.
        fn take(&self, payer: u8, from: u8, bytes: u64) -> u64 {
            let wallet = address(payer);
            self.accounts.met(wallet, source(from));
            let blocks = bytes / (16 << 10);
            (0..blocks)
                .filter(|_| self.accounts.admit(wallet, source(from), 16 << 10, PRICE))
                .count() as u64
                * (16 << 10)
        }

        fn pay(&self, payer: u8, state: &ChannelState, cumulative: u128) -> Option<u128> {
            let voucher = sign_voucher(state, btt(cumulative), &key(payer), &LEDGER).ok()?;
            let increment = self.accounts.accept(address(payer), voucher).ok()?;
            self.accounts.credit(address(payer), increment);
            Some(increment)
        }
    }

    #[test]
    fn without_a_funded_channel_a_paid_slot_serves_nothing() {
        let world = world();
        assert_eq!(world.take(1, 1, WINDOW), 0);
        assert_eq!(world.accounts.due(address(1)), 0);
    }

    #[test]
    fn a_funded_wallet_gets_one_window_whatever_its_connections_and_channels_say() {
        let world = world();
        let first = channel(1, 1_000_000, 10_000_000, 1);
        world.bind(1, &first).unwrap();
        assert_eq!(world.take(1, 1, 2 * WINDOW), WINDOW);
        assert!(world.accounts.retire(first.id).is_some(), "close");
        assert!(world.accounts.retire(first.id).is_none(), "closed once");
        assert!(matches!(
            world.bind(1, &first),
            Err(ChannelRefusal::Reused { .. })
        ));
        let second = channel(1, 1_000_000, 10_000_000, 2);
        world.bind(1, &second).unwrap();
        assert_eq!(world.take(1, 2, WINDOW), 0, "the close wiped nothing");
        let owed = world.accounts.due(address(1));
        assert_eq!(world.pay(1, &second, owed), Some(owed));
        assert_eq!(
            world.take(1, 2, 2 * WINDOW),
            WINDOW,
            "paid up: a window again"
        );
    }

    #[test]
    fn a_channel_of_another_wallet_or_expiring_soon_is_no_funding() {
        let world = world();
        let now = world.now.load(Ordering::SeqCst);
        let theirs = channel(2, 1_000_000, 10_000_000, 1);
        assert!(matches!(
            world.bind(1, &theirs),
            Err(ChannelRefusal::NotTheWallet { .. })
        ));
        let soon = channel(1, 1_000_000, now + MARGIN_MS, 2);
        assert!(matches!(
            world.bind(1, &soon),
            Err(ChannelRefusal::ExpiresTooSoon { .. })
        ));
        let later = channel(1, 1_000_000, now + MARGIN_MS + 1_000, 3);
        world.bind(1, &later).unwrap();
        world.now.fetch_add(1_000, Ordering::SeqCst);
        assert_eq!(world.take(1, 1, WINDOW), 0, "credit ends at the margin");
        assert_eq!(world.accounts.expiring(), [later.id]);
    }

    #[test]
    fn a_voucher_is_credited_once_and_a_partly_redeemed_channel_only_above_its_redemption() {
        let world = world();
        let mut state = channel(1, 1_000_000, 10_000_000, 1);
        state.redeemed = 300_000;
        world.bind(1, &state).unwrap();
        assert_eq!(world.pay(1, &state, 400_000), Some(100_000));
        assert_eq!(
            world.pay(1, &state, 400_000),
            None,
            "the same voucher again"
        );
        assert_eq!(world.accounts.paid(address(1)), 100_000);
    }

    #[test]
    fn one_source_address_owes_at_most_its_windows_whatever_its_wallets() {
        let world = world();
        let mut served = 0;
        for payer in 1..=8 {
            world
                .bind(payer, &channel(payer, 1_000_000, 10_000_000, 1))
                .unwrap();
            served += world.take(payer, 7, 2 * WINDOW);
        }
        assert_eq!(u128::from(served), SOURCE_WINDOWS * u128::from(WINDOW));
    }

    /// One step a hostile payer (or the clock) takes.
    #[derive(Debug, Clone)]
    enum Step {
        Take {
            payer: u8,
            from: u8,
            bytes: u64,
        },
        Open {
            payer: u8,
            deposit: u128,
            lifetime_ms: i64,
        },
        Pay {
            payer: u8,
            channel: usize,
            cumulative: u128,
        },
        Close {
            channel: usize,
        },
        Wait {
            ms: i64,
        },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (1u8..4, 1u8..3, 0u64..8 << 20).prop_map(|(payer, from, bytes)| Step::Take {
                payer,
                from,
                bytes
            }),
            (1u8..4, 0u128..200_000, 0i64..400_000).prop_map(|(payer, deposit, lifetime_ms)| {
                Step::Open {
                    payer,
                    deposit,
                    lifetime_ms,
                }
            }),
            (1u8..4, 0usize..8, 0u128..200_000).prop_map(|(payer, channel, cumulative)| {
                Step::Pay {
                    payer,
                    channel,
                    cumulative,
                }
            }),
            (0usize..8).prop_map(|channel| Step::Close { channel }),
            (0i64..200_000).prop_map(|ms| Step::Wait { ms }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn unpaid_stays_within_the_window_and_every_voucher_counts_once(
            steps in prop::collection::vec(step(), 1..48),
        ) {
            let world = world();
            let mut channels: Vec<ChannelState> = Vec::new();
            let mut increments = [0u128; 4];
            for (nonce, step) in steps.into_iter().enumerate() {
                match step {
                    Step::Take { payer, from, bytes } => {
                        world.take(payer, from, bytes);
                    }
                    Step::Open { payer, deposit, lifetime_ms } => {
                        let now = world.now.load(Ordering::SeqCst);
                        let state = channel(payer, deposit, now + lifetime_ms, nonce as u64);
                        if world.bind(payer, &state).is_ok() {
                            channels.push(state);
                        }
                    }
                    Step::Pay { payer, channel, cumulative } => {
                        if let Some(state) = channels.get(channel) {
                            if let Some(added) = world.pay(payer, state, cumulative) {
                                prop_assert_eq!(state.payer, address(payer));
                                increments[usize::from(payer)] += added;
                            }
                        }
                    }
                    Step::Close { channel } => {
                        if let Some(state) = channels.get(channel) {
                            world.accounts.retire(state.id);
                        }
                    }
                    Step::Wait { ms } => {
                        world.now.fetch_add(ms, Ordering::SeqCst);
                    }
                }
                let mut at_source = 0u128;
                for payer in 1..4u8 {
                    let unpaid = u128::from(world.accounts.unpaid_bytes(address(payer), PRICE));
                    prop_assert!(unpaid <= u128::from(WINDOW), "payer {payer}: {unpaid}");
                    prop_assert_eq!(world.accounts.paid(address(payer)), increments[usize::from(payer)]);
                    at_source += unpaid;
                }
                prop_assert!(at_source <= SOURCE_WINDOWS * u128::from(WINDOW));
            }
            for state in &channels {
                let paid = world.accounts.paid(state.payer);
                let deposits: u128 = channels
                    .iter()
                    .filter(|c| c.payer == state.payer)
                    .map(|c| c.amount.base_units)
                    .sum();
                prop_assert!(paid <= deposits, "paid {paid} beyond deposits {deposits}");
            }
        }
    }
}
