//! What the consensus engine keeps in the chain store: the certificates of
//! final blocks, read one by one, and its safety record, written durably
//! before each signature.

#[cfg(test)]
use timecoin_consensus::CommitCertificate;
use timecoin_consensus::SafetyRecord;

#[cfg(test)]
use super::CERTS;
use super::{META, META_SAFETY_RECORD, Store, StoreError};

impl Store {
    /// The commit certificate of the final block at `height` (sync reads them
    /// with their blocks in [`Store::block_batch`]).
    ///
    /// # Errors
    /// Database or decoding failure.
    #[cfg(test)]
    pub fn certificate(&self, height: u64) -> Result<Option<CommitCertificate>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(CERTS).map_err(|e| self.db_err(e))?;
        match table.get(height).map_err(|e| self.db_err(e))? {
            Some(bytes) => self.decode_cert(height, bytes.value()).map(Some),
            None => Ok(None),
        }
    }

    /// The consensus engine's last persisted record, if any.
    ///
    /// # Errors
    /// Database or decoding failure.
    pub fn safety_record(&self) -> Result<Option<SafetyRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let meta = txn.open_table(META).map_err(|e| self.db_err(e))?;
        match meta.get(META_SAFETY_RECORD).map_err(|e| self.db_err(e))? {
            Some(bytes) => serde_json::from_slice(bytes.value())
                .map(Some)
                .map_err(|_| StoreError::Corrupt {
                    origin: self.origin.clone(),
                    what: "the safety record does not decode".into(),
                }),
            None => Ok(None),
        }
    }

    /// Persists `record` durably; returns only once it is committed, so a
    /// signature made after it survives a crash in the record.
    ///
    /// # Errors
    /// Database failure; the caller must then not sign.
    pub fn save_safety_record(&self, record: &SafetyRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).map_err(|_| StoreError::Corrupt {
            origin: self.origin.clone(),
            what: "the safety record does not encode".into(),
        })?;
        let txn = self.db.begin_write().map_err(|e| self.db_err(e))?;
        {
            let mut meta = txn.open_table(META).map_err(|e| self.db_err(e))?;
            meta.insert(META_SAFETY_RECORD, bytes.as_slice())
                .map_err(|e| self.db_err(e))?;
        }
        txn.commit().map_err(|e| self.db_err(e))
    }
}
