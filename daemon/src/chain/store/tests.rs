use ed25519_dalek::SigningKey;
use serde_json::json;
use timecoin_consensus::{Height, Round, SafetyRecord, ValueId};

use super::*;
use crate::chain::tx::Tx;

/// A certificate naming `block`: the store checks only that it matches the
/// block at its height (the chain verifies signatures before storing).
fn cert(block: &Block) -> CommitCertificate {
    CommitCertificate {
        height: Height(block.height),
        round: Round(0),
        value: ValueId(block.hash().0),
        precommits: vec![],
    }
}

fn chain(len: u64, salt: u32) -> Vec<Block> {
    let key = SigningKey::from_bytes(&[7; 32]);
    let mut parent = Hash32::ZERO;
    (1..=len)
        .map(|h| {
            let b = Block::sign(
                &key,
                h,
                parent,
                h * 1000,
                salt,
                vec![Tx::from_value(&json!({"h": h, "s": salt})).expect("tx")],
            );
            parent = b.hash();
            b
        })
        .collect()
}

fn certs(blocks: &[Block]) -> Vec<CommitCertificate> {
    blocks.iter().map(cert).collect()
}

#[test]
fn blocks_and_finality_survive_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    let blocks = chain(5, 0);
    {
        let store = Store::open(&path, "devnet").expect("open");
        store
            .append_final(&blocks[..2], &certs(&blocks[..2]))
            .expect("append");
        store
            .append_final(&blocks[2..], &certs(&blocks[2..]))
            .expect("append more");
    }
    let store = Store::open(&path, "devnet").expect("reopen");
    assert_eq!(store.tip().expect("tip"), blocks.last().cloned());
    assert_eq!(store.block(3).expect("block"), Some(blocks[2].clone()));
    assert_eq!(store.certificate(2).expect("cert"), Some(cert(&blocks[1])));
    assert_eq!(
        store.finality().expect("finality"),
        Finality {
            final_height: 5,
            finalized_txs: 5
        }
    );
    let id = blocks[3].transactions.iter().next().expect("tx").id();
    assert_eq!(store.tx_height(&id).expect("tx index"), Some(4));
}

#[test]
fn every_block_is_served_with_its_certificate() {
    let store = Store::in_memory("devnet").expect("store");
    let blocks = chain(4, 0);
    store
        .append_final(&blocks, &certs(&blocks))
        .expect("append");
    let batch = store.block_batch(2, 2, usize::MAX).expect("batch");
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[0].block, blocks[1]);
    assert_eq!(batch[0].certificate, Some(cert(&blocks[1])));
    assert_eq!(batch[1].certificate, Some(cert(&blocks[2])));
    assert_eq!(
        store.block_batch(1, 10, 1).expect("capped").len(),
        1,
        "always one block"
    );
}

#[test]
fn another_network_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    drop(Store::open(&path, "testnet").expect("open"));
    let err = Store::open(&path, "mainnet").err().expect("must refuse");
    let text = err.to_string();
    assert!(matches!(err, StoreError::WrongNetwork { .. }), "{text}");
    assert!(
        text.contains("testnet") && text.contains(&path.display().to_string()),
        "{text}"
    );
}

#[test]
fn garbage_and_foreign_files_are_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    std::fs::write(
        &path,
        b"this is not a database, it is a shopping list\n".repeat(200),
    )
    .expect("write");
    let err = Store::open(&path, "devnet")
        .err()
        .expect("must refuse garbage");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );

    let other = dir.path().join("other.redb");
    {
        let db = Database::create(&other).expect("create");
        let txn = db.begin_write().expect("txn");
        txn.open_table(TableDefinition::<u64, u64>::new("accounts"))
            .expect("table");
        txn.commit().expect("commit");
    }
    let err = Store::open(&other, "devnet")
        .err()
        .expect("must refuse foreign");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
}

#[test]
fn a_store_in_use_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    let _held = Store::open(&path, "devnet").expect("open");
    let err = Store::open(&path, "devnet")
        .err()
        .expect("second open must fail");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
}

#[test]
fn a_certificate_must_name_the_next_final_block() {
    let store = Store::in_memory("devnet").expect("store");
    let blocks = chain(3, 0);
    let skipping = store.append_final(&blocks[1..2], &[cert(&blocks[1])]);
    assert!(
        matches!(skipping, Err(StoreError::Corrupt { .. })),
        "{skipping:?}"
    );
    let other = chain(3, 1);
    let wrong_block = store.append_final(&blocks[..1], &[cert(&other[0])]);
    assert!(
        matches!(wrong_block, Err(StoreError::Corrupt { .. })),
        "{wrong_block:?}"
    );
    let uncertified = store.append_final(&blocks, &[]);
    assert!(
        matches!(uncertified, Err(StoreError::Corrupt { .. })),
        "{uncertified:?}"
    );
    assert_eq!(store.finality().expect("finality"), Finality::default());
    assert_eq!(store.tip().expect("tip"), None, "nothing was written");
}

#[test]
fn the_safety_record_survives_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    let mut record = SafetyRecord::new(Height(7));
    record.round = Round(3);
    {
        let store = Store::open(&path, "devnet").expect("open");
        assert_eq!(store.safety_record().expect("record"), None);
        store.save_safety_record(&record).expect("save");
    }
    let store = Store::open(&path, "devnet").expect("reopen");
    assert_eq!(store.safety_record().expect("record"), Some(record));
}

/// Writes a store as the version-2 daemon left it: `certified` final blocks
/// with their certificates (the one at `wrong_cert`, if any, naming another
/// block), `above` non-final blocks over them, every transaction indexed, and
/// a safety record.
fn version_2_store(
    path: &Path,
    certified: u64,
    above: u64,
    wrong_cert: Option<u64>,
) -> (Vec<Block>, SafetyRecord) {
    let blocks = chain(certified + above, 0);
    let record = SafetyRecord::new(Height(certified + 1));
    {
        let store = Store::open(path, "devnet").expect("open");
        let (final_blocks, rest) = blocks.split_at(certified as usize);
        store
            .append_final(final_blocks, &certs(final_blocks))
            .expect("append");
        store.save_safety_record(&record).expect("save");
        let txn = store.db.begin_write().expect("write");
        {
            let mut table = txn.open_table(BLOCKS).expect("blocks");
            let mut txs = txn.open_table(TXS).expect("txs");
            for block in rest {
                let bytes = serde_json::to_vec(block).expect("encode");
                table
                    .insert(block.height, bytes.as_slice())
                    .expect("insert");
                for tx in block.transactions.iter() {
                    txs.insert(tx.id().0.as_slice(), block.height)
                        .expect("index");
                }
            }
            if let Some(height) = wrong_cert {
                let other = cert(&blocks[height as usize]);
                let bytes = serde_json::to_vec(&CommitCertificate {
                    height: Height(height),
                    ..other
                })
                .expect("encode");
                let mut certs = txn.open_table(CERTS).expect("certs");
                certs.insert(height, bytes.as_slice()).expect("insert");
            }
            let mut meta = txn.open_table(META).expect("meta");
            meta.insert(META_FORMAT, upgrade::FORMAT_V2).expect("tag");
        }
        txn.commit().expect("commit");
    }
    (blocks, record)
}

#[test]
fn a_version_2_store_keeps_its_certified_final_blocks_and_safety_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    let (blocks, record) = version_2_store(&path, 5, 2, None);
    for _ in 0..2 {
        // The second open reads the upgraded file as any version-3 store.
        let store = Store::open(&path, "devnet").expect("upgraded");
        assert_eq!(store.tip().expect("tip"), Some(blocks[4].clone()));
        assert_eq!(store.block(6).expect("block"), None);
        assert_eq!(
            store.finality().expect("finality"),
            Finality {
                final_height: 5,
                finalized_txs: 5
            }
        );
        let dropped = blocks[5].transactions.iter().next().expect("tx").id();
        assert_eq!(store.tx_height(&dropped).expect("tx index"), None);
        let kept = blocks[4].transactions.iter().next().expect("tx").id();
        assert_eq!(store.tx_height(&kept).expect("tx index"), Some(5));
        assert_eq!(
            store.block_batch(1, 10, usize::MAX).expect("batch").len(),
            5
        );
        assert_eq!(store.safety_record().expect("record"), Some(record.clone()));
    }
}

#[test]
fn a_version_2_store_is_cut_below_a_certificate_for_another_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("chain.redb");
    let (blocks, _) = version_2_store(&path, 5, 0, Some(4));
    let store = Store::open(&path, "devnet").expect("upgraded");
    assert_eq!(store.tip().expect("tip"), Some(blocks[2].clone()));
    assert_eq!(store.finality().expect("finality").final_height, 3);
    let next = &blocks[3..];
    store
        .append_final(next, &certs(next))
        .expect("the chain goes on from 3");
}
