//! `btt-seed sell DIR`: encrypt a file or directory for sale, make the
//! torrent of the encrypted file, sign a listing with the seller's wallet
//! and keep the content key in the data directory's key store.
//!
//! Outputs: `PARENT/NAME.age` and its torrent `PARENT/NAME.age.torrent`
//! (named after the content it describes, as every client names a torrent,
//! so it never meets `create`'s `NAME.torrent` of the plaintext) beside the
//! content, the listing at `-o`; none is overwritten without `--force`, and
//! the listing is written last, so a listing on disk always has its key stored.

use super::{make_torrent, write_atomically, TorrentFlags, TorrentText};
use crate::amount::{format_units, Amount, Token};
use crate::cli::exit::{with_status, ExitStatus};
use crate::cli::keys::{Keys, PasswordArgs};
use crate::cli::ledger_choice::{ledger_error, LedgerArgs};
use crate::cli::values::parse_duration;
use crate::config::Dirs;
use crate::ledger::{LedgerId, ListingDomain};
use crate::output::swarm::bytes;
use crate::output::{Output, Record};
use crate::purchase::{encrypt_to, ContentKey, KeyStore, Listing, SignedListing};
use crate::tron::Address;
use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `btt-seed sell`.
#[derive(Debug, Args)]
pub struct SellContentArgs {
    /// The file or directory to sell; NAME.age and its torrent NAME.age.torrent are written beside it
    pub path: PathBuf,
    /// The price a buyer pays, e.g. 10BTT (in the chain's coin on an EVM chain)
    #[arg(long, value_name = "AMOUNT", value_parser = check_price)]
    pub price: String,
    /// The wallet that is paid and signs the listing
    #[arg(long, value_name = "NAME")]
    pub wallet: String,
    /// Where to write the listing
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// How long the listing stays on offer, e.g. 30d
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30d")]
    pub expiry: Duration,
    #[command(flatten)]
    pub torrent: TorrentFlags,
    /// Overwrite existing outputs
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub ledger: LedgerArgs,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Refuses what is no amount before anything runs; the price is read in
/// the ledger's token once the ledger is known ([`price_on`]).
fn check_price(text: &str) -> Result<String, String> {
    Amount::parse(text, Token::Btt).map_err(|error| error.to_string())?;
    Ok(text.to_string())
}

/// `text` as a price where listings are sold: BTT is the chain's coin on a chain.
fn price_on(text: &str, domain: &ListingDomain) -> anyhow::Result<Amount> {
    let token = match domain {
        ListingDomain::Ledger(_) => Token::Btt,
        ListingDomain::Chain(_) => Token::Bttc,
    };
    Amount::parse(text, token).map_err(|error| usage(format!("--price {text:?}: {error}")))
}

/// The record `btt-seed sell` prints.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Listed {
    /// Where the listing was written.
    pub listing: String,
    /// The encrypted file.
    pub encrypted: String,
    /// The torrent of the encrypted file.
    pub torrent: String,
    /// The listing digest (what a purchase escrow names), hex.
    pub digest: String,
    /// The torrent's info-hash, hex.
    pub info_hash: String,
    /// The price in base units.
    #[serde(with = "crate::amount::units_text")]
    pub price: u128,
    /// The price's token.
    pub token: Token,
    /// The seller's address.
    pub seller: Address,
    /// The ledger's id.
    pub ledger: LedgerId,
    /// The plaintext's name.
    pub name: String,
    /// Regular files in the plaintext.
    pub files: u64,
    /// The plaintext's size in bytes.
    pub size: u64,
    /// Bytes of the encrypted file.
    pub encrypted_size: u64,
    /// Unix seconds when the listing expires.
    pub expires: i64,
}

impl Record for Listed {
    const TYPE: &'static str = "listing";
    fn human(&self) -> Option<String> {
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.add_row(["listing", self.listing.as_str()]);
        table.add_row(["encrypted", self.encrypted.as_str()]);
        table.add_row(["torrent", self.torrent.as_str()]);
        let price = format!(
            "{} {}",
            format_units(self.price, self.token),
            self.token.symbol()
        );
        table.add_row(["price", price.as_str()]);
        let content = format!("{} ({} files, {})", self.name, self.files, bytes(self.size));
        table.add_row(["content", content.as_str()]);
        table.add_row(["info-hash", self.info_hash.as_str()]);
        table.add_row(["digest", self.digest.as_str()]);
        Some(table.to_string())
    }
}

/// The files one sale writes.
struct SaleOutputs {
    encrypted: PathBuf,
    torrent: PathBuf,
    listing: PathBuf,
}

impl SaleOutputs {
    fn beside(content: &Path, listing: &Path) -> anyhow::Result<(String, SaleOutputs)> {
        let name = content
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| usage(format!("{} has no file name", content.display())))?;
        let parent = content
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let outputs = SaleOutputs {
            encrypted: parent.join(format!("{name}.age")),
            torrent: parent.join(format!("{name}.age.torrent")),
            listing: listing.to_path_buf(),
        };
        Ok((name, outputs))
    }

    fn refuse_existing(&self) -> anyhow::Result<()> {
        for path in [&self.encrypted, &self.torrent, &self.listing] {
            if path.exists() {
                return Err(usage(format!(
                    "{} exists; pass --force to overwrite it, or move it away",
                    path.display()
                )));
            }
        }
        Ok(())
    }
}

fn usage(message: String) -> anyhow::Error {
    with_status(ExitStatus::Usage, anyhow::anyhow!(message))
}

/// Runs `btt-seed sell`.
pub fn run(args: SellContentArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    if !args.path.exists() {
        return Err(with_status(
            ExitStatus::BadInput,
            anyhow::anyhow!("{} does not exist", args.path.display()),
        ));
    }
    let (_, outputs) = SaleOutputs::beside(&args.path, &args.output)?;
    if !args.force {
        outputs.refuse_existing()?;
    }
    let seller = Keys::from_env(args.password.clone()).unlock_named(&args.wallet)?;
    args.ledger.require_contracts("btt-seed sell")?;
    let (ledger, domain) = ledger_of(&args.ledger)?;
    let price = price_on(&args.price, &domain)?;
    let key = ContentKey::generate();
    let bar = output.progress(0, "encrypting");
    let encrypted = encrypt_to(&args.path, &key, &outputs.encrypted, &|done| {
        bar.set_position(done)
    })
    .map_err(|error| with_status(ExitStatus::BadInput, error))?;
    bar.finish();
    let torrent = make_torrent(
        &outputs.encrypted,
        &args.torrent,
        TorrentText::default(),
        &outputs.torrent,
        output,
    )?;
    let listing = Listing {
        info_hash: torrent.info_hash,
        magnet: torrent.summary().magnet,
        price,
        seller: seller.address(),
        domain,
        key_commitment: key.commitment(),
        name: encrypted.name.clone(),
        size: encrypted.plain_size,
        expires: expiry_from_now(args.expiry)?,
    }
    .sign(seller.signing_key());
    let keys = KeyStore::new(&Dirs::from_env());
    keys.save(&listing.digest(), &key)
        .context("could not store the content key")?;
    keys.save_listing(&listing)
        .context("could not store the listing beside its key")?;
    write_atomically(
        &outputs.listing,
        format!("{}\n", listing.to_json()).as_bytes(),
    )?;
    output.record(&listed(&outputs, &listing, &ledger, encrypted))?;
    Ok(ExitStatus::Success)
}

/// The ledger's id and where its listings are sold.
fn ledger_of(args: &LedgerArgs) -> anyhow::Result<(LedgerId, ListingDomain)> {
    let ledger = args.payment_ledger()?;
    crate::cli::runtime()?
        .block_on(async { Ok((ledger.ledger_id().await?, ledger.listing_domain().await?)) })
        .map_err(ledger_error)
}

fn expiry_from_now(expiry: Duration) -> anyhow::Result<i64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?;
    i64::try_from(now.saturating_add(expiry).as_secs()).map_err(|_| {
        usage(format!(
            "--expiry {} is too far away",
            humantime::format_duration(expiry)
        ))
    })
}

fn listed(
    outputs: &SaleOutputs,
    signed: &SignedListing,
    ledger: &LedgerId,
    encrypted: crate::purchase::Encrypted,
) -> Listed {
    let listing = &signed.listing;
    Listed {
        listing: outputs.listing.display().to_string(),
        encrypted: outputs.encrypted.display().to_string(),
        torrent: outputs.torrent.display().to_string(),
        digest: hex::encode(signed.digest()),
        info_hash: listing.info_hash.to_string(),
        price: listing.price.base_units,
        token: listing.price.token,
        seller: listing.seller,
        ledger: *ledger,
        name: listing.name.clone(),
        files: encrypted.files,
        size: listing.size,
        encrypted_size: encrypted.encrypted_size,
        expires: listing.expires,
    }
}
