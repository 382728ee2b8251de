//! Flag types several subcommands share: the output format and the polling
//! interval. A leaf, so `cmd/` and the clap root (`cli.rs`) both use it without
//! depending on each other both ways.

use std::time::Duration;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// A table for people (coloured on a terminal, NO_COLOR honoured).
    #[default]
    Text,
    /// JSON for scripts.
    Json,
}

/// A polling interval that is not a duration, or is zero.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IntervalError {
    #[error(transparent)]
    Parse(#[from] humantime::DurationError),
    #[error("must be more than zero: a zero interval would poll in a busy loop")]
    Zero,
}

/// Parses a polling interval (`--interval`, `--watch`): a duration such as `2s`
/// or `1m 30s`, more than zero.
pub(crate) fn interval(text: &str) -> Result<Duration, IntervalError> {
    let every = humantime::parse_duration(text)?;
    if every.is_zero() {
        return Err(IntervalError::Zero);
    }
    Ok(every)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interval_is_a_duration_above_zero() {
        assert_eq!(interval("1m 30s").ok(), Some(Duration::from_secs(90)));
        assert!(matches!(interval("0s"), Err(IntervalError::Zero)));
        assert!(matches!(interval("0ms"), Err(IntervalError::Zero)));
        assert!(matches!(interval("soon"), Err(IntervalError::Parse(_))));
    }
}
