//! What the benchmarks here share about the `timed` binary they run: where it is
//! (given, or built beside the example), and making a node key with it as an
//! operator would (`timed keygen`).

use std::path::{Path, PathBuf};
use std::process::Command;

use color_eyre::eyre::{Result, WrapErr, bail};

/// `given`, else the `timed` of the target dir this example was built in.
///
/// # Errors
/// Neither exists.
pub(crate) fn locate(given: Option<PathBuf>) -> Result<PathBuf> {
    let path = match given {
        Some(path) => path,
        None => {
            let me = std::env::current_exe().wrap_err("locate this executable")?;
            let profile = me.parent().and_then(Path::parent).unwrap_or(Path::new("."));
            profile.join("timed")
        }
    };
    if !path.is_file() {
        bail!(
            "no timed binary at {}: build it (`cargo build --release -p timed`) or pass its path",
            path.display()
        );
    }
    Ok(path)
}

/// Makes a key in `data_dir` with `timed keygen` and returns the node id.
///
/// # Errors
/// `timed keygen` cannot run or fails.
#[allow(dead_code)] // Not every benchmark makes its own keys.
pub(crate) fn keygen(bin: &Path, data_dir: &Path) -> Result<String> {
    let out = Command::new(bin)
        .arg("keygen")
        .arg("--data-dir")
        .arg(data_dir)
        .output()?;
    if !out.status.success() {
        bail!("timed keygen: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}
