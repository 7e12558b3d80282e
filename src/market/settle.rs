//! Settling the seeder's voucher book on the ledger: [`settle`] redeems
//! (or, at the end, closes with) the best voucher of every channel the
//! voucher book holds open for a payee, and marks in the voucher book what the ledger
//! paid. A seeder runs it every minute, at exit, and at start (after a
//! crash, the voucher book may hold vouchers the ledger has not paid yet).
//!
//! The ledger is the truth: an answer that the channel is closed already
//! (closed by someone, refunded after its timeout) or that the voucher is
//! not above what was redeemed (a redeem that was applied but not marked
//! before a crash) counts as settled, and the channel's state is read back
//! and marked. Nothing is paid twice, since a voucher is cumulative and the
//! ledger pays only its increment over what it has redeemed.

use super::voucher_book::{OpenEntry, VoucherBook, VoucherBookError};
use crate::ledger::{
    ChannelId, ChannelState, ChannelStatus, CloseChannel, ErrorKind, LedgerError, LedgerId,
    RedeemVoucher, Signed, Voucher,
};
use crate::payment::PaymentLedger;
use crate::tron::Address;
use k256::ecdsa::SigningKey;
use std::sync::Arc;
use thiserror::Error;

/// Why a settlement did not finish.
#[derive(Debug, Error)]
pub enum SettleError {
    /// The voucher book could not be read or marked.
    #[error(transparent)]
    VoucherBook(#[from] VoucherBookError),
    /// The ledger failed before any channel was tried.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The ledger refused or failed on one channel (the others were tried).
    #[error("could not settle channel {channel}: {source}")]
    Channel {
        channel: ChannelId,
        source: LedgerError,
    },
    /// The blocking worker running the voucher book died.
    #[error("the voucher journal's worker failed: {message}")]
    Worker { message: String },
}

/// Redeems, or with `close` closes with, the best voucher of every channel
/// the `voucher_book` holds open on `ledger` that pays `payee`'s address, and marks
/// each in the book. A redeem is sent only for a voucher that adds at
/// least `redeem_above` base units to what the channel paid (a redeem on a
/// chain costs gas; the close before the channel's expiry pays the rest).
/// Returns the states the ledger reported. Every channel is tried; the
/// first failure is returned after the others.
pub async fn settle(
    voucher_book: &Arc<VoucherBook>,
    ledger: &dyn PaymentLedger,
    payee: &SigningKey,
    close: bool,
    redeem_above: u128,
) -> Result<Vec<ChannelState>, SettleError> {
    let ledger_id = ledger.ledger_id().await?;
    let me = Address::from_public_key(payee.verifying_key());
    let entries = blocking(voucher_book, move |voucher_book| {
        voucher_book.open_entries(&ledger_id)
    })
    .await?;
    let settler = Settler {
        ledger,
        ledger_id,
        payee,
    };
    let mut settled = Vec::new();
    let mut first_failure = None;
    for entry in entries {
        let cumulative = entry.voucher.request.cumulative.base_units;
        let unredeemed = cumulative.saturating_sub(entry.redeemed);
        let worth_a_redeem = unredeemed > 0 && unredeemed >= redeem_above;
        if entry.voucher.request.payee != me || (!close && !worth_a_redeem) {
            continue;
        }
        let channel = entry.voucher.request.channel;
        match settler.settle_one(entry, close).await {
            Ok(state) => {
                mark(voucher_book, &state).await?;
                settled.push(state);
            }
            Err(source) => {
                first_failure.get_or_insert(SettleError::Channel { channel, source });
            }
        }
    }
    first_failure.map_or(Ok(settled), Err)
}

/// What every channel's settlement needs.
struct Settler<'a> {
    ledger: &'a dyn PaymentLedger,
    ledger_id: LedgerId,
    payee: &'a SigningKey,
}

impl Settler<'_> {
    /// One channel: redeem or close, and read the state back when the
    /// ledger answers that there is nothing left to do.
    async fn settle_one(&self, entry: OpenEntry, close: bool) -> Result<ChannelState, LedgerError> {
        let channel = entry.voucher.request.channel;
        // A close carries the best voucher even when it adds nothing: a
        // channels contract closes only with a voucher its payer signed.
        let attempt = if close {
            self.close(channel, Some(entry.voucher)).await
        } else {
            self.redeem(entry.voucher).await
        };
        match attempt {
            Err(error) if close && error.kind() == ErrorKind::VoucherNotAbove => {
                self.close(channel, None).await
            }
            Err(error) if is_settled(error.kind()) => self.state(channel).await,
            other => other,
        }
    }

    async fn redeem(&self, voucher: Signed<Voucher>) -> Result<ChannelState, LedgerError> {
        let request = Signed::sign(RedeemVoucher { voucher }, self.payee, &self.ledger_id);
        self.ledger.redeem_voucher(request).await
    }

    async fn close(
        &self,
        channel: ChannelId,
        voucher: Option<Signed<Voucher>>,
    ) -> Result<ChannelState, LedgerError> {
        let request = Signed::sign(
            CloseChannel { channel, voucher },
            self.payee,
            &self.ledger_id,
        );
        self.ledger.close_channel(request).await
    }

    async fn state(&self, channel: ChannelId) -> Result<ChannelState, LedgerError> {
        self.ledger
            .channel(channel)
            .await?
            .ok_or(LedgerError::UnknownChannel { id: channel })
    }
}

/// Ledger answers that mean the channel needs nothing more from this voucher.
fn is_settled(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::ChannelClosed | ErrorKind::VoucherNotAbove)
}

/// Records in `voucher book`, off the async threads, what the ledger says
/// `state`'s channel has paid out and whether it is closed.
pub async fn mark(
    voucher_book: &Arc<VoucherBook>,
    state: &ChannelState,
) -> Result<(), SettleError> {
    let (id, redeemed) = (state.id, state.redeemed);
    let closed = state.status == ChannelStatus::Closed;
    blocking(voucher_book, move |voucher_book| {
        voucher_book.mark_settled(&id, redeemed, closed)
    })
    .await
}

/// Runs `work` with the voucher book on the blocking pool.
async fn blocking<T: Send + 'static>(
    voucher_book: &Arc<VoucherBook>,
    work: impl FnOnce(&VoucherBook) -> Result<T, VoucherBookError> + Send + 'static,
) -> Result<T, SettleError> {
    let voucher_book = Arc::clone(voucher_book);
    tokio::task::spawn_blocking(move || work(&voucher_book))
        .await
        .map_err(|error| SettleError::Worker {
            message: error.to_string(),
        })?
        .map_err(SettleError::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::local::fixtures::{self, address, btt, key, START_MS};
    use crate::ledger::{LocalLedger, OpenChannel};
    use crate::payment::{close_with, sign_voucher};
    use std::sync::atomic::AtomicI64;

    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;

    /// A dev ledger with a channel of 500 from the payer (1,000 minted) to
    /// the payee, and an empty voucher book beside it.
    struct Setup {
        ledger: LocalLedger,
        /// What [`settle`] runs against: the ledger itself, or a node serving it.
        settles_on: Arc<dyn PaymentLedger>,
        voucher_book: Arc<VoucherBook>,
        channel: ChannelState,
        _dir: tempfile::TempDir,
    }

    impl Setup {
        async fn new() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let now = Arc::new(AtomicI64::new(START_MS));
            let path = dir.path().join("ledger.sqlite");
            let ledger = LocalLedger::open(&path, fixtures::options(&now, true)).unwrap();
            crate::ledger::Ledger::mint(&ledger, address(PAYER), btt(1_000))
                .await
                .unwrap();
            let open = OpenChannel {
                payer: address(PAYER),
                payee: address(PAYEE),
                amount: btt(500),
                expires_at_ms: START_MS + 3_600_000,
                nonce: 1,
            };
            let request = Signed::sign(open, &key(PAYER), &ledger.id());
            let channel = ledger.open_channel(request).await.unwrap();
            let voucher_book = VoucherBook::open(&dir.path().join("vouchers.sqlite")).unwrap();
            Setup {
                settles_on: Arc::new(ledger.clone()),
                ledger,
                voucher_book: Arc::new(voucher_book),
                channel,
                _dir: dir,
            }
        }

        fn voucher(&self, units: u128) -> Signed<Voucher> {
            sign_voucher(&self.channel, btt(units), &key(PAYER), &self.ledger.id()).unwrap()
        }

        fn record(&self, units: u128) {
            self.voucher_book
                .record(&self.ledger.id(), &self.voucher(units))
                .unwrap();
        }

        /// Settles through a `btt-wallet node` serving the ledger from now
        /// on; the node stops when the returned sender is dropped.
        async fn through_a_node(&mut self) -> tokio::sync::oneshot::Sender<()> {
            use crate::ledger::node::{client::NodeClient, serve, NodeConfig};
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let served = self.ledger.clone();
            tokio::spawn(async move {
                let config = NodeConfig::default();
                serve(listener, served, &config, async {
                    let _ = stopped.await;
                })
                .await
            });
            self.settles_on = Arc::new(NodeClient::new(&url).unwrap());
            stop
        }

        async fn settle(&self, close: bool) -> Vec<ChannelState> {
            settle(&self.voucher_book, &*self.settles_on, &key(PAYEE), close, 0)
                .await
                .unwrap()
        }

        async fn balances(&self) -> (u128, u128) {
            let balance = |seed| self.ledger.balance(address(seed), Token::Btt);
            (balance(PAYER).await.unwrap(), balance(PAYEE).await.unwrap())
        }

        fn unsettled(&self) -> Vec<Signed<Voucher>> {
            self.voucher_book.unsettled(&self.ledger.id()).unwrap()
        }
    }

    #[tokio::test]
    async fn a_redeem_waits_until_it_is_worth_its_fee_and_a_close_pays_it_all() {
        let setup = Setup::new().await;
        setup.record(50);
        let payee = key(PAYEE);
        let worth = |above| {
            settle(
                &setup.voucher_book,
                &*setup.settles_on,
                &payee,
                false,
                above,
            )
        };
        assert!(worth(51).await.unwrap().is_empty(), "50 is not worth it");
        assert_eq!(setup.balances().await, (500, 0));
        let redeemed = worth(50).await.unwrap();
        assert_eq!(redeemed[0].redeemed, 50);
        setup.record(80);
        assert!(worth(31).await.unwrap().is_empty(), "30 more is not");
        let closed = setup.settle(true).await;
        assert_eq!(
            (closed[0].redeemed, closed[0].status),
            (80, ChannelStatus::Closed)
        );
        assert_eq!(setup.balances().await, (920, 80));
    }

    #[tokio::test]
    async fn settling_pays_the_cumulative_minus_what_was_redeemed_once() {
        let setup = Setup::new().await;
        let by_hand = RedeemVoucher {
            voucher: setup.voucher(100),
        };
        let by_hand = Signed::sign(by_hand, &key(PAYEE), &setup.ledger.id());
        setup.ledger.redeem_voucher(by_hand).await.unwrap();
        setup.record(100);
        setup.record(300);
        let settled = setup.settle(false).await;
        assert_eq!(settled.len(), 1);
        assert_eq!(
            (settled[0].redeemed, settled[0].status),
            (300, ChannelStatus::Open)
        );
        assert_eq!(setup.balances().await, (500, 300));
        assert!(
            setup.settle(false).await.is_empty(),
            "nothing left to redeem"
        );
        assert_eq!(setup.balances().await, (500, 300));
        assert_eq!(setup.unsettled(), [setup.voucher(300)], "still open");
        let closed = setup.settle(true).await;
        assert_eq!(
            (closed[0].redeemed, closed[0].status),
            (300, ChannelStatus::Closed)
        );
        assert_eq!(setup.balances().await, (700, 300));
        assert!(setup.unsettled().is_empty());
        assert!(setup.settle(true).await.is_empty());
    }

    #[tokio::test]
    async fn a_redeem_applied_but_not_marked_counts_as_settled() {
        let setup = Setup::new().await;
        setup.record(250);
        let unmarked = RedeemVoucher {
            voucher: setup.voucher(250),
        };
        let unmarked = Signed::sign(unmarked, &key(PAYEE), &setup.ledger.id());
        setup.ledger.redeem_voucher(unmarked).await.unwrap();
        let settled = setup.settle(false).await;
        assert_eq!(settled[0].redeemed, 250);
        assert!(setup.settle(false).await.is_empty());
        let closed = setup.settle(true).await;
        assert_eq!(closed[0].status, ChannelStatus::Closed);
        assert_eq!(setup.balances().await, (750, 250));
    }

    #[tokio::test]
    async fn a_channel_closed_by_someone_is_marked_settled() {
        let setup = Setup::new().await;
        setup.record(300);
        let close = close_with(setup.voucher(120), &key(PAYEE), &setup.ledger.id());
        setup.ledger.close_channel(close).await.unwrap();
        let settled = setup.settle(false).await;
        assert_eq!(
            (settled[0].redeemed, settled[0].status),
            (120, ChannelStatus::Closed)
        );
        assert!(setup.unsettled().is_empty());
        assert!(setup.settle(true).await.is_empty());
        assert_eq!(setup.balances().await, (880, 120));
    }

    #[tokio::test]
    async fn refusals_from_a_node_count_as_settled_too() {
        let mut setup = Setup::new().await;
        let _node = setup.through_a_node().await;
        setup.record(250);
        let unmarked = RedeemVoucher {
            voucher: setup.voucher(250),
        };
        let unmarked = Signed::sign(unmarked, &key(PAYEE), &setup.ledger.id());
        setup.ledger.redeem_voucher(unmarked).await.unwrap();
        assert_eq!(setup.settle(false).await[0].redeemed, 250);
        setup.record(300);
        let close = close_with(setup.voucher(280), &key(PAYEE), &setup.ledger.id());
        setup.ledger.close_channel(close).await.unwrap();
        let settled = setup.settle(true).await;
        assert_eq!(
            (settled[0].redeemed, settled[0].status),
            (280, ChannelStatus::Closed)
        );
        assert!(setup.unsettled().is_empty());
        assert_eq!(setup.balances().await, (720, 280));
    }

    #[tokio::test]
    async fn another_payees_vouchers_are_left_alone() {
        let setup = Setup::new().await;
        setup.record(300);
        let stranger = settle(&setup.voucher_book, &setup.ledger, &key(3), true, 0).await;
        assert!(stranger.unwrap().is_empty());
        assert_eq!(setup.unsettled(), [setup.voucher(300)]);
        assert_eq!(setup.balances().await, (500, 0));
    }

    #[tokio::test]
    async fn a_refusal_is_reported_after_the_other_channels_settle() {
        let setup = Setup::new().await;
        let ledger = setup.ledger.id();
        let unknown = Voucher {
            channel: ChannelId([0; 32]),
            payee: address(PAYEE),
            cumulative: btt(10),
        };
        let unknown = Signed::sign(unknown, &key(PAYER), &ledger);
        setup.voucher_book.record(&ledger, &unknown).unwrap();
        setup.record(200);
        let error = settle(&setup.voucher_book, &setup.ledger, &key(PAYEE), false, 0)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, SettleError::Channel { channel, .. } if *channel == ChannelId([0; 32])),
            "{error}"
        );
        assert_eq!(setup.balances().await, (500, 200));
    }
}
