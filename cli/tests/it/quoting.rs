//! Nothing from the fleet file's values or from arguments reaches a shell as
//! syntax: whatever a value holds, the shell sees exactly that value, wherever
//! its placeholder sits in the template.

use proptest::prelude::*;
use timectl::testing::{ShellCommand, Vars};

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

    /// Inside double quotes, single quotes, after a backslash, inside `$(...)`:
    /// a value holding shell syntax (`$(...)`, quotes, backticks) stays text.
    #[test]
    fn a_value_stays_text_wherever_its_placeholder_sits(value in "[^\u{0}]{0,40}") {
        let mut vars = Vars::new();
        vars.insert("node", value.clone());
        for (template, expected) in [
            (r#"printf %s "node is {node}""#, format!("node is {value}")),
            ("printf %s 'node is {node}!'", format!("node is {value}!")),
            (r#"printf %s \"{node}"#, format!("\"{value}")),
            // A command substitution drops trailing newlines, whatever made them.
            (
                r#"printf %s "$(printf %s "{node}")""#,
                value.trim_end_matches('\n').to_owned(),
            ),
        ] {
            let cmd = ShellCommand::template(template, &vars).expect("template");
            let out = shell_output(&cmd);
            prop_assert_eq!(String::from_utf8_lossy(&out), expected, "{}", template);
        }
    }

    #[test]
    fn an_appended_argument_arrives_unchanged(value in "[^\u{0}]{0,40}") {
        let cmd = ShellCommand::program(["printf", "%s"]).and_then(|c| c.arg(&value)).expect("cmd");
        prop_assert_eq!(shell_output(&cmd), value.as_bytes());
    }
}

/// The issue's case: a placeholder written inside double quotes in a logs
/// template, a node name holding a command substitution. It must print, not run.
#[test]
fn a_command_substitution_in_a_quoted_placeholder_is_not_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let mut vars = Vars::new();
    vars.insert("node", format!("$(touch {})", marker.display()));
    let cmd = ShellCommand::template(r#"echo "node is {node}""#, &vars).expect("template");
    let out = shell_output(&cmd);
    assert_eq!(
        String::from_utf8_lossy(&out).trim(),
        format!("node is $(touch {})", marker.display())
    );
    assert!(!marker.exists(), "the value was run as a command");
}
