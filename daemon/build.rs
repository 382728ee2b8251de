//! Records the git commit `timed` is built from, so `timed --version` and the RPC can
//! say which build runs (the incident: nobody could tell whether the fix was deployed).
//!
//! Sets `TIMED_GIT_COMMIT` to the 12-digit short hash, with `-dirty` when tracked
//! files differ from HEAD, or `unknown` outside a git checkout; a build that knows
//! its commit otherwise states it in `TIMED_BUILD_COMMIT`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Set by a build that knows its commit without a git checkout (a packager's
/// source tarball, or tests that need a binary reporting a given commit).
const OVERRIDE: &str = "TIMED_BUILD_COMMIT";

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn main() {
    println!("cargo:rerun-if-env-changed={OVERRIDE}");
    let stated = std::env::var(OVERRIDE)
        .ok()
        .filter(|c| !c.trim().is_empty());
    let commit = match stated {
        Some(commit) => commit.trim().to_owned(),
        None => from_git(),
    };
    println!("cargo:rustc-env=TIMED_GIT_COMMIT={commit}");
    rerun_on_git_changes();
}

fn from_git() -> String {
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{hash}-dirty") } else { hash }
        }
        _ => "unknown".to_owned(),
    }
}

fn rerun_on_git_changes() {
    // Rerun when HEAD moves (checkout, commit) or the index or sources change
    // (dirtiness), so the recorded commit stays true.
    if let Some(git_dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        for file in ["HEAD", "index"] {
            println!("cargo:rerun-if-changed={}", git_dir.join(file).display());
        }
        if let (Some(common), Some(head_ref)) = (
            git(&["rev-parse", "--git-common-dir"]),
            git(&["symbolic-ref", "-q", "HEAD"]),
        ) {
            let common = absolute(&common);
            println!(
                "cargo:rerun-if-changed={}",
                common.join(&head_ref).display()
            );
            println!(
                "cargo:rerun-if-changed={}",
                common.join("packed-refs").display()
            );
        }
    }
    for dir in ["src", "../shared/src", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}

/// `--git-common-dir` may be relative to the current directory.
fn absolute(path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_owned())
    }
}
