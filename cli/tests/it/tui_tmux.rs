//! `timectl tui` and `timectl demo` in a real terminal (tmux, 80x24) against real
//! daemons: every node shown, heights moving, a killed node turning its row and
//! the checklist red within two poll intervals, `q` exiting 0 with the terminal
//! restored (no alternate screen, no raw mode), the demo leaving no daemon
//! and no directory behind, on `q` and on Ctrl-C without a terminal, and a
//! certificate trusted on first use told in the title, never printed over it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::locks::{BOB, fleet_with_own_repos, hold_as_deployer};
use crate::support::timectl::{Devnet, MESH_TIMEOUT};
use crate::support::upstream::{Behaviour, UpstreamRpc, first_use_fleet};
use testkit::process::alive as process_alive;
use testkit::wait_until_blocking;

/// Poll interval given to the dashboard; "two poll intervals" is measured in these.
const INTERVAL: Duration = Duration::from_secs(3);

/// A private tmux server (its own socket) with one 80x24 session, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `script` with `sh -c` in a new 80x24 session.
    fn start(script: &str, env: &[(&str, &str)]) -> Tmux {
        Tmux::start_sized(script, env, (80, 24))
    }

    /// Runs `script` with `sh -c` in a new session of `(columns, rows)`.
    fn start_sized(script: &str, env: &[(&str, &str)], (columns, rows): (u16, u16)) -> Tmux {
        let tmux = Tmux {
            socket: format!("tctl-tui-{}-{}", std::process::id(), fastrand::u32(..)),
        };
        let (columns, rows) = (columns.to_string(), rows.to_string());
        let mut cmd = Command::new("tmux");
        cmd.args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "t", "-x", &columns, "-y", &rows]);
        for (key, value) in env {
            cmd.args(["-e", &format!("{key}={value}")]);
        }
        let status = cmd.args(["sh", "-c", script]).status().expect("run tmux");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen as text; with `escapes`, with the attributes as escape codes.
    fn screen(&self, escapes: bool) -> String {
        let mut args = vec!["capture-pane", "-p", "-t", "t"];
        if escapes {
            args.push("-e");
        }
        self.tmux(&args)
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Waits until the screen satisfies `check`, failing with the screen.
    fn wait_for<T>(&self, what: &str, deadline: Duration, check: impl Fn(&str) -> Option<T>) -> T {
        let end = Instant::now() + deadline;
        loop {
            let screen = self.screen(false);
            if let Some(found) = check(&screen) {
                return found;
            }
            assert!(
                Instant::now() < end,
                "timed out after {deadline:?} waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// The row of `node` in the fleet table.
fn row<'a>(screen: &'a str, node: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.trim_start_matches(['┃', '│'])
            .starts_with(&format!("{node} "))
    })
}

/// The height column of `node`'s row when it is up.
fn height(screen: &str, node: &str) -> Option<u64> {
    let row = row(screen, node)?;
    let after = row.split_once("✓ up")?.1;
    after.split_whitespace().next()?.parse().ok()
}

/// What the shell printed after timectl exited: its exit code and the tty modes.
fn after_exit(screen: &str) -> Option<(String, String)> {
    let code = screen
        .lines()
        .find_map(|l| l.strip_prefix("EXIT="))?
        .trim()
        .to_owned();
    let modes = screen
        .lines()
        .skip_while(|l| !l.starts_with("EXIT="))
        .collect::<Vec<_>>()
        .join(" ");
    modes.contains("MODES-END").then_some((code, modes))
}

/// The script a pane runs: timectl, then its exit code and the terminal's modes.
fn script(timectl_args: &str) -> String {
    format!(
        "{} {timectl_args}; echo EXIT=$?; stty -a; echo MODES-END; sleep 600",
        env!("CARGO_BIN_EXE_timectl")
    )
}

/// The recorded daemons of a devnet directory: (name, pid).
fn daemons(dir: &Path) -> Vec<(String, u32)> {
    let text = std::fs::read_to_string(dir.join("devnet.json")).expect("devnet.json");
    let state: serde_json::Value = serde_json::from_str(&text).expect("devnet.json is JSON");
    state["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["name"].as_str().expect("name").to_owned(),
                u32::try_from(n["pid"].as_u64().expect("pid")).expect("pid fits"),
            )
        })
        .collect()
}

fn assert_restored(modes: &str) {
    let words: Vec<&str> = modes.split_whitespace().collect();
    assert!(
        words.contains(&"icanon") && words.contains(&"echo"),
        "raw mode left on: {modes}"
    );
}

#[test]
fn dashboard_follows_a_live_devnet_and_restores_the_terminal() {
    let devnet = Devnet::up(&["--block-interval", "1s"]);
    let interval = format!("{}s", INTERVAL.as_secs());
    let tmux = Tmux::start(
        &script(&format!(
            "--fleet {} tui --interval {interval}",
            devnet.fleet_arg()
        )),
        &[],
    );
    let names = ["node1", "node2", "node3", "node4"];
    let first: Vec<u64> = tmux.wait_for("every node up with a height", MESH_TIMEOUT, |s| {
        names.iter().map(|n| height(s, n)).collect()
    });
    tmux.wait_for("heights to rise", MESH_TIMEOUT, |s| {
        let now: Vec<u64> = names.iter().map(|n| height(s, n)).collect::<Option<_>>()?;
        now.iter().zip(&first).all(|(a, b)| a > b).then_some(())
    });

    let (_, pid) = daemons(&devnet.dir)
        .into_iter()
        .find(|(n, _)| n == "node2")
        .expect("node2 recorded");
    let killed = Instant::now();
    let status = Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let screen = tmux.wait_for("node2 down and the checklist failing", MESH_TIMEOUT, |s| {
        let down = row(s, "node2")?.contains("✗ down");
        (down && s.contains("checklist ✗ FAIL")).then(|| s.to_owned())
    });
    let took = killed.elapsed();
    assert!(
        took <= INTERVAL * 2,
        "node2 turned red after {took:?}, more than two poll intervals:\n{screen}"
    );
    let coloured = tmux.screen(true);
    let node2 = coloured
        .lines()
        .find(|l| l.contains("node2") && l.contains("down"))
        .expect("node2's row");
    // Red as tmux writes it back: the 8-colour code or its 256-colour index.
    let red = ["[31m", "[91m", "38;5;1m", "38;5;9m"];
    assert!(
        red.iter().any(|code| node2.contains(code)),
        "node2's row is not red: {node2:?}"
    );

    tmux.keys(&["q"]);
    let (code, modes) = tmux.wait_for("timectl to exit", Duration::from_secs(20), after_exit);
    assert_eq!(code, "0");
    assert_restored(&modes);
    assert_eq!(
        tmux.tmux(&["display", "-p", "-t", "t", "#{alternate_on}"])
            .trim(),
        "0"
    );
}

#[test]
fn no_color_draws_without_colour_codes() {
    let devnet = Devnet::up(&[]);
    let tmux = Tmux::start(
        &script(&format!("--fleet {} tui", devnet.fleet_arg())),
        &[("NO_COLOR", "1")],
    );
    tmux.wait_for("every node up", MESH_TIMEOUT, |s| {
        ["node1", "node2", "node3", "node4"]
            .iter()
            .all(|n| height(s, n).is_some())
            .then_some(())
    });
    let coloured = tmux.screen(true);
    for sgr in coloured.split("\x1b[").skip(1) {
        let params = sgr.split('m').next().unwrap_or_default();
        for p in params.split(';') {
            let code: u32 = p.parse().unwrap_or(0);
            // 39 and 49 put back the terminal's own colours: no colour at all.
            let colour = (30..=48).contains(&code) || (90..=107).contains(&code);
            assert!(
                !colour || code == 39,
                "colour code {p} in {params:?} under NO_COLOR"
            );
        }
    }
    assert!(coloured.contains("✓ up"), "status words still shown");
    tmux.keys(&["C-c"]);
    let (code, modes) = tmux.wait_for("timectl to exit", Duration::from_secs(20), after_exit);
    assert_eq!(code, "0");
    assert_restored(&modes);
}

/// A node's certificate trusted on first use while the dashboard owns the
/// screen: the notice shows in the title, the screen carries no stray
/// `warning:` text printed over it, and the fingerprint is recorded. The pane is
/// wide enough for the whole title.
#[test]
fn a_certificate_trusted_on_first_use_is_told_in_the_title_not_printed_over_it() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let (fleet, pin) = first_use_fleet(&dir, &rpc);
    let tmux = Tmux::start_sized(&script(&format!("--fleet {fleet} tui")), &[], (200, 30));
    let screen = tmux.wait_for("the notice in the title", MESH_TIMEOUT, |s| {
        let title = s.lines().next()?;
        (title.starts_with("timectl tui · tofu")
            && title.contains("n2: RPC certificate trusted on first use, recorded in"))
        .then(|| s.to_owned())
    });
    assert!(
        !screen.contains("warning:") && !screen.contains("SHA-256"),
        "text printed over the dashboard:\n{screen}"
    );
    let recorded = std::fs::read_to_string(&pin).expect("trust file written");
    assert_eq!(
        timecoin_shared::fleet::parse_fingerprint(&recorded)
            .map(|f| { f.iter().map(|b| format!("{b:02x}")).collect::<String>() }),
        Some(rpc.fingerprint.clone())
    );
    tmux.wait_for("n2 up", MESH_TIMEOUT, |s| {
        row(s, "n2")?.contains("✓ up").then_some(())
    });

    tmux.keys(&["q"]);
    let (code, modes) = tmux.wait_for("timectl to exit", Duration::from_secs(20), after_exit);
    assert_eq!(code, "0");
    assert_restored(&modes);
}

/// The one `timectl-demo-*` directory under `tmp`, once the demo made it.
fn demo_dir(tmp: &Path) -> Option<PathBuf> {
    std::fs::read_dir(tmp)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("timectl-demo-"))
        })
        .map(|p| p.join("devnet"))
        .filter(|p| p.join("devnet.json").is_file())
}

fn assert_cleaned_up(tmp: &Path, pids: &[(String, u32)]) {
    wait_until_blocking(
        "the demo's daemons to be gone",
        Duration::from_secs(20),
        || {
            pids.iter()
                .all(|(_, pid)| !process_alive(*pid))
                .then_some(())
        },
    );
    let left: Vec<_> = std::fs::read_dir(tmp).expect("tmp").collect();
    assert!(
        left.is_empty(),
        "left behind in {}: {left:?}",
        tmp.display()
    );
}

#[test]
fn demo_quits_leaving_no_daemon_and_no_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let timed = crate::support::timed::binary();
    let tmp_s = tmp.path().display().to_string();
    let tmux = Tmux::start(
        &script(&format!("demo --timed {}", timed.display())),
        &[("TMPDIR", &tmp_s)],
    );
    tmux.wait_for("the demo's four nodes up", MESH_TIMEOUT, |s| {
        ["node1", "node2", "node3", "node4"]
            .iter()
            .all(|n| height(s, n).is_some())
            .then_some(())
    });
    let dir = demo_dir(tmp.path()).expect("the demo's devnet directory");
    let pids = daemons(&dir);
    assert_eq!(pids.len(), 4);
    tmux.keys(&["j", "x"]);
    tmux.wait_for("node2 killed by the demo key", MESH_TIMEOUT, |s| {
        row(s, "node2")?.contains("✗ down").then_some(())
    });
    tmux.keys(&["r"]);
    tmux.wait_for("node2 back after the restart key", MESH_TIMEOUT, |s| {
        height(s, "node2")
    });
    let pids = daemons(&dir);
    tmux.keys(&["q"]);
    let (code, modes) = tmux.wait_for("the demo to exit", Duration::from_secs(30), after_exit);
    assert_eq!(code, "0");
    assert_restored(&modes);
    assert_cleaned_up(tmp.path(), &pids);
}

#[test]
fn demo_without_a_terminal_prints_and_cleans_up_on_ctrl_c() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let timed = crate::support::timed::binary();
    let out = tempfile::NamedTempFile::new_in(env!("CARGO_TARGET_TMPDIR")).expect("output file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args(["demo", "--timed"])
        .arg(&timed)
        .env("TMPDIR", tmp.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.reopen().expect("reopen"))
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start timectl demo");
    let text = || std::fs::read_to_string(out.path()).unwrap_or_default();
    wait_until_blocking(
        "the status table and classified log lines",
        MESH_TIMEOUT,
        || {
            let t = text();
            (t.contains("NODE") && t.contains("node4") && t.contains("[block_round]")).then_some(())
        },
    );
    let dir = demo_dir(tmp.path()).expect("the demo's devnet directory");
    let pids = daemons(&dir);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exited = wait_until_blocking(
        "the demo to exit on SIGINT",
        Duration::from_secs(30),
        || child.try_wait().expect("wait"),
    );
    assert_eq!(exited.code(), Some(130), "output:\n{}", text());
    assert_cleaned_up(tmp.path(), &pids);
}

/// Another operator's locks on a live devnet: alice's maintenance lock taken
/// by `timectl lock acquire` on node2, and bob's deploy holding node3 at its
/// gate (his lock as his `timectl deploy` writes it). The rows show each
/// holder, what they do and bob's commit within a lock read (5 s); node3's
/// page shows bob's message; alice's release frees node2's row.
#[test]
fn another_users_lock_and_deploy_show_their_holder_and_commit() {
    let devnet = Devnet::up(&[]);
    let fleet = fleet_with_own_repos(&devnet);
    let as_alice = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_timectl"))
            .args(["--fleet", fleet.as_str(), "lock"])
            .args(args)
            .env("USER", "alice")
            .output()
            .expect("run timectl")
    };
    let tmux = Tmux::start(&script(&format!("--fleet {fleet} tui")), &[]);
    tmux.wait_for("every node up", MESH_TIMEOUT, |s| {
        ["node1", "node2", "node3", "node4"]
            .iter()
            .all(|n| height(s, n).is_some())
            .then_some(())
    });
    let lock_column = |s: &str| s.lines().any(|l| l.split_whitespace().any(|w| w == "LOCK"));
    let screen = tmux.screen(false);
    assert!(!lock_column(&screen), "no lock, no column:\n{screen}");

    let taken = as_alice(&["acquire", "-m", "disk swap", "node2"]);
    assert!(taken.status.success(), "{taken:?}");
    hold_as_deployer(&devnet.dir.join("repos/node3"), &BOB);
    let read = Instant::now();
    let screen = tmux.wait_for("both holders on their rows", MESH_TIMEOUT, |s| {
        let alice = row(s, "node2")?.contains("alice lock");
        let bob = row(s, "node3")?.contains("bob gating 9f1c2ab");
        (alice && bob).then(|| s.to_owned())
    });
    assert!(
        read.elapsed() <= Duration::from_secs(5) * 3,
        "shown after {:?}, more than three lock reads:\n{screen}",
        read.elapsed()
    );
    assert!(lock_column(&screen), "{screen}");
    assert!(
        row(&screen, "node1").is_some_and(|r| r.contains("free")),
        "{screen}"
    );

    // node3's page: the whole holder, message included.
    tmux.keys(&["Down", "Down", "Enter"]);
    tmux.wait_for(
        "node3's page with bob's lock",
        Duration::from_secs(20),
        |s| {
            (s.contains("lock held by bob@ctl2 pid 77 (deploy)")
                && s.contains(r#"target 9f1c2ab · phase gating · "hotfix 7""#))
            .then_some(())
        },
    );
    tmux.keys(&["Escape"]);

    let released = as_alice(&["release", "node2"]);
    assert!(released.status.success(), "{released:?}");
    tmux.wait_for("node2 free again", MESH_TIMEOUT, |s| {
        row(s, "node2")?.contains("free").then_some(())
    });
    tmux.keys(&["q"]);
    let (code, _) = tmux.wait_for("timectl to exit", Duration::from_secs(20), after_exit);
    assert_eq!(code, "0");
}
