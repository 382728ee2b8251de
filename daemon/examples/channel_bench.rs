//! What the encrypted channel costs a link (issue 22): the CPU time of opening
//! one (the Noise NN handshake, both ends), and of moving a 4 MiB frame's worth
//! of bytes through it against the same bytes through the bare in-memory pipe.
//!
//! Both ends run on one thread over an in-memory pipe, so wall time is CPU time.
//! Run with `cargo run --release -p timed --example channel_bench -- [OPENS]`.
//! The handshake's identity proofs (one ed25519 signature made and one checked
//! per end) come on top; this prints their cost too, measured the same way.

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey, Verifier};
use timed::testing::net::channel::{accept, dial};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Channels opened unless given.
const OPENS: u32 = 2_000;
/// Bytes moved through the channel: the largest frame.
const FRAME: usize = 4 * 1024 * 1024;

fn per(total: Duration, n: u32) -> f64 {
    total.as_secs_f64() * 1e6 / f64::from(n)
}

/// Moves `FRAME` bytes from one end to the other, `times` times.
async fn throughput<W, R>(mut from: W, mut to: R, times: u32) -> Duration
where
    W: AsyncWriteExt + Unpin,
    R: AsyncReadExt + Unpin,
{
    let frame = vec![7u8; FRAME];
    let mut sink = vec![0u8; FRAME];
    let started = Instant::now();
    for _ in 0..times {
        let write = async {
            from.write_all(&frame).await.expect("write");
            from.flush().await.expect("flush");
        };
        let read = to.read_exact(&mut sink);
        let ((), read) = tokio::join!(write, read);
        read.expect("read");
    }
    started.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let opens = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(OPENS);
    let started = Instant::now();
    for _ in 0..opens {
        let (a, b) = tokio::io::duplex(1 << 16);
        let (a, b) = tokio::join!(dial(a), accept(b));
        a.expect("dialer");
        b.expect("acceptor");
    }
    let open = started.elapsed();
    println!(
        "channel open (Noise NN, both ends): {:.1} us CPU per link ({opens} opens)",
        per(open, opens)
    );
    testkit::figures::record("channel.open_cpu", "us", &[per(open, opens)]);

    let key = SigningKey::from_bytes(&[1; 32]);
    let transcript = [9u8; 300];
    let started = Instant::now();
    for _ in 0..opens {
        let signature = key.sign(&transcript);
        key.verifying_key()
            .verify(&transcript, &signature)
            .expect("verifies");
    }
    let proofs = started.elapsed();
    println!(
        "identity proofs (sign + verify, per end): {:.1} us CPU; both ends: {:.1} us per link",
        per(proofs, opens),
        2.0 * per(proofs, opens)
    );
    testkit::figures::record(
        "channel.proofs_cpu_per_link",
        "us",
        &[2.0 * per(proofs, opens)],
    );

    let times = 16;
    let (a, b) = tokio::io::duplex(1 << 16);
    let (a, b) = tokio::join!(dial(a), accept(b));
    let sealed = throughput(a.expect("dialer"), b.expect("acceptor"), times).await;
    let (a, b) = tokio::io::duplex(1 << 16);
    let bare = throughput(a, b, times).await;
    let mib = (FRAME as f64 * f64::from(times)) / (1024.0 * 1024.0);
    println!(
        "4 MiB frames: {:.0} MiB/s through the channel, {:.0} MiB/s through the bare pipe",
        mib / sealed.as_secs_f64(),
        mib / bare.as_secs_f64()
    );
    testkit::figures::record("channel.throughput", "MiB/s", &[mib / sealed.as_secs_f64()]);
}
