//! Payment channels through the `PaymentLedger` the market uses, on btt's
//! channels contract on a real EVM (anvil, chain id 199, its own per test,
//! stopped by PID): the payer opens, signs EIP-712 vouchers the payee's
//! `VoucherCheck` accepts, the payee redeems and closes, and every wei is
//! accounted for, gas included. The attacks are the payee's and payer's:
//! vouchers forged, for another contract or in btt's own scheme, lowered,
//! replayed after close, and requests signed by someone else; each is
//! refused before any gas is spent. Time moves with
//! `evm_setNextBlockTimestamp`, never by sleeping.

use crate::support;

use btt::amount::{Amount, Token};
use btt::ledger::evm::contracts::channels::{OPEN_GAS, REDEEM_GAS};
use btt::ledger::evm::contracts::ContractAddresses;
use btt::ledger::evm::{EvmClient, EvmOptions};
use btt::ledger::{
    ChannelRole, ChannelState, ChannelStatus, ErrorKind, LedgerError, OpenChannel, RedeemVoucher,
    RefundChannel, Signed, Voucher, VoucherDomain,
};
use btt::payment::{close_with, sign_voucher, ContractPayments, PaymentLedger, VoucherCheck};
use btt::wallet::PrivateKey;
use serde_json::{json, Value};
use std::future::Future;
use support::{Anvil, TestEnv, BTTC_CHAIN_ID};

pub(crate) const WEI_PER_BTT: u128 = 1_000_000_000_000_000_000;

/// What each party starts with.
pub(crate) const START_BALANCE: u128 = 100 * WEI_PER_BTT;

/// The payer's deposit.
const DEPOSIT: u128 = 10 * WEI_PER_BTT;

/// An anvil with btt's contracts, and the two parties' ledgers on them.
pub(crate) struct Market {
    pub(crate) anvil: Anvil,
    runtime: tokio::runtime::Runtime,
    pub(crate) contracts: ContractAddresses,
    pub(crate) payer: ContractPayments,
    pub(crate) payee: ContractPayments,
    _env: TestEnv,
}

pub(crate) fn client(anvil: &Anvil) -> EvmClient {
    client_waiting(anvil, 0)
}

/// A client that counts a transaction once `confirmations` blocks are on top.
fn client_waiting(anvil: &Anvil, confirmations: u64) -> EvmClient {
    EvmClient::new(EvmOptions {
        url: anvil.url.clone(),
        expected_chain_id: Some(BTTC_CHAIN_ID),
        confirmations,
        gas_cap: 10_000_000,
        lock_directory: None,
        wbtt: None,
    })
    .unwrap()
}

pub(crate) fn key(byte: u8) -> PrivateKey {
    PrivateKey::from_bytes(&[byte; 32]).unwrap()
}

pub(crate) fn bttc(wei: u128) -> Amount {
    Amount {
        token: Token::Bttc,
        base_units: wei,
    }
}

impl Market {
    pub(crate) fn start() -> Market {
        let env = TestEnv::new();
        let anvil = Anvil::start(&env);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for byte in [1, 2, 0xde] {
            fund(&anvil, &key(byte));
        }
        let deployer = client(&anvil);
        let contracts = runtime
            .block_on(deployer.deploy_contracts(&key(0xde)))
            .unwrap()
            .addresses;
        let connect = |byte| ContractPayments::new(client(&anvil), &contracts, Some(key(byte)));
        let (payer, payee) = (connect(1), connect(2));
        Market {
            anvil,
            runtime,
            contracts,
            payer,
            payee,
            _env: env,
        }
    }

    pub(crate) fn run<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn rpc(&self, method: &str, params: Value) -> Value {
        self.anvil.rpc(method, params).unwrap()
    }

    pub(crate) fn balance(&self, byte: u8) -> u128 {
        self.anvil.balance(&key(byte).address().to_evm())
    }

    /// The payer's request to open a channel of [`DEPOSIT`] to the payee for an hour.
    fn open_request(&self) -> Signed<OpenChannel> {
        let open = OpenChannel {
            payer: key(1).address(),
            payee: key(2).address(),
            amount: bttc(DEPOSIT),
            expires_at_ms: (self.anvil.now() as i64 + 3600) * 1000,
            nonce: 1,
        };
        let ledger = self.run(self.payer.ledger_id()).unwrap();
        Signed::sign(open, key(1).signing_key(), &ledger)
    }

    /// The payer opens a channel of [`DEPOSIT`] to the payee for an hour.
    fn open(&self) -> ChannelState {
        self.run(self.payer.open_channel(self.open_request()))
            .unwrap()
    }

    fn voucher(&self, channel: &ChannelState, wei: u128) -> Signed<Voucher> {
        let domain = self.run(self.payer.voucher_domain()).unwrap();
        sign_voucher(channel, bttc(wei), key(1).signing_key(), domain).unwrap()
    }

    fn redeem(&self, voucher: Signed<Voucher>) -> Result<ChannelState, LedgerError> {
        let ledger = self.run(self.payee.ledger_id()).unwrap();
        let request = Signed::sign(RedeemVoucher { voucher }, key(2).signing_key(), &ledger);
        self.run(self.payee.redeem_voucher(request))
    }

    /// The gas the latest block's one transaction used.
    fn latest_gas_used(&self) -> u64 {
        let block = self.rpc("eth_getBlockByNumber", json!(["latest", false]));
        let receipt = self.rpc(
            "eth_getTransactionReceipt",
            json!([block["transactions"][0]]),
        );
        let gas_used = receipt["gasUsed"].as_str().unwrap();
        u64::from_str_radix(gas_used.trim_start_matches("0x"), 16).unwrap()
    }

    fn check(&self, channel: &ChannelState) -> VoucherCheck {
        self.run(VoucherCheck::load(
            &self.payee,
            channel.id,
            key(2).address(),
        ))
        .unwrap()
    }
}

/// Sets `key`'s balance to [`START_BALANCE`].
fn fund(anvil: &Anvil, key: &PrivateKey) {
    let address = key.address().to_evm();
    anvil
        .rpc(
            "anvil_setBalance",
            json!([address, format!("{START_BALANCE:#x}")]),
        )
        .unwrap();
}

#[test]
fn a_channel_pays_the_payee_what_the_vouchers_say_and_the_rest_goes_back() {
    let market = Market::start();
    let channel = market.open();
    assert_eq!(channel.amount, bttc(DEPOSIT));
    assert_eq!(channel.status, ChannelStatus::Open);
    let gas_used = market.latest_gas_used();
    assert!(gas_used <= OPEN_GAS, "an open used {gas_used} gas");
    let mut check = market.check(&channel);
    for wei in [WEI_PER_BTT, 3 * WEI_PER_BTT] {
        check.accept(market.voucher(&channel, wei)).unwrap();
    }
    let redeemed = market.redeem(check.best().unwrap().clone()).unwrap();
    assert_eq!(redeemed.redeemed, 3 * WEI_PER_BTT);
    let gas_used = market.latest_gas_used();
    assert!(gas_used <= REDEEM_GAS, "a redeem used {gas_used} gas");
    let last = market.voucher(&channel, 4 * WEI_PER_BTT);
    check.accept(last.clone()).unwrap();
    let ledger = market.run(market.payee.ledger_id()).unwrap();
    let close = close_with(last, key(2).signing_key(), &ledger);
    let closed = market.run(market.payee.close_channel(close)).unwrap();
    assert_eq!(closed.status, ChannelStatus::Closed);
    assert_eq!(closed.redeemed, 4 * WEI_PER_BTT);

    let (payer_gas, payer_sent) = (market.payer.fees_paid(), market.payer.transactions_sent());
    let (payee_gas, payee_sent) = (market.payee.fees_paid(), market.payee.transactions_sent());
    assert_eq!((payer_sent, payee_sent), (1, 2));
    assert!(payer_gas > 0 && payee_gas > 0);
    assert_eq!(
        market.balance(1),
        START_BALANCE - 4 * WEI_PER_BTT - payer_gas
    );
    assert_eq!(
        market.balance(2),
        START_BALANCE + 4 * WEI_PER_BTT - payee_gas
    );
    let contract = market.anvil.balance(&market.contracts.channels.to_string());
    assert_eq!(
        contract, 0,
        "the contract keeps nothing of a closed channel"
    );

    let as_payee = market.run(market.payee.channels(key(2).address(), ChannelRole::Payee));
    assert_eq!(as_payee.unwrap(), vec![closed.clone()]);
    let as_payer = market.run(market.payee.channels(key(1).address(), ChannelRole::Payer));
    assert_eq!(as_payer.unwrap(), vec![closed]);
    let wrong_side = market.run(market.payee.channels(key(2).address(), ChannelRole::Payer));
    assert!(wrong_side.unwrap().is_empty());
}

#[test]
fn forged_foreign_and_lowered_vouchers_are_refused_before_any_gas() {
    let market = Market::start();
    let channel = market.open();
    let mut check = market.check(&channel);
    check
        .accept(market.voucher(&channel, 2 * WEI_PER_BTT))
        .unwrap();

    // Signed by the payee itself, not the payer.
    let domain = market.run(market.payer.voucher_domain()).unwrap();
    let promise = Voucher {
        channel: channel.id,
        payee: channel.payee,
        cumulative: bttc(DEPOSIT),
    };
    let forged = domain.sign(promise.clone(), key(2).signing_key());
    // The payer's signature in btt's own scheme, or for another contract.
    let own_scheme =
        VoucherDomain::from(&domain.ledger()).sign(promise.clone(), key(1).signing_key());
    let deployer = client(&market.anvil);
    let elsewhere = market.run(deployer.deploy_contracts(&key(0xde))).unwrap();
    let other = ContractPayments::new(client(&market.anvil), &elsewhere.addresses, None);
    let other_domain = market.run(other.voucher_domain()).unwrap();
    let error = market
        .run(other.open_channel(market.open_request()))
        .unwrap_err();
    assert_eq!(
        error.kind(),
        ErrorKind::Unsupported,
        "a reader sends nothing: {error}"
    );
    let foreign = other_domain.sign(promise, key(1).signing_key());
    for voucher in [forged, own_scheme, foreign] {
        let refused = check.accept(voucher.clone()).unwrap_err();
        assert!(refused.to_string().contains("signed by"), "{refused}");
        let error = market.redeem(voucher).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WrongSigner, "{error}");
    }
    let above = market.voucher(&channel, DEPOSIT + 1);
    let error = market.redeem(above).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::VoucherAboveLocked, "{error}");

    market
        .redeem(market.voucher(&channel, 2 * WEI_PER_BTT))
        .unwrap();
    let lower = market.voucher(&channel, WEI_PER_BTT);
    let error = market.redeem(lower).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::VoucherNotAbove, "{error}");
    let again = market.voucher(&channel, 2 * WEI_PER_BTT);
    let error = market.redeem(again).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::VoucherNotAbove, "{error}");
    assert_eq!(
        market.payee.transactions_sent(),
        1,
        "only the one good redeem was sent"
    );
    let state = market
        .run(market.payee.channel(channel.id))
        .unwrap()
        .unwrap();
    assert_eq!(state.redeemed, 2 * WEI_PER_BTT);
}

#[test]
fn only_the_wallets_own_requests_are_sent_and_refunds_wait_for_expiry() {
    let market = Market::start();
    let channel = market.open();
    let ledger = market.run(market.payer.ledger_id()).unwrap();

    // The payee's ledger will not open a channel in the payer's name.
    let open = OpenChannel {
        payer: key(1).address(),
        payee: key(2).address(),
        amount: bttc(DEPOSIT),
        expires_at_ms: (market.anvil.now() as i64 + 3600) * 1000,
        nonce: 2,
    };
    let request = Signed::sign(open, key(1).signing_key(), &ledger);
    let error = market.run(market.payee.open_channel(request)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WrongSigner, "{error}");
    // Nor redeem a voucher that pays someone else.
    let voucher = market.voucher(&channel, WEI_PER_BTT);
    let request = Signed::sign(RedeemVoucher { voucher }, key(2).signing_key(), &ledger);
    let error = market
        .run(market.payer.redeem_voucher(request))
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WrongSigner, "{error}");

    let refund = || {
        let request = RefundChannel {
            channel: channel.id,
        };
        let request = Signed::sign(request, key(1).signing_key(), &ledger);
        market.run(market.payer.refund_channel(request))
    };
    let error = refund().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RefundBeforeTimeout, "{error}");
    market
        .redeem(market.voucher(&channel, WEI_PER_BTT))
        .unwrap();
    market.anvil.advance(3601);
    let late = market.redeem(market.voucher(&channel, 2 * WEI_PER_BTT));
    assert!(late.is_err(), "a voucher is not redeemed after expiry");
    let refunded = refund().unwrap();
    assert_eq!(refunded.status, ChannelStatus::Closed);
    let (gas, sent) = (market.payer.fees_paid(), market.payer.transactions_sent());
    assert_eq!(sent, 2, "the open and the refund");
    assert_eq!(
        market.balance(1) + gas,
        START_BALANCE - WEI_PER_BTT,
        "the payer paid the one redeemed BTT and gas, nothing else"
    );
    let error = refund().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ChannelClosed, "{error}");
}

/// A payee that asks for confirmations sees a channel only once it is that
/// deep: before, the channel does not exist for it, so nothing is served on it.
#[test]
fn a_channel_is_used_only_after_the_confirmations_asked_for() {
    let market = Market::start();
    let careful = ContractPayments::new(
        client_waiting(&market.anvil, 2),
        &market.contracts,
        Some(key(2)),
    );
    let channel = market.open();
    let seen = || market.run(careful.channel(channel.id)).unwrap();
    assert_eq!(seen(), None, "not yet confirmed");
    market.rpc("evm_mine", json!([]));
    assert_eq!(seen(), None, "one block on top of two");
    market.rpc("evm_mine", json!([]));
    assert_eq!(seen(), Some(channel));
}
