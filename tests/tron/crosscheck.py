"""Independent reference for tests/tron_crosscheck.rs, built on tronpy and
eth-keyfile (PyPI).

Reads one JSON request on stdin and prints one JSON answer on stdout:
the transactions, message signatures and mnemonic-derived addresses that
tronpy, Google's protobuf runtime and libsecp256k1 (through coincurve)
produce for the same inputs btt is given, plus keystores decrypted and made
by eth-keyfile. Nothing here talks to a network.

Needs: pip install 'tronpy[offline,mnemonic]==0.6.2' 'eth-keyfile==0.10.0'
"""

import hashlib
import json
import sys

import eth_keyfile
import google.protobuf.any_pb2
from eth_abi import encode as abi_encode
from tronpy import Tron
from tronpy.hdwallet import TRON_DEFAULT_PATH, key_from_seed, seed_from_mnemonic
from tronpy.keys import PrivateKey, keccak256, to_hex_address, to_raw_address
from tronpy.proto import calculate_txid_from_raw_data, tron_pb2

BTT_TOKEN_ID = 1002000
BTT_TRC20 = "TAFjULxiVgT4qWk6UZwjqwZXTSaGaqnVp4"


def builder(client, owner, case):
    """tronpy's own builder for the transfer, which fixes raw_data's JSON shape."""
    if case["kind"] == "trx":
        return client.trx.transfer(owner, case["to"], case["amount"])
    if case["kind"] == "trc10":
        return client.trx.asset_transfer(owner, case["to"], case["amount"], BTT_TOKEN_ID)
    selector = keccak256(b"transfer(address,uint256)")[:4]
    to_evm = "0x" + to_hex_address(case["to"])[2:]
    data = selector + abi_encode(["address", "uint256"], [to_evm, case["amount"]])
    inner = {
        "owner_address": to_hex_address(owner),
        "contract_address": to_hex_address(BTT_TRC20),
        "data": data.hex(),
    }
    return client.trx._build_transaction("TriggerSmartContract", inner).fee_limit(case["fee_limit"])


def contract_message(contract):
    """The protobuf message of a raw_data contract, from tronpy's generated classes."""
    value = contract["parameter"]["value"]
    kind = contract["type"]
    if kind == "TransferContract":
        return tron_pb2.TransferContract(
            owner_address=to_raw_address(value["owner_address"]),
            to_address=to_raw_address(value["to_address"]),
            amount=value["amount"],
        )
    if kind == "TransferAssetContract":
        return tron_pb2.TransferAssetContract(
            asset_name=bytes.fromhex(value["asset_name"]),
            owner_address=to_raw_address(value["owner_address"]),
            to_address=to_raw_address(value["to_address"]),
            amount=value["amount"],
        )
    return tron_pb2.TriggerSmartContract(
        owner_address=to_raw_address(value["owner_address"]),
        contract_address=to_raw_address(value["contract_address"]),
        data=bytes.fromhex(value["data"]),
    )


def raw_bytes(raw_data):
    """Transaction.raw serialized by Google's protobuf runtime, memo included."""
    contracts = [
        tron_pb2.Transaction.Contract(
            type=getattr(tron_pb2.Transaction.Contract.ContractType, contract["type"]),
            parameter=google.protobuf.any_pb2.Any(
                type_url=contract["parameter"]["type_url"],
                value=contract_message(contract).SerializeToString(),
            ),
        )
        for contract in raw_data["contract"]
    ]
    raw = tron_pb2.Transaction.raw(
        ref_block_bytes=bytes.fromhex(raw_data["ref_block_bytes"]),
        ref_block_hash=bytes.fromhex(raw_data["ref_block_hash"]),
        expiration=raw_data["expiration"],
        timestamp=raw_data["timestamp"],
        contract=contracts,
    )
    if "data" in raw_data:
        raw.data = bytes.fromhex(raw_data["data"])
    if "fee_limit" in raw_data:
        raw.fee_limit = raw_data["fee_limit"]
    return raw.SerializeToString()


def transaction(client, key, request, case):
    case = dict(case, amount=int(case["amount"]))  # a string: JSON numbers lose u128s
    built = builder(client, key.public_key.to_base58check_address(), case)
    if case.get("memo") is not None:
        built.memo(case["memo"])
    built._raw_data["timestamp"] = request["timestamp"]
    built._raw_data["expiration"] = request["expiration"]
    # What TransactionBuilder.build(offline=True) does, which it refuses for TRC-10.
    built._raw_data["ref_block_bytes"] = request["ref_block_bytes"]
    built._raw_data["ref_block_hash"] = request["ref_block_hash"]
    raw_data = built._raw_data
    raw = raw_bytes(raw_data)
    # tronpy's own txID covers TransferContract and TriggerSmartContract without a memo.
    tronpy_txid = None
    if raw_data["contract"][0]["type"] != "TransferAssetContract" and "data" not in raw_data:
        tronpy_txid = calculate_txid_from_raw_data(raw_data)
    txid = hashlib.sha256(raw).hexdigest()
    signature = key.sign_msg_hash(bytes.fromhex(txid))
    return {
        "raw_data": raw_data,
        "raw_data_hex": raw.hex(),
        "txID": txid,
        "tronpy_txid": tronpy_txid,
        "signature": signature.hex(),
    }


def keystores(request):
    """Decrypts btt's keystores and makes eth-keyfile's own for btt to decrypt."""
    password = request["password"].encode()
    return {
        "decrypted": [eth_keyfile.decode_keyfile_json(k, password).hex() for k in request["decrypt"]],
        "made": [
            eth_keyfile.create_keyfile_json(bytes.fromhex(key), password, kdf=kdf, iterations=1024)
            for key in request["encrypt"]
            for kdf in ("scrypt", "pbkdf2")
        ],
    }


def main():
    request = json.load(sys.stdin)
    if "keystores" in request:
        json.dump(keystores(request["keystores"]), sys.stdout)
        return
    client = Tron(network="nile")
    key = PrivateKey(bytes.fromhex(request["key"]))
    answer = {
        "address": key.public_key.to_base58check_address(),
        "transactions": [transaction(client, key, request, case) for case in request["cases"]],
        "messages": [key.sign_msg(message.encode()).hex() for message in request["messages"]],
        "mnemonics": [
            PrivateKey(key_from_seed(seed_from_mnemonic(words, ""), TRON_DEFAULT_PATH))
            .public_key.to_base58check_address()
            for words in request["mnemonics"]
        ],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
