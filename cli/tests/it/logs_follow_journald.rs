//! `logs` following a real journald: a stream killed mid-way is reported lost,
//! then resumed after the last cursor seen, with no line missed or repeated.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use testkit::journald::Journald;
use timectl::Pool;
use timectl::testing::FleetSource;
use timectl::testing::LogsOptions;
use timectl::testing::NodeLogs;
use timectl::testing::Printer;
use timectl::testing::Sink;
use timectl::testing::follow_logs;

/// Longest wait for a condition: lines reach journald and journalctl in
/// milliseconds; this only bounds a failure.
const DEADLINE: Duration = Duration::from_secs(20);

/// A writer the test can read while `run` writes.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn objects(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

async fn wait_for(what: &str, out: &Shared, done: impl Fn(&[serde_json::Value]) -> bool) {
    testkit::wait_until(what, DEADLINE, || async {
        done(&out.objects()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_stream_resumes_after_cursor_without_gap_or_replay() {
    let journal = Journald::start();
    // The writer: a real process whose stdout is a journald stream, as under
    // systemd with SyslogIdentifier=timed.
    let mut writer = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(journal.stdout_stream("timed"))
        .spawn()
        .expect("start the writer");
    let mut stdin = writer.stdin.take().unwrap();
    let mut write_line = |i: usize| {
        writeln!(stdin, "Connection to 10.0.0.{i}:24100 failed (attempt {i}): Connection reset by peer (os error 104)").unwrap();
    };
    for i in 1..=5 {
        write_line(i);
    }
    // Start streaming once the journal holds them (journalctl reading a journal
    // file that journald is still filling can see only its newest entries).
    let in_journal = || {
        let out = Command::new("sh")
            .arg("-c")
            .arg(journal.journalctl("timed"))
            .output()
            .expect("journalctl");
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    testkit::wait_until("5 lines in the journal", DEADLINE, || async {
        (in_journal() == 5).then_some(())
    })
    .await;

    let command = format!("{} -f", journal.journalctl("timed"));
    let fleet = timecoin_shared::fleet::parse(&format!(
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"n1\"\nhost = \"localhost\"\ntransport = \"local\"\ncommands = {{ logs = {command:?} }}\n"
    ))
    .expect("fleet");
    let source = Arc::new(FleetSource::new(fleet.nodes, Pool::default()));
    let out = Shared::default();
    let node = NodeLogs {
        name: "n1".into(),
        command,
    };
    let options = LogsOptions {
        follow: true,
        lines: Some(1000),
        ..LogsOptions::default()
    };
    let runner = {
        let (source, printer) = (Arc::clone(&source), Printer::new(Sink::Json(out.clone())));
        tokio::spawn(async move {
            let stop = tokio_util::sync::CancellationToken::new();
            follow_logs(source, vec![node], &options, &printer, &stop).await
        })
    };
    let records =
        |objs: &[serde_json::Value]| objs.iter().filter(|o| o.get("line").is_some()).count();
    wait_for("the first 5 lines", &out, |o| records(o) == 5).await;

    // Lose the stream: kill the journalctl process under it.
    let pid = testkit::wait_until("journalctl running", DEADLINE, || async {
        journal.readers().first().map(|p| p.pid)
    })
    .await;
    nix_kill(pid);
    for i in 6..=8 {
        write_line(i);
    }
    wait_for("a lost marker, a resume and 8 lines", &out, |o| {
        records(o) == 8
    })
    .await;
    for i in 9..=10 {
        write_line(i);
    }
    wait_for("10 lines", &out, |o| records(o) == 10).await;
    runner.abort();
    let _ = writer.kill();
    let _ = writer.wait();

    let objs = out.objects();
    let markers: Vec<&str> = objs.iter().filter_map(|o| o["marker"].as_str()).collect();
    assert_eq!(markers, ["lost", "resumed"], "{objs:#?}");
    let resumed = objs.iter().find(|o| o["marker"] == "resumed").unwrap();
    assert_eq!(resumed["how"], "after_cursor");
    let lines: Vec<&serde_json::Value> = objs.iter().filter(|o| o.get("line").is_some()).collect();
    let peers: Vec<String> = lines
        .iter()
        .map(|o| o["peer"].as_str().unwrap().to_owned())
        .collect();
    let want: Vec<String> = (1..=10).map(|i| format!("10.0.0.{i}:24100")).collect();
    assert_eq!(peers, want, "every line once, in order");
    let mut cursors: Vec<&str> = lines
        .iter()
        .map(|o| o["cursor"].as_str().unwrap())
        .collect();
    assert_eq!(
        resumed["after_cursor"].as_str(),
        Some(cursors[4]),
        "resumed after the 5th line, the last seen"
    );
    cursors.dedup();
    assert_eq!(cursors.len(), 10, "no cursor twice");
    for o in &lines {
        assert_eq!(
            o["kinds"],
            serde_json::json!(["connection_reset", "connect_failed"])
        );
        assert_eq!(o["node"], "n1");
    }
}

fn nix_kill(pid: u32) {
    let status = Command::new("kill")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(status.success());
}
