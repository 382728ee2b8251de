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
//! cargo run --release -p timectl --example tui_bench [IDLE_SECS] [FLOOD_SECS]
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use timecoin_shared::classify::classify;
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::{ChainView, NodeSnapshot, PeerView, Reach};
use timectl::testing::tui::{App, LogLine, Msg, draw, update};

/// Frames are timed with the allocator `timectl` runs on.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Idle measurement unless given: the issue's minute.
const IDLE_SECS: u64 = 60;
/// How long the floor (a thread that only wakes up) is measured.
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
    for nodes in [4, 100] {
        for (w, h) in [(80, 24), (160, 48)] {
            let (mean, worst) = frame_time(nodes, (w, h), FRAMES, Duration::ZERO);
            println!(
                "draw, {nodes:>3} nodes at {w}x{h}: mean {:.2} ms, worst {:.2} ms ({FRAMES} frames)",
                ms(mean),
                ms(worst)
            );
        }
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
    let _down = Down(timectl.clone(), dir.clone());
    let up = Command::new(&timectl)
        .args(["devnet", "up", "--nodes", "4", "--dir"])
        .arg(&dir)
        .arg("--timed")
        .arg(&timed)
        .output()
        .expect("devnet up");
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );

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
        wakes = woke;
    }
    // What waking up that often costs on this machine with no work at all: on
    // a virtual machine, most of the figure above.
    let (floor, per_wake) = empty_wakeups(wakes, Duration::from_secs(FLOOR_SECS));
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
}

/// Mean and worst time to draw one of `frames` frames of a healthy fleet of
/// `nodes` with a full log ring, into an off-screen terminal of `w` x `h`,
/// sleeping `pause` before each.
fn frame_time(
    nodes: usize,
    (w, h): (u16, u16),
    frames: usize,
    pause: Duration,
) -> (Duration, Duration) {
    let now = SystemTime::now();
    let names: Vec<String> = (1..=nodes).map(|i| format!("node{i}")).collect();
    let mut app = App::new("bench", names.clone(), now);
    app.colour = true;
    for round in 0..10u64 {
        for i in 0..nodes {
            update(
                &mut app,
                Msg::Snapshot(Box::new(snapshot(i, nodes, 100 + round, now))),
            );
        }
    }
    for n in 0..5000 {
        let text = format!("Starting new block round height={n} round=0");
        let line = LogLine {
            node: names[n % nodes].clone(),
            time_us: Some(1_795_579_200_000_000),
            class: classify(&text),
            text,
            marker: None,
        };
        update(&mut app, Msg::Log(Box::new(line)));
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    // One frame untimed: the first allocates the buffers and fills the
    // layout cache, which a running dashboard does once.
    terminal.draw(|f| draw(f, &app)).expect("draw");
    let (mut total, mut worst) = (Duration::ZERO, Duration::ZERO);
    for frame in 0..frames {
        // A new snapshot per frame so every frame has something to redraw.
        update(
            &mut app,
            Msg::Snapshot(Box::new(snapshot(frame % nodes, nodes, 200, now))),
        );
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
        let started = Instant::now();
        terminal.draw(|f| draw(f, &app)).expect("draw");
        let took = started.elapsed();
        total += took;
        worst = worst.max(took);
    }
    (total / u32::try_from(frames).unwrap_or(u32::MAX), worst)
}

fn snapshot(i: usize, nodes: usize, height: u64, at: SystemTime) -> NodeSnapshot {
    let id = |j: usize| format!("{j:064x}");
    let peers = (0..nodes)
        .filter(|j| *j != i)
        .map(|j| PeerView {
            node_id: Some(id(j)),
            addr: format!("10.0.{}.{}:24100", j / 250, j % 250),
            direction: Some(if i > j {
                Direction::Outbound
            } else {
                Direction::Inbound
            }),
            connected_secs: Some(60),
            rtt_ms: Some(1.0),
            block_height: Some(height),
        })
        .collect();
    NodeSnapshot {
        node: format!("node{}", i + 1),
        at,
        took: Duration::from_millis(5),
        api: Default::default(),
        reach: Reach::Reachable,
        chain: ChainView {
            block_height: Some(height),
            tip_hash: Some(format!("{height:064x}")),
            active_masternodes: Some(nodes),
            min_masternodes: Some(3),
            connected_peers: Some(nodes - 1),
            pending_transactions: Some(0),
            finalized_transactions: Some(height),
            node_id: Some(id(i)),
            network: Some("bench".into()),
            version: Some("0.1.0".into()),
            commit: Some("0123456789ab".into()),
            uptime_secs: Some(600),
            last_block_age_secs: Some(1),
            listed_masternode: Some(true),
        },
        peers: Some(peers),
        repo_head: None,
    }
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

/// `timectl tui` in a private 80x24 tmux server, killed on drop.
struct Dashboard {
    socket: String,
    pid: u32,
}

impl Dashboard {
    fn start(timectl: &Path, fleet: &Path) -> Dashboard {
        // A server of its own per dashboard: the last one's may still be exiting.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("tui-bench-{}-{n}", std::process::id());
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
            ])
            .arg(timectl)
            .arg("--fleet")
            .arg(fleet)
            .arg("tui")
            .status()
            .expect("tmux (install it)");
        assert!(status.success(), "tmux new-session");
        let out = Command::new("tmux")
            .args(["-L", &socket, "list-panes", "-F", "#{pane_pid}"])
            .output()
            .expect("tmux list-panes");
        let pid = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("pane pid");
        // Let it connect and fill its screen before measuring.
        std::thread::sleep(Duration::from_secs(3));
        Dashboard { socket, pid }
    }

    /// CPU used over `span` as a fraction of one core, the RSS at its end,
    /// and how many times a second its threads were put on a CPU.
    fn measure(&self, span: Duration) -> (f64, u64, f64) {
        let (cpu_before, runs_before) = scheduled(&format!("/proc/{}/task", self.pid));
        std::thread::sleep(span);
        let (cpu, runs) = scheduled(&format!("/proc/{}/task", self.pid));
        let secs = span.as_secs_f64();
        let wakes = runs.saturating_sub(runs_before) as f64 / secs;
        let used = cpu.saturating_sub(cpu_before);
        (used.as_secs_f64() / secs, rss(self.pid), wakes)
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(Stdio::null())
            .status();
    }
}

/// Time the threads under `tasks` (a `/proc/PID/task` directory) have spent
/// on a CPU, to the nanosecond, and how many times they were put on one: the
/// scheduler's own counts (`schedstat`), not the clock-tick sampling of
/// `/proc/PID/stat`, which misses much of a process that wakes up briefly and
/// often.
fn scheduled(tasks: &str) -> (Duration, u64) {
    let tasks = std::fs::read_dir(tasks).expect("process running");
    tasks
        .filter_map(|task| schedstat(&task.ok()?.path().join("schedstat")))
        .fold((Duration::ZERO, 0), |(cpu, runs), (c, r)| {
            (cpu + c, runs + r)
        })
}

/// One thread's `schedstat`: its time on a CPU and how many times it was put
/// on one; `None` once the thread is gone.
fn schedstat(path: &Path) -> Option<(Duration, u64)> {
    let stat = std::fs::read_to_string(path).ok()?;
    let mut fields = stat.split_whitespace();
    let nanos = fields.next()?.parse::<u64>().ok()?;
    let runs = fields.nth(1)?.parse::<u64>().ok()?;
    Some((Duration::from_nanos(nanos), runs))
}

/// A thread of this process that only sleeps and wakes `per_sec` times a
/// second for `span`: the CPU that costs as a fraction of one core, and per
/// wake-up.
fn empty_wakeups(per_sec: f64, span: Duration) -> (f64, Duration) {
    let pause = Duration::from_secs_f64(1.0 / per_sec.max(1.0));
    std::thread::spawn(move || {
        let me = || {
            schedstat(Path::new("/proc/thread-self/schedstat"))
                .expect("schedstat")
                .0
        };
        let (started, before) = (Instant::now(), me());
        let mut wakes = 0u32;
        while started.elapsed() < span {
            std::thread::sleep(pause);
            wakes += 1;
        }
        let used = me().saturating_sub(before);
        (
            used.as_secs_f64() / started.elapsed().as_secs_f64(),
            used / wakes.max(1),
        )
    })
    .join()
    .expect("floor thread")
}

/// Resident memory in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Stops the devnet on drop.
struct Down(PathBuf, PathBuf);

impl Drop for Down {
    fn drop(&mut self) {
        let _ = Command::new(&self.0)
            .args(["devnet", "down", "--dir"])
            .arg(&self.1)
            .stdout(Stdio::null())
            .status();
    }
}
