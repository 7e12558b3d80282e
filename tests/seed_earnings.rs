//! `btt-seed earnings` against real processes: channels opened and closed
//! with `btt-wallet channel` and `btt-wallet voucher` on the embedded
//! ledger and through a `btt-wallet node`, a voucher the seeder's journal
//! accepted but did not redeem, and the one-line refusals. Records are read
//! back into the library's types, which deny unknown fields.

use crate::support;

use btt::cli::seed::{Earning, EarningsSummary, TokenTotal};
use btt::ledger::{ChannelStatus, LocalLedger, OpenOptions, Signed, Voucher};
use btt::market::voucher_book::VoucherBook;
use serde::Deserialize;
use serde_json::Value;
use std::process::Command;
use support::{BttWalletNode, Run, TestEnv};

const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// One line of `btt-seed earnings`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Earning(Earning),
    Summary(EarningsSummary),
}

/// A test environment with alice and bob imported, talking to `ledger`
/// (the embedded one when `None`).
struct Wallets {
    env: TestEnv,
    ledger: Option<String>,
}

impl Wallets {
    fn new() -> Wallets {
        let wallets = Wallets {
            env: TestEnv::new(),
            ledger: None,
        };
        std::fs::write(wallets.env.path().join("password"), "correct horse\n").unwrap();
        for (name, key) in [("alice", ALICE_KEY), ("bob", BOB_KEY)] {
            let file = wallets.env.path().join(format!("{name}.key"));
            std::fs::write(&file, key).unwrap();
            let file = file.to_str().unwrap().to_string();
            wallets.wallet(&["import", "--name", name, "--private-key-file", &file]);
        }
        wallets
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut command = self.env.btt(program);
        command
            .args(args)
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", self.env.path().join("password"))
            .env("BTT_DEV_LEDGER", "1");
        if let Some(ledger) = &self.ledger {
            command.env("BTT_LEDGER", ledger);
        }
        command
    }

    fn wallet(&self, args: &[&str]) -> Run {
        Run::of("btt-wallet", self.command("btt-wallet", args), "").ok()
    }

    fn wallet_with_input(&self, args: &[&str], input: &str) -> Run {
        Run::of("btt-wallet", self.command("btt-wallet", args), input).ok()
    }

    fn earnings(&self, args: &[&str]) -> Run {
        let mut all = vec!["earnings"];
        all.extend_from_slice(args);
        Run::of("btt-seed earnings", self.command("btt-seed", &all), "")
    }

    /// `btt-seed earnings --wallet NAME`: its earnings and its summary.
    fn earnings_of(&self, wallet: &str) -> (Vec<Earning>, EarningsSummary) {
        let run = self.earnings(&["--wallet", wallet]).ok();
        let mut lines = run.lines::<Line>();
        let Some(Line::Summary(summary)) = lines.pop() else {
            panic!("no summary last\n{}", run.describe());
        };
        let earnings = lines
            .into_iter()
            .map(|line| match line {
                Line::Earning(earning) => earning,
                Line::Summary(_) => panic!("two summaries\n{}", run.describe()),
            })
            .collect();
        (earnings, summary)
    }

    /// Opens a channel of `amount` from alice to bob; its id.
    fn open_channel(&self, amount: &str) -> String {
        let opened = self
            .wallet(&["channel", "open", BOB, amount, "--from", "alice"])
            .one();
        opened["id"].as_str().unwrap().to_string()
    }

    /// Alice's vouchers on channel `id`, as `btt-wallet voucher` prints them.
    fn vouchers(&self, id: &str, amounts: &[&str]) -> String {
        amounts
            .iter()
            .map(|amount| {
                self.wallet(&["voucher", id, amount, "--from", "alice"])
                    .stdout
            })
            .collect()
    }

    /// Records a voucher in bob's seeder journal, as a seeder that accepted it does.
    fn journal(&self, voucher_line: &str) {
        let voucher: Signed<Voucher> = serde_json::from_str(voucher_line).unwrap();
        let home = self.env.path().join("btt-home");
        let ledger = LocalLedger::open(&home.join("ledger.sqlite"), OpenOptions::default());
        let journal = VoucherBook::open(&home.join("market").join("vouchers.sqlite"));
        journal
            .unwrap()
            .record(&ledger.unwrap().id(), &voucher)
            .unwrap();
    }
}

fn btt_total(earned: &str, pending: Option<&str>) -> Vec<TokenTotal> {
    let json = serde_json::json!([{
        "token": "btt", "earned": earned, "fees": "0", "net": earned, "pending": pending
    }]);
    serde_json::from_value(json).unwrap()
}

/// Two channels to bob, one closed with the highest of its vouchers, one
/// open with a voucher only the journal holds: earnings before and after
/// the journal exists.
fn earnings_round(wallets: &Wallets) {
    wallets.wallet(&["faucet", "alice", "100BTT"]);
    let closed = wallets.open_channel("50BTT");
    let vouchers = wallets.vouchers(&closed, &["10BTT", "30BTT"]);
    wallets.wallet_with_input(&["channel", "close", "-"], &vouchers);
    let open = wallets.open_channel("20BTT");

    let (earnings, summary) = wallets.earnings_of("bob");
    let channels: Vec<(String, &str, &str, ChannelStatus)> = earnings
        .iter()
        .map(|e| {
            let id = e.channel.to_string();
            (id, e.deposit.as_str(), e.earned.as_str(), e.status)
        })
        .collect();
    assert_eq!(
        channels,
        [
            (
                closed.clone(),
                "50000000",
                "30000000",
                ChannelStatus::Closed
            ),
            (open.clone(), "20000000", "0", ChannelStatus::Open),
        ]
    );
    assert!(earnings.iter().all(|e| e.payer.to_string() == ALICE));
    assert!(
        earnings.iter().all(|e| e.pending.is_none()),
        "no journal yet"
    );
    assert_eq!((summary.channels, summary.open), (2, 1));
    assert_eq!(summary.address.to_string(), BOB);
    assert_eq!(summary.totals, btt_total("30000000", None));

    let accepted = wallets.vouchers(&open, &["5BTT"]);
    wallets.journal(accepted.trim());
    let (earnings, summary) = wallets.earnings_of(BOB);
    let pending: Vec<Option<&str>> = earnings.iter().map(|e| e.pending.as_deref()).collect();
    assert_eq!(pending, [Some("0"), Some("5000000")]);
    assert_eq!(summary.totals, btt_total("30000000", Some("5000000")));

    let (none, summary) = wallets.earnings_of("alice");
    assert!(none.is_empty());
    assert_eq!((summary.channels, summary.totals.len()), (0, 0));
}

#[test]
fn earnings_come_from_the_embedded_ledger_and_the_journal() {
    let wallets = Wallets::new();
    earnings_round(&wallets);
}

#[test]
fn earnings_come_through_a_ledger_node() {
    let mut wallets = Wallets::new();
    let node = BttWalletNode::start_dev(&wallets.env);
    wallets.ledger = Some(node.url.clone());
    earnings_round(&wallets);
}

#[test]
fn an_unknown_wallet_or_an_unreachable_ledger_is_one_line() {
    let mut wallets = Wallets::new();
    wallets
        .earnings(&["--wallet", "nobody"])
        .refused(3, "no wallet named \"nobody\"");
    wallets.ledger = Some("http://127.0.0.1:1".to_string());
    wallets
        .earnings(&["--wallet", "bob"])
        .refused(4, "127.0.0.1:1");
    let usage = wallets.earnings(&[]);
    assert_eq!(usage.code, 2, "{}", usage.describe());
    let error: Value = usage.one();
    assert_eq!(error["code"], "usage");
}
