//! `Anvil`: Foundry's EVM dev node, the real chain the BTTC ledger tests run
//! against. The binary is the one `scripts/install-test-deps` put in
//! `tests/evm/node_modules/.bin/anvil` (pinned in `tests/evm/package-lock.json`).
//!
//! Invariants: anvil listens on 127.0.0.1 only, on a port it picks itself
//! (`--port 0`, read back from its `Listening on` line, so there is no port
//! race), with chain id 199 (BTTC's); it is started as a [`Child`], so it is
//! stopped by PID with a time bound however the test ends. `start` returns
//! only once the node answers `eth_chainId` with 199, within [`START`].

use super::{Child, TestEnv};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long anvil may take to listen and answer.
const START: Duration = Duration::from_secs(20);

/// BitTorrent Chain's chain id, which the dev chain takes.
pub const BTTC_CHAIN_ID: u64 = 199;

/// A running anvil.
#[derive(Debug)]
pub struct Anvil {
    /// The node process, stopped by PID when this is dropped.
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Anvil {
    /// The pinned anvil binary.
    pub fn binary() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/evm/node_modules/.bin/anvil")
    }

    /// Starts anvil with `--chain-id 199` on a loopback port it picks, and
    /// waits until it answers.
    pub fn start(env: &TestEnv) -> Anvil {
        Anvil::start_with(env, &[])
    }

    /// [`Anvil::start`] with `extra` flags (`--hardfork berlin`: no base fee).
    pub fn start_with(env: &TestEnv, extra: &[&str]) -> Anvil {
        let binary = Self::binary();
        assert!(
            binary.exists(),
            "{} is missing: run scripts/install-test-deps",
            binary.display()
        );
        let mut command = env.command(&binary);
        command.args([
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--chain-id",
            &BTTC_CHAIN_ID.to_string(),
        ]);
        command.args(extra);
        let mut child = env.spawn("anvil", command);
        let line = child.read_line_until(START, |line| line.starts_with("Listening on "));
        let addr = line.trim_start_matches("Listening on ").trim().to_string();
        let anvil = Anvil {
            child,
            url: format!("http://{addr}"),
        };
        anvil.wait_answering();
        anvil
    }

    /// Polls `eth_chainId` until it answers 199, for at most [`START`].
    fn wait_answering(&self) {
        let deadline = Instant::now() + START;
        loop {
            match self.rpc("eth_chainId", json!([])) {
                Ok(answer) if answer == json!(format!("{BTTC_CHAIN_ID:#x}")) => return,
                Ok(answer) => panic!("anvil answered chain id {answer}"),
                Err(error) if Instant::now() >= deadline => {
                    panic!("anvil did not answer within {START:?}: {error}")
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Waits, up to `within`, until anvil has served `count` calls of
    /// `method` in all (it prints each method it serves on a line of its
    /// own); fails after that.
    pub fn wait_calls(&self, method: &str, count: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.calls(method) < count {
            assert!(
                Instant::now() < deadline,
                "fewer than {count} calls of {method} within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// How many calls of `method` anvil has served so far.
    pub fn calls(&self, method: &str) -> usize {
        let log = self.child.stdout();
        log.lines().filter(|line| line.trim() == method).count()
    }

    /// One JSON-RPC call; the `result`, or the error as text.
    pub fn rpc(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        let answer: Value = runtime.block_on(async {
            let client = btt::http_client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(|error| error.to_string())?;
            let response = client
                .post(&self.url)
                .json(&body)
                .send()
                .await
                .map_err(|error| error.to_string())?;
            response.json().await.map_err(|error| error.to_string())
        })?;
        match answer.get("error") {
            Some(error) => Err(error.to_string()),
            None => Ok(answer["result"].clone()),
        }
    }

    /// The balance of `address` (0x...) in wei, read from the node itself.
    /// The latest block's timestamp, in seconds.
    pub fn now(&self) -> u64 {
        let block = self
            .rpc("eth_getBlockByNumber", json!(["latest", false]))
            .expect("the latest block");
        let digits = block["timestamp"].as_str().expect("a timestamp");
        u64::from_str_radix(digits.trim_start_matches("0x"), 16).expect("hex")
    }

    /// Mines a block `seconds` later than the latest; later blocks are later still.
    pub fn advance(&self, seconds: u64) {
        let next = self.now() + seconds;
        self.rpc("evm_setNextBlockTimestamp", json!([next]))
            .expect("evm_setNextBlockTimestamp");
        self.rpc("evm_mine", json!([])).expect("evm_mine");
    }

    pub fn balance(&self, address: &str) -> u128 {
        let answer = self
            .rpc("eth_getBalance", json!([address, "latest"]))
            .unwrap_or_else(|error| panic!("eth_getBalance {address}: {error}"));
        let digits = answer.as_str().expect("balance is a string");
        u128::from_str_radix(digits.trim_start_matches("0x"), 16).expect("balance is hex")
    }
}
