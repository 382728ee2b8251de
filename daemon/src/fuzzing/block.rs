//! Block validation on blocks the fuzzer shapes rather than spells: it chooses
//! the parent, the height, the round, the timestamp, which key signs (a
//! masternode of the schedule or an outsider), the transactions and whether the
//! signature is tampered with; the block is then really signed, so
//! `check_block` is driven past the signature and every rule is reached.
//!
//! A block that passes must be signed by its round's proposer, follow its
//! parent, be stamped after it and not ahead of the clock, and still pass once
//! it has crossed the wire as JSON.

use std::collections::HashSet;

use ed25519_dalek::SigningKey;
use timecoin_shared::wire::NodeId;

use super::input::Input;
use crate::chain::Schedule;
use crate::chain::block::Block;
use crate::chain::hash::Hash32;
use crate::chain::limits::MAX_CLOCK_AHEAD_MS;
use crate::chain::tx::{Tx, TxList};
use crate::chain::validate::check_block;

/// How many masternodes the schedule lists: enough for rounds to pass the
/// lead around.
const MASTERNODES: u8 = 4;
/// The seed byte of the outsider's key (the masternodes' are 1..=4).
const OUTSIDER: u8 = 99;
/// The spread of timestamps the fuzzer chooses from, around the parent's.
const INTERVAL_MS: u64 = 1_000;
/// The schedule's genesis: a fixed time, so inputs replay identically.
const GENESIS_MS: u64 = 1_700_000_000_000;
/// Rounds the fuzzer chooses between (a few failovers).
const ROUNDS: u8 = 4;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn schedule() -> Schedule {
    let ids = (1..=MASTERNODES)
        .map(|seed| NodeId(key(seed).verifying_key().to_bytes()))
        .collect();
    Schedule::new(ids, GENESIS_MS)
}

/// The key that signs as the proposer of `(height, round)`.
fn proposer_key(schedule: &Schedule, height: u64, round: u32) -> SigningKey {
    let proposer = schedule
        .proposer(height, round)
        .expect("masternodes listed");
    (1..=MASTERNODES)
        .map(key)
        .find(|k| k.verifying_key().to_bytes() == proposer.0)
        .expect("the proposer is one of ours")
}

/// A valid first block, in round 0: the parent the fuzzer may build on.
pub(super) fn first_block() -> Block {
    let schedule = schedule();
    let key = proposer_key(&schedule, 1, 0);
    Block::sign(&key, 1, Hash32::ZERO, GENESIS_MS + 10, 0, Vec::new())
}

/// Validates one block shaped by `data`.
///
/// # Panics
/// When a block passes that breaks a rule: a finding.
pub fn block_validation(data: &[u8]) {
    let schedule = schedule();
    let mut input = Input::new(data);
    let parent = input.flag().then(first_block);
    let (height, parent_hash, base_ms) = match &parent {
        Some(p) => (p.height + 1, p.hash(), p.timestamp_ms),
        None => (1, Hash32::ZERO, GENESIS_MS),
    };
    // Mostly right, sometimes off: small shifts reach each rule's boundary.
    let height = height.wrapping_add_signed(i64::from(input.byte() as i8 % 3));
    let parent_hash = if input.flag() {
        Hash32([input.byte(); 32])
    } else {
        parent_hash
    };
    let round = u32::from(input.byte() % ROUNDS);
    let timestamp_ms = match input.byte() % 4 {
        0 => input.u64(),
        // Around the parent's: equal or just before it must fail.
        _ => base_ms
            .saturating_add(u64::from(input.u16()) % (2 * INTERVAL_MS))
            .saturating_sub(INTERVAL_MS / 2),
    };
    let signer = match input.byte() % (MASTERNODES + 2) {
        0 | 1 => proposer_key(&schedule, height, round),
        n if n <= MASTERNODES => key(n),
        _ => key(OUTSIDER),
    };
    let tamper = input.flag();
    let now_ms = base_ms.saturating_add(u64::from(input.u16()) * 4);
    let included_first = input.flag();
    // Transactions as the wire decodes them (whatever does not decode: none).
    let rest = input.rest();
    let transactions: Vec<Tx> = match serde_json::from_slice::<TxList>(rest) {
        Ok(list) => list.iter().map(|tx| tx.to_owned()).collect(),
        Err(_) => serde_json::from_slice::<Tx>(rest).into_iter().collect(),
    };
    let mut block = Block::sign(
        &signer,
        height,
        parent_hash,
        timestamp_ms,
        round,
        transactions,
    );
    if tamper {
        block.signature = block.signature.chars().rev().collect();
    }
    let first_tx = block.transactions.iter().next().map(|tx| tx.id());
    let mut included = HashSet::new();
    if let (true, Some(id)) = (included_first, first_tx) {
        included.insert(id);
    }
    let verdict = check_block(parent.as_ref(), &block, &schedule, now_ms, &mut |id| {
        included.contains(id)
    });
    let Ok(ids) = verdict else {
        return;
    };
    assert_eq!(block.height, parent.as_ref().map_or(1, |p| p.height + 1));
    assert_eq!(
        block.parent,
        parent.as_ref().map_or(Hash32::ZERO, Block::hash)
    );
    assert_eq!(
        Some(block.producer),
        schedule.proposer(block.height, block.round)
    );
    assert!(
        block.verify_signature().is_ok(),
        "an accepted block is signed"
    );
    assert!(
        block.timestamp_ms <= now_ms + MAX_CLOCK_AHEAD_MS,
        "not from the future"
    );
    assert!(block.timestamp_ms > base_ms, "stamped after its parent");
    assert_eq!(ids.len(), block.transactions.len());
    assert!(
        ids.iter().all(|id| !included.contains(id)),
        "no transaction twice"
    );
    let text = serde_json::to_vec(&block).expect("an accepted block encodes");
    let crossed: Block = serde_json::from_slice(&text).expect("an accepted block decodes");
    assert!(
        check_block(parent.as_ref(), &crossed, &schedule, now_ms, &mut |id| {
            included.contains(id)
        })
        .is_ok(),
        "an accepted block still passes after crossing the wire"
    );
}

/// A valid first block, a valid child with transactions, and a few near misses.
pub fn block_seeds() -> Vec<Vec<u8>> {
    // Choices in the order `block_validation` reads them: parent, height shift,
    // parent tamper, round, timestamp mode, offset (2), signer, tamper, now (2),
    // included.
    let valid_first = vec![0, 0, 0, 0, 1, 2, 88, 0, 0, 0, 10, 0];
    let mut valid_child = vec![1, 0, 0, 0, 1, 2, 88, 1, 0, 0, 20, 0];
    valid_child.extend_from_slice(br#"[{"to":"x","amount":5},{"to":"y","amount":1}]"#);
    let mut twice = valid_child.clone();
    twice[11] = 1;
    let later_round = vec![1, 0, 0, 2, 1, 2, 88, 0, 0, 2, 0, 0];
    // Stamped exactly at its parent's time.
    let at_parent = vec![1, 0, 0, 0, 1, 1, 244, 1, 0, 0, 20, 0];
    let outsider = vec![0, 0, 0, 0, 1, 2, 88, 5, 0, 0, 10, 0];
    let wrong_height = vec![1, 1, 0, 0, 1, 2, 88, 0, 0, 0, 20, 0];
    vec![
        valid_first,
        valid_child,
        twice,
        later_round,
        at_parent,
        outsider,
        wrong_height,
    ]
}
