//! The frame decoder as a socket feeds it: the input's first byte chooses the
//! size of each read and whether the handshake is done (the cap raised); the
//! rest is the byte stream. Every message decoded must re-encode to a frame that
//! decodes to the same message, and an error ends the stream, as it ends the
//! connection.

use bytes::BytesMut;
use timecoin_shared::wire::{DisconnectReason, Handshake, NodeId};
use tokio_util::codec::{Decoder, Encoder};

use crate::chain::tx::Tx;
use crate::net::codec::MessageCodec;
use crate::wire::Message;

/// Low bits of the first byte: one less than the size of each read.
const READ_SIZE_MASK: u8 = 0x3f;
/// High bit of the first byte: the peer has completed the handshake.
const RAISED_CAP: u8 = 0x80;

/// Decodes `data` as a peer's byte stream.
///
/// # Panics
/// When a decoded message does not survive re-encoding: a finding.
pub fn frame_decoder(data: &[u8]) {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let read_size = usize::from(first & READ_SIZE_MASK) + 1;
    let mut codec = MessageCodec::default();
    if first & RAISED_CAP != 0 {
        codec.raise_cap();
    }
    let mut buf = BytesMut::new();
    for read in stream.chunks(read_size) {
        buf.extend_from_slice(read);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(message)) => round_trip(&message),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

/// The message, encoded and decoded again, is itself.
pub(super) fn round_trip(message: &Message) {
    // Correctness: no cap here: re-encoding may lengthen a message (`1e3` is
    // written back as `1000.0`), and the cap is not what is checked.
    let mut codec = MessageCodec::with_cap(u32::MAX as usize);
    let mut frame = BytesMut::new();
    codec
        .encode(message, &mut frame)
        .expect("a decoded message encodes");
    let again = codec
        .decode(&mut frame)
        .expect("an encoded message decodes")
        .expect("an encoded message is one whole frame");
    assert_eq!(&again, message, "a message survives re-encoding");
    assert!(frame.is_empty(), "one frame per message");
}

/// Frames of every kind a peer sends, read whole and one byte at a time.
pub fn frame_seeds() -> Vec<Vec<u8>> {
    let hello = Handshake {
        network: "testnet".into(),
        protocol_version: timecoin_shared::wire::PROTOCOL_VERSION,
        node_id: NodeId([7; 32]),
        listen_port: 24100,
        masternode: true,
        best_height: 3,
        software: "timed/0.1.0 (fuzz)".into(),
        session: 1,
        network_hash: "ab".repeat(32),
        nonce: "cd".repeat(32),
    };
    let messages = [
        Message::Handshake(hello),
        Message::Ping { nonce: 9 },
        Message::Disconnect {
            reason: DisconnectReason::ShuttingDown,
        },
        Message::GetBlocks { from: 1, limit: 16 },
        Message::Tx {
            tx: Tx::from_value(&serde_json::json!({"to": "x", "amount": 5}))
                .expect("a transaction"),
        },
    ];
    let mut codec = MessageCodec::default();
    let mut stream = BytesMut::new();
    for message in &messages {
        codec.encode(message, &mut stream).expect("seed encodes");
    }
    let mut whole = vec![READ_SIZE_MASK | RAISED_CAP];
    whole.extend_from_slice(&stream);
    let mut bytewise = vec![0];
    bytewise.extend_from_slice(&stream);
    vec![whole, bytewise]
}
