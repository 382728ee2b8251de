//! The one error type of `timectl`'s commands, and the exit codes it maps to.
//!
//! Every subcommand returns `Result<Code, Error>`: an outcome the command reports
//! itself (a table with an unreachable node, a checklist with failures) is an
//! `Ok(Code)`; an `Error` is what stopped it, printed once by [`report`] with
//! each cause once, and never with a backtrace: an operator's mistake or a lost
//! node is not a bug.

use std::fmt;
use std::io;

use crate::causes::render;
use crate::devnet::DevnetError;
use crate::fleet::LoadError;
use crate::remote::RemoteError;

/// The exit status of a command. The codes every command shares are constants
/// here; a command with codes of its own (`check`, `deploy`) documents them in its
/// `--help` and makes them with [`Code::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Code(u8);

impl Code {
    /// Everything asked for was done; every node answered.
    pub const OK: Code = Code(0);
    /// A node was unreachable or an operation failed.
    pub const FAILED: Code = Code(1);
    /// Bad input: flags, arguments or the fleet file.
    pub const BAD_INPUT: Code = Code(2);
    /// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: Code = Code(130);
    /// Stopped by SIGTERM (128 + SIGTERM).
    pub const TERMINATED: Code = Code(143);

    /// A command's own code.
    pub const fn new(code: u8) -> Code {
        Code(code)
    }

    /// The number the process exits with.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl From<Code> for std::process::ExitCode {
    fn from(code: Code) -> Self {
        std::process::ExitCode::from(code.0)
    }
}

/// Why a command stopped. Messages are short, lower case, and start with the
/// node or file they concern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or argument the operator gave makes no sense (exit code 2).
    #[error("{0}")]
    BadInput(String),
    /// No usable fleet file (exit code 2).
    #[error(transparent)]
    Fleet(#[from] LoadError),
    /// A node could not be reached, or a command could not be run on it (exit
    /// code 1).
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Something on this machine failed: a file, a process, the runtime (exit
    /// code 1).
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: io::Error,
    },
    /// A devnet could not be read, found or keyed (exit code 2 when the
    /// operator's input is at fault, else 1).
    #[error(transparent)]
    Devnet(#[from] DevnetError),
    /// Our own output could not be written; a closed pipe (`| head`) ends the
    /// command quietly with code 0.
    #[error("writing output")]
    Output(#[source] io::Error),
    /// The command failed in a way it explains, with its own exit code.
    #[error("{message}")]
    Failed { code: Code, message: String },
}

impl Error {
    /// A bad flag or argument.
    pub fn bad_input(message: impl Into<String>) -> Error {
        Error::BadInput(message.into())
    }

    /// A failure of this machine's `what`.
    pub fn io(what: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            what: what.into(),
            source,
        }
    }

    /// A failure explained by `message`, exit code 1.
    pub fn failed(message: impl Into<String>) -> Error {
        Error::Failed {
            code: Code::FAILED,
            message: message.into(),
        }
    }

    /// The exit code this error ends the process with.
    pub fn code(&self) -> Code {
        match self {
            Error::BadInput(_) | Error::Fleet(_) => Code::BAD_INPUT,
            Error::Devnet(e) if e.is_bad_input() => Code::BAD_INPUT,
            Error::Devnet(_) => Code::FAILED,
            Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => Code::OK,
            Error::Remote(_) | Error::Io { .. } | Error::Output(_) => Code::FAILED,
            Error::Failed { code, .. } => *code,
        }
    }
}

impl From<io::Error> for Error {
    /// An `io::Error` without context is a failed write of our own output: every
    /// other I/O is wrapped with [`Error::io`] where it happens.
    fn from(e: io::Error) -> Self {
        Error::Output(e)
    }
}

/// Prints an error for the operator, or nothing for a closed pipe.
pub(crate) fn report(error: &Error) {
    if error.code() == Code::OK {
        return;
    }
    eprintln!("error: {}", Rendered(error));
}

struct Rendered<'a>(&'a Error);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&render(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Quotes(#[source] io::Error);

    #[test]
    fn each_cause_is_printed_once() {
        let quoted = Error::io(
            "starting ssh",
            io::Error::other(Quotes(io::Error::other("x"))),
        );
        assert_eq!(render(&quoted), "starting ssh: outer: x");
        let plain = Error::io("reading f", io::Error::new(io::ErrorKind::NotFound, "gone"));
        assert_eq!(render(&plain), "reading f: gone");
    }

    #[test]
    fn codes() {
        assert_eq!(Error::bad_input("x").code(), Code::BAD_INPUT);
        assert_eq!(Error::failed("x").code(), Code::FAILED);
        assert_eq!(
            Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).code(),
            Code::OK
        );
        let own = Error::Failed {
            code: Code::new(3),
            message: "unknown".into(),
        };
        assert_eq!(own.code().get(), 3);
    }
}
