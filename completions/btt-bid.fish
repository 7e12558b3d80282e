# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_btt_bid_global_optspecs
    string join \n json q/quiet v/verbose h/help V/version
end

function __fish_btt_bid_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_btt_bid_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_btt_bid_using_subcommand
    set -l cmd (__fish_btt_bid_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c btt-bid -n "__fish_btt_bid_needs_command" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -s h -l help -d 'Print help'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -s V -l version -d 'Print version'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "quote" -d 'Hear a swarm\'s sellers for a while and print their asks: lowest, median, how many sell'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "plan" -d 'Plan a bid from a budget and a deadline at the asks quoted, as a record btt-get - takes'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "status" -d 'List every running btt-get that buys on this machine: speed, progress, price, spent, budget, ETA'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "set" -d 'Change the bid or the budget of a running download (a bid set by hand turns its auto-bid off)'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "stop" -d 'Stop paying for a running download; it goes on free (a later set pays again)'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l timeout -d 'How long to listen to the swarm\'s peers (and to fetch a magnet link\'s metadata)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l peer -d 'Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l listen -d 'Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next free one, on every IPv4 and every IPv6 address]' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l max-peers -d 'The most peers connected at once, per torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l max-connections -d 'The most peer connections of the whole process, over every torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l encryption -d 'Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to plain, and accepts both; `require` refuses plain peers; `off` speaks plain only' -r -f -a "require\t'RC4-encrypted connections only'
prefer\t'Encrypted when the peer can, else plain'
off\t'Plain BitTorrent only'"
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l utp -d 'uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port' -r -f -a "on\t'TCP and uTP, both ways'
off\t'TCP only'
only\t'uTP only'"
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l dht-listen -d 'UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l dht-bootstrap -d 'Join the DHT through this node (repeatable; implies --dht); `none` starts a new network without the public routers, which are used only when neither this nor a saved routing table exists' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l no-tracker -d 'Do not announce to the torrent\'s trackers'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l dht -d 'Find and announce peers through the DHT (the default; never for private torrents)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l no-dht -d 'Do not use the DHT'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand quote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l budget -d 'The most the download may cost, e.g. 20BTT' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l deadline -d 'When the download must be done, from its start, e.g. 30m' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l timeout -d 'How long to listen to the swarm\'s peers (not with -)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l peer -d 'Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l listen -d 'Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next free one, on every IPv4 and every IPv6 address]' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l max-peers -d 'The most peers connected at once, per torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l max-connections -d 'The most peer connections of the whole process, over every torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l encryption -d 'Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to plain, and accepts both; `require` refuses plain peers; `off` speaks plain only' -r -f -a "require\t'RC4-encrypted connections only'
prefer\t'Encrypted when the peer can, else plain'
off\t'Plain BitTorrent only'"
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l utp -d 'uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port' -r -f -a "on\t'TCP and uTP, both ways'
off\t'TCP only'
only\t'uTP only'"
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l dht-listen -d 'UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l dht-bootstrap -d 'Join the DHT through this node (repeatable; implies --dht); `none` starts a new network without the public routers, which are used only when neither this nor a saved routing table exists' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l no-tracker -d 'Do not announce to the torrent\'s trackers'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l dht -d 'Find and announce peers through the DHT (the default; never for private torrents)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l no-dht -d 'Do not use the DHT'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand status" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand status" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand status" -s h -l help -d 'Print help'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -l pid -d 'The btt-get process, when several download the same torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -l budget -d 'The new budget of the run, e.g. 30BTT (not below what it has paid)' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand set" -s h -l help -d 'Print help'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand stop" -l pid -d 'The btt-get process, when several download the same torrent' -r
complete -c btt-bid -n "__fish_btt_bid_using_subcommand stop" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand stop" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand stop" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand stop" -s h -l help -d 'Print help'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "quote" -d 'Hear a swarm\'s sellers for a while and print their asks: lowest, median, how many sell'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "plan" -d 'Plan a bid from a budget and a deadline at the asks quoted, as a record btt-get - takes'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "status" -d 'List every running btt-get that buys on this machine: speed, progress, price, spent, budget, ETA'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "set" -d 'Change the bid or the budget of a running download (a bid set by hand turns its auto-bid off)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "stop" -d 'Stop paying for a running download; it goes on free (a later set pays again)'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from quote plan status set stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
