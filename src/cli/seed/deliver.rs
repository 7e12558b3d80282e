//! `btt-seed deliver`: one delivery round ([`crate::purchase::delivery`])
//! for every listing whose content key is in this data directory's key
//! store: each open purchase paying the wallet gets its key sealed to the
//! buyer and posted, and the ledger pays the seller in the same operation.
//! A purchase whose key is not here is named on stderr and left open.
//! Rerunning is safe: a delivered purchase is no longer open.

use crate::amount::{format_units, Token};
use crate::cli::exit::ExitStatus;
use crate::cli::keys::{Keys, PasswordArgs};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::tip::when::now_ms;
use crate::config::Dirs;
use crate::ledger::PurchaseState;
use crate::output::{Output, Record};
use crate::purchase::delivery::{ListingFilter, Round, Seller};
use crate::purchase::KeyStore;
use crate::tron::Address;
use clap::Args;
use serde::{Deserialize, Serialize};

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
    /// The record of a delivered purchase.
    pub fn of(state: &PurchaseState) -> Delivered {
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
    let ledger = args.ledger.payment_ledger_for(&seller)?;
    let keys = KeyStore::new(&Dirs::from_env());
    let seller = Seller {
        key: seller.signing_key(),
        keys: &keys,
        listings: &ListingFilter::All,
    };
    let runtime = crate::cli::runtime()?;
    let round = runtime
        .block_on(seller.deliver_round(&*ledger, now_ms()))
        .map_err(ledger_error)?;
    print_round(&round, output)?;
    Ok(ExitStatus::Success)
}

/// Prints a round's deliveries as records and its skipped purchases on stderr.
pub fn print_round(round: &Round, output: &Output) -> std::io::Result<()> {
    for skipped in &round.skipped {
        output.warn(format!(
            "purchase {} left open: {}",
            hex::encode(skipped.purchase.0),
            skipped.reason
        ));
    }
    for state in &round.delivered {
        output.record(&Delivered::of(state))?;
    }
    Ok(())
}
