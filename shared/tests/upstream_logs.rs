//! The classifier on the upstream `time-masternode` daemon's logs: the vector
//! files under `tests/vectors/` (recorded lines, and composed ones for the phrase
//! families the recorded run did not print), and, when the recording itself is
//! beside the workspace (`../shared/upstream/logs` from the workspace root, or
//! the folder `TIMECOIN_UPSTREAM_LOGS` names, for a checkout elsewhere), every
//! line of it.

use std::path::{Path, PathBuf};

use regex::Regex;
use timecoin_shared::classify::{Classification, Envelope, EventKind, LogEntry, classify};

#[path = "upstream_logs/families.rs"]
mod families;

use EventKind::*;
use families::{FAMILIES, Family};

const RECORDED: &str = include_str!("vectors/upstream_recorded.txt");
const COMPOSED: &str = include_str!("vectors/upstream_composed.txt");
const SOURCE: &str = include_str!("vectors/upstream_source.txt");

fn families() -> Vec<(Regex, &'static Family)> {
    FAMILIES
        .iter()
        .map(|f| (Regex::new(f.phrase).expect("family phrase"), f))
        .collect()
}

/// One vector of a file: its line number, the expectation and the line.
struct Vector {
    at: usize,
    want: Classification,
    line: String,
}

fn vectors(text: &str) -> Vec<Vector> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (expected, line) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("line {}: no tab", i + 1));
            Vector {
                at: i + 1,
                want: expectation(expected),
                line: line.replace(r"\x1b", "\x1b"),
            }
        })
        .collect()
}

fn expectation(text: &str) -> Classification {
    let mut words = text.split(' ');
    let mut want = Classification::default();
    let kinds = words.next().unwrap_or("-");
    if kinds != "-" {
        for kind in kinds.split(',') {
            want.kinds.insert(kind.parse().expect("kind name"));
        }
    }
    for word in words {
        let (key, value) = word.split_once('=').expect("key=value");
        let number = || value.parse().expect("number");
        match key {
            "peer" => want.peer = Some(value.to_owned()),
            "attempt" => want.attempt = Some(number()),
            "active" => want.active = Some(number()),
            "minimum" => want.minimum = Some(number()),
            "height" => want.height = Some(u64::from(number())),
            other => panic!("unknown key {other}"),
        }
    }
    want
}

/// Checks the vectors of one file, the envelope of each line included.
fn check(file: &str, text: &str) {
    let mut failures = Vec::new();
    for v in vectors(text) {
        let env = Envelope::split(&v.line);
        let got = classify(&env.message);
        if got != v.want {
            failures.push(format!(
                "{file}:{}: {:?}\n   got {got:?}\n  want {:?}",
                v.at, v.line, v.want
            ));
        }
        if classify(&v.line) != got {
            failures.push(format!("{file}:{}: whole line reads otherwise", v.at));
        }
        if env.message.contains('\x1b') || env.level.is_none() {
            failures.push(format!("{file}:{}: envelope {env:?}", v.at));
        }
        let dated = v.line.as_bytes().first().is_some_and(u8::is_ascii_digit);
        if dated && (env.node.is_none() || env.timestamp.is_none()) {
            failures.push(format!("{file}:{}: no node or time in {env:?}", v.at));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn recorded_vectors() {
    check("upstream_recorded.txt", RECORDED);
}

#[test]
fn composed_vectors() {
    check("upstream_composed.txt", COMPOSED);
}

/// Every format string of upstream's source that logs blocked production, a
/// link ending, a handshake or a reset, one line each.
#[test]
fn source_vectors() {
    check("upstream_source.txt", SOURCE);
}

#[test]
fn every_phrase_family_has_a_vector_that_reads_it_right() {
    let all: Vec<Vector> = vectors(RECORDED)
        .into_iter()
        .chain(vectors(COMPOSED))
        .chain(vectors(SOURCE))
        .collect();
    for (phrase, family) in families() {
        let with: Vec<&Vector> = all.iter().filter(|v| phrase.is_match(&v.line)).collect();
        assert!(!with.is_empty(), "no vector for {:?}", family.phrase);
        for v in with {
            assert_eq!(
                v.want.kinds.contains(family.kind),
                family.carries,
                "{:?} in {:?}",
                family.phrase,
                v.line
            );
        }
    }
}

/// Where the recording is, if this checkout has it.
fn recording() -> Option<PathBuf> {
    let dir = match std::env::var_os("TIMECOIN_UPSTREAM_LOGS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()?
            .join("../shared/upstream/logs"),
    };
    dir.is_dir().then_some(dir)
}

/// One recorded line as `logs` would see it.
struct Seen {
    message: String,
    node: Option<String>,
    time_us: Option<i64>,
    level: Option<&'static str>,
}

/// Every line of a recorded file (journal JSON or debug.log), read as `logs`
/// reads it: the journal's node and time, else the envelope's.
fn read_recorded(path: &Path) -> Vec<Seen> {
    let text = std::fs::read_to_string(path).expect("recorded log");
    text.lines()
        .map(|line| {
            let entry = LogEntry::parse(line);
            let env = Envelope::split(&entry.message);
            Seen {
                message: env.message.to_string(),
                time_us: entry.realtime_us.or(env.timestamp_us()),
                node: entry.hostname.or_else(|| env.node.map(|n| n.into_owned())),
                level: env.level,
            }
        })
        .collect()
}

#[test]
fn recorded_logs_in_full() {
    let Some(dir) = recording() else {
        println!(
            "note: no ../shared/upstream/logs beside the workspace (nor TIMECOIN_UPSTREAM_LOGS); skipped"
        );
        return;
    };
    let families = families();
    let mut counts = Vec::new();
    for name in ["n2.journal.jsonl", "n4.journal.jsonl", "n2.debug.log"] {
        let lines = read_recorded(&dir.join(name));
        assert!(lines.len() > 500, "{name}: {} lines", lines.len());
        let mut count = [0usize; EventKind::ALL.len()];
        for seen in &lines {
            let message = &seen.message;
            assert!(
                !message.contains('\x1b'),
                "{name}: escape left in {message:?}"
            );
            // debug.log's restart banners are not log lines; journal entries all are.
            if name.ends_with(".jsonl") || seen.level.is_some() {
                assert!(
                    seen.node.is_some() && seen.time_us.is_some(),
                    "{name}: {message:?}"
                );
            }
            let got = classify(message);
            // Every phrase family reads as its kind...
            for (phrase, family) in &families {
                if phrase.is_match(message) {
                    assert_eq!(
                        got.kinds.contains(family.kind),
                        family.carries,
                        "{name}: {:?} in {message:?}",
                        family.phrase
                    );
                }
            }
            // ...and every kind given is one a family of the line explains.
            for kind in got.kinds.iter() {
                assert!(
                    families
                        .iter()
                        .any(|(p, f)| f.kind == kind && f.carries && p.is_match(message)),
                    "{name}: {kind} unexplained in {message:?}"
                );
                count[kind as usize] += 1;
            }
        }
        counts.push(count);
    }
    assert_eq!(
        counts[0], counts[2],
        "n2's journal and its debug.log are one node's log: same kinds"
    );
    for kind in [
        ProductionSkipped,
        DuplicateRejected,
        Disconnected,
        BlockRound,
        BlockProduced,
        BlockFinalized,
        Syncing,
        NetworkPartition,
    ] {
        assert!(counts[1][kind as usize] > 0, "n4 never shows {kind}");
    }
}
