//! Shell command lines for a node, built so that nothing from the fleet file's
//! values or from arguments reaches a shell unquoted.
//!
//! A command template comes from the operator's fleet file and is shell syntax on
//! purpose (`journalctl -u {service} -f -o json`); every value put into it, and
//! every argument appended, is quoted with shlex.

use std::collections::BTreeMap;

use timecoin_shared::fleet::Node;

/// Why a template or an argument could not become a command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown placeholder {{{name}}} in {template:?} (known: {known})")]
    UnknownPlaceholder {
        name: String,
        template: String,
        known: String,
    },
    #[error("unclosed {{ in {template:?} (write {{{{ for a literal brace)")]
    Unclosed { template: String },
    #[error("a value contains a NUL byte and cannot be passed to a shell")]
    Nul,
}

/// Values a template may refer to, by placeholder name.
pub type Vars = BTreeMap<&'static str, String>;

/// The placeholders of a node: `{node}`, `{host}`, `{service}`, `{repo}`,
/// `{user}`, `{rpc_host}`, `{rpc_port}`.
pub fn node_vars(node: &Node) -> Vars {
    let mut vars = Vars::new();
    vars.insert("node", node.name.clone());
    vars.insert("host", node.host.clone());
    vars.insert("service", node.service.clone());
    vars.insert("repo", node.repo.clone().unwrap_or_default());
    vars.insert("user", node.user.clone().unwrap_or_default());
    vars.insert("rpc_host", node.rpc_host.clone());
    vars.insert("rpc_port", node.rpc_port.to_string());
    vars
}

/// A POSIX shell script for `sh -c`, with every value in it quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    script: String,
}

impl ShellCommand {
    /// A fleet-file template with `{name}` placeholders replaced by quoted values
    /// (`{{` and `}}` are literal braces).
    ///
    /// # Errors
    /// An unknown placeholder, an unclosed brace, or a value with a NUL byte.
    pub fn template(template: &str, vars: &Vars) -> Result<Self, CommandError> {
        let mut script = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(pos) = rest.find(['{', '}']) {
            script.push_str(&rest[..pos]);
            let tail = &rest[pos..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                script.push_str(&tail[..1]);
                rest = &tail[2..];
            } else if let Some(after) = tail.strip_prefix('}') {
                script.push('}');
                rest = after;
            } else {
                let end = tail.find('}').ok_or_else(|| CommandError::Unclosed {
                    template: template.to_string(),
                })?;
                let name = &tail[1..end];
                let value = vars
                    .get(name)
                    .ok_or_else(|| CommandError::UnknownPlaceholder {
                        name: name.to_string(),
                        template: template.to_string(),
                        known: vars.keys().copied().collect::<Vec<_>>().join(", "),
                    })?;
                script.push_str(&quote(value)?);
                rest = &tail[end + 1..];
            }
        }
        script.push_str(rest);
        Ok(ShellCommand { script })
    }

    /// A program and its arguments, each word quoted.
    ///
    /// # Errors
    /// A word with a NUL byte.
    pub fn program<I, S>(words: I) -> Result<Self, CommandError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let quoted: Result<Vec<String>, CommandError> =
            words.into_iter().map(|w| quote(w.as_ref())).collect();
        Ok(ShellCommand {
            script: quoted?.join(" "),
        })
    }

    /// Appends one quoted argument (e.g. `--after-cursor CURSOR` to a logs command).
    ///
    /// # Errors
    /// An argument with a NUL byte.
    pub fn arg(mut self, arg: &str) -> Result<Self, CommandError> {
        self.script.push(' ');
        self.script.push_str(&quote(arg)?);
        Ok(self)
    }

    /// Runs the command in `dir` (a node's `repo`), failing if it does not exist.
    ///
    /// # Errors
    /// A directory with a NUL byte.
    pub fn in_dir(self, dir: &str) -> Result<Self, CommandError> {
        Ok(ShellCommand {
            script: format!("cd {} && {}", quote(dir)?, self.script),
        })
    }

    /// The script, for `sh -c`.
    pub fn script(&self) -> &str {
        &self.script
    }
}

impl std::fmt::Display for ShellCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.script)
    }
}

fn quote(value: &str) -> Result<String, CommandError> {
    shlex::try_quote(value)
        .map(|q| q.into_owned())
        .map_err(|_| CommandError::Nul)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::new();
        v.insert("service", "timed".into());
        v.insert("repo", "/srv/my repo".into());
        v.insert("node", "x; rm -rf /".into());
        v
    }

    #[test]
    fn values_are_quoted_and_braces_escape() {
        let cmd =
            ShellCommand::template("echo {node} {{literal}} in {repo}", &vars()).expect("template");
        assert_eq!(
            cmd.script(),
            "echo 'x; rm -rf /' {literal} in '/srv/my repo'"
        );
        let plain = ShellCommand::template("journalctl -u {service}", &vars()).expect("t");
        assert_eq!(plain.script(), "journalctl -u timed");
    }

    #[test]
    fn unknown_or_unclosed_placeholders_are_errors() {
        let err = ShellCommand::template("echo {nope}", &vars()).expect_err("unknown");
        assert!(err.to_string().contains("{nope}"), "{err}");
        assert!(matches!(
            ShellCommand::template("echo {repo", &vars()),
            Err(CommandError::Unclosed { .. })
        ));
    }

    #[test]
    fn arguments_and_directories_are_quoted() {
        let cmd = ShellCommand::program(["tail", "-F", "/tmp/a b.log"])
            .and_then(|c| c.arg("$(reboot)"))
            .and_then(|c| c.in_dir("/srv/it's"))
            .expect("command");
        assert_eq!(
            cmd.script(),
            r#"cd "/srv/it's" && tail -F '/tmp/a b.log' '$(reboot)'"#
        );
        assert_eq!(ShellCommand::program(["a\0b"]), Err(CommandError::Nul));
    }
}
