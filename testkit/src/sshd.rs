//! A real OpenSSH server for tests: one `sshd -D -e` listening on 127.0.0.1 to
//! 127.0.0.4 at one free port, a throwaway host key and client key, and a private
//! known_hosts that lists all four addresses. Killed on drop.
//!
//! [`Sshd::start_with`] listens on up to [`MAX_HOSTS`] addresses and sets
//! sshd's own limits (a fleet of 100 nodes behind one sshd, or sshd's default
//! `MaxStartups` that drops concurrent handshakes).
//!
//! Sessions get a home of their own (`SetEnv HOME`), whose `.bashrc` only sets
//! this process's PATH: what a fleet node's shell costs, not this machine's
//! login set-up (see `write_node_bashrc`).
//!
//! Needs `/usr/sbin/sshd` (Debian: openssh-server) and root (privilege separation
//! directory `/run/sshd`). A missing sshd fails the test with that message; it is
//! never skipped silently.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::net::free_port;

const SSHD: &str = "/usr/sbin/sshd";
/// Addresses sshd listens on: four "hosts" with their own known_hosts lines.
pub const HOSTS: [&str; 4] = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];
/// The most addresses one sshd listens on (OpenSSH's `MAX_LISTEN_SOCKS`).
pub const MAX_HOSTS: usize = 16;
/// sshd starts in milliseconds; allow for a loaded CI machine.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// Another test may grab the probed port before sshd binds it; try a few.
const PORT_ATTEMPTS: usize = 5;

/// How many addresses sshd listens on, and its limits on concurrent
/// handshakes and sessions (its config's words).
#[derive(Clone, Debug)]
pub struct Options {
    /// Listen on 127.0.0.1 up to 127.0.0.`hosts`, at most [`MAX_HOSTS`].
    pub hosts: usize,
    /// `MaxStartups`: unauthenticated connections before sshd drops new ones
    /// (`start:rate:full`, or one number); sshd's default is `10:30:100`.
    pub max_startups: String,
    /// `MaxSessions`: sessions (commands, forwards) per connection; default 10.
    pub max_sessions: u32,
}

impl Default for Options {
    /// Four addresses ([`HOSTS`]), limits the tests never reach.
    fn default() -> Options {
        Options {
            hosts: HOSTS.len(),
            max_startups: "64".into(),
            max_sessions: 64,
        }
    }
}

/// A running sshd and the keys to reach it.
pub struct Sshd {
    child: Child,
    dir: TempDir,
    pub port: u16,
    pub user: String,
    hosts: Vec<String>,
}

impl Sshd {
    /// Starts sshd on [`HOSTS`].
    ///
    /// # Panics
    /// sshd is not installed, or does not come up.
    pub fn start() -> Sshd {
        Sshd::start_with(&Options::default())
    }

    /// Starts sshd as `options` say.
    ///
    /// # Panics
    /// sshd is not installed, does not come up, or more than [`MAX_HOSTS`]
    /// addresses are asked for.
    pub fn start_with(options: &Options) -> Sshd {
        assert!(
            (1..=MAX_HOSTS).contains(&options.hosts),
            "sshd listens on 1 to {MAX_HOSTS} addresses, not {}",
            options.hosts
        );
        let hosts: Vec<String> = (1..=options.hosts)
            .map(|i| format!("127.0.0.{i}"))
            .collect();
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} not found: these tests drive a real sshd; install openssh-server \
             (apt-get install openssh-server) and run them as root"
        );
        std::fs::create_dir_all("/run/sshd").expect("create /run/sshd (run the tests as root)");
        let mut dir = tempfile::Builder::new()
            .prefix("tctl-sshd-")
            .tempdir()
            .expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("mkdir home");
        write_node_bashrc(&home.join(".bashrc"), "testkit::sshd");
        keygen(&dir.path().join("host_key"));
        keygen(&dir.path().join("id_ed25519"));
        std::fs::copy(
            dir.path().join("id_ed25519.pub"),
            dir.path().join("authorized_keys"),
        )
        .expect("authorized_keys");
        let user = whoami();
        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port();
            let config = dir.path().join("sshd_config");
            std::fs::write(&config, sshd_config(dir.path(), port, &hosts, options))
                .expect("write sshd_config");
            let log = std::fs::File::create(dir.path().join("sshd.log")).expect("sshd.log");
            let child = Command::new(SSHD)
                .arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("spawn sshd");
            let mut sshd = Sshd {
                child,
                dir,
                port,
                user: user.clone(),
                hosts: hosts.clone(),
            };
            match sshd.wait_listening() {
                Ok(()) => {
                    sshd.write_known_hosts();
                    return sshd;
                }
                Err(e) => {
                    last_error = e;
                    let _ = sshd.child.kill();
                    let _ = sshd.child.wait();
                    dir = std::mem::replace(&mut sshd.dir, tempfile::tempdir().expect("tempdir"));
                }
            }
        }
        panic!("sshd did not start: {last_error}");
    }

    fn wait_listening(&mut self) -> Result<(), String> {
        let end = std::time::Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("sshd exited ({status}): {}", self.log()));
            }
            let up = self.hosts.iter().all(|h| {
                TcpStream::connect_timeout(
                    &SocketAddr::new(h.parse().expect("ip"), self.port),
                    Duration::from_millis(200),
                )
                .is_ok()
            });
            if up {
                return Ok(());
            }
            if std::time::Instant::now() > end {
                return Err(format!(
                    "not listening after {START_TIMEOUT:?}: {}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn write_known_hosts(&self) {
        let key = std::fs::read_to_string(self.dir.path().join("host_key.pub")).expect("host key");
        let key: String = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let mut lines = String::new();
        for host in &self.hosts {
            writeln!(lines, "[{host}]:{} {key}", self.port).expect("fmt");
        }
        std::fs::write(self.known_hosts(), lines).expect("known_hosts");
    }

    /// The client key sshd accepts.
    pub fn identity(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    /// A known_hosts file listing the host key at every address.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// A scratch directory that lives as long as sshd.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// sshd's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    /// The addresses sshd listens on, 127.0.0.1 first.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// One `[[nodes]]` table per name, at 127.0.0.1, .2, ... on sshd's port (from
    /// the first address again when names outnumber them), with this harness's
    /// key and known_hosts. `extra` goes into each node table.
    pub fn fleet_toml(&self, names: &[&str], extra: &str) -> String {
        let mut text = format!(
            "[fleet]\nname = \"sshtest\"\n\n[defaults]\ntransport = \"ssh\"\nuser = {:?}\nport = {}\nidentity = {:?}\nknown_hosts = {:?}\n",
            self.user,
            self.port,
            self.identity().display().to_string(),
            self.known_hosts().display().to_string(),
        );
        for (i, name) in names.iter().enumerate() {
            let host = &self.hosts[i % self.hosts.len()];
            write!(
                text,
                "\n[[nodes]]\nname = {name:?}\nhost = {host:?}\n{extra}\n"
            )
            .expect("fmt");
        }
        text
    }
}

impl Sshd {
    /// Like [`Sshd::fleet_toml`], each node also reaching an RPC at `rpc` (as seen
    /// from the sshd host, i.e. here) through an SSH tunnel.
    pub fn fleet_toml_with_rpc(&self, nodes: &[(&str, SocketAddr)]) -> String {
        let names: Vec<&str> = nodes.iter().map(|(name, _)| *name).collect();
        let mut text = self.fleet_toml(&names, "");
        for (name, rpc) in nodes {
            text = text.replacen(
                &format!("name = {name:?}\n"),
                &format!(
                    "name = {name:?}\nrpc_host = \"{}\"\nrpc_port = {}\n",
                    rpc.ip(),
                    rpc.port()
                ),
                1,
            );
        }
        text
    }

    /// `ssh` arguments that reach `host` with this harness's key and known_hosts.
    pub fn ssh_args(&self, host: &str) -> Vec<String> {
        vec![
            "-i".into(),
            self.identity().display().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts().display()),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-p".into(),
            self.port.to_string(),
            format!("{}@{host}", self.user),
        ]
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a fleet node's shell start-up file at `path`: this process's PATH and
/// nothing else. sshd runs every command through the user's shell, and bash
/// reads `~/.bashrc` when started by sshd; the host user's may do anything (a
/// pyenv set-up here costs each shell 60 ms of CPU and 280 ms of wall time, and
/// its rehash lock, left by a killed shell, once hung every later command for
/// 60 s), which measures this machine rather than the code under test.
pub(crate) fn write_node_bashrc(path: &Path, whose: &str) {
    let search = std::env::var("PATH")
        .unwrap_or_default()
        .replace('\'', "'\\''");
    std::fs::write(
        path,
        format!("# A fleet node's shell ({whose}).\nexport PATH='{search}'\n"),
    )
    .expect(".bashrc");
}

/// Makes an ed25519 key pair without a passphrase at `path` (and `path.pub`).
pub(crate) fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "timectl-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("run ssh-keygen (openssh-client)");
    assert!(status.success(), "ssh-keygen failed");
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn sshd_config(dir: &Path, port: u16, hosts: &[String], options: &Options) -> String {
    let mut text = format!("Port {port}\n");
    for host in hosts {
        writeln!(text, "ListenAddress {host}").expect("fmt");
    }
    write!(
        text,
        "HostKey {dir}/host_key\n\
         AuthorizedKeysFile {dir}/authorized_keys\n\
         PidFile none\n\
         UsePAM no\n\
         StrictModes no\n\
         PermitRootLogin prohibit-password\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         AllowTcpForwarding yes\n\
         AllowStreamLocalForwarding yes\n\
         MaxSessions {sessions}\n\
         MaxStartups {startups}\n\
         SetEnv HOME={dir}/home\n\
         LogLevel ERROR\n",
        dir = dir.display(),
        sessions = options.max_sessions,
        startups = options.max_startups,
    )
    .expect("fmt");
    text
}
