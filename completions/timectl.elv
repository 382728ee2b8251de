
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
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand logs 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
            cand tui 'Watch the fleet live: nodes, links, the checklist and the classified log'
            cand demo 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
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
        &'timectl;completions'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;help'= {
            cand status 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers'
            cand check 'Run the monitoring checklist over the fleet for a window and give a verdict'
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand logs 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds'
            cand tui 'Watch the fleet live: nodes, links, the checklist and the classified log'
            cand demo 'Try the fleet tools on a local devnet: the dashboard, with keys to break it'
            cand completions 'Print the shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;help;status'= {
        }
        &'timectl;help;check'= {
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
        &'timectl;help;completions'= {
        }
        &'timectl;help;help'= {
        }
    ]
    $completions[$command]
}
