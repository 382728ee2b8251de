//! Message parsing: a frame's JSON decoded straight into a [`Message`] and its
//! typed payloads, checked against the same JSON parsed as a plain value: every
//! transaction's canonical text, written while decoding, must be the text the
//! parsed value gives (the way it was computed before). Whatever decodes must
//! re-encode to itself, a block's hash must survive re-encoding (a sync
//! answer's entries too, with their certificates, and a proposal's block),
//! and a handshake is checked
//! against ours.

use serde_json::Value;

use super::frame::round_trip;
use super::handshake::ours;
use crate::chain::block::Block;
use crate::chain::canonical::reference;
use crate::chain::limits::MAX_TX_BYTES;
use crate::chain::tx::TxRef;
use crate::consensus::messages::ConsensusMessage;
use crate::net::handshake::validate;
use crate::wire::Message;

/// Parses `data` as one message and its payloads.
///
/// # Panics
/// When something decoded does not survive re-encoding, or a transaction's
/// text differs from its parsed value's canonical text: a finding.
pub fn message(data: &[u8]) {
    let Ok(message) = Message::decode(data) else {
        return;
    };
    let _ = message.kind();
    round_trip(&message);
    let parsed: Value = serde_json::from_slice(data).expect("what decodes is JSON");
    match &message {
        Message::Handshake(theirs) => {
            let _ = validate(theirs, &ours());
        }
        Message::Blocks { blocks } => {
            for (i, entry) in blocks.iter().enumerate() {
                let parsed = &parsed["blocks"][i];
                // A bare block is an uncertified entry.
                let parsed = parsed.get("block").unwrap_or(parsed);
                block_payload(&entry.block, parsed);
            }
        }
        Message::Tx { tx } => tx_payload(tx.as_ref(), &parsed["tx"]),
        Message::Consensus { message } => {
            if let ConsensusMessage::Proposal { block, .. } = message.as_ref() {
                block_payload(block, &parsed["message"]["block"]);
            }
        }
        _ => {}
    }
}

fn block_payload(block: &Block, parsed: &Value) {
    let text = serde_json::to_vec(block).expect("a decoded block encodes");
    let again: Block = serde_json::from_slice(&text).expect("a decoded block decodes again");
    assert_eq!(
        again.hash(),
        block.hash(),
        "a block's hash survives re-encoding"
    );
    let _ = block.verify_signature();
    for (i, tx) in block.transactions.iter().enumerate() {
        tx_payload(tx, &parsed["transactions"][i]);
    }
}

fn tx_payload(tx: TxRef<'_>, parsed: &Value) {
    assert!(
        tx.size() <= MAX_TX_BYTES,
        "a decoded transaction is within its limit"
    );
    assert_eq!(
        tx.as_str(),
        reference(parsed),
        "the text written while decoding is the parsed value's canonical text"
    );
}

/// One message of each chain kind and a handshake, as JSON.
pub fn message_seeds() -> Vec<Vec<u8>> {
    let block = serde_json::to_value(super::block::first_block()).expect("a block encodes");
    let texts = [
        serde_json::json!({"type": "handshake", "network": "fuzz", "protocol_version": 2,
            "node_id": "07".repeat(32), "listen_port": 24100, "masternode": true,
            "best_height": 3, "software": "timed", "session": 1,
            "network_hash": "ab".repeat(32), "nonce": "cd".repeat(32)}),
        serde_json::json!({"type": "blocks", "blocks": [block]}),
        serde_json::json!({"type": "tx", "tx": {"to": "x", "amount": 1.5, "memo": "\u{e9}"}}),
        serde_json::json!({"type": "get_blocks", "from": 1, "limit": 512}),
        serde_json::json!({"type": "status", "best_height": 9}),
    ];
    let mut seeds: Vec<Vec<u8>> = texts.iter().map(|t| t.to_string().into_bytes()).collect();
    // The shapes that cost most as JSON values, and a transaction whose keys
    // arrive unsorted, with escapes and numbers that re-encode longer.
    seeds.push(br#"{"type":"blocks","blocks":[[0],[0],[0]]}"#.to_vec());
    seeds.push(
        br#"{"type":"tx","tx":{"z":[[],{}],"a\n":1e3,"\u00e9":-0,"b":{"d":1,"c":[2]}}}"#.to_vec(),
    );
    // Consensus: a vote, a proposal with its block, and a sync entry with its
    // certificate (signatures are not checked by decoding).
    let (zero, sig) = ("00".repeat(32), "ab".repeat(64));
    let vote = serde_json::json!({"vote": {"kind": "precommit", "height": 1, "round": 0,
        "value": zero, "validator": zero}, "signature": sig});
    let consensus = [
        serde_json::json!({"type": "consensus", "message": {"kind": "vote", "vote": vote}}),
        serde_json::json!({"type": "consensus", "message": {"kind": "proposal", "block": block,
            "proposal": {"proposal": {"height": 1, "round": 0, "value": zero, "pol_round": null,
                "proposer": zero}, "signature": sig}}}),
        serde_json::json!({"type": "blocks", "blocks": [{"block": block, "certificate":
            {"height": 1, "round": 0, "value": zero, "precommits": [vote]}}]}),
    ];
    seeds.extend(consensus.iter().map(|t| t.to_string().into_bytes()));
    seeds
}
