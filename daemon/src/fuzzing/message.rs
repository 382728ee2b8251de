//! Message parsing: a frame's JSON read as a [`Message`], then the chain
//! payloads read the way the chain engine reads them (a block from its JSON
//! value, a sync answer's entries with their certificates, a transaction
//! checked for shape and size), and a handshake checked against ours. Whatever parses must re-encode to itself, and a block's hash
//! must survive re-encoding (its signature covers canonical bytes, not the
//! sender's spelling).

use serde_json::Value;
use timecoin_shared::wire::Message;

use super::frame::round_trip;
use super::handshake::ours;
use crate::chain::block::Block;
use crate::chain::certified::Certified;
use crate::chain::limits::MAX_TX_BYTES;
use crate::chain::mempool::check_tx;
use crate::net::handshake::validate;

/// Parses `data` as one message and its payloads.
///
/// # Panics
/// When something parsed does not survive re-encoding, or a transaction's
/// checked size breaks its limit: a finding.
pub fn message(data: &[u8]) {
    let Ok(message) = serde_json::from_slice::<Message>(data) else {
        return;
    };
    let _ = message.kind();
    round_trip(&message);
    match &message {
        Message::Handshake(theirs) => {
            let _ = validate(theirs, &ours());
        }
        Message::Block { block } => block_payload(block),
        Message::Blocks { blocks } => blocks.iter().for_each(served_payload),
        Message::Tx { tx } => tx_payload(tx),
        _ => {}
    }
}

fn block_payload(value: &Value) {
    let Ok(block) = Block::from_value(value.clone()) else {
        return;
    };
    let again = Block::from_value(block.to_value()).expect("a parsed block re-encodes");
    assert_eq!(
        again.hash(),
        block.hash(),
        "a block's hash survives re-encoding"
    );
    let _ = block.verify_signature();
    block.transactions.iter().for_each(tx_payload);
}

fn served_payload(value: &Value) {
    let Ok(entry) = Certified::from_value(value.clone()) else {
        return;
    };
    let again = Certified::from_value(entry.to_value()).expect("a parsed entry re-encodes");
    assert_eq!(
        again.block.hash(),
        entry.block.hash(),
        "its block survives re-encoding"
    );
    assert_eq!(
        again.certificate, entry.certificate,
        "its certificate survives re-encoding"
    );
    block_payload(&entry.block.to_value());
}

fn tx_payload(tx: &Value) {
    let Ok((id, size)) = check_tx(tx) else {
        return;
    };
    assert!(
        size <= MAX_TX_BYTES,
        "an accepted transaction is within its limit"
    );
    let reparsed: Value = serde_json::from_str(&tx.to_string()).expect("a value re-encodes");
    let (again, _) = check_tx(&reparsed).expect("a re-encoded transaction is accepted");
    assert_eq!(again, id, "a transaction's id survives re-encoding");
}

/// One message of each chain kind and a handshake, as JSON.
pub fn message_seeds() -> Vec<Vec<u8>> {
    let block = super::block::first_block().to_value();
    let texts = [
        serde_json::json!({"type": "handshake", "network": "fuzz", "protocol_version": 2,
            "node_id": "07".repeat(32), "listen_port": 24100, "masternode": true,
            "best_height": 3, "software": "timed", "session": 1,
            "network_hash": "ab".repeat(32), "nonce": "cd".repeat(32)}),
        serde_json::json!({"type": "block", "block": block}),
        serde_json::json!({"type": "blocks", "blocks": [block]}),
        serde_json::json!({"type": "tx", "tx": {"to": "x", "amount": 1.5, "memo": "\u{e9}"}}),
        serde_json::json!({"type": "get_blocks", "from": 1, "limit": 512}),
        serde_json::json!({"type": "status", "best_height": 9}),
    ];
    texts.iter().map(|t| t.to_string().into_bytes()).collect()
}
