//! Opening a store of the layout before this one, `timed-chain-2`, written by
//! the daemon whose leader rounds also stored blocks that were not final yet.
//! A rolling deploy restarts each node on its own data dir, so the new daemon
//! must take that file over rather than refuse it (a refusal made every
//! deploy across the change fail its first gate and roll back).
//!
//! What carries over is what a version-3 store may hold: the leading blocks
//! that are final, each with the certificate that proves it. Blocks above the
//! last of them (non-final, or a final height whose certificate is missing or
//! names another block) are dropped with their transaction index entries; the
//! node fetches them again, certified, from its peers. The consensus engine's
//! safety record stays as it is: it is what keeps a restarted masternode from
//! signing twice. All of it happens in the open's one write transaction, so a
//! crash leaves the old file or the upgraded one.

use redb::{ReadableTable, Table, WriteTransaction};
use timecoin_consensus::CommitCertificate;

use super::super::block::Block;
use super::{
    BLOCKS, CERTS, FORMAT, META_FINAL_HEIGHT, META_FINALIZED_TXS, META_FORMAT, Store, StoreError,
    TXS,
};

/// The tag of the layout this module upgrades from.
pub(super) const FORMAT_V2: &[u8] = b"timed-chain-2";

/// What an upgrade kept and dropped, for the line the node logs.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Upgraded {
    /// Final blocks kept, heights 1 to this.
    pub(super) kept: u64,
    /// Blocks dropped above them.
    pub(super) dropped: u64,
}

/// Rewrites a version-2 store in `txn` as version 3 and tags it so.
pub(super) fn from_v2(
    store: &Store,
    txn: &WriteTransaction,
    meta: &mut Table<&str, &[u8]>,
) -> Result<Upgraded, StoreError> {
    let db = |e: redb::Error| store.db_err(e);
    let final_height = match meta.get(META_FINAL_HEIGHT).map_err(|e| db(e.into()))? {
        Some(g) => <[u8; 8]>::try_from(g.value()).map_or(0, u64::from_be_bytes),
        None => 0,
    };
    let mut blocks = txn.open_table(BLOCKS).map_err(|e| db(e.into()))?;
    let mut certs = txn.open_table(CERTS).map_err(|e| db(e.into()))?;
    let mut kept = 0;
    let mut finalized_txs = 0u64;
    while kept < final_height {
        let height = kept + 1;
        let block = blocks
            .get(height)
            .map_err(|e| db(e.into()))?
            .and_then(|b| serde_json::from_slice::<Block>(b.value()).ok())
            .filter(|b| b.height == height);
        let cert = certs
            .get(height)
            .map_err(|e| db(e.into()))?
            .and_then(|c| serde_json::from_slice::<CommitCertificate>(c.value()).ok())
            .filter(|c| c.height.0 == height);
        match (block, cert) {
            (Some(block), Some(cert)) if block.hash().0 == cert.value.0 => {
                finalized_txs += block.transactions.len() as u64;
                kept = height;
            }
            _ => break,
        }
    }
    let mut dropped = 0;
    blocks
        .retain(|height, _| {
            let keep = height <= kept;
            dropped += u64::from(!keep);
            keep
        })
        .map_err(|e| db(e.into()))?;
    certs
        .retain(|height, _| height <= kept)
        .map_err(|e| db(e.into()))?;
    txn.open_table(TXS)
        .map_err(|e| db(e.into()))?
        .retain(|_, height| height <= kept)
        .map_err(|e| db(e.into()))?;
    meta.insert(META_FINAL_HEIGHT, kept.to_be_bytes().as_slice())
        .map_err(|e| db(e.into()))?;
    meta.insert(META_FINALIZED_TXS, finalized_txs.to_be_bytes().as_slice())
        .map_err(|e| db(e.into()))?;
    meta.insert(META_FORMAT, FORMAT).map_err(|e| db(e.into()))?;
    Ok(Upgraded { kept, dropped })
}
