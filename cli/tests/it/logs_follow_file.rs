//! `logs -f` on a source without journal cursors (a devnet's `tail -F` of a log
//! file): when the tail is killed the stream is reported lost, then resumed by
//! time, and the lines `tail` replays on restart are not shown twice.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::upstream::debug_log_stamp;

/// Bound on each wait; the lines travel in milliseconds.
const DEADLINE: Duration = Duration::from_secs(20);

/// The pid of the `tail` following `path`, found in /proc.
fn tail_pid(path: &str) -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let is_it =
                args.first().is_some_and(|a| a.ends_with("tail")) && args.iter().any(|a| a == path);
            is_it
                .then(|| entry.file_name().to_string_lossy().parse().ok())
                .flatten()
        })
}

#[test]
fn killed_tail_resumes_by_time_without_replay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("timed.log");
    let log_s = log.display().to_string();
    let mut file = std::fs::File::create(&log).expect("log file");
    let mut n = 0u32;
    let mut write = |count: u32| {
        for _ in 0..count {
            n += 1;
            writeln!(
                file,
                "2026-11-25T04:10:{:02}.{n:06}Z  WARN timed::net::dialer: Connection to 127.0.0.2:24100 failed (attempt {n}): Connection refused (os error 111)",
                n / 60
            )
            .unwrap();
        }
        file.flush().unwrap();
    };
    write(5);
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"n1\"\nhost = \"localhost\"\ntransport = \"local\"\ncommands = {{ logs = {:?} }}\n",
            format!("tail -F {log_s}")
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .arg("--fleet")
        .arg(&fleet)
        .args(["logs", "-f", "--output", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("timectl logs");
    let stdout = child.stdout.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<serde_json::Value>::new()));
    let sink = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock()
                .unwrap()
                .push(serde_json::from_str(&line).expect("json"));
        }
    });
    let attempts = || -> Vec<u64> {
        seen.lock()
            .unwrap()
            .iter()
            .filter_map(|o| o["attempt"].as_u64())
            .collect()
    };
    testkit::wait_until_blocking("5 lines", DEADLINE, || {
        (attempts().len() == 5).then_some(())
    });

    let pid = testkit::wait_until_blocking("tail running", DEADLINE, || tail_pid(&log_s));
    assert!(
        Command::new("kill")
            .arg(pid.to_string())
            .status()
            .unwrap()
            .success()
    );
    write(3);
    testkit::wait_until_blocking("8 lines after the resume", DEADLINE, || {
        (attempts().len() >= 8).then_some(())
    });
    write(2);
    testkit::wait_until_blocking("10 lines", DEADLINE, || {
        (attempts().len() >= 10).then_some(())
    });
    let _ = child.kill();
    let _ = child.wait();

    assert_eq!(
        attempts(),
        (1..=10).collect::<Vec<u64>>(),
        "each line once, in order"
    );
    let objs = seen.lock().unwrap().clone();
    let markers: Vec<&serde_json::Value> =
        objs.iter().filter(|o| o.get("marker").is_some()).collect();
    assert_eq!(markers.len(), 2, "{markers:#?}");
    assert_eq!(markers[0]["marker"], "lost");
    assert_eq!(markers[1]["marker"], "resumed");
    assert_eq!(markers[1]["how"], "by_time");
}

/// `--since` on a `debug.log` with restart banners: a banner belongs with the
/// line before it, so one among old lines is as old as they are and stays out.
#[test]
fn banner_lines_without_a_time_do_not_pass_since() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("debug.log");
    let now = std::time::SystemTime::now();
    let old = debug_log_stamp(now - Duration::from_secs(3 * 3600));
    let new = debug_log_stamp(now - Duration::from_secs(60));
    std::fs::write(
        &log,
        format!(
            "\n# NODE RESTART (old)\n{old} [up-n1]  INFO 🚀 Starting (old)\n\n# NODE RESTART (old again)\n{old} [up-n1]  INFO ✓ Connected to peer: 10.1.0.1\n{new} [up-n1]  INFO ✓ Connected to peer: 10.1.0.2\n"
        ),
    )
    .expect("log");
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        format!(
            "[fleet]\nname = \"f\"\n[[nodes]]\nname = \"n1\"\ntransport = \"local\"\ncommands = {{ logs = {:?} }}\n",
            format!("tail -n +1 {}", log.display())
        ),
    )
    .expect("fleet");
    let out = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args([
            "--fleet",
            &fleet.display().to_string(),
            "logs",
            "--since",
            "10m",
        ])
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .output()
        .expect("run timectl");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text.contains("10.1.0.2"), "{text}");
    assert!(!text.contains("(old"), "{text}");
    assert!(!text.contains("10.1.0.1"), "{text}");
}
