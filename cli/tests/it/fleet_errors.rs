//! A table of broken fleet files, each with the precise message it must give:
//! file, line, node and key.

use std::io::Write;

const HEAD: &str = "[fleet]\nname = \"testnet\"\n";

#[test]
fn each_broken_fleet_file_gives_its_precise_message() {
    let cases: &[(&str, String, &str)] = &[
        (
            "unknown key on a node",
            format!(
                "{HEAD}\n[[nodes]]\nname = \"LW-London\"\nhost = \"10.0.0.1\"\n\n[[nodes]]\nname = \"LW-Arizona\"\nhostname = \"10.0.0.2\"\n"
            ),
            "fleet.toml:10: node \"LW-Arizona\": unknown key \"hostname\"",
        ),
        (
            "duplicate node name",
            format!(
                "{HEAD}[[nodes]]\nname = \"a\"\nhost = \"h1\"\n[[nodes]]\nname = \"a\"\nhost = \"h2\"\n"
            ),
            "fleet.toml:7: duplicate node name \"a\" (first defined at line 4)",
        ),
        (
            "missing host for ssh",
            format!("{HEAD}[[nodes]]\nname = \"nohost\"\nuser = \"x\"\n"),
            "fleet.toml:3: node \"nohost\": missing key \"host\" (required for transport \"ssh\")",
        ),
        (
            "a host ssh would read as an option",
            format!(
                "{HEAD}[[nodes]]\nname = \"evil\"\nhost = \"-oProxyCommand=touch /tmp/pwned\"\n"
            ),
            "fleet.toml:5: node \"evil\": host \"-oProxyCommand=touch /tmp/pwned\" starts with '-' and would be read as an ssh option",
        ),
        (
            "bad transport",
            format!("{HEAD}[[nodes]]\nname = \"t\"\nhost = \"h\"\ntransport = \"telnet\"\n"),
            "fleet.toml:6: node \"t\": bad transport \"telnet\": expected \"ssh\" or \"local\"",
        ),
        (
            "bad transport in defaults",
            format!(
                "{HEAD}[defaults]\ntransport = \"rsh\"\n[[nodes]]\nname = \"t\"\nhost = \"h\"\n"
            ),
            "fleet.toml:4: [defaults]: bad transport \"rsh\": expected \"ssh\" or \"local\"",
        ),
        (
            "empty fleet",
            HEAD.to_string(),
            "fleet.toml: no nodes: add at least one [[nodes]] table with a name and a host",
        ),
        (
            "missing [fleet]",
            "[[nodes]]\nname = \"a\"\nhost = \"h\"\n".to_string(),
            "fleet.toml: missing [fleet] table (with at least `name`)",
        ),
        (
            "node without a name",
            format!("{HEAD}[[nodes]]\nhost = \"h\"\n"),
            "fleet.toml:3: node #1: missing key \"name\"",
        ),
        (
            "wrong type",
            format!("{HEAD}[[nodes]]\nname = \"p\"\nhost = \"h\"\nport = \"twenty-two\"\n"),
            "fleet.toml:6: node \"p\": key \"port\": invalid type: string \"twenty-two\", expected u16",
        ),
        (
            "port out of range",
            format!("{HEAD}[[nodes]]\nname = \"p\"\nhost = \"h\"\nport = 70000\n"),
            "fleet.toml:6: node \"p\": key \"port\":",
        ),
        (
            "bad rpc",
            format!("{HEAD}[[nodes]]\nname = \"r\"\nhost = \"h\"\nrpc = \"ftp://x\"\n"),
            "fleet.toml:6: node \"r\": bad rpc \"ftp://x\": expected \"tunnel\" or a URL",
        ),
        (
            "unknown command key",
            format!(
                "{HEAD}[defaults.commands]\ndeploy = \"x\"\n[[nodes]]\nname = \"c\"\nhost = \"h\"\n"
            ),
            "fleet.toml:4: [defaults]: commands: unknown key \"deploy\"",
        ),
        (
            "node-only key in defaults",
            format!("{HEAD}[defaults]\nhost = \"h\"\n[[nodes]]\nname = \"c\"\n"),
            "fleet.toml:4: [defaults]: key \"host\" belongs on a node",
        ),
        (
            "unknown placeholder in a command",
            format!(
                "{HEAD}[[nodes]]\nname = \"c\"\nhost = \"h\"\n[nodes.commands]\nlogs = \"tail -F {{logfile}}\"\n"
            ),
            "fleet.toml: node \"c\": commands.logs: unknown placeholder {logfile}",
        ),
        (
            "unknown top-level table",
            format!("{HEAD}[node]\nname = \"x\"\n"),
            "fleet.toml:3: unknown key \"node\"",
        ),
        (
            "not TOML",
            format!("{HEAD}[[nodes]]\nname = \"a\nhost = \"h\"\n"),
            "fleet.toml:4: ",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.toml");
    let mut failures = Vec::new();
    for (what, text, expected) in cases {
        let mut file = std::fs::File::create(&path).expect("create");
        file.write_all(text.as_bytes()).expect("write");
        let err = timectl::testing::load_file(&path)
            .expect_err(what)
            .to_string();
        let shown = err
            .replace(&dir.path().display().to_string(), "")
            .replace("/fleet.toml", "fleet.toml");
        if !shown.starts_with(expected) {
            failures.push(format!(
                "{what}:\n  got      {shown}\n  expected {expected}..."
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
#[test]
fn a_missing_fleet_file_says_where_it_was_looked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
        .arg("status")
        .current_dir(dir.path())
        .env_remove("TIMECTL_FLEET")
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .expect("run timectl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--fleet"), "{stderr}");
    assert!(stderr.contains("timectl/fleet.toml"), "{stderr}");
}
