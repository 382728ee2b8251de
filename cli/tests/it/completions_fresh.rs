//! `completions/` is generated (`cargo xtask completions`); this fails when the
//! committed files no longer match the clap definition, and checks that
//! `timectl completions SHELL` prints the same text.

use std::path::Path;

fn completions_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../completions"))
}

#[test]
fn committed_completions_and_man_page_are_fresh() {
    let mut stale = Vec::new();
    let mut expected: Vec<(String, Vec<u8>)> = timectl::COMPLETION_SHELLS
        .iter()
        .map(|(shell, file)| (file.to_string(), timectl::completion_script(*shell)))
        .collect();
    let mut man = Vec::new();
    clap_mangen::Man::new(timectl::command())
        .render(&mut man)
        .expect("render man page");
    expected.push(("timectl.1".into(), man));
    for (file, bytes) in expected {
        let committed = std::fs::read(completions_dir().join(&file)).unwrap_or_default();
        if committed != bytes {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "completions/ is stale ({}): run `cargo xtask completions` and commit the result",
        stale.join(", ")
    );
}

#[test]
fn the_completions_command_prints_the_committed_script() {
    for (shell, file) in timectl::COMPLETION_SHELLS {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
            .args(["completions", &shell.to_string()])
            .output()
            .expect("run timectl");
        assert!(out.status.success(), "{shell}: {out:?}");
        let committed = std::fs::read(completions_dir().join(file)).expect("committed script");
        assert!(
            out.stdout == committed,
            "{shell}: output differs from completions/{file}"
        );
    }
}
