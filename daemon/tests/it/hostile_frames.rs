//! Decoding costs what a frame weighs (issue 22), against a real `timed`: eight
//! stranger links, each from its own loopback address, send the worst frames we
//! can build (`support/frames.rs`) one after another for a while; a frame that
//! does not decode ends its link, and the stranger links again. The node's peak
//! resident memory (`VmHWM`) stays under 256 MiB, and it keeps producing.
//!
//! Before typed decoding, the issue measured 2.5 GB after 60 s of one of these
//! frames. The attack lasts 10 s here; `HOSTILE_FRAMES_SECS` makes it longer
//! for the closing note's figure.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use testkit::wait::within;
use tokio::time::Instant;

use crate::adversary::liar::{Linked, outsider};
use crate::adversary::target;
use crate::support::frames::worst_frames;
use crate::support::{NetworkDef, Node, network_specs};

/// Generous bound for anything that takes a few seconds on a busy box.
const WITHIN: Duration = Duration::from_secs(60);

/// The resident-memory bound the daemon promises whatever its peers send.
const PEAK_BOUND_MIB: u64 = 256;

/// Stranger links at once.
const LINKS: u8 = 8;

/// How long the attack lasts unless `HOSTILE_FRAMES_SECS` says otherwise.
const ATTACK_SECS: u64 = 10;

/// A line of the process's `/proc` status in KiB (`VmRSS:`, `VmHWM:`).
fn status_kib(node: &Node, field: &str) -> u64 {
    let pid = node.pid().expect("running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// One stranger: links from `ip`, sends every worst frame in turn, each once
/// the previous one is written, and links again whenever the node ends the
/// link; counts the frames written.
async fn stranger(
    node: &Node,
    ip: IpAddr,
    until: Instant,
    frames: Arc<Vec<Vec<u8>>>,
    sent: Arc<AtomicU64>,
) {
    let mut next = 0;
    while Instant::now() < until {
        let Ok(link) = Linked::connect_from(&target(node), &outsider(), ip).await else {
            // Refused while its last link is still closing: try again shortly.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        while Instant::now() < until && !link.is_closed() {
            if !link
                .say_raw_written(frames[next % frames.len()].clone())
                .await
            {
                break;
            }
            sent.fetch_add(1, Ordering::Relaxed);
            next += 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worst_frames_from_eight_links_keep_the_node_under_256_mib() {
    let def = NetworkDef {
        min_masternodes: 1,
        block_interval: "1s",
    };
    let node = Node::start(network_specs(1, def).remove(0));
    let producing = || async { node.consensus().await.is_some_and(|c| c.block_height >= 1) };
    assert!(
        within(WITHIN, producing).await.is_some(),
        "the node produces"
    );
    let before_kib = status_kib(&node, "VmRSS:");

    let secs = std::env::var("HOSTILE_FRAMES_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ATTACK_SECS);
    let until = Instant::now() + Duration::from_secs(secs);
    let frames: Arc<Vec<Vec<u8>>> = Arc::new(
        worst_frames()
            .into_iter()
            .map(|(_, f)| f.into_bytes())
            .collect(),
    );
    let sent = Arc::new(AtomicU64::new(0));
    let strangers = (1..=LINKS).map(|i| {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 22, i));
        stranger(&node, ip, until, frames.clone(), sent.clone())
    });
    futures_util::future::join_all(strangers).await;

    let sent = sent.load(Ordering::Relaxed);
    let peak_kib = status_kib(&node, "VmHWM:");
    eprintln!(
        "worst frames for {secs} s from {LINKS} links: {sent} frames written, resident {} MiB before, peak {} MiB",
        before_kib / 1024,
        peak_kib / 1024
    );
    assert!(
        peak_kib / 1024 < PEAK_BOUND_MIB,
        "peak resident memory {} MiB under the worst frames (bound {PEAK_BOUND_MIB} MiB)",
        peak_kib / 1024
    );
    assert!(
        sent >= u64::from(LINKS) * frames.len() as u64,
        "every link sent every frame at least once: {sent} frames"
    );
    let height = node.consensus().await.expect("answers").block_height;
    let goes_on = || async {
        node.consensus()
            .await
            .is_some_and(|c| c.block_height > height)
    };
    assert!(
        within(WITHIN, goes_on).await.is_some(),
        "and keeps producing"
    );
}
