//! A command's standard streams as seen from here: what a finished command
//! gave back, and feeding its stdin. Both transports share these so a command
//! reads the same whichever one ran it.

/// What a finished command gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub(super) fn from_std(out: std::process::Output) -> Self {
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Writes `input` to a command's stdin and closes it, so the command sees the
/// end of its input.
pub(super) async fn feed(
    mut stdin: impl tokio::io::AsyncWrite + Unpin,
    input: &[u8],
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    stdin.write_all(input).await?;
    stdin.shutdown().await
}
