# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_btt_seed_global_optspecs
    string join \n json q/quiet v/verbose h/help V/version
end

function __fish_btt_seed_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_btt_seed_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_btt_seed_using_subcommand
    set -l cmd (__fish_btt_seed_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c btt-seed -n "__fish_btt_seed_needs_command" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -s V -l version -d 'Print version'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "create" -d 'Create a .torrent from a file or directory'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "show" -d 'Show a torrent\'s name, info-hash, size, files, pieces, trackers, web seeds and magnet link'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "verify" -d 'Check the data of a torrent against its piece hashes'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "tracker" -d 'Run the embedded tracker (HTTP announce and scrape, and UDP on the same port)'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "run" -d 'Seed torrents from one process until stopped'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "status" -d 'List every torrent of every running btt-get and btt-seed run on this machine'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "add" -d 'Add .torrent files to a running btt-seed run'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "remove" -d 'Stop one torrent of a running btt-seed run and forget it'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "pause" -d 'Pause one torrent of a running btt-seed run (its swarm stops; it stays listed)'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "resume" -d 'Resume a paused torrent of a running btt-seed run'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "set" -d 'Change the upload and download limits, or the ask, of a torrent of a running process'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "earnings" -d 'List the payment channels paying a wallet: deposit, earned, pending, status'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "sell" -d 'Encrypt a file or directory for sale: NAME.age, its torrent, and a signed listing'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "deliver" -d 'Deliver the content key to every buyer who paid for a listing sold here; the ledger pays on delivery'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "config" -d 'Print the settings the config file and environment give every btt binary, and where each comes from'
complete -c btt-seed -n "__fish_btt_seed_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -s o -l output -d 'Where to write the .torrent [default: NAME.torrent]' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -s a -l announce -d 'Tracker announce URL; repeat for more tiers, or comma-separate URLs of one tier' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l web-seed -d 'Web seed URL (BEP 19): an http(s) server holding the files; repeat for more' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l piece-length -d 'Piece length, e.g. 256KiB [default: chosen from the total size]' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l comment -d 'A comment to store in the torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l creation-date -d 'Store this creation time (seconds since 1970); omitted by default so output is reproducible' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l private -d 'Mark the torrent private (no DHT, no peer exchange)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l hybrid -d 'Make a hybrid torrent (BEP 52): v1 and v2 hashes, pad files between files; v1 clients use it as before'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l v2 -d 'Make a v2-only torrent (BEP 52): SHA-256 merkle hashes, no v1 keys; clients without v2 can\'t use it'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l force -d 'Overwrite an existing output file'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand create" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand show" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand show" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand show" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand show" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand verify" -l data -d 'The directory that holds the content under the torrent\'s name' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand verify" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand verify" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand verify" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand verify" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -l listen -d 'Address for HTTP and UDP (the same port for both), IPv4 or IPv6 (`[::1]:6969`)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -l interval -d 'Announce interval told to clients' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand tracker" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l watch-dir -d 'Seed the .torrent files put in this directory (polled, so NFS works; a file is taken once it stopped changing and parses) and stop those removed from it' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l watch-every -d 'How often --watch-dir is looked at' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l data -d 'The directory that holds each torrent\'s content under the torrent\'s name' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l peer -d 'Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l listen -d 'Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next free one, on every IPv4 and every IPv6 address]' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l max-peers -d 'The most peers connected at once, per torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l max-connections -d 'The most peer connections of the whole process, over every torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l encryption -d 'Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to plain, and accepts both; `require` refuses plain peers; `off` speaks plain only' -r -f -a "require\t'RC4-encrypted connections only'
prefer\t'Encrypted when the peer can, else plain'
off\t'Plain BitTorrent only'"
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l utp -d 'uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port' -r -f -a "on\t'TCP and uTP, both ways'
off\t'TCP only'
only\t'uTP only'"
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l dht-listen -d 'UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l dht-bootstrap -d 'Join the DHT through this node (repeatable; implies --dht); `none` starts a new network without the public routers, which are used only when neither this nor a saved routing table exists' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l for -d 'Stop after this long (e.g. 6h); without it, run until interrupted' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l ratio -d 'Stop seeding a torrent once its upload/download ratio, counted over every run on this data here (the summary\'s lifetime_ratio), reaches this' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l up-limit -d 'Upload limit per second for all torrents together, e.g. 10MiB' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l torrent-up-limit -d 'Upload limit per second for each torrent, e.g. 2MiB' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l down-limit -d 'Download limit per second for all torrents together (for data still missing)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l torrent-down-limit -d 'Download limit per second for each torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l ask -d 'Sell the regular upload slots at no less than this price, e.g. 0.05BTT/MiB (needs --wallet)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l wallet -d 'The wallet that is paid (and signs redemptions)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l slots -d 'Regular upload slots (sold with --ask, given by tit-for-tat without)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l credit -d 'What a payer may be served beyond what it has paid, e.g. 16MiB' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l free-share -d 'The percentage of the upload limit free peers keep while paid slots send' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l redeem-every -d 'How often accepted vouchers are redeemed on the ledger while trading (and always at exit)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l redeem-above -d 'Redeem while trading only a voucher that adds at least this, e.g. 1BTT (default: ten times a redeem\'s fee now: nothing on btt\'s ledgers, gas on a chain); closing pays the rest' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l sell -d 'Deliver the content key of this listing (of btt-seed sell; repeatable) to every buyer who paid for it (needs --wallet)' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l deliver-every -d 'How often --sell looks on the ledger for paid purchases to deliver' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l rpc -d 'Answer Transmission\'s RPC (transmission-remote, Sonarr/Radarr, browser extensions) at http://ADDR/transmission/rpc [default ADDR: 127.0.0.1:9091]; an address that is not loopback needs a password' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l rpc-auth-file -d 'Require HTTP Basic auth with the USER:PASSWORD on the first line of this file' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l unsafe-rpc-auth -d 'Require HTTP Basic auth with this USER:PASSWORD (--rpc-auth-file wins); prefer the environment variable, which `ps` does not show' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l no-tracker -d 'Do not announce to the torrent\'s trackers'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l dht -d 'Find and announce peers through the DHT (the default; never for private torrents)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l no-dht -d 'Do not use the DHT'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l recheck -d 'Re-hash every piece before seeding'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -l every -d 'How often --watch prints' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -l watch -d 'Keep printing: the table redrawn in place on a terminal, a record per torrent per round in a pipe'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand status" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand add" -l pid -d 'The btt-seed run to add them to, when several run' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand add" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand add" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand add" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand add" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -l pid -d 'The process, when several run the same torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -l delete-data -d 'Delete the torrent\'s data and resume file as well'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand remove" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand pause" -l pid -d 'The process, when several run the same torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand pause" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand pause" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand pause" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand pause" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand resume" -l pid -d 'The process, when several run the same torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand resume" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand resume" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand resume" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand resume" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -l pid -d 'The process, when several run the same torrent' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -l up-limit -d 'The torrent\'s own upload limit per second, e.g. 2MiB; 0 is none' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -l down-limit -d 'The torrent\'s own download limit per second, e.g. 10MiB; 0 is none' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -l ask -d 'The ask of a torrent a btt-seed run --ask sells, e.g. 0.02BTT/MiB' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand set" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l wallet -d 'The wallet (or address) that was paid' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand earnings" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l price -d 'The price a buyer pays, e.g. 10BTT (in the chain\'s coin on an EVM chain)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l wallet -d 'The wallet that is paid and signs the listing' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -s o -l output -d 'Where to write the listing' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l expiry -d 'How long the listing stays on offer, e.g. 30d' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -s a -l announce -d 'Tracker announce URL; repeat for more tiers, or comma-separate URLs of one tier' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l web-seed -d 'Web seed URL (BEP 19): an http(s) server holding the files; repeat for more' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l piece-length -d 'Piece length, e.g. 256KiB [default: chosen from the total size]' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l private -d 'Mark the torrent private (no DHT, no peer exchange)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l hybrid -d 'Make a hybrid torrent (BEP 52): v1 and v2 hashes, pad files between files; v1 clients use it as before'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l v2 -d 'Make a v2-only torrent (BEP 52): SHA-256 merkle hashes, no v1 keys; clients without v2 can\'t use it'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l force -d 'Overwrite existing outputs'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand sell" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l wallet -d 'The wallet that sold (it is paid, and signs each delivery)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand deliver" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand config" -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand config" -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand config" -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand config" -s h -l help -d 'Print help'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "create" -d 'Create a .torrent from a file or directory'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "show" -d 'Show a torrent\'s name, info-hash, size, files, pieces, trackers, web seeds and magnet link'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "verify" -d 'Check the data of a torrent against its piece hashes'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "tracker" -d 'Run the embedded tracker (HTTP announce and scrape, and UDP on the same port)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "run" -d 'Seed torrents from one process until stopped'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "status" -d 'List every torrent of every running btt-get and btt-seed run on this machine'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "add" -d 'Add .torrent files to a running btt-seed run'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "remove" -d 'Stop one torrent of a running btt-seed run and forget it'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "pause" -d 'Pause one torrent of a running btt-seed run (its swarm stops; it stays listed)'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "resume" -d 'Resume a paused torrent of a running btt-seed run'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "set" -d 'Change the upload and download limits, or the ask, of a torrent of a running process'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "earnings" -d 'List the payment channels paying a wallet: deposit, earned, pending, status'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "sell" -d 'Encrypt a file or directory for sale: NAME.age, its torrent, and a signed listing'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "deliver" -d 'Deliver the content key to every buyer who paid for a listing sold here; the ledger pays on delivery'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "config" -d 'Print the settings the config file and environment give every btt binary, and where each comes from'
complete -c btt-seed -n "__fish_btt_seed_using_subcommand help; and not __fish_seen_subcommand_from create show verify tracker run status add remove pause resume set earnings sell deliver config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
