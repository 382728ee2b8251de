//! The command run on each node: the fleet's `logs` command template (default
//! `journalctl -u timed -f -o json`) adjusted for this run: follow or not, a
//! start time, or a cursor to resume after.
//!
//! It works on the template, before the transport fills its placeholders, and
//! only removes whole follow flags or appends arguments (which the transport
//! quotes), so the operator's quoting is left as written.

/// Words that make a log command follow (journalctl `-f`, tail `-f`/`-F`).
const FOLLOW_FLAGS: [&str; 3] = ["-f", "-F", "--follow"];

/// What this run of the command must cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Request {
    /// Keep streaming new lines.
    pub follow: bool,
    /// Start here (`journalctl --since` syntax), when no cursor is known.
    pub since: Option<String>,
    /// Resume strictly after this journal cursor.
    pub after_cursor: Option<String>,
    /// With neither: how many past lines to show first.
    pub lines: Option<u32>,
}

/// The template to run and the arguments to append to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjusted {
    pub template: String,
    pub args: Vec<String>,
}

/// Why the fleet's logs command cannot be adjusted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum CommandError {
    #[error("logs command {0:?} has unbalanced quotes")]
    Unparsable(String),
    #[error(
        "logs command {0:?} is a shell pipeline; -f, --since and resuming need a plain `journalctl ...` or `tail ...` command"
    )]
    Pipeline(String),
}

/// Shell words that make a command more than one simple command.
const SHELL_OPERATORS: [&str; 8] = ["|", "||", "&&", ";", "&", ">", ">>", "<"];

/// Whether the command, asked for a start time (`Request::since`), prints
/// everything logged since then before following: `journalctl` (it gets
/// `--since`) and `tail -n +N` (the file from a line on). A plain `tail`
/// prints its last few lines, which may not reach that far back.
pub(crate) fn reads_from_a_time(template: &str) -> bool {
    let Some(words) = shlex::split(template) else {
        return false;
    };
    let mut program = words
        .iter()
        .filter(|w| *w != "sudo" && !w.starts_with('-') && !w.contains('='));
    let Some(program) = program.next() else {
        return false;
    };
    let name = program.rsplit('/').next().unwrap_or(program);
    match name {
        "journalctl" => true,
        "tail" => {
            words.windows(2).any(|pair| {
                matches!(pair[0].as_str(), "-n" | "--lines") && pair[1].starts_with('+')
            }) || words
                .iter()
                .any(|w| w.starts_with("-n+") || w.starts_with("--lines=+"))
        }
        _ => false,
    }
}

/// Adjusts `template` for `request`.
///
/// `journalctl` gets `-f`, `--after-cursor=`, `--since=` or `--lines=` as needed;
/// other commands (`tail -F FILE` on a devnet) only lose their follow flag when
/// not following: they cannot seek, so resuming them is by time (see `follow`).
///
/// # Errors
/// Unbalanced quotes, or a pipeline when something must change.
pub(crate) fn adjust(template: &str, request: &Request) -> Result<Adjusted, CommandError> {
    let words =
        shlex::split(template).ok_or_else(|| CommandError::Unparsable(template.to_owned()))?;
    let pipeline = words.iter().any(|w| SHELL_OPERATORS.contains(&w.as_str()));
    let program = words
        .iter()
        .find(|w| *w != "sudo" && !w.starts_with('-') && !w.contains('='));
    let journalctl = program.is_some_and(|p| p == "journalctl" || p.ends_with("/journalctl"));
    let follows = words.iter().any(|w| FOLLOW_FLAGS.contains(&w.as_str()));

    let mut template = template.to_owned();
    if follows && !request.follow {
        template = template
            .split(' ')
            .filter(|w| !FOLLOW_FLAGS.contains(w))
            .collect::<Vec<_>>()
            .join(" ");
    }
    let mut args = Vec::new();
    if journalctl {
        if request.follow && !follows {
            args.push("-f".to_owned());
        }
        if let Some(cursor) = &request.after_cursor {
            args.push(format!("--after-cursor={cursor}"));
        } else if let Some(since) = &request.since {
            args.push(format!("--since={since}"));
        } else if let Some(n) = request.lines {
            args.push(format!("--lines={n}"));
        }
    }
    let changed = !args.is_empty() || (follows && !request.follow);
    if pipeline && changed {
        return Err(CommandError::Pipeline(template));
    }
    Ok(Adjusted { template, args })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = "journalctl -u {service} -f -o json";

    fn adjusted(template: &str, args: &[&str]) -> Adjusted {
        Adjusted {
            template: template.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn journalctl_gets_cursor_since_or_lines() {
        let follow = Request {
            follow: true,
            lines: Some(10),
            ..Request::default()
        };
        assert_eq!(
            adjust(DEFAULT, &follow),
            Ok(adjusted(DEFAULT, &["--lines=10"]))
        );
        let resume = Request {
            follow: true,
            after_cursor: Some("s=1;i=2".into()),
            since: Some("-1h".into()),
            ..Request::default()
        };
        assert_eq!(
            adjust(DEFAULT, &resume),
            Ok(adjusted(DEFAULT, &["--after-cursor=s=1;i=2"]))
        );
        let window = Request {
            since: Some("-600s".into()),
            ..Request::default()
        };
        assert_eq!(
            adjust(DEFAULT, &window),
            Ok(adjusted(
                "journalctl -u {service} -o json",
                &["--since=-600s"]
            ))
        );
        assert_eq!(
            adjust("sudo journalctl -t timed -o json", &follow),
            Ok(adjusted(
                "sudo journalctl -t timed -o json",
                &["-f", "--lines=10"]
            ))
        );
    }

    #[test]
    fn other_commands_only_lose_follow() {
        assert_eq!(
            adjust("tail -n +1 -F '/var/log/n 1.log'", &Request::default()),
            Ok(adjusted("tail -n +1 '/var/log/n 1.log'", &[]))
        );
        let follow = Request {
            follow: true,
            after_cursor: Some("c".into()),
            ..Request::default()
        };
        assert_eq!(
            adjust("tail -F x.log", &follow),
            Ok(adjusted("tail -F x.log", &[]))
        );
        assert_eq!(
            adjust("tail -F x.log | cut -c1-", &follow),
            Ok(adjusted("tail -F x.log | cut -c1-", &[]))
        );
    }

    #[test]
    fn which_commands_read_from_a_time() {
        assert!(reads_from_a_time(DEFAULT));
        assert!(reads_from_a_time(
            "sudo /usr/bin/journalctl -u timed -f -o json"
        ));
        assert!(reads_from_a_time("tail -n +1 -F '/var/log/n 1.log'"));
        assert!(reads_from_a_time("tail --lines=+1 -F x.log"));
        assert!(!reads_from_a_time(
            "tail -F /home/t/.timecoin/testnet/debug.log"
        ));
        assert!(!reads_from_a_time("tail -n 50 -F x.log"));
        assert!(!reads_from_a_time("cat x.log"));
        assert!(!reads_from_a_time("journalctl 'oops"));
    }

    #[test]
    fn bad_commands_are_errors() {
        assert!(matches!(
            adjust("journalctl 'oops", &Request::default()),
            Err(CommandError::Unparsable(_))
        ));
        assert!(matches!(
            adjust("journalctl -f -o json | grep x", &Request::default()),
            Err(CommandError::Pipeline(_))
        ));
    }
}
