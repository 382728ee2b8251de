//! The command run on each node: the fleet's `logs` command (default
//! `journalctl -u timed -f -o json`) adjusted for this run: follow or not, a
//! start time, or a cursor to resume after.

use super::constants::FOLLOW_FLAGS;

/// What this run of the command must cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// Keep streaming new lines.
    pub follow: bool,
    /// Start here (`journalctl --since` syntax), when no cursor is known.
    pub since: Option<String>,
    /// Resume strictly after this journal cursor.
    pub after_cursor: Option<String>,
    /// With neither: how many past lines to show first.
    pub lines: Option<u32>,
}

/// Why the fleet's logs command cannot be adjusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CommandError {
    #[error("logs command {0:?} has unbalanced quotes")]
    Unparsable(String),
    #[error(
        "logs command {0:?} is a shell pipeline; -f, --since and resuming need a plain `journalctl ...` or `tail ...` command"
    )]
    Pipeline(String),
}

/// Shell words that make a command more than one simple command.
const SHELL_OPERATORS: [&str; 8] = ["|", "||", "&&", ";", "&", ">", ">>", "<"];

/// Builds the shell command for `request`. Every word added is shell-quoted.
///
/// `journalctl` gets `-f`, `--after-cursor=`, `--since=` or `-n` as needed; other
/// commands (`tail -F FILE` on a devnet) only lose their follow flag when not
/// following: they cannot seek, so resuming them is by time (see `follow`).
///
/// # Errors
/// Unbalanced quotes, or a pipeline when flags must change.
pub fn build(base: &str, request: &Request) -> Result<String, CommandError> {
    let words = shlex::split(base).ok_or_else(|| CommandError::Unparsable(base.to_owned()))?;
    if words.iter().any(|w| SHELL_OPERATORS.contains(&w.as_str())) {
        return Err(CommandError::Pipeline(base.to_owned()));
    }
    let program = words
        .iter()
        .find(|w| *w != "sudo" && !w.starts_with('-') && !w.contains('='));
    let journalctl = program.is_some_and(|p| p == "journalctl" || p.ends_with("/journalctl"));
    let mut words: Vec<String> = words
        .into_iter()
        .filter(|w| request.follow || !FOLLOW_FLAGS.contains(&w.as_str()))
        .collect();
    if journalctl {
        if request.follow && !words.iter().any(|w| FOLLOW_FLAGS.contains(&w.as_str())) {
            words.push("-f".to_owned());
        }
        if let Some(cursor) = &request.after_cursor {
            words.push(format!("--after-cursor={cursor}"));
        } else if let Some(since) = &request.since {
            words.push(format!("--since={since}"));
        } else if let Some(n) = request.lines {
            words.push(format!("--lines={n}"));
        }
    }
    shlex::try_join(words.iter().map(String::as_str))
        .map_err(|_| CommandError::Unparsable(base.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "journalctl -u timed -f -o json";

    #[test]
    fn journalctl_gets_cursor_since_or_lines() {
        let follow = Request {
            follow: true,
            lines: Some(10),
            ..Request::default()
        };
        assert_eq!(
            build(DEFAULT, &follow).unwrap(),
            "journalctl -u timed -f -o json '--lines=10'"
        );
        let resume = Request {
            follow: true,
            after_cursor: Some("s=1;i=2".into()),
            since: Some("-1h".into()),
            ..Request::default()
        };
        assert_eq!(
            build(DEFAULT, &resume).unwrap(),
            "journalctl -u timed -f -o json '--after-cursor=s=1;i=2'"
        );
        let window = Request {
            since: Some("-600s".into()),
            ..Request::default()
        };
        assert_eq!(
            build(DEFAULT, &window).unwrap(),
            "journalctl -u timed -o json '--since=-600s'"
        );
        assert_eq!(
            build("sudo journalctl -t timed -o json", &follow).unwrap(),
            "sudo journalctl -t timed -o json -f '--lines=10'"
        );
    }

    #[test]
    fn other_commands_only_lose_follow() {
        let once = Request::default();
        assert_eq!(
            build("tail -n +1 -F '/var/log/n 1.log'", &once).unwrap(),
            "tail -n +1 '/var/log/n 1.log'"
        );
        let follow = Request {
            follow: true,
            after_cursor: Some("c".into()),
            ..Request::default()
        };
        assert_eq!(build("tail -F x.log", &follow).unwrap(), "tail -F x.log");
    }

    #[test]
    fn bad_commands_are_errors() {
        assert!(matches!(
            build("journalctl 'oops", &Request::default()),
            Err(CommandError::Unparsable(_))
        ));
        assert!(matches!(
            build("journalctl -o json | grep x", &Request::default()),
            Err(CommandError::Pipeline(_))
        ));
    }
}
