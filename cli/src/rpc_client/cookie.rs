//! The daemon's cookie file, read on the node over its connection: the
//! `user:password` an `rpc_cookie` setting stands for.

use super::settings::SettingsError;
use crate::remote::{Remote, ShellCommand};

/// `user:password` from the daemon's cookie file on the node.
pub(super) async fn read_cookie(
    remote: &Remote,
    path: &str,
) -> Result<(String, String), SettingsError> {
    let cmd =
        ShellCommand::program(["cat", "--", path]).map_err(|source| SettingsError::CookiePath {
            path: path.to_owned(),
            source,
        })?;
    let out = remote
        .run(&cmd)
        .await
        .map_err(|source| SettingsError::CookieRemote {
            path: path.to_owned(),
            source,
        })?;
    if !out.success() {
        return Err(SettingsError::CookieUnreadable {
            path: path.to_owned(),
            stderr: out.stderr.trim().to_owned(),
        });
    }
    let (user, password) =
        out.stdout
            .trim()
            .split_once(':')
            .ok_or_else(|| SettingsError::CookieShape {
                path: path.to_owned(),
            })?;
    Ok((user.to_owned(), password.to_owned()))
}
