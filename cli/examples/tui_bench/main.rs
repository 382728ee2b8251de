//! Measures the dashboard: the CPU it burns idle on a 4-node devnet, the CPU
//! while its log pane takes 1,000 lines a second, the time to draw one frame at
//! 4 and at 100 nodes, and its resident memory. The goals (issue 11): under 1 %
//! of a core idle, under 10 % under the flood, under 5 ms a frame.
//!
//! Beside the idle figure it prints how often the dashboard woke up and what
//! as many wake-ups with no work at all cost on this machine: on a virtual
//! machine a wake-up alone costs tens of microseconds and the work after it
//! runs on cold caches, so the idle figure depends on the machine as much as
//! on the dashboard. It measures idle twice, from the binary as built and from
//! a fresh copy of it: where the kernel put the code's pages moves the figure
//! too.
//!
//! Needs tmux (the dashboard runs in a real 80x24 terminal). Build the binaries in
//! the same profile first, then run:
//!
//! ```text
//! cargo build --release -p timectl -p timed
//! cargo run --release -p timectl --example tui_bench [IDLE_SECS] [FLOOD_SECS] [FLOOR_SECS]
//! ```
//!
//! # Layout
//! - `frames`: timing frames drawn off-screen, at any fleet size.
//! - `cpu`: a running dashboard's CPU time, wake-ups and memory, and the floor.

mod cpu;
mod frames;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cpu::{Dashboard, empty_wakeups};
use frames::frame_time;

/// Frames are timed with the allocator `timectl` runs on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Idle measurement unless given: the issue's minute.
const IDLE_SECS: u64 = 60;
/// How long the floor (a thread that only wakes up) is measured unless given.
const FLOOR_SECS: u64 = 20;
/// Flood measurement unless given.
const FLOOD_SECS: u64 = 30;
/// Lines a second the flood writes.
const FLOOD_RATE: u64 = 1000;
/// Frames timed per fleet size.
const FRAMES: usize = 200;
/// Frames timed one by one after a pause, like an idle dashboard's.
const COLD_FRAMES: usize = 10;
/// The pause before each of those: an idle dashboard draws about once a second.
const COLD_PAUSE: Duration = Duration::from_secs(1);

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().ok());
    let idle_secs = args.next().flatten().unwrap_or(IDLE_SECS);
    let flood_secs = args.next().flatten().unwrap_or(FLOOD_SECS);
    let floor_secs = args.next().flatten().unwrap_or(FLOOR_SECS);
    for nodes in [4, 100] {
        let mut means = Vec::new();
        for (w, h) in [(80, 24), (160, 48)] {
            let (mean, worst) = frame_time(nodes, (w, h), FRAMES, Duration::ZERO);
            means.push(ms(mean));
            println!(
                "draw, {nodes:>3} nodes at {w}x{h}: mean {:.2} ms, worst {:.2} ms ({FRAMES} frames)",
                ms(mean),
                ms(worst)
            );
        }
        testkit::figures::record(&format!("dashboard.frame.n{nodes}"), "ms", &means);
    }
    // The same frame as an idle dashboard draws it: after the CPU slept. On a
    // virtual machine this costs many times a back-to-back frame (cold caches,
    // a descheduled vCPU), which is most of what the idle figure below measures.
    let (mean, worst) = frame_time(4, (80, 24), COLD_FRAMES, COLD_PAUSE);
    println!(
        "draw,   4 nodes at 80x24 after {} ms asleep: mean {:.2} ms, worst {:.2} ms ({COLD_FRAMES} frames)",
        COLD_PAUSE.as_millis(),
        ms(mean),
        ms(worst)
    );
    let bin_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(Path::to_path_buf))
        .expect("target dir");
    let (timectl, timed) = (bin_dir.join("timectl"), bin_dir.join("timed"));
    for bin in [&timectl, &timed] {
        assert!(
            bin.is_file(),
            "{} missing: cargo build --release -p timectl -p timed",
            bin.display()
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("devnet");
    let _down = testkit::devnet::up(&timectl, &dir, 4, &timed, &[]);

    let fleet = dir.join("fleet.toml");
    // The same bytes twice: the binary as the linker wrote it, and a fresh copy
    // (as an install writes it). The linker writes its output through a
    // mapping, page by page, so the kernel scatters the code over physical
    // memory; a copy is written in large folios, close together. On a virtual
    // machine a wake-up that runs scattered code misses the TLB far more:
    // here the copy measured two to four times cheaper idle.
    let copy = tmp.path().join("timectl");
    std::fs::copy(&timectl, &copy).expect("copy timectl");
    let mut wakes = 0.0;
    for (which, binary) in [("as built", &timectl), ("fresh copy", &copy)] {
        let idle = Dashboard::start(binary, &fleet);
        let (cpu, rss, woke) = idle.measure(Duration::from_secs(idle_secs));
        println!(
            "idle, 4 nodes, {idle_secs} s, {which}: CPU {:.2} % of one core, {woke:.1} wake-ups/s, RSS {:.1} MiB",
            cpu * 100.0,
            mib(rss)
        );
        if which == "fresh copy" {
            testkit::figures::record("dashboard.idle_cpu", "%", &[cpu * 100.0]);
            testkit::figures::record("dashboard.rss", "MiB", &[mib(rss)]);
        }
        wakes = woke;
    }
    // What waking up that often costs on this machine with no work at all: on
    // a virtual machine, most of the figure above.
    let (floor, per_wake) = empty_wakeups(wakes, Duration::from_secs(floor_secs));
    println!(
        "floor: a thread doing nothing but wake {wakes:.1} times a second: CPU {:.2} % of one core \
         ({:.0} us a wake-up)",
        floor * 100.0,
        per_wake.as_secs_f64() * 1e6
    );

    // The same fleet with every node's log command following a file of its own;
    // the files get FLOOD_RATE daemon lines a second in all (a mix of kinds).
    let floods: Vec<PathBuf> = (1..=4)
        .map(|i| tmp.path().join(format!("flood-node{i}.log")))
        .collect();
    for path in &floods {
        std::fs::write(path, "").expect("flood log");
    }
    let text = std::fs::read_to_string(&fleet).expect("fleet.toml");
    let logs_line = text
        .lines()
        .find(|l| l.starts_with("logs = "))
        .expect("logs command");
    let flooded = tmp.path().join("flood.toml");
    let command = format!(
        "logs = \"tail -n 0 -F {}/flood-{{node}}.log\"",
        tmp.path().display()
    );
    std::fs::write(&flooded, text.replace(logs_line, &command)).expect("flood.toml");
    let flood = Dashboard::start(&timectl, &flooded);
    let writer = std::thread::spawn(move || write_flood(&floods, flood_secs + 2));
    std::thread::sleep(Duration::from_secs(2));
    let (cpu, rss, _) = flood.measure(Duration::from_secs(flood_secs));
    let written = writer.join().expect("flood writer");
    println!(
        "flood, {FLOOD_RATE} lines/s over 4 nodes, {flood_secs} s: CPU {:.2} % of one core, \
         RSS {:.1} MiB ({written} lines written)",
        cpu * 100.0,
        mib(rss)
    );
    testkit::figures::record("dashboard.flood_cpu", "%", &[cpu * 100.0]);
    testkit::figures::record("dashboard.rss", "MiB", &[mib(rss)]);
}

/// Appends FLOOD_RATE lines a second in all to `paths`, in turn, for `secs`;
/// returns how many.
fn write_flood(paths: &[PathBuf], secs: u64) -> u64 {
    const LINES: [&str; 4] = [
        "INFO timed::chain: Starting new block round height=10 round=0",
        "INFO timed::net: Handshake completed with 127.0.0.2:24100",
        "WARN timed::net: Connection to 127.0.0.3:24100 failed (attempt 3): Connection reset by peer (os error 104)",
        "INFO timed::chain: Accepted block at height 10",
    ];
    let mut files: Vec<std::fs::File> = paths
        .iter()
        .map(|p| {
            std::fs::OpenOptions::new()
                .append(true)
                .open(p)
                .expect("open flood log")
        })
        .collect();
    let started = Instant::now();
    let mut written = 0u64;
    // In 10 ms slices: 10 lines each, on schedule however long a write took.
    while started.elapsed() < Duration::from_secs(secs) {
        let due = written * 1000 / FLOOD_RATE;
        let now = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if due > now {
            std::thread::sleep(Duration::from_millis(due - now));
        }
        let mut chunk = String::new();
        for k in 0..FLOOD_RATE / 100 {
            chunk.push_str(LINES[((written + k) % 4) as usize]);
            chunk.push('\n');
        }
        let file = &mut files[(written / (FLOOD_RATE / 100)) as usize % paths.len()];
        file.write_all(chunk.as_bytes()).expect("write flood");
        written += FLOOD_RATE / 100;
    }
    written
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
