//! Ctrl-C on `timectl logs -f` over SSH, typed in a real terminal (tmux): the
//! command exits promptly with 130, the terminal settings are as before, and
//! nothing is left on either side: no SSH master here, no `journalctl` on the
//! node.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use testkit::journald::Journald;
use testkit::process::Guard;
use testkit::sshd::Sshd;

use crate::support::ssh_masters;

/// Bound on the first lines reaching the terminal: journald and SSH take
/// milliseconds; the margin is for a loaded CI machine.
const FIRST_LINES: Duration = Duration::from_secs(60);

/// "Promptly": the command cancels its stream and closes one master.
const EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// A private tmux server, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server with one 200x50 window running `sh`.
    fn start() -> Tmux {
        let tmux = Tmux {
            socket: format!("tctl-{:08x}", fastrand::u32(..)),
        };
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            "sh",
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("tmux (apt-get install tmux)");
        assert!(out.status.success(), "tmux {args:?}: {out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `keys` into the window (`Enter`, `C-c` are keys).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn ctrl_c_on_logs_follow_over_ssh_exits_130_and_leaves_nothing_behind() {
    let journal = Journald::start();
    let sshd = Sshd::start();
    // A service that logs a line every 100 ms into the journal, as systemd
    // would connect its stdout.
    let _service = Guard(
        Command::new("sh")
            .args([
                "-c",
                "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done",
            ])
            .stdin(Stdio::null())
            .stdout(journal.stdout_stream("timed"))
            .spawn()
            .expect("start the logging service"),
    );
    let logs = format!("{} -f", journal.journalctl("timed"));
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = dir.path().join("fleet.toml");
    std::fs::write(
        &fleet,
        sshd.fleet_toml(&["alpha"], &format!("commands = {{ logs = {logs:?} }}")),
    )
    .expect("fleet");

    let tmux = Tmux::start();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let line = format!(
        "stty -g > {before}; {timectl} --fleet {fleet} logs -f; echo $? > {code}; stty -g > {after}",
        before = file("before"),
        timectl = env!("CARGO_BIN_EXE_timectl"),
        fleet = fleet.display(),
        code = file("code"),
        after = file("after"),
    );
    tmux.keys(&[&line, "Enter"]);
    testkit::wait_until_blocking("log lines on the terminal", FIRST_LINES, || {
        tmux.screen().contains("tick").then_some(())
    });
    assert_eq!(ssh_masters(sshd.port).len(), 1, "one master for one node");
    assert_eq!(journal.readers().len(), 1, "one journalctl on the node");

    let pressed = Instant::now();
    tmux.keys(&["C-c"]);
    let code = testkit::wait_until_blocking("timectl to exit", EXIT_TIMEOUT, || {
        read(&dir.path().join("code"))
    });
    let took = pressed.elapsed();
    assert_eq!(code.trim(), "130", "exit code after Ctrl-C");
    assert!(took < EXIT_TIMEOUT, "took {took:?}");
    let settings = testkit::wait_until_blocking("stty after", EXIT_TIMEOUT, || {
        read(&dir.path().join("after"))
    });
    assert_eq!(
        settings,
        read(&dir.path().join("before")).expect("stty before"),
        "terminal settings restored"
    );
    let screen = tmux.screen();
    assert!(
        !screen.contains("Backtrace") && !screen.contains("error:"),
        "Ctrl-C is not an error: {screen}"
    );
    testkit::wait_until_blocking("no ssh master left", EXIT_TIMEOUT, || {
        ssh_masters(sshd.port).is_empty().then_some(())
    });
    testkit::wait_until_blocking("no journalctl left on the node", EXIT_TIMEOUT, || {
        journal.readers().is_empty().then_some(())
    });
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok().filter(|s| !s.is_empty())
}
