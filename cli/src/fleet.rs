//! Finding and reading the fleet file: `--fleet`, `$TIMECTL_FLEET`,
//! `./fleet.toml`, then the XDG config dir. Parsing is `timecoin_shared::fleet`.
//! `sd`: the fleet as a Prometheus file-based service discovery list.

mod sd;

pub(crate) use sd::targets;

use std::path::{Path, PathBuf};

use timecoin_shared::fleet::{self, Fleet};

/// The environment variable naming the fleet file.
pub(crate) const FLEET_ENV: &str = "TIMECTL_FLEET";

/// Why no fleet could be loaded. Messages start with the file (and line).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "no fleet file: pass --fleet FILE, set ${FLEET_ENV}, or create ./fleet.toml or {xdg} \
         (`timectl devnet up` writes one for a local fleet)"
    )]
    NotFound { xdg: String },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{error}")]
    Invalid {
        path: String,
        error: fleet::FleetError,
    },
}

/// Where the fleet file was found and what it says.
#[derive(Debug, Clone)]
pub struct LoadedFleet {
    pub path: PathBuf,
    pub fleet: Fleet,
}

/// Finds the fleet file in the documented order and parses it.
///
/// # Errors
/// No file found, unreadable, or invalid (with file, line and key).
pub(crate) fn load(explicit: Option<&Path>) -> Result<LoadedFleet, LoadError> {
    let path = discover(explicit)?;
    let fleet = load_file(&path)?;
    Ok(LoadedFleet { path, fleet })
}

/// Reads and parses one fleet file.
///
/// # Errors
/// Unreadable, or invalid (with file, line and key).
pub fn load_file(path: &Path) -> Result<Fleet, LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: shown.clone(),
        source,
    })?;
    parse_named(&shown, &text)
}

/// Parses fleet text, naming `path` in errors.
///
/// # Errors
/// Invalid (with file, line and key).
pub fn parse_named(path: &str, text: &str) -> Result<Fleet, LoadError> {
    let fleet = fleet::parse(text).map_err(|error| LoadError::Invalid {
        path: path.to_string(),
        error: with_separator(error),
    })?;
    for node in &fleet.nodes {
        for (key, template) in [
            ("pull", &node.commands.pull),
            ("build", &node.commands.build),
            ("restart", &node.commands.restart),
            ("logs", &node.commands.logs),
        ] {
            crate::remote::ShellCommand::template(template, &crate::remote::node_vars(node))
                .map_err(|e| LoadError::Invalid {
                    path: path.to_string(),
                    error: fleet::FleetError {
                        line: None,
                        message: format!(" node {:?}: commands.{key}: {e}", node.name),
                    },
                })?;
        }
    }
    Ok(fleet)
}

/// `path:LINE: msg` when a line is known, `path: msg` otherwise.
fn with_separator(mut error: fleet::FleetError) -> fleet::FleetError {
    if error.line.is_none() {
        error.message.insert(0, ' ');
    }
    error
}

fn discover(explicit: Option<&Path>) -> Result<PathBuf, LoadError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(FLEET_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let here = PathBuf::from("fleet.toml");
    if here.is_file() {
        return Ok(here);
    }
    let xdg = xdg_path();
    match &xdg {
        Some(path) if path.is_file() => Ok(path.clone()),
        _ => Err(LoadError::NotFound {
            xdg: xdg.map_or_else(
                || "$XDG_CONFIG_HOME/timectl/fleet.toml".into(),
                |p| p.display().to_string(),
            ),
        }),
    }
}

/// `$XDG_CONFIG_HOME/timectl/fleet.toml`, else `~/.config/timectl/fleet.toml`.
fn xdg_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("timectl").join("fleet.toml"))
}
