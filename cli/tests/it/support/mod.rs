//! What `timectl`'s tests share beyond `testkit`: running the `timectl` binary,
//! a devnet that stops itself, the `timed` binary built next to it, the next
//! event of a transport's line stream, the SSH masters alive, and other
//! operators' locks on a devnet.

pub(crate) mod locks;
pub(crate) mod timectl;
pub(crate) mod timed;
pub(crate) mod upstream;

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

/// Reads the pid a stream's command printed as its first line, cancels the
/// stream, and waits until that process is gone.
///
/// # Panics
/// No pid line, no `Cancelled` end, or the process outlives [`EVENT_TIMEOUT`].
pub(crate) async fn cancel_stops_command(stream: &mut ::timectl::testing::LineStream) {
    use ::timectl::testing::{StreamEnd, StreamEvent};
    let StreamEvent::Line(pid) = next_event(stream).await else {
        panic!("expected a pid line");
    };
    let pid: u32 = pid.trim().parse().expect("pid");
    testkit::wait_until("the command to start", EVENT_TIMEOUT, || async {
        testkit::process::alive(pid).then_some(())
    })
    .await;
    stream.cancel();
    assert_eq!(
        next_event(stream).await,
        StreamEvent::End(StreamEnd::Cancelled)
    );
    testkit::wait_until("the cancelled command to stop", EVENT_TIMEOUT, || async {
        (!testkit::process::alive(pid)).then_some(())
    })
    .await;
}

/// The SSH master processes (`ssh -M`) talking to the sshd on `port`: `timectl`
/// starts them detached, so they are found in the process table.
pub(crate) fn ssh_masters(port: u16) -> Vec<testkit::process::Process> {
    testkit::process::find(|p| {
        p.is("ssh") && p.args.iter().any(|a| a == "-M") && p.has_option("-p", &port.to_string())
    })
}
