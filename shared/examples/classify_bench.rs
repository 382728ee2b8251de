//! Throughput of the log classifier on a large generated file of mixed lines, to
//! compare with `grep -ciE` running the same patterns over the same file, and on
//! a second file in the upstream `time-masternode` daemon's wording and layout.
//!
//! Usage: `cargo run --release -p timecoin-shared --example classify_bench -- [LINES] [DIR]`
//! (defaults: 1000000 lines, the system temp dir). It writes `DIR/classify_bench.log`
//! (ours and the incident's), `DIR/classify_bench_upstream.log`,
//! `DIR/classify_bench_mixed.log` (the three interleaved, what an operator saves
//! from a mixed fleet) and `DIR/classify_bench.ere` (the rules as one POSIX
//! extended regex alternation), prints the classifier's lines/s and the
//! `timectl` and `grep` commands to time side by side.
//!
//! When `timectl` was built beside this example (`cargo build -p timectl`,
//! same profile), it then times both on the mixed file in [`PAIRS`] pairs, one
//! right after the other, in CPU time (user + sys, from bash's `time`), so
//! their ratio holds on a busy machine. grep writes its count to a file: with
//! its output on `/dev/null`, GNU grep stops at the first match.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use timecoin_shared::classify::{Classifier, Envelope};

/// Share of generated lines that carry no kind, as in a healthy node's journal
/// (pings, pongs, status lines) where most lines are noise.
const NOISE_PERCENT: u64 = 80;

/// Rounds over the file; the best counts (others are disturbed by neighbours).
const ROUNDS: usize = 3;

/// Paired runs of `timectl logs --summary` and `grep -ciE`.
const PAIRS: usize = 5;

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

/// The upstream daemon's lines carrying kinds.
const UPSTREAM_EVENTS: &[&str] = &[
    "⏳ Peer gate: {n}/3 compatible peer(s) connected ({n}s elapsed, timeout in 570s)",
    "🔄 Simultaneous connection with {i} — yielding Connected outbound and accepting inbound",
    "🔌 Evicted writer for {i} so superseded connection can tear down",
    "🔌 [Inbound] Connection closed by {i} (received {n} message(s))",
    "🔌 Connection from {a} ended: Connection reset by peer (os error 104)",
    "🎲 Block {n} VRF sortition: score=16075735399488524765, weight=1/4, eligible: NO",
    "📦 Block {n} produced: 2 txs, 4 rewards - broadcasting for consensus",
    "✅ [Outbound] Block {n} finalized via consensus!",
    "⏳ Syncing from peers: {n} → 52357 (52357 blocks behind via time-based calculation)",
];

/// The upstream daemon's lines with no kind: its chatter, and its normal VRF deferral.
const UPSTREAM_NOISE: &[&str] = &[
    "📨 [Outbound] Received ping from {i} at height {n}  (nonce: 16356149043330339226)",
    "✅ [Outbound] Sent pong to {i} (nonce: 16356149043330339226)",
    "💓 heartbeat",
    "✅ [Outbound] Precommit consensus reached for block 58d848b61c7e3cf911bc2918c45480a0",
    "⚠️ Block {n} bitmap capacity 4 > local registry size 3 — producer had more masternodes",
    "🔄 {n} blocks behind target but no peers ahead (height {n}, 3 peers checked).",
    "⏭️  Skipping block production for height {n}: peer proposal has better VRF score (1 < 2)",
    "🔌 [Outbound] Unified message loop ended for {i}",
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
    let ip = format!(
        "10.{}.{}.{}",
        rng.next() % 256,
        rng.next() % 256,
        rng.next() % 256
    );
    template
        .replace("{a}", &format!("{ip}:24100"))
        .replace("{i}", &ip)
        .replace("{n}", &(rng.next() % 2000).to_string())
}

/// Which daemon's file a line is for.
#[derive(Clone, Copy)]
enum Dialect {
    /// Ours and the incident's, half tracing fmt, half `journalctl` short output.
    Ours,
    /// Upstream's `debug.log`.
    Upstream,
    /// What an operator saves from a mixed fleet: ours, upstream's `debug.log`
    /// and the incident's pasted journal lines, interleaved.
    Mixed,
}

fn line(i: u64, rng: &mut Lcg, dialect: Dialect) -> String {
    let dialect = match (dialect, i % 3) {
        (Dialect::Mixed, 0) => Dialect::Upstream,
        (Dialect::Mixed, 1) => Dialect::Ours,
        (Dialect::Mixed, _) => Dialect::Mixed,
        (other, _) => other,
    };
    let (events, noise) = match dialect {
        Dialect::Ours | Dialect::Mixed => (EVENTS, NOISE),
        Dialect::Upstream => (UPSTREAM_EVENTS, UPSTREAM_NOISE),
    };
    let message = if rng.next() % 100 < NOISE_PERCENT {
        render(noise[(rng.next() as usize) % noise.len()], rng)
    } else {
        render(events[(rng.next() as usize) % events.len()], rng)
    };
    let (secs, micros) = (i / 1000, (i % 1000) * 1000);
    if let Dialect::Mixed = dialect {
        // The incident's hand-pasted journal: host with a colon, no ident.
        format!(
            "Dec 13 04:{:02}:{:02} LW-Michigan2: WARN {message}",
            (secs / 60) % 60,
            secs % 60
        )
    } else if let Dialect::Upstream = dialect {
        format!(
            "2026-11-29 14:{:02}:{:02}.{:03} [up-n2]  INFO {message}",
            (secs / 60) % 60,
            secs % 60,
            micros / 1000
        )
    } else if i.is_multiple_of(2) {
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
        .replace(r"(?-u:\s)", "[[:space:]]")
        .replace("(?:", "(")
        .replace(".*?", ".*");
    while let Some(start) = out.find("(?P<") {
        let end = out[start..].find('>').map_or(out.len(), |e| start + e + 1);
        out.replace_range(start..end, "(");
    }
    out
}

/// This thread's time on a CPU so far (Linux `schedstat`), if readable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// Writes `lines` generated lines of `dialect` to `path`; gives its size in bytes.
fn write_log(path: &Path, lines: u64, dialect: Dialect) -> std::io::Result<u64> {
    let mut rng = Lcg(7);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for i in 0..lines {
        writeln!(out, "{}", line(i, &mut rng, dialect))?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Classifies every line of `path`, the best of [`ROUNDS`] by on-CPU time (the
/// machine may be shared), and prints the figures under `label`.
fn time(
    classifier: &Classifier,
    path: &Path,
    with_envelope: bool,
    label: &str,
) -> std::io::Result<()> {
    let mut best: Option<(f64, f64)> = None;
    let (mut total, mut classified) = (0u64, 0u64);
    for _ in 0..ROUNDS {
        let reader = BufReader::new(std::fs::File::open(path)?);
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
    let bytes = std::fs::metadata(path)?.len();
    println!(
        "{label}: {total} lines ({:.1} MB), best of {ROUNDS}: {cpu:.3} s CPU ({wall:.3} s wall) = {:.0} lines/s CPU, {classified} lines with a kind",
        bytes as f64 / 1e6,
        total as f64 / cpu,
    );
    Ok(())
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
    let upstream_path = dir.join("classify_bench_upstream.log");
    let mixed_path = dir.join("classify_bench_mixed.log");
    let ere_path = dir.join("classify_bench.ere");

    write_log(&log_path, lines, Dialect::Ours)?;
    write_log(&upstream_path, lines, Dialect::Upstream)?;
    write_log(&mixed_path, lines, Dialect::Mixed)?;
    // One alternation on one line: `grep -E "$(cat F)"` and `grep -E -f F` alike.
    let alternation: Vec<String> = Classifier::patterns()
        .map(|(_, source)| to_ere(&source))
        .collect();
    std::fs::write(&ere_path, format!("{}\n", alternation.join("|")))?;

    let classifier = Classifier::new();
    time(&classifier, &log_path, false, "classifier")?;
    time(&classifier, &log_path, true, "classifier + envelope split")?;
    time(
        &classifier,
        &upstream_path,
        true,
        "upstream debug.log, classifier + envelope split",
    )?;
    time(
        &classifier,
        &mixed_path,
        true,
        "mixed, classifier + envelope split",
    )?;
    let timectl = std::env::current_exe()?
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("timectl"))
        .filter(|p| p.is_file());
    let Some(timectl) = timectl else {
        let (mixed, ere) = (mixed_path.display(), ere_path.display());
        println!(
            "compare (user+sys time, paired runs; build timectl beside this example to have them run here):"
        );
        println!("  timectl logs --from-file {mixed} --summary");
        println!("  LC_ALL=C grep -ciE \"$(cat {ere})\" {mixed}");
        return Ok(());
    };
    paired(&timectl, &mixed_path, &ere_path, &dir)
}

/// Times `timectl logs --summary` and C-locale `grep -ciE` on the same file,
/// [`PAIRS`] times one after the other, and records both and their ratio.
fn paired(
    timectl: &Path,
    file: &Path,
    ere: &Path,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let out = dir.join("classify_bench.out");
    let ours = format!(
        "{} logs --from-file {} --summary > {}",
        timectl.display(),
        file.display(),
        out.display()
    );
    let grep = format!(
        "LC_ALL=C grep -ciE \"$(cat {})\" {} > {}",
        ere.display(),
        file.display(),
        out.display()
    );
    let (mut t, mut g, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        let (ours, theirs) = (cpu_of(&ours)?, cpu_of(&grep)?);
        t.push(ours);
        g.push(theirs);
        ratio.push(ours / theirs.max(1e-3));
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[(v.len() - 1) / 2]
    };
    println!(
        "paired, {PAIRS} runs, CPU (user+sys) median: timectl logs --summary {:.3} s, grep -ciE {:.3} s: {:.2}x grep",
        median(&t),
        median(&g),
        median(&ratio)
    );
    testkit::figures::record("classifier.timectl_cpu", "s", &t);
    testkit::figures::record("classifier.grep_cpu", "s", &g);
    testkit::figures::record("classifier.cpu_vs_grep", "x", &ratio);
    Ok(())
}

/// The user + sys CPU seconds of one shell command, which must succeed.
fn cpu_of(command: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let script = format!("TIMEFORMAT='%U %S'; time ( {command} )");
    let run = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()?;
    // grep exits 1 when nothing matched: a count of 0 is still a run.
    if !matches!(run.status.code(), Some(0 | 1)) {
        return Err(format!("{command}: {}", String::from_utf8_lossy(&run.stderr)).into());
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    let times: Vec<f64> = stderr
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    match times[..] {
        [user, sys] => Ok(user + sys),
        _ => Err(format!("{command}: no time in {stderr:?}").into()),
    }
}
