//! A payer taking back what its channels of an earlier run hold after their
//! timeout (a crash, or a seller that never closed them), reported as
//! market events; a failure is a warning, since the next run tries again.

use super::events::{btt_text, MarketEvent, MarketEvents, RefundRecord};
use crate::payment::{refund_expired, PaymentLedger};
use k256::ecdsa::SigningKey;

/// Refunds `key`'s expired channels on `ledger`, each one a `refund` event.
pub async fn refund_expired_channels(
    ledger: &dyn PaymentLedger,
    key: &SigningKey,
    events: &MarketEvents,
) {
    match refund_expired(ledger, key, crate::clock::now_ms()).await {
        Ok(refunded) => {
            for channel in refunded {
                let back = channel.amount.base_units.saturating_sub(channel.redeemed);
                events.send(MarketEvent::Refund(RefundRecord {
                    channel: channel.id,
                    payee: channel.payee,
                    refunded: btt_text(back, channel.token()),
                    refunded_base_units: back,
                }));
            }
        }
        Err(error) => events.send(MarketEvent::Warning(format!(
            "could not refund expired channels yet: {error}"
        ))),
    }
}
