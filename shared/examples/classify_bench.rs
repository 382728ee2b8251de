//! Throughput of the log classifier on a large generated file of mixed lines, to
//! compare with `grep -ciE` running the same patterns over the same file.
//!
//! Usage: `cargo run --release -p timecoin-shared --example classify_bench -- [LINES] [DIR]`
//! (defaults: 1000000 lines, the system temp dir). It writes `DIR/classify_bench.log`
//! and `DIR/classify_bench.ere` (the rules as POSIX extended regexes), prints the
//! classifier's lines/s and the `grep` command to time beside it.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use timecoin_shared::classify::{Classifier, Envelope};

/// Share of generated lines that carry no kind, as in a healthy node's journal
/// (pings, pongs, status lines) where most lines are noise.
const NOISE_PERCENT: u64 = 80;

/// Rounds over the file; the best counts (others are disturbed by neighbours).
const ROUNDS: usize = 3;

/// Lines carrying kinds; `{a}` is an address, `{n}` a small number.
const EVENTS: &[&str] = &[
    "Connected to peer: {a} peer=ab12cd34",
    "Handshake completed with {a} node_id=ab12cd34",
    "Handshake accepted from {a} (network: devnet)",
    "Rejecting duplicate inbound from {a} after handshake",
    "Connection to {a} failed (attempt {n}): Handshake ACK failed: Error reading handshake ACK: Connection reset by peer (os error 104)",
    "⚠️ Skipping block production: only {n} masternodes active (minimum 3 required)",
    "{a} sent message before handshake - closing connection",
    "Ping timeout from {a}",
    "🏆 Starting new block round height={n}",
    "Produced block {n} hash=9f2c01",
];

/// Lines with no kind, including the traps.
const NOISE: &[&str] = &[
    "📤 Sent ping to {a}",
    "📨 Received pong from {a} rtt_ms={n}",
    "📊 Status: Height={n}, Active Masternodes=4",
    "Skipping outbound connection to {a} (already connected)",
    "Peer {a} disconnected",
    "Connection to {a} closed by peer (EOF)",
    "Received transaction 7f3a9c0e from {a}, pending={n}",
    "Accepted block {n} from producer ab12cd34 parent=77e1",
];

/// A tiny deterministic generator: the file is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn render(template: &str, rng: &mut Lcg) -> String {
    let addr = format!(
        "10.{}.{}.{}:24100",
        rng.next() % 256,
        rng.next() % 256,
        rng.next() % 256
    );
    template
        .replace("{a}", &addr)
        .replace("{n}", &(rng.next() % 2000).to_string())
}

fn line(i: u64, rng: &mut Lcg) -> String {
    let message = if rng.next() % 100 < NOISE_PERCENT {
        render(NOISE[(rng.next() as usize) % NOISE.len()], rng)
    } else {
        render(EVENTS[(rng.next() as usize) % EVENTS.len()], rng)
    };
    let (secs, micros) = (i / 1000, (i % 1000) * 1000);
    if i.is_multiple_of(2) {
        format!(
            "2026-11-25T04:{:02}:{:02}.{micros:06}Z  INFO timed::net::conn: {message}",
            (secs / 60) % 60,
            secs % 60
        )
    } else {
        format!(
            "Dec 17 02:{:02}:{:02} LW-Michigan timed[83172]: INFO {message}",
            (secs / 60) % 60,
            secs % 60
        )
    }
}

/// The rule as a POSIX ERE for GNU grep: same structure, no named or
/// non-capturing groups, no lazy repeats, classes spelled the POSIX way.
fn to_ere(source: &str) -> String {
    let body = source.strip_prefix("(?i)").unwrap_or(source);
    let mut out = body
        .replace(r"(?-u:\b)", r"\b")
        .replace("(?:", "(")
        .replace(".*?", ".*")
        .replace(r"\w", "[:alnum:]_")
        .replace(r"\d", "[0-9]")
        .replace(r"\s", "[[:space:]]");
    while let Some(start) = out.find("(?P<") {
        let end = out[start..].find('>').map_or(out.len(), |e| start + e + 1);
        out.replace_range(start..end, "(");
    }
    // `[:alnum:]_` outside brackets came from a bare `\w`.
    out.replace("][:alnum:]_", "]_[:alnum:]")
        .replace("([:alnum:]_", "([[:alnum:]_]")
}

/// This thread's time on a CPU so far (Linux `schedstat`), if readable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let lines: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let log_path = dir.join("classify_bench.log");
    let ere_path = dir.join("classify_bench.ere");

    let mut rng = Lcg(7);
    let mut out = BufWriter::new(std::fs::File::create(&log_path)?);
    for i in 0..lines {
        writeln!(out, "{}", line(i, &mut rng))?;
    }
    out.flush()?;
    let mut ere = BufWriter::new(std::fs::File::create(&ere_path)?);
    for (_, source) in Classifier::patterns() {
        writeln!(ere, "{}", to_ere(&source))?;
    }
    ere.flush()?;
    let bytes = std::fs::metadata(&log_path)?.len();

    let classifier = Classifier::new();
    // The machine may be shared: report on-CPU time beside wall time, and the
    // best of a few rounds.
    for with_envelope in [false, true] {
        let mut best: Option<(f64, f64)> = None;
        let (mut total, mut classified) = (0u64, 0u64);
        for _ in 0..ROUNDS {
            let reader = BufReader::new(std::fs::File::open(&log_path)?);
            let (start, cpu_start) = (Instant::now(), cpu_seconds());
            (total, classified) = (0, 0);
            for line in reader.lines() {
                let line = line?;
                let kinds = if with_envelope {
                    classifier.classify(&Envelope::split(&line).message).kinds
                } else {
                    classifier.classify(&line).kinds
                };
                total += 1;
                classified += u64::from(!kinds.is_empty());
            }
            let wall = start.elapsed().as_secs_f64();
            let cpu = cpu_seconds()
                .zip(cpu_start)
                .map_or(wall, |(end, start)| end - start);
            if best.is_none_or(|(_, c)| cpu < c) {
                best = Some((wall, cpu));
            }
        }
        let (wall, cpu) = best.unwrap_or((f64::NAN, f64::NAN));
        println!(
            "classifier{}: {total} lines ({:.1} MB), best of {ROUNDS}: {cpu:.3} s CPU ({wall:.3} s wall) = {:.0} lines/s CPU, {classified} lines with a kind",
            if with_envelope {
                " + envelope split"
            } else {
                ""
            },
            bytes as f64 / 1e6,
            total as f64 / cpu,
        );
    }
    println!(
        "compare (user time): time grep -ciE -f {} {}",
        ere_path.display(),
        log_path.display()
    );
    Ok(())
}
