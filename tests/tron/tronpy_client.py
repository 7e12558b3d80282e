"""Drives tronpy's HTTP client against a node, as tests/tron_clients.rs asks:
`python3 tronpy_client.py URL PAYER_KEY RECIPIENT`.

Reads balances and account assets (TRC-10 BTT), builds a TRX transfer with
tronpy (offline, naming the node's latest solid block: tronpy's offline
builder computes the txID itself for TRX transfers without a memo, not for
TRC-10), signs it and broadcasts it, reads the transaction, its receipt and
its block back, then broadcasts one naming a block of TRON's mainnet. Prints
one JSON object of what the node answered; the Rust test judges it.

tronpy's own `.broadcast()` sends no `raw_data_hex`, which the node needs (the
raw bytes are what the signature covers), so the body gets it from tronpy's
protobuf encoding and goes through tronpy's provider.
"""

import json
import sys

from tronpy import Tron
from tronpy.keys import PrivateKey
from tronpy.proto.transaction import _raw_data_to_protobuf
from tronpy.providers import HTTPProvider

BTT = 1002000
# A block id of TRON's mainnet: its reference names no block of the node.
MAINNET_BLOCK = "0000000002dbe0e890dddd5df8bb75251f386daee6e5b7a6cf777d493e5d894c"


def broadcast(client, txn):
    body = txn.to_json()
    body.pop("permission", None)
    body["raw_data_hex"] = _raw_data_to_protobuf(body["raw_data"]).SerializeToString().hex()
    return client.provider.make_request("wallet/broadcasttransaction", body)


def transfer(client, key, to, sun, ref_block_id):
    payer = key.public_key.to_base58check_address()
    builder = client.trx.transfer(payer, to, sun)
    return builder.build(offline=True, ref_block_id=ref_block_id).sign(key)


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
    latest = client.get_latest_solid_block()
    txn = transfer(client, key, recipient, 1_250_000, latest["blockID"])
    sent = broadcast(client, txn)
    info = client.get_transaction_info(txn.txid)
    report = {
        "before": before,
        "sent": sent,
        "txid": txn.txid,
        "transaction": client.get_transaction(txn.txid),
        "info": info,
        "solid_info": client.get_solid_transaction_info(txn.txid),
        "block": client.get_block(info["blockNumber"]),
        "latest": client.get_block(),
        "after": {
            "payer": str(client.get_account_balance(payer)),
            "recipient": str(client.get_account_balance(recipient)),
        },
        "foreign": broadcast(client, transfer(client, key, recipient, 1, MAINNET_BLOCK)),
    }
    report["by_id"] = client.get_block(report["block"]["blockID"])
    print(json.dumps(report))


if __name__ == "__main__":
    main()
