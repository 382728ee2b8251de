//! Turning one line into its kinds, peer and numbers.
//!
//! Cost matters: `timectl logs` classifies every line of every node, and a node in
//! trouble floods (backoff spam, resets). The line's ASCII letters are lower-cased
//! into a reused buffer first: then every pattern is case-sensitive, which lets
//! the regex crate use its SIMD literal search instead of a case-folding DFA, and
//! byte offsets stay those of the original line, so captured addresses are taken
//! from the original. Most lines carry no kind: the prefilter's one literal
//! pass names the few rules whose words the line has (usually none), and only
//! those run, straight for their captures, into slots reused per thread.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use regex::{CaptureLocations, Regex};
use regex_automata::{Anchored, Input};
use serde::{Deserialize, Serialize};

use super::prefilter::{Prefilter, RuleSet};
use super::rules::{HEIGHT, RULES};
use super::veto::{VETO, vetoed};
use super::{EventKind, KindSet};

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
    /// Tells this classifier's capture slots apart from another's in [`Scratch`].
    id: u64,
    prefilter: Prefilter,
    rules: Vec<Compiled>,
    height: Regex,
}

/// One rule's regex and where its named groups are.
struct Compiled {
    kind: EventKind,
    regex: Regex,
    veto: Option<usize>,
    /// Matches only where the veto takes part: tried at the start of the
    /// rule's match when only kinds are wanted ([`vetoed`]).
    vetoed: Option<regex_automata::meta::Regex>,
    addr: Option<usize>,
    attempt: Option<usize>,
    active: Option<usize>,
    minimum: Option<usize>,
}

impl Compiled {
    fn new(kind: EventKind, source: &str) -> Compiled {
        let regex = Regex::new(source).expect("rule compiles");
        let group = |name: &str| regex.capture_names().position(|n| n == Some(name));
        Compiled {
            kind,
            veto: group(VETO),
            vetoed: vetoed(source).expect("a rule's vetoed form compiles"),
            addr: group("addr"),
            attempt: group("attempt"),
            active: group("active"),
            minimum: group("minimum"),
            regex,
        }
    }
}

/// What a caller wants of a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Kinds, peer and numbers.
    Fields,
    /// Kinds alone: no captures (a veto is told by a second regex).
    Kinds,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// A thread's reused buffers: the lower-cased line and each rule's capture
/// slots, so classifying allocates nothing but the peer it returns.
#[derive(Default)]
struct Scratch {
    lower: String,
    /// The [`Classifier::id`] `slots` were made for.
    owner: u64,
    slots: Vec<CaptureLocations>,
}

impl Classifier {
    /// Compiles the rule table.
    ///
    /// # Panics
    /// Never on a released build: the patterns are constants and the unit tests
    /// compile them (and read every rule's prefilter words from it).
    pub fn new() -> Self {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let sources: Vec<String> = RULES.iter().map(|r| r.source()).collect();
        Classifier {
            id: IDS.fetch_add(1, Ordering::Relaxed),
            prefilter: Prefilter::new(&sources).expect("every rule has prefilter words"),
            rules: RULES
                .iter()
                .zip(&sources)
                .map(|(r, s)| Compiled::new(r.kind, s))
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
        self.classify_among(text, Want::Fields, Prefilter::candidates)
    }

    /// The kinds of `text`, as [`classify`](Classifier::classify) finds them,
    /// without its peer and numbers: for a summary, which only counts.
    pub fn kinds(&self, text: &str) -> KindSet {
        self.classify_among(text, Want::Kinds, Prefilter::candidates)
            .kinds
    }

    /// The kinds of `lower`, text whose ASCII letters are already lower-cased
    /// (a reader of many lines lower-cases its whole buffer at once): as
    /// [`kinds`](Classifier::kinds) finds them for the original text.
    pub fn kinds_lowered(&self, lower: &str) -> KindSet {
        let rules = self.prefilter.candidates(lower.as_bytes());
        if rules.is_empty() {
            return KindSet::default();
        }
        self.with_slots(|slots| self.extract(lower, lower, Want::Kinds, rules, slots))
            .kinds
    }

    /// Runs `f` with this thread's capture slots for this classifier's rules.
    fn with_slots<T>(&self, f: impl FnOnce(&mut [CaptureLocations]) -> T) -> T {
        SCRATCH.with_borrow_mut(|scratch| {
            self.own_slots(scratch);
            f(&mut scratch.slots)
        })
    }

    /// Makes `scratch`'s capture slots this classifier's.
    fn own_slots(&self, scratch: &mut Scratch) {
        if scratch.owner != self.id {
            scratch.slots = self
                .rules
                .iter()
                .map(|r| r.regex.capture_locations())
                .collect();
            scratch.owner = self.id;
        }
    }

    /// Classifies `text` running only the rules `candidates` picks for its
    /// lower-cased bytes.
    fn classify_among(
        &self,
        text: &str,
        want: Want,
        candidates: impl FnOnce(&Prefilter, &[u8]) -> RuleSet,
    ) -> Classification {
        SCRATCH.with_borrow_mut(|scratch| {
            scratch.lower.clear();
            scratch.lower.push_str(text);
            scratch.lower.make_ascii_lowercase();
            let rules = candidates(&self.prefilter, scratch.lower.as_bytes());
            if rules.is_empty() {
                return Classification::default();
            }
            self.own_slots(scratch);
            self.extract(text, &scratch.lower, want, rules, &mut scratch.slots)
        })
    }

    /// Runs `rules` over `lower`, which is `text` with ASCII letters lower-cased:
    /// same length, same char boundaries, so a match's range in `lower` is
    /// valid in `text` (the peer is taken from the original).
    fn extract(
        &self,
        text: &str,
        lower: &str,
        want: Want,
        rules: RuleSet,
        slots: &mut [CaptureLocations],
    ) -> Classification {
        let mut out = Classification::default();
        for index in rules.iter() {
            let (rule, caps) = (&self.rules[index], &mut slots[index]);
            if want == Want::Kinds {
                let holds = match &rule.vetoed {
                    None => rule.regex.is_match(lower),
                    Some(vetoed) => rule.regex.find(lower).is_some_and(|m| {
                        !vetoed
                            .is_match(Input::new(lower).range(m.start()..).anchored(Anchored::Yes))
                    }),
                };
                if holds {
                    out.kinds.insert(rule.kind);
                }
                continue;
            }
            if rule.regex.captures_read(caps, lower).is_none() {
                continue;
            }
            let span = |group: Option<usize>| group.and_then(|g| caps.get(g));
            if span(rule.veto).is_some() {
                continue;
            }
            out.kinds.insert(rule.kind);
            if out.peer.is_none() {
                out.peer = span(rule.addr).map(|(start, end)| text[start..end].to_owned());
            }
            let number =
                |group| span(group).and_then(|(start, end)| lower[start..end].parse().ok());
            out.attempt = out.attempt.or_else(|| number(rule.attempt));
            out.active = out.active.or_else(|| number(rule.active));
            out.minimum = out.minimum.or_else(|| number(rule.minimum));
        }
        if want == Want::Fields
            && (out.kinds.contains(EventKind::BlockProduced)
                || out.kinds.contains(EventKind::BlockFinalized))
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
    use proptest::prelude::*;

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

    /// The straightforward path, kept as the oracle: every rule runs on every line.
    fn classify_by_every_rule(classifier: &Classifier, text: &str) -> Classification {
        classifier.classify_among(text, Want::Fields, |_, _| RuleSet::all(RULES.len()))
    }

    /// A rule's words come from its regex: each sample line makes the prefilter
    /// name every rule that matches it, and every rule is matched by a sample.
    #[test]
    fn prefilter_covers_every_rule() {
        let classifier = Classifier::new();
        let mut hit = vec![false; RULES.len()];
        for sample in SAMPLES {
            let lower = sample.to_ascii_lowercase();
            let candidates: Vec<usize> = classifier
                .prefilter
                .candidates(lower.as_bytes())
                .iter()
                .collect();
            let matched: Vec<usize> = (0..RULES.len())
                .filter(|i| classifier.rules[*i].regex.is_match(&lower))
                .collect();
            assert!(!matched.is_empty(), "sample {sample:?} matches no rule");
            for i in matched {
                assert!(
                    candidates.contains(&i),
                    "prefilter drops rule {i} ({:?}) for {sample:?}",
                    RULES[i].kind
                );
                hit[i] = true;
            }
            assert_eq!(
                classifier.classify(sample),
                classify_by_every_rule(&classifier, sample),
                "{sample:?}"
            );
        }
        for (i, was_hit) in hit.iter().enumerate() {
            assert!(was_hit, "rule {i} ({:?}) has no sample", RULES[i].kind);
        }
    }

    /// Two classifiers on one thread keep their own capture slots.
    #[test]
    fn classifiers_share_a_thread() {
        let (a, b) = (Classifier::new(), Classifier::new());
        for sample in SAMPLES {
            assert_eq!(a.classify(sample), b.classify(sample), "{sample:?}");
        }
    }

    /// Lines a rule's veto refuses.
    const VETOED: &[&str] = &[
        "Already connected to 1.2.3.4",
        "Handshake: temp-banned 1.2.3.4 sent message before handshake",
        "Skipping block production for height 7: peer proposal has better VRF score",
    ];

    /// Lines around the samples and the vetoed lines: cut, joined, re-cased,
    /// with junk in them.
    fn near_sample() -> impl Strategy<Value = String> {
        let lines: Vec<&str> = SAMPLES.iter().chain(VETOED).copied().collect();
        (
            prop::sample::select(lines.clone()),
            prop::sample::select(lines),
            0usize..120,
            "[0-9 :.#=/()\\[\\]a-zA-Z\u{1b}\u{2014}\u{1F600}-]{0,30}",
            any::<bool>(),
        )
            .prop_map(|(first, second, cut, junk, upper)| {
                let cut = (0..=cut.min(first.len()))
                    .rev()
                    .find(|i| first.is_char_boundary(*i))
                    .unwrap_or(0);
                let line = format!("{}{junk}{}  {second}", &first[..cut], &first[cut..]);
                if upper { line.to_uppercase() } else { line }
            })
    }

    proptest::proptest! {
        #[test]
        fn prefilter_changes_no_classification(
            line in proptest::prop_oneof![near_sample(), any::<String>()],
        ) {
            let classifier = Classifier::global();
            let every_rule = classify_by_every_rule(classifier, &line);
            proptest::prop_assert_eq!(classifier.kinds(&line), every_rule.kinds);
            let lower = line.to_ascii_lowercase();
            proptest::prop_assert_eq!(classifier.kinds_lowered(&lower), every_rule.kinds);
            proptest::prop_assert_eq!(classifier.classify(&line), every_rule);
        }
    }
}
