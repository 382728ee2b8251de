//! A fleet lab for end-to-end tests: N real Linux hosts on this machine, each a
//! systemd (PID 1) in a `systemd-nspawn` container booted from an overlay of this
//! machine's root, with its own machine-id, SSH host key, sshd, journald and
//! network namespace on a private bridge, plus a controller namespace from which
//! the operator tool runs. Nothing is routed out of the bridge. Torn down on drop.
//!
//! Needs root and `systemd-nspawn` (Debian: systemd-container). A machine that
//! cannot run it fails the test with the reason; it is never skipped silently.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A host boots and starts sshd in seconds; allow for a loaded CI machine.
const BOOT_TIMEOUT: Duration = Duration::from_secs(120);
/// A host's clean poweroff after SIGTERM.
const POWEROFF_TIMEOUT: Duration = Duration::from_secs(20);

/// One booted host.
struct Host {
    name: String,
    root: PathBuf,
    scratch: PathBuf,
    nspawn: Child,
}

/// A running lab.
pub struct Lab {
    dir: TempDir,
    /// Short random tag in every interface, namespace and machine name.
    tag: String,
    /// First three octets of the bridge's /24.
    net: String,
    hosts: Vec<Host>,
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
}

fn must(program: &str, args: &[&str]) {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Lab {
    /// Boots `n` hosts. `binds` are `(here, there, writable)` directories each
    /// host sees.
    ///
    /// # Panics
    /// Not root, no systemd-nspawn, or a host that does not boot (with its console).
    pub fn up(n: usize, binds: &[(&Path, &str, bool)]) -> Lab {
        let net = format!("10.{}.{}", fastrand::u8(64..=127), fastrand::u8(1..=254));
        Lab::up_on(&net, n, binds)
    }

    /// [`Lab::up`] on the bridge `NET.0/24` (`net` is its first three octets):
    /// for runs whose addresses must be known in advance. Each lab has a bridge
    /// of its own, so two labs on one net never meet.
    ///
    /// # Panics
    /// As [`Lab::up`].
    pub fn up_on(net: &str, n: usize, binds: &[(&Path, &str, bool)]) -> Lab {
        let nspawn = run("sh", &["-c", "command -v systemd-nspawn"]);
        assert!(
            nspawn.status.success(),
            "systemd-nspawn not found: the lab needs it (apt-get install systemd-container)"
        );
        let tag = format!("{:04x}", fastrand::u16(..));
        let dir = tempfile::Builder::new()
            .prefix("tctl-lab-")
            .tempdir()
            .expect("tempdir");
        let mut lab = Lab {
            dir,
            tag,
            net: net.to_owned(),
            hosts: Vec::new(),
        };
        crate::sshd::keygen(&lab.key());
        std::fs::write(lab.known_hosts(), "").expect("known_hosts");
        // nspawn refuses a disk-backed /run/systemd/nspawn on some hosts.
        let _ = std::fs::create_dir_all("/run/systemd/nspawn");
        if !run("mountpoint", &["-q", "/run/systemd/nspawn"])
            .status
            .success()
        {
            must("mount", &["-t", "tmpfs", "tmpfs", "/run/systemd/nspawn"]);
        }
        must("ip", &["link", "add", &lab.bridge(), "type", "bridge"]);
        must("ip", &["link", "set", &lab.bridge(), "up"]);
        lab.netns(&lab.ctl_ns(), 254, "c");
        for i in 1..=n {
            let host = lab.boot(i, binds);
            lab.hosts.push(host);
        }
        for i in 1..=n {
            lab.wait_ssh(i);
        }
        lab
    }

    fn bridge(&self) -> String {
        format!("tlb{}", self.tag)
    }

    fn ctl_ns(&self) -> String {
        format!("tl{}-ctl", self.tag)
    }

    fn host_ns(&self, i: usize) -> String {
        format!("tl{}-n{i}", self.tag)
    }

    /// The address of host `i` (1-based).
    pub fn ip(&self, i: usize) -> String {
        format!("{}.{i}", self.net)
    }

    /// The client key every host accepts for root.
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    /// A known_hosts file with every host's key.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// A scratch directory that lives as long as the lab.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn netns(&self, name: &str, octet: u8, veth: &str) {
        must("ip", &["netns", "add", name]);
        let outside = format!("tlv{}{veth}", self.tag);
        must(
            "ip",
            &[
                "link", "add", &outside, "type", "veth", "peer", "name", "eth0", "netns", name,
            ],
        );
        must(
            "ip",
            &["link", "set", &outside, "master", &self.bridge(), "up"],
        );
        let addr = format!("{}.{octet}/24", self.net);
        must("ip", &["-n", name, "addr", "add", &addr, "dev", "eth0"]);
        must("ip", &["-n", name, "link", "set", "eth0", "up"]);
        must("ip", &["-n", name, "link", "set", "lo", "up"]);
    }

    fn boot(&self, i: usize, binds: &[(&Path, &str, bool)]) -> Host {
        let name = format!("tl{}n{i}", self.tag);
        let base = self.dir.path().join(format!("n{i}"));
        let scratch = base.join("scratch");
        let root = base.join("root");
        std::fs::create_dir_all(&scratch).expect("mkdir");
        std::fs::create_dir_all(&root).expect("mkdir");
        // Writes go to RAM: the machine's disk only lends its files.
        must(
            "mount",
            &["-t", "tmpfs", "tmpfs", &scratch.display().to_string()],
        );
        for d in ["upper", "work"] {
            std::fs::create_dir_all(scratch.join(d)).expect("mkdir");
        }
        let options = format!(
            "lowerdir=/,upperdir={0}/upper,workdir={0}/work",
            scratch.display()
        );
        must(
            "mount",
            &[
                "-t",
                "overlay",
                "overlay",
                "-o",
                &options,
                &root.display().to_string(),
            ],
        );
        let machine_id = run("systemd-id128", &["new"]);
        std::fs::write(root.join("etc/machine-id"), &machine_id.stdout).expect("machine-id");
        std::fs::write(root.join("etc/hostname"), format!("n{i}\n")).expect("hostname");
        for old in std::fs::read_dir(root.join("etc/ssh"))
            .expect("etc/ssh")
            .flatten()
        {
            if old.file_name().to_string_lossy().starts_with("ssh_host_") {
                let _ = std::fs::remove_file(old.path());
            }
        }
        let key = root.join("etc/ssh/ssh_host_ed25519_key");
        crate::sshd::keygen(&key);
        let public = std::fs::read_to_string(key.with_extension("pub")).expect("host key");
        let public: Vec<&str> = public.split_whitespace().take(2).collect();
        let mut known = std::fs::read_to_string(self.known_hosts()).unwrap_or_default();
        writeln!(known, "{} {}", self.ip(i), public.join(" ")).expect("fmt");
        std::fs::write(self.known_hosts(), known).expect("known_hosts");
        let ssh_dir = root.join("root/.ssh");
        std::fs::create_dir_all(&ssh_dir).expect("mkdir .ssh");
        std::fs::copy(
            self.key().with_extension("pub"),
            ssh_dir.join("authorized_keys"),
        )
        .expect("authorized_keys");
        // The overlay lends the host's root home, and its ~/.bashrc with it.
        crate::sshd::write_node_bashrc(&root.join("root/.bashrc"), "testkit::lab");
        let octet = u8::try_from(i).expect("host number");
        self.netns(&self.host_ns(i), octet, &format!("{i}"));
        // nspawn wants a system bus for its scope; a unit-named cgroup plus
        // --keep-unit does without one.
        let scope = format!("/sys/fs/cgroup/unified/system.slice/{name}.scope");
        let _ = std::fs::create_dir_all(&scope);
        let mut args = vec![
            "-q".to_owned(),
            "-D".into(),
            root.display().to_string(),
            "-M".into(),
            name.clone(),
            "--keep-unit".into(),
            "--register=no".into(),
            "--console=read-only".into(),
            format!("--network-namespace-path=/run/netns/{}", self.host_ns(i)),
            "--tmpfs=/work".into(),
        ];
        for (here, there, writable) in binds {
            let kind = if *writable { "--bind" } else { "--bind-ro" };
            args.push(format!("{kind}={}:{there}", here.display()));
        }
        args.push("-b".into());
        let console = std::fs::File::create(base.join("console.log")).expect("console log");
        let script =
            format!("[ -d {scope} ] && echo $$ > {scope}/cgroup.procs; exec systemd-nspawn \"$@\"");
        let nspawn = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("nspawn")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(console.try_clone().expect("console"))
            .stderr(console)
            .spawn()
            .expect("start systemd-nspawn");
        Host {
            name,
            root,
            scratch,
            nspawn,
        }
    }

    fn wait_ssh(&self, i: usize) {
        let up = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::wait_until_blocking(&format!("host n{i} over SSH"), BOOT_TIMEOUT, || {
                self.ssh(
                    i,
                    "systemctl is-system-running --wait >/dev/null 2>&1; true",
                )
                .status
                .success()
                .then_some(())
            });
        }));
        if let Err(timeout) = up {
            let console =
                std::fs::read_to_string(self.dir.path().join(format!("n{i}/console.log")))
                    .unwrap_or_default();
            eprintln!("host n{i} console:\n{console}");
            std::panic::resume_unwind(timeout);
        }
    }

    /// A command run in the controller namespace.
    pub fn ctl(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ctl_ns(), program]);
        cmd
    }

    /// A command run in host `i`'s network namespace, from this machine: its
    /// loopback is the host's (the daemon's local RPC), its firewall the host's.
    pub fn in_host(&self, i: usize, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.host_ns(i), program]);
        cmd
    }

    /// Runs `script` as root on host `i` over SSH from the controller.
    pub fn ssh(&self, i: usize, script: &str) -> Output {
        self.ctl("ssh")
            .args([
                "-q",
                "-i",
                &self.key().display().to_string(),
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=2",
            ])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                self.known_hosts().display()
            ))
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                &format!("root@{}", self.ip(i)),
                script,
            ])
            .stdin(Stdio::null())
            .output()
            .expect("run ssh")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for host in &mut self.hosts {
            // SIGTERM makes systemd power the container off cleanly.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(host.nspawn.id()).unwrap_or(0)),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        for host in &mut self.hosts {
            let end = Instant::now() + POWEROFF_TIMEOUT;
            while !matches!(host.nspawn.try_wait(), Ok(Some(_))) && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = host.nspawn.kill();
            let _ = host.nspawn.wait();
            let _ = run("umount", &[&host.root.display().to_string()]);
            let _ = run("umount", &[&host.scratch.display().to_string()]);
            let _ = std::fs::remove_dir(format!(
                "/sys/fs/cgroup/unified/system.slice/{}.scope",
                host.name
            ));
        }
        for i in 1..=self.hosts.len() {
            let _ = run("ip", &["netns", "del", &self.host_ns(i)]);
        }
        let _ = run("ip", &["netns", "del", &self.ctl_ns()]);
        let _ = run("ip", &["link", "del", &self.bridge()]);
    }
}
