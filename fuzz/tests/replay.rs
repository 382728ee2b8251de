//! Replays every committed input of every fuzz target through its harness, in
//! the ordinary test run (no instrumentation, no libFuzzer): the seed corpus and
//! what long runs kept in `fuzz/corpus/TARGET/`, and each crash ever found in
//! `fuzz/regressions/TARGET/` (a crash becomes a regression test by being
//! committed there). Also checks that the corpus holds every seed the harnesses
//! give, so the two cannot drift apart.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use timecoin_fuzz::{TARGETS, seeds};

fn dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(kind)
        .join(target)
}

/// The files of `dir`, sorted by name; none when it does not exist.
fn inputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read input");
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_input_replays_without_a_finding() {
    for (target, harness) in TARGETS {
        let corpus = inputs(&dir("corpus", target));
        assert!(!corpus.is_empty(), "{target}: no committed corpus");
        for (path, bytes) in corpus.iter().chain(&inputs(&dir("regressions", target))) {
            let outcome = std::panic::catch_unwind(|| harness(bytes));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        }
    }
}

#[test]
fn the_corpus_holds_every_seed() {
    for (target, _) in TARGETS {
        let committed: HashSet<Vec<u8>> = inputs(&dir("corpus", target))
            .into_iter()
            .map(|(_, bytes)| bytes)
            .collect();
        let seeds = seeds(target);
        assert!(!seeds.is_empty(), "{target}: no seeds");
        for (i, seed) in seeds.iter().enumerate() {
            assert!(
                committed.contains(seed),
                "{target}: seed {i} is not in fuzz/corpus/{target} \
                 (cargo run -p timecoin-fuzz --example write_corpus)"
            );
        }
    }
}
