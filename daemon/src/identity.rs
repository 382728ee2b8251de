//! The node's ed25519 identity: made on first start, kept in the data dir with mode
//! 0600, and also injectable (a key given directly) for in-process and simulated nodes.
//! `node_id` is the public key, which is what the collision rule and the RPC key on.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use timecoin_shared::wire::NodeId;

/// File name of the secret key inside the data dir (32 raw bytes, hex-encoded).
pub(crate) const KEY_FILE: &str = "node_key";

/// Why the identity could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot create data dir {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read key file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write key file {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {path} is not 64 hex digits")]
    Malformed { path: PathBuf },
    #[error("no randomness available for a new key: {0}")]
    Random(getrandom::Error),
}

/// A node's signing key and the id derived from it.
#[derive(Clone)]
pub struct Identity {
    key: SigningKey,
    node_id: NodeId,
}

impl Identity {
    /// Wraps a key given directly (tests, simulations).
    pub fn from_signing_key(key: SigningKey) -> Self {
        let node_id = NodeId(key.verifying_key().to_bytes());
        Identity { key, node_id }
    }

    /// A fresh random identity, not stored anywhere.
    ///
    /// # Errors
    /// When the OS has no randomness to give.
    pub fn generate() -> Result<Self, IdentityError> {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret).map_err(IdentityError::Random)?;
        Ok(Self::from_signing_key(SigningKey::from_bytes(&secret)))
    }

    /// Loads the key from `data_dir`, creating the dir and a new key (mode 0600) on
    /// first start.
    ///
    /// # Errors
    /// When the dir or key file cannot be created or read, or the file is malformed.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, IdentityError> {
        fs::create_dir_all(data_dir).map_err(|source| IdentityError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(KEY_FILE);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let mut secret = [0u8; 32];
                hex::decode_to_slice(text.trim(), &mut secret)
                    .map_err(|_| IdentityError::Malformed { path: path.clone() })?;
                Ok(Self::from_signing_key(SigningKey::from_bytes(&secret)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let identity = Self::generate()?;
                identity.store(&path)?;
                Ok(identity)
            }
            Err(source) => Err(IdentityError::Read { path, source }),
        }
    }

    fn store(&self, path: &Path) -> Result<(), IdentityError> {
        let write_err = |source| IdentityError::Write {
            path: path.to_owned(),
            source,
        };
        // Correctness: created with 0600 so the secret is never readable by others,
        // not even between create and chmod; `create_new` never clobbers a key.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(write_err)?;
        file.write_all(hex::encode(self.key.to_bytes()).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(write_err)?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(write_err)
    }

    /// The public id peers know this node by.
    pub fn node_id(&self) -> NodeId {
        self.node_id
    }

    /// The key that signs this node's blocks.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_created_once_with_mode_0600_and_reloaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("nested/data");
        let first = Identity::load_or_create(&data).expect("create");
        let mode = fs::metadata(data.join(KEY_FILE))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = Identity::load_or_create(&data).expect("reload");
        assert_eq!(first.node_id(), again.node_id());
    }

    #[test]
    fn malformed_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(KEY_FILE), "not hex").expect("write");
        let err = Identity::load_or_create(dir.path())
            .err()
            .expect("must fail");
        assert!(matches!(err, IdentityError::Malformed { .. }), "{err}");
    }
}
