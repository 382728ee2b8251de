//! Child processes that die with the test, and a look at the process table for
//! tests that must prove nothing was left behind.

use std::process::Child;

/// A child process killed (SIGKILL) and reaped when dropped, however the test
/// ends.
#[derive(Debug)]
pub struct Guard(pub Child);

impl Guard {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a process exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// A live process: its id and its command line, one argument each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub args: Vec<String>,
}

impl Process {
    /// Whether the program's file name is `name` (`/usr/bin/ssh` is `ssh`).
    pub fn is(&self, name: &str) -> bool {
        self.args
            .first()
            .is_some_and(|a| a.rsplit('/').next() == Some(name))
    }

    /// Whether `flag` is directly followed by `value` (`-p 2222`).
    pub fn has_option(&self, flag: &str, value: &str) -> bool {
        self.args.windows(2).any(|w| w[0] == flag && w[1] == value)
    }

    /// Whether any argument contains `text`.
    pub fn mentions(&self, text: &str) -> bool {
        self.args.iter().any(|a| a.contains(text))
    }
}

/// Every live process whose command line `keep` accepts.
pub fn find(keep: impl Fn(&Process) -> bool) -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let process = Process { pid, args };
            (alive(pid) && keep(&process)).then_some(process)
        })
        .collect()
}
