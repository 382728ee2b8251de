//! Why a configuration cannot be used. Its own module so that the readers of
//! each source (the file, the token file) and the merge in `load.rs` all name
//! errors the same way without depending on one another.

use std::path::PathBuf;

use crate::definition::DefinitionError;

/// A configuration that cannot be used, naming the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("config field `{field}`: {message}")]
    Field { field: String, message: String },
    #[error(transparent)]
    Network(#[from] DefinitionError),
}

/// A bad value of `field`.
pub(super) fn field_err(field: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Field {
        field: field.to_owned(),
        message: message.into(),
    }
}
