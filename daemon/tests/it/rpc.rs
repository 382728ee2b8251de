//! The RPC of a real `timed`: the documented bodies, JSON 4xx errors for anything
//! else, and the bearer token when one is configured.

use std::time::Duration;

use testkit::wait::within;
use timecoin_shared::rpc::{ConsensusInfo, ErrorBody, Health};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Node, NodeSpec};

const WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn rpc_answers_documented_bodies_and_json_errors() {
    let node = Node::start(NodeSpec::new());
    assert!(
        within(WITHIN, || async { node.consensus().await.is_some() })
            .await
            .is_some()
    );
    let info: ConsensusInfo = node.consensus().await.expect("consensus_info");
    assert_eq!(info.connected_peers, 0);
    assert_eq!(info.active_masternodes, 1, "itself, as a masternode");
    assert_eq!(info.network, testkit::timed::NETWORK);
    let health: Health = node.get("/health").await.expect("health");
    assert_eq!(health.status, "ok");
    assert_eq!(health.commit, info.commit);
    let peers: Vec<serde_json::Value> = node.get("/peers").await.expect("peers");
    assert!(peers.is_empty());

    for path in ["/nope", "/consensus_info/extra", "/%ff%fe"] {
        let (status, body) = node.get_raw(path).await.expect("answer");
        assert_eq!(status, 404, "{path}");
        let err: ErrorBody = serde_json::from_str(&body).expect("json error body");
        assert!(!err.error.is_empty());
    }
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let resp = http
        .post(format!("http://{}/consensus_info", node.spec.rpc))
        .body("garbage")
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 405);
    let err: ErrorBody = resp.json().await.expect("json error body");
    assert!(err.error.contains("POST"));

    // Bytes that are not HTTP at all: a 4xx, and the node keeps serving.
    let mut raw = tokio::net::TcpStream::connect(node.spec.rpc)
        .await
        .expect("connect");
    raw.write_all(b"\x00\x01garbage\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WITHIN, raw.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 4"), "{text}");
    assert!(node.consensus().await.is_some());
}

#[tokio::test]
async fn rpc_token_is_required_when_configured() {
    let mut spec = NodeSpec::new();
    spec.args.extend(["--rpc-token".into(), "s3cret".into()]);
    let node = Node::start(spec);
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let url = format!("http://{}/consensus_info", node.spec.rpc);
    let up = within(WITHIN, || async { http.get(&url).send().await.is_ok() })
        .await
        .is_some();
    assert!(up, "rpc up");
    let denied = http.get(&url).send().await.expect("answer");
    assert_eq!(denied.status().as_u16(), 401);
    let _: ErrorBody = denied.json().await.expect("json error body");
    let wrong = http
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status().as_u16(), 401);
    let ok = http
        .get(&url)
        .bearer_auth("s3cret")
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status().as_u16(), 200);
    let _: ConsensusInfo = ok.json().await.expect("body");
}
