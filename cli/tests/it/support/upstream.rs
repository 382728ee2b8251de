//! A stand-in for the upstream `time-masternode` daemon's RPC, answering with
//! the responses recorded from four real upstream nodes
//! (`fixtures/upstream/rpc/`). It is the one stand-in of the upstream tests:
//! the upstream daemon cannot run in CI. It behaves as the recordings and the
//! upstream README describe: JSON-RPC 2.0 over POST with `params` required, an
//! error object in an HTTP 200, a GET answered with "No request body", 401 with
//! a `WWW-Authenticate` header without the right Basic credentials, 429 above
//! its request allowance, and TLS or plain HTTP on one port, told apart by the
//! first byte.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// What a TLS ClientHello starts with (a handshake record).
const TLS_HANDSHAKE: u8 = 0x16;

/// Basic credentials the stand-in wants when it wants any: `operator:s3cret`.
pub(crate) const USER: &str = "operator";
pub(crate) const PASSWORD: &str = "s3cret";
/// `Basic ` and the base64 of `operator:s3cret`.
const AUTHORIZATION: &str = "Basic b3BlcmF0b3I6czNjcmV0";

/// How the stand-in behaves.
#[derive(Clone, Default)]
pub(crate) struct Behaviour {
    /// Which recorded node answers: `n2` or `n4`.
    pub node: &'static str,
    /// Wants Basic auth on every call.
    pub auth: bool,
    /// Answers 429 after this many requests.
    pub allowance: Option<usize>,
    /// Answers `method` with the recorded file `file` instead of its own.
    pub replace: Option<(&'static str, &'static str)>,
    /// A chain that moves: `getblockchaininfo` answers with the node's early
    /// (`t1-`), middle and late (`final-`) recordings in turn, then the late one.
    pub advancing: bool,
    /// Leaves the row of this IP out of `getpeerinfo`, as upstream's registry
    /// does for a peer it dropped while the connection stays up (its
    /// `getnetworkinfo` still counts it).
    pub forget: Option<&'static str>,
    /// A chain catching up to its schedule (the recording's own state: 52 000
    /// blocks behind): every `getblockchaininfo` finds one block more than the
    /// last (this height), and `getblock` gives every block a scheduled time a
    /// year ago.
    pub catching_up: Option<Arc<AtomicU64>>,
}

/// A year and four days, in seconds: how far behind its schedule the chain is.
const BEHIND_SECS: u64 = 369 * 24 * 3600;

/// A running stand-in; stops with the test process.
pub(crate) struct UpstreamRpc {
    pub addr: SocketAddr,
    /// SHA-256 of the certificate's DER, hex.
    pub fingerprint: String,
    /// Requests answered so far, and the chain calls among them.
    counters: Arc<Counters>,
}

/// What the stand-in counts across its connections.
#[derive(Default)]
struct Counters {
    /// Requests answered.
    served: AtomicUsize,
    /// `getblockchaininfo` calls answered.
    chain: AtomicUsize,
}

impl UpstreamRpc {
    /// Starts it on a free loopback port.
    pub(crate) fn start(behaviour: Behaviour) -> UpstreamRpc {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["time-masternode.invalid".into()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        let fingerprint = sha256_hex(cert.der());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_no_client_auth()
                .with_single_cert(
                    vec![cert.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
                )
                .expect("server config"),
        );
        let counters = Arc::new(Counters::default());
        let counted = Arc::clone(&counters);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (tls, behaviour, counters) =
                    (Arc::clone(&tls), behaviour.clone(), Arc::clone(&counted));
                std::thread::spawn(move || serve(stream, &tls, &behaviour, &counters));
            }
        });
        UpstreamRpc {
            addr,
            fingerprint,
            counters,
        }
    }

    /// `http://` or `https://` and the address.
    pub(crate) fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// Requests answered so far.
    pub(crate) fn served(&self) -> usize {
        self.counters.served.load(Ordering::SeqCst)
    }
}

/// The recorded answer `name` (a file of `fixtures/upstream/rpc/`).
pub(crate) fn recorded(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upstream/rpc")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `result` of a recorded answer.
pub(crate) fn recorded_result(name: &str) -> Value {
    let answer: Value = serde_json::from_str(&recorded(name)).expect("recorded JSON");
    answer["result"].clone()
}

fn sha256_hex(der: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(der)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn serve(stream: TcpStream, tls: &Arc<rustls::ServerConfig>, b: &Behaviour, counters: &Counters) {
    let mut first = [0u8; 1];
    if stream.peek(&mut first).is_err() {
        return;
    }
    if first[0] == TLS_HANDSHAKE {
        let Ok(conn) = rustls::ServerConnection::new(Arc::clone(tls)) else {
            return;
        };
        let mut tls_stream = rustls::StreamOwned::new(conn, stream);
        exchange(&mut tls_stream, b, counters);
    } else {
        let mut stream = stream;
        exchange(&mut stream, b, counters);
    }
}

/// Reads one request and answers it, closing the connection after (as the
/// upstream daemon does: `Connection: close`).
fn exchange<S: Read + Write>(stream: &mut S, b: &Behaviour, counters: &Counters) {
    let Some((method, authorization, body)) = read_request(stream) else {
        return;
    };
    let count = counters.served.fetch_add(1, Ordering::SeqCst);
    let reply = if b.allowance.is_some_and(|allowed| count >= allowed) {
        http(
            "429 Too Many Requests",
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Rate limit exceeded"}}"#,
        )
    } else if method != "POST" {
        recorded("n1-GET-consensus_info.http")
    } else if b.auth && authorization.as_deref() != Some(AUTHORIZATION) {
        recorded("n1-POST-stop-unauth.http")
    } else {
        answer(&body, b, &counters.chain)
    };
    let _ = stream.write_all(reply.as_bytes());
    let _ = stream.flush();
}

fn answer(body: &[u8], b: &Behaviour, chain_calls: &AtomicUsize) -> String {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return recorded("n1-POST-no-params.http");
    };
    if request.get("params").is_none() || request.get("jsonrpc") != Some(&"2.0".into()) {
        return recorded("n1-POST-no-params.http");
    }
    let method = request["method"].as_str().unwrap_or_default();
    if let Some(tip) = &b.catching_up {
        match method {
            "getblockchaininfo" => {
                let mut info: Value =
                    serde_json::from_str(&recorded(&format!("{}-getblockchaininfo.json", b.node)))
                        .expect("recorded JSON");
                info["result"]["blocks"] = tip.fetch_add(1, Ordering::SeqCst).into();
                return http("200 OK", &info.to_string());
            }
            "getblock" => {
                let height = request["params"][0].as_u64().unwrap_or_default();
                let scheduled = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
                    - BEHIND_SECS;
                let block = serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": {
                    "height": height, "hash": format!("{height:064x}"), "time": scheduled,
                }});
                return http("200 OK", &block.to_string());
            }
            _ => {}
        }
    }
    let all = request["params"].get(0) == Some(&Value::Bool(true));
    let file = match (method, b.replace) {
        (m, Some((replaced, file))) if m == replaced => file.to_owned(),
        ("masternodelist", _) if all => format!("{}-masternodelist-all.json", b.node),
        ("getblockchaininfo", _) if b.advancing => {
            let stage = ["t1-", "", "final-"];
            let call = chain_calls.fetch_add(1, Ordering::SeqCst);
            format!("{}{}-getblockchaininfo.json", stage[call.min(2)], b.node)
        }
        (m, _) => format!("{}-{m}.json", b.node),
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upstream/rpc")
        .join(&file);
    match std::fs::read_to_string(path) {
        Ok(json) if method == "getpeerinfo" && b.forget.is_some() => {
            http("200 OK", &forgetting(&json, b.forget))
        }
        Ok(json) => http("200 OK", json.trim()),
        // Not recorded: what the daemon says for a method it does not have.
        Err(_) => http(
            "200 OK",
            &format!(
                r#"{{"jsonrpc":"2.0","id":1,"error":{{"code":-32601,"message":"Method not found: {method}"}}}}"#
            ),
        ),
    }
}

/// A recorded `getpeerinfo` answer without the row of `ip`.
fn forgetting(json: &str, ip: Option<&str>) -> String {
    let mut answer: Value = serde_json::from_str(json).expect("recorded JSON");
    if let Some(rows) = answer["result"].as_array_mut() {
        rows.retain(|row| row["addr"].as_str() != ip);
    }
    answer.to_string()
}

fn http(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The method, the `Authorization` header and the body of one request.
fn read_request<S: Read>(stream: &mut S) -> Option<(String, Option<String>, Vec<u8>)> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let method = line.split_whitespace().next()?.to_owned();
    let mut length = 0;
    let mut authorization = None;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "authorization" => authorization = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((method, authorization, body))
}

/// Writes `text` as `fleet.toml` in `dir`; its path.
pub(crate) fn write_fleet(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, text).expect("fleet file");
    path.display().to_string()
}

/// A fleet file in `dir` of one upstream node, `n2`, reached over TLS at `rpc`
/// and trusted on first use: the file's path, and the trust file's (not
/// written yet).
pub(crate) fn first_use_fleet(dir: &tempfile::TempDir, rpc: &UpstreamRpc) -> (String, PathBuf) {
    let pin = dir.path().join("n2.pin");
    let fleet = write_fleet(
        dir,
        &format!(
            "[fleet]\nname = \"tofu\"\n\n[defaults]\ntransport = \"local\"\n\
             api = \"time-masternode\"\n\n[[nodes]]\nname = \"n2\"\nrpc = \"{}\"\n\
             rpc_trust_file = \"{}\"\n",
            rpc.url("https"),
            pin.display()
        ),
    );
    (fleet, pin)
}

/// `at` as upstream's `debug.log` writes it: `2026-11-29 14:17:16.405`, UTC
/// without the zone (run timectl under `TZ=UTC` so it means the same instant).
pub(crate) fn debug_log_stamp(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at)
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

/// `timectl --fleet FLEET check --window WINDOW --output json` under `TZ=UTC`.
pub(crate) fn check_in_utc(fleet: &str, window: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_timectl"))
        .args([
            "--fleet", fleet, "check", "--window", window, "--output", "json",
        ])
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .output()
        .expect("run timectl")
}
