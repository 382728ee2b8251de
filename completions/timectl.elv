
use builtin;
use str;

set edit:completion:arg-completer[timectl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'timectl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'timectl'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers'
            cand check 'Run the monitoring checklist over the fleet for a window and give a verdict'
            cand exporter 'Serve the checklist and the nodes'' facts as Prometheus metrics'
            cand fleet 'Derive files for other tools from the fleet file'
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand logs 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
            cand tui 'Watch the fleet live: nodes, links, the checklist and the classified log'
            cand demo 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
            cand lock 'Show, take or release the deploy lock on nodes (maintenance windows)'
            cand deploy 'Roll a new version out to the fleet, quorum-safe, gated on chain health'
            cand rollback 'Return nodes to the version recorded before the last deploy'
            cand completions 'Print the shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;status'= {
            cand --output 'text (a table) or json (`{"nodes": [...]}`; with --watch, one object a line)'
            cand --watch 'Probe again every INTERVAL (e.g. 5s) over the same connections, until Ctrl-C; the exit code is that of the last round'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;check'= {
            cand --window 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table''s, else 60s]'
            cand --backoff-spam 'Failed connects per node in the window that count as backoff spam'
            cand --height-spread 'Blocks the nodes'' final heights may differ by'
            cand --stale-block-age 'A last block older than this is stale (e.g. 2m)'
            cand --expect-commit 'The commit every node must run [default: each node''s repo HEAD]'
            cand --output 'What goes to stdout'
            cand --json 'Also write the JSON report to FILE, from the same run'
            cand --junit 'Also write the JUnit XML report to FILE, from the same run'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand -v 'Show the evidence of passing items too'
            cand --verbose 'Show the evidence of passing items too'
            cand --watch 'Check again every window until Ctrl-C, printing only the items whose status changed, each with a timestamp (text, or JSON lines)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;exporter'= {
            cand --listen 'Where to serve /metrics'
            cand --window 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table''s, else 60s]'
            cand --backoff-spam 'Failed connects per node in the window that count as backoff spam'
            cand --height-spread 'Blocks the nodes'' final heights may differ by'
            cand --stale-block-age 'A last block older than this is stale (e.g. 2m)'
            cand --expect-commit 'The commit every node must run [default: each node''s repo HEAD]'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;fleet'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
            cand sd 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;fleet;sd'= {
            cand --write 'Write the list to FILE (a temporary file renamed over it, so Prometheus never reads half a list) instead of stdout'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;fleet;help'= {
            cand sd 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;fleet;help;sd'= {
        }
        &'timectl;fleet;help;help'= {
        }
        &'timectl;devnet'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
            cand up 'Start N daemons that outlive this command; write DIR/fleet.toml'
            cand status 'Show which recorded daemons still run'
            cand down 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
            cand restart 'Restart one daemon with the flags it was started with'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;devnet;up'= {
            cand --dir 'Directory holding devnet.json, fleet.toml and each node''s data and log'
            cand --nodes 'How many daemons'
            cand --block-interval 'Time between block rounds (e.g. 2s)'
            cand --min-masternodes 'Active masternodes needed to produce blocks [default: 3, or N if smaller]'
            cand --network 'Network name the daemons use'
            cand --timed 'The timed executable [default: next to timectl, else on PATH]'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;devnet;status'= {
            cand --dir 'Directory holding devnet.json, fleet.toml and each node''s data and log'
            cand --output 'text or json (`{"nodes": [{"name", "pid", "running", "p2p", "rpc"}]}`)'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;devnet;down'= {
            cand --dir 'Directory holding devnet.json, fleet.toml and each node''s data and log'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;devnet;restart'= {
            cand --dir 'Directory holding devnet.json, fleet.toml and each node''s data and log'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;devnet;help'= {
            cand up 'Start N daemons that outlive this command; write DIR/fleet.toml'
            cand status 'Show which recorded daemons still run'
            cand down 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
            cand restart 'Restart one daemon with the flags it was started with'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;devnet;help;up'= {
        }
        &'timectl;devnet;help;status'= {
        }
        &'timectl;devnet;help;down'= {
        }
        &'timectl;devnet;help;restart'= {
        }
        &'timectl;devnet;help;help'= {
        }
        &'timectl;logs'= {
            cand --since 'Start of the window: a duration back from now (`10m`, `2h 30m`) or a time journalctl understands (`2026-11-25 04:00:00`, `today`)'
            cand -n 'Past lines shown first when neither --since nor a cursor says where to start'
            cand --lines 'Past lines shown first when neither --since nor a cursor says where to start'
            cand --events 'Only lines carrying one of these kinds (comma-separated)'
            cand --grep 'Only lines matching this regex'
            cand --output 'Output shape: coloured lines with kind badges, or one JSON object per line (`line`, `kinds`, `peer`, `node`, numbers; stream markers carry `marker`)'
            cand --from-file 'Classify a saved log (plain text or `journalctl -o json` lines) instead of streaming nodes; `-` reads stdin'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand -f 'Keep streaming new lines; a lost stream is reconnected and resumed'
            cand --follow 'Keep streaming new lines; a lost stream is reconnected and resumed'
            cand --summary 'Count lines per node and kind over the window, then print a table (or JSON)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;tui'= {
            cand --interval 'How often each node is probed'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;demo'= {
            cand --nodes 'How many daemons'
            cand --block-interval 'Time between block rounds'
            cand --interval 'How often each node is probed'
            cand --timed 'The timed executable [default: next to timectl, else on PATH]'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;lock'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
            cand status 'Who holds the lock on each node, since when, and whether it is stale'
            cand acquire 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
            cand release 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;lock;status'= {
            cand --output 'text (a table) or json'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;lock;acquire'= {
            cand --output 'text (a table) or json'
            cand -m 'Why: shown to anyone refused by this lock'
            cand --message 'Why: shown to anyone refused by this lock'
            cand --ttl 'After this long others may take it over with --steal-stale (e.g. 2h) [default: 8h]'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --steal-stale 'Take over locks past their TTL'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;lock;release'= {
            cand --output 'text (a table) or json'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --force-unlock 'Break locks held by anyone (recorded in the node''s audit log)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;lock;help'= {
            cand status 'Who holds the lock on each node, since when, and whether it is stale'
            cand acquire 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
            cand release 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;lock;help;status'= {
        }
        &'timectl;lock;help;acquire'= {
        }
        &'timectl;lock;help;release'= {
        }
        &'timectl;lock;help;help'= {
        }
        &'timectl;deploy'= {
            cand --ref 'Deploy this branch, tag or commit instead of pulling the checked-out branch'
            cand -m 'Why: recorded in the lock and the audit log'
            cand --message 'Why: recorded in the lock and the audit log'
            cand --output 'text (progress and a summary) or json (one event per line, then the summary)'
            cand --max-unavailable 'At most this many nodes restarting at once (never more than the quorum allows)'
            cand --gate-timeout 'How long a restarted node has to pass its health gate'
            cand --parallel 'Nodes pulling and building at once'
            cand --build-on 'Build only on this node, then copy its binary to the others (checksum verified on arrival): for fleets of identical hosts'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --dry-run 'Print the plan (nodes, batches, commands, target commit) and change nothing'
            cand -y 'Do not ask for confirmation (required without a terminal)'
            cand --yes 'Do not ask for confirmation (required without a terminal)'
            cand --allow-dirty 'Deploy even when tracked files in a node''s repo are modified'
            cand --steal-stale 'Take over deploy locks past their TTL (recorded on the node)'
            cand --force-unlock 'Break any deploy lock (recorded on the node)'
            cand --no-rollback 'Leave a node that fails its gate on the new version'
            cand --rollback-all 'When a gate fails, also roll back the nodes already deployed'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;rollback'= {
            cand -m 'Why: recorded in the lock and the audit log'
            cand --message 'Why: recorded in the lock and the audit log'
            cand --output 'text (progress and a summary) or json (one event per line, then the summary)'
            cand --gate-timeout 'How long a node has to pass its health gate on the old version'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand -y 'Do not ask for confirmation (required without a terminal)'
            cand --yes 'Do not ask for confirmation (required without a terminal)'
            cand --steal-stale 'Take over deploy locks past their TTL (recorded on the node)'
            cand --force-unlock 'Break any deploy lock (recorded on the node)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'timectl;completions'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;help'= {
            cand status 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers'
            cand check 'Run the monitoring checklist over the fleet for a window and give a verdict'
            cand exporter 'Serve the checklist and the nodes'' facts as Prometheus metrics'
            cand fleet 'Derive files for other tools from the fleet file'
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand logs 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
            cand tui 'Watch the fleet live: nodes, links, the checklist and the classified log'
            cand demo 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
            cand lock 'Show, take or release the deploy lock on nodes (maintenance windows)'
            cand deploy 'Roll a new version out to the fleet, quorum-safe, gated on chain health'
            cand rollback 'Return nodes to the version recorded before the last deploy'
            cand completions 'Print the shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;help;status'= {
        }
        &'timectl;help;check'= {
        }
        &'timectl;help;exporter'= {
        }
        &'timectl;help;fleet'= {
            cand sd 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)'
        }
        &'timectl;help;fleet;sd'= {
        }
        &'timectl;help;devnet'= {
            cand up 'Start N daemons that outlive this command; write DIR/fleet.toml'
            cand status 'Show which recorded daemons still run'
            cand down 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone'
            cand restart 'Restart one daemon with the flags it was started with'
        }
        &'timectl;help;devnet;up'= {
        }
        &'timectl;help;devnet;status'= {
        }
        &'timectl;help;devnet;down'= {
        }
        &'timectl;help;devnet;restart'= {
        }
        &'timectl;help;logs'= {
        }
        &'timectl;help;tui'= {
        }
        &'timectl;help;demo'= {
        }
        &'timectl;help;lock'= {
            cand status 'Who holds the lock on each node, since when, and whether it is stale'
            cand acquire 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)'
            cand release 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)'
        }
        &'timectl;help;lock;status'= {
        }
        &'timectl;help;lock;acquire'= {
        }
        &'timectl;help;lock;release'= {
        }
        &'timectl;help;deploy'= {
        }
        &'timectl;help;rollback'= {
        }
        &'timectl;help;completions'= {
        }
        &'timectl;help;help'= {
        }
    ]
    $completions[$command]
}
