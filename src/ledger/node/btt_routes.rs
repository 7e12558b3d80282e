//! The node's `/btt/...` endpoints: what TRON's API has no words for
//! (balances of any token, history, the dev faucet, channels, crowdfunding
//! and purchase escrow).
//! Bodies are JSON; every answer is status 200 with the result, `{}` for
//! something unknown, or `{"Error": message, "code": name}` where `code` is
//! [`LedgerError::code`], so a client can tell the refusals apart.
//! Channel and escrow requests carry their own signatures, which the
//! ledger verifies; the faucet works only on a node opened in dev mode.

use super::tron_json;
use crate::amount::{Amount, Token};
use crate::ledger::channel::{
    ChannelRole, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::escrow::{CreateCampaign, Pledge};
use crate::ledger::id::{CampaignId, ChannelId, PurchaseId};
use crate::ledger::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole};
use crate::ledger::{Ledger, LocalLedger};
use crate::tron::Address;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::future::Future;

/// The most records one history request returns.
pub const HISTORY_LIMIT: usize = 1_000;

fn refused(error: &LedgerError) -> Value {
    json!({ "Error": error.to_string(), "code": error.code() })
}

/// Parses the body as `T`, runs `operation`, and writes its result or refusal.
async fn run<T, R, F, Fut>(bytes: &Bytes, operation: F) -> Json<Value>
where
    T: DeserializeOwned,
    R: Serialize,
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<R, LedgerError>>,
{
    let request: T = match serde_json::from_slice(bytes) {
        Ok(request) => request,
        Err(error) => return Json(tron_json::error(format!("invalid request body: {error}"))),
    };
    match operation(request).await {
        Ok(result) => Json(serde_json::to_value(result).unwrap_or_else(tron_json::error)),
        Err(error) => Json(refused(&error)),
    }
}

/// `/btt/balance` body.
#[derive(Debug, Deserialize)]
struct BalanceQuery {
    address: Address,
    token: Token,
}

/// `/btt/balance` answer.
#[derive(Debug, Serialize)]
struct BalanceAnswer {
    address: Address,
    token: Token,
    base_units: u128,
}

/// `POST /btt/balance {"address", "token"}`.
pub async fn balance(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: BalanceQuery| async move {
        let base_units = ledger.balance(query.address, query.token).await?;
        Ok(BalanceAnswer {
            address: query.address,
            token: query.token,
            base_units,
        })
    })
    .await
}

/// `/btt/history` body: from a time, or after a sequence number.
#[derive(Debug, Deserialize)]
struct HistoryQuery {
    address: Address,
    #[serde(default)]
    since_ms: i64,
    after: Option<u64>,
    limit: Option<usize>,
}

/// `POST /btt/history {"address", "since_ms"?, "after"?, "limit"?}`.
pub async fn history(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: HistoryQuery| async move {
        let limit = query.limit.unwrap_or(HISTORY_LIMIT).min(HISTORY_LIMIT);
        match query.after {
            Some(after) => ledger.history_after(query.address, after, limit).await,
            None => ledger.history(query.address, query.since_ms, limit).await,
        }
    })
    .await
}

/// `/btt/mint` body.
#[derive(Debug, Deserialize)]
struct MintRequest {
    address: Address,
    amount: Amount,
}

/// `POST /btt/mint {"address", "amount"}`: the faucet, dev nodes only.
pub async fn mint(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: MintRequest| async move {
        ledger.mint(request.address, request.amount).await
    })
    .await
}

/// `POST /btt/channel/open` with a payer-signed [`OpenChannel`].
pub async fn open_channel(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<OpenChannel>| async move {
        ledger.open_channel(request).await
    })
    .await
}

/// `POST /btt/channel/redeem` with a payee-signed [`RedeemVoucher`].
pub async fn redeem_voucher(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<RedeemVoucher>| async move {
        ledger.redeem_voucher(request).await
    })
    .await
}

/// `POST /btt/channel/close` with a payee-signed [`CloseChannel`].
pub async fn close_channel(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<CloseChannel>| async move {
        ledger.close_channel(request).await
    })
    .await
}

/// `POST /btt/channel/refund` with a payer-signed [`RefundChannel`].
pub async fn refund_channel(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<RefundChannel>| async move {
        ledger.refund_channel(request).await
    })
    .await
}

/// A body naming a channel or campaign.
#[derive(Debug, Deserialize)]
struct ById<T> {
    id: T,
}

/// `POST /btt/channel {"id"}`: the channel, or `{}`.
pub async fn channel(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ById<ChannelId>| async move {
        Ok(ledger
            .channel(query.id)
            .await?
            .map_or(json!({}), |state| json!(state)))
    })
    .await
}

/// `/btt/channels` body.
#[derive(Debug, Deserialize)]
struct ChannelsQuery {
    address: Address,
    role: ChannelRole,
}

/// `POST /btt/channels {"address", "role": "payer" | "payee"}`: every
/// channel, open or closed, in which the address has the role, as an array.
pub async fn channels(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ChannelsQuery| async move {
        ledger.channels(query.address, query.role).await
    })
    .await
}

/// `POST /btt/campaign/create` with a creator-signed [`CreateCampaign`].
pub async fn create_campaign(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<CreateCampaign>| async move {
        ledger.create_campaign(request).await
    })
    .await
}

/// `POST /btt/campaign/pledge` with a pledger-signed [`Pledge`].
pub async fn pledge(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<Pledge>| async move {
        ledger.pledge(request).await
    })
    .await
}

/// `POST /btt/campaign/settle {"id"}`: by anyone, after the deadline.
pub async fn settle_campaign(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ById<CampaignId>| async move {
        ledger.settle_campaign(query.id).await
    })
    .await
}

/// `POST /btt/campaign {"id"}`: the campaign, or `{}`.
pub async fn campaign(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ById<CampaignId>| async move {
        Ok(ledger
            .campaign(query.id)
            .await?
            .map_or(json!({}), |state| json!(state)))
    })
    .await
}

/// `POST /btt/purchase/open` with a buyer-signed [`OpenPurchase`]; an
/// identical reopen answers the existing purchase.
pub async fn open_purchase(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<OpenPurchase>| async move {
        ledger.open_purchase(request).await
    })
    .await
}

/// `POST /btt/purchase/deliver` with a seller-signed [`DeliverPurchase`].
pub async fn deliver_purchase(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |request: Signed<DeliverPurchase>| async move {
        ledger.deliver_purchase(request).await
    })
    .await
}

/// `POST /btt/purchase/refund {"id"}`: by anyone, from the deadline on.
pub async fn refund_purchase(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ById<PurchaseId>| async move {
        ledger.refund_purchase(query.id).await
    })
    .await
}

/// `POST /btt/purchase {"id"}`: the purchase, or `{}`.
pub async fn purchase(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: ById<PurchaseId>| async move {
        Ok(ledger
            .purchase(query.id)
            .await?
            .map_or(json!({}), |state| json!(state)))
    })
    .await
}

/// `/btt/purchases` body.
#[derive(Debug, Deserialize)]
struct PurchasesQuery {
    address: Address,
    role: PurchaseRole,
}

/// `POST /btt/purchases {"address", "role": "buyer" | "seller"}`: every
/// purchase in which the address has the role, as an array.
pub async fn purchases(State(ledger): State<LocalLedger>, bytes: Bytes) -> Json<Value> {
    run(&bytes, |query: PurchasesQuery| async move {
        ledger.purchases(query.address, query.role).await
    })
    .await
}
