//! An HTTP client of a btt ledger node (`btt-wallet node`): balances,
//! history, lookups, the dev faucet, channels and escrow, through the
//! node's TRON and `/btt/...` endpoints. A refusal by the node comes back
//! as [`LedgerError::Remote`] with the kind its error code names, so callers
//! still tell, e.g., insufficient funds apart by [`LedgerError::kind`].
//!
//! Transfers travel as signed TRON transactions through
//! `/wallet/broadcasttransaction`; the client implements
//! [`crate::ledger::Ledger`], so code generic over a ledger runs against a
//! node unchanged.

use crate::amount::{Amount, Token};
use crate::ledger::channel::{
    ChannelRole, ChannelState, CloseChannel, OpenChannel, RedeemVoucher, RefundChannel,
};
use crate::ledger::domain::Signed;
use crate::ledger::error::LedgerError;
use crate::ledger::error_kind::ErrorKind;
use crate::ledger::escrow::{CampaignState, CreateCampaign, Pledge};
use crate::ledger::id::{CampaignId, ChannelId, LedgerId, PurchaseId};
use crate::ledger::purchase::{DeliverPurchase, OpenPurchase, PurchaseRole, PurchaseState};
use crate::ledger::Ledger;
use crate::ledger::TransferRecord;
use crate::tron::{Address, BlockReference, SignedTransaction, TxId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// What `/btt/info` tells about a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The served ledger's id.
    pub ledger_id: LedgerId,
    /// The latest sequence number.
    pub head: u64,
    /// Whether the faucet is open.
    pub dev: bool,
}

/// Whether a request may go out a second time (see [`NodeClient::send`]).
#[derive(Debug, Clone, Copy)]
enum Resend {
    /// A lookup, or a signed transaction the node applies once by its txid.
    Safe,
    /// A change whose second attempt would be refused if the first was applied.
    Never,
}

/// A node's answer, and whether it came to a second attempt.
struct Answer {
    value: Value,
    resent: bool,
}

/// Whether `error` left the request unanswered without a verdict: the
/// connection failed or closed before any response, not a timeout (a
/// second wait as long helps nobody) and not a bad answer.
fn got_no_answer(error: &reqwest::Error) -> bool {
    (error.is_request() || error.is_connect()) && !error.is_timeout()
}

/// A client of one ledger node.
#[derive(Debug, Clone)]
pub struct NodeClient {
    base: String,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct BalanceAnswer {
    base_units: u128,
}

impl NodeClient {
    /// A client of the node at `base` (e.g. `http://127.0.0.1:8090`).
    pub fn new(base: &str) -> Result<NodeClient, LedgerError> {
        let http = crate::http_client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|error| unreachable(base, &error))?;
        Ok(NodeClient {
            base: base.trim_end_matches('/').to_string(),
            http,
        })
    }

    /// The node's answer to `request`. A request that `resend` allows goes
    /// out once more, on a new connection, when the first attempt got no
    /// answer at all: the node may close a pooled keep-alive connection
    /// just as a request goes out on it (it sheds idle connections when
    /// others need their places), and a client that does its part must not
    /// fail for that.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
        resend: Resend,
    ) -> Result<Answer, LedgerError> {
        let again = matches!(resend, Resend::Safe)
            .then(|| request.try_clone())
            .flatten();
        let (response, resent) = match (request.send().await, again) {
            (Ok(response), _) => (response, false),
            (Err(error), Some(again)) if got_no_answer(&error) => {
                let response = again.send().await;
                (response.map_err(|error| unreachable(url, &error))?, true)
            }
            (Err(error), _) => return Err(unreachable(url, &error)),
        };
        let status = response.status();
        if !status.is_success() {
            return Err(LedgerError::Unreachable {
                url: url.to_string(),
                message: format!("HTTP status {status}"),
            });
        }
        let value: Value = response
            .json()
            .await
            .map_err(|error| unreachable(url, &error))?;
        match value.get("Error") {
            Some(message) => Err(LedgerError::Remote {
                kind: ErrorKind::from_remote_code(value["code"].as_str()),
                message: message
                    .as_str()
                    .map_or_else(|| message.to_string(), str::to_string),
            }),
            None => Ok(Answer { value, resent }),
        }
    }

    /// POSTs `body` to `path`; `None` when the node answers `{}`.
    async fn post<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
        resend: Resend,
    ) -> Result<Option<R>, LedgerError> {
        let url = format!("{}{path}", self.base);
        let request = self.http.post(&url).json(body);
        let value = self.send(request, &url, resend).await?.value;
        if value.as_object().is_some_and(serde_json::Map::is_empty) {
            return Ok(None);
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|error| unreachable(&url, &error))
    }

    /// A lookup at `path`, which answers `{}` for nothing found.
    async fn read<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Option<R>, LedgerError> {
        self.post(path, body, Resend::Safe).await
    }

    /// A lookup at `path` that always answers something.
    async fn read_required<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<R, LedgerError> {
        self.required(path, self.read(path, body).await?)
    }

    /// A change at `path`, sent once: a second attempt of a change that was
    /// applied would come back as a refusal and hide that it was.
    async fn apply<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<R, LedgerError> {
        let answer = self.post(path, body, Resend::Never).await?;
        self.required(path, answer)
    }

    fn required<R>(&self, path: &str, answer: Option<R>) -> Result<R, LedgerError> {
        answer.ok_or_else(|| LedgerError::Unreachable {
            url: format!("{}{path}", self.base),
            message: "empty answer".to_string(),
        })
    }

    /// The node's ledger id, head and dev flag.
    pub async fn info(&self) -> Result<NodeInfo, LedgerError> {
        let url = format!("{}/btt/info", self.base);
        let value = self.send(self.http.get(&url), &url, Resend::Safe).await?;
        serde_json::from_value(value.value).map_err(|error| unreachable(&url, &error))
    }

    /// The balance of `address` in `token`, in base units.
    pub async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        let body = json!({ "address": address, "token": token });
        let answer: BalanceAnswer = self.read_required("/btt/balance", &body).await?;
        Ok(answer.base_units)
    }

    /// Changes touching `address` applied at or after `since_ms`.
    pub async fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let body = json!({ "address": address, "since_ms": since_ms, "limit": limit });
        Ok(self.read("/btt/history", &body).await?.unwrap_or_default())
    }

    /// Changes touching `address` after sequence `after`.
    pub async fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        let body = json!({ "address": address, "after": after, "limit": limit });
        Ok(self.read("/btt/history", &body).await?.unwrap_or_default())
    }

    /// The change with this txid, from `/wallet/gettransactionbyid`.
    pub async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        #[derive(Deserialize)]
        struct WithRecord {
            btt: TransferRecord,
        }
        let body = json!({ "value": hex::encode(txid), "visible": true });
        let answer: Option<WithRecord> = self.read("/wallet/gettransactionbyid", &body).await?;
        Ok(answer.map(|answer| answer.btt))
    }

    /// Broadcasts a signed transaction; its txid once the node applied it.
    pub async fn broadcast(&self, transaction: &SignedTransaction) -> Result<TxId, LedgerError> {
        let url = format!("{}/wallet/broadcasttransaction", self.base);
        let mut body = serde_json::to_value(transaction.to_json())
            .map_err(|error| unreachable(&url, &error))?;
        body["visible"] = json!(true);
        let request = self.http.post(&url).json(&body);
        let Answer {
            value: answer,
            resent,
        } = self.send(request, &url, Resend::Safe).await?;
        if answer["result"] == json!(true) {
            return Ok(transaction.txid());
        }
        let code = answer["btt_code"]
            .as_str()
            .or_else(|| answer["code"].as_str());
        let kind = ErrorKind::from_remote_code(code);
        if resent && kind == ErrorKind::Replay {
            // The first attempt was applied; the node applies a txid once.
            return Ok(transaction.txid());
        }
        Err(LedgerError::Remote {
            kind,
            message: answer["message"]
                .as_str()
                .map_or_else(|| answer.to_string(), str::to_string),
        })
    }

    /// The reference of the node's latest block, for building transactions.
    pub async fn reference_block(&self) -> Result<BlockReference, LedgerError> {
        let url = format!("{}/wallet/getnowblock", self.base);
        let request = self.http.post(&url).json(&json!({}));
        let answer = self.send(request, &url, Resend::Safe).await?.value;
        let id = answer["blockID"]
            .as_str()
            .and_then(|text| hex::decode(text).ok())
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or_else(|| unreachable(&url, &"no 32-byte blockID in the answer"))?;
        Ok(BlockReference::from_block_id(&id))
    }

    /// The dev faucet.
    pub async fn mint(&self, to: Address, amount: Amount) -> Result<TransferRecord, LedgerError> {
        self.apply("/btt/mint", &json!({ "address": to, "amount": amount }))
            .await
    }

    /// Opens a payer-signed channel.
    pub async fn open_channel(
        &self,
        request: &Signed<OpenChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.apply("/btt/channel/open", request).await
    }

    /// Redeems a voucher (payee-signed).
    pub async fn redeem_voucher(
        &self,
        request: &Signed<RedeemVoucher>,
    ) -> Result<ChannelState, LedgerError> {
        self.apply("/btt/channel/redeem", request).await
    }

    /// Closes a channel (payee-signed).
    pub async fn close_channel(
        &self,
        request: &Signed<CloseChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.apply("/btt/channel/close", request).await
    }

    /// Refunds a channel after its timeout (payer-signed).
    pub async fn refund_channel(
        &self,
        request: &Signed<RefundChannel>,
    ) -> Result<ChannelState, LedgerError> {
        self.apply("/btt/channel/refund", request).await
    }

    /// A channel's state.
    pub async fn channel(&self, id: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        self.read("/btt/channel", &json!({ "id": id })).await
    }

    /// Every channel in which `address` has `role`.
    pub async fn channels(
        &self,
        address: Address,
        role: ChannelRole,
    ) -> Result<Vec<ChannelState>, LedgerError> {
        let body = json!({ "address": address, "role": role });
        self.read_required("/btt/channels", &body).await
    }

    /// Starts a creator-signed campaign.
    pub async fn create_campaign(
        &self,
        request: &Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        self.apply("/btt/campaign/create", request).await
    }

    /// Pledges (pledger-signed).
    pub async fn pledge(&self, request: &Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        self.apply("/btt/campaign/pledge", request).await
    }

    /// Settles a campaign after its deadline.
    pub async fn settle_campaign(&self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        self.apply("/btt/campaign/settle", &json!({ "id": id }))
            .await
    }

    /// A campaign's state.
    pub async fn campaign(&self, id: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        self.read("/btt/campaign", &json!({ "id": id })).await
    }

    /// Locks a buyer-signed purchase (an identical reopen answers the existing one).
    pub async fn open_purchase(
        &self,
        request: &Signed<OpenPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        self.apply("/btt/purchase/open", request).await
    }

    /// Delivers a seller-signed sealed key, which pays the seller.
    pub async fn deliver_purchase(
        &self,
        request: &Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        self.apply("/btt/purchase/deliver", request).await
    }

    /// Refunds an undelivered purchase after its deadline.
    pub async fn refund_purchase(&self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        self.apply("/btt/purchase/refund", &json!({ "id": id }))
            .await
    }

    /// A purchase's state.
    pub async fn purchase(&self, id: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        self.read("/btt/purchase", &json!({ "id": id })).await
    }

    /// Every purchase in which `address` has `role`.
    pub async fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        let body = json!({ "address": address, "role": role });
        self.read_required("/btt/purchases", &body).await
    }
}

impl Ledger for NodeClient {
    async fn ledger_id(&self) -> Result<LedgerId, LedgerError> {
        Ok(self.info().await?.ledger_id)
    }

    async fn head(&self) -> Result<u64, LedgerError> {
        Ok(self.info().await?.head)
    }

    async fn balance(&self, address: Address, token: Token) -> Result<u128, LedgerError> {
        NodeClient::balance(self, address, token).await
    }

    async fn transfer(
        &self,
        transaction: SignedTransaction,
    ) -> Result<TransferRecord, LedgerError> {
        let txid = self.broadcast(&transaction).await?;
        NodeClient::transaction(self, txid.0)
            .await?
            .ok_or_else(|| LedgerError::Remote {
                kind: ErrorKind::Missing,
                message: format!("the node accepted {txid} but does not know it"),
            })
    }

    async fn mint(&self, to: Address, amount: Amount) -> Result<TransferRecord, LedgerError> {
        NodeClient::mint(self, to, amount).await
    }

    async fn transaction(&self, txid: [u8; 32]) -> Result<Option<TransferRecord>, LedgerError> {
        NodeClient::transaction(self, txid).await
    }

    async fn history(
        &self,
        address: Address,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        NodeClient::history(self, address, since_ms, limit).await
    }

    async fn history_after(
        &self,
        address: Address,
        after: u64,
        limit: usize,
    ) -> Result<Vec<TransferRecord>, LedgerError> {
        NodeClient::history_after(self, address, after, limit).await
    }

    async fn open_channel(
        &self,
        request: Signed<OpenChannel>,
    ) -> Result<ChannelState, LedgerError> {
        NodeClient::open_channel(self, &request).await
    }

    async fn redeem_voucher(
        &self,
        request: Signed<RedeemVoucher>,
    ) -> Result<ChannelState, LedgerError> {
        NodeClient::redeem_voucher(self, &request).await
    }

    async fn close_channel(
        &self,
        request: Signed<CloseChannel>,
    ) -> Result<ChannelState, LedgerError> {
        NodeClient::close_channel(self, &request).await
    }

    async fn refund_channel(
        &self,
        request: Signed<RefundChannel>,
    ) -> Result<ChannelState, LedgerError> {
        NodeClient::refund_channel(self, &request).await
    }

    async fn channel(&self, id: ChannelId) -> Result<Option<ChannelState>, LedgerError> {
        NodeClient::channel(self, id).await
    }

    async fn channels(
        &self,
        address: Address,
        role: ChannelRole,
    ) -> Result<Vec<ChannelState>, LedgerError> {
        NodeClient::channels(self, address, role).await
    }

    async fn create_campaign(
        &self,
        request: Signed<CreateCampaign>,
    ) -> Result<CampaignState, LedgerError> {
        NodeClient::create_campaign(self, &request).await
    }

    async fn pledge(&self, request: Signed<Pledge>) -> Result<CampaignState, LedgerError> {
        NodeClient::pledge(self, &request).await
    }

    async fn settle_campaign(&self, id: CampaignId) -> Result<CampaignState, LedgerError> {
        NodeClient::settle_campaign(self, id).await
    }

    async fn campaign(&self, id: CampaignId) -> Result<Option<CampaignState>, LedgerError> {
        NodeClient::campaign(self, id).await
    }

    async fn open_purchase(
        &self,
        request: Signed<OpenPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        NodeClient::open_purchase(self, &request).await
    }

    async fn deliver_purchase(
        &self,
        request: Signed<DeliverPurchase>,
    ) -> Result<PurchaseState, LedgerError> {
        NodeClient::deliver_purchase(self, &request).await
    }

    async fn refund_purchase(&self, id: PurchaseId) -> Result<PurchaseState, LedgerError> {
        NodeClient::refund_purchase(self, id).await
    }

    async fn purchase(&self, id: PurchaseId) -> Result<Option<PurchaseState>, LedgerError> {
        NodeClient::purchase(self, id).await
    }

    async fn purchases(
        &self,
        address: Address,
        role: PurchaseRole,
    ) -> Result<Vec<PurchaseState>, LedgerError> {
        NodeClient::purchases(self, address, role).await
    }
}

fn unreachable(url: &str, error: &dyn std::fmt::Display) -> LedgerError {
    LedgerError::Unreachable {
        url: url.to_string(),
        message: error.to_string(),
    }
}
