// Drives TronWeb (the version pinned in package.json) against a node, as
// tests/tronweb.rs asks: `node tronweb_client.cjs URL PAYER_KEY RECIPIENT`.
// Reads balances and account assets, sends TRC-10 BTT with trx.sendToken
// (built and signed by TronWeb), reads the transaction and its receipt back,
// then broadcasts a transaction whose ref_block_hash is forged, and asks the
// TRC-20 BTT's balanceOf(payer) with triggerConstantContract. Prints one
// JSON object of what the node answered; the Rust test judges it. Any
// exception from TronWeb exits 1 with its message on stderr.
'use strict';

const { TronWeb } = require('tronweb');

const BTT = '1002000';
const BTT_TRC20 = 'TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4';

async function main() {
    const [url, payerKey, recipient] = process.argv.slice(2);
    const tronWeb = new TronWeb({ fullHost: url, privateKey: payerKey });
    const payer = tronWeb.address.fromPrivateKey(payerKey);
    const before = {
        trx: await tronWeb.trx.getBalance(payer),
        assets: (await tronWeb.trx.getAccount(payer)).assetV2,
        unconfirmed: (await tronWeb.trx.getUnconfirmedAccount(payer)).assetV2,
    };
    const sent = await tronWeb.trx.sendToken(recipient, 1500000, BTT);
    const transaction = await tronWeb.trx.getTransaction(sent.txid);
    const confirmed = await tronWeb.trx.getConfirmedTransaction(sent.txid);
    const info = await tronWeb.trx.getTransactionInfo(sent.txid);
    const unconfirmedInfo = await tronWeb.trx.getUnconfirmedTransactionInfo(sent.txid);
    const after = {
        payer: (await tronWeb.trx.getAccount(payer)).assetV2,
        recipient: (await tronWeb.trx.getAccount(recipient)).assetV2,
        recipientTrx: await tronWeb.trx.getBalance(recipient),
    };
    const block = await tronWeb.trx.getCurrentBlock();
    const confirmedBlock = await tronWeb.trx.getConfirmedCurrentBlock();
    const byNumber = await tronWeb.trx.getBlock(info.blockNumber);
    const byHash = await tronWeb.trx.getBlockByHash(byNumber.blockID);
    const forged = await forgedReference(tronWeb, recipient, payer);
    const signedForged = await tronWeb.trx.sign(forged, payerKey);
    const tapos = await tronWeb.trx.sendRawTransaction(signedForged);
    const trc20 = await tronWeb.transactionBuilder.triggerConstantContract(
        BTT_TRC20, 'balanceOf(address)', {}, [{ type: 'address', value: payer }], payer);
    const report = {
        payer,
        before,
        sent: { result: sent.result, txid: sent.txid, code: sent.code, message: decode(tronWeb, sent.message) },
        transaction,
        confirmed,
        info,
        unconfirmedInfo,
        after,
        block,
        confirmedBlock,
        byNumber,
        byHash,
        tapos: { result: tapos.result, code: tapos.code, message: decode(tronWeb, tapos.message) },
        trc20: { result: trc20.result, constant_result: trc20.constant_result },
    };
    process.stdout.write(JSON.stringify(report) + '\n');
}

// A 1-unit sendToken naming the head block's number with a wrong hash.
async function forgedReference(tronWeb, recipient, payer) {
    const header = await tronWeb.trx.getCurrentRefBlockParams();
    const flipped = (parseInt(header.ref_block_hash[0], 16) ^ 1).toString(16);
    const blockHeader = { ...header, ref_block_hash: flipped + header.ref_block_hash.slice(1) };
    return tronWeb.transactionBuilder.sendToken(recipient, 1, BTT, payer, { blockHeader });
}

function decode(tronWeb, message) {
    return message === undefined ? undefined : tronWeb.toUtf8(message);
}

main().catch((error) => {
    process.stderr.write(`tronweb_client: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
});
