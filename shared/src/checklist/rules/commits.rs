//! Item 9: every node runs the same commit, and it is the expected one: the one
//! given with `--expect-commit`, else the node's own repo HEAD. A daemon may
//! report a short commit or one marked `-dirty`; a dirty build of the right
//! commit is a warning (it is not what the repo holds).

use std::collections::BTreeMap;

use crate::checklist::facts::CheckFacts;
use crate::checklist::thresholds::Thresholds;
use crate::checklist::verdict::ItemVerdict;

use super::inputs::{at_end, end_probe};
use super::rule::{Item, Rule, Tally};

pub(crate) const RULE: Rule = Rule {
    item: Item {
        id: "same_commit",
        title: "Every node on the same commit",
    },
    judge,
};

/// The marker a build from a tree with uncommitted changes carries.
const DIRTY: &str = "-dirty";

/// The shortest prefix two commits are compared on: git's default short hash.
/// Shorter text (a typo) does not identify a commit, nor does `unknown`.
const MIN_PREFIX: usize = 7;

fn judge(facts: &CheckFacts, _: &Thresholds) -> ItemVerdict {
    let mut tally = Tally::default();
    let mut by_commit: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for node in &facts.nodes {
        let name = node.name.as_str();
        let running = match at_end(node, "commit", |c| {
            c.commit.clone().filter(|c| is_commit(c))
        }) {
            Ok(running) => running,
            Err(missing) => {
                tally.unknown(missing);
                continue;
            }
        };
        by_commit
            .entry(bare(&running).chars().take(MIN_PREFIX).collect())
            .or_default()
            .push(name);
        let expected = match &facts.expect_commit {
            Some(given) => Some((given.clone(), "--expect-commit")),
            None => end_probe(node)
                .ok()
                .and_then(|p| p.repo_head.clone())
                .map(|head| (head, "its repo HEAD")),
        };
        let Some((expected, source)) = expected else {
            tally.unknown(format!(
                "{name}: runs {running}, no repo HEAD known to compare with (give --expect-commit)"
            ));
            continue;
        };
        if !same_commit(&running, &expected) {
            tally.fail(format!(
                "{name}: runs {running}, expected {expected} ({source})"
            ));
        } else if running.ends_with(DIRTY) {
            tally.warn(format!(
                "{name}: runs {running}: {expected} ({source}) with uncommitted changes"
            ));
        } else {
            tally.pass(format!("{name}: runs {running}, as expected ({source})"));
        }
    }
    if by_commit.len() > 1 {
        let groups: Vec<String> = by_commit
            .iter()
            .map(|(commit, nodes)| format!("{commit} on {}", nodes.join(", ")))
            .collect();
        tally.fail(format!(
            "nodes run {} commits: {}",
            by_commit.len(),
            groups.join("; ")
        ));
    }
    tally.finish(RULE.item, facts)
}

/// The commit without the dirty marker, lower case.
fn bare(commit: &str) -> String {
    commit.trim().trim_end_matches(DIRTY).to_ascii_lowercase()
}

/// Whether the text names a commit: hex digits, at least a short hash long.
fn is_commit(commit: &str) -> bool {
    let bare = bare(commit);
    bare.len() >= MIN_PREFIX && bare.chars().all(|c| c.is_ascii_hexdigit())
}

/// A commit as people read it: its first `digits` characters, and the `-dirty`
/// mark when it has one. Every place that shortens a commit uses this one:
/// cut anywhere else, the mark goes, and a binary built from an uncommitted
/// tree passes for the commit it started from.
pub fn short_commit(commit: &str, digits: usize) -> String {
    let commit = commit.trim();
    let (hash, dirty) = match commit.strip_suffix(DIRTY) {
        Some(hash) => (hash, DIRTY),
        None => (commit, ""),
    };
    format!("{}{dirty}", hash.chars().take(digits).collect::<String>())
}

/// Whether two spellings of a commit (full or short, maybe `-dirty`) name the
/// same commit; text that is no commit (`unknown`) matches nothing.
pub fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (bare(a), bare(b));
    is_commit(&a) && is_commit(&b) && (a.starts_with(&b) || b.starts_with(&a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Status;
    use crate::checklist::fixture::{COMMIT, Fixture};

    #[test]
    fn a_short_commit_keeps_the_dirty_mark() {
        assert_eq!(short_commit(COMMIT, 12), "0123456789ab");
        assert_eq!(
            short_commit("0123456789abcdef-dirty", 12),
            "0123456789ab-dirty"
        );
        assert_eq!(short_commit("0123456-dirty", 12), "0123456-dirty");
        assert_eq!(short_commit("1f50bb8c0ffe-dirty", 7), "1f50bb8-dirty");
        assert_eq!(short_commit("unknown", 12), "unknown");
    }

    #[test]
    fn short_and_full_spellings_match_and_others_do_not() {
        assert!(same_commit("0123456", COMMIT));
        assert!(same_commit("0123456789AB-dirty", COMMIT));
        assert!(!same_commit("012345", COMMIT));
        assert!(!same_commit("unknown", "unknown"));
        assert!(!same_commit("1123456", COMMIT));
    }

    #[test]
    fn another_commit_fails_naming_both() {
        let mut f = Fixture::healthy(3);
        f.end(2).chain.commit = Some("fedcba9".into());
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence.contains(&format!(
                "n2: runs fedcba9, expected {COMMIT} (its repo HEAD)"
            )),
            "{v:?}"
        );
        assert!(
            v.evidence
                .contains(&"nodes run 2 commits: 0123456 on n0, n1; fedcba9 on n2".to_string()),
            "{v:?}"
        );
    }

    #[test]
    fn expect_commit_wins_over_head_and_dirty_warns() {
        let mut f = Fixture::healthy(2);
        f.facts.expect_commit = Some("aaaaaaa".into());
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Fail);
        assert!(
            v.evidence[0].ends_with("expected aaaaaaa (--expect-commit)"),
            "{v:?}"
        );
        let mut f = Fixture::healthy(2);
        f.end(0).chain.commit = Some("0123456789ab-dirty".into());
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Warn);
    }

    #[test]
    fn no_head_or_an_unknown_commit_is_unknown() {
        let mut f = Fixture::healthy(2);
        f.end(0).repo_head = None;
        assert_eq!(judge(&f.facts, &f.thresholds).status, Status::Unknown);
        let mut f = Fixture::healthy(2);
        f.end(1).chain.commit = Some("unknown".into());
        let v = judge(&f.facts, &f.thresholds);
        assert_eq!(v.status, Status::Unknown);
        assert!(
            v.evidence
                .contains(&"n1: commit not reported at the end probe".to_string()),
            "{v:?}"
        );
    }
}
