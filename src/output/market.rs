//! How the market's events look: the `type` of each record and the line a
//! person sees for the few that are not shown another way (payments and
//! bids show in the progress bar).

use super::Record;
use crate::market::events::{
    BidRecord, EarningRecord, MarketPeerRecord, PaymentRecord, RefundRecord, SettlementRecord,
    WonRecord,
};

impl Record for MarketPeerRecord {
    const TYPE: &'static str = "market_peer";

    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for BidRecord {
    const TYPE: &'static str = "bid";

    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for WonRecord {
    const TYPE: &'static str = "won";

    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for PaymentRecord {
    const TYPE: &'static str = "payment";

    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for EarningRecord {
    const TYPE: &'static str = "earning";

    fn human(&self) -> Option<String> {
        None
    }
}

impl Record for SettlementRecord {
    const TYPE: &'static str = "settlement";

    fn human(&self) -> Option<String> {
        Some(format!(
            "settled channel {} from {}: {}{}",
            self.channel,
            self.payer,
            self.redeemed,
            if self.closed { ", closed" } else { "" }
        ))
    }
}

impl Record for RefundRecord {
    const TYPE: &'static str = "refund";

    fn human(&self) -> Option<String> {
        Some(format!(
            "refunded expired channel {} to {}: {} back",
            self.channel, self.payee, self.refunded
        ))
    }
}
