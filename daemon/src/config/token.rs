//! The RPC's bearer token: given directly (a flag, `TIMED_RPC_TOKEN` or the config
//! file) or read from a file, so that it need not appear in a process's arguments,
//! which `ps` shows to every user.

use std::path::PathBuf;

use super::error::{ConfigError, field_err};

/// The token from `given` or from the first line of `file` (without surrounding
/// whitespace); at most one of them may be set.
///
/// # Errors
/// Both are set, or the file cannot be read or holds no token.
pub(super) fn read_token(
    given: Option<String>,
    file: Option<PathBuf>,
) -> Result<Option<String>, ConfigError> {
    let Some(path) = file else {
        return Ok(given);
    };
    if given.is_some() {
        return Err(field_err(
            "rpc_token_file",
            "set either rpc_token (or TIMED_RPC_TOKEN) or rpc_token_file, not both",
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        field_err(
            "rpc_token_file",
            format!("cannot read {}: {e}", path.display()),
        )
    })?;
    let token = text.lines().next().unwrap_or_default().trim();
    if token.is_empty() {
        return Err(field_err(
            "rpc_token_file",
            format!("{} holds no token", path.display()),
        ));
    }
    Ok(Some(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(result: Result<Option<String>, ConfigError>) -> String {
        match result {
            Err(ConfigError::Field { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn the_token_comes_from_a_file_or_directly_not_both() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("token");
        std::fs::write(&path, "  s3cret \nignored\n").expect("write");
        let read = read_token(None, Some(path.clone())).expect("valid");
        assert_eq!(read.as_deref(), Some("s3cret"));
        assert_eq!(
            read_token(Some("x".into()), None)
                .expect("valid")
                .as_deref(),
            Some("x")
        );
        assert_eq!(
            field(read_token(Some("x".into()), Some(path))),
            "rpc_token_file"
        );
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "\n").expect("write");
        let missing = dir.path().join("missing");
        for file in [empty, missing] {
            assert_eq!(field(read_token(None, Some(file))), "rpc_token_file");
        }
    }
}
