//! `btt-seed deliver`: the seller's side of a purchase. Every open purchase
//! on the ledger that pays the wallet, for a listing whose content key is in
//! this data directory's key store, gets that key sealed to its buyer's
//! public key and posted; the ledger releases the escrowed price to the
//! seller in the same operation. A purchase past its deadline is left to be
//! refunded; one of a listing whose key is not here is named on stderr and
//! left open (another machine of the seller's may hold the key).
//!
//! Rerunning is safe: a delivered purchase is no longer open, and a
//! delivery the ledger applied before a crash is found delivered.

use crate::amount::{format_units, Token};
use crate::cli::exit::ExitStatus;
use crate::cli::keys::{Keys, PasswordArgs};
use crate::cli::ledger_choice::{ledger_error, run_on_ledger, LedgerArgs, LedgerTask};
use crate::config::Dirs;
use crate::ledger::{DeliverPurchase, Ledger, PurchaseRole, PurchaseState, PurchaseStatus, Signed};
use crate::output::{Output, Record};
use crate::purchase::{seal, KeyStore, SealContext};
use crate::tron::Address;
use clap::Args;
use k256::ecdsa::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// `btt-seed deliver`.
#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The wallet that sold (it is paid, and signs each delivery)
    #[arg(long, value_name = "NAME")]
    pub wallet: String,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// One purchase delivered (`delivery`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Delivered {
    /// The purchase id, hex.
    pub purchase: String,
    /// Who bought.
    pub buyer: Address,
    /// The listing's digest, hex.
    pub listing: String,
    /// What the seller was paid, in base units.
    #[serde(with = "crate::amount::units_text")]
    pub price_base_units: u128,
    /// The price's token.
    pub token: Token,
}

impl Delivered {
    fn of(state: &PurchaseState) -> Delivered {
        Delivered {
            purchase: hex::encode(state.id.0),
            buyer: state.buyer,
            listing: hex::encode(state.listing),
            price_base_units: state.price.base_units,
            token: state.price.token,
        }
    }
}

impl Record for Delivered {
    const TYPE: &'static str = "delivery";

    fn human(&self) -> Option<String> {
        Some(format!(
            "delivered purchase {} to {}: paid {} {}",
            self.purchase,
            self.buyer,
            format_units(self.price_base_units, self.token),
            self.token.symbol()
        ))
    }
}

/// Runs `btt-seed deliver`.
pub fn run(args: DeliverArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let seller = Keys::from_env(args.password.clone()).unlock_named(&args.wallet)?;
    let task = DeliverTask {
        seller: seller.signing_key().clone(),
        keys: KeyStore::new(&Dirs::from_env()),
        output,
    };
    run_on_ledger(&args.ledger, task)
}

struct DeliverTask<'a> {
    seller: SigningKey,
    keys: KeyStore,
    output: &'a Output,
}

impl LedgerTask for DeliverTask<'_> {
    async fn run<L: Ledger>(self, ledger: &L) -> anyhow::Result<ExitStatus> {
        let ledger_id = ledger.ledger_id().await.map_err(ledger_error)?;
        let address = Address::from_public_key(self.seller.verifying_key());
        let sold = ledger
            .purchases(address, PurchaseRole::Seller)
            .await
            .map_err(ledger_error)?;
        let now = now_ms();
        let open = sold
            .iter()
            .filter(|state| state.status == PurchaseStatus::Open && state.deadline_ms > now);
        for state in open {
            let Some(request) = self.delivery(state) else {
                continue;
            };
            let signed = Signed::sign(request, &self.seller, &ledger_id);
            let delivered = ledger
                .deliver_purchase(signed)
                .await
                .map_err(ledger_error)?;
            self.output.record(&Delivered::of(&delivered))?;
        }
        Ok(ExitStatus::Success)
    }
}

impl DeliverTask<'_> {
    /// The delivery of `state`: its listing's key sealed to its buyer, or
    /// `None` (said on stderr) when that can't be made here.
    fn delivery(&self, state: &PurchaseState) -> Option<DeliverPurchase> {
        let id = hex::encode(state.id.0);
        let key = match self.keys.load(&state.listing) {
            Ok(key) => key,
            Err(error) => {
                self.output
                    .warn(format!("purchase {id} left open: {error}"));
                return None;
            }
        };
        let Ok(buyer) = VerifyingKey::from_sec1_bytes(&state.buyer_key.0) else {
            self.output.warn(format!(
                "purchase {id} left open: its buyer key is no curve point"
            ));
            return None;
        };
        let context = SealContext {
            listing_digest: state.listing,
            purchase_id: state.id.0,
        };
        let sealed = seal(&key, &buyer, &context);
        Some(DeliverPurchase {
            purchase: state.id,
            sealed_key: sealed.as_bytes().to_vec(),
        })
    }
}

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
