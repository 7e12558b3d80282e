complete -c btt-get -s o -l output -d 'Directory to download into (the content goes under the torrent\'s name); with --metadata-only, the .torrent file to write' -r -F
complete -c btt-get -l metadata-timeout -d 'Give up (exit 4) when a magnet link\'s metadata does not arrive within this long' -r
complete -c btt-get -l peer -d 'Connect to this peer as well (repeatable): `IP:PORT`, an IPv6 address in brackets (`[::1]:6881`)' -r
complete -c btt-get -l listen -d 'Address to accept peers on, IPv4 or IPv6 (`[::1]:6881`) [default: port 6881, or the next free one, on every IPv4 and every IPv6 address]' -r
complete -c btt-get -l max-peers -d 'The most peers connected at once, per torrent' -r
complete -c btt-get -l max-connections -d 'The most peer connections of the whole process, over every torrent' -r
complete -c btt-get -l encryption -d 'Encryption of peer connections (MSE/PE): `prefer` dials encrypted and falls back to plain, and accepts both; `require` refuses plain peers; `off` speaks plain only' -r -f -a "require\t'RC4-encrypted connections only'
prefer\t'Encrypted when the peer can, else plain'
off\t'Plain BitTorrent only'"
complete -c btt-get -l utp -d 'uTP (BEP 29) beside TCP: `on` accepts both and dials TCP first, then uTP; `off` is TCP only; `only` is uTP only (no TCP listener). uTP listens on UDP at the --listen port' -r -f -a "on\t'TCP and uTP, both ways'
off\t'TCP only'
only\t'uTP only'"
complete -c btt-get -l dht-listen -d 'UDP address of the DHT node, answering queries at once; implies --dht [default: the --listen address]' -r
complete -c btt-get -l dht-bootstrap -d 'Join the DHT through this node (repeatable; implies --dht); `none` starts a new network without the public routers, which are used only when neither this nor a saved routing table exists' -r
complete -c btt-get -l select -d 'Download only these files (1-based, as listed by btt-seed show), e.g. 1,3-4' -r
complete -c btt-get -l seed-ratio -d 'After completing, seed until this upload/download ratio, counted over every run on this data here (the summary\'s lifetime_ratio)' -r
complete -c btt-get -l seed-time -d 'After completing, seed for this long (e.g. 30m)' -r
complete -c btt-get -l for -d 'Stop after this long in all, complete or not (e.g. 6h)' -r
complete -c btt-get -l stall-timeout -d 'Give up (exit 4) when no verified data arrives for this long while downloading, so an unattended run ends; 0 waits forever' -r
complete -c btt-get -l up-limit -d 'Upload limit per second, e.g. 2MiB' -r
complete -c btt-get -l down-limit -d 'Download limit per second, e.g. 10MiB' -r
complete -c btt-get -l on-complete -d 'Run this shell command on completion, with BTT_NAME, BTT_INFO_HASH and BTT_PATH set' -r
complete -c btt-get -l bid -d 'Bid this price for sellers\' upload slots, e.g. 0.05BTT/MiB (needs --wallet and --budget)' -r
complete -c btt-get -l budget -d 'The most to pay in this run, e.g. 20BTT' -r
complete -c btt-get -l deadline -d 'Auto-bid to finish within this long of the start, e.g. 30m: re-bid every rechoke from progress, never past --budget (needs --wallet and --budget; --bid is the first bid)' -r
complete -c btt-get -l wallet -d 'The wallet that pays' -r
complete -c btt-get -l channel-timeout -d 'How long a channel\'s deposit stays locked if a seller never closes it' -r
complete -c btt-get -l ledger -d 'Ledger: local (embedded, the default), bttc, bttc-donau, an http(s) URL (an EVM node or a btt node), tron-mainnet, tron-nile, or tron+URL of a TRON full node' -r
complete -c btt-get -l rpc-url -d 'With --ledger bttc or bttc-donau: this JSON-RPC endpoint instead of the public one (its chain id must match)' -r
complete -c btt-get -l confirmations -d 'On an EVM ledger: blocks on top of a transfer before it is reported (default: 0 for a node on this machine, else 3)' -r
complete -c btt-get -l wbtt -d 'On an EVM ledger: the WBTT (wrapped BTT, ERC-20) contract whose balance `balance` shows (default: BTTC mainnet\'s on --ledger bttc)' -r
complete -c btt-get -l contracts -d 'On an EVM ledger: where btt\'s contracts are, as CHANNELS,PURCHASES,CAMPAIGNS (what `btt-wallet deploy` prints)' -r
complete -c btt-get -l gas-limit -d 'On an EVM ledger: the most gas one transaction may use' -r
complete -c btt-get -l password-file -d 'Read the keystore password from the first line of FILE' -r -F
complete -c btt-get -l unsafe-password -d 'The keystore password itself (visible to other users in the process list)' -r
complete -c btt-get -l metadata-only -d 'Only fetch a magnet link\'s metadata and write it as a .torrent file (to -o, or NAME.torrent in it when it is a directory)'
complete -c btt-get -l no-tracker -d 'Do not announce to the torrent\'s trackers'
complete -c btt-get -l dht -d 'Find and announce peers through the DHT (the default; never for private torrents)'
complete -c btt-get -l no-dht -d 'Do not use the DHT'
complete -c btt-get -l sequential -d 'Download pieces in order, for playing while downloading'
complete -c btt-get -l stream -d 'Write the one file of --select to stdout in order as its pieces verify (implies --sequential), e.g. `| mpv -`; the file is still written and seeded as usual'
complete -c btt-get -l recheck -d 'Re-hash every piece on disk before starting'
complete -c btt-get -l dev -d 'Open the embedded ledger as a development ledger (the faucet mints)'
complete -c btt-get -l json -d 'Print NDJSON records on stdout even on a terminal'
complete -c btt-get -s q -l quiet -d 'Print nothing on stderr but fatal errors'
complete -c btt-get -s v -l verbose -d 'Print debugging detail on stderr'
complete -c btt-get -s h -l help -d 'Print help (see more with \'--help\')'
complete -c btt-get -s V -l version -d 'Print version'
