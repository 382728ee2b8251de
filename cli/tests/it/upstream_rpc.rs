//! `api = "time-masternode"`: the upstream daemon's JSON-RPC read into the same
//! snapshot as ours. The upstream daemon cannot run in CI, so these tests talk
//! to a stand-in (`support::upstream`) that answers with the responses recorded
//! from real upstream nodes; everything on our side is the real client over
//! real HTTP and TLS on loopback.

use crate::support::upstream::{Behaviour, PASSWORD, USER, UpstreamRpc, recorded_result};
use serde_json::Value;
use timecoin_shared::fleet::Node;
use timecoin_shared::rpc::Direction;
use timecoin_shared::snapshot::{NodeSnapshot, Reach};
use timectl::testing::RpcError;
use timectl::{ConnectOptions, Pool};

/// One node, local transport, with `keys` added to its table.
fn node(keys: &str) -> Node {
    let text = format!(
        "[fleet]\nname = \"up\"\n[[nodes]]\nname = \"n2\"\ntransport = \"local\"\n\
         api = \"time-masternode\"\n{keys}\n"
    );
    timectl::testing::parse_named("up.toml", &text)
        .expect("fleet")
        .nodes
        .remove(0)
}

async fn probe(node: &Node) -> NodeSnapshot {
    timectl::probe(&Pool::new(ConnectOptions::default()), node).await
}

async fn chain_error(node: &Node) -> RpcError {
    let pool = Pool::new(ConnectOptions::default());
    let api = timectl::testing::node_api(&pool, node).await.expect("api");
    api.chain().await.expect_err("the chain call must fail")
}

/// The snapshot holds what the recorded answers of `n` say, and unknown for
/// what they do not.
fn assert_recorded(snapshot: &NodeSnapshot, n: &str) {
    assert_eq!(snapshot.reach, Reach::Reachable, "{snapshot:#?}");
    let chain_info = recorded_result(&format!("{n}-getblockchaininfo.json"));
    let info = recorded_result(&format!("{n}-getinfo.json"));
    let network = recorded_result(&format!("{n}-getnetworkinfo.json"));
    let status = recorded_result(&format!("{n}-masternodestatus.json"));
    let list = recorded_result(&format!("{n}-masternodelist-all.json"));
    let c = &snapshot.chain;
    assert_eq!(c.block_height, chain_info["blocks"].as_u64());
    assert_eq!(c.tip_hash.as_deref(), chain_info["bestblockhash"].as_str());
    assert_eq!(c.network.as_deref(), chain_info["chain"].as_str());
    assert_eq!(c.version.as_deref(), info["version"].as_str());
    assert_eq!(c.uptime_secs, info["uptime"].as_u64());
    assert_eq!(
        c.connected_peers,
        network["connections"].as_u64().map(|v| v as usize)
    );
    assert_eq!(c.commit.as_deref(), status["git_hash"].as_str());
    assert_eq!(c.commit.as_deref(), Some("c9c90017"));
    assert_eq!(c.node_id.as_deref(), status["public_key"].as_str());
    let active = list["masternodes"]
        .as_array()
        .expect("masternodes")
        .iter()
        .filter(|m| m["is_active"] == Value::Bool(true))
        .count();
    assert_eq!(c.active_masternodes, Some(active));
    // Not in its answers (min), or not recorded (mempool, blocks): unknown, not 0.
    assert_eq!(c.min_masternodes, None);
    assert_eq!(c.pending_transactions, None);
    assert_eq!(c.finalized_transactions, None);
    assert_eq!(c.last_block_age_secs, None);

    // Peers: the connected rows of getpeerinfo but the node's own, named by the
    // registry's key for their IP.
    let me = status["address"].as_str().expect("address");
    let rows: Vec<Value> = recorded_result(&format!("{n}-getpeerinfo.json"))
        .as_array()
        .expect("peers")
        .iter()
        .filter(|p| p["connected"] == Value::Bool(true) && p["addr"] != me)
        .cloned()
        .collect();
    let peers = snapshot.peers.as_ref().expect("peers listed");
    assert_eq!(peers.len(), rows.len());
    assert_eq!(Some(peers.len()), c.connected_peers);
    for (peer, row) in peers.iter().zip(rows) {
        assert_eq!(Some(peer.addr.as_str()), row["addr"].as_str());
        let inbound = row["inbound"] == Value::Bool(true);
        let direction = if inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        };
        assert_eq!(peer.direction, Some(direction));
        assert_eq!(peer.block_height, row["height"].as_u64());
        assert_eq!(peer.connected_secs, None);
        let key = list["masternodes"]
            .as_array()
            .expect("masternodes")
            .iter()
            .find(|m| m["address"] == row["addr"])
            .and_then(|m| m["pubkey"].as_str());
        assert_eq!(peer.node_id.as_deref(), key);
        let rtt = peer.rtt_ms.expect("rtt");
        let ping = row["pingtime"].as_f64().expect("pingtime");
        assert!((rtt - ping * 1000.0).abs() < 1e-9, "{rtt} vs {ping}");
    }
}

#[tokio::test]
async fn plain_http_without_auth_gives_the_recorded_values() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let node = node(&format!("rpc = \"{}\"", rpc.url("http")));
    assert_recorded(&probe(&node).await, "n2");
}

#[tokio::test]
async fn tls_with_a_pinned_certificate_and_basic_auth() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n4",
        auth: true,
        ..Behaviour::default()
    });
    let node = node(&format!(
        "rpc = \"{}\"\nrpc_fingerprint = \"{}\"\nrpc_user = \"{USER}\"\nrpc_password = \"{PASSWORD}\"",
        rpc.url("https"),
        rpc.fingerprint
    ));
    assert_recorded(&probe(&node).await, "n4");
}

#[tokio::test]
async fn a_certificate_other_than_the_pinned_one_is_refused() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let node = node(&format!(
        "rpc = \"{}\"\nrpc_fingerprint = \"{}\"",
        rpc.url("https"),
        "00".repeat(32)
    ));
    let snapshot = probe(&node).await;
    let Reach::Unreachable { error } = &snapshot.reach else {
        panic!("a wrong certificate must not answer: {snapshot:#?}");
    };
    assert!(error.contains(&colons(&rpc.fingerprint)), "{error}");
    assert_eq!(
        rpc.served(),
        0,
        "no request may cross an untrusted TLS link"
    );

    // Without any pin, the system roots refuse the self-signed certificate.
    let node = self::node(&format!("rpc = \"{}\"", rpc.url("https")));
    assert!(matches!(
        probe(&node).await.reach,
        Reach::Unreachable { .. }
    ));
    assert_eq!(rpc.served(), 0);
}

#[tokio::test]
async fn trust_on_first_use_records_the_certificate_then_holds_to_it() {
    let first = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let pins = dir.path().join("n2.pin");
    let keys = |url: String| format!("rpc = \"{url}\"\nrpc_trust_file = \"{}\"", pins.display());
    assert_recorded(&probe(&node(&keys(first.url("https")))).await, "n2");
    let recorded = std::fs::read_to_string(&pins).expect("trust file written");
    assert_eq!(
        timecoin_shared::fleet::parse_fingerprint(&recorded).map(hex_of),
        Some(first.fingerprint.clone())
    );

    // Another certificate at the same name is refused, not re-learned.
    let second = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let snapshot = probe(&node(&keys(second.url("https")))).await;
    assert!(
        matches!(snapshot.reach, Reach::Unreachable { .. }),
        "{snapshot:#?}"
    );
    assert_eq!(second.served(), 0);
    assert_eq!(std::fs::read_to_string(&pins).expect("pins"), recorded);
}

#[tokio::test]
async fn credentials_from_the_nodes_cookie_file() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        auth: true,
        ..Behaviour::default()
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let cookie = dir.path().join(".cookie");
    std::fs::write(&cookie, format!("{USER}:{PASSWORD}\n")).expect("cookie");
    let node = node(&format!(
        "rpc = \"{}\"\nrpc_cookie = \"{}\"",
        rpc.url("http"),
        cookie.display()
    ));
    assert_recorded(&probe(&node).await, "n2");
}

#[tokio::test]
async fn a_401_says_credentials_are_needed_or_refused() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        auth: true,
        ..Behaviour::default()
    });
    let error = chain_error(&node(&format!("rpc = \"{}\"", rpc.url("http")))).await;
    assert!(
        matches!(error, RpcError::Unauthorized { sent: false, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("rpc_user"), "{error}");

    let wrong = node(&format!(
        "rpc = \"{}\"\nrpc_user = \"{USER}\"\nrpc_password = \"wrong\"",
        rpc.url("http")
    ));
    let error = chain_error(&wrong).await;
    assert!(
        matches!(error, RpcError::Unauthorized { sent: true, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("refused the credentials"),
        "{error}"
    );
    let snapshot = probe(&wrong).await;
    assert!(
        matches!(&snapshot.reach, Reach::Unreachable { error } if error.contains("HTTP 401")),
        "{snapshot:#?}"
    );
}

#[tokio::test]
async fn a_429_says_the_node_is_rate_limiting() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        allowance: Some(0),
        ..Behaviour::default()
    });
    let error = chain_error(&node(&format!("rpc = \"{}\"", rpc.url("http")))).await;
    assert!(matches!(error, RpcError::RateLimited { .. }), "{error}");
    assert!(error.to_string().contains("rate-limiting"), "{error}");
}

#[tokio::test]
async fn an_error_object_in_an_http_200_is_an_error() {
    // The recorded answer of a method that wanted credentials: HTTP 200 with an
    // error object, served here for the chain's own call.
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        replace: Some(("getblockchaininfo", "n2-getconnectioncount.json")),
        ..Behaviour::default()
    });
    let node = node(&format!("rpc = \"{}\"", rpc.url("http")));
    let error = chain_error(&node).await;
    assert!(
        matches!(&error, RpcError::Call { code: -32600, method, .. } if method == "getblockchaininfo"),
        "{error}"
    );
    let snapshot = probe(&node).await;
    assert!(
        matches!(&snapshot.reach, Reach::Unreachable { error } if error.contains("Unauthorized")),
        "{snapshot:#?}"
    );
    assert_eq!(snapshot.chain.block_height, None);
}

#[tokio::test]
async fn our_api_at_an_upstream_node_is_reachable_but_the_wrong_api() {
    let rpc = UpstreamRpc::start(Behaviour {
        node: "n2",
        ..Behaviour::default()
    });
    let text = format!(
        "[fleet]\nname = \"up\"\n[[nodes]]\nname = \"n2\"\ntransport = \"local\"\nrpc = \"{}\"\n",
        rpc.url("http")
    );
    let node = timectl::testing::parse_named("up.toml", &text)
        .expect("fleet")
        .nodes
        .remove(0);
    let snapshot = probe(&node).await;
    let Reach::WrongApi { expected, detail } = &snapshot.reach else {
        panic!("expected the wrong API: {snapshot:#?}");
    };
    assert_eq!(expected, "timed");
    assert!(detail.contains("unexpected answer"), "{detail}");
}

/// `abcd...` as `ab:cd:...`, as the refusal shows a fingerprint.
fn colons(hex: &str) -> String {
    let pairs: Vec<&str> = (0..hex.len())
        .step_by(2)
        .filter_map(|i| hex.get(i..i + 2))
        .collect();
    pairs.join(":")
}

fn hex_of(bytes: [u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
