//! `timectl exporter` under a stranger's siege: its listen address may be open
//! to a network, and one address holding 300 half-sent requests must neither
//! keep a scrape from answering nor hold its sockets: connections over the
//! per-address limit are closed as soon as they are accepted, and the ones
//! held are closed once the header timeout passes. `axum::serve`, which the
//! exporter used before, held every one of them for as long as the stranger
//! liked.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::Duration;

use testkit::process::Guard;

/// Connections the stranger opens, all from one address.
const SIEGE: usize = 300;

/// The connections one address may keep (`EXPORTER_LIMITS.max_per_ip`).
const PER_ADDRESS: usize = 8;

/// The exporter's header timeout (`EXPORTER_LIMITS.header_timeout`), and how
/// much later a held connection may still be open on a loaded machine.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const MARGIN: Duration = Duration::from_secs(10);

/// How long the exporter may take to come up and to answer a scrape.
const WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_holding_half_sent_requests_neither_stops_scrapes_nor_keeps_its_sockets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = dir.path().join("fleet.toml");
    // A node nobody answers for: the exporter serves its last evaluation anyway.
    std::fs::write(
        &fleet,
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"n1\"\ntransport = \"local\"\nrpc = \"http://127.0.0.1:1\"\n",
    )
    .expect("fleet file");
    let addr = SocketAddr::from(([127, 0, 0, 1], testkit::net::free_port()));
    let _exporter = Guard(
        Command::new(env!("CARGO_BIN_EXE_timectl"))
            .arg("--fleet")
            .arg(&fleet)
            .args(["exporter", "--window", "2s", "--listen", &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start timectl exporter"),
    );
    let scrape = || testkit::siege::fresh_get(addr, "/metrics", Duration::from_secs(2));
    assert!(
        testkit::wait::within(WITHIN, || async { scrape().await.is_some() })
            .await
            .is_some(),
        "the exporter serves /metrics"
    );

    let stranger = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 26, 1)), 0);
    let started = tokio::time::Instant::now();
    let mut siege = Vec::with_capacity(SIEGE);
    for _ in 0..SIEGE {
        if let Some(stream) =
            testkit::siege::half_sent(addr, stranger, Duration::from_secs(5)).await
        {
            siege.push(stream);
        }
    }
    assert!(siege.len() > PER_ADDRESS * 2, "{} connected", siege.len());
    // A scrape from elsewhere answers while the siege holds what it can.
    assert!(
        scrape().await.is_some(),
        "no scrape answered within 2 s under the siege"
    );
    // Over the per-address limit: closed at once (well before the header timeout).
    let soon = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut held = Vec::new();
    for mut stream in siege {
        if !testkit::siege::closed_by(&mut stream, soon).await {
            held.push(stream);
        }
    }
    assert!(
        held.len() <= PER_ADDRESS,
        "{} of one address's half-sent requests still open after the first seconds; at most {PER_ADDRESS} may be",
        held.len()
    );
    // The rest: closed once their headers are overdue.
    let deadline = started + HEADER_TIMEOUT + MARGIN;
    let mut open = 0;
    for stream in &mut held {
        if !testkit::siege::closed_by(stream, deadline).await {
            open += 1;
        }
    }
    assert_eq!(
        open,
        0,
        "half-sent requests still open {:?} after they began",
        HEADER_TIMEOUT + MARGIN
    );
}
