# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_timectl_global_optspecs
    string join \n fleet= accept-new-host-keys h/help V/version
end

function __fish_timectl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_timectl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_timectl_using_subcommand
    set -l cmd (__fish_timectl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c timectl -n "__fish_timectl_needs_command" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_needs_command" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_needs_command" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_needs_command" -s V -l version -d 'Print version'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "status" -d 'Show every node\'s state: reachable, commit vs HEAD, height, masternodes, peers'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "check" -d 'Run the monitoring checklist over the fleet for a window and give a verdict'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "exporter" -d 'Serve the checklist and the nodes\' facts as Prometheus metrics'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "fleet" -d 'Derive files for other tools from the fleet file'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "devnet" -d 'Run a local fleet of timed daemons on loopback'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "logs" -d 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "tui" -d 'Watch the fleet live: nodes, links, the checklist and the classified log'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "demo" -d 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "lock" -d 'Show, take or release the deploy lock on nodes (maintenance windows)'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "deploy" -d 'Roll a new version out to the fleet, quorum-safe, gated on chain health'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "rollback" -d 'Return nodes to the version recorded before the last deploy'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL'
complete -c timectl -n "__fish_timectl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand status" -l output -d 'text (a table) or json (`{"nodes": [...]}`; with --watch, one object a line)' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand status" -l watch -d 'Probe again every INTERVAL (e.g. 5s) over the same connections, until Ctrl-C; the exit code is that of the last round' -r
complete -c timectl -n "__fish_timectl_using_subcommand status" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand status" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand check" -l window -d 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table\'s, else 60s]' -r
complete -c timectl -n "__fish_timectl_using_subcommand check" -l backoff-spam -d 'Failed connects per node in the window that count as backoff spam' -r
complete -c timectl -n "__fish_timectl_using_subcommand check" -l height-spread -d 'Blocks the nodes\' final heights may differ by' -r
complete -c timectl -n "__fish_timectl_using_subcommand check" -l stale-block-age -d 'A last block older than this is stale (e.g. 2m)' -r
complete -c timectl -n "__fish_timectl_using_subcommand check" -l expect-commit -d 'The commit every node must run [default: each node\'s repo HEAD]' -r
complete -c timectl -n "__fish_timectl_using_subcommand check" -l output -d 'What goes to stdout' -r -f -a "text\t'The checklist with a glyph and a word per item (colour on a terminal)'
json\t'`{"verdict", "items": [{"id", "title", "status", "evidence"}]}`'
junit\t'JUnit XML: one testsuite, a testcase per item'
nagios\t'One Nagios plugin line with perfdata'"
complete -c timectl -n "__fish_timectl_using_subcommand check" -l json -d 'Also write the JSON report to FILE, from the same run' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand check" -l junit -d 'Also write the JUnit XML report to FILE, from the same run' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand check" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand check" -s v -l verbose -d 'Show the evidence of passing items too'
complete -c timectl -n "__fish_timectl_using_subcommand check" -l watch -d 'Check again every window until Ctrl-C, printing only the items whose status changed, each with a timestamp (text, or JSON lines)'
complete -c timectl -n "__fish_timectl_using_subcommand check" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l listen -d 'Where to serve /metrics' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l window -d 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table\'s, else 60s]' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l backoff-spam -d 'Failed connects per node in the window that count as backoff spam' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l height-spread -d 'Blocks the nodes\' final heights may differ by' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l stale-block-age -d 'A last block older than this is stale (e.g. 2m)' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l expect-commit -d 'The commit every node must run [default: each node\'s repo HEAD]' -r
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand exporter" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and not __fish_seen_subcommand_from sd help" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and not __fish_seen_subcommand_from sd help" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and not __fish_seen_subcommand_from sd help" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and not __fish_seen_subcommand_from sd help" -f -a "sd" -d 'Write the daemons\' metrics targets as a Prometheus file_sd list (JSON)'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and not __fish_seen_subcommand_from sd help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from sd" -l write -d 'Write the list to FILE (a temporary file renamed over it, so Prometheus never reads half a list) instead of stdout' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from sd" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from sd" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from sd" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from help" -f -a "sd" -d 'Write the daemons\' metrics targets as a Prometheus file_sd list (JSON)'
complete -c timectl -n "__fish_timectl_using_subcommand fleet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -f -a "up" -d 'Start N daemons that outlive this command; write DIR/fleet.toml'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -f -a "status" -d 'Show which recorded daemons still run'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -f -a "down" -d 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -f -a "restart" -d 'Restart one daemon with the flags it was started with'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and not __fish_seen_subcommand_from up status down restart help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l dir -d 'Directory holding devnet.json, fleet.toml and each node\'s data and log' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l nodes -d 'How many daemons' -r
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l block-interval -d 'Time between block rounds (e.g. 2s)' -r
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l min-masternodes -d 'Active masternodes needed to produce blocks [default: 3, or N if smaller]' -r
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l network -d 'Network name the daemons use' -r
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l timed -d 'The timed executable [default: next to timectl, else on PATH]' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from status" -l dir -d 'Directory holding devnet.json, fleet.toml and each node\'s data and log' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from status" -l output -d 'text or json (`{"nodes": [{"name", "pid", "running", "p2p", "rpc"}]}`)' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from status" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from status" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from down" -l dir -d 'Directory holding devnet.json, fleet.toml and each node\'s data and log' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from down" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from down" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from restart" -l dir -d 'Directory holding devnet.json, fleet.toml and each node\'s data and log' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from restart" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from restart" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start N daemons that outlive this command; write DIR/fleet.toml'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show which recorded daemons still run'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "restart" -d 'Restart one daemon with the flags it was started with'
complete -c timectl -n "__fish_timectl_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l since -d 'Start of the window: a duration back from now (`10m`, `2h 30m`) or a time journalctl understands (`2026-11-25 04:00:00`, `today`)' -r
complete -c timectl -n "__fish_timectl_using_subcommand logs" -s n -l lines -d 'Past lines shown first when neither --since nor a cursor says where to start' -r
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l events -d 'Only lines carrying one of these kinds (comma-separated)' -r
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l grep -d 'Only lines matching this regex' -r
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l output -d 'Output shape: coloured lines with kind badges, or one JSON object per line (`line`, `kinds`, `peer`, `node`, numbers; stream markers carry `marker`)' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l from-file -d 'Classify a saved log (plain text or `journalctl -o json` lines) instead of streaming nodes; `-` reads stdin' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand logs" -s f -l follow -d 'Keep streaming new lines; a lost stream is reconnected and resumed'
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l summary -d 'Count lines per node and kind over the window, then print a table (or JSON)'
complete -c timectl -n "__fish_timectl_using_subcommand logs" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand tui" -l interval -d 'How often each node is probed' -r
complete -c timectl -n "__fish_timectl_using_subcommand tui" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand tui" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand tui" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l nodes -d 'How many daemons' -r
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l block-interval -d 'Time between block rounds' -r
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l interval -d 'How often each node is probed' -r
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l timed -d 'The timed executable [default: next to timectl, else on PATH]' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand demo" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -f -a "status" -d 'Who holds the lock on each node, since when, and whether it is stale'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -f -a "acquire" -d 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -f -a "release" -d 'Release your own lock (or anyone\'s with --force-unlock, recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and not __fish_seen_subcommand_from status acquire release help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from status" -l output -d 'text (a table) or json' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from status" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from status" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -l output -d 'text (a table) or json' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -s m -l message -d 'Why: shown to anyone refused by this lock' -r
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -l ttl -d 'After this long others may take it over with --steal-stale (e.g. 2h) [default: 8h]' -r
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -l steal-stale -d 'Take over locks past their TTL'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from acquire" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from release" -l output -d 'text (a table) or json' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from release" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from release" -l force-unlock -d 'Break locks held by anyone (recorded in the node\'s audit log)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from release" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from help" -f -a "status" -d 'Who holds the lock on each node, since when, and whether it is stale'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from help" -f -a "acquire" -d 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from help" -f -a "release" -d 'Release your own lock (or anyone\'s with --force-unlock, recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand lock; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l ref -d 'Deploy this branch, tag or commit instead of pulling the checked-out branch' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -s m -l message -d 'Why: recorded in the lock and the audit log' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l output -d 'text (progress and a summary) or json (one event per line, then the summary)' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l max-unavailable -d 'At most this many nodes restarting at once (never more than the quorum allows)' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l gate-timeout -d 'How long a restarted node has to pass its health gate' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l parallel -d 'Nodes pulling and building at once' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l build-on -d 'Build only on this node, then copy its binary to the others (checksum verified on arrival): for fleets of identical hosts' -r
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l dry-run -d 'Print the plan (nodes, batches, commands, target commit) and change nothing'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -s y -l yes -d 'Do not ask for confirmation (required without a terminal)'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l allow-dirty -d 'Deploy even when tracked files in a node\'s repo are modified'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l steal-stale -d 'Take over deploy locks past their TTL (recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l force-unlock -d 'Break any deploy lock (recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l no-rollback -d 'Leave a node that fails its gate on the new version'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l rollback-all -d 'When a gate fails, also roll back the nodes already deployed'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -s m -l message -d 'Why: recorded in the lock and the audit log' -r
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l output -d 'text (progress and a summary) or json (one event per line, then the summary)' -r -f -a "text\t'A table for people (coloured on a terminal, NO_COLOR honoured)'
json\t'JSON for scripts'"
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l gate-timeout -d 'How long a node has to pass its health gate on the old version' -r
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -s y -l yes -d 'Do not ask for confirmation (required without a terminal)'
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l steal-stale -d 'Take over deploy locks past their TTL (recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l force-unlock -d 'Break any deploy lock (recorded on the node)'
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c timectl -n "__fish_timectl_using_subcommand completions" -l fleet -d 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)' -r -F
complete -c timectl -n "__fish_timectl_using_subcommand completions" -l accept-new-host-keys -d 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
complete -c timectl -n "__fish_timectl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "status" -d 'Show every node\'s state: reachable, commit vs HEAD, height, masternodes, peers'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "check" -d 'Run the monitoring checklist over the fleet for a window and give a verdict'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "exporter" -d 'Serve the checklist and the nodes\' facts as Prometheus metrics'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "fleet" -d 'Derive files for other tools from the fleet file'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "devnet" -d 'Run a local fleet of timed daemons on loopback'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "logs" -d 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "tui" -d 'Watch the fleet live: nodes, links, the checklist and the classified log'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "demo" -d 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "lock" -d 'Show, take or release the deploy lock on nodes (maintenance windows)'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "deploy" -d 'Roll a new version out to the fleet, quorum-safe, gated on chain health'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "rollback" -d 'Return nodes to the version recorded before the last deploy'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "completions" -d 'Print the shell completion script for SHELL'
complete -c timectl -n "__fish_timectl_using_subcommand help; and not __fish_seen_subcommand_from status check exporter fleet devnet logs tui demo lock deploy rollback completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from fleet" -f -a "sd" -d 'Write the daemons\' metrics targets as a Prometheus file_sd list (JSON)'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "up" -d 'Start N daemons that outlive this command; write DIR/fleet.toml'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "status" -d 'Show which recorded daemons still run'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "down" -d 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "restart" -d 'Restart one daemon with the flags it was started with'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from lock" -f -a "status" -d 'Who holds the lock on each node, since when, and whether it is stale'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from lock" -f -a "acquire" -d 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
complete -c timectl -n "__fish_timectl_using_subcommand help; and __fish_seen_subcommand_from lock" -f -a "release" -d 'Release your own lock (or anyone\'s with --force-unlock, recorded on the node)'
