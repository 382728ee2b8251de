//! Harnesses for the shared crate's parsers of operator input: the log
//! classifier (every line `timectl logs`, `check` and the dashboard read) and
//! the fleet-file parser. Both take any text and must never panic; each asserts
//! what its callers rely on.

use timecoin_shared::classify::{Classifier, Envelope, LogEntry};
use timecoin_shared::fleet::{self, RpcAccess};

/// Reads `data` as log lines, plain or `journalctl -o json`.
///
/// # Panics
/// When a terminal escape survives into what is printed, or classifying is not
/// a function of the line: a finding.
pub fn log_classifier(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let classifier = Classifier::global();
    for line in text.lines() {
        let entry = LogEntry::parse(line);
        // Correctness: `message` is what `logs` prints to a terminal; an escape
        // left in it lets a log line drive the operator's terminal.
        assert!(!entry.message.contains('\x1b'), "no escape in {line:?}");
        let envelope = Envelope::split(&entry.message);
        assert!(!envelope.message.contains('\x1b'));
        let first = classifier.classify(&entry.message);
        assert_eq!(first, classifier.classify(&entry.message), "deterministic");
    }
}

/// Parses `data` as a fleet file.
///
/// # Panics
/// When a fleet is accepted that its callers must never see (no node, a
/// duplicate or blank name, a host ssh would read as an option, an RPC URL that
/// is not HTTP), or an error points past the file: a finding.
pub fn fleet_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match fleet::parse(text) {
        Ok(fleet) => {
            assert!(!fleet.nodes.is_empty(), "a fleet has nodes");
            let mut names: Vec<&str> = fleet.nodes.iter().map(|n| n.name.as_str()).collect();
            names.sort_unstable();
            let count = names.len();
            names.dedup();
            assert_eq!(names.len(), count, "node names are unique");
            for node in &fleet.nodes {
                assert!(!node.name.trim().is_empty(), "a node has a name");
                assert!(!node.host.starts_with('-'), "a host is never an ssh option");
                if let RpcAccess::Url(url) = &node.rpc {
                    assert!(url.starts_with("http://") || url.starts_with("https://"));
                }
            }
        }
        Err(e) => {
            let lines = text.lines().count().max(1);
            if let Some(line) = e.line {
                assert!(
                    (1..=lines + 1).contains(&line),
                    "line {line} of {lines}: {e}"
                );
            }
        }
    }
}
