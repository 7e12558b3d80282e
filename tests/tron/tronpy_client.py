"""Drives tronpy's HTTP client against a node, as tests/tron_clients.rs asks:
`python3 tronpy_client.py URL PAYER_KEY RECIPIENT`.

Reads balances and account assets (TRC-10 BTT); sends BTT the way tronpy's
documentation does (`asset_transfer(...).memo(...).build().sign(key)
.broadcast().wait()`: the build asks `getnodeinfo` for the block to name and
`getsignweight` for the txID, the broadcast sends `raw_data` without
`raw_data_hex`); reads the transaction, its receipt and its block back; then
broadcasts a TRX transfer built offline naming a block of TRON's mainnet.
Prints one JSON object of what the node answered; the Rust test judges it.
"""

import json
import sys

from tronpy import Tron
from tronpy.keys import PrivateKey
from tronpy.providers import HTTPProvider

BTT = 1002000
# A block id of TRON's mainnet: its reference names no block of the node.
MAINNET_BLOCK = "0000000002dbe0e890dddd5df8bb75251f386daee6e5b7a6cf777d493e5d894c"


def main():
    url, payer_key, recipient = sys.argv[1:4]
    client = Tron(HTTPProvider(url))
    key = PrivateKey(bytes.fromhex(payer_key))
    payer = key.public_key.to_base58check_address()
    before = {
        "trx": str(client.get_account_balance(payer)),
        "btt": client.get_account_asset_balance(payer, BTT),
        "assets": client.get_account_asset_balances(payer),
    }
    built = client.trx.asset_transfer(payer, recipient, 2_000_000, BTT).memo("tronpy").build()
    sent = built.sign(key).broadcast()
    info = sent.wait(timeout=20, interval=0.2)
    foreign = client.trx.transfer(payer, recipient, 1).build(offline=True, ref_block_id=MAINNET_BLOCK)
    report = {
        "before": before,
        "txid": built.txid,
        "sent": {"result": sent["result"], "txid": sent["txid"]},
        "transaction": client.get_transaction(built.txid),
        "info": info,
        "solid_info": client.get_solid_transaction_info(built.txid),
        "block": client.get_block(info["blockNumber"]),
        "latest": client.get_block(),
        "solid_latest": client.get_latest_solid_block(),
        "after": {
            "payer": client.get_account_asset_balance(payer, BTT),
            "recipient": client.get_account_asset_balance(recipient, BTT),
        },
        "foreign": client.provider.make_request("wallet/broadcasttransaction", foreign.sign(key).to_json()),
    }
    report["by_id"] = client.get_block(report["block"]["blockID"])
    print(json.dumps(report))


if __name__ == "__main__":
    main()
