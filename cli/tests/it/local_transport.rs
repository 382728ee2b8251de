//! The `local` transport: the same interface as ssh, commands run here. Used by
//! devnets and by the other commands' tests.

use crate::support::{EVENT_TIMEOUT, cancel_stops_command, next_event};
use timectl::ConnectOptions;
use timectl::testing::{Remote, ShellCommand, StreamEnd, StreamEvent};

async fn local() -> Remote {
    let fleet = timectl::testing::parse_named(
        "f.toml",
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"here\"\ntransport = \"local\"\n",
    )
    .expect("fleet");
    Remote::connect(&fleet.nodes[0], &ConnectOptions::default())
        .await
        .expect("local connects")
}

#[tokio::test]
async fn run_returns_output_and_exit_code() {
    let remote = local().await;
    let cmd = ShellCommand::program(["sh", "-c", "echo out; echo err >&2; exit 5"]).expect("cmd");
    let out = remote.run(&cmd).await.expect("run");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(5), "out\n", "err\n")
    );
}

#[tokio::test]
async fn streams_lines_live_and_cancel_stops_the_whole_pipeline() {
    let remote = local().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let flag = dir.path().join("go");
    let script = format!(
        "echo first; while [ ! -e {0} ]; do sleep 0.05; done; echo second; exit 2",
        shlex::try_quote(&flag.display().to_string()).expect("quote")
    );
    let cmd = ShellCommand::template(&script, &Default::default()).expect("cmd");
    let mut stream = remote.stream_lines(&cmd).await.expect("stream");
    assert_eq!(
        next_event(&mut stream).await,
        StreamEvent::Line("first".into())
    );
    std::fs::write(&flag, "").expect("flag");
    assert_eq!(
        next_event(&mut stream).await,
        StreamEvent::Line("second".into())
    );
    assert!(matches!(
        next_event(&mut stream).await,
        StreamEvent::End(StreamEnd::Exited { code: Some(2), .. })
    ));

    // A pipeline: cancelling must stop every process in it, not only `sh`.
    let cmd = ShellCommand::template("sh -c 'echo $$; exec sleep 600' | cat", &Default::default())
        .expect("cmd");
    let mut stream = remote.stream_lines(&cmd).await.expect("stream");
    cancel_stops_command(&mut stream).await;
}

#[tokio::test]
async fn forward_reaches_a_local_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let remote = local().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4];
            if s.read_exact(&mut buf).await.is_ok() {
                let _ = s.write_all(&buf).await;
            }
        }
    });
    let forward = remote
        .forward("127.0.0.1", target.port())
        .await
        .expect("forward");
    // This machine is the node: no splice in between.
    assert_eq!(forward.local_addr(), target);
    let mut conn = tokio::net::TcpStream::connect(forward.local_addr())
        .await
        .expect("connect");
    conn.write_all(b"ping").await.expect("write");
    let mut back = [0u8; 4];
    tokio::time::timeout(EVENT_TIMEOUT, conn.read_exact(&mut back))
        .await
        .expect("in time")
        .expect("read");
    assert_eq!(&back, b"ping");
}
