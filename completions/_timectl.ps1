
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'timectl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'timectl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'timectl' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the monitoring checklist over the fleet for a window and give a verdict')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve the checklist and the nodes'' facts as Prometheus metrics')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Derive files for other tools from the fleet file')
            [CompletionResult]::new('devnet', 'devnet', [CompletionResultType]::ParameterValue, 'Run a local fleet of timed daemons on loopback')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'Watch the fleet live: nodes, links, the checklist and the classified log')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try the fleet tools on a local devnet: the dashboard, with keys to break it')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Show, take or release the deploy lock on nodes (maintenance windows)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Roll a new version out to the fleet, quorum-safe, gated on chain health')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Return nodes to the version recorded before the last deploy')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;status' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (a table) or json (`{"nodes": [...]}`; with --watch, one object a line)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Probe again every INTERVAL (e.g. 5s) over the same connections, until Ctrl-C; the exit code is that of the last round')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;check' {
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table''s, else 60s]')
            [CompletionResult]::new('--backoff-spam', '--backoff-spam', [CompletionResultType]::ParameterName, 'Failed connects per node in the window that count as backoff spam')
            [CompletionResult]::new('--height-spread', '--height-spread', [CompletionResultType]::ParameterName, 'Blocks the nodes'' final heights may differ by')
            [CompletionResult]::new('--stale-block-age', '--stale-block-age', [CompletionResultType]::ParameterName, 'A last block older than this is stale (e.g. 2m)')
            [CompletionResult]::new('--expect-commit', '--expect-commit', [CompletionResultType]::ParameterName, 'The commit every node must run [default: each node''s repo HEAD]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What goes to stdout')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Also write the JSON report to FILE, from the same run')
            [CompletionResult]::new('--junit', '--junit', [CompletionResultType]::ParameterName, 'Also write the JUnit XML report to FILE, from the same run')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show the evidence of passing items too')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show the evidence of passing items too')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Check again every window until Ctrl-C, printing only the items whose status changed, each with a timestamp (text, or JSON lines)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;exporter' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where to serve /metrics')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'How long to watch the fleet (e.g. 30s, 2m) [default: the [check] table''s, else 60s]')
            [CompletionResult]::new('--backoff-spam', '--backoff-spam', [CompletionResultType]::ParameterName, 'Failed connects per node in the window that count as backoff spam')
            [CompletionResult]::new('--height-spread', '--height-spread', [CompletionResultType]::ParameterName, 'Blocks the nodes'' final heights may differ by')
            [CompletionResult]::new('--stale-block-age', '--stale-block-age', [CompletionResultType]::ParameterName, 'A last block older than this is stale (e.g. 2m)')
            [CompletionResult]::new('--expect-commit', '--expect-commit', [CompletionResultType]::ParameterName, 'The commit every node must run [default: each node''s repo HEAD]')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;fleet' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('sd', 'sd', [CompletionResultType]::ParameterValue, 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;fleet;sd' {
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the list to FILE (a temporary file renamed over it, so Prometheus never reads half a list) instead of stdout')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;fleet;help' {
            [CompletionResult]::new('sd', 'sd', [CompletionResultType]::ParameterValue, 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;fleet;help;sd' {
            break
        }
        'timectl;fleet;help;help' {
            break
        }
        'timectl;devnet' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start N daemons that outlive this command; write DIR/fleet.toml')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show which recorded daemons still run')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart one daemon with the flags it was started with')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;devnet;up' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory holding devnet.json, fleet.toml and each node''s data and log')
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'How many daemons')
            [CompletionResult]::new('--block-interval', '--block-interval', [CompletionResultType]::ParameterName, 'Time between block rounds (e.g. 2s)')
            [CompletionResult]::new('--min-masternodes', '--min-masternodes', [CompletionResultType]::ParameterName, 'Active masternodes needed to produce blocks [default: 3, or N if smaller]')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'Network name the daemons use')
            [CompletionResult]::new('--timed', '--timed', [CompletionResultType]::ParameterName, 'The timed executable [default: next to timectl, else on PATH]')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;devnet;status' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory holding devnet.json, fleet.toml and each node''s data and log')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text or json (`{"nodes": [{"name", "pid", "running", "p2p", "rpc"}]}`)')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;devnet;down' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory holding devnet.json, fleet.toml and each node''s data and log')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;devnet;restart' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory holding devnet.json, fleet.toml and each node''s data and log')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;devnet;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start N daemons that outlive this command; write DIR/fleet.toml')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show which recorded daemons still run')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart one daemon with the flags it was started with')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;devnet;help;up' {
            break
        }
        'timectl;devnet;help;status' {
            break
        }
        'timectl;devnet;help;down' {
            break
        }
        'timectl;devnet;help;restart' {
            break
        }
        'timectl;devnet;help;help' {
            break
        }
        'timectl;logs' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Start of the window: a duration back from now (`10m`, `2h 30m`) or a time journalctl understands (`2026-11-25 04:00:00`, `today`)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Past lines shown first when neither --since nor a cursor says where to start')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'Past lines shown first when neither --since nor a cursor says where to start')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Only lines carrying one of these kinds (comma-separated)')
            [CompletionResult]::new('--grep', '--grep', [CompletionResultType]::ParameterName, 'Only lines matching this regex')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output shape: coloured lines with kind badges, or one JSON object per line (`line`, `kinds`, `peer`, `node`, numbers; stream markers carry `marker`)')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Classify a saved log (plain text or `journalctl -o json` lines) instead of streaming nodes; `-` reads stdin')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep streaming new lines; a lost stream is reconnected and resumed')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep streaming new lines; a lost stream is reconnected and resumed')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Count lines per node and kind over the window, then print a table (or JSON)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;tui' {
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often each node is probed')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;demo' {
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'How many daemons')
            [CompletionResult]::new('--block-interval', '--block-interval', [CompletionResultType]::ParameterName, 'Time between block rounds')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'How often each node is probed')
            [CompletionResult]::new('--timed', '--timed', [CompletionResultType]::ParameterName, 'The timed executable [default: next to timectl, else on PATH]')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;lock' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Who holds the lock on each node, since when, and whether it is stale')
            [CompletionResult]::new('acquire', 'acquire', [CompletionResultType]::ParameterValue, 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;lock;status' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (a table) or json')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;lock;acquire' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (a table) or json')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Why: shown to anyone refused by this lock')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Why: shown to anyone refused by this lock')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'After this long others may take it over with --steal-stale (e.g. 2h) [default: 8h]')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--steal-stale', '--steal-stale', [CompletionResultType]::ParameterName, 'Take over locks past their TTL')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;lock;release' {
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (a table) or json')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--force-unlock', '--force-unlock', [CompletionResultType]::ParameterName, 'Break locks held by anyone (recorded in the node''s audit log)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;lock;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Who holds the lock on each node, since when, and whether it is stale')
            [CompletionResult]::new('acquire', 'acquire', [CompletionResultType]::ParameterValue, 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;lock;help;status' {
            break
        }
        'timectl;lock;help;acquire' {
            break
        }
        'timectl;lock;help;release' {
            break
        }
        'timectl;lock;help;help' {
            break
        }
        'timectl;deploy' {
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'Deploy this branch, tag or commit instead of pulling the checked-out branch')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Why: recorded in the lock and the audit log')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Why: recorded in the lock and the audit log')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (progress and a summary) or json (one event per line, then the summary)')
            [CompletionResult]::new('--max-unavailable', '--max-unavailable', [CompletionResultType]::ParameterName, 'At most this many nodes restarting at once (never more than the quorum allows)')
            [CompletionResult]::new('--gate-timeout', '--gate-timeout', [CompletionResultType]::ParameterName, 'How long a restarted node has to pass its health gate')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Nodes pulling and building at once')
            [CompletionResult]::new('--build-on', '--build-on', [CompletionResultType]::ParameterName, 'Build only on this node, then copy its binary to the others (checksum verified on arrival): for fleets of identical hosts')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan (nodes, batches, commands, target commit) and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--allow-dirty', '--allow-dirty', [CompletionResultType]::ParameterName, 'Deploy even when tracked files in a node''s repo are modified')
            [CompletionResult]::new('--steal-stale', '--steal-stale', [CompletionResultType]::ParameterName, 'Take over deploy locks past their TTL (recorded on the node)')
            [CompletionResult]::new('--force-unlock', '--force-unlock', [CompletionResultType]::ParameterName, 'Break any deploy lock (recorded on the node)')
            [CompletionResult]::new('--no-rollback', '--no-rollback', [CompletionResultType]::ParameterName, 'Leave a node that fails its gate on the new version')
            [CompletionResult]::new('--rollback-all', '--rollback-all', [CompletionResultType]::ParameterName, 'When a gate fails, also roll back the nodes already deployed')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;rollback' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Why: recorded in the lock and the audit log')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Why: recorded in the lock and the audit log')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'text (progress and a summary) or json (one event per line, then the summary)')
            [CompletionResult]::new('--gate-timeout', '--gate-timeout', [CompletionResultType]::ParameterName, 'How long a node has to pass its health gate on the old version')
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (required without a terminal)')
            [CompletionResult]::new('--steal-stale', '--steal-stale', [CompletionResultType]::ParameterName, 'Take over deploy locks past their TTL (recorded on the node)')
            [CompletionResult]::new('--force-unlock', '--force-unlock', [CompletionResultType]::ParameterName, 'Break any deploy lock (recorded on the node)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'timectl;completions' {
            [CompletionResult]::new('--fleet', '--fleet', [CompletionResultType]::ParameterName, 'The fleet file to use (instead of $TIMECTL_FLEET, ./fleet.toml, the XDG config dir)')
            [CompletionResult]::new('--accept-new-host-keys', '--accept-new-host-keys', [CompletionResultType]::ParameterName, 'Trust SSH host keys never seen before (accept-new) for every node; changed keys are still refused')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'timectl;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every node''s state: reachable, commit vs HEAD, height, masternodes, peers')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Run the monitoring checklist over the fleet for a window and give a verdict')
            [CompletionResult]::new('exporter', 'exporter', [CompletionResultType]::ParameterValue, 'Serve the checklist and the nodes'' facts as Prometheus metrics')
            [CompletionResult]::new('fleet', 'fleet', [CompletionResultType]::ParameterValue, 'Derive files for other tools from the fleet file')
            [CompletionResult]::new('devnet', 'devnet', [CompletionResultType]::ParameterValue, 'Run a local fleet of timed daemons on loopback')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Tail the journals of many nodes at once, merged, each line tagged with its event kinds')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'Watch the fleet live: nodes, links, the checklist and the classified log')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Try the fleet tools on a local devnet: the dashboard, with keys to break it')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Show, take or release the deploy lock on nodes (maintenance windows)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Roll a new version out to the fleet, quorum-safe, gated on chain health')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Return nodes to the version recorded before the last deploy')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'timectl;help;status' {
            break
        }
        'timectl;help;check' {
            break
        }
        'timectl;help;exporter' {
            break
        }
        'timectl;help;fleet' {
            [CompletionResult]::new('sd', 'sd', [CompletionResultType]::ParameterValue, 'Write the daemons'' metrics targets as a Prometheus file_sd list (JSON)')
            break
        }
        'timectl;help;fleet;sd' {
            break
        }
        'timectl;help;devnet' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start N daemons that outlive this command; write DIR/fleet.toml')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show which recorded daemons still run')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop exactly the recorded daemons (SIGTERM, then SIGKILL) and check they are gone')
            [CompletionResult]::new('restart', 'restart', [CompletionResultType]::ParameterValue, 'Restart one daemon with the flags it was started with')
            break
        }
        'timectl;help;devnet;up' {
            break
        }
        'timectl;help;devnet;status' {
            break
        }
        'timectl;help;devnet;down' {
            break
        }
        'timectl;help;devnet;restart' {
            break
        }
        'timectl;help;logs' {
            break
        }
        'timectl;help;tui' {
            break
        }
        'timectl;help;demo' {
            break
        }
        'timectl;help;lock' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Who holds the lock on each node, since when, and whether it is stale')
            [CompletionResult]::new('acquire', 'acquire', [CompletionResultType]::ParameterValue, 'Take the lock on every named node (all or none: on a refusal the ones taken are released again)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Release your own lock (or anyone''s with --force-unlock, recorded on the node)')
            break
        }
        'timectl;help;lock;status' {
            break
        }
        'timectl;help;lock;acquire' {
            break
        }
        'timectl;help;lock;release' {
            break
        }
        'timectl;help;deploy' {
            break
        }
        'timectl;help;rollback' {
            break
        }
        'timectl;help;completions' {
            break
        }
        'timectl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
