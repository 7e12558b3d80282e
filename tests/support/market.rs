//! The bandwidth market's test world (`tests/market.rs`, `tests/bid_control.rs`):
//! a torrent, wallets for two payers (alice, bob) and a seller (carol) on
//! the embedded ledger, a `btt-wallet node`, or btt's contracts on an anvil
//! chain, and the processes that trade.

pub use super::market_records::*;
use super::{assert_trees_equal, Anvil, Child, Fixture, Seeder, TestEnv};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// How long a download of the test's content may take.
pub const DOWNLOAD: Duration = Duration::from_secs(120);
/// How long a short command may take.
pub const COMMAND: Duration = Duration::from_secs(30);
/// The content: 24 MiB in 256 KiB pieces, 12 s at the seeder's 2 MiB/s.
pub const CONTENT: &[(&str, u64)] = &[("album.bin", 24 << 20)];
/// What each payer's wallet starts with, in base units (100 BTT).
pub const FUNDS: u128 = 100_000_000;
/// The same on a chain, in wei.
pub const CHAIN_FUNDS: u128 = 100 * WEI_PER_BTT;
/// Wei per BTT on a chain (18 decimals).
pub const WEI_PER_BTT: u128 = 1_000_000_000_000_000_000;
/// What the seller (carol) gets on a chain to pay her gas with, in wei.
const GAS_FLOAT: u128 = WEI_PER_BTT;

pub const ALICE_KEY: &str = "da146374a75310b9666e834ee4ad0866d6f4035967bfc76217c5a495fff9f0d0";
pub const BOB_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";
pub const CAROL_KEY: &str = "0000000000000000000000000000000000000000000000000000000000000002";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    /// The embedded ledger of the shared data directory.
    Embedded,
    /// A `btt-wallet node --dev`.
    Node,
    /// btt's contracts, deployed by carol, on an anvil chain (chain id 199).
    Chain,
}

/// The chain a [`Backend::Chain`] market trades on.
struct ChainLedger {
    anvil: Anvil,
    contracts: Option<String>,
    deploy_fee: u128,
}

/// A torrent, wallets for two payers (alice, bob) and a seller (carol),
/// and the ledger they trade on.
pub struct Market {
    /// The torrent, its data and the environment.
    pub fixture: Fixture,
    node: Option<(Child, String)>,
    chain: Option<ChainLedger>,
}

impl Market {
    pub fn new(backend: Backend) -> Market {
        let env = TestEnv::new();
        std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
        let fixture = Fixture::of(CONTENT)
            .args(&["--piece-length", "256KiB"])
            .env(env)
            .create();
        let mut market = Market {
            fixture,
            node: None,
            chain: None,
        };
        match backend {
            Backend::Embedded => {}
            Backend::Node => market.start_node(),
            Backend::Chain => {
                let anvil = Anvil::start(market.env());
                market.chain = Some(ChainLedger {
                    anvil,
                    contracts: None,
                    deploy_fee: 0,
                });
            }
        }
        for (name, key) in [("alice", ALICE_KEY), ("bob", BOB_KEY), ("carol", CAROL_KEY)] {
            let file = market.env().path().join(format!("{name}.key"));
            std::fs::write(&file, key).unwrap();
            let mut import = market.command("btt-wallet");
            import.args(["import", "--name", name, "--private-key-file"]);
            import.arg(&file);
            market.finish("btt-wallet import", import);
        }
        for payer in ["alice", "bob"] {
            market.wallet(&["faucet", payer, "100BTT"]);
        }
        if backend == Backend::Chain {
            market.deploy_contracts();
        }
        market
    }

    /// carol, funded for gas, deploys btt's contracts; every later command uses them.
    fn deploy_contracts(&mut self) {
        self.wallet(&["faucet", "carol", &format!("{GAS_FLOAT}"), "--base-units"]);
        let deployed = self.wallet(&["deploy", "--from", "carol", "--gas-limit", "2000000"]);
        let deployment = deployed.last().expect("a deployment record");
        let contracts = deployment["contracts"].as_str().expect("the contracts");
        if let Some(chain) = self.chain.as_mut() {
            chain.contracts = Some(contracts.to_string());
            chain.deploy_fee = units(&deployment["fee_base_units"]);
        }
    }

    /// What carol paid in gas to deploy the contracts (a [`Backend::Chain`] market).
    pub fn deploy_fee(&self) -> u128 {
        self.chain.as_ref().expect("a chain market").deploy_fee
    }

    /// The anvil of a [`Backend::Chain`] market.
    pub fn anvil(&self) -> &Anvil {
        &self.chain.as_ref().expect("a chain market").anvil
    }

    pub fn env(&self) -> &TestEnv {
        &self.fixture.env
    }

    fn start_node(&mut self) {
        let mut command = self.env().btt("btt-wallet");
        command
            .args(["node", "--listen", "127.0.0.1:0", "--dev"])
            .env("BTT_HOME", self.env().path().join("node-home"));
        let mut child = self.env().spawn("btt-wallet node", command);
        let record = child.read_record(COMMAND, "listening");
        let url = format!("http://{}", record["addr"].as_str().unwrap_or_default());
        self.node = Some((child, url));
    }

    /// The `btt-wallet node` URL (a market on [`Backend::Node`]).
    pub fn node_url(&self) -> &str {
        self.node
            .as_ref()
            .map(|(_, url)| url.as_str())
            .expect("a ledger node")
    }

    /// `kill -9` of the ledger node, then a new node on the same data
    /// (its URL changes: the port is the system's choice).
    pub fn kill_and_restart_node(&mut self) {
        if let Some((mut child, _)) = self.node.take() {
            kill_9(&mut child);
        }
        self.start_node();
    }

    /// A btt command on this market's ledger, with the wallets' password.
    pub fn command(&self, program: &str) -> Command {
        let mut command = self.env().btt(program);
        command
            .env("BTT_PASSWORD_FILE", self.env().path().join("password"))
            .env("BTT_INSECURE_FAST_KDF", "1");
        match (&self.node, &self.chain) {
            (Some((_, url)), _) => command.env("BTT_LEDGER", url),
            (None, Some(chain)) => {
                command.env("BTT_LEDGER", &chain.anvil.url);
                if let Some(contracts) = &chain.contracts {
                    command.env("BTT_CONTRACTS", contracts);
                }
                &mut command
            }
            (None, None) => command.env("BTT_DEV_LEDGER", "1"),
        };
        command
    }

    pub fn finish(&self, label: &str, command: Command) -> Vec<Value> {
        let mut child = self.env().spawn(label, command);
        child.wait_success(COMMAND);
        child.json_records()
    }

    pub fn wallet(&self, args: &[&str]) -> Vec<Value> {
        let mut command = self.command("btt-wallet");
        command.args(args);
        self.finish("btt-wallet", command)
    }

    /// Base units per BTT on this market's ledger (10^6, or 10^18 wei on a chain).
    pub fn units_per_btt(&self) -> u128 {
        match self.chain {
            Some(_) => WEI_PER_BTT,
            None => 1_000_000,
        }
    }

    /// What each payer's wallet started with, in base units of the ledger.
    pub fn funds(&self) -> u128 {
        match self.chain {
            Some(_) => CHAIN_FUNDS,
            None => FUNDS,
        }
    }

    /// A wallet's BTT balance in base units, from the ledger. On a chain,
    /// what the market moved: the balance with the gas of the wallet's own
    /// transactions added back and carol's gas float taken off, so the
    /// same sums hold on every backend (gas is checked on its own).
    pub fn balance(&self, name: &str) -> u128 {
        let records = self.wallet(&["balance", name]);
        let record = records.last().expect("a balance record");
        let balance = units(&record["btt_base_units"]);
        let Some(chain) = &self.chain else {
            return balance;
        };
        let address = record["evm_address"].as_str().expect("an EVM address");
        let float = if name == "carol" { GAS_FLOAT } else { 0 };
        balance + gas_paid(&chain.anvil, address) - float
    }

    /// `btt-seed run` selling as carol at `ask`, with `extra` flags.
    pub fn seed(&self, ask: &str, extra: &[&str]) -> Seeder {
        let mut command = self.command("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.fixture.data)
            .args(["--wallet", "carol", "--ask", ask])
            .args(extra)
            .arg(&self.fixture.torrent);
        self.listening("btt-seed run", command)
    }

    /// Starts `command` and waits for its `listening` record.
    pub fn listening(&self, label: &str, command: Command) -> Seeder {
        let mut child = self.env().spawn(label, command);
        let record = child.read_record(COMMAND, "listening");
        let port = record["addr"]
            .as_str()
            .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
            .map(|addr| addr.port())
            .expect("a listening record");
        Seeder { child, port }
    }

    /// `btt-seed run` selling nothing.
    pub fn seed_plain(&self) -> Seeder {
        let mut command = self.command("btt-seed");
        command
            .args(["run", "--no-dht", "--no-tracker", "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&self.fixture.data)
            .arg(&self.fixture.torrent);
        self.listening("btt-seed run (plain)", command)
    }

    /// `btt-get` of the torrent from `seeder` into `out-NAME`, with `extra` flags; it
    /// listens on an ephemeral port, so leechers of tests running side by side
    /// (one torrent, other ledgers) do not meet on a reused default port.
    pub fn get(&self, name: &str, seeder: &Seeder, extra: &[&str]) -> (Child, PathBuf) {
        let out = self.env().path().join(format!("out-{name}"));
        let mut command = self.command("btt-get");
        command
            .arg(&self.fixture.torrent)
            .arg("-o")
            .arg(&out)
            .args(["--no-tracker", "--peer", &seeder.addr()])
            .args(["--listen", "127.0.0.1:0"])
            .args(extra);
        (self.env().spawn(&format!("btt-get {name}"), command), out)
    }

    /// A payer's `btt-get` bidding `bid` with `budget`.
    pub fn buy(&self, name: &str, seeder: &Seeder, bid: &str, budget: &str) -> (Child, PathBuf) {
        self.get(
            name,
            seeder,
            &["--wallet", name, "--bid", bid, "--budget", budget],
        )
    }

    pub fn assert_complete(&self, out: &std::path::Path) {
        assert_trees_equal(&self.fixture.data, out);
    }
}

/// The wei `address` has paid in gas for every transaction on `anvil`'s chain.
pub fn gas_paid(anvil: &Anvil, address: &str) -> u128 {
    let quantity = |value: &Value| {
        let digits = value.as_str().expect("a hex quantity");
        u128::from_str_radix(digits.trim_start_matches("0x"), 16).expect("hex")
    };
    let head = quantity(&anvil.rpc("eth_blockNumber", json!([])).unwrap());
    let mut paid = 0;
    for number in 0..=head {
        let block = anvil
            .rpc(
                "eth_getBlockByNumber",
                json!([format!("{number:#x}"), true]),
            )
            .unwrap();
        for transaction in block["transactions"].as_array().into_iter().flatten() {
            let from = transaction["from"].as_str().unwrap_or_default();
            if !from.eq_ignore_ascii_case(address) {
                continue;
            }
            let receipt = anvil
                .rpc("eth_getTransactionReceipt", json!([transaction["hash"]]))
                .unwrap();
            paid += quantity(&receipt["gasUsed"]) * quantity(&receipt["effectiveGasPrice"]);
        }
    }
    paid
}

/// The signing key of one of the test wallets' hex keys.
pub fn signing_key(hex_key: &str) -> k256::ecdsa::SigningKey {
    let bytes = hex::decode(hex_key).expect("a hex key");
    k256::ecdsa::SigningKey::from_slice(&bytes).expect("a secp256k1 key")
}

/// The TRON address of `key`.
pub fn address_of(key: &k256::ecdsa::SigningKey) -> btt::tron::Address {
    btt::tron::Address::from_public_key(key.verifying_key())
}

/// Milliseconds since the Unix epoch, as ledger deadlines are written.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_millis()).expect("ms fit an i64")
}

/// A base-units field of a `btt-wallet` record (a string of digits).
pub fn units(value: &Value) -> u128 {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not base units: {value}"))
}

/// The last `summary` record `child` printed.
pub fn summary(child: &Child) -> RunSummary {
    let summaries = printed::<RunSummary>(child);
    let last = summaries.last().cloned();
    last.unwrap_or_else(|| panic!("no summary\n{}", child.diagnostics()))
}

/// Waits until the seller reports the channel of `payer` closed.
pub fn wait_closed(seller: &Child, payer: &str) -> Settlement {
    let closed =
        |settlement: &Settlement| settlement.closed && settlement.payer.to_string() == payer;
    let settlements = wait_for(seller, COMMAND, |found: &[Settlement]| {
        found.iter().any(closed)
    });
    settlements.into_iter().find(closed).expect("found")
}

pub const ALICE: &str = "TPL66VK2gCXNCD7EJg9pgJRfqcRazjhUZY";
pub const BOB: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// The highest cumulative of the vouchers `child` accepted (`earning`), 0 without any.
pub fn accepted(child: &Child) -> u128 {
    let earnings = printed::<Earning>(child);
    let cumulatives = earnings
        .iter()
        .map(|earning| earning.cumulative_base_units.0);
    cumulatives.max().unwrap_or(0)
}

/// The highest cumulative of the vouchers `child` signed (`payment`), 0 without any.
pub fn signed(child: &Child) -> u128 {
    let payments = printed::<Payment>(child);
    let cumulatives = payments
        .iter()
        .map(|payment| payment.cumulative_base_units.0);
    cumulatives.max().unwrap_or(0)
}

/// Kills `child` with SIGKILL and reaps it.
pub fn kill_9(child: &mut Child) {
    child.signal(libc::SIGKILL);
    child.wait_timeout(COMMAND);
    assert!(child.killed_by(libc::SIGKILL), "{}", child.label());
}
