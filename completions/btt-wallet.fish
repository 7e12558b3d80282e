# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_btt_wallet_global_optspecs
    string join \n json q/quiet v/verbose password-file= unsafe-password= ledger= rpc-url= confirmations= wbtt= contracts= gas-limit= dev base-units h/help V/version
end

function __fish_btt_wallet_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_btt_wallet_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_btt_wallet_using_subcommand
    set -l cmd (__fish_btt_wallet_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s V -l version -d 'Print version'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "new" -d 'Create a wallet from a new 24-word mnemonic'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "import" -d 'Store an existing mnemonic or private key as a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "list" -d 'List wallets and their addresses'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "address" -d 'Print the TRON address and the EVM (0x, EIP-55) address of a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "sign" -d 'Sign a message (TRON signMessageV2)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "verify" -d 'Check that ADDRESS signed MESSAGE (exit 0 if so, 1 if not)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "send" -d 'Build, sign and send a transfer of BTT or TRX (or only print it with --sign-only)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "balance" -d 'Show the BTT and TRX balance of a wallet or address'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "faucet" -d 'Mint test funds (development ledgers only)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "broadcast" -d 'Submit a signed transaction (from send --sign-only)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "history" -d 'List the transfers of a wallet or address'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "tx" -d 'Look up transactions by txID; - reads txIDs or receipts (btt-tip\'s, btt-wallet\'s) from stdin'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "node" -d 'Serve the embedded ledger over the TRON HTTP API subset'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "channel" -d 'Open, close and refund payment channels'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "voucher" -d 'As a channel\'s payer, sign a voucher for a cumulative amount'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "deploy" -d 'Put btt\'s channels, purchases and campaigns contracts on an EVM chain (with --gas-limit 2000000)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l name -d 'Name of the wallet (letters, digits, \'_\' and \'-\')' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l show-mnemonic -d 'Print the mnemonic on stdout (otherwise it is shown on stderr only when that is a terminal)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l name -d 'Name of the wallet (letters, digits, \'_\' and \'-\')' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l mnemonic-file -d 'File holding a BIP39 mnemonic (- for stdin); the key is m/44\'/195\'/0\'/0/0' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l private-key-file -d 'File holding a private key as 64 hex digits (- for stdin)' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l keystore-file -d 'A Web3 v3 keystore made by another wallet; it is opened with the password' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l plain -d 'Print only the TRON address, bare, on a terminal and in a pipe (for `$(...)`)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l evm -d 'With --plain, print the EVM (0x, EIP-55) address instead'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l from -d 'Wallet that signs' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l plain -d 'Print only the signature, bare, on a terminal and in a pipe'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l from -d 'Wallet that pays' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l memo -d 'Memo stored in the transaction (raw_data.data)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l fee-limit -d 'Most sun a TRC-20 transfer may burn' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l ref-block-bytes -d 'Bytes 6..8 of a recent block id, 4 hex digits: with --sign-only, to sign with no ledger reachable' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l ref-block-hash -d 'Bytes 8..16 of that block id, 16 hex digits (with --ref-block-bytes)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l timestamp -d 'Creation time in milliseconds since the epoch (default: now)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l expiration -d 'Expiry time in milliseconds since the epoch (default: 60 s after the timestamp)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l plain -d 'Print only the txID, bare, on a terminal and in a pipe (not with --sign-only)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l trc20 -d 'On btt\'s ledgers: send the TRC-20 BTT (18 decimals) instead of the ledger\'s TRC-10-shaped BTT (on TRON, BTT is the TRC-20 already)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l sign-only -d 'Print the signed transaction instead of sending it; it names the ledger\'s latest block, or the one the --ref-block flags give'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand balance" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand faucet" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand broadcast" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand history" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand tx" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l listen -d 'Address to listen on' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand node" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -f -a "open" -d 'Lock an amount for a payee until a timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -f -a "close" -d 'As the payee, redeem the highest voucher read from FILE (- for stdin) and close'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -f -a "refund" -d 'As the payer, take back the unredeemed funds after the timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -f -a "list" -d 'The channels a wallet pays into or is paid through'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and not __fish_seen_subcommand_from open close refund list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l from -d 'Wallet that pays' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l timeout -d 'How long until the payer may take the funds back (e.g. 24h)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from open" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l from -d 'Payee wallet (default: the wallet here whose address the vouchers name); the payee closes, the payer only signs vouchers' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from close" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l from -d 'Wallet that paid' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from refund" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l from -d 'Wallet name or address (default: every wallet here)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from help" -f -a "open" -d 'Lock an amount for a payee until a timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from help" -f -a "close" -d 'As the payee, redeem the highest voucher read from FILE (- for stdin) and close'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from help" -f -a "refund" -d 'As the payer, take back the unredeemed funds after the timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from help" -f -a "list" -d 'The channels a wallet pays into or is paid through'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand channel; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l from -d 'Wallet that paid into the channel' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand voucher" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l from -d 'Wallet that pays for the deployment' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "new" -d 'Create a wallet from a new 24-word mnemonic'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "import" -d 'Store an existing mnemonic or private key as a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "list" -d 'List wallets and their addresses'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "address" -d 'Print the TRON address and the EVM (0x, EIP-55) address of a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "sign" -d 'Sign a message (TRON signMessageV2)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "verify" -d 'Check that ADDRESS signed MESSAGE (exit 0 if so, 1 if not)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "send" -d 'Build, sign and send a transfer of BTT or TRX (or only print it with --sign-only)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "balance" -d 'Show the BTT and TRX balance of a wallet or address'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "faucet" -d 'Mint test funds (development ledgers only)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "broadcast" -d 'Submit a signed transaction (from send --sign-only)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "history" -d 'List the transfers of a wallet or address'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "tx" -d 'Look up transactions by txID; - reads txIDs or receipts (btt-tip\'s, btt-wallet\'s) from stdin'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "node" -d 'Serve the embedded ledger over the TRON HTTP API subset'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "channel" -d 'Open, close and refund payment channels'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "voucher" -d 'As a channel\'s payer, sign a voucher for a cumulative amount'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "deploy" -d 'Put btt\'s channels, purchases and campaigns contracts on an EVM chain (with --gas-limit 2000000)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send balance faucet broadcast history tx node channel voucher deploy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and __fish_seen_subcommand_from channel" -f -a "open" -d 'Lock an amount for a payee until a timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and __fish_seen_subcommand_from channel" -f -a "close" -d 'As the payee, redeem the highest voucher read from FILE (- for stdin) and close'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and __fish_seen_subcommand_from channel" -f -a "refund" -d 'As the payer, take back the unredeemed funds after the timeout'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and __fish_seen_subcommand_from channel" -f -a "list" -d 'The channels a wallet pays into or is paid through'
