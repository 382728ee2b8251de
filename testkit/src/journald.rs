//! A real, private journald for tests: the stand-alone `systemd-journald` in a
//! journal namespace of its own (`systemd-journald NAMESPACE`), so concurrent
//! test runs and the machine's own journal never mix. Processes log to it the way
//! systemd connects a service's stdout (`SyslogIdentifier=timed`): through its
//! stdout stream socket with a small header. `journalctl --namespace=NS` reads it.
//!
//! Needs root (journald binds under /run/systemd) and the `systemd` package.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The stand-alone journald binary as Debian ships it.
const JOURNALD: &str = "/lib/systemd/systemd-journald";

/// How long journald gets to create its sockets (it takes milliseconds).
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A running private journald; stopped and its files removed on drop.
pub struct Journald {
    namespace: String,
    child: Child,
    /// A stream held open for the fixture's life: a namespaced journald exits
    /// when no client has been connected for a while, which a slow step of a
    /// test (building `timed` on a busy machine) can exceed.
    _keepalive: Option<UnixStream>,
}

impl Journald {
    /// Starts one.
    ///
    /// # Panics
    /// When journald is missing or cannot start: the test cannot run without it,
    /// and says what to install.
    pub fn start() -> Journald {
        assert!(
            Path::new(JOURNALD).exists(),
            "{JOURNALD} is missing: install the `systemd` package (tests need a real journald)"
        );
        let namespace = format!("tl{:08x}", fastrand::u32(..));
        let child = Command::new(JOURNALD)
            .arg(&namespace)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {JOURNALD}: {e}"));
        let mut journald = Journald {
            namespace,
            child,
            _keepalive: None,
        };
        let deadline = Instant::now() + START_DEADLINE;
        // Correctness: the socket file exists from bind(), before listen(); only a
        // connection that succeeds says journald is ready.
        loop {
            if let Ok(mut stream) = UnixStream::connect(journald.socket_dir().join("stdout")) {
                write!(stream, "{}", header("testkit")).expect("journald stream header");
                journald._keepalive = Some(stream);
                break;
            }
            if let Ok(Some(status)) = journald.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = journald.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("{JOURNALD} exited ({status}); run the tests as root. stderr: {err}");
            }
            assert!(
                Instant::now() < deadline,
                "{JOURNALD} made no sockets within {START_DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        journald
    }

    fn socket_dir(&self) -> PathBuf {
        PathBuf::from(format!("/run/systemd/journal.{}", self.namespace))
    }

    /// A stream into the journal under `identifier`, as systemd hands a service's
    /// stdout: give it to a child as its stdout and every line it prints is one
    /// journal entry.
    pub fn stdout_stream(&self, identifier: &str) -> Stdio {
        let mut stream = UnixStream::connect(self.socket_dir().join("stdout"))
            .unwrap_or_else(|e| panic!("connect to journald's stdout socket: {e}"));
        write!(stream, "{}", header(identifier)).expect("journald stream header");
        Stdio::from(std::os::fd::OwnedFd::from(stream))
    }

    /// The journal namespace, unique to this journald.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The `journalctl` processes reading this journal now (to prove a stream's
    /// reader was stopped).
    pub fn readers(&self) -> Vec<crate::process::Process> {
        let option = format!("--namespace={}", self.namespace);
        crate::process::find(|p| p.is("journalctl") && p.mentions(&option))
    }

    /// The journalctl command reading this journal's `identifier` lines as JSON.
    pub fn journalctl(&self, identifier: &str) -> String {
        format!(
            "journalctl --namespace={} -t {identifier} -o json",
            self.namespace
        )
    }
}

/// The header of a journald stdout stream: identifier, unit, priority (6 =
/// info), level prefix, forward to syslog, kmsg, console.
fn header(identifier: &str) -> String {
    format!("{identifier}\n\n6\n0\n0\n0\n0\n")
}

impl Drop for Journald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.socket_dir());
        // Its files: /var/log/journal/MACHINE_ID.NS (or under /run/log/journal).
        for root in ["/var/log/journal", "/run/log/journal"] {
            let Ok(entries) = std::fs::read_dir(root) else {
                continue;
            };
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .ends_with(&format!(".{}", self.namespace))
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
}
