//! `btt-tip buy` with real processes on 127.0.0.1: carol sells an album
//! (`btt-seed sell`) and seeds it with `btt-seed run --sell`, which delivers
//! the key to each paying buyer; alice buys it in one command. On the
//! embedded ledger, on a `btt-wallet node`, and (the sale, the refund and
//! the buyer's and the seller's kill -9, the listings refused, the order
//! continued after its listing expired) on btt's contracts on anvil: the plain files equal the
//! creator's byte for byte, the price moves once, a rerun charges nothing
//! (also after `kill -9` of the buyer or of the seller), a rerun with another
//! `-o` writes the files there too, decrypted files get a current mtime, a
//! damaged download is fetched again on rerun; a seller that never delivers is refunded at
//! the deadline; a tampered or other-ledger listing is refused before
//! anything is paid; a wrong key, and a listed file that does not decrypt,
//! are reported with the proof and nothing is decrypted; a listing nobody
//! serves is refused before anything is paid; a purchase opened before its
//! listing expired is continued after it; a buy killed while it decrypts
//! leaves nothing behind after the next run; aria2 seeds the encrypted
//! torrent to a buyer. The buy's stdout is its own stream, with the
//! download's records nested.

use crate::support;

use btt::cli::seed::Delivered;
use btt::ledger::node::client::NodeClient;
use btt::ledger::{
    DeliverPurchase, Ledger, LedgerId, ListingDomain, PurchaseRole, PurchaseStatus, Signed,
};
use btt::purchase::{seal, ContentKey, KeyStore, Listing, SealContext, SignedListing};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::market::*;
use support::{assert_trees_equal, make_tree, Aria2, Child, Seeder};

/// The album most shops sell.
const ALBUM: &[(&str, u64)] = &[
    ("album/01.flac", 700_000),
    ("album/02.flac", 123_457),
    ("album/art/cover.jpg", 5_000),
];

/// A shop: carol's album, sold, with its listing and torrent.
struct Shop {
    market: Market,
    /// The directory holding `album/`, `album.age` and `album.torrent`.
    dir: PathBuf,
    listing: PathBuf,
}

impl Shop {
    fn open(backend: Backend) -> Shop {
        Shop::open_for(backend, "30d")
    }

    /// A shop whose listing is on offer for `expiry` (`btt-seed sell --expiry`).
    fn open_for(backend: Backend, expiry: &str) -> Shop {
        Shop::selling(backend, expiry, ALBUM)
    }

    /// A shop selling `files` (paths under `album/`) for `expiry`.
    fn selling(backend: Backend, expiry: &str, files: &[(&str, u64)]) -> Shop {
        let market = Market::new(backend);
        let dir = market.env().dir("shop");
        make_tree(&dir, files);
        let listing = market.env().path().join("album.listing");
        let mut sell = market.command("btt-seed");
        sell.arg("sell")
            .arg(dir.join("album"))
            .args([
                "--price", "10BTT", "--wallet", "carol", "--expiry", expiry, "-o",
            ])
            .arg(&listing);
        market.finish("btt-seed sell", sell);
        Shop {
            market,
            dir,
            listing,
        }
    }

    /// The listing's price, 10 BTT, in base units of the shop's ledger.
    fn price(&self) -> u128 {
        10 * self.market.units_per_btt()
    }

    fn torrent(&self) -> PathBuf {
        self.dir.join("album.age.torrent")
    }

    /// `btt-seed run` of the encrypted torrent, delivering keys with `--sell` when `sell`.
    fn seed(&self, sell: bool) -> Seeder {
        let mut command = self.market.command("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.dir)
            .arg(self.torrent());
        if sell {
            command
                .args(["--wallet", "carol", "--deliver-every", "1s", "--sell"])
                .arg(&self.listing);
        }
        self.market.listening("btt-seed run", command)
    }

    /// `btt-tip buy` of `listing` by alice into `out`, from the peer `peer`.
    fn buy_command(&self, listing: &Path, out: &Path, peer: &str, extra: &[&str]) -> Command {
        self.buy_command_of("alice", listing, out, peer, extra)
    }

    /// [`Shop::buy_command`] for the wallet `buyer`.
    fn buy_command_of(
        &self,
        buyer: &str,
        listing: &Path,
        out: &Path,
        peer: &str,
        extra: &[&str],
    ) -> Command {
        let mut command = self.market.command("btt-tip");
        command
            .arg("buy")
            .arg(listing)
            .args(["--from", buyer, "-o"])
            .arg(out)
            .args(["--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .args(["--peer", peer])
            .args(extra);
        command
    }

    fn buy(&self, out: &Path, peer: &str, extra: &[&str]) -> Child {
        let command = self.buy_command(&self.listing, out, peer, extra);
        self.market.env().spawn("btt-tip buy", command)
    }

    /// Alice pays into `out` from a seller that does not deliver, and is
    /// killed with `-9` once her purchase is open: its `purchase` record.
    fn paid_then_killed(&self, out: &Path) -> Value {
        let mut seller = self.seed(false);
        let mut first = self.buy(out, &seller.addr(), &[]);
        let opened = first.read_record(COMMAND, "purchase");
        assert_eq!(opened["status"], "open", "{}", first.diagnostics());
        kill_9(&mut first);
        seller.child.terminate();
        opened
    }

    /// Alice's rerun into `out` against a delivering seller: it continues
    /// the `opened` purchase to the plain files, charged once.
    fn rerun_continues(&self, out: &Path, opened: &Value) {
        let mut seller = self.seed(true);
        let mut rerun = self.buy(out, &seller.addr(), &[]);
        rerun.wait_success(DOWNLOAD);
        assert_eq!(last_purchase(&rerun)["purchase"], opened["purchase"]);
        self.assert_bought(out);
        assert_eq!(
            self.market.balance("alice"),
            self.market.funds() - self.price(),
            "charged once"
        );
        assert_eq!(self.market.balance("carol"), self.price());
        seller.child.terminate();
    }

    fn signed_listing(&self) -> SignedListing {
        SignedListing::parse(&std::fs::read(&self.listing).expect("listing")).expect("signed")
    }

    /// Fails unless `out` holds the creator's album and the encrypted file beside it.
    fn assert_bought(&self, out: &Path) {
        assert_trees_equal(&self.dir.join("album"), &out.join("album"));
        assert_eq!(
            std::fs::read(out.join("album.age")).expect("the download stays"),
            std::fs::read(self.dir.join("album.age")).expect("the sold file")
        );
    }

    fn tip(&self, args: &[&str]) -> Vec<Value> {
        let mut command = self.market.command("btt-tip");
        command.args(args);
        self.market.finish("btt-tip", command)
    }

    fn status(&self) -> Value {
        let listing = self.listing.display().to_string();
        let records = self.tip(&["buy", &listing, "--from", "alice", "--status"]);
        records.last().cloned().expect("a purchase record")
    }
}

fn last_purchase(child: &Child) -> Value {
    child
        .json_records()
        .into_iter()
        .rfind(|record| record["type"] == "purchase")
        .unwrap_or_else(|| panic!("no purchase record\n{}", child.diagnostics()))
}

/// Fails unless `child` exits with `code` within `timeout`, saying `says` on stderr.
fn assert_fails(child: &mut Child, timeout: Duration, code: i32, says: &str) {
    assert_eq!(exit_code(child, timeout), code, "{}", child.diagnostics());
    assert!(child.stderr().contains(says), "{}", child.stderr());
}

fn exit_code(child: &mut Child, timeout: Duration) -> i32 {
    child
        .wait_timeout(timeout)
        .and_then(|status| status.code())
        .unwrap_or_else(|| panic!("{} did not exit\n{}", child.label(), child.diagnostics()))
}

/// A sale end to end, a rerun that charges nothing, and a damaged
/// download fetched again by a rerun without paying twice.
fn a_sale(backend: Backend) {
    let shop = Shop::open(backend);
    let mut seller = shop.seed(true);
    let out = shop.market.env().path().join("bought");
    let mut buyer = shop.buy(&out, &seller.addr(), &[]);
    buyer.wait_success(DOWNLOAD);
    let receipt = last_purchase(&buyer);
    assert_eq!(receipt["status"], "delivered", "{receipt}");
    assert_eq!(receipt["name"], "album");
    assert_eq!(receipt["plain_size"], 700_000 + 123_457 + 5_000);
    assert_one_stream(&buyer);
    shop.assert_bought(&out);
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price()
    );
    assert_eq!(shop.market.balance("carol"), shop.price());

    let listed = shop.tip(&["purchases", "--from", "alice"]);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["purchase"], receipt["purchase"]);
    assert_eq!(listed[0]["status"], "delivered");
    assert_eq!(listed[0]["path"], receipt["path"]);
    assert_eq!(shop.status()["status"], "delivered");

    let mut again = shop.buy(&out, &seller.addr(), &[]);
    again.wait_success(COMMAND);
    assert_eq!(last_purchase(&again)["purchase"], receipt["purchase"]);
    assert_written_lately(&out.join("album/01.flac"));

    let elsewhere = shop.market.env().path().join("elsewhere");
    let mut moved = shop.buy(&elsewhere, &seller.addr(), &[]);
    moved.wait_success(DOWNLOAD);
    assert_eq!(last_purchase(&moved)["purchase"], receipt["purchase"]);
    shop.assert_bought(&elsewhere);
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price(),
        "paid once"
    );

    damage(&out.join("album.age"), backend);
    std::fs::remove_dir_all(out.join("album")).expect("rm album");
    let mut repaired = shop.buy(&out, &seller.addr(), &[]);
    repaired.wait_success(DOWNLOAD);
    shop.assert_bought(&out);
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price(),
        "paid once"
    );
    assert_eq!(shop.market.balance("carol"), shop.price());
    seller.child.terminate();
    let deliveries = printed::<Delivered>(&seller.child);
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
}

/// Fails unless the buy's stdout is its own stream: `purchase` records,
/// and the download's records each nested in a `download` record.
fn assert_one_stream(buyer: &Child) {
    let records = buyer.json_records();
    let mut kinds: Vec<&str> = records.iter().filter_map(|r| r["type"].as_str()).collect();
    kinds.dedup();
    assert_eq!(kinds, ["download", "purchase"], "{}", buyer.stdout());
    let downloads = records_of(buyer, "download");
    let nested: Vec<&str> = downloads
        .iter()
        .map(|record| record["record"]["type"].as_str().expect("a typed record"))
        .map(|kind| match kind {
            "listening" | "dht_listening" | "peers_found" | "metadata" | "started" | "progress"
            | "completed" | "summary" => kind,
            other => panic!("a download record of type {other}"),
        })
        .collect();
    for kind in ["listening", "started", "summary"] {
        assert!(nested.contains(&kind), "{kind}: {}", buyer.stdout());
    }
}

/// Fails unless `path` was modified in the last ten minutes (the tar
/// stream's fixed mtime is from 2006).
fn assert_written_lately(path: &Path) {
    let modified = std::fs::metadata(path)
        .expect("stat")
        .modified()
        .expect("mtime");
    let age = std::time::SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    assert!(
        age < Duration::from_secs(600),
        "{} is {age:?} old",
        path.display()
    );
}

/// Truncates the file on one backend's run and flips bytes inside it on the other's.
fn damage(path: &Path, backend: Backend) {
    let mut bytes = std::fs::read(path).expect("read");
    match backend {
        Backend::Embedded => bytes.truncate(bytes.len() / 2),
        Backend::Node | Backend::Chain => {
            let middle = bytes.len() / 2;
            for byte in &mut bytes[middle..middle + 100] {
                *byte ^= 0x5a;
            }
        }
    }
    std::fs::write(path, bytes).expect("write");
}

fn records_of(child: &Child, kind: &str) -> Vec<Value> {
    child
        .json_records()
        .into_iter()
        .filter(|record| record["type"] == kind)
        .collect()
}

#[test]
fn a_sale_on_the_embedded_ledger() {
    a_sale(Backend::Embedded);
}

#[test]
fn a_sale_on_a_ledger_node() {
    a_sale(Backend::Node);
}

#[test]
fn a_seller_that_never_delivers_is_refunded_at_the_deadline() {
    never_delivered(Backend::Embedded);
}

/// alice pays a seller that never delivers: her buy ends with exit 4 at
/// the deadline, refunded to the base unit, with nothing decrypted.
fn never_delivered(backend: Backend) {
    let shop = Shop::open(backend);
    let mut seller = shop.seed(false);
    let out = shop.market.env().path().join("bought");
    let mut buyer = shop.buy(&out, &seller.addr(), &["--deadline", "4s"]);
    assert_fails(&mut buyer, DOWNLOAD, 4, "did not deliver");
    assert!(
        out.join("album.age").exists(),
        "the encrypted file downloaded"
    );
    assert!(
        !out.join("album").exists(),
        "nothing to decrypt without a key"
    );
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds(),
        "refunded to the base unit"
    );
    assert_eq!(shop.market.balance("carol"), 0);
    assert_eq!(shop.status()["status"], "refunded");
    seller.child.terminate();
}

/// A listing nobody serves (no seeder: made without `--announce`, with no
/// DHT and no peer answering), by its magnet and by `--torrent`: the buy
/// ends with exit 4 and one line saying nothing was paid; no order is
/// journaled, no purchase is on the ledger, balances are unchanged.
#[test]
fn a_listing_nobody_serves_is_refused_before_anything_is_paid() {
    let shop = Shop::open(Backend::Embedded);
    let torrent = shop.torrent().display().to_string();
    let out = shop.market.env().path().join("bought");
    let by_magnet = ["--metadata-timeout", "2s"];
    let by_torrent = ["--torrent", &torrent, "--stall-timeout", "2s"];
    for extra in [&by_magnet[..], &by_torrent[..]] {
        let command = shop.buy_command(&shop.listing, &out, "127.0.0.1:9", extra);
        let mut buyer = shop.market.env().spawn("btt-tip buy", command);
        assert_fails(&mut buyer, COMMAND, 4, "nothing was paid");
        let last_line = buyer.stderr().lines().last().unwrap_or_default().to_owned();
        assert!(
            last_line.starts_with(
                "btt-tip: error: the listing's file could not be fetched, so nothing was paid: "
            ),
            "{}",
            buyer.stderr()
        );
        assert!(
            records_of(&buyer, "purchase").is_empty(),
            "{}",
            buyer.stdout()
        );
    }
    assert_eq!(shop.market.balance("alice"), shop.market.funds());
    assert_eq!(shop.market.balance("carol"), 0);
    assert!(shop.tip(&["purchases", "--from", "alice"]).is_empty());
    let listing = shop.listing.display().to_string();
    let mut status = shop.market.command("btt-tip");
    status.args(["buy", &listing, "--from", "alice", "--status"]);
    let mut status = shop.market.env().spawn("btt-tip buy --status", status);
    assert_fails(&mut status, COMMAND, 3, "has not bought this listing");
}

/// A listing like the shop's, with `change` made, signed by carol, in `NAME.listing`.
fn resigned(shop: &Shop, name: &str, change: impl FnOnce(&mut Listing)) -> PathBuf {
    let mut listing = shop.signed_listing().listing;
    change(&mut listing);
    let path = shop.market.env().path().join(format!("{name}.listing"));
    let json = listing.sign(&signing_key(CAROL_KEY)).to_json();
    std::fs::write(&path, json).expect("write listing");
    path
}

#[test]
fn listings_that_do_not_check_are_refused_before_anything_is_paid() {
    listings_that_do_not_check(Backend::Embedded);
}

#[test]
fn on_a_chain_listings_that_do_not_check_are_refused_before_anything_is_paid() {
    listings_that_do_not_check(Backend::Chain);
}

fn listings_that_do_not_check(backend: Backend) {
    let shop = Shop::open(backend);
    let out = shop.market.env().path().join("bought");
    let text = std::fs::read_to_string(&shop.listing).expect("listing");
    let listed = format!("\"price\":\"{}\"", shop.price());
    let cheaper = text.replace(&listed, "\"price\":\"1\"");
    assert_ne!(cheaper, text, "the price is in the listing");
    let tampered = shop.market.env().path().join("tampered.listing");
    std::fs::write(&tampered, cheaper).expect("write");
    let other_ledger = resigned(&shop, "other-ledger", |listing| {
        listing.domain = ListingDomain::Ledger(LedgerId([9; 32]))
    });
    let expired = resigned(&shop, "expired", |listing| listing.expires = 1_000_000);
    let wrong_magnet = resigned(&shop, "wrong-magnet", |listing| {
        listing.magnet = "magnet:?xt=urn:btih:0101010101010101010101010101010101010101".into()
    });
    for (listing, message) in [
        (&tampered, "not signed by its seller"),
        (&other_ledger, "is for ledger"),
        (&expired, "expired"),
        (&wrong_magnet, "magnet is not of its info-hash"),
    ] {
        let command = shop.buy_command(listing, &out, "127.0.0.1:9", &[]);
        let mut buyer = shop.market.env().spawn("btt-tip buy", command);
        assert_fails(&mut buyer, COMMAND, 3, message);
    }
    assert_eq!(shop.market.balance("alice"), shop.market.funds());
    assert!(shop.tip(&["purchases", "--from", "alice"]).is_empty());
}

#[test]
fn a_wrong_key_is_reported_with_its_proof_and_nothing_is_decrypted() {
    let shop = Shop::open(Backend::Node);
    let mut seller = shop.seed(false);
    let out = shop.market.env().path().join("bought");
    let mut buyer = shop.buy(&out, &seller.addr(), &["--deadline", "2m"]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let node = NodeClient::new(shop.market.node_url()).expect("client");
    let ledger = runtime.block_on(Ledger::ledger_id(&node)).expect("id");
    let carol = signing_key(CAROL_KEY);
    let open = wait_for_open_purchase(&runtime, &node, &carol);
    let listing = shop.signed_listing();
    let wrong = ContentKey::generate();
    let buyer_key = k256::ecdsa::VerifyingKey::from_sec1_bytes(&open.buyer_key.0).expect("key");
    let context = SealContext {
        listing_digest: listing.digest(),
        purchase_id: open.id.0,
    };
    let sealed = seal(&wrong, &buyer_key, &context).as_bytes().to_vec();
    let delivery = DeliverPurchase {
        purchase: open.id,
        sealed_key: sealed.clone(),
    };
    runtime
        .block_on(Ledger::deliver_purchase(
            &node,
            Signed::sign(delivery, &carol, &ledger),
        ))
        .expect("delivered");
    assert_fails(
        &mut buyer,
        DOWNLOAD,
        1,
        "does not match the listing's key commitment",
    );
    let proofs = records_of(&buyer, "purchase_proof");
    assert_eq!(proofs.len(), 1, "{}", buyer.diagnostics());
    assert_eq!(proofs[0]["escrow"]["sealed_key"], hex::encode(&sealed));
    assert_eq!(
        proofs[0]["listing"]["signature"],
        serde_json::to_value(&listing).unwrap()["signature"]
    );
    assert!(!out.join("album").exists(), "nothing decrypted");
    seller.child.terminate();
}

/// A seller whose listed file is truncated (the torrent and the listing
/// made of the bad file, with the true key): the key checks, the download
/// verifies, and decryption fails on the missing last chunk; the buyer gets
/// a clear error and the proof, and no partial plain files.
#[test]
fn a_listed_file_that_is_truncated_is_reported_with_its_proof() {
    let shop = Shop::open(Backend::Embedded);
    let age = shop.dir.join("album.age");
    let bytes = std::fs::read(&age).expect("age");
    std::fs::write(&age, &bytes[..bytes.len() - 1000]).expect("truncate");
    let mut create = shop.market.command("btt-seed");
    create
        .arg("create")
        .arg(&age)
        .args(["--force", "-o"])
        .arg(shop.torrent());
    let created = shop.market.finish("btt-seed create", create);
    let magnet = created[0]["torrent"]["magnet"]
        .as_str()
        .expect("magnet")
        .to_string();
    let info_hash = created[0]["torrent"]["info_hash"].clone();
    let sold = shop.signed_listing().digest();
    let listing = resigned(&shop, "album", |listing| {
        listing.info_hash = serde_json::from_value(info_hash).expect("info-hash");
        listing.magnet = magnet;
    });
    std::fs::rename(&listing, &shop.listing).expect("replace the listing");
    let keys = KeyStore::at(shop.market.env().path().join("btt-home/listing-keys"));
    let key = keys.load(&sold).expect("the sold key");
    keys.save(&shop.signed_listing().digest(), &key)
        .expect("the same key for the new listing");
    let mut seller = shop.seed(true);
    let out = shop.market.env().path().join("bought");
    let mut buyer = shop.buy(&out, &seller.addr(), &[]);
    assert_fails(
        &mut buyer,
        DOWNLOAD,
        1,
        "does not decrypt with the listing's key",
    );
    let proofs = records_of(&buyer, "purchase_proof");
    assert_eq!(proofs.len(), 1, "{}", buyer.diagnostics());
    assert_eq!(proofs[0]["escrow"]["status"], "delivered");
    assert!(!out.join("album").exists(), "no partial plain files");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .expect("out")
        .map(|entry| entry.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only album.age: {leftovers:?}");
    seller.child.terminate();
}

/// The first open purchase paying `seller`, once the buyer has opened it.
fn wait_for_open_purchase(
    runtime: &tokio::runtime::Runtime,
    node: &NodeClient,
    seller: &k256::ecdsa::SigningKey,
) -> btt::ledger::PurchaseState {
    let deadline = Instant::now() + COMMAND;
    loop {
        let sold = runtime
            .block_on(Ledger::purchases(
                node,
                address_of(seller),
                PurchaseRole::Seller,
            ))
            .expect("purchases");
        if let Some(open) = sold
            .into_iter()
            .find(|state| state.status == PurchaseStatus::Open)
        {
            return open;
        }
        assert!(Instant::now() < deadline, "no purchase was opened");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kill_9_of_the_buyer_after_paying_then_a_rerun_charges_once() {
    buyer_killed_after_paying(Backend::Embedded);
}

fn buyer_killed_after_paying(backend: Backend) {
    let shop = Shop::open(backend);
    let out = shop.market.env().path().join("bought");
    let opened = shop.paid_then_killed(&out);
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price()
    );
    shop.rerun_continues(&out, &opened);
}

/// `kill -9` of the buyer after paying a seller that never delivers: the
/// refund at the deadline is not lost, `--status` after it takes the price
/// back, and a second `--status` refunds nothing more.
#[test]
fn kill_9_of_the_buyer_before_its_refund_then_status_refunds_once() {
    buyer_killed_before_its_refund(Backend::Embedded);
}

#[test]
fn on_a_chain_kill_9_of_the_buyer_before_its_refund_then_status_refunds_once() {
    buyer_killed_before_its_refund(Backend::Chain);
}

fn buyer_killed_before_its_refund(backend: Backend) {
    let shop = Shop::open(backend);
    let out = shop.market.env().path().join("bought");
    let mut seller = shop.seed(false);
    let mut buyer = shop.buy(&out, &seller.addr(), &["--deadline", "3s"]);
    let opened = buyer.read_record(COMMAND, "purchase");
    assert_eq!(opened["status"], "open", "{}", buyer.diagnostics());
    kill_9(&mut buyer);
    seller.child.terminate();
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price()
    );
    // The refund waits for the purchase's deadline: time, not an event.
    let deadline = opened["deadline"].as_str().expect("a deadline");
    let deadline = humantime::parse_rfc3339(deadline).expect("RFC 3339");
    let wait = deadline
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    std::thread::sleep(wait + Duration::from_millis(100));
    for _ in 0..2 {
        let status = shop.status();
        assert_eq!(status["status"], "refunded", "{status}");
        assert_eq!(status["purchase"], opened["purchase"]);
        assert_eq!(shop.market.balance("alice"), shop.market.funds());
    }
    assert_eq!(shop.market.balance("carol"), 0);
}

#[test]
fn kill_9_of_the_seller_after_delivering_then_a_restart_delivers_nothing_twice() {
    seller_killed_after_delivering(Backend::Node);
}

fn seller_killed_after_delivering(backend: Backend) {
    let shop = Shop::open(backend);
    let mut seller = shop.seed(true);
    let out = shop.market.env().path().join("bought");
    let mut buyer = shop.buy(&out, &seller.addr(), &[]);
    let delivered = seller.child.read_record(DOWNLOAD, "delivery");
    kill_9(&mut seller.child);
    assert_eq!(shop.market.balance("carol"), shop.price());

    let mut restarted = shop.seed(true);
    let mut rerun_buyer = None;
    if exit_code(&mut buyer, DOWNLOAD) != 0 {
        // The buyer may have lost its seeder mid-download: continue from the restarted one.
        let mut rerun = shop.buy(&out, &restarted.addr(), &[]);
        rerun.wait_success(DOWNLOAD);
        rerun_buyer = Some(rerun);
    }
    let receipt = last_purchase(rerun_buyer.as_ref().unwrap_or(&buyer));
    assert_eq!(receipt["purchase"], delivered["purchase"]);
    shop.assert_bought(&out);
    // Bob buys too: the restarted seller's round that delivers his key
    // comes after alice's purchase was delivered, and delivers hers no more.
    let bob_out = shop.market.env().path().join("bought by bob");
    let command = shop.buy_command_of("bob", &shop.listing, &bob_out, &restarted.addr(), &[]);
    let mut bob = shop.market.env().spawn("btt-tip buy (bob)", command);
    bob.wait_success(DOWNLOAD);
    shop.assert_bought(&bob_out);
    restarted.child.terminate();
    let deliveries = printed::<Delivered>(&restarted.child);
    let buyers: Vec<String> = deliveries.iter().map(|d| d.buyer.to_string()).collect();
    assert_eq!(buyers, [BOB], "bob's purchase alone, once");
    let price = shop.price();
    assert_eq!(shop.market.balance("carol"), 2 * price, "each paid once");
    assert_eq!(shop.market.balance("alice"), shop.market.funds() - price);
    assert_eq!(shop.market.balance("bob"), shop.market.funds() - price);
}

/// A listing's expiry ends new orders, not the purchases opened before it:
/// alice pays, is killed before the key comes, and her rerun after the
/// expiry continues the journaled purchase to the plain files, charged
/// once; an order with an empty journal is refused as expired.
#[test]
fn a_purchase_opened_before_its_listing_expired_is_continued_after_it() {
    continued_after_the_listing_expired(Backend::Embedded);
}

#[test]
fn on_a_chain_a_purchase_opened_before_its_listing_expired_is_continued_after_it() {
    continued_after_the_listing_expired(Backend::Chain);
}

fn continued_after_the_listing_expired(backend: Backend) {
    let shop = Shop::open_for(backend, "15s");
    let expires = shop.signed_listing().listing.expires;
    let out = shop.market.env().path().join("bought");
    let opened = shop.paid_then_killed(&out);
    while now_ms() / 1000 <= expires {
        std::thread::sleep(Duration::from_millis(200));
    }

    let fresh_journal = shop.market.env().path().join("fresh.sqlite");
    let fresh_journal = fresh_journal.display().to_string();
    let command = shop.buy_command(
        &shop.listing,
        &out,
        "127.0.0.1:9",
        &["--journal", &fresh_journal],
    );
    let mut new_order = shop.market.env().spawn("btt-tip buy", command);
    assert_fails(&mut new_order, COMMAND, 3, "expired");
    shop.rerun_continues(&out, &opened);
}

/// A buy killed with `-9` while it decrypts leaves its staging directory
/// behind; the next run into the same directory removes it and decrypts
/// the album, charged once. The album is 400 files, so that decrypting
/// takes long enough to be caught; a run that finishes first is repeated
/// into a fresh directory (a purchase decrypts into each `-o` it is given).
#[test]
fn kill_9_during_decryption_leaves_no_staging_directory_after_the_next_run() {
    let names: Vec<String> = (0..400).map(|n| format!("album/{n:03}.flac")).collect();
    let files: Vec<(&str, u64)> = names
        .iter()
        .map(|name| (name.as_str(), 96 * 1024))
        .collect();
    let shop = Shop::selling(Backend::Embedded, "30d", &files);
    let mut seller = shop.seed(true);
    let out = (0..5)
        .find_map(|attempt| {
            let out = shop.market.env().path().join(format!("bought-{attempt}"));
            let mut buyer = shop.buy(&out, &seller.addr(), &[]);
            killed_while_decrypting(&mut buyer, &out).then_some(out)
        })
        .expect("one of five buys was killed while it decrypted");
    assert!(!out.join("album").exists(), "nothing decrypted yet");

    let mut rerun = shop.buy(&out, &seller.addr(), &[]);
    rerun.wait_success(DOWNLOAD);
    shop.assert_bought(&out);
    assert_eq!(staging_dirs(&out), Vec::<String>::new());
    assert_eq!(
        shop.market.balance("alice"),
        shop.market.funds() - shop.price(),
        "paid once"
    );
    seller.child.terminate();
}

/// Kills `buyer` with `-9` as soon as its staging directory appears in
/// `out`; true when it was killed with the directory still there, false
/// when the buy got past decrypting first.
fn killed_while_decrypting(buyer: &mut Child, out: &Path) -> bool {
    let deadline = Instant::now() + DOWNLOAD;
    while staging_dirs(out).is_empty() {
        if let Some(status) = buyer.try_wait() {
            assert!(status.success(), "{}", buyer.diagnostics());
            return false;
        }
        assert!(Instant::now() < deadline, "{}", buyer.diagnostics());
        std::thread::sleep(Duration::from_millis(1));
    }
    buyer.signal(libc::SIGKILL);
    buyer.wait_timeout(COMMAND);
    buyer.killed_by(libc::SIGKILL) && !staging_dirs(out).is_empty()
}

/// The names of the decryption staging directories in `out`.
fn staging_dirs(out: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    entries
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with(".btt-decrypt-"))
        .collect()
}

/// aria2 1.36.0 seeds the encrypted torrent; carol only delivers the key.
#[test]
fn aria2_seeds_the_encrypted_torrent_to_a_buyer() {
    let shop = Shop::open(Backend::Embedded);
    let mut aria2 = Aria2::seed(shop.market.env(), &shop.torrent(), &shop.dir);
    let mut deliverer = shop.seed(true);
    let out = shop.market.env().path().join("bought");
    let torrent = shop.torrent().display().to_string();
    let mut buyer = shop.buy(&out, &aria2.addr(), &["--torrent", &torrent]);
    buyer.wait_success(DOWNLOAD);
    shop.assert_bought(&out);
    assert_eq!(shop.market.balance("carol"), shop.price());
    deliverer.child.terminate();
    aria2.child.terminate();
}

/// On btt's contracts on a chain (anvil): the sale end to end, paid once
/// through the purchases contract (balances with each wallet's gas added
/// back, so the same sums hold as on btt's ledgers).
#[test]
fn a_sale_on_a_chain() {
    a_sale(Backend::Chain);
}

#[test]
fn on_a_chain_a_seller_that_never_delivers_is_refunded_at_the_deadline() {
    never_delivered(Backend::Chain);
}

#[test]
fn on_a_chain_kill_9_of_the_buyer_after_paying_then_a_rerun_charges_once() {
    buyer_killed_after_paying(Backend::Chain);
}

#[test]
fn on_a_chain_kill_9_of_the_seller_after_delivering_then_a_restart_delivers_nothing_twice() {
    seller_killed_after_delivering(Backend::Chain);
}
