//! Which fleet file `timectl` uses: `--fleet`, then `$TIMECTL_FLEET`, then
//! `./fleet.toml`, then `$XDG_CONFIG_HOME/timectl/fleet.toml`, then
//! `~/.config/timectl/fleet.toml`. Each candidate names a different node, and
//! `status --output json` shows which one was read.

use std::path::Path;
use std::process::Command;

/// A one-node local fleet whose RPC refuses at once (port 1 on loopback).
fn write_fleet(path: &Path, node: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let text = format!(
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"{node}\"\ntransport = \"local\"\nrpc = \"http://127.0.0.1:1\"\n"
    );
    std::fs::write(path, text).expect("write fleet");
}

fn chosen(
    cwd: &Path,
    home: &Path,
    xdg: Option<&Path>,
    env: Option<&Path>,
    flag: Option<&Path>,
) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_timectl"));
    if let Some(flag) = flag {
        cmd.arg("--fleet").arg(flag);
    }
    cmd.args(["status", "--output", "json"])
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("TIMECTL_FLEET");
    if let Some(xdg) = xdg {
        cmd.env("XDG_CONFIG_HOME", xdg);
    }
    if let Some(env) = env {
        cmd.env("TIMECTL_FLEET", env);
    }
    let out = cmd.output().expect("run timectl");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["nodes"][0]["name"]
        .as_str()
        .expect("name")
        .to_string()
}

#[test]
fn the_fleet_file_is_found_in_the_documented_order() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let (cwd, home, xdg) = (root.join("cwd"), root.join("home"), root.join("xdg"));
    std::fs::create_dir_all(&cwd).expect("cwd");
    write_fleet(&home.join(".config/timectl/fleet.toml"), "from-home-config");
    assert_eq!(chosen(&cwd, &home, None, None, None), "from-home-config");

    write_fleet(&xdg.join("timectl/fleet.toml"), "from-xdg");
    assert_eq!(chosen(&cwd, &home, Some(&xdg), None, None), "from-xdg");

    write_fleet(&cwd.join("fleet.toml"), "from-cwd");
    assert_eq!(chosen(&cwd, &home, Some(&xdg), None, None), "from-cwd");

    let env_file = root.join("env.toml");
    write_fleet(&env_file, "from-env");
    assert_eq!(
        chosen(&cwd, &home, Some(&xdg), Some(&env_file), None),
        "from-env"
    );

    let flag_file = root.join("flag.toml");
    write_fleet(&flag_file, "from-flag");
    assert_eq!(
        chosen(&cwd, &home, Some(&xdg), Some(&env_file), Some(&flag_file)),
        "from-flag"
    );
}
