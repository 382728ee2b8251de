//! Shell command lines for a node, built so that nothing from the fleet file's
//! values or from arguments reaches a shell unquoted.
//!
//! A command template comes from the operator's fleet file and is shell syntax on
//! purpose (`journalctl -u {service} -f -o json`). Values never enter it as text:
//! the script first assigns each value, shlex-quoted, to a shell variable, and a
//! placeholder becomes a reference to that variable, written for the quoting it
//! sits in (`"${v}"` bare, `${v}` inside double quotes, `'"${v}"'` inside single
//! quotes). The shell never re-reads an expanded value, so `$(...)` in a value
//! stays text wherever the placeholder is, even inside `"..."` or `$(...)`.
//! Appended arguments are quoted with shlex.

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
    #[error("unclosed quote or parenthesis in {template:?}")]
    UnclosedQuote { template: String },
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
    /// A fleet-file template with `{name}` placeholders standing for values
    /// (`{{` and `}}` are literal braces); see the module docs for how values
    /// stay data.
    ///
    /// # Errors
    /// An unknown placeholder, an unclosed brace or quote, or a value with a
    /// NUL byte.
    pub fn template(template: &str, vars: &Vars) -> Result<Self, CommandError> {
        let mut body = String::with_capacity(template.len());
        let mut used: Vec<&str> = Vec::new();
        let mut quoting = Scanner::default();
        let mut chars = template.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|&(_, n)| n == '{') => {
                    chars.next();
                    body.push('{');
                }
                '}' if chars.peek().is_some_and(|&(_, n)| n == '}') => {
                    chars.next();
                    body.push('}');
                }
                '{' => {
                    let rest = &template[at + 1..];
                    let end = rest.find('}').ok_or_else(|| CommandError::Unclosed {
                        template: template.to_string(),
                    })?;
                    let name = &rest[..end];
                    let (&key, _) = vars
                        .get_key_value(name)
                        .filter(|_| is_identifier(name))
                        .ok_or_else(|| CommandError::UnknownPlaceholder {
                            name: name.to_string(),
                            template: template.to_string(),
                            known: vars.keys().copied().collect::<Vec<_>>().join(", "),
                        })?;
                    if !used.contains(&key) {
                        used.push(key);
                    }
                    body.push_str(&quoting.current().reference(key));
                    while chars.next_if(|&(i, _)| i <= at + 1 + end).is_some() {}
                }
                // An escaped character is copied as is and changes no quoting
                // (braces stay placeholders even after a backslash).
                '\\' if quoting.current() != Quoting::Single => {
                    body.push(c);
                    if let Some((_, next)) = chars.next_if(|&(_, n)| n != '{' && n != '}') {
                        body.push(next);
                    }
                }
                _ => {
                    body.push(c);
                    quoting.feed(c);
                }
            }
        }
        if !quoting.is_closed() {
            return Err(CommandError::UnclosedQuote {
                template: template.to_string(),
            });
        }
        let mut script = String::new();
        for key in used {
            let value = vars.get(key).map_or("", String::as_str);
            script.push_str(&format!("{}={}; ", variable(key), quote(value)?));
        }
        script.push_str(&body);
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

/// The quoting a character of a template sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    Bare,
    Single,
    Double,
}

impl Quoting {
    /// A reference to the variable holding `key`'s value, right for this quoting.
    fn reference(self, key: &str) -> String {
        let var = variable(key);
        match self {
            Quoting::Bare => format!("\"${{{var}}}\""),
            Quoting::Double => format!("${{{var}}}"),
            Quoting::Single => format!("'\"${{{var}}}\"'"),
        }
    }
}

/// Follows a template's quoting as the shell reads it: quotes, and `(` or `$(`
/// opening a nested level where quoting starts afresh (`"$(cmd "{x}")"`).
/// Backslash escapes are the caller's (they change no quoting).
#[derive(Debug)]
struct Scanner {
    levels: Vec<Quoting>,
    previous: char,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner {
            levels: vec![Quoting::Bare],
            previous: ' ',
        }
    }
}

impl Scanner {
    fn current(&self) -> Quoting {
        self.levels.last().copied().unwrap_or(Quoting::Bare)
    }

    /// Takes one unescaped character.
    fn feed(&mut self, c: char) {
        let current = self.current();
        let nested = self.levels.len() > 1;
        match (current, c) {
            (Quoting::Bare, '\'') => self.set(Quoting::Single),
            (Quoting::Bare, '"') => self.set(Quoting::Double),
            (Quoting::Single, '\'') | (Quoting::Double, '"') => self.set(Quoting::Bare),
            (Quoting::Bare, '(') => self.levels.push(Quoting::Bare),
            (Quoting::Double, '(') if self.previous == '$' => self.levels.push(Quoting::Bare),
            (Quoting::Bare, ')') if nested => {
                self.levels.pop();
            }
            _ => {}
        }
        self.previous = c;
    }

    fn set(&mut self, quoting: Quoting) {
        if let Some(top) = self.levels.last_mut() {
            *top = quoting;
        }
    }

    /// Whether every quote and parenthesis opened was closed.
    fn is_closed(&self) -> bool {
        self.levels == [Quoting::Bare]
    }
}

/// The shell variable that holds a placeholder's value.
fn variable(key: &str) -> String {
    format!("tctl_{key}")
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
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
    fn values_are_variables_referenced_for_their_quoting() {
        let cmd = ShellCommand::template("echo {node} {{literal}} in {repo} {node}", &vars())
            .expect("template");
        assert_eq!(
            cmd.script(),
            r#"tctl_node='x; rm -rf /'; tctl_repo='/srv/my repo'; echo "${tctl_node}" {literal} in "${tctl_repo}" "${tctl_node}""#
        );
        let quoted = ShellCommand::template(r#"echo "a {node}" 'b {service}' \"{repo}"#, &vars())
            .expect("t");
        assert_eq!(
            quoted.script(),
            r#"tctl_node='x; rm -rf /'; tctl_service=timed; tctl_repo='/srv/my repo'; echo "a ${tctl_node}" 'b '"${tctl_service}"'' \""${tctl_repo}""#
        );
    }

    #[test]
    fn an_unclosed_quote_is_an_error() {
        assert!(matches!(
            ShellCommand::template("echo \"{node}", &vars()),
            Err(CommandError::UnclosedQuote { .. })
        ));
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
