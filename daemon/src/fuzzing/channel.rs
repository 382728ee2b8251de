//! The channel against what a relay can do to the bytes between two ends.
//! The input's first byte chooses the case:
//! - 0 mod 4: the rest is all a stranger sends to our accepting end, instead
//!   of a Noise opening (it must be refused, never panic);
//! - 2 mod 4: the rest is all a stranger answers our dialing end, instead of
//!   its half of the opening or a refusal (only a well-formed
//!   `too_many_connections` refusal may be taken as one);
//! - odd: two honest ends open a channel through us; the dialer writes the
//!   chunks the input spells (each flushed, so each is a record or more); we
//!   then change the records on the wire as the input's last bytes say (drop,
//!   repeat, swap, flip a bit, cut) before the acceptor reads them.
//!
//! What must hold: the acceptor reads a prefix of what the dialer wrote, and
//! nothing else, whatever was done to the records: a relay can drop, never
//! inject, replay, reorder or change.

use std::cell::RefCell;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::runtime::Runtime;

use super::input::Input;
use crate::net::channel::{ChannelError, accept, dial, refusal};

/// Largest chunk the dialer writes at once: spans a few records.
const MAX_CHUNK: usize = 200_000;
/// Most chunks the dialer writes.
const MAX_CHUNKS: u8 = 8;
/// Bytes each in-memory pipe buffers: twice all the dialer can write (which
/// covers every record's length and tag), so no end waits on a reader that
/// only reads once the writing is done. At 1 MiB, eight chunks near the
/// largest filled it and the fuzzer hung in the dialer's write.
const PIPE: usize = 2 * MAX_CHUNKS as usize * MAX_CHUNK;

thread_local! {
    /// One runtime per fuzzing thread: building one per input would dominate.
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Runs one case chosen by `data[0]`.
///
/// # Panics
/// When the acceptor reads anything but a prefix of what the dialer wrote.
pub fn channel(data: &[u8]) {
    let Some((&case, rest)) = data.split_first() else {
        return;
    };
    RUNTIME.with(|cell| {
        let mut cell = cell.borrow_mut();
        let runtime = cell.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a current-thread runtime")
        });
        if case % 4 == 0 {
            runtime.block_on(stranger(rest));
        } else if case % 4 == 2 {
            runtime.block_on(answered(rest));
        } else {
            runtime.block_on(relayed(rest));
        }
    });
}

async fn stranger(bytes: &[u8]) {
    let (ours, mut theirs) = tokio::io::duplex(PIPE);
    let _ = theirs.write_all(bytes).await;
    let _ = theirs.shutdown().await;
    let opened = accept(ours).await;
    assert!(
        opened.is_err() || bytes.len() >= 32,
        "a channel opened from fewer bytes than a Noise key"
    );
}

async fn answered(bytes: &[u8]) {
    let (ours, mut theirs) = tokio::io::duplex(PIPE);
    let _ = theirs.write_all(bytes).await;
    let _ = theirs.shutdown().await;
    match dial(ours).await {
        Ok(_) => assert!(
            bytes.len() >= 48,
            "a channel opened from fewer bytes than a Noise answer"
        ),
        Err(ChannelError::Refused(_)) => assert!(
            bytes.starts_with(&refusal()),
            "a refusal taken from bytes that are not one"
        ),
        Err(_) => {}
    }
}

/// One `u16`-length-prefixed message off `pipe`, prefix included.
async fn message(pipe: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut head = [0u8; 2];
    pipe.read_exact(&mut head).await.ok()?;
    let mut out = head.to_vec();
    out.resize(2 + usize::from(u16::from_be_bytes(head)), 0);
    pipe.read_exact(&mut out[2..]).await.ok()?;
    Some(out)
}

async fn pass(from: &mut (impl AsyncRead + Unpin), to: &mut (impl AsyncWrite + Unpin)) {
    let msg = message(from).await.expect("a handshake message");
    to.write_all(&msg).await.expect("forwarded");
}

async fn relayed(data: &[u8]) {
    let mut input = Input::new(data);
    let (a_end, mut a_wire) = tokio::io::duplex(PIPE);
    let (b_end, mut b_wire) = tokio::io::duplex(PIPE);
    let relay = async {
        pass(&mut a_wire, &mut b_wire).await;
        pass(&mut b_wire, &mut a_wire).await;
    };
    let (a, b, ()) = tokio::join!(dial(a_end), accept(b_end), relay);
    let (mut a, mut b) = (a.expect("dialer"), b.expect("acceptor"));
    // Up to eight chunks, each a length (two bytes, times four) and a fill byte.
    let mut written = Vec::new();
    for _ in 0..input.byte() % MAX_CHUNKS + 1 {
        let len = usize::from(input.u16()) * 4 % MAX_CHUNK;
        let fill = input.byte();
        let chunk: Vec<u8> = (0..len).map(|i| fill ^ i as u8).collect();
        a.write_all(&chunk).await.expect("write");
        a.flush().await.expect("flush");
        written.extend_from_slice(&chunk);
    }
    a.shutdown().await.expect("shutdown");
    let mut records = Vec::new();
    while let Some(record) = message(&mut a_wire).await {
        records.push(record);
    }
    let untouched = !tamper(&mut records, &mut input);
    for record in &records {
        b_wire.write_all(record).await.expect("delivered");
    }
    b_wire.shutdown().await.expect("shutdown");
    let mut read = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match b.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => read.extend_from_slice(&buf[..n]),
        }
    }
    assert!(
        written.starts_with(&read),
        "read {} bytes that the dialer did not write in that order",
        read.len()
    );
    if untouched {
        assert_eq!(read.len(), written.len(), "untouched records all arrive");
    }
}

/// Changes the records as the input says; false when it left them as they were.
fn tamper(records: &mut Vec<Vec<u8>>, input: &mut Input<'_>) -> bool {
    if records.is_empty() {
        return false;
    }
    let at = usize::from(input.byte()) % records.len();
    match input.byte() % 6 {
        0 => return false,
        1 => {
            records.remove(at);
        }
        2 => {
            let copy = records[at].clone();
            records.insert(at, copy);
        }
        3 if at + 1 < records.len() => records.swap(at, at + 1),
        3 => return false,
        4 => {
            let record = &mut records[at];
            let bit = usize::from(input.u16()) % (record.len() * 8);
            record[bit / 8] ^= 1 << (bit % 8);
        }
        _ => {
            let keep = usize::from(input.u16()) % records[at].len();
            records[at].truncate(keep);
            records.truncate(at + 1);
        }
    }
    true
}

/// A stranger's garbage at either end, a refusal and a forged one, and honest
/// exchanges with each kind of tampering.
pub fn channel_seeds() -> Vec<Vec<u8>> {
    let mut seeds = vec![b"\x00\x00\x20garbage instead of a Noise opening".to_vec()];
    seeds.push([&[2][..], &refusal()].concat());
    seeds.push(b"\x02\x00\x00\x00\x00\x00\x0f{\"type\":\"ping\"}".to_vec());
    seeds.push(b"\x02\x00\x30garbage instead of the Noise answer".to_vec());
    // Eight chunks of 199 996 bytes: more than a 1 MiB pipe holds.
    seeds.push(vec![
        1, 7, 0xc3, 0x4f, 1, 0xc3, 0x4f, 2, 0xc3, 0x4f, 3, 0xc3, 0x4f, 4, 0xc3, 0x4f, 5, 0xc3,
        0x4f, 6, 0xc3, 0x4f, 7, 0xc3, 0x4f, 8, 0, 0,
    ]);
    for tamper in 0..6u8 {
        // Three chunks of 40, 70 000 and 12 bytes; then which record, what to
        // do to it, and a bit or a cut.
        seeds.push(vec![
            1, 2, 0, 10, 7, 0x44, 0x5c, 9, 0, 3, 5, 1, tamper, 0, 17,
        ]);
    }
    seeds
}
