//! The phrase table: which wording means which event kind, for our daemon and for
//! the incident daemon's many variants.
//!
//! Each rule is a regex over the line with its ASCII letters lower-cased (so
//! "Connection" and "connection" both match; see `classifier`). Optional named groups carry what the
//! line tells: `addr` (the peer), `attempt`, `active`, `minimum`, `height`. A
//! `veto` group that takes part in the match cancels the rule: the regex crate has
//! no look-behind, so "already connected to" is matched whole and then refused.
//!
//! Correctness: the traps operators hit are excluded by the wording itself, and
//! the vector tests pin each of them: "Skipping outbound to ..." is not
//! `production_skipped` (it needs "block production"), "disconnected" is not
//! `connected` (the `\b` before "connected"), "closed by peer (EOF)" is not
//! `connection_reset`, "Sent ping" is not `ping_timeout`.

use super::EventKind;

/// A peer address as daemons print it: `1.2.3.4`, `1.2.3.4:24100`,
/// `[::1]:24100`, or `host.name:24100`. A bare word such as "Peer" is not one.
const ADDR: &str = r"(?:\[[0-9A-Fa-f:.%\w]+\](?::\d{1,5})?|\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?|[A-Za-z0-9][\w.-]*:\d{1,5})";

/// One wording of one kind.
pub(crate) struct Rule {
    pub(crate) kind: EventKind,
    /// Regex source; `{addr}` stands for [`ADDR`].
    pattern: &'static str,
}

impl Rule {
    /// The regex source with the address pattern spliced in, for lower-cased text.
    ///
    /// Word boundaries are ASCII ones: a Unicode `\b` stops the regex crate's
    /// fast DFA on any line with non-ASCII bytes, and the incident's lines are full
    /// of emoji. Every word we look for is ASCII, so nothing is lost.
    pub(crate) fn source(&self) -> String {
        self.pattern
            .replace("{addr}", ADDR)
            .replace(r"\b", r"(?-u:\b)")
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
    rule(
        EventKind::HandshakeCompleted,
        r"\bhandshake (?:completed|complete|succeeded|successful) with (?:peer:?\s*)?(?P<addr>{addr})?",
    ),
    rule(
        EventKind::HandshakeAccepted,
        r"\b(?:handshake accepted|accepted handshake) from (?:peer:?\s*)?(?P<addr>{addr})?",
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
    rule(
        EventKind::PreHandshakeMessage,
        r"(?:(?P<addr>{addr})\s+)?\bsent (?:a )?(?:message|data) before (?:completing )?(?:the )?handshake\b",
    ),
    rule(
        EventKind::ProductionSkipped,
        r"\bskipping block production\b(?:.*?\bonly (?P<active>\d+) masternodes? active\s*\(minimum (?P<minimum>\d+))?",
    ),
    rule(
        EventKind::BlockRound,
        r"\bstarting (?:a )?(?:new )?block round\b|\bnew block round\b",
    ),
    rule(
        EventKind::BlockProduced,
        r"\bproduced (?:a )?(?:new )?block\b|\bblock (?:#|at height |height )?\d+ produced\b|\bblock produced\b",
    ),
];

/// Where a produced block's height is written: `block 12`, `#12`, `height 12`,
/// `height=12`.
pub(crate) const HEIGHT: &str = r"(?:\bheight|\bblock|#)\s*[:=#]?\s*#?(\d{1,20})\b";
