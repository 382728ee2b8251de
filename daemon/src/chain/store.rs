//! The chain on disk: an embedded redb database, one file in the data dir.
//!
//! The store holds final blocks only: each block's commit certificate is stored
//! beside it (`certs`) in the transaction that appends it, so the final height
//! is the tip, and nothing else makes a block final. The consensus engine's safety record lives here too, written (durably)
//! before each signature.
//!
//! Every change to the chain (appending final blocks) is one redb write
//! transaction committed with immediate durability, so a crash or `kill -9` leaves
//! either the old chain or the new one, never a mix, and never a lower height than
//! was committed. The file records the network it belongs to and a format tag; a
//! file of another network, another program or an unreadable one is refused with
//! an error naming it, never silently reused or overwritten.

mod consensus;
mod create;
#[cfg(test)]
mod tests;
mod upgrade;

use std::path::Path;

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle};
use timecoin_consensus::CommitCertificate;
use tracing::info;

use super::block::Block;
use super::certified::Certified;
use super::hash::Hash32;

/// Blocks of our chain by height, as JSON.
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
/// Height of the block of our chain that holds each transaction id.
const TXS: TableDefinition<&[u8], u64> = TableDefinition::new("txs");
/// The commit certificate of each final block, by height, as JSON.
const CERTS: TableDefinition<u64, &[u8]> = TableDefinition::new("certs");
/// Small facts about the chain, keyed by the names below.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const META_FORMAT: &str = "format";
const META_NETWORK: &str = "network";
const META_FINAL_HEIGHT: &str = "final_height";
const META_FINALIZED_TXS: &str = "finalized_txs";
/// The consensus engine's `SafetyRecord`, as JSON.
const META_SAFETY_RECORD: &str = "safety_record";

/// Tag of this store layout; a different tag is a file this build cannot read,
/// except version 2, which it upgrades (`upgrade.rs`). Version 3: every stored block is final, with its certificate beside it
/// (version 2 also held non-final blocks of leader rounds; version 1 was final
/// by depth, which proves nothing to a node that reads it).
const FORMAT: &[u8] = b"timed-chain-3";

/// Why the chain store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "chain store {origin} cannot be opened (corrupt, not a database, or in use by another timed): {source}"
    )]
    Open {
        origin: String,
        #[source]
        source: Box<redb::DatabaseError>,
    },
    #[error(
        "chain store {origin} belongs to another program (no timed format tag); refusing to use it"
    )]
    Foreign { origin: String },
    #[error("chain store {origin} has format {found:?}, this build reads {expected:?}")]
    Format {
        origin: String,
        found: String,
        expected: String,
    },
    #[error(
        "chain store {origin} belongs to network {found:?}, not {expected:?}; use another data dir"
    )]
    WrongNetwork {
        origin: String,
        found: String,
        expected: String,
    },
    #[error("chain store {origin} is corrupt: {what}")]
    Corrupt { origin: String, what: String },
    #[error("chain store {origin} cannot be created: {source}")]
    Create {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("chain store {origin}: {source}")]
    Db {
        origin: String,
        #[source]
        source: Box<redb::Error>,
    },
}

/// The persistent chain. Only whole changes are written (see [`Store::append_final`]).
pub struct Store {
    db: Database,
    /// The file path (or `memory`), named in every error.
    origin: String,
}

/// The durable finality figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Finality {
    pub final_height: u64,
    pub finalized_txs: u64,
}

impl Store {
    /// Opens the store file for `network`, creating it first if there is none
    /// (whole or not at all: see `create.rs`).
    ///
    /// # Errors
    /// An unreadable, foreign, other-network or locked file, or one that cannot
    /// be created, named in the error.
    pub fn open(path: &Path, network: &str) -> Result<Store, StoreError> {
        let origin = path.display().to_string();
        let open = |at: &Path| {
            Database::create(at).map_err(|source| StoreError::Open {
                origin: origin.clone(),
                source: Box::new(source),
            })
        };
        create::create_atomically(
            path,
            |staging| Store::init(open(staging)?, origin.clone(), network).map(drop),
            |source| StoreError::Create {
                origin: origin.clone(),
                source,
            },
        )?;
        Store::init(open(path)?, origin.clone(), network)
    }

    /// A store held in memory by redb's in-memory backend: the same code paths as
    /// the file store, for simulations that run many nodes and seeds.
    ///
    /// # Errors
    /// Only if redb cannot set the backend up.
    #[cfg(any(test, feature = "testing"))]
    pub fn in_memory(network: &str) -> Result<Store, StoreError> {
        let origin = "memory".to_string();
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|source| StoreError::Open {
                origin: origin.clone(),
                source: Box::new(source),
            })?;
        Store::init(db, origin, network)
    }

    fn init(db: Database, origin: String, network: &str) -> Result<Store, StoreError> {
        let store = Store { db, origin };
        let txn = store.db.begin_write().map_err(|e| store.db_err(e))?;
        {
            let foreign = txn
                .list_tables()
                .map_err(|e| store.db_err(e))?
                .any(|t| !matches!(t.name(), "blocks" | "txs" | "certs" | "meta"));
            let mut meta = txn.open_table(META).map_err(|e| store.db_err(e))?;
            let format = meta
                .get(META_FORMAT)
                .map_err(|e| store.db_err(e))?
                .map(|g| g.value().to_vec());
            match format {
                None if foreign || !meta.is_empty().map_err(|e| store.db_err(e))? => {
                    return Err(StoreError::Foreign {
                        origin: store.origin.clone(),
                    });
                }
                None => {
                    meta.insert(META_FORMAT, FORMAT)
                        .map_err(|e| store.db_err(e))?;
                    meta.insert(META_NETWORK, network.as_bytes())
                        .map_err(|e| store.db_err(e))?;
                }
                Some(found) if found != FORMAT && found != upgrade::FORMAT_V2 => {
                    return Err(StoreError::Format {
                        origin: store.origin.clone(),
                        found: String::from_utf8_lossy(&found).into_owned(),
                        expected: String::from_utf8_lossy(FORMAT).into_owned(),
                    });
                }
                Some(format) => {
                    let found = meta
                        .get(META_NETWORK)
                        .map_err(|e| store.db_err(e))?
                        .map(|g| String::from_utf8_lossy(g.value()).into_owned())
                        .unwrap_or_default();
                    if found != network {
                        return Err(StoreError::WrongNetwork {
                            origin: store.origin.clone(),
                            found,
                            expected: network.to_string(),
                        });
                    }
                    if format == upgrade::FORMAT_V2 {
                        let upgraded = upgrade::from_v2(&store, &txn, &mut meta)?;
                        info!(origin = %store.origin, kept = upgraded.kept, dropped = upgraded.dropped,
                            "Upgraded chain store from timed-chain-2: kept {} final blocks, dropped {} above them", upgraded.kept, upgraded.dropped);
                    }
                }
            }
            // Create the other tables so that readers never meet a missing table.
            txn.open_table(BLOCKS).map_err(|e| store.db_err(e))?;
            txn.open_table(TXS).map_err(|e| store.db_err(e))?;
            txn.open_table(CERTS).map_err(|e| store.db_err(e))?;
        }
        txn.commit().map_err(|e| store.db_err(e))?;
        Ok(store)
    }

    fn db_err(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db {
            origin: self.origin.clone(),
            source: Box::new(e.into()),
        }
    }

    fn decode(&self, height: u64, bytes: &[u8]) -> Result<Block, StoreError> {
        serde_json::from_slice::<Block>(bytes)
            .ok()
            .filter(|b| b.height == height)
            .ok_or_else(|| StoreError::Corrupt {
                origin: self.origin.clone(),
                what: format!("block at height {height} does not decode"),
            })
    }

    /// The highest block, `None` for an empty chain.
    ///
    /// # Errors
    /// Database or decoding failure.
    pub fn tip(&self) -> Result<Option<Block>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(BLOCKS).map_err(|e| self.db_err(e))?;
        match table.last().map_err(|e| self.db_err(e))? {
            Some((h, bytes)) => self.decode(h.value(), bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// The block of our chain at `height`.
    ///
    /// # Errors
    /// Database or decoding failure.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(BLOCKS).map_err(|e| self.db_err(e))?;
        match table.get(height).map_err(|e| self.db_err(e))? {
            Some(bytes) => self.decode(height, bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Consecutive blocks from `from`, each with its certificate,
    /// at most `limit` of them and, past the first, at most `max_bytes` of
    /// stored JSON in total: one sync answer.
    ///
    /// # Errors
    /// Database or decoding failure.
    pub fn block_batch(
        &self,
        from: u64,
        limit: u32,
        max_bytes: usize,
    ) -> Result<Vec<Certified>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(BLOCKS).map_err(|e| self.db_err(e))?;
        let certs = txn.open_table(CERTS).map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        let mut bytes_total = 0;
        for entry in table
            .range(from..)
            .map_err(|e| self.db_err(e))?
            .take(limit as usize)
        {
            let (h, bytes) = entry.map_err(|e| self.db_err(e))?;
            let height = h.value();
            let cert = certs.get(height).map_err(|e| self.db_err(e))?;
            let size = bytes.value().len() + cert.as_ref().map_or(0, |c| c.value().len());
            if !out.is_empty() && bytes_total + size > max_bytes {
                break;
            }
            bytes_total += size;
            let certificate = match cert {
                Some(c) => Some(self.decode_cert(height, c.value())?),
                None => {
                    return Err(StoreError::Corrupt {
                        origin: self.origin.clone(),
                        what: format!("block at height {height} has no certificate"),
                    });
                }
            };
            let block = self.decode(height, bytes.value())?;
            out.push(Certified { block, certificate });
        }
        Ok(out)
    }

    fn decode_cert(&self, height: u64, bytes: &[u8]) -> Result<CommitCertificate, StoreError> {
        serde_json::from_slice::<CommitCertificate>(bytes)
            .ok()
            .filter(|c| c.height.0 == height)
            .ok_or_else(|| StoreError::Corrupt {
                origin: self.origin.clone(),
                what: format!("certificate at height {height} does not decode"),
            })
    }

    /// Height of the block of our chain holding transaction `id`.
    ///
    /// # Errors
    /// Database failure.
    pub fn tx_height(&self, id: &Hash32) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(TXS).map_err(|e| self.db_err(e))?;
        Ok(table
            .get(id.0.as_slice())
            .map_err(|e| self.db_err(e))?
            .map(|g| g.value()))
    }

    /// The durable final height and finalized transaction count.
    ///
    /// # Errors
    /// Database or decoding failure.
    pub fn finality(&self) -> Result<Finality, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let meta = txn.open_table(META).map_err(|e| self.db_err(e))?;
        Ok(Finality {
            final_height: self.read_u64(&meta, META_FINAL_HEIGHT)?,
            finalized_txs: self.read_u64(&meta, META_FINALIZED_TXS)?,
        })
    }

    fn read_u64(
        &self,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
        key: &str,
    ) -> Result<u64, StoreError> {
        match meta.get(key).map_err(|e| self.db_err(e))? {
            None => Ok(0),
            Some(g) => <[u8; 8]>::try_from(g.value())
                .map(u64::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    origin: self.origin.clone(),
                    what: format!("meta {key} is not a u64"),
                }),
        }
    }

    /// Appends `blocks` with their `certs` (verified by the caller, one per
    /// block, the first for the height after the final one) and raises the
    /// final height to the last of them, counting the transactions that became
    /// final, all in one durable transaction. Nothing is ever replaced: the
    /// store holds final blocks only.
    ///
    /// # Errors
    /// Database or encoding failure, or blocks and certificates that do not
    /// follow the final height one for one; nothing is changed then.
    pub fn append_final(
        &self,
        blocks: &[Block],
        certs: &[CommitCertificate],
    ) -> Result<(), StoreError> {
        let corrupt = |what: String| StoreError::Corrupt {
            origin: self.origin.clone(),
            what,
        };
        if blocks.len() != certs.len() {
            return Err(corrupt(format!(
                "{} blocks offered with {} certificates",
                blocks.len(),
                certs.len()
            )));
        }
        let txn = self.db.begin_write().map_err(|e| self.db_err(e))?;
        {
            let mut table = txn.open_table(BLOCKS).map_err(|e| self.db_err(e))?;
            let mut txs = txn.open_table(TXS).map_err(|e| self.db_err(e))?;
            let mut meta = txn.open_table(META).map_err(|e| self.db_err(e))?;
            let mut cert_table = txn.open_table(CERTS).map_err(|e| self.db_err(e))?;
            let old_final = self.read_u64(&meta, META_FINAL_HEIGHT)?;
            let mut newly_final = 0u64;
            for ((block, cert), height) in blocks.iter().zip(certs).zip(old_final + 1..) {
                if block.height != height || cert.height.0 != height {
                    return Err(corrupt(format!(
                        "block {} with certificate {} where {height} is next final",
                        block.height, cert.height.0
                    )));
                }
                if block.hash().0 != cert.value.0 {
                    return Err(corrupt(format!(
                        "certificate at {height} is for another block"
                    )));
                }
                let bytes = serde_json::to_vec(block)
                    .map_err(|_| corrupt(format!("block at height {height} does not encode")))?;
                table
                    .insert(height, bytes.as_slice())
                    .map_err(|e| self.db_err(e))?;
                for tx in block.transactions.iter() {
                    txs.insert(tx.id().0.as_slice(), height)
                        .map_err(|e| self.db_err(e))?;
                }
                newly_final += block.transactions.len() as u64;
                let cert_bytes = serde_json::to_vec(cert)
                    .map_err(|_| corrupt(format!("certificate at {height} does not encode")))?;
                cert_table
                    .insert(height, cert_bytes.as_slice())
                    .map_err(|e| self.db_err(e))?;
            }
            if !certs.is_empty() {
                let final_height = old_final + certs.len() as u64;
                let finalized = self.read_u64(&meta, META_FINALIZED_TXS)? + newly_final;
                meta.insert(META_FINAL_HEIGHT, final_height.to_be_bytes().as_slice())
                    .map_err(|e| self.db_err(e))?;
                meta.insert(META_FINALIZED_TXS, finalized.to_be_bytes().as_slice())
                    .map_err(|e| self.db_err(e))?;
            }
        }
        txn.commit().map_err(|e| self.db_err(e))?;
        Ok(())
    }
}
