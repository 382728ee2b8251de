//! Hostile or broken input against a meshed node: each case gets a clear log line and
//! leaves the node unharmed (mesh kept, RPC answering). Raw sockets speak the wire
//! format by hand here, because the point is to send what our own code never would.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use testkit::wait::within;
use timecoin_shared::wire::{DisconnectReason, PROTOCOL_VERSION};
use timed::testing::net::channel::{self, Secure};
use timed::testing::wire::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Node, full_mesh_specs, wait_for_mesh};

const WITHIN: Duration = Duration::from_secs(10);

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len())
        .expect("small")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(body);
    out
}

fn hello(network: &str, version: u32) -> Vec<u8> {
    let hs = json!({
        "type": "handshake", "network": network, "protocol_version": version,
        "node_id": "ab".repeat(32), "listen_port": 1, "masternode": true,
        "best_height": 0, "software": "test", "session": 1,
        "network_hash": "00".repeat(32), "nonce": "11".repeat(32)
    });
    frame(hs.to_string().as_bytes())
}

/// Reads frames until a `Disconnect` or the close; returns the reason if any.
async fn disconnect_reason(stream: &mut Secure<TcpStream>) -> Option<DisconnectReason> {
    let read = async {
        loop {
            let mut len = [0u8; 4];
            stream.read_exact(&mut len).await.ok()?;
            let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
            stream.read_exact(&mut body).await.ok()?;
            if let Ok(Message::Disconnect { reason }) = Message::decode(&body) {
                return Some(reason);
            }
        }
    };
    tokio::time::timeout(WITHIN, read).await.ok().flatten()
}

/// Waits until the node closes `stream` (EOF or error).
async fn closed_by_node<S: AsyncRead + Unpin>(stream: &mut S) -> bool {
    let drain = async {
        let mut buf = [0u8; 1024];
        while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    tokio::time::timeout(WITHIN, drain).await.is_ok()
}

async fn connect(addr: SocketAddr) -> (TcpStream, SocketAddr) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let local = stream.local_addr().expect("local addr");
    (stream, local)
}

/// Writes `bytes` into the channel and sends them.
async fn send(s: &mut Secure<TcpStream>, bytes: &[u8]) {
    s.write_all(bytes).await.expect("write");
    s.flush().await.expect("flush");
}

/// A connection with its channel open: what it sends next is read as frames.
async fn open(addr: SocketAddr) -> (Secure<TcpStream>, SocketAddr) {
    let (stream, local) = connect(addr).await;
    (channel::dial(stream).await.expect("channel"), local)
}

async fn assert_logged(node: &Node, line: &str) {
    let seen = within(WITHIN, || async { node.log().contains(line) })
        .await
        .is_some();
    assert!(seen, "expected log line containing {line:?}");
}

async fn assert_unharmed(nodes: &[Node]) {
    wait_for_mesh(nodes, WITHIN).await.expect("mesh kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_log_line_and_the_node_stays_meshed() {
    let mut specs = full_mesh_specs(3);
    specs[0].args.extend(["--max-inbound".into(), "64".into()]);
    // A connection to itself: node 0 also lists its own address.
    let own = specs[0].p2p;
    specs[0].peers.push(own);
    let nodes: Vec<Node> = specs.into_iter().map(Node::start).collect();
    wait_for_mesh(&nodes, WITHIN).await.expect("initial mesh");
    let target = &nodes[0];
    let addr = target.spec.p2p;

    // Random bytes instead of a channel's opening.
    let (mut s, local) = connect(addr).await;
    let mut noise: Vec<u8> = (0..2048).map(|_| fastrand::u8(..)).collect();
    // A first byte with the high bit set makes the random length prefix exceed
    // any cap, so the case cannot turn into a wait for more bytes.
    noise[0] |= 0x80;
    s.write_all(&noise).await.expect("write");
    assert!(closed_by_node(&mut s).await, "random bytes: closed");
    assert_logged(
        target,
        &format!("Protocol error from {local} before handshake"),
    )
    .await;

    // A 4 GiB length prefix: refused on the prefix alone.
    let (mut s, local) = open(addr).await;
    send(&mut s, &u32::MAX.to_be_bytes()).await;
    assert!(closed_by_node(&mut s).await, "4 GiB prefix: closed");
    assert_logged(
        target,
        &format!("Protocol error from {local} before handshake: frame larger"),
    )
    .await;

    // Invalid JSON in a well-formed frame.
    let (mut s, local) = open(addr).await;
    send(&mut s, &frame(b"{not json")).await;
    assert!(closed_by_node(&mut s).await, "invalid json: closed");
    assert_logged(
        target,
        &format!("Protocol error from {local} before handshake: invalid message"),
    )
    .await;

    // A first frame that is not a handshake.
    let (mut s, local) = open(addr).await;
    send(&mut s, &frame(br#"{"type":"ping","nonce":1}"#)).await;
    assert_eq!(
        disconnect_reason(&mut s).await,
        Some(DisconnectReason::ProtocolError)
    );
    assert_logged(
        target,
        &format!("{local} sent message before handshake - closing connection"),
    )
    .await;

    // A handshake for another network.
    let (mut s, local) = open(addr).await;
    send(&mut s, &hello("othernet", PROTOCOL_VERSION)).await;
    assert_eq!(
        disconnect_reason(&mut s).await,
        Some(DisconnectReason::WrongNetwork)
    );
    assert_logged(
        target,
        &format!("Rejecting handshake from {local}: network othernet"),
    )
    .await;

    // An incompatible protocol version.
    let (mut s, local) = open(addr).await;
    send(
        &mut s,
        &hello(testkit::timed::NETWORK, PROTOCOL_VERSION + 1),
    )
    .await;
    assert_eq!(
        disconnect_reason(&mut s).await,
        Some(DisconnectReason::IncompatibleVersion)
    );
    assert_logged(
        target,
        &format!("Rejecting handshake from {local}: incompatible protocol version"),
    )
    .await;

    // A socket that connects and never speaks: the handshake timeout frees it.
    let (mut s, local) = connect(addr).await;
    assert!(
        closed_by_node(&mut s).await,
        "silent socket: closed by the timeout"
    );
    assert_logged(
        target,
        &format!("Handshake from {local} timed out - closing connection"),
    )
    .await;

    assert_unharmed(&nodes).await;

    // Hundreds of silent connections at once: over the limit they are refused, the
    // meshed peers stay meshed and RPC keeps answering while the flood is open.
    let mut flood = Vec::new();
    for _ in 0..300 {
        flood.push(TcpStream::connect(addr).await.expect("connect"));
    }
    assert_logged(target, "too_many_connections").await;
    assert_unharmed(&nodes).await;
    drop(flood);

    // The connection to itself was detected and never dialed again.
    let self_line = format!("Connection to {own} reached this node itself - not dialing it again");
    assert_logged(target, &self_line).await;
    let dialed_self = format!("Connected to peer: {own}");
    assert_eq!(
        target.log().matches(&dialed_self).count(),
        1,
        "self dialed once only"
    );

    assert_unharmed(&nodes).await;
    assert!(target.consensus().await.is_some(), "RPC answers");
}
