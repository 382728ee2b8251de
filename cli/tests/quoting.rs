//! Nothing from the fleet file's values or from arguments reaches a shell as
//! syntax: whatever a value holds, the shell sees exactly that value.

use proptest::prelude::*;
use timectl::remote::{ShellCommand, Vars};

/// What `sh -c SCRIPT` prints.
fn shell_output(cmd: &ShellCommand) -> Vec<u8> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd.script())
        .output()
        .expect("run sh");
    assert!(out.status.success(), "{cmd}: {out:?}");
    out.stdout
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_substituted_value_arrives_unchanged(value in "[^\u{0}]{0,40}") {
        let mut vars = Vars::new();
        vars.insert("node", value.clone());
        let cmd = ShellCommand::template("printf %s {node}", &vars).expect("template");
        prop_assert_eq!(shell_output(&cmd), value.as_bytes());
    }

    #[test]
    fn an_appended_argument_arrives_unchanged(value in "[^\u{0}]{0,40}") {
        let cmd = ShellCommand::program(["printf", "%s"]).and_then(|c| c.arg(&value)).expect("cmd");
        prop_assert_eq!(shell_output(&cmd), value.as_bytes());
    }
}
