//! The payer's side of a channel's timeout: [`refund_expired`] takes back
//! the unredeemed funds of every open channel a payer opened whose timeout
//! has passed, as `btt-get` does at start for channels a crash left open.
//!
//! The payer's clock and the ledger's may differ: a channel the payer
//! thinks expired and the ledger does not is left for the next run, and
//! so is one its payee closed in the meantime. Neither is an error.

use super::error::PaymentError;
use super::payment_ledger::PaymentLedger;
use crate::ledger::{ChannelRole, ChannelState, ChannelStatus, ErrorKind, RefundChannel, Signed};
use crate::tron::Address;
use k256::ecdsa::SigningKey;

/// Refunds every open channel paid by `payer` whose `expires_at_ms` is at
/// or before `now_ms`; returns the refunded channels' states. Every channel
/// is tried; the first failure is returned after the others.
pub async fn refund_expired(
    ledger: &dyn PaymentLedger,
    payer: &SigningKey,
    now_ms: i64,
) -> Result<Vec<ChannelState>, PaymentError> {
    let ledger_id = ledger.ledger_id().await?;
    let me = Address::from_public_key(payer.verifying_key());
    let channels = ledger.channels(me, ChannelRole::Payer).await?;
    let mut refunded = Vec::new();
    let mut first_failure = None;
    let expired = channels
        .into_iter()
        .filter(|channel| channel.status == ChannelStatus::Open && channel.expires_at_ms <= now_ms);
    for channel in expired {
        let request = Signed::sign(
            RefundChannel {
                channel: channel.id,
            },
            payer,
            &ledger_id,
        );
        match ledger.refund_channel(request).await {
            Ok(state) => refunded.push(state),
            Err(error) if is_left_for_later(error.kind()) => {}
            Err(error) => {
                first_failure.get_or_insert(PaymentError::Ledger(error));
            }
        }
    }
    first_failure.map_or(Ok(refunded), Err)
}

/// Refusals that mean "not now" or "nothing to take back", not a failure.
fn is_left_for_later(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::RefundBeforeTimeout | ErrorKind::ChannelClosed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::Token;
    use crate::ledger::local::fixtures::{self, address, btt, key, START_MS};
    use crate::ledger::{LocalLedger, OpenChannel};
    use crate::payment::{close_with, sign_voucher};
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    const PAYER: u8 = 1;
    const PAYEE: u8 = 2;
    const HOUR: i64 = 3_600_000;

    /// A dev ledger whose clock the test moves, with 1,000 minted to the payer.
    async fn ledger(dir: &tempfile::TempDir, now: &Arc<AtomicI64>) -> LocalLedger {
        let path = dir.path().join("ledger.sqlite");
        let ledger = LocalLedger::open(&path, fixtures::options(now, true)).unwrap();
        crate::ledger::Ledger::mint(&ledger, address(PAYER), btt(1_000))
            .await
            .unwrap();
        ledger
    }

    async fn open(ledger: &LocalLedger, payer: u8, units: u128, expires_in: i64) -> ChannelState {
        let open = OpenChannel {
            payer: address(payer),
            payee: address(PAYEE),
            amount: btt(units),
            expires_at_ms: START_MS + expires_in,
            nonce: rand::random(),
        };
        let request = Signed::sign(open, &key(payer), &ledger.id());
        ledger.open_channel(request).await.unwrap()
    }

    async fn balance(ledger: &LocalLedger, seed: u8) -> u128 {
        ledger.balance(address(seed), Token::Btt).await.unwrap()
    }

    #[tokio::test]
    async fn only_the_payers_expired_open_channels_are_refunded() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(START_MS));
        let ledger = ledger(&dir, &now).await;
        crate::ledger::Ledger::mint(&ledger, address(3), btt(100))
            .await
            .unwrap();
        let expired = open(&ledger, PAYER, 100, HOUR).await;
        let later = open(&ledger, PAYER, 200, 3 * HOUR).await;
        let closed = open(&ledger, PAYER, 50, HOUR).await;
        let others = open(&ledger, 3, 100, HOUR).await;
        let voucher = sign_voucher(&expired, btt(30), &key(PAYER), &ledger.id()).unwrap();
        let redeem = crate::ledger::RedeemVoucher { voucher };
        let redeem = Signed::sign(redeem, &key(PAYEE), &ledger.id());
        ledger.redeem_voucher(redeem).await.unwrap();
        let last = sign_voucher(&closed, btt(50), &key(PAYER), &ledger.id()).unwrap();
        let close = close_with(last, &key(PAYEE), &ledger.id());
        ledger.close_channel(close).await.unwrap();
        assert_eq!(balance(&ledger, PAYER).await, 650);
        now.fetch_add(2 * HOUR, Ordering::SeqCst);
        let refunded = refund_expired(&ledger, &key(PAYER), START_MS + 2 * HOUR)
            .await
            .unwrap();
        let ids: Vec<_> = refunded.iter().map(|state| state.id).collect();
        assert_eq!(ids, [expired.id]);
        assert_eq!(refunded[0].status, ChannelStatus::Closed);
        assert_eq!(balance(&ledger, PAYER).await, 720);
        for untouched in [later.id, others.id] {
            let state = ledger.channel(untouched).await.unwrap().unwrap();
            assert_eq!(state.status, ChannelStatus::Open);
        }
        let again = refund_expired(&ledger, &key(PAYER), START_MS + 2 * HOUR)
            .await
            .unwrap();
        assert!(again.is_empty());
    }

    #[tokio::test]
    async fn a_ledger_whose_clock_is_behind_is_left_for_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(START_MS));
        let ledger = ledger(&dir, &now).await;
        let channel = open(&ledger, PAYER, 100, HOUR).await;
        let ahead = refund_expired(&ledger, &key(PAYER), START_MS + HOUR)
            .await
            .unwrap();
        assert!(ahead.is_empty(), "the ledger's clock says not yet");
        assert_eq!(balance(&ledger, PAYER).await, 900);
        now.store(START_MS + HOUR, Ordering::SeqCst);
        let refunded = refund_expired(&ledger, &key(PAYER), START_MS + HOUR)
            .await
            .unwrap();
        assert_eq!(refunded[0].id, channel.id);
        assert_eq!(balance(&ledger, PAYER).await, 1_000);
    }

    #[tokio::test]
    async fn an_unreachable_ledger_is_an_error() {
        let node = crate::ledger::node::client::NodeClient::new("http://127.0.0.1:9").unwrap();
        let error = refund_expired(&node, &key(PAYER), START_MS)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, PaymentError::Ledger(e) if e.kind() == ErrorKind::Unreachable),
            "{error}"
        );
    }
}
