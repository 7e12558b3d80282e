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
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "status" -d 'List every running btt-get that buys on this machine: speed, progress, price, spent, budget, ETA'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "set" -d 'Change the bid or the budget of a running download'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "stop" -d 'Stop paying for a running download; it goes on free'
complete -c btt-bid -n "__fish_btt_bid_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from status set stop help" -f -a "status" -d 'List every running btt-get that buys on this machine: speed, progress, price, spent, budget, ETA'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from status set stop help" -f -a "set" -d 'Change the bid or the budget of a running download'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from status set stop help" -f -a "stop" -d 'Stop paying for a running download; it goes on free'
complete -c btt-bid -n "__fish_btt_bid_using_subcommand help; and not __fish_seen_subcommand_from status set stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
