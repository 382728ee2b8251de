//! What a running dashboard costs: its threads' CPU time and wake-ups from the
//! scheduler's own counts, its resident memory, and the cost of as many empty
//! wake-ups on this machine.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `timectl tui` in a private 80x24 tmux server, killed on drop.
pub(crate) struct Dashboard {
    socket: String,
    pid: u32,
}

impl Dashboard {
    pub(crate) fn start(timectl: &Path, fleet: &Path) -> Dashboard {
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
    pub(crate) fn measure(&self, span: Duration) -> (f64, u64, f64) {
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
pub(crate) fn empty_wakeups(per_sec: f64, span: Duration) -> (f64, Duration) {
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
