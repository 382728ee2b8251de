//! What `timectl`'s tests share beyond `testkit`: running the `timectl` binary,
//! a devnet that stops itself, the `timed` binary built next to it, the next
//! event of a transport's line stream, and the SSH masters alive.

pub(crate) mod timectl;
pub(crate) mod timed;

use std::time::Duration;

/// Generous bound for one stream event on a loaded CI machine.
pub(crate) const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The next event of a transport's line stream.
///
/// # Panics
/// When none comes within [`EVENT_TIMEOUT`], or the stream has ended.
pub(crate) async fn next_event(
    stream: &mut ::timectl::testing::LineStream,
) -> ::timectl::testing::StreamEvent {
    tokio::time::timeout(EVENT_TIMEOUT, stream.next())
        .await
        .expect("stream event in time")
        .expect("stream still open")
}

/// The SSH master processes (`ssh -M`) talking to the sshd on `port`: `timectl`
/// starts them detached, so they are found in the process table.
pub(crate) fn ssh_masters(port: u16) -> Vec<testkit::process::Process> {
    testkit::process::find(|p| {
        p.is("ssh") && p.args.iter().any(|a| a == "-M") && p.has_option("-p", &port.to_string())
    })
}
