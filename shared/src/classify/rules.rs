//! The phrase table: which wording means which event kind, for our daemon, the
//! incident daemon's many variants, and the upstream `time-masternode` daemon as
//! it logs today (v1.5.9).
//!
//! Each rule is a regex over the line with its ASCII letters lower-cased (so
//! "Connection" and "connection" both match; see `classifier`). Optional named groups carry what the
//! line tells: `addr` (the peer), `attempt`, `active`, `minimum`, `height`. A
//! `veto` group that takes part in the match cancels the rule: the regex crate has
//! no look-behind, so "already connected to" is matched whole and then refused.
//! The veto goes where the regex prefers it (a greedy optional group, a first
//! alternative): a summary tells it by a second regex (see `veto`), which
//! refuses a rule with it anywhere else.
//!
//! Correctness: the traps operators hit are excluded by the wording itself, and
//! the vector tests pin each of them: "Skipping outbound to ..." is not
//! `production_skipped` (it needs "block production"), "disconnected" is not
//! `connected` (the `\b` before "connected"), "closed by peer (EOF)" is not
//! `connection_reset`, "Sent ping" is not `ping_timeout`, and upstream's
//! "Skipping block production for height N: peer proposal has better VRF score"
//! (it deferred to a better proposer: the round is healthy) is vetoed.
//!
//! Upstream names peers by IP and dials the network's one port, so its
//! disconnect and duplicate lines give the peer as an IP (`{ip}`), with the port
//! of an inbound socket dropped: the same peer reads the same on every line.
//! It logs one event in several lines (a duplicate resolution is the decision,
//! the old link's writer evicted, then the old link's end); each line carries
//! its kind, so counts are of lines.

use super::EventKind;

/// A peer address as daemons print it: `1.2.3.4`, `1.2.3.4:24100`,
/// `[::1]:24100`, or `host.name:24100`. A bare word such as "Peer" is not one.
const ADDR: &str = r"(?:\[[0-9A-Za-z_:.%]+\](?::\d{1,5})?|\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|[A-Za-z0-9][0-9A-Za-z_.-]*:\d{1,5})";

/// A peer named by IP, as upstream does: `1.2.3.4`, `1.2.3.4:51000`, `::1` or
/// `[::1]:51000`; the group `addr` takes the IP alone.
const IP: &str =
    r"\[?(?P<addr>\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.%]*[0-9a-f])\]?(?::\d{1,5})?";

/// One wording of one kind.
pub(crate) struct Rule {
    pub(crate) kind: EventKind,
    /// Regex source; `{addr}` stands for [`ADDR`], `{ip}` for [`IP`].
    pattern: &'static str,
}

impl Rule {
    /// The regex source with the address patterns spliced in, for lower-cased text.
    ///
    /// Word boundaries are ASCII ones: a Unicode `\b` stops the regex crate's
    /// fast DFA on any line with non-ASCII bytes, and the incident's lines are full
    /// of emoji. Digits and spaces are ASCII ones too: Unicode `\d` is dozens of
    /// byte ranges, and with every IP pattern of the set repeating it, the set's
    /// lazy DFA outgrew its cache and fell back to a search 35 times slower. Every
    /// word and number we look for is ASCII, so nothing is lost. (The patterns
    /// use `\d` and `\s` only outside `[...]` classes, where this rewrite holds.)
    pub(crate) fn source(&self) -> String {
        self.pattern
            .replace("{addr}", ADDR)
            .replace("{ip}", IP)
            .replace(r"\b", r"(?-u:\b)")
            .replace(r"\d", "[0-9]")
            .replace(r"\s", r"(?-u:\s)")
    }
}

const fn rule(kind: EventKind, pattern: &'static str) -> Rule {
    Rule { kind, pattern }
}

/// Every wording we know. Order matters only for the peer address: the first
/// matching rule that captured one gives the line's peer.
pub(crate) const RULES: &[Rule] = &[
    // "Connection to 1.2.3.4 failed (attempt 4): ..." names the peer first.
    rule(
        EventKind::ConnectFailed,
        r"\bconnection to (?:peer:?\s*)?(?P<addr>{addr}) failed\b(?:\s*\((?:attempt|retry) #?(?P<attempt>\d+))?",
    ),
    rule(
        EventKind::ConnectFailed,
        r"\bfailed to connect to (?:peer:?\s*)?(?P<addr>{addr})(?:.*?\battempt #?(?P<attempt>\d+))?",
    ),
    rule(
        EventKind::Connected,
        r"(?P<veto>\b(?:already|not|still|is) )?\bconnected to (?:peer\b:?\s*)?(?P<addr>{addr})",
    ),
    // A handshake line that names no peer is still a handshake.
    rule(
        EventKind::HandshakeCompleted,
        r"\bhandshake (?:completed|complete|succeeded|successful)\b(?: with (?:peer:?\s*)?(?P<addr>{addr})?)?",
    ),
    // Upstream's own wording (it ends with its commit count) names the peer by
    // IP, as its every other line does; before the shared wording below, whose
    // `{addr}` keeps the port of an inbound socket.
    rule(
        EventKind::HandshakeAccepted,
        r"\bhandshake accepted from {ip} \(network: [^,)]*, commit: ",
    ),
    rule(
        EventKind::HandshakeAccepted,
        r"\b(?:handshake accepted|accepted handshake)\b(?: from (?:peer:?\s*)?(?P<addr>{addr})?)?",
    ),
    // Upstream's inbound drop names the socket; the peer is its IP.
    rule(
        EventKind::DuplicateRejected,
        r"\bdropping duplicate inbound from {ip} — connectionmanager\b",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\b(?:rejecting|rejected|closing|dropping) duplicate\b(?:.*?\b(?:from|to|with) (?:peer:?\s*)?(?P<addr>{addr}))?",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\bduplicate (?:(?:inbound|outbound) )?connection (?:from|to|with) (?:peer:?\s*)?(?P<addr>{addr}) (?:rejected|closed|dropped)\b",
    ),
    rule(
        EventKind::HandshakeAckFailed,
        r"\bhandshake ack (?:failed|timed? ?out)|\berror reading handshake ack\b|\bfailed to (?:read|receive) handshake ack\b",
    ),
    rule(
        EventKind::ConnectionReset,
        r"\bconnection reset\b|\breset by peer\b|\bos error 104\b|\beconnreset\b",
    ),
    rule(
        EventKind::PingTimeout,
        r"\bping (?:timeout|timed out)\b(?:.*?\b(?:from|to|for|with) (?:peer:?\s*)?(?P<addr>{addr}))?",
    ),
    // Upstream's flood before a handshake. (Its "ADDR sent message before
    // handshake" is word for word ours and the incident daemon's, so the rule
    // below reads it, port and all.)
    rule(
        EventKind::PreHandshakeMessage,
        r"\bpre-handshake flood from {ip}",
    ),
    rule(
        EventKind::PreHandshakeMessage,
        r"(?P<veto>\bhandshake: (?:temp-banned|renewed)\b.*)?(?:(?P<addr>{addr})\s+)?\bsent (?:a )?(?:message|data) before (?:completing )?(?:the )?handshake\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bskipping block production\b(?:(?P<veto> for height \d+: peer proposal has better vrf)|.*?\bonly (?P<active>\d+) masternodes? active\s*\(minimum (?P<minimum>\d+))?",
    ),
    rule(
        EventKind::BlockRound,
        r"\bstarting (?:a )?(?:new )?block round\b|\bnew block round\b",
    ),
    rule(
        EventKind::BlockProduced,
        r"\bproduced (?:a )?(?:new )?block\b|\bblock (?:#|at height |height )?\d+ produced\b|\bblock produced\b",
    ),
    // --- Upstream `time-masternode`: production blocked. The gate lines count
    // compatible peers against the peers needed; they fill `active`/`minimum`.
    // Its start ("Peer gate: waiting for 3 ...", logged on every boot) and its
    // timeout ("... proceeding solo") are not a blocked round.
    rule(
        EventKind::ProductionSkipped,
        r"\bpeer gate: (?P<active>\d+)/(?P<minimum>\d+) compatible peer",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bonly (?P<active>\d+) compatible peer(?:s|\(s\))? \(need (?P<minimum>\d+)\)",
    ),
    // Its chain checks before a round; the peer counts are kept when given.
    rule(
        EventKind::ProductionSkipped,
        r"\bblock production blocked\b(?:: only (?P<active>\d+) peers (?:agree|in sync at height \d+) \(need (?:at least )?(?P<minimum>\d+))?",
    ),
    // Behind (a minority fork, a catch-up, a fork at its height): it stops
    // producing until it has synced. (Its debug-level "Production paused: block
    // N scheduled at ..." is a block not due yet, not a stop.)
    rule(
        EventKind::ProductionSkipped,
        r"\bpausing production\b|\bsuspending block production\b|\bblocking production until\b|\bproduction paused: fork resolution\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bsyncing instead of producing\b|\bsyncing to majority chain before producing\b",
    ),
    // It cannot produce at all: no genesis, too few registered masternodes,
    // or a round that failed. ("Cannot produce blocks with <3 active
    // masternodes" is the second line of the CRITICAL count above: one event.)
    rule(
        EventKind::ProductionSkipped,
        r"\bcannot start block production\b|\bfailed to produce block\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bcannot produce block\b(?: - only (?P<active>\d+) registered masternodes? \(minimum (?P<minimum>\d+))?",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bbootstrap: waiting for ≥?(?P<minimum>\d+) masternodes before producing\b(?:.*?\((?P<active>\d+) registered)?",
    ),
    // The health monitor's "CRITICAL" is fewer than three active, which stops
    // production; its "WARNING" (three or four) does not.
    rule(
        EventKind::ProductionSkipped,
        r"\bcritical: (?P<active>\d+) active / \d+ total masternodes\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bfork prevention: (?:only (?P<active>\d+) active masternodes? \(minimum (?P<minimum>\d+) required\))?.*?\brefusing block production\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\binsufficient masternodes \((?P<active>\d+)\) for block production\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\binsufficient masternodes for block production: (?P<active>\d+) active\b(?: \(minimum (?P<minimum>\d+))?",
    ),
    // --- Upstream: duplicate resolution. It keeps the newer link (our daemon
    // rejects the newcomer); for an operator both are "a second link to a linked
    // peer was closed".
    rule(
        EventKind::DuplicateRejected,
        r"\bsimultaneous connection with {ip} — yielding\b",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\breplacing existing inbound slot for (?:whitelisted )?peer {ip}",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\bevicted writer for {ip} so superseded connection\b",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\boutbound to {ip} superseded (?:by newer session|before mark_connected)\b",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\binbound session for {ip} superseded\b",
    ),
    rule(
        EventKind::DuplicateRejected,
        r"\breplaced live writer for peer {ip}",
    ),
    // Its IP tie-break, at debug level only.
    rule(
        EventKind::DuplicateRejected,
        r"\brejecting inbound from {ip} — keeping\b",
    ),
    // --- Upstream: a link ended. A reset in the reason is `connection_reset`
    // by the rule above.
    rule(EventKind::Disconnected, r"\bconnection from {ip} ended\b"),
    rule(EventKind::Disconnected, r"\berror reading from {ip}"),
    rule(EventKind::Disconnected, r"\bconnection closed by {ip}"),
    rule(
        EventKind::Disconnected,
        r"\bconnection to {ip} ended (?:quickly|gracefully)\b",
    ),
    rule(EventKind::Disconnected, r"\breader channel closed for {ip}"),
    rule(
        EventKind::Disconnected,
        r"\bpeer {ip} reader channel closed\b",
    ),
    // Its reason lines. A link's end is then followed by "Unified message loop
    // ended for IP" and "Peer ADDR disconnected", the same event: kindless.
    rule(
        EventKind::Disconnected,
        r"\bpeer {ip} disconnected (?:\(eof\)|before handshake)",
    ),
    rule(
        EventKind::Disconnected,
        r"\bdisconnecting (?:non-whitelisted peer |peer )?{ip}",
    ),
    rule(
        EventKind::Disconnected,
        r"\bgenesis mismatch with whitelisted peer {ip} — disconnecting\b",
    ),
    rule(EventKind::Disconnected, r"\bkicked zombie peer {ip}"),
    rule(
        EventKind::Disconnected,
        r"\bmasternode {ip} marked inactive (?:\(connection lost\)|on disconnect)",
    ),
    rule(
        EventKind::Disconnected,
        r"\bmessage burst from {ip} tripped pre-channel gate — disconnecting\b",
    ),
    rule(
        EventKind::Disconnected,
        r"\bpre-handshake timeout from {ip} — no handshake received\b",
    ),
    rule(
        EventKind::Disconnected,
        r"\bfailed to send (?:initial ping|ping|handshake) to {ip}",
    ),
    rule(
        EventKind::Disconnected,
        r"\boversized frame from masternode/whitelisted peer {ip} — closing\b",
    ),
    rule(
        EventKind::Disconnected,
        r"\bclosing connection to {ip} \(banned\b",
    ),
    rule(
        EventKind::Disconnected,
        r"\bbroadcast to {ip} failed \([^)]*\), closing connection\b",
    ),
    // A handshake refused: the link ends before it began.
    rule(
        EventKind::Disconnected,
        r"\brejecting {ip} (?:-|—) (?:invalid magic bytes|protocol version \d+ is too old|running obsolete software)\b",
    ),
    rule(
        EventKind::Disconnected,
        r"\brejected inbound connection from {ip}",
    ),
    rule(EventKind::Disconnected, r"\btls handshake failed for {ip}"),
    // Its outbound TLS handshake failing is the dial failing.
    rule(
        EventKind::ConnectFailed,
        r"\btls handshake failed with {ip}",
    ),
    // Keepalive giving up (a whitelisted peer's missed pongs only warn).
    rule(
        EventKind::PingTimeout,
        r"\bdisconnecting non-whitelisted peer {ip} after \d+ missed pongs\b",
    ),
    rule(
        EventKind::PingTimeout,
        r"\bdisconnecting {ip} due to timeout\b",
    ),
    // The Ack of its handshake (debug level).
    rule(EventKind::HandshakeCompleted, r"\breceived ack from {ip}"),
    // --- Upstream: rounds, blocks, sync, partition.
    rule(
        EventKind::BlockRound,
        r"\bblock \d+ vrf sortition\b|\bvrf selected as block proposer\b",
    ),
    rule(
        EventKind::BlockFinalized,
        r"\bblock \d+ finalized via consensus\b|\bfallback: adding block \d+",
    ),
    rule(EventKind::Syncing, r"\bsyncing from peers: \d+"),
    rule(
        EventKind::NetworkPartition,
        r"\bnetwork partition detected\b",
    ),
    // --- Ours: consensus evidence. The id is the signer's hex key.
    rule(
        EventKind::Equivocation,
        r"\bmasternode [0-9a-f]{8,64} equivocated at height \d+ round \d+\b",
    ),
];

/// Where a produced or finalized block's height is written: `block 12`, `#12`,
/// `height 12`, `height=12`.
pub(crate) const HEIGHT: &str = r"(?:\bheight|\bblock|#)\s*[:=#]?\s*#?(\d{1,20})\b";
