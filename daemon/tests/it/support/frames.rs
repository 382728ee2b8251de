//! The worst frames we can build, each up to the 4 MiB frame cap: shapes that
//! cost most to decode (the issue's `[[0],[0],...]`, thousands of tiny
//! transactions per block, numbers that canonical text spells longer, objects
//! of thousands of keys, nesting at the limit, escapes, the tag last). Shared
//! by the decoder's allocation test (`tests/decode_memory.rs`) and the attack
//! on a real node (`hostile_frames.rs`).

/// The frame cap of a handshaken peer.
pub(crate) const FRAME_CAP: usize = 4 * 1024 * 1024;

/// `HEAD ITEM,ITEM,... ]}` (HEAD opens an array), as many items as fit in the cap.
fn repeated(head: &str, item: &str, close: &str) -> String {
    let room = FRAME_CAP - head.len() - close.len();
    let count = room / (item.len() + 1);
    let mut frame = String::with_capacity(FRAME_CAP);
    frame.push_str(head);
    for i in 0..count {
        if i > 0 {
            frame.push(',');
        }
        frame.push_str(item);
    }
    frame.push_str(close);
    frame
}

/// A block with `txs` as its transactions' JSON (already joined).
fn block(height: u64, txs: &str) -> String {
    format!(
        r#"{{"height":{height},"parent":"{zero}","timestamp_ms":1,"producer":"{zero}","round":0,"transactions":[{txs}],"signature":"{sig}"}}"#,
        zero = "00".repeat(32),
        sig = "ab".repeat(64)
    )
}

/// `count` copies of `tx`, comma-joined.
fn txs(tx: &str, count: usize) -> String {
    vec![tx; count].join(",")
}

/// A transaction of `n` numbers that each grow from 5 bytes on the wire to 19
/// as canonical text (`1e15` is written `1000000000000000.0`).
fn growing_tx(n: usize) -> String {
    format!(r#"{{"a":[{}]}}"#, vec!["1e15"; n].join(","))
}

/// A signed precommit's JSON (the signature is not checked by decoding).
fn precommit() -> String {
    format!(
        r#"{{"vote":{{"kind":"precommit","height":1,"round":0,"value":"{zero}","validator":"{zero}"}},"signature":"{sig}"}}"#,
        zero = "00".repeat(32),
        sig = "ab".repeat(64)
    )
}

/// A block with its certificate of `n` precommits, as a sync answer's entry.
fn certified(n: usize) -> String {
    format!(
        r#"{{"block":{},"certificate":{{"height":1,"round":0,"value":"{}","precommits":[{}]}}}}"#,
        block(1, "{}"),
        "00".repeat(32),
        vec![precommit(); n].join(",")
    )
}

/// A consensus proposal's JSON carrying `block`, with `kind` last.
fn proposal(block: &str) -> String {
    format!(
        r#"{{"proposal":{{"proposal":{{"height":1,"round":0,"value":"{zero}","pol_round":null,"proposer":"{zero}"}},"signature":"{sig}"}},"block":{block},"kind":"proposal"}}"#,
        zero = "00".repeat(32),
        sig = "ab".repeat(64)
    )
}

pub(crate) fn worst_frames() -> Vec<(&'static str, String)> {
    let empty_block = block(1, &txs("{}", 2_000));
    let many_blocks = {
        let per = empty_block.len() + 1;
        let count = ((FRAME_CAP - 64) / per).min(512);
        format!(
            r#"{{"type":"blocks","blocks":[{}]}}"#,
            vec![empty_block.as_str(); count].join(",")
        )
    };
    let growing = {
        let tx = growing_tx(3_400);
        let count = (FRAME_CAP - 512) / (tx.len() + 1);
        format!(
            r#"{{"type":"blocks","blocks":[{}]}}"#,
            block(1, &txs(&tx, count))
        )
    };
    let keys: String = (0..5_000)
        .map(|i| format!(r#""k{i}":0"#))
        .collect::<Vec<_>>()
        .join(",");
    let many_keys = {
        let tx = format!("{{{keys}}}");
        let count = (FRAME_CAP - 512) / (tx.len() + 1);
        format!(
            r#"{{"type":"blocks","blocks":[{}]}}"#,
            block(1, &txs(&tx, count))
        )
    };
    let deep = {
        let tx = format!(r#"{{"a":{}{}}}"#, "[".repeat(63), "]".repeat(63));
        let count = ((FRAME_CAP - 512) / (tx.len() + 1)).min(2_000);
        format!(
            r#"{{"type":"blocks","blocks":[{}]}}"#,
            block(1, &txs(&tx, count))
        )
    };
    let escaped = format!(
        r#"{{"type":"tx","tx":{{"a":"{}"}}}}"#,
        "\\u00e9".repeat(10_000)
    );
    let late_tag = format!(
        r#"{{"blocks":[{}],"type":"blocks"}}"#,
        vec![block(1, "{}").as_str(); 512].join(",")
    );
    let proposed = {
        let tx = format!("{{{keys}}}");
        let count = (FRAME_CAP - 1024) / (tx.len() + 1);
        format!(
            r#"{{"message":{},"type":"consensus"}}"#,
            proposal(&block(1, &txs(&tx, count)))
        )
    };
    let certificates = {
        let entry = certified(1_024);
        let count = (FRAME_CAP - 64) / (entry.len() + 1);
        format!(
            r#"{{"type":"blocks","blocks":[{}]}}"#,
            vec![entry.as_str(); count].join(",")
        )
    };
    let long_certificate = {
        let count = (FRAME_CAP - 1024) / (precommit().len() + 1);
        format!(r#"{{"type":"blocks","blocks":[{}]}}"#, certified(count))
    };
    vec![
        (
            "blocks of [0] (the issue's frame)",
            repeated(r#"{"type":"blocks","blocks":["#, "[0]", "]}"),
        ),
        ("blocks of 2000 {} transactions each", many_blocks),
        ("a block of numbers that grow as text", growing),
        ("a block of 5000-key transactions", many_keys),
        ("a block of transactions 64 deep", deep),
        ("a transaction of escapes", escaped),
        ("blocks with the type last", late_tag),
        (
            "a ping with an unknown field of [0]",
            repeated(r#"{"type":"ping","nonce":1,"junk":["#, "[0]", "]}"),
        ),
        (
            "a transaction of [0]",
            repeated(r#"{"type":"tx","tx":{"a":["#, "[0]", "]}}"),
        ),
        ("a proposal of 5000-key transactions, tags last", proposed),
        ("blocks with certificates of 1024 precommits", certificates),
        ("a certificate of too many precommits", long_certificate),
        (
            "consensus votes of [0]",
            repeated(
                r#"{"type":"consensus","message":{"kind":"vote","vote":["#,
                "[0]",
                "]}}",
            ),
        ),
    ]
}
