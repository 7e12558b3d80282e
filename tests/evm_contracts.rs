//! btt's contracts (contracts/*.sol, compiled by the pinned solc into
//! contracts/build) on a real EVM: each test starts its own anvil (chain id
//! 199, loopback, stopped by PID), deploys the contracts with the library's
//! `deploy_contracts` and drives them through the library's typed calls,
//! signing vouchers and listings with wallet keys. Every function is used,
//! every refusal is tried (the attack tests are named as the attack), and
//! the sums hold to the wei: what a contract pays out is what came in, and
//! each account's balance moves by what it paid and received and the gas
//! fees of its own transactions. Time moves with
//! `evm_setNextBlockTimestamp`, never by sleeping.

use crate::support;

use alloy::primitives::{Address, Signature, B256, U256};
use alloy::sol_types::{Eip712Domain, SolStruct};
use btt::ledger::evm::contracts::bindings::{Channels, Purchases, Voucher};
use btt::ledger::evm::contracts::campaigns::{CampaignsContract, NewCampaign};
use btt::ledger::evm::contracts::channels::{sign_voucher, ChannelsContract};
use btt::ledger::evm::contracts::purchases::{sign_listing, Order, PurchasesContract};
use btt::ledger::evm::contracts::transact::Sent;
use btt::ledger::evm::contracts::typed_data::{domain, Eip712Signed, CHANNELS_DOMAIN_NAME};
use btt::ledger::evm::contracts::{ContractAddresses, NATIVE};
use btt::ledger::evm::{EvmClient, EvmOptions};
use btt::ledger::purchase::BuyerKey;
use btt::ledger::LedgerError;
use btt::wallet::PrivateKey;
use serde_json::{json, Value};
use std::future::Future;
use support::{Anvil, TestEnv, BTTC_CHAIN_ID};

const WEI_PER_BTT: u128 = 1_000_000_000_000_000_000;

/// What each test party starts with.
const START_BALANCE: u128 = 100 * WEI_PER_BTT;

/// How long channels, listings, purchases and campaigns run unless a test says otherwise.
const HOUR: u64 = 3600;

alloy::sol! {
    /// tests/evm/contracts/Hostile.sol's channel payee that reenters `redeem` when paid.
    interface ReentrantPayee {
        function attack(bytes32 channel, uint256 cumulative, bytes signature) external;
        event Attacked(bool reentered, uint256 balance);
    }

    /// tests/evm/contracts/Hostile.sol's pledger that refuses every payment back.
    #[derive(Debug)]
    interface RefusingPledger {
        function pledge(address campaigns, bytes32 campaign) external payable;
        function refund(address campaigns, bytes32 campaign) external;
        event Pledged(bytes32 campaign, uint256 amount);
    }

    /// tests/evm/contracts/Hostile.sol's token that delivers one unit less on `transferFrom`.
    interface ShortToken {
        function mint(address to, uint256 value) external;
        event Transfer(address indexed from, address indexed to, uint256 value);
    }
}

alloy::sol! {
    /// The test WBTT (tests/evm/contracts/WBTT.sol), as far as these tests use it.
    interface Wbtt {
        function deposit() external payable;
        function approve(address spender, uint256 value) external returns (bool);
        function balanceOf(address owner) external view returns (uint256);
        event Deposit(address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }
}

/// One anvil with btt's contracts deployed, and a client of it.
struct Chain {
    anvil: Anvil,
    runtime: tokio::runtime::Runtime,
    client: EvmClient,
    contracts: ContractAddresses,
    _env: TestEnv,
}

/// A test party: a wallet key funded with [`START_BALANCE`].
struct Party {
    key: PrivateKey,
    address: Address,
}

impl Chain {
    fn start() -> Chain {
        let env = TestEnv::new();
        let anvil = Anvil::start(&env);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = EvmClient::new(EvmOptions {
            url: anvil.url.clone(),
            expected_chain_id: Some(BTTC_CHAIN_ID),
            confirmations: 0,
            gas_cap: 10_000_000,
            lock_directory: None,
            wbtt: None,
        })
        .unwrap();
        let mut chain = Chain {
            anvil,
            runtime,
            client,
            contracts: ContractAddresses {
                channels: Address::ZERO,
                purchases: Address::ZERO,
                campaigns: Address::ZERO,
            },
            _env: env,
        };
        let deployer = chain.party(0xde);
        let deployment = chain
            .run(chain.client.deploy_contracts(&deployer.key))
            .unwrap();
        chain.contracts = deployment.addresses;
        chain
    }

    fn run<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.anvil
            .rpc(method, params)
            .unwrap_or_else(|error| panic!("{method}: {error}"))
    }

    /// A party whose key is 32 bytes of `byte`, holding [`START_BALANCE`].
    fn party(&self, byte: u8) -> Party {
        let key = PrivateKey::from_bytes(&[byte; 32]).unwrap();
        let address = Address::from(key.address().evm_bytes());
        self.rpc(
            "anvil_setBalance",
            json!([address.to_string(), format!("{START_BALANCE:#x}")]),
        );
        Party { key, address }
    }

    fn balance(&self, address: Address) -> u128 {
        self.anvil.balance(&address.to_string())
    }

    fn channels(&self) -> ChannelsContract<'_> {
        ChannelsContract::new(&self.client, self.contracts.channels)
    }

    fn purchases(&self) -> PurchasesContract<'_> {
        PurchasesContract::new(&self.client, self.contracts.purchases)
    }

    fn campaigns(&self) -> CampaignsContract<'_> {
        CampaignsContract::new(&self.client, self.contracts.campaigns)
    }

    /// The latest block's timestamp.
    fn now(&self) -> u64 {
        self.anvil.now()
    }

    /// Mines a block `seconds` later than the latest.
    fn advance(&self, seconds: u64) {
        self.anvil.advance(seconds);
    }

    /// Deploys the test contract `name` (tests/evm/contracts.json) with the
    /// ABI-encoded `arguments` of its constructor, from a party of its own.
    fn deploy_test_contract(&self, name: &str, arguments: &[u8]) -> Address {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/evm/contracts.json");
        let compiled: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let bytecode = compiled["contracts"][name]["bytecode"].as_str().unwrap();
        let mut creation = hex::decode(bytecode).unwrap();
        creation.extend_from_slice(arguments);
        let deployer = self.party(0xdf);
        let receipt = self
            .run(self.client.deploy_contract(&deployer.key, &creation))
            .unwrap();
        receipt.created.unwrap()
    }

    fn deploy_wbtt(&self) -> Address {
        self.deploy_test_contract("WBTT", &[])
    }

    /// `party` wraps `amount` of WBTT and lets `spender` take all of it; the fees paid.
    fn wrap(&self, wbtt: Address, party: &Party, amount: u128, spender: Address) -> u128 {
        let deposit: Sent<Wbtt::Deposit> = self
            .run(
                self.client
                    .transact(&party.key, wbtt, amount, &Wbtt::depositCall {}),
            )
            .unwrap();
        assert_eq!(deposit.event.value, U256::from(amount));
        let approve = Wbtt::approveCall {
            spender,
            value: U256::from(amount),
        };
        let approval: Sent<Wbtt::Approval> = self
            .run(self.client.transact(&party.key, wbtt, 0, &approve))
            .unwrap();
        deposit.receipt.fee + approval.receipt.fee
    }

    fn token_balance(&self, wbtt: Address, owner: Address) -> u128 {
        let balance = self
            .run(self.client.view(wbtt, &Wbtt::balanceOfCall { owner }))
            .unwrap();
        u128::try_from(balance).unwrap()
    }

    fn channels_domain(&self) -> Eip712Domain {
        self.run(self.channels().domain()).unwrap()
    }

    /// `payer`'s voucher for `cumulative` on `channel` to `payee`.
    fn voucher(
        &self,
        payer: &Party,
        channel: B256,
        payee: &Party,
        cumulative: u128,
    ) -> Eip712Signed<Voucher> {
        sign_voucher(
            &payer.key,
            &self.channels_domain(),
            channel,
            payee.address,
            cumulative,
        )
        .unwrap()
    }

    /// A native channel of `deposit` from `payer` to `payee` for an hour; its id and open fee.
    fn open_native(&self, payer: &Party, payee: &Party, deposit: u128) -> (B256, u128) {
        let expiry = self.now() + HOUR;
        let opened = self
            .run(
                self.channels()
                    .open(&payer.key, payee.address, NATIVE, deposit, expiry),
            )
            .unwrap();
        (opened.event.channel, opened.receipt.fee)
    }
}

/// Asserts that `result` is the contract's refusal with `reason`.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, LedgerError>, reason: &str) {
    let error = result.expect_err(reason);
    let message = error.to_string();
    assert!(message.contains(reason), "{reason:?} not in {message:?}");
}

fn wei(value: U256) -> u128 {
    u128::try_from(value).unwrap()
}

/// A campaign paying `beneficiary` when `goal` of `token` is pledged by
/// `deadline`, with a title and a nonce of its own.
fn new_campaign(beneficiary: Address, token: Address, goal: u128, deadline: u64) -> NewCampaign {
    NewCampaign {
        beneficiary,
        token,
        goal,
        deadline,
        title: "a campaign".to_string(),
        nonce: B256::from(rand::random::<[u8; 32]>()),
    }
}

/// The checked-in ABI and bytecode (contracts/build/*.json) are what the
/// pinned solc compiles from contracts/*.sol, contract for contract.
#[test]
fn the_checked_in_contracts_are_what_the_pinned_solc_compiles() {
    let compiled = support::compile_contracts(&TestEnv::new(), "contracts");
    let build = concat!(env!("CARGO_MANIFEST_DIR"), "/contracts/build");
    let mut checked_in: Vec<String> = std::fs::read_dir(build)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    checked_in.sort();
    let contracts = compiled["contracts"].as_object().unwrap();
    let names: Vec<String> = contracts
        .keys()
        .map(|name| format!("{name}.json"))
        .collect();
    assert_eq!(checked_in, names, "contracts/build holds other contracts");
    for (name, contract) in contracts {
        let file = std::fs::read_to_string(format!("{build}/{name}.json")).unwrap();
        let file: Value = serde_json::from_str(&file).unwrap();
        assert_eq!(
            &file, contract,
            "contracts/build/{name}.json is stale: run node tests/evm/compile.cjs contracts contracts/build"
        );
    }
}

/// The deployed code is the checked-in runtime code, and the library's
/// EIP-712 domains and struct hashes (vouchers, listings) are the contracts'.
#[test]
fn the_deployed_code_and_the_voucher_hash_are_the_contracts() {
    let chain = Chain::start();
    let build = concat!(env!("CARGO_MANIFEST_DIR"), "/contracts/build");
    for (name, address) in [
        ("Channels", chain.contracts.channels),
        ("Purchases", chain.contracts.purchases),
        ("Campaigns", chain.contracts.campaigns),
    ] {
        let file = std::fs::read_to_string(format!("{build}/{name}.json")).unwrap();
        let file: Value = serde_json::from_str(&file).unwrap();
        let code = chain.rpc("eth_getCode", json!([address.to_string(), "latest"]));
        assert_eq!(
            code.as_str().unwrap(),
            format!("0x{}", file["runtime"].as_str().unwrap()),
            "{name}"
        );
    }
    let domain = chain.channels_domain();
    let separator = chain
        .run(
            chain
                .client
                .view(chain.contracts.channels, &Channels::domainSeparatorCall {}),
        )
        .unwrap();
    assert_eq!(separator, domain.separator());
    let voucher = Voucher {
        channel: B256::repeat_byte(1),
        payee: Address::repeat_byte(2),
        cumulative: U256::from(3u64),
    };
    let hash = chain
        .run(chain.client.view(
            chain.contracts.channels,
            &Channels::voucherHashCall {
                channel: voucher.channel,
                payee: voucher.payee,
                cumulative: voucher.cumulative,
            },
        ))
        .unwrap();
    assert_eq!(hash, voucher.eip712_hash_struct());

    let purchases = chain.contracts.purchases;
    let separator = chain
        .run(
            chain
                .client
                .view(purchases, &Purchases::domainSeparatorCall {}),
        )
        .unwrap();
    assert_eq!(
        separator,
        chain.run(chain.purchases().domain()).unwrap().separator()
    );
    let listing = Purchases::Listing {
        digest: B256::repeat_byte(4),
        seller: Address::repeat_byte(5),
        token: Address::repeat_byte(6),
        price: U256::from(7u64),
        expiry: 8,
    };
    let hash = chain
        .run(chain.client.view(
            purchases,
            &Purchases::listingHashCall {
                listing: listing.clone(),
            },
        ))
        .unwrap();
    assert_eq!(hash, listing.eip712_hash_struct());
}

/// A native channel: each redeem pays the difference, close pays the rest
/// of the voucher and returns the rest of the deposit at once; the contract
/// keeps nothing and every account moves by its payments and its own fees.
#[test]
fn a_native_channel_pays_each_redeem_the_difference_and_close_returns_the_rest() {
    let chain = Chain::start();
    let (payer, payee) = (chain.party(1), chain.party(2));
    let deposit = 10 * WEI_PER_BTT + 7;
    let expiry = chain.now() + HOUR;
    let opened = chain
        .run(
            chain
                .channels()
                .open(&payer.key, payee.address, NATIVE, deposit, expiry),
        )
        .unwrap();
    let channel = opened.event.channel;
    assert_eq!(opened.event.payer, payer.address);
    assert_eq!(opened.event.payee, payee.address);
    assert_eq!(opened.event.token, NATIVE);
    assert_eq!(wei(opened.event.deposit), deposit);
    assert_eq!(opened.event.expiry, expiry);
    assert_eq!(chain.balance(chain.contracts.channels), deposit);
    let mut payee_fees = 0;

    let first = chain
        .run(
            chain
                .channels()
                .redeem(&payee.key, &chain.voucher(&payer, channel, &payee, 3)),
        )
        .unwrap();
    assert_eq!((wei(first.event.cumulative), wei(first.event.paid)), (3, 3));
    payee_fees += first.receipt.fee;
    let second = chain
        .run(chain.channels().redeem(
            &payee.key,
            &chain.voucher(&payer, channel, &payee, 5 * WEI_PER_BTT),
        ))
        .unwrap();
    assert_eq!(wei(second.event.paid), 5 * WEI_PER_BTT - 3);
    payee_fees += second.receipt.fee;
    let state = chain.run(chain.channels().channel(channel)).unwrap();
    assert_eq!(wei(state.redeemed), 5 * WEI_PER_BTT);
    assert!(!state.closed);

    let latest = 7 * WEI_PER_BTT + 1;
    let closed = chain
        .run(
            chain
                .channels()
                .close(&payee.key, &chain.voucher(&payer, channel, &payee, latest)),
        )
        .unwrap();
    payee_fees += closed.receipt.fee;
    assert_eq!(wei(closed.event.cumulative), latest);
    assert_eq!(wei(closed.event.toPayee), latest - 5 * WEI_PER_BTT);
    assert_eq!(wei(closed.event.toPayer), deposit - latest);
    assert!(chain.run(chain.channels().channel(channel)).unwrap().closed);

    // Value in equals value out, to the wei.
    let paid_out = wei(first.event.paid)
        + wei(second.event.paid)
        + wei(closed.event.toPayee)
        + wei(closed.event.toPayer);
    assert_eq!(paid_out, deposit);
    assert_eq!(chain.balance(chain.contracts.channels), 0);
    assert_eq!(
        chain.balance(payee.address),
        START_BALANCE + latest - payee_fees
    );
    assert_eq!(
        chain.balance(payer.address),
        START_BALANCE - latest - opened.receipt.fee
    );
}

/// A WBTT channel: the deposit and top-up move by transferFrom, the
/// payments by transfer, to the wei; the coin moves only by gas fees.
#[test]
fn a_wbtt_channel_moves_exact_tokens_and_only_fees_in_coin() {
    let chain = Chain::start();
    let wbtt = chain.deploy_wbtt();
    let (payer, payee) = (chain.party(1), chain.party(2));
    let wrapped = 20 * WEI_PER_BTT;
    let mut payer_fees = chain.wrap(wbtt, &payer, wrapped, chain.contracts.channels);
    let deposit = 4 * WEI_PER_BTT + 1;
    let expiry = chain.now() + HOUR;
    // Coin sent along with a token deposit is refused.
    refused(
        chain.run(chain.client.transact::<_, Channels::Opened>(
            &payer.key,
            chain.contracts.channels,
            1,
            &Channels::openCall {
                payee: payee.address,
                token: wbtt,
                amount: U256::from(deposit),
                expiry,
            },
        )),
        "coin sent with a token payment",
    );
    // A token address without code is no token.
    refused(
        chain.run(
            chain
                .channels()
                .open(&payer.key, payee.address, payee.address, deposit, expiry),
        ),
        "token is not a contract",
    );
    let opened = chain
        .run(
            chain
                .channels()
                .open(&payer.key, payee.address, wbtt, deposit, expiry),
        )
        .unwrap();
    payer_fees += opened.receipt.fee;
    let channel = opened.event.channel;
    let topped = chain
        .run(
            chain
                .channels()
                .top_up(&payer.key, channel, 2 * WEI_PER_BTT),
        )
        .unwrap();
    payer_fees += topped.receipt.fee;
    assert_eq!(wei(topped.event.deposit), deposit + 2 * WEI_PER_BTT);
    let in_contract = deposit + 2 * WEI_PER_BTT;
    assert_eq!(
        chain.token_balance(wbtt, chain.contracts.channels),
        in_contract
    );
    assert_eq!(chain.balance(chain.contracts.channels), 0);

    let redeemed = chain
        .run(
            chain
                .channels()
                .redeem(&payee.key, &chain.voucher(&payer, channel, &payee, 1)),
        )
        .unwrap();
    let latest = 5 * WEI_PER_BTT;
    let closed = chain
        .run(
            chain
                .channels()
                .close(&payee.key, &chain.voucher(&payer, channel, &payee, latest)),
        )
        .unwrap();
    assert_eq!(wei(closed.event.toPayee), latest - 1);
    assert_eq!(wei(closed.event.toPayer), in_contract - latest);

    assert_eq!(chain.token_balance(wbtt, chain.contracts.channels), 0);
    assert_eq!(chain.token_balance(wbtt, payee.address), latest);
    assert_eq!(chain.token_balance(wbtt, payer.address), wrapped - latest);
    assert_eq!(
        chain.balance(payee.address),
        START_BALANCE - redeemed.receipt.fee - closed.receipt.fee
    );
    assert_eq!(
        chain.balance(payer.address),
        START_BALANCE - wrapped - payer_fees
    );
}

/// A native channel of [`SCENE_DEPOSIT`] wei from `payer` to `payee` for an
/// hour, on a chain of its own, with a `stranger` at hand: the refusal tests'
/// scene.
struct Scene {
    chain: Chain,
    payer: Party,
    payee: Party,
    stranger: Party,
    channel: B256,
    open_fee: u128,
}

/// The deposit of a [`Scene`]'s channel.
const SCENE_DEPOSIT: u128 = 1000;

impl Scene {
    fn open() -> Scene {
        let chain = Chain::start();
        let (payer, payee, stranger) = (chain.party(1), chain.party(2), chain.party(3));
        let (channel, open_fee) = chain.open_native(&payer, &payee, SCENE_DEPOSIT);
        Scene {
            chain,
            payer,
            payee,
            stranger,
            channel,
            open_fee,
        }
    }

    /// The payer's voucher for `cumulative` to the payee.
    fn voucher(&self, cumulative: u128) -> Eip712Signed<Voucher> {
        self.chain
            .voucher(&self.payer, self.channel, &self.payee, cumulative)
    }

    fn redeem(
        &self,
        caller: &Party,
        voucher: &Eip712Signed<Voucher>,
    ) -> Result<Sent<Channels::Redeemed>, LedgerError> {
        self.chain
            .run(self.chain.channels().redeem(&caller.key, voucher))
    }

    fn close(
        &self,
        caller: &Party,
        voucher: &Eip712Signed<Voucher>,
    ) -> Result<Sent<Channels::Closed>, LedgerError> {
        self.chain
            .run(self.chain.channels().close(&caller.key, voucher))
    }

    fn refund(&self, caller: &Party) -> Result<Sent<Channels::Refunded>, LedgerError> {
        self.chain
            .run(self.chain.channels().refund(&caller.key, self.channel))
    }

    fn top_up(
        &self,
        caller: &Party,
        amount: u128,
    ) -> Result<Sent<Channels::ToppedUp>, LedgerError> {
        self.chain.run(
            self.chain
                .channels()
                .top_up(&caller.key, self.channel, amount),
        )
    }

    fn extend(&self, caller: &Party, expiry: u64) -> Result<Sent<Channels::Extended>, LedgerError> {
        self.chain.run(
            self.chain
                .channels()
                .extend(&caller.key, self.channel, expiry),
        )
    }

    /// Asserts that `caller` can neither redeem nor close with `voucher`, for `reason`.
    #[track_caller]
    fn redeem_and_close_refused(
        &self,
        caller: &Party,
        voucher: &Eip712Signed<Voucher>,
        reason: &str,
    ) {
        refused(self.redeem(caller, voucher), reason);
        refused(self.close(caller, voucher), reason);
    }

    /// What the channels contract holds.
    fn held(&self) -> u128 {
        self.chain.balance(self.chain.contracts.channels)
    }
}

/// Top-up and extend are the payer's; an extended channel can be redeemed
/// past its first expiry; an earlier expiry is refused.
#[test]
fn top_up_and_extend_by_a_stranger_are_refused() {
    let scene = Scene::open();
    let later = scene.chain.now() + 2 * HOUR;
    refused(scene.top_up(&scene.stranger, 5), "not the payer");
    refused(scene.extend(&scene.stranger, later), "not the payer");
    let expiry = scene
        .chain
        .run(scene.chain.channels().channel(scene.channel))
        .unwrap()
        .expiry;
    refused(scene.extend(&scene.payer, expiry), "expiry is not later");
    // A top-up whose value differs from its amount is refused.
    let top_up = Channels::topUpCall {
        channel: scene.channel,
        amount: U256::from(5u64),
    };
    refused(
        scene
            .chain
            .run(scene.chain.client.transact::<_, Channels::ToppedUp>(
                &scene.payer.key,
                scene.chain.contracts.channels,
                4,
                &top_up,
            )),
        "value differs from the amount",
    );
    let topped = scene.top_up(&scene.payer, 500).unwrap();
    assert_eq!(
        (wei(topped.event.amount), wei(topped.event.deposit)),
        (500, 1500)
    );
    let extended = scene.extend(&scene.payer, expiry + HOUR).unwrap();
    assert_eq!(extended.event.expiry, expiry + HOUR);
    scene.chain.advance(HOUR + 60);
    refused(scene.refund(&scene.payer), "channel has not expired");
    let redeemed = scene.redeem(&scene.payee, &scene.voucher(1200)).unwrap();
    assert_eq!(wei(redeemed.event.paid), 1200);
    assert_eq!(scene.held(), 300);
}

/// Refund before expiry is refused; after it, the payer gets what was not
/// redeemed, the payee can no longer redeem, and a second refund is refused.
#[test]
fn refund_before_expiry_and_double_refund_are_refused() {
    let scene = Scene::open();
    let (payer, payee) = (&scene.payer, &scene.payee);
    let redeemed = scene.redeem(payee, &scene.voucher(400)).unwrap();
    refused(scene.refund(payer), "channel has not expired");
    scene.chain.advance(HOUR);
    scene.redeem_and_close_refused(payee, &scene.voucher(700), "channel has expired");
    let refunded = scene.refund(payer).unwrap();
    assert_eq!(wei(refunded.event.amount), SCENE_DEPOSIT - 400);
    refused(scene.refund(payer), "channel is closed");
    assert_eq!(scene.held(), 0);
    assert_eq!(
        scene.chain.balance(payer.address),
        START_BALANCE - 400 - scene.open_fee - refunded.receipt.fee
    );
    assert_eq!(
        scene.chain.balance(payee.address),
        START_BALANCE + 400 - redeemed.receipt.fee
    );
}

/// A voucher signed by anyone but the payer (the payee itself, a stranger) pays nothing.
#[test]
fn a_voucher_signed_by_another_key_is_refused() {
    let scene = Scene::open();
    for forger in [&scene.payee, &scene.stranger] {
        let forged = scene
            .chain
            .voucher(forger, scene.channel, &scene.payee, 1000);
        scene.redeem_and_close_refused(&scene.payee, &forged, "voucher is not the payer's");
    }
    assert_eq!(scene.held(), SCENE_DEPOSIT);
}

/// The payer's own signature, but for chain 1029 (Donau) or for another
/// contract (another channels deployment, the purchases contract), is no
/// voucher here.
#[test]
fn a_voucher_signed_for_another_chain_or_contract_is_refused() {
    let scene = Scene::open();
    let chain = &scene.chain;
    let other = chain
        .run(chain.client.deploy_contracts(&scene.payer.key))
        .unwrap();
    let elsewhere = [
        domain(CHANNELS_DOMAIN_NAME, 1029, chain.contracts.channels),
        domain(
            CHANNELS_DOMAIN_NAME,
            BTTC_CHAIN_ID,
            other.addresses.channels,
        ),
        domain(
            CHANNELS_DOMAIN_NAME,
            BTTC_CHAIN_ID,
            chain.contracts.purchases,
        ),
    ];
    for domain in elsewhere {
        let voucher = sign_voucher(
            &scene.payer.key,
            &domain,
            scene.channel,
            scene.payee.address,
            1000,
        )
        .unwrap();
        refused(
            scene.redeem(&scene.payee, &voucher),
            "voucher is not the payer's",
        );
    }
    // The same voucher signed for this chain and contract pays.
    scene.redeem(&scene.payee, &scene.voucher(1000)).unwrap();
}

/// Once a voucher is redeemed, it and every lower one pay nothing more; a
/// voucher above the deposit and one naming another payee are refused.
#[test]
fn a_lower_or_repeated_or_oversized_voucher_is_refused() {
    let scene = Scene::open();
    let payee = &scene.payee;
    let six = scene.voucher(600);
    scene.redeem(payee, &six).unwrap();
    let not_above = "voucher is not above what was redeemed";
    refused(scene.redeem(payee, &six), not_above);
    refused(scene.redeem(payee, &scene.voucher(599)), not_above);
    refused(
        scene.close(payee, &scene.voucher(599)),
        "voucher is below what was redeemed",
    );
    refused(
        scene.redeem(payee, &scene.voucher(1001)),
        "voucher is above the deposit",
    );
    // A voucher the payer signed to another payee is not this channel's.
    let to_stranger = scene
        .chain
        .voucher(&scene.payer, scene.channel, &scene.stranger, 900);
    refused(
        scene.redeem(payee, &to_stranger),
        "voucher is not the payer's",
    );
    assert_eq!(scene.held(), 400);
}

/// After close, the payee's vouchers (the closing one, a higher one) pay
/// nothing, and neither top-up nor refund reopens the channel.
#[test]
fn redeem_after_close_is_refused() {
    let scene = Scene::open();
    let closing = scene.voucher(400);
    scene.close(&scene.payee, &closing).unwrap();
    for voucher in [&closing, &scene.voucher(900)] {
        scene.redeem_and_close_refused(&scene.payee, voucher, "channel is closed");
    }
    refused(scene.top_up(&scene.payer, 1), "channel is closed");
    scene.chain.advance(HOUR);
    refused(scene.refund(&scene.payer), "channel is closed");
    assert_eq!(scene.held(), 0);
}

/// A stranger holding the payee's voucher can neither redeem nor close with it.
#[test]
fn close_or_redeem_by_a_stranger_is_refused() {
    let scene = Scene::open();
    let voucher = scene.voucher(700);
    for caller in [&scene.stranger, &scene.payer] {
        scene.redeem_and_close_refused(caller, &voucher, "not the payee");
    }
    refused(scene.refund(&scene.stranger), "not the payer");
    let unknown = scene
        .chain
        .voucher(&scene.payer, B256::repeat_byte(9), &scene.payee, 1);
    refused(scene.redeem(&scene.payee, &unknown), "no such channel");
    assert_eq!(scene.held(), SCENE_DEPOSIT);
}

/// Malleated (high s), mis-tagged (v not 27/28) and short signatures of a
/// real voucher are refused by the contract, as by the library.
#[test]
fn malleated_or_malformed_voucher_signatures_are_refused() {
    let scene = Scene::open();
    let voucher = scene.voucher(500);
    let domain = scene.chain.channels_domain();

    let signature = Signature::from_raw(&voucher.signature).unwrap();
    let order = U256::from_be_slice(
        &hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").unwrap(),
    );
    let high_s = Signature::new(signature.r(), order - signature.s(), !signature.v());
    // Plain ecrecover would accept it: it recovers the payer.
    assert_eq!(
        high_s
            .recover_address_from_prehash(&voucher.signing_hash(&domain))
            .unwrap(),
        scene.payer.address
    );
    let mut malleated = voucher.clone();
    malleated.signature = high_s.as_bytes().to_vec();
    let mut v_zero = voucher.clone();
    v_zero.signature[64] -= 27;
    let mut short = voucher.clone();
    short.signature.pop();
    for (forged, reason) in [
        (&malleated, "signature s is in the upper half"),
        (&v_zero, "signature v is not 27 or 28"),
        (&short, "signature is not 65 bytes"),
    ] {
        assert!(forged.signer(&domain).is_err(), "{reason}");
        refused(scene.redeem(&scene.payee, forged), reason);
    }
    // A signature that recovers nobody.
    let mut nobody = voucher.clone();
    nobody.signature[..32].fill(0);
    refused(
        scene.redeem(&scene.payee, &nobody),
        "signature recovers no signer",
    );
    scene.redeem(&scene.payee, &voucher).unwrap();
}

/// The content both sides agree on.
const DIGEST: B256 = B256::repeat_byte(0xc0);

/// A sealed key as the seller would deliver it.
const SEALED_KEY: &[u8] = b"the content key, sealed to the buyer";

impl Chain {
    /// `seller`'s listing of [`DIGEST`] at `price` of `token` for an hour.
    fn listing(
        &self,
        seller: &Party,
        token: Address,
        price: u128,
    ) -> Eip712Signed<Purchases::Listing> {
        let listing = Purchases::Listing {
            digest: DIGEST,
            seller: seller.address,
            token,
            price: U256::from(price),
            expiry: self.now() + HOUR,
        };
        let domain = self.run(self.purchases().domain()).unwrap();
        sign_listing(&seller.key, &domain, listing).unwrap()
    }

    /// `buyer`'s order of `listing`, to be delivered within an hour.
    fn order(&self, buyer: &Party, listing: Eip712Signed<Purchases::Listing>) -> Order {
        Order {
            listing,
            deadline: self.now() + HOUR,
            buyer_key: BuyerKey::from_verifying_key(buyer.key.signing_key().verifying_key()),
            nonce: B256::repeat_byte(1),
        }
    }
}

/// Delivery pays the seller and records the sealed key in the same
/// transaction; the purchase then ends: no second delivery, no refund.
#[test]
fn a_delivered_purchase_pays_the_seller_and_records_the_sealed_key() {
    let chain = Chain::start();
    let (buyer, seller) = (chain.party(1), chain.party(2));
    let price = 2 * WEI_PER_BTT + 3;
    let order = chain.order(&buyer, chain.listing(&seller, NATIVE, price));
    let opened = chain
        .run(chain.purchases().buy(&buyer.key, &order))
        .unwrap();
    let purchase = opened.event.purchase;
    assert_eq!(opened.event.buyer, buyer.address);
    assert_eq!(opened.event.seller, seller.address);
    assert_eq!(opened.event.digest, DIGEST);
    assert_eq!(wei(opened.event.price), price);
    assert_eq!(opened.event.deadline, order.deadline);
    assert_eq!(opened.event.buyerKey.as_ref(), &order.buyer_key.0[..]);
    assert_eq!(opened.event.nonce, order.nonce);
    assert_eq!(chain.balance(chain.contracts.purchases), price);
    // The same nonce for the same listing names the same purchase: no second charge.
    refused(
        chain.run(chain.purchases().buy(&buyer.key, &order)),
        "purchase exists",
    );

    let delivered = chain
        .run(chain.purchases().deliver(&seller.key, purchase, SEALED_KEY))
        .unwrap();
    assert_eq!(delivered.event.purchase, purchase);
    assert_eq!(delivered.event.sealedKey.as_ref(), SEALED_KEY);
    refused(
        chain.run(chain.purchases().deliver(&seller.key, purchase, SEALED_KEY)),
        "purchase has ended",
    );
    chain.advance(HOUR);
    refused(
        chain.run(chain.purchases().refund(&buyer.key, purchase)),
        "purchase has ended",
    );
    assert_eq!(chain.balance(chain.contracts.purchases), 0);
    assert_eq!(
        chain.balance(seller.address),
        START_BALANCE + price - delivered.receipt.fee
    );
    assert_eq!(
        chain.balance(buyer.address),
        START_BALANCE - price - opened.receipt.fee
    );
    let state = chain.run(chain.purchases().purchase(purchase)).unwrap();
    assert_eq!(state.state, 2, "delivered");
}

/// A WBTT purchase nobody delivers: refund before the deadline is refused,
/// delivery after it is refused, anyone refunds the buyer exactly once.
#[test]
fn deliver_after_deadline_and_double_refund_are_refused() {
    let chain = Chain::start();
    let wbtt = chain.deploy_wbtt();
    let (buyer, seller, stranger) = (chain.party(1), chain.party(2), chain.party(3));
    let price = 5 * WEI_PER_BTT + 1;
    let wrap_fees = chain.wrap(wbtt, &buyer, price, chain.contracts.purchases);
    let order = chain.order(&buyer, chain.listing(&seller, wbtt, price));
    let opened = chain
        .run(chain.purchases().buy(&buyer.key, &order))
        .unwrap();
    let purchase = opened.event.purchase;
    assert_eq!(chain.token_balance(wbtt, chain.contracts.purchases), price);
    refused(
        chain.run(chain.purchases().refund(&stranger.key, purchase)),
        "delivery deadline has not passed",
    );
    chain.advance(HOUR);
    refused(
        chain.run(chain.purchases().deliver(&seller.key, purchase, SEALED_KEY)),
        "delivery deadline has passed",
    );
    let refunded = chain
        .run(chain.purchases().refund(&stranger.key, purchase))
        .unwrap();
    assert_eq!(wei(refunded.event.amount), price);
    refused(
        chain.run(chain.purchases().refund(&stranger.key, purchase)),
        "purchase has ended",
    );
    refused(
        chain.run(
            chain
                .purchases()
                .refund(&stranger.key, B256::repeat_byte(7)),
        ),
        "no such purchase",
    );
    assert_eq!(chain.token_balance(wbtt, chain.contracts.purchases), 0);
    assert_eq!(chain.token_balance(wbtt, buyer.address), price);
    assert_eq!(chain.token_balance(wbtt, seller.address), 0);
    assert_eq!(
        chain.balance(buyer.address),
        START_BALANCE - price - wrap_fees - opened.receipt.fee
    );
    assert_eq!(
        chain.balance(stranger.address),
        START_BALANCE - refunded.receipt.fee
    );
}

/// Only the seller delivers, and only a sealed key of 1 to 256 bytes.
#[test]
fn deliver_by_a_non_seller_is_refused() {
    let chain = Chain::start();
    let (buyer, seller, stranger) = (chain.party(1), chain.party(2), chain.party(3));
    let order = chain.order(&buyer, chain.listing(&seller, NATIVE, 1000));
    let purchase = chain
        .run(chain.purchases().buy(&buyer.key, &order))
        .unwrap()
        .event
        .purchase;
    for caller in [&stranger, &buyer] {
        refused(
            chain.run(chain.purchases().deliver(&caller.key, purchase, SEALED_KEY)),
            "not the seller",
        );
    }
    for sealed_key in [&[][..], &[7u8; 257][..]] {
        refused(
            chain.run(chain.purchases().deliver(&seller.key, purchase, sealed_key)),
            "sealed key is empty or too long",
        );
    }
    chain
        .run(
            chain
                .purchases()
                .deliver(&seller.key, purchase, &[7u8; 256]),
        )
        .unwrap();
}

/// The buyer lowers the signed price, or pays less coin than it: no purchase.
#[test]
fn an_underpriced_order_can_not_exist() {
    let chain = Chain::start();
    let (buyer, seller) = (chain.party(1), chain.party(2));
    let listing = chain.listing(&seller, NATIVE, 10 * WEI_PER_BTT);
    let mut lowered = chain.order(&buyer, listing.clone());
    lowered.listing.message.price = U256::from(1u64);
    refused(
        chain.run(chain.purchases().buy(&buyer.key, &lowered)),
        "listing is not its seller's",
    );
    let order = chain.order(&buyer, listing);
    let underpaid = order.call();
    for value in [1, 10 * WEI_PER_BTT - 1, 10 * WEI_PER_BTT + 1] {
        refused(
            chain.run(chain.client.transact::<_, Purchases::Opened>(
                &buyer.key,
                chain.contracts.purchases,
                value,
                &underpaid,
            )),
            "value differs from the amount",
        );
    }
    assert_eq!(chain.balance(chain.contracts.purchases), 0);
}

/// An expired listing, a listing whose token was swapped, one signed for
/// another chain, and coin for a token listing: no purchase.
#[test]
fn an_expired_or_wrong_token_or_foreign_listing_is_refused() {
    let chain = Chain::start();
    let wbtt = chain.deploy_wbtt();
    let (buyer, seller) = (chain.party(1), chain.party(2));
    let in_wbtt = chain.listing(&seller, wbtt, 1000);
    // The buyer swaps the token for the chain's coin.
    let mut swapped = chain.order(&buyer, in_wbtt.clone());
    swapped.listing.message.token = NATIVE;
    refused(
        chain.run(chain.purchases().buy(&buyer.key, &swapped)),
        "listing is not its seller's",
    );
    // Coin sent with a WBTT listing.
    let order = chain.order(&buyer, in_wbtt);
    let with_coin = order.call();
    refused(
        chain.run(chain.client.transact::<_, Purchases::Opened>(
            &buyer.key,
            chain.contracts.purchases,
            1000,
            &with_coin,
        )),
        "coin sent with a token payment",
    );
    // Signed for Donau's chain id.
    let foreign_domain = domain("btt purchases", 1029, chain.contracts.purchases);
    let foreign =
        sign_listing(&seller.key, &foreign_domain, order.listing.message.clone()).unwrap();
    refused(
        chain.run(
            chain
                .purchases()
                .buy(&buyer.key, &chain.order(&buyer, foreign)),
        ),
        "listing is not its seller's",
    );
    // The listing expires.
    let native = chain.listing(&seller, NATIVE, 1000);
    chain.advance(HOUR);
    let late = Order {
        deadline: chain.now() + HOUR,
        ..chain.order(&buyer, native)
    };
    refused(
        chain.run(chain.purchases().buy(&buyer.key, &late)),
        "listing has expired",
    );
    assert_eq!(chain.balance(chain.contracts.purchases), 0);
    assert_eq!(chain.token_balance(wbtt, chain.contracts.purchases), 0);
}

/// Pledges to a campaign that meets its goal are locked until the deadline,
/// then paid to the beneficiary once; no pledger can take one back.
#[test]
fn a_campaign_that_meets_its_goal_pays_the_beneficiary_once_and_double_settle_is_refused() {
    let chain = Chain::start();
    let (creator, beneficiary, alice, bob) = (
        chain.party(1),
        chain.party(2),
        chain.party(3),
        chain.party(4),
    );
    let goal = 3 * WEI_PER_BTT;
    let deadline = chain.now() + HOUR;
    let created = chain
        .run(chain.campaigns().create(
            &creator.key,
            &new_campaign(beneficiary.address, NATIVE, goal, deadline),
        ))
        .unwrap();
    let campaign = created.event.campaign;
    assert_eq!(created.event.beneficiary, beneficiary.address);
    assert_eq!(
        (wei(created.event.goal), created.event.deadline),
        (goal, deadline)
    );
    let a = chain
        .run(
            chain
                .campaigns()
                .pledge(&alice.key, campaign, 2 * WEI_PER_BTT),
        )
        .unwrap();
    let b = chain
        .run(
            chain
                .campaigns()
                .pledge(&bob.key, campaign, WEI_PER_BTT + 1),
        )
        .unwrap();
    assert_eq!(wei(b.event.pledged), goal + 1);
    refused(
        chain.run(chain.campaigns().settle(&creator.key, campaign)),
        "campaign is running",
    );
    refused(
        chain.run(chain.campaigns().refund(&alice.key, campaign)),
        "campaign is running",
    );
    chain.advance(HOUR);
    refused(
        chain.run(chain.campaigns().pledge(&alice.key, campaign, 1)),
        "campaign has ended",
    );
    let settled = chain
        .run(chain.campaigns().settle(&creator.key, campaign))
        .unwrap();
    assert_eq!(wei(settled.event.amount), goal + 1);
    refused(
        chain.run(chain.campaigns().settle(&creator.key, campaign)),
        "campaign is settled",
    );
    refused(
        chain.run(chain.campaigns().refund(&alice.key, campaign)),
        "goal was met",
    );
    assert_eq!(chain.balance(chain.contracts.campaigns), 0);
    assert_eq!(chain.balance(beneficiary.address), START_BALANCE + goal + 1);
    assert_eq!(
        chain.balance(alice.address),
        START_BALANCE - 2 * WEI_PER_BTT - a.receipt.fee
    );
    assert_eq!(
        chain.balance(bob.address),
        START_BALANCE - WEI_PER_BTT - 1 - b.receipt.fee
    );
}

/// A WBTT campaign that misses its goal: settle is refused, and each
/// pledger takes back its own pledges, to the wei, once.
#[test]
fn a_campaign_that_misses_its_goal_refunds_each_pledger_and_double_refund_is_refused() {
    let chain = Chain::start();
    let wbtt = chain.deploy_wbtt();
    let (creator, beneficiary, alice, bob, stranger) = (
        chain.party(1),
        chain.party(2),
        chain.party(3),
        chain.party(4),
        chain.party(5),
    );
    let campaigns = chain.contracts.campaigns;
    chain.wrap(wbtt, &alice, 10 * WEI_PER_BTT, campaigns);
    chain.wrap(wbtt, &bob, 10 * WEI_PER_BTT, campaigns);
    let deadline = chain.now() + HOUR;
    let goal = 10 * WEI_PER_BTT;
    let campaign = chain
        .run(chain.campaigns().create(
            &creator.key,
            &new_campaign(beneficiary.address, wbtt, goal, deadline),
        ))
        .unwrap()
        .event
        .campaign;
    chain
        .run(chain.campaigns().pledge(&alice.key, campaign, 1))
        .unwrap();
    chain
        .run(
            chain
                .campaigns()
                .pledge(&alice.key, campaign, 2 * WEI_PER_BTT),
        )
        .unwrap();
    chain
        .run(
            chain
                .campaigns()
                .pledge(&bob.key, campaign, 3 * WEI_PER_BTT),
        )
        .unwrap();
    assert_eq!(
        chain
            .run(chain.campaigns().pledge_of(campaign, alice.address))
            .unwrap(),
        2 * WEI_PER_BTT + 1
    );
    assert_eq!(chain.token_balance(wbtt, campaigns), 5 * WEI_PER_BTT + 1);
    chain.advance(HOUR);
    refused(
        chain.run(chain.campaigns().settle(&creator.key, campaign)),
        "goal was not met",
    );
    refused(
        chain.run(chain.campaigns().refund(&stranger.key, campaign)),
        "nothing to refund",
    );
    let refund = chain
        .run(chain.campaigns().refund(&alice.key, campaign))
        .unwrap();
    assert_eq!(refund.event.pledger, alice.address);
    assert_eq!(wei(refund.event.amount), 2 * WEI_PER_BTT + 1);
    refused(
        chain.run(chain.campaigns().refund(&alice.key, campaign)),
        "nothing to refund",
    );
    chain
        .run(chain.campaigns().refund(&bob.key, campaign))
        .unwrap();
    assert_eq!(chain.token_balance(wbtt, campaigns), 0);
    assert_eq!(chain.token_balance(wbtt, alice.address), 10 * WEI_PER_BTT);
    assert_eq!(chain.token_balance(wbtt, bob.address), 10 * WEI_PER_BTT);
    assert_eq!(chain.token_balance(wbtt, beneficiary.address), 0);
    let state = chain.run(chain.campaigns().campaign(campaign)).unwrap();
    assert!(!state.settled);
    // Refused creations and pledges.
    refused(
        chain.run(chain.campaigns().create(
            &creator.key,
            &new_campaign(Address::ZERO, NATIVE, 1, chain.now() + HOUR),
        )),
        "beneficiary is nobody",
    );
    refused(
        chain.run(chain.campaigns().create(
            &creator.key,
            &new_campaign(beneficiary.address, NATIVE, 1, chain.now()),
        )),
        "deadline is not in the future",
    );
    let long_title = NewCampaign {
        title: "t".repeat(257),
        ..new_campaign(beneficiary.address, NATIVE, 1, chain.now() + HOUR)
    };
    refused(
        chain.run(chain.campaigns().create(&creator.key, &long_title)),
        "title is too long",
    );
    // The same creator and nonce name the same campaign: created once.
    let once = new_campaign(beneficiary.address, NATIVE, 1, chain.now() + HOUR);
    let created = chain
        .run(chain.campaigns().create(&creator.key, &once))
        .unwrap()
        .event;
    assert_eq!(created.creator, creator.address);
    assert_eq!(created.title, "a campaign");
    refused(
        chain.run(chain.campaigns().create(&creator.key, &once)),
        "campaign exists",
    );
    refused(
        chain.run(
            chain
                .campaigns()
                .pledge(&alice.key, B256::repeat_byte(3), 1),
        ),
        "no such campaign",
    );
}

/// What `btt-wallet deploy` prints in a pipe.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentLine {
    #[serde(rename = "type")]
    kind: String,
    chain_id: u64,
    channels: Address,
    purchases: Address,
    campaigns: Address,
    contracts: String,
    deployer: Address,
    fee_base_units: String,
    txids: Vec<B256>,
}

/// `btt-wallet deploy` puts the three contracts on the chain from a wallet,
/// prints one NDJSON record, and the deployer pays exactly the fees it
/// reports (creating a contract takes more gas than the default cap, so
/// `--gas-limit` raises it); on a ledger that is not an EVM chain it is a
/// usage error.
#[test]
fn btt_wallet_deploy_puts_the_contracts_on_a_dev_chain() {
    let chain = Chain::start();
    let env = TestEnv::new();
    let deployer = chain.party(0x42);
    std::fs::write(env.path().join("password"), "correct horse\n").unwrap();
    std::fs::write(env.path().join("key"), hex::encode([0x42u8; 32])).unwrap();
    let wallet = |ledger: &str, args: &[&str]| {
        let mut command = env.btt("btt-wallet");
        command
            .args(args)
            .env("BTT_LEDGER", ledger)
            .env("BTT_INSECURE_FAST_KDF", "1")
            .env("BTT_PASSWORD_FILE", env.path().join("password"));
        support::Run::of("btt-wallet", command, "")
    };
    let key_file = env.path().join("key");
    wallet(
        &chain.anvil.url,
        &[
            "import",
            "--name",
            "dep",
            "--private-key-file",
            key_file.to_str().unwrap(),
        ],
    )
    .ok();

    let line: DeploymentLine = wallet(
        &chain.anvil.url,
        &["deploy", "--from", "dep", "--gas-limit", "2000000"],
    )
    .ok()
    .one_as();
    assert_eq!(line.kind, "deployment");
    assert_eq!(line.chain_id, BTTC_CHAIN_ID);
    assert_eq!(line.deployer, deployer.address);
    let addresses: ContractAddresses = line.contracts.parse().unwrap();
    assert_eq!(
        addresses,
        ContractAddresses {
            channels: line.channels,
            purchases: line.purchases,
            campaigns: line.campaigns,
        }
    );
    let build = concat!(env!("CARGO_MANIFEST_DIR"), "/contracts/build");
    let mut fees = 0;
    for (name, address, txid) in [
        ("Channels", line.channels, line.txids[0]),
        ("Purchases", line.purchases, line.txids[1]),
        ("Campaigns", line.campaigns, line.txids[2]),
    ] {
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{build}/{name}.json")).unwrap())
                .unwrap();
        let code = chain.rpc("eth_getCode", json!([address.to_string(), "latest"]));
        assert_eq!(
            code,
            json!(format!("0x{}", file["runtime"].as_str().unwrap()))
        );
        let receipt = chain.rpc("eth_getTransactionReceipt", json!([txid.to_string()]));
        assert_eq!(
            receipt["contractAddress"],
            json!(address.to_string().to_lowercase())
        );
        fees += quantity(&receipt["gasUsed"]) * quantity(&receipt["effectiveGasPrice"]);
    }
    assert_eq!(line.txids.len(), 3);
    assert_eq!(line.fee_base_units, fees.to_string());
    assert_eq!(chain.balance(deployer.address), START_BALANCE - fees);

    // The deployed contracts work: a channel opens on them.
    let client_on_them = ChannelsContract::new(&chain.client, line.channels);
    let payee = chain.party(2);
    chain
        .run(client_on_them.open(&deployer.key, payee.address, NATIVE, 5, chain.now() + HOUR))
        .unwrap();

    wallet("local", &["deploy", "--from", "dep"]).refused(2, "deploy needs an EVM chain");
}

fn quantity(value: &Value) -> u128 {
    let digits = value.as_str().expect("a hex quantity");
    u128::from_str_radix(digits.trim_start_matches("0x"), 16).expect("hex")
}

/// A payee contract that redeems the voucher again from inside its payment
/// is paid once: the channel's state changed before it paid (the deposit
/// would cover a second payment).
#[test]
fn a_payee_contract_that_reenters_redeem_is_paid_once() {
    let chain = Chain::start();
    let (payer, attacker) = (chain.party(1), chain.party(2));
    let mut target = [0u8; 32];
    target[12..].copy_from_slice(chain.contracts.channels.as_slice());
    let payee = chain.deploy_test_contract("ReentrantPayee", &target);
    let expiry = chain.now() + HOUR;
    let channel = chain
        .run(
            chain
                .channels()
                .open(&payer.key, payee, NATIVE, 2000, expiry),
        )
        .unwrap()
        .event
        .channel;
    let domain = chain.channels_domain();
    let voucher = sign_voucher(&payer.key, &domain, channel, payee, 600).unwrap();
    let attack = ReentrantPayee::attackCall {
        channel,
        cumulative: U256::from(600u64),
        signature: voucher.signature.clone().into(),
    };
    let attacked: Sent<ReentrantPayee::Attacked> = chain
        .run(chain.client.transact(&attacker.key, payee, 0, &attack))
        .unwrap();
    assert!(!attacked.event.reentered);
    assert_eq!(wei(attacked.event.balance), 600);
    assert_eq!(chain.balance(payee), 600);
    assert_eq!(chain.balance(chain.contracts.channels), 1400);
}

/// A token that delivers less than the amount asked (a fee on transfer)
/// can not fund a channel, a purchase or a pledge with less than it says.
#[test]
fn a_token_that_delivers_less_than_the_deposit_is_refused() {
    let chain = Chain::start();
    let (payer, payee) = (chain.party(1), chain.party(2));
    let token = chain.deploy_test_contract("ShortToken", &[]);
    let mint = ShortToken::mintCall {
        to: payer.address,
        value: U256::from(1000u64),
    };
    let _: Sent<ShortToken::Transfer> = chain
        .run(chain.client.transact(&payer.key, token, 0, &mint))
        .unwrap();
    let expiry = chain.now() + HOUR;
    refused(
        chain.run(
            chain
                .channels()
                .open(&payer.key, payee.address, token, 100, expiry),
        ),
        "token moved another amount",
    );
    let campaign = chain
        .run(
            chain
                .campaigns()
                .create(&payee.key, &new_campaign(payee.address, token, 100, expiry)),
        )
        .unwrap()
        .event
        .campaign;
    refused(
        chain.run(chain.campaigns().pledge(&payer.key, campaign, 100)),
        "token moved another amount",
    );
}

/// A pledger that refuses its refund blocks nobody else's: refunds are
/// pulled, each by its own pledger.
#[test]
fn a_pledger_that_refuses_its_refund_blocks_no_other_refund() {
    let chain = Chain::start();
    let (creator, beneficiary, alice, owner) = (
        chain.party(1),
        chain.party(2),
        chain.party(3),
        chain.party(4),
    );
    let refusing = chain.deploy_test_contract("RefusingPledger", &[]);
    let campaigns = chain.contracts.campaigns;
    let deadline = chain.now() + HOUR;
    let campaign = chain
        .run(chain.campaigns().create(
            &creator.key,
            &new_campaign(beneficiary.address, NATIVE, 1000, deadline),
        ))
        .unwrap()
        .event
        .campaign;
    let pledge = RefusingPledger::pledgeCall {
        campaigns,
        campaign,
    };
    let _: Sent<RefusingPledger::Pledged> = chain
        .run(chain.client.transact(&owner.key, refusing, 300, &pledge))
        .unwrap();
    chain
        .run(chain.campaigns().pledge(&alice.key, campaign, 200))
        .unwrap();
    chain.advance(HOUR);
    let refund = RefusingPledger::refundCall {
        campaigns,
        campaign,
    };
    refused(
        chain.run(
            chain
                .client
                .transact::<_, RefusingPledger::Pledged>(&owner.key, refusing, 0, &refund),
        ),
        "payment refused",
    );
    let refunded = chain
        .run(chain.campaigns().refund(&alice.key, campaign))
        .unwrap();
    assert_eq!(wei(refunded.event.amount), 200);
    assert_eq!(chain.balance(campaigns), 300);
    assert_eq!(
        chain
            .run(chain.campaigns().pledge_of(campaign, refusing))
            .unwrap(),
        300
    );
}
