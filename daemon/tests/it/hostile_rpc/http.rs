//! HTTP limits: half-sent headers, the connection limit, 413/408/415/400, and
//! where the token comes from.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use timecoin_shared::rpc::ErrorBody;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use testkit::wait::within;

use super::{WITHIN, client, lone_node, rpc_up};
use crate::support::{Node, NodeSpec};

/// Open file descriptors of the process.
fn open_fds(node: &Node) -> usize {
    let pid = node.pid().expect("running");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_are_closed_and_health_answers_throughout() {
    let node = lone_node(&["--rpc-header-timeout", "4s"]);
    rpc_up(&node).await;
    let mut slow = Vec::new();
    for n in 0..100u8 {
        // From four addresses, each under the per-address limit, none the
        // address `/health` is asked from.
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind(SocketAddr::from(([127, 0, 23, 1 + n % 4], 0)))
            .expect("bind");
        let mut s = socket.connect(node.spec.rpc).await.expect("connect");
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
            all &= testkit::siege::closed_by(s, tokio::time::Instant::now() + WITHIN).await;
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
    assert!(
        within(WITHIN, held).await.is_some(),
        "the first eight are served"
    );
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
    let up = within(WITHIN, || async { http.get(&url).send().await.is_ok() })
        .await
        .is_some();
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
