# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_btt_tip_global_optspecs
    string join \n json q/quiet v/verbose password-file= unsafe-password= ledger= rpc-url= confirmations= wbtt= contracts= gas-limit= dev base-units from= memo= id= max-tip= budget= journal= h/help V/version
end

function __fish_btt_tip_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_btt_tip_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_btt_tip_using_subcommand
    set -l cmd (__fish_btt_tip_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c btt-tip -n "__fish_btt_tip_needs_command" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l from -d 'Wallet that pays' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l memo -d 'Memo stored in the transaction (raw_data.data)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l id -d 'Client id: a tip with an id is paid at most once, however often it is run' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l max-tip -d 'The most one tip may be (e.g. 10BTT)' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l budget -d 'The most all tips together may be; a stream stops once it is spent' -r
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l journal -d 'The tip journal (default: DATA/tips.sqlite)' -r -F
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -s V -l version -d 'Print version'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -a "watch" -d 'Print each transfer ADDRESS receives, once and in order, and follow new ones'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -a "fund" -d 'Crowdfunding: create a campaign, pledge, show it, settle it after the deadline'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -a "buy" -d 'Buy a listing: pay into escrow, download the encrypted file, get the seller\'s key, decrypt'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -a "purchases" -d 'What a wallet bought: each purchase from the ledger, with its files where known here'
complete -c btt-tip -n "__fish_btt_tip_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l since -d 'Start from this long ago (1h, 30m) or this time (2026-05-01T12:00:00Z); default: now' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l interval -d 'How often to ask the ledger for new transfers' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l no-follow -d 'Print the transfers so far and exit instead of following'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand watch" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -f -a "create" -d 'Start a campaign: pledges are locked until it is settled after the deadline'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -f -a "pledge" -d 'Lock an amount in a campaign until it is settled'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -f -a "status" -d 'Show a campaign: raised, goal, deadline, pledgers'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -f -a "settle" -d 'After the deadline: pay the beneficiary if the goal was met, else refund every pledger (on a chain: the pledge of the --from wallet)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and not __fish_seen_subcommand_from create pledge status settle help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l title -d 'A title for people' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l goal -d 'The amount to raise, e.g. 1000BTT' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l deadline -d 'End of pledging: an RFC 3339 time (2026-12-31T00:00:00Z) or a duration from now (30days)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l beneficiary -d 'Who is paid if the goal is met: wallet name or address' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l from -d 'Wallet that signs as the creator (default: the beneficiary\'s wallet)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l from -d 'Wallet that pledges' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from pledge" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l from -d 'Wallet that sends the settlement on an EVM chain, and whose pledge comes back there when the goal was missed (btt\'s own ledgers settle without one)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from settle" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from help" -f -a "create" -d 'Start a campaign: pledges are locked until it is settled after the deadline'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from help" -f -a "pledge" -d 'Lock an amount in a campaign until it is settled'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show a campaign: raised, goal, deadline, pledgers'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from help" -f -a "settle" -d 'After the deadline: pay the beneficiary if the goal was met, else refund every pledger (on a chain: the pledge of the --from wallet)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand fund; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l from -d 'Wallet that pays' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -s o -l output -d 'Directory for the encrypted download and the plain files' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l torrent -d 'The listing\'s .torrent file, instead of fetching its metadata from peers by the magnet' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l deadline -d 'How long the seller has to deliver the key; after it the price is refunded' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l journal -d 'The purchase journal (default: DATA/purchases.sqlite)' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l peer -d 'Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l listen -d 'Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next free one, on every IPv4 and every IPv6 address]' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l max-peers -d 'The most peers connected at once, per torrent' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l max-connections -d 'The most peer connections of the whole process, over every torrent' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l encryption -d 'Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to plain, and accepts both; `require` refuses plain peers; `off` speaks plain only' -r -f -a "require\t'RC4-encrypted connections only'
prefer\t'Encrypted when the peer can, else plain'
off\t'Plain BitTorrent only'"
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l utp -d 'uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port' -r -f -a "on\t'TCP and uTP, both ways'
off\t'TCP only'
only\t'uTP only'"
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l dht-listen -d 'UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l dht-bootstrap -d 'Join the DHT through this node (repeatable; implies --dht); `none` starts a new network without the public routers, which are used only when neither this nor a saved routing table exists' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l up-limit -d 'Upload limit per second while downloading, e.g. 2MiB' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l down-limit -d 'Download limit per second, e.g. 10MiB' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l stall-timeout -d 'Give up the download (exit 4; nothing is paid before it completes, and a purchase paid by an earlier run stands: rerun to continue) when no data arrives for this long; 0 waits forever' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l metadata-timeout -d 'Give up (exit 4, nothing paid) when the metadata of the listing\'s magnet does not arrive within this long' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l status -d 'Only say where this listing\'s purchase stands (refunding it when the deadline passed undelivered)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l no-tracker -d 'Do not announce to the torrent\'s trackers'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l dht -d 'Find and announce peers through the DHT (the default; never for private torrents)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l no-dht -d 'Do not use the DHT'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand buy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l from -d 'Wallet whose purchases to list' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l journal -d 'The purchase journal (default: DATA/purchases.sqlite)' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -l base-units -d 'Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand purchases" -s h -l help -d 'Print help'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and not __fish_seen_subcommand_from watch fund buy purchases help" -f -a "watch" -d 'Print each transfer ADDRESS receives, once and in order, and follow new ones'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and not __fish_seen_subcommand_from watch fund buy purchases help" -f -a "fund" -d 'Crowdfunding: create a campaign, pledge, show it, settle it after the deadline'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and not __fish_seen_subcommand_from watch fund buy purchases help" -f -a "buy" -d 'Buy a listing: pay into escrow, download the encrypted file, get the seller\'s key, decrypt'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and not __fish_seen_subcommand_from watch fund buy purchases help" -f -a "purchases" -d 'What a wallet bought: each purchase from the ledger, with its files where known here'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and not __fish_seen_subcommand_from watch fund buy purchases help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and __fish_seen_subcommand_from fund" -f -a "create" -d 'Start a campaign: pledges are locked until it is settled after the deadline'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and __fish_seen_subcommand_from fund" -f -a "pledge" -d 'Lock an amount in a campaign until it is settled'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and __fish_seen_subcommand_from fund" -f -a "status" -d 'Show a campaign: raised, goal, deadline, pledgers'
complete -c btt-tip -n "__fish_btt_tip_using_subcommand help; and __fish_seen_subcommand_from fund" -f -a "settle" -d 'After the deadline: pay the beneficiary if the goal was met, else refund every pledger (on a chain: the pledge of the --from wallet)'
