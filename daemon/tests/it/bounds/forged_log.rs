//! No peer can write a line into a node's log: a handshake whose network name
//! holds newlines and lines forged to look like the node's own (an `ERROR` for a
//! rejected block, a skipped round, ANSI codes that erase the line before) shows
//! up escaped inside the node's one refusal line, whose time and level are the
//! node's.

use timecoin_shared::classify::{Envelope, parse_rfc3339_us};
use timecoin_shared::wire::{DisconnectReason, MAX_FIELD_BYTES};

use super::WITHIN;
use crate::adversary::liar::{id_of, impersonate, outsider};
use crate::adversary::target;
use crate::support::{Node, NodeSpec};

/// The forged lines' timestamp: a line that starts with it was written by the peer.
const FORGED_AT: &str = "2026-01-01T00:00:00.000000Z";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_name_with_newlines_writes_no_line_of_its_own() {
    let node = Node::start(NodeSpec::new());
    assert!(
        testkit::wait::within(WITHIN, || async { node.consensus().await.is_some() })
            .await
            .is_some()
    );
    let mut forger = target(&node);
    // Within the handshake's field bound (`MAX_FIELD_BYTES`): a longer name is
    // refused as a protocol error before it is read at all.
    forger.network = format!(
        "{net}\n{FORGED_AT} ERROR timed::chain::adopt: Rejected block at height 7 from 0badc0de: forged\r\n\
         {FORGED_AT}  WARN timed::chain::producer: Skipping block production\n\
         \x1b[2K\x1b[1A{FORGED_AT} INFO hidden",
        net = forger.network
    );
    assert!(
        forger.network.len() <= MAX_FIELD_BYTES,
        "{}",
        forger.network.len()
    );
    let key = outsider();
    assert_eq!(
        impersonate(&forger, id_of(&key), &key).await,
        Some(DisconnectReason::WrongNetwork),
        "the forged network is refused"
    );
    assert!(node.logs_within("Rejecting handshake from", WITHIN).await);

    let log = node.log();
    let forged: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with(FORGED_AT) || l.contains('\x1b') || l.contains('\r'))
        .collect();
    assert!(forged.is_empty(), "lines written by the peer: {forged:#?}");
    // As `timectl logs` reads them: no line at the forged time, none an ERROR.
    let forged_at = parse_rfc3339_us(FORGED_AT);
    let read_as_real: Vec<&str> = log
        .lines()
        .filter(|l| {
            let line = Envelope::split(l);
            line.level == Some("ERROR") || line.timestamp_us() == forged_at
        })
        .collect();
    assert!(
        read_as_real.is_empty(),
        "read as the node's own: {read_as_real:#?}"
    );
    let refusal = log
        .lines()
        .find(|l| l.contains("Rejecting handshake from"))
        .expect("the refusal line");
    assert!(
        refusal.contains("\\n2026-01-01T00:00:00.000000Z ERROR"),
        "the forged text is kept, escaped, in the one line: {refusal}"
    );
}
