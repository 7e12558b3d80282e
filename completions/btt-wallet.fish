# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_btt_wallet_global_optspecs
    string join \n json q/quiet v/verbose password-file= unsafe-password= h/help V/version
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
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -s V -l version -d 'Print version'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "new" -d 'Create a wallet from a new 24-word mnemonic'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "import" -d 'Store an existing mnemonic or private key as a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "list" -d 'List wallets and their addresses'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "address" -d 'Print the address of a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "sign" -d 'Sign a message (TRON signMessageV2)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "verify" -d 'Check that ADDRESS signed MESSAGE (exit 0 if so, 1 if not)'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "send" -d 'Build and sign a transfer of BTT or TRX'
complete -c btt-wallet -n "__fish_btt_wallet_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l name -d 'Name of the wallet (letters, digits, \'_\' and \'-\')' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l show-mnemonic -d 'Print the mnemonic on stdout (otherwise it is shown on stderr only when that is a terminal)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand new" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l name -d 'Name of the wallet (letters, digits, \'_\' and \'-\')' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l mnemonic-file -d 'File holding a BIP39 mnemonic (- for stdin); the key is m/44\'/195\'/0\'/0/0' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l private-key-file -d 'File holding a private key as 64 hex digits (- for stdin)' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l keystore-file -d 'A Web3 v3 keystore made by another wallet; it is opened with the password' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand import" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand list" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand address" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l from -d 'Wallet that signs' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand sign" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand verify" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l from -d 'Wallet that pays' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l memo -d 'Memo stored in the transaction (raw_data.data)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l fee-limit -d 'Most sun a TRC-20 transfer may burn' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l ref-block-bytes -d 'Bytes 6..8 of a recent block id, 4 hex digits' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l ref-block-hash -d 'Bytes 8..16 of that block id, 16 hex digits' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l timestamp -d 'Creation time in milliseconds since the epoch (default: now)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l expiration -d 'Expiry time in milliseconds since the epoch (default: 60 s after the timestamp)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l trc20 -d 'Send the TRC-20 BTT (18 decimals) instead of the TRC-10 BTT'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l sign-only -d 'Print the signed transaction instead of sending it (required until ledgers land)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand send" -s h -l help -d 'Print help'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "new" -d 'Create a wallet from a new 24-word mnemonic'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "import" -d 'Store an existing mnemonic or private key as a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "list" -d 'List wallets and their addresses'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "address" -d 'Print the address of a wallet'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "sign" -d 'Sign a message (TRON signMessageV2)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "verify" -d 'Check that ADDRESS signed MESSAGE (exit 0 if so, 1 if not)'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "send" -d 'Build and sign a transfer of BTT or TRX'
complete -c btt-wallet -n "__fish_btt_wallet_using_subcommand help; and not __fish_seen_subcommand_from new import list address sign verify send help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
