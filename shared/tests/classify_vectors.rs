//! Fixed vectors for the log classifier: real-looking lines from our daemon (its
//! tracing fmt output and the journal around it) and from the incident daemon
//! (emoji, journal prefixes, `[TAGS]`), a few of the upstream daemon's, including
//! the traps that must not match.
//! Plus a property test that no input makes it panic.

use proptest::prelude::*;
use timecoin_shared::classify::{Classification, Envelope, EventKind, KindSet, classify};

use EventKind::*;

/// One expectation: the line, its kinds, its peer, and `(attempt, active, minimum, height)`.
struct Vector {
    line: &'static str,
    kinds: &'static [EventKind],
    peer: Option<&'static str>,
    numbers: (Option<u32>, Option<u32>, Option<u32>, Option<u64>),
}

const NONE: (Option<u32>, Option<u32>, Option<u32>, Option<u64>) = (None, None, None, None);

const fn v(line: &'static str, kinds: &'static [EventKind], peer: Option<&'static str>) -> Vector {
    Vector {
        line,
        kinds,
        peer,
        numbers: NONE,
    }
}

const VECTORS: &[Vector] = &[
    // --- DESIGN.md's two incident examples, verbatim.
    Vector {
        line: "WARN Connection to 165.232.154.150 failed (attempt 4): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)",
        kinds: &[HandshakeAckFailed, ConnectionReset, ConnectFailed],
        peer: Some("165.232.154.150"),
        numbers: (Some(4), None, None, None),
    },
    Vector {
        line: "Dec 31 09:40:00 LW-Michigan2 timed[94346]: WARN ⚠️ Skipping block production: only 2 masternodes active (minimum 3 required)",
        kinds: &[ProductionSkipped],
        peer: None,
        numbers: (None, Some(2), Some(3), None),
    },
    // --- Our daemon, tracing fmt layer.
    v(
        "2026-11-25T04:10:00.123456Z  INFO timed::net::dialer: Connected to peer: 127.0.0.1:24100 peer=ab12cd34",
        &[Connected],
        Some("127.0.0.1:24100"),
    ),
    v(
        "2026-11-25T04:10:00.124001Z  INFO timed::net::dialer: Handshake completed with 127.0.0.1:24100 node_id=ab12cd34",
        &[HandshakeCompleted],
        Some("127.0.0.1:24100"),
    ),
    v(
        "2026-11-25T04:10:00.124500Z  INFO timed::net::listener: Handshake accepted from 127.0.0.3:51234 (network: devnet)",
        &[HandshakeAccepted],
        Some("127.0.0.3:51234"),
    ),
    // A handshake line that names no peer is still a handshake.
    v("INFO ✅ Handshake completed", &[HandshakeCompleted], None),
    v(
        "INFO ✅ Handshake accepted (network: testnet)",
        &[HandshakeAccepted],
        None,
    ),
    v(
        "2026-11-25T04:10:00.130000Z  INFO timed::net::manager: Rejecting duplicate inbound from 127.0.0.2:40112 after handshake kept=outbound",
        &[DuplicateRejected],
        Some("127.0.0.2:40112"),
    ),
    v(
        "2026-11-25T04:10:00.130000Z  INFO timed::net::manager: Rejecting duplicate outbound to 127.0.0.4:24100 after handshake",
        &[DuplicateRejected],
        Some("127.0.0.4:24100"),
    ),
    v(
        "2026-11-25T04:10:01Z  WARN timed::net::listener: 127.0.0.9:33000 sent message before handshake - closing connection",
        &[PreHandshakeMessage],
        Some("127.0.0.9:33000"),
    ),
    v(
        "2026-11-25T04:11:00Z  WARN timed::net::conn: Ping timeout from [::1]:24100 missed=3",
        &[PingTimeout],
        Some("[::1]:24100"),
    ),
    Vector {
        line: "2026-11-25T04:10:05Z  WARN timed::net::dialer: Connection to 127.0.0.2:24100 failed (attempt 2): connection refused (os error 111)",
        kinds: &[ConnectFailed],
        peer: Some("127.0.0.2:24100"),
        numbers: (Some(2), None, None, None),
    },
    Vector {
        line: "2026-11-25T04:10:02Z  WARN timed::chain::producer: Skipping block production: only 1 masternodes active (minimum 3 required)",
        kinds: &[ProductionSkipped],
        peer: None,
        numbers: (None, Some(1), Some(3), None),
    },
    v(
        "2026-11-25T04:10:10Z  INFO timed::chain::producer: Starting new block round height=12 round=0",
        &[BlockRound],
        None,
    ),
    Vector {
        line: "2026-11-25T04:10:10Z  INFO timed::chain::producer: Produced block 12 hash=9f2c",
        kinds: &[BlockProduced],
        peer: None,
        numbers: (None, None, None, Some(12)),
    },
    Vector {
        line: "2026-11-25T04:10:12.5Z  INFO timed::chain::engine: Produced block at height 13 height=13 round=0 txs=2 hash=77e1",
        kinds: &[BlockProduced],
        peer: None,
        numbers: (None, None, None, Some(13)),
    },
    v(
        "2026-11-25T04:12:00Z  WARN timed::net::conn: Connection to 127.0.0.2:24100 lost: Connection reset by peer (os error 104) peer=ab12cd34",
        &[ConnectionReset],
        None,
    ),
    // Coloured output (a terminal, or NO_COLOR unset under systemd).
    v(
        "\x1b[2m2026-11-25T04:10:00.1Z\x1b[0m \x1b[32m INFO\x1b[0m \x1b[2mtimed::net::dialer\x1b[0m\x1b[2m:\x1b[0m Connected to peer: 127.0.0.1:24100",
        &[Connected],
        Some("127.0.0.1:24100"),
    ),
    // --- The incident daemon: journal prefixes, emoji, tags.
    v(
        "Dec 17 02:28:28 LW-Michigan timed[83172]: INFO ✅ Connected to peer: 50.28.104.50",
        &[Connected],
        Some("50.28.104.50"),
    ),
    v(
        "Dec 17 02:28:28 LW-Michigan timed[83172]: INFO 🤝 [OUTBOUND] Handshake completed with 50.28.104.50:24100",
        &[HandshakeCompleted],
        Some("50.28.104.50:24100"),
    ),
    v(
        "Dec 17 02:28:29 LW-Michigan timed[83172]: INFO ✅ [INBOUND] Handshake accepted from 69.167.168.176:38532 (network: Testnet)",
        &[HandshakeAccepted],
        Some("69.167.168.176:38532"),
    ),
    v(
        "Dec 17 02:28:29 LW-Arizona timed[1201]: INFO 🔄 Rejecting duplicate connection from 165.232.154.150 (already connected)",
        &[DuplicateRejected],
        Some("165.232.154.150"),
    ),
    v(
        "Dec 17 02:28:29 LW-Arizona timed[1201]: WARN Duplicate inbound connection from 64.91.241.10:51000 rejected",
        &[DuplicateRejected],
        Some("64.91.241.10:51000"),
    ),
    v(
        "Dec 17 02:30:00 LW-London timed[777]: WARN ⚠️  154.217.246.33:59680 sent message before handshake - closing connection (not blacklisting)",
        &[PreHandshakeMessage],
        Some("154.217.246.33:59680"),
    ),
    v(
        "Dec 17 02:31:00 LW-London timed[777]: WARN ⏱️ Ping timeout from 64.91.241.10 - closing connection",
        &[PingTimeout],
        Some("64.91.241.10"),
    ),
    v(
        "2025-12-17T02:28:28.551Z WARN [NETWORK] ❌ Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)",
        &[HandshakeAckFailed, ConnectionReset],
        None,
    ),
    v(
        "Dec 17 02:28:40 LW-Michigan timed[83172]: ERROR Failed to connect to 178.128.199.144:24100: Connection reset by peer (os error 104)",
        &[ConnectionReset, ConnectFailed],
        Some("178.128.199.144:24100"),
    ),
    v(
        "Dec 17 02:40:00 LW-Arizona timed[1201]: INFO 🏆 Starting new block round for height 1755",
        &[BlockRound],
        None,
    ),
    Vector {
        line: "Dec 17 02:40:02 LW-Arizona timed[1201]: INFO 🧱 Produced block #1755 with 3 transactions",
        kinds: &[BlockProduced],
        peer: None,
        numbers: (None, None, None, Some(1755)),
    },
    Vector {
        line: "Dec 17 02:40:02 LW-Arizona timed[1201]: INFO ✅ Block 1755 produced and broadcast",
        kinds: &[BlockProduced],
        peer: None,
        numbers: (None, None, None, Some(1755)),
    },
    Vector {
        line: "Dec 13 04:30:00 LW-Michigan2: WARN ⚠️ Skipping block production: only 1 masternodes active (minimum 3 required)",
        kinds: &[ProductionSkipped],
        peer: None,
        numbers: (None, Some(1), Some(3), None),
    },
    // A variant without the numbers is still the kind, with no numbers.
    v(
        "WARN ⚠️ Skipping block production: only 1 connected peer(s) (minimum 2 required for 3-node sync)",
        &[ProductionSkipped],
        None,
    ),
    // --- The upstream daemon (more in tests/vectors/upstream_*.txt): one line per
    // kind it brought, so the mangling property below covers its rules too.
    v(
        "2026-11-29 14:22:00.924 [up-n2]  INFO 🔌 [Inbound] Connection closed by 10.3.0.1 (received 201 message(s))",
        &[Disconnected],
        Some("10.3.0.1"),
    ),
    Vector {
        line: "2026-11-29 14:19:02.763 [up-n2]  INFO ✅ [Outbound] Block 1 finalized via consensus!",
        kinds: &[BlockFinalized],
        peer: None,
        numbers: (None, None, None, Some(1)),
    },
    v(
        "\x1b[32m INFO\x1b[0m ⏳ Syncing from peers: 0 → 52357 (52357 blocks behind via time-based calculation)",
        &[Syncing],
        None,
    ),
    v(
        "2026-11-29 14:18:21.630 [up-n2]  WARN 🔌 NETWORK PARTITION DETECTED — 0 peers for 30s, last block 65s ago",
        &[NetworkPartition],
        None,
    ),
    // --- Ours: a masternode caught signing twice (tracing's line, with its
    // structured fields after the message).
    v(
        "2026-12-05T21:20:01.123456Z  WARN timed::consensus::engine::outputs: Masternode 4f1c9e2a7b3d5e6f8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7 equivocated at height 12 round 0 offender=4f1c9e2a7b3d5e6f8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7 height=12 round=0",
        &[Equivocation],
        None,
    ),
    Vector {
        line: "2026-11-29 14:17:46.681 [up-n2]  INFO ⏳ Peer gate: 0/3 compatible peer(s) connected (30s elapsed, timeout in 570s)",
        kinds: &[ProductionSkipped],
        peer: None,
        numbers: (None, Some(0), Some(3), None),
    },
    v(
        "2026-11-29 14:30:00.010 [up-n1]  INFO ⏭️  Skipping block production for height 12: peer proposal has better VRF score (1234 < 5678)",
        &[],
        None,
    ),
    // --- Traps: must NOT match.
    v(
        "Dec 17 02:28:30 LW-Michigan timed[83172]: INFO ⏭️ Skipping outbound connection to 69.167.168.176 (already connected)",
        &[],
        None,
    ),
    v(
        "Dec 17 02:28:30 LW-Michigan timed[83172]: INFO Skipping outbound to 69.167.168.176: inbound exists",
        &[],
        None,
    ),
    v(
        "2026-11-25T04:12:00Z  INFO timed::net::conn: Peer 127.0.0.2:24100 disconnected",
        &[],
        None,
    ),
    v("INFO 🔌 Disconnected from peer: 50.28.104.50", &[], None),
    v("INFO Disconnected to 50.28.104.50:24100", &[], None),
    v(
        "INFO Already connected to 50.28.104.50:24100, not dialing",
        &[],
        None,
    ),
    v(
        "INFO Connection to 50.28.104.50 closed by peer (EOF)",
        &[],
        None,
    ),
    v(
        "Dec 17 02:28:31 LW-London timed[777]: DEBUG 📤 Sent ping to 50.28.104.50",
        &[],
        None,
    ),
    v(
        "Dec 17 02:28:31 LW-London timed[777]: DEBUG 📨 Received pong from 50.28.104.50",
        &[],
        None,
    ),
    v("INFO Peer sent 14 messages before this one", &[], None),
    v(
        "INFO 📊 Status: Height=1760, Active Masternodes=1",
        &[],
        None,
    ),
    v("INFO block production resumed", &[], None),
    v(
        "2026-11-25T04:12:00Z  INFO timed::net::dialer: Connection to 127.0.0.1:24100 reached this node itself - not dialing it again",
        &[],
        None,
    ),
    Vector {
        line: "2026-11-25T04:12:00Z  WARN timed::net::dialer: Connection to 127.0.0.5:24100 failed (attempt 1): connected to ourselves",
        kinds: &[ConnectFailed],
        peer: Some("127.0.0.5:24100"),
        numbers: (Some(1), None, None, None),
    },
    v(
        "2026-11-25T04:12:00Z  INFO timed::net::conn: Peer 127.0.0.2:24100 closed the connection",
        &[],
        None,
    ),
    v(
        "2026-11-25T04:12:00Z  INFO timed::chain::engine: Accepted block at height 13 producer=ab12cd34",
        &[],
        None,
    ),
    v("", &[], None),
];

fn set(kinds: &[EventKind]) -> KindSet {
    kinds.iter().copied().collect()
}

#[test]
fn vectors() {
    let mut failures = Vec::new();
    for vector in VECTORS {
        let got = classify(vector.line);
        let want = Classification {
            kinds: set(vector.kinds),
            peer: vector.peer.map(str::to_owned),
            attempt: vector.numbers.0,
            active: vector.numbers.1,
            minimum: vector.numbers.2,
            height: vector.numbers.3,
        };
        if got != want {
            failures.push(format!(
                "{:?}\n   got {got:?}\n  want {want:?}",
                vector.line
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_kind_has_a_vector() {
    for kind in EventKind::ALL {
        assert!(
            VECTORS.iter().any(|v| v.kinds.contains(&kind)),
            "no vector for {kind}"
        );
    }
}

#[test]
fn message_alone_classifies_like_the_whole_line() {
    for vector in VECTORS {
        let env = Envelope::split(vector.line);
        assert_eq!(
            classify(&env.message),
            classify(vector.line),
            "{:?}",
            vector.line
        );
    }
}

#[test]
fn envelope_names_the_journal_host() {
    let env = Envelope::split(VECTORS[1].line);
    assert_eq!(env.node.as_deref(), Some("LW-Michigan2"));
    assert_eq!(env.level, Some("WARN"));
    assert!(env.message.starts_with("⚠️ Skipping block production"));
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(line in any::<String>()) {
        let _ = classify(&line);
        let _ = Envelope::split(&line);
    }

    #[test]
    fn never_panics_on_mangled_phrases(
        base in prop::sample::select(VECTORS.iter().map(|v| v.line).collect::<Vec<_>>()),
        cut in 0usize..200,
        junk in "[0-9 :.\\[\\]()#=a-zA-Z\u{1b}\u{1F600}-]{0,40}",
    ) {
        let cut = (0..=cut.min(base.len())).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let line = format!("{}{}{}", &base[..cut], junk, &base[cut..]);
        let _ = classify(&line);
        let _ = Envelope::split(&line);
    }
}
