//! Making a new store file so that a crash cannot leave half of one.
//!
//! redb lays out a new file in several writes (header, regions, the first
//! commit). A node killed in those first milliseconds left a `chain.redb` that
//! never opened again ("invalid data"), found by killing nodes at random instants
//! of their first start. So a new store is built beside its final name and
//! renamed into place only once it is complete and on disk: a kill at any
//! instant leaves either no store (the next start builds it again) or a whole one.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Where a store is built before it is renamed to `path`.
fn staging_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    path.with_file_name(name)
}

/// Builds the store at `path` with `build` (which creates, initialises and
/// closes the file it is given), unless a store is there already.
///
/// # Errors
/// What `build` returned, or the I/O error (through `io_error`) of the staging
/// file's removal, sync or rename.
pub(super) fn create_atomically<E>(
    path: &Path,
    build: impl FnOnce(&Path) -> Result<(), E>,
    io_error: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    if path.try_exists().map_err(&io_error)? {
        return Ok(());
    }
    let staging = staging_path(path);
    // Left by a start killed while building: never a whole store.
    match std::fs::remove_file(&staging) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(e)),
        _ => {}
    }
    build(&staging)?;
    let settle = || -> io::Result<()> {
        File::open(&staging)?.sync_all()?;
        std::fs::rename(&staging, path)?;
        // The rename is durable only once the directory is.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    settle().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chain.redb");
        // A build that fails half-way (as a kill would stop it) leaves no store.
        let failed = create_atomically(
            &path,
            |at| {
                std::fs::write(at, b"half a header")?;
                Err(io::Error::other("killed"))
            },
            |e| e,
        );
        assert!(failed.is_err());
        assert!(!path.exists(), "no store from a build that did not finish");
        // The next start removes the leftover and builds again.
        create_atomically(
            &path,
            |at| {
                assert!(!at.exists(), "the leftover staging file is gone");
                std::fs::write(at, b"whole")
            },
            |e| e,
        )
        .expect("built");
        assert_eq!(std::fs::read(&path).expect("store"), b"whole");
        assert!(!staging_path(&path).exists());
        // An existing store is never rebuilt.
        create_atomically(&path, |_| panic!("must not rebuild"), |e| e).expect("kept");
        assert_eq!(std::fs::read(&path).expect("store"), b"whole");
    }
}
