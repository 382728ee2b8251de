//! The `timed` binary's command line: `--version` names the commit, and a bad config
//! is one error naming the field with exit code 2.

use std::process::{Command, Output};

fn timed(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_timed"))
        .args(args)
        .output()
        .expect("run timed")
}

#[test]
fn version_names_package_and_commit() {
    let out = timed(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = format!("timed {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    let commit = text
        .trim()
        .trim_start_matches(&expected)
        .trim_end_matches(')');
    let hash = commit.trim_end_matches("-dirty");
    assert!(
        commit == "unknown" || (hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
}

fn assert_config_error(args: &[&str], field: &str) {
    let out = timed(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(field),
        "{args:?}: stderr does not name {field}: {stderr}"
    );
}

#[test]
fn bad_config_exits_2_naming_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("listen = \"nowhere\"", "`listen`"),
        ("peers = [\"127.0.0.1\"]", "`peers`"),
        ("block_interval = \"soon\"", "`block_interval`"),
        ("min_masternodes = 0", "`min_masternodes`"),
        ("masternode = \"yes\"", "`masternode`"),
        ("colour = \"blue\"", "`colour`"),
        ("rpc_bind = \"0.0.0.0:8332\"", "`rpc_token`"),
    ];
    for (i, (text, field)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.toml"));
        std::fs::write(&path, text).expect("write config");
        let data = dir.path().join(format!("data{i}"));
        let path = path.to_str().expect("utf-8 path");
        let data = data.to_str().expect("utf-8 path");
        assert_config_error(&["--config", path, "--data-dir", data], field);
    }
    assert_config_error(&["--listen", "nowhere"], "--listen");
    assert_config_error(&["--block-interval", "soon"], "--block-interval");
    assert_config_error(
        &["--config", "/nonexistent/timed.toml"],
        "/nonexistent/timed.toml",
    );
}
