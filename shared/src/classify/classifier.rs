//! Turning one line into its kinds, peer and numbers.
//!
//! Cost matters: `timectl logs` classifies every line of every node, and a node in
//! trouble floods (backoff spam, resets). The line's ASCII letters are lower-cased
//! into a reused buffer first: then every pattern is case-sensitive, which lets
//! the regex crate use its SIMD literal search instead of a case-folding DFA, and
//! byte offsets stay those of the original line, so captured addresses are taken
//! from the original. Most lines carry no kind, so a literal prefilter rejects
//! them before the [`RegexSet`]; only the rules the set reports are run again for
//! their captures.

use std::cell::RefCell;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use super::rules::{HEIGHT, RULES};
use super::{EventKind, KindSet};

/// Words at least one of which every rule needs (in lower case). A line with
/// none of them cannot match, whatever the rules say.
///
/// Correctness: each rule above contains one of these literally; the vector test
/// `prefilter_covers_every_rule` checks it on a line per rule.
const PREFILTER: &str = concat!(
    r"connected to|connection to|connect to|handshake|duplicate|reset|104|ping ti|before",
    r"|skipping block|block round|produced",
    // upstream `time-masternode`
    r"|peer gate|compatible peer|production blocked|minority chain|critical: |fork prevention",
    r"|insufficient masternodes|simultaneous connection|inbound slot|evicted writer",
    r"|superseded by|rejecting inbound|connection from|reading from|closed by|vrf s",
    r"|finalized via|fallback: adding|syncing from|network partition",
    r"|pausing production|suspending block|blocking production|production paused",
    r"|instead of producing|before producing|produce block|channel closed",
    r"|disconnect|kicked zombie|marked inactive|oversized frame|rejecting|rejected inbound",
    r"|received ack|failed to send|superseded|closing connection|cannot start block",
    // ours: consensus evidence
    r"|equivocated at",
);

/// What one line says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// Zero or more kinds: one line may carry several (a failed dial whose reason
    /// is an ACK failure caused by a reset is three).
    pub kinds: KindSet,
    /// The peer address named by the first rule that names one.
    pub peer: Option<String>,
    /// `connect_failed`: the dial attempt number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// `production_skipped`: masternodes active as the node saw it (or, when its
    /// line counts peers instead, the peers it had).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<u32>,
    /// `production_skipped`: masternodes (or peers) required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<u32>,
    /// `block_produced`, `block_finalized`: the height of the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
}

/// The compiled rules. Build once ([`Classifier::global`]) and share: compiling
/// costs milliseconds, classifying microseconds.
pub struct Classifier {
    prefilter: Regex,
    set: RegexSet,
    rules: Vec<(EventKind, Regex)>,
    height: Regex,
}

impl Classifier {
    /// Compiles the rule table.
    ///
    /// # Panics
    /// Never on a released build: the patterns are constants and the unit tests
    /// compile them.
    pub fn new() -> Self {
        let sources: Vec<String> = RULES.iter().map(|r| r.source()).collect();
        Classifier {
            prefilter: Regex::new(PREFILTER).expect("prefilter compiles"),
            set: RegexSet::new(&sources).expect("rules compile"),
            rules: RULES
                .iter()
                .zip(&sources)
                .map(|(r, s)| (r.kind, Regex::new(s).expect("rule compiles")))
                .collect(),
            height: Regex::new(HEIGHT).expect("height pattern compiles"),
        }
    }

    /// The kind and regex source of every rule, so other tools (the benchmark's
    /// `grep` comparison, docs) use exactly the patterns we do.
    pub fn patterns() -> impl Iterator<Item = (EventKind, String)> {
        RULES.iter().map(|r| (r.kind, r.source()))
    }

    /// The process-wide instance, compiled on first use.
    pub fn global() -> &'static Classifier {
        static GLOBAL: OnceLock<Classifier> = OnceLock::new();
        GLOBAL.get_or_init(Classifier::new)
    }

    /// Classifies `text` (a whole line or just its message). Never fails: a line
    /// that says nothing known gets no kinds.
    pub fn classify(&self, text: &str) -> Classification {
        thread_local! {
            static LOWER: RefCell<String> = const { RefCell::new(String::new()) };
        }
        LOWER.with_borrow_mut(|lower| {
            lower.clear();
            lower.push_str(text);
            lower.make_ascii_lowercase();
            self.classify_lowered(text, lower)
        })
    }

    /// `lower` is `text` with ASCII letters lower-cased: same length, same char
    /// boundaries, so a match's range in `lower` is valid in `text`.
    fn classify_lowered(&self, text: &str, lower: &str) -> Classification {
        let mut out = Classification::default();
        if !self.prefilter.is_match(lower) {
            return out;
        }
        for index in self.set.matches(lower).iter() {
            let (kind, regex) = &self.rules[index];
            let Some(caps) = regex.captures(lower) else {
                continue;
            };
            if caps.name("veto").is_some() {
                continue;
            }
            out.kinds.insert(*kind);
            if out.peer.is_none() {
                out.peer = caps.name("addr").map(|m| text[m.range()].to_owned());
            }
            let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse().ok());
            out.attempt = out.attempt.or_else(|| number("attempt"));
            out.active = out.active.or_else(|| number("active"));
            out.minimum = out.minimum.or_else(|| number("minimum"));
        }
        if out.kinds.contains(EventKind::BlockProduced)
            || out.kinds.contains(EventKind::BlockFinalized)
        {
            out.height = self.height.captures(lower).and_then(|c| c[1].parse().ok());
        }
        out
    }
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier::new()
    }
}

/// Classifies with the [global](Classifier::global) classifier.
pub fn classify(text: &str) -> Classification {
    Classifier::global().classify(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per rule and per alternative inside a rule.
    const SAMPLES: &[&str] = &[
        "Connection to 1.2.3.4 failed (attempt 1)",
        "failed to connect to 1.2.3.4:5",
        "Connected to peer: 1.2.3.4",
        "Handshake completed with 1.2.3.4",
        "Accepted handshake from 1.2.3.4",
        "Dropping duplicate link to 1.2.3.4",
        "duplicate connection from 1.2.3.4 rejected",
        "Handshake ACK timeout",
        "error reading handshake ack",
        "failed to receive handshake ack",
        "connection reset",
        "reset by peer",
        "os error 104",
        "ECONNRESET",
        "Ping timed out",
        "1.2.3.4 sent data before handshake",
        "Skipping block production",
        "Starting block round",
        "new block round",
        "produced a block",
        "block 7 produced",
        "block produced",
        "Peer gate: 1/3 compatible peer(s) connected",
        "Only 1 compatible peer(s) (need 2)",
        "Block production blocked: only 1 peers agree (need 2 minimum)",
        "Minority chain detected (our height 5, consensus height 7) — pausing production",
        "CRITICAL: 1 active / 4 total masternodes",
        "FORK PREVENTION: Only 1 active masternodes (minimum 3 required) - refusing block production",
        "Insufficient masternodes (1) for block production",
        "Insufficient masternodes for block production: 1 active (minimum 3 required)",
        "Simultaneous connection with 1.2.3.4 — yielding Connected outbound",
        "Replacing existing inbound slot for whitelisted peer 1.2.3.4",
        "Evicted writer for 1.2.3.4 so superseded connection can tear down",
        "Outbound to 1.2.3.4 superseded by newer session",
        "Rejecting inbound from 1.2.3.4 — keeping Connected outbound",
        "Connection from 1.2.3.4:5 ended: early eof",
        "Error reading from [::1]:5: x",
        "Connection closed by 1.2.3.4 (received 1 message(s))",
        "Connection to 1.2.3.4 ended quickly (1.0s)",
        "Block 7 VRF sortition: score=ab",
        "VRF selected as block proposer for height 7",
        "Block 7 finalized via consensus!",
        "Fallback: Adding block 7 (prepare_weight=1, validators=4)",
        "Syncing from peers: 1 → 7",
        "NETWORK PARTITION DETECTED",
        "Handshake completed",
        "Handshake accepted from 1.2.3.4:5 (network: testnet, commit: 9)",
        "Dropping duplicate inbound from 1.2.3.4:5 — ConnectionManager already has a connection",
        "Catch-up gate: 9 blocks behind — suspending block production",
        "FORK PREVENTION: Peers at height 9 > our 7 - syncing instead of producing",
        "No genesis block after 60s - cannot start block production",
        "CRITICAL: Cannot produce block - only 2 registered masternodes (minimum 3 required)",
        "Bootstrap: waiting for ≥3 masternodes before producing block 1 (2 registered so far)",
        "Inbound session for 1.2.3.4 superseded (gen 2) — skipping cleanup",
        "Replaced live writer for peer 1.2.3.4 (superseded session will exit)",
        "[Outbound] Reader channel closed for 1.2.3.4",
        "Peer 1.2.3.4:5 disconnected (EOF)",
        "Peer 1.2.3.4:5 reader channel closed",
        "[Outbound] Disconnecting peer 1.2.3.4: bye",
        "[Outbound] Genesis mismatch with whitelisted peer 1.2.3.4 — disconnecting and banning",
        "Kicked zombie peer 1.2.3.4 (writer channel closed)",
        "Masternode 1.2.3.4 marked inactive (connection lost) - broadcasting to network",
        "Message burst from 1.2.3.4:5 tripped pre-channel gate — disconnecting",
        "Pre-handshake timeout from 1.2.3.4:5 — no handshake received within 10s, closing",
        "[Outbound] Failed to send ping to 1.2.3.4: x",
        "[Inbound] Oversized frame from masternode/whitelisted peer 1.2.3.4 — closing",
        "[Outbound] Closing connection to 1.2.3.4 (banned, will reconnect): x",
        "[Outbound] Broadcast to 1.2.3.4 failed (x), closing connection",
        "Rejecting 1.2.3.4:5 - invalid magic bytes: [1]",
        "Rejected inbound connection from 1.2.3.4:5: x",
        "TLS handshake failed for 1.2.3.4:5: x",
        "TLS handshake failed with 1.2.3.4: x",
        "[Outbound] Disconnecting non-whitelisted peer 1.2.3.4 after 3 missed pongs",
        "[Outbound] Disconnecting 1.2.3.4 due to timeout",
        "[Outbound] Received Ack from 1.2.3.4",
        "Pre-handshake flood from 1.2.3.4:5 — recording violation",
        "Masternode 0123456789abcdef equivocated at height 3 round 1",
    ];

    #[test]
    fn prefilter_covers_every_rule() {
        let classifier = Classifier::new();
        let mut hit = vec![false; RULES.len()];
        for sample in SAMPLES {
            let sample = &sample.to_ascii_lowercase();
            let matched: Vec<usize> = classifier.set.matches(sample).iter().collect();
            assert!(!matched.is_empty(), "sample {sample:?} matches no rule");
            assert!(
                classifier.prefilter.is_match(sample),
                "prefilter drops {sample:?}"
            );
            for i in matched {
                hit[i] = true;
            }
        }
        for (i, was_hit) in hit.iter().enumerate() {
            assert!(was_hit, "rule {i} ({:?}) has no sample", RULES[i].kind);
        }
    }
}
