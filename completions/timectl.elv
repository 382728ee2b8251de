
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
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand completions 'Print the shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;status'= {
            cand --output 'text (a table) or json (`{"nodes": [...]}`)'
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
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
        &'timectl;completions'= {
            cand --fleet 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)'
            cand --accept-new-host-keys 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'timectl;help'= {
            cand status 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers'
            cand devnet 'Run a local fleet of timed daemons on loopback'
            cand completions 'Print the shell completion script for SHELL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'timectl;help;status'= {
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
        &'timectl;help;completions'= {
        }
        &'timectl;help;help'= {
        }
    ]
    $completions[$command]
}
