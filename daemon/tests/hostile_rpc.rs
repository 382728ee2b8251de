//! Issue 13's mempool and RPC limits, each exceeded against a real `timed`:
//! - a mempool flood over RPC stays within the configured bytes, gets a 503 that
//!   says the pool is full, and resident memory does not follow the flood;
//! - a flood of gossiped transactions from linked peers (the wire-protocol client
//!   of `adversary/liar.rs`) stays within the bytes and the per-peer rate, and no
//!   transaction is sent back to the peer it came from;
//! - half-sent HTTP headers are closed after the header timeout while `/health`
//!   keeps answering; connections over the limit cost the daemon no descriptor;
//! - an oversized `Content-Length` gets a 413 before any body is sent, a body
//!   that never ends a 408, `/blocks/+1` a 400, `POST /tx` without a JSON content
//!   type a 415;
//! - the token is taken from a file or the environment, and is not in the argv.

mod support;

#[allow(dead_code)] // The attack tests use the rest of it.
#[path = "adversary/liar.rs"]
mod liar;

use std::time::Duration;

use liar::{Linked, Target, outsider};
use serde_json::{Value, json};
use support::{NetworkDef, Node, NodeSpec, network_specs, wait_until};
use timecoin_shared::rpc::ErrorBody;
use timecoin_shared::wire::Message;
use timed::definition::Definition;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for anything that should take a second or two on a busy box.
const WITHIN: Duration = Duration::from_secs(30);

/// A transaction of about 60 KB, tagged with who sent it.
fn big_tx(from: &str, n: usize) -> Value {
    json!({"from": from, "n": n, "pad": "x".repeat(60_000)})
}

/// A masternode that never produces (its network needs two and only it runs),
/// so nothing leaves its mempool, started with `args`.
fn lone_node(args: &[&str]) -> Node {
    let mut specs = network_specs(
        2,
        NetworkDef {
            min_masternodes: 2,
            block_interval: "1s",
        },
    );
    let mut spec = specs.swap_remove(0);
    spec.peers.clear();
    spec.args.extend(args.iter().map(|a| (*a).to_owned()));
    Node::start(spec)
}

async fn rpc_up(node: &Node) {
    assert!(
        wait_until(WITHIN, || async { node.consensus().await.is_some() }).await,
        "rpc up:\n{}",
        node.log()
    );
}

/// One sample of `GET /metrics`.
async fn metric(node: &Node, name: &str) -> Option<f64> {
    let (_, text) = node.get_raw("/metrics").await?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// Resident memory of the process in KiB, from `/proc`.
fn rss_kib(node: &Node) -> u64 {
    let pid = node.pid().expect("running");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Open file descriptors of the process.
fn open_fds(node: &Node) -> usize {
    let pid = node.pid().expect("running");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

const POOL: u64 = 2 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rpc_flood_stays_within_the_mempool_bytes_and_gets_503() {
    let node = lone_node(&["--mempool-bytes", &POOL.to_string()]);
    rpc_up(&node).await;
    let before = rss_kib(&node);
    let http = client();
    let url = format!("http://{}/tx", node.spec.rpc);
    // 4 clients, 60 MB in all: thirty times the pool.
    let mut clients = Vec::new();
    for c in 0..4 {
        let (http, url) = (http.clone(), url.clone());
        clients.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            let mut full_reason = None;
            for n in 0..250 {
                let resp = http
                    .post(&url)
                    .json(&big_tx(&format!("rpc{c}"), n))
                    .send()
                    .await
                    .expect("answer");
                let status = resp.status().as_u16();
                if status == 503 {
                    let body: ErrorBody = resp.json().await.expect("json error");
                    full_reason = Some(body.error);
                }
                statuses.push(status);
            }
            (statuses, full_reason)
        }));
    }
    let mut accepted = 0;
    let mut reason = None;
    for c in clients {
        let (statuses, full) = c.await.expect("client");
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "{statuses:?}"
        );
        accepted += statuses.iter().filter(|s| **s == 200).count();
        reason = reason.or(full);
    }
    let reason = reason.expect("some submissions were refused");
    assert!(reason.contains("mempool is full"), "{reason}");
    let used = metric(&node, "timed_mempool_bytes").await.expect("metric");
    assert!(used as u64 <= POOL, "{used} bytes pending over {POOL}");
    assert!(
        (accepted as u64) * 60_000 <= POOL,
        "{accepted} transactions accepted"
    );
    let pending = node.consensus().await.expect("info").pending_transactions;
    assert_eq!(pending, accepted, "every 200 is pending");
    let refused = metric(&node, "timed_txs_refused_full_total").await;
    assert_eq!(refused, Some((1000 - accepted) as f64));
    let after = rss_kib(&node);
    eprintln!("RPC flood of 60 MB: resident {before} KiB -> {after} KiB");
    assert!(
        after < before + 48 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}

fn target(node: &Node) -> Target {
    let def = Definition::load(&node.spec.network_file).expect("network file");
    Target {
        addr: node.spec.p2p,
        network: def.name.clone(),
        network_hash: def.hash_hex(),
    }
}

/// Whether `msg` is a transaction sent by `who`.
fn tx_from(msg: &Message, who: &str) -> bool {
    matches!(msg, Message::Tx { tx } if tx["from"] == who)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gossip_flood_stays_within_bytes_and_rate_and_is_never_echoed() {
    let node = lone_node(&["--mempool-bytes", &POOL.to_string()]);
    rpc_up(&node).await;
    let before = rss_kib(&node);
    let mut peers = Vec::new();
    for _ in 0..2 {
        peers.push(Linked::connect(&target(&node), &outsider()).await);
    }
    let linked = || async {
        node.consensus()
            .await
            .is_some_and(|c| c.connected_peers == 2)
    };
    assert!(wait_until(WITHIN, linked).await, "both peers linked");
    // Relaying works: a first transaction from peer1 reaches peer0.
    peers[1].say(Message::Tx {
        tx: json!({"from": "peer1", "n": "first"}),
    });
    let mut heard: Vec<Vec<Message>> = vec![Vec::new(), Vec::new()];
    loop {
        let msg = peers[0].hear(WITHIN).await.expect("peer0 hears the relay");
        let relayed = tx_from(&msg, "peer1");
        heard[0].push(msg);
        if relayed {
            break;
        }
    }
    // Each peer sends 300 transactions (18 MB) as fast as its socket takes them.
    for (p, peer) in peers.iter().enumerate() {
        for n in 0..300 {
            peer.say(Message::Tx {
                tx: big_tx(&format!("peer{p}"), n),
            });
        }
    }
    // A request the node answers after handling every message before it: once each
    // peer has its answer, anything echoed to it would already have arrived.
    for (p, peer) in peers.iter_mut().enumerate() {
        let deadline = tokio::time::Instant::now() + WITHIN * 2;
        'answered: loop {
            peer.say(Message::GetBlocks { from: 1, limit: 1 });
            while let Some(msg) = peer.hear(Duration::from_secs(2)).await {
                if matches!(msg, Message::Blocks { .. }) {
                    break 'answered;
                }
                heard[p].push(msg);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "peer{p} got no answer"
            );
        }
    }
    for (p, messages) in heard.iter().enumerate() {
        let own = format!("peer{p}");
        assert!(
            !messages.iter().any(|m| tx_from(m, &own)),
            "peer{p} got its own transaction back"
        );
    }
    let used = metric(&node, "timed_mempool_bytes").await.expect("metric");
    assert!(used as u64 <= POOL, "{used} bytes pending over {POOL}");
    let over_rate = metric(&node, "timed_txs_over_peer_rate_total").await;
    let full = metric(&node, "timed_txs_refused_full_total").await;
    assert!(
        over_rate.is_some_and(|n| n > 0.0),
        "the per-peer rate never applied"
    );
    eprintln!("gossip flood: over rate {over_rate:?}, refused full {full:?}");
    let after = rss_kib(&node);
    eprintln!("gossip flood of 36 MB: resident {before} KiB -> {after} KiB");
    assert!(
        after < before + 48 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}

/// Whether the other end has closed `stream` (EOF or an error), waiting `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_are_closed_and_health_answers_throughout() {
    let node = lone_node(&["--rpc-header-timeout", "4s"]);
    rpc_up(&node).await;
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut s = TcpStream::connect(node.spec.rpc).await.expect("connect");
        s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .expect("write");
        slow.push(s);
    }
    let started = tokio::time::Instant::now();
    // `/health` answers while they hang...
    let mut answered = 0;
    while started.elapsed() < Duration::from_secs(1) {
        let health = node.get_raw("/health").await;
        assert_eq!(health.map(|(s, _)| s), Some(200), "/health must answer");
        answered += 1;
    }
    let mut buf = [0u8; 16];
    for s in &slow {
        let open =
            matches!(s.try_read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        assert!(open, "a half-sent header was closed before the timeout");
    }
    // ...and every one of them is closed after the header timeout.
    let closer = tokio::spawn(async move {
        let mut all = true;
        for s in &mut slow {
            all &= closed_within(s, WITHIN).await;
        }
        all
    });
    while !closer.is_finished() {
        let health = node.get_raw("/health").await;
        assert_eq!(health.map(|(s, _)| s), Some(200), "/health must answer");
        answered += 1;
    }
    assert!(closer.await.expect("join"), "a half-sent header was kept");
    eprintln!("/health answered {answered} times while 100 headers hung");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_wait_and_cost_no_descriptor() {
    let node = lone_node(&["--rpc-max-connections", "8", "--rpc-header-timeout", "3s"]);
    rpc_up(&node).await;
    let baseline = open_fds(&node);
    // Eight silent connections take every slot, 32 more wait behind them.
    let mut silent = Vec::new();
    for _ in 0..40 {
        silent.push(TcpStream::connect(node.spec.rpc).await.expect("connect"));
    }
    // One slot may be the harness's own keep-alive connection, already counted in
    // the baseline: seven new descriptors either way once every slot is taken.
    let held = || async { open_fds(&node) >= baseline + 7 };
    assert!(wait_until(WITHIN, held).await, "the first eight are served");
    let fds = open_fds(&node);
    assert!(
        fds <= baseline + 8 + 4,
        "{fds} descriptors open, {baseline} before 40 connections"
    );
    // The header timeout frees the slots, one batch after another, and a new
    // connection is served after the ones queued before it.
    let head = raw(&node, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(open_fds(&node) <= baseline + 8 + 4);
    drop(silent);
}

/// Sends `request` on a fresh connection and returns the head of the answer.
async fn raw(node: &Node, request: &str) -> String {
    let mut s = TcpStream::connect(node.spec.rpc).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut answer = vec![0u8; 4096];
    let n = tokio::time::timeout(WITHIN * 2, s.read(&mut answer))
        .await
        .expect("an answer in time")
        .expect("read");
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_413_408_415_and_400() {
    let node = lone_node(&["--rpc-request-timeout", "2s"]);
    rpc_up(&node).await;
    // A declared body of 100 MB is refused before a byte of it is sent.
    let head = raw(
        &node,
        "POST /tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("100000000"), "{head}");
    // A body that stops short is a 408 after the request timeout.
    let head = raw(
        &node,
        "POST /tx HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");

    let http = client();
    let url = format!("http://{}/tx", node.spec.rpc);
    let tx = json!({"to": "x", "amount": 1}).to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut req = http.post(&url).body(tx.clone());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.expect("answer");
        assert_eq!(resp.status().as_u16(), 415, "{content_type:?}");
        let err: ErrorBody = resp.json().await.expect("json error");
        assert!(err.error.contains("application/json"), "{}", err.error);
    }
    let ok = http
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(tx)
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status().as_u16(), 200);

    for path in ["/blocks/+1", "/blocks/-1", "/blocks/1e3", "/blocks/%201"] {
        let (status, body) = node.get_raw(path).await.expect("answer");
        assert_eq!(status, 400, "{path}: {body}");
        let _: ErrorBody = serde_json::from_str(&body).expect("json error");
    }
    let (status, _) = node.get_raw("/blocks/1").await.expect("answer");
    assert_eq!(status, 404, "no block yet, but a valid height");
}

/// Asserts `node` wants `token` (401 without it, 200 with it) and that its
/// command line does not show it.
async fn wants_token(node: &Node, token: &str) {
    let http = client();
    let url = format!("http://{}/consensus_info", node.spec.rpc);
    let up = wait_until(WITHIN, || async { http.get(&url).send().await.is_ok() }).await;
    assert!(up, "rpc up:\n{}", node.log());
    for (presented, status) in [(None, 401), (Some("nope"), 401), (Some(token), 200)] {
        let mut req = http.get(&url);
        if let Some(presented) = presented {
            req = req.bearer_auth(presented);
        }
        let answer = req.send().await.expect("answer").status().as_u16();
        assert_eq!(answer, status, "token {presented:?}");
    }
    let pid = node.pid().expect("running");
    let argv = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    assert!(
        !String::from_utf8_lossy(&argv).contains(token),
        "the token is visible to ps"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_read_from_a_file_or_the_environment() {
    let file = tempfile::NamedTempFile::new().expect("token file");
    std::fs::write(file.path(), "file-s3cret\n").expect("token file");
    let mut spec = NodeSpec::new();
    spec.args
        .extend(["--rpc-token-file".into(), file.path().display().to_string()]);
    let node = Node::start(spec);
    wants_token(&node, "file-s3cret").await;
    drop(node);
    let mut spec = NodeSpec::new();
    spec.env
        .push(("TIMED_RPC_TOKEN".into(), "env-s3cret".into()));
    let node = Node::start(spec);
    wants_token(&node, "env-s3cret").await;
}
