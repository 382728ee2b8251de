//! The `ssh` transport against a real sshd on loopback (see `testkit::sshd`):
//! commands run with their output and exit codes, output streams as it is
//! written, a stream sees the master die, cancelling stops the remote command,
//! a port forward reaches an HTTP server, unknown host keys are refused with
//! advice, and an unreachable node fails fast with its name.

use std::time::{Duration, Instant};

use crate::support::{EVENT_TIMEOUT, cancel_stops_command, next_event};
use testkit::sshd::Sshd;
use timecoin_shared::fleet::{Fleet, Node};
use timectl::ConnectOptions;
use timectl::testing::{Remote, RemoteError, ShellCommand, StreamEnd, StreamEvent};

fn fleet(sshd: &Sshd, names: &[&str], extra: &str) -> Fleet {
    timectl::testing::parse_named("test-fleet.toml", &sshd.fleet_toml(names, extra)).expect("fleet")
}

async fn connect(node: &Node) -> Remote {
    Remote::connect(node, &ConnectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("connect {}: {e}", node.name))
}

#[tokio::test]
async fn commands_run_on_every_node_with_output_and_exit_code() {
    let sshd = Sshd::start();
    let fleet = fleet(&sshd, &["n1", "n2", "n3", "n4"], "");
    for node in &fleet.nodes {
        let remote = connect(node).await;
        let cmd = ShellCommand::template(
            "echo {node} on $SSH_CONNECTION; echo oops >&2; exit 3",
            &timectl::testing::node_vars(node),
        )
        .expect("cmd");
        let out = remote.run(&cmd).await.expect("run");
        assert_eq!(out.code, Some(3), "{out:?}");
        assert!(
            out.stdout.starts_with(&format!("{} on ", node.name)),
            "{out:?}"
        );
        assert!(
            out.stdout.contains(&node.host),
            "ran on the wrong address: {out:?}"
        );
        assert_eq!(out.stderr.trim(), "oops");
        // Arguments reach the remote command as data, never as shell syntax.
        let echo = ShellCommand::program(["printf", "%s", "$(id); `id` 'q' \"d\""]).expect("cmd");
        let out = remote.run(&echo).await.expect("run");
        assert_eq!(out.stdout, "$(id); `id` 'q' \"d\"");
        // A node's shell, not this machine's login set-up (testkit::sshd).
        let home = ShellCommand::template("echo $HOME; head -1 ~/.bashrc", &Default::default())
            .expect("cmd");
        let out = remote.run(&home).await.expect("run");
        assert_eq!(
            out.stdout,
            format!(
                "{}\n# A fleet node's shell (testkit::sshd).\n",
                sshd.dir().join("home").display()
            )
        );
        remote.close().await.expect("close");
    }
}

#[tokio::test]
async fn output_streams_as_it_is_written_and_the_stream_ends_with_the_exit() {
    let sshd = Sshd::start();
    let fleet = fleet(&sshd, &["n1"], "");
    let remote = connect(&fleet.nodes[0]).await;
    let flag = sshd.dir().join("go-on");
    // The command cannot finish before the test creates `flag`, which it does only
    // after seeing the first line: so that line came while the command ran.
    let script = format!(
        "echo first; while [ ! -e {flag} ]; do sleep 0.05; done; echo second; exit 4",
        flag = shlex::try_quote(&flag.display().to_string()).expect("quote")
    );
    let mut stream = remote
        .stream_lines(&ShellCommand::template(&script, &Default::default()).expect("cmd"))
        .await
        .expect("stream");
    assert_eq!(
        next_event(&mut stream).await,
        StreamEvent::Line("first".into())
    );
    std::fs::write(&flag, "").expect("flag");
    assert_eq!(
        next_event(&mut stream).await,
        StreamEvent::Line("second".into())
    );
    match next_event(&mut stream).await {
        StreamEvent::End(StreamEnd::Exited { code, .. }) => assert_eq!(code, Some(4)),
        other => panic!("expected the exit, got {other:?}"),
    }
    assert!(stream.next().await.is_none());
    remote.close().await.expect("close");
}

#[tokio::test]
async fn cancelling_a_stream_stops_the_remote_command() {
    let sshd = Sshd::start();
    let fleet = fleet(&sshd, &["n1"], "");
    let remote = connect(&fleet.nodes[0]).await;
    // `sh -c 'echo $$; exec sleep'` prints the pid the sleep will have.
    let cmd = ShellCommand::program(["sh", "-c", "echo $$; exec sleep 600"]).expect("cmd");
    let mut stream = remote.stream_lines(&cmd).await.expect("stream");
    cancel_stops_command(&mut stream).await;
    remote.close().await.expect("close");
}

#[tokio::test]
async fn a_stream_reports_the_master_connection_dying() {
    let sshd = Sshd::start();
    let fleet = fleet(&sshd, &["n1"], "");
    let remote = connect(&fleet.nodes[0]).await;
    let cmd = ShellCommand::program(["sh", "-c", "echo up; exec sleep 600"]).expect("cmd");
    let mut stream = remote.stream_lines(&cmd).await.expect("stream");
    assert_eq!(
        next_event(&mut stream).await,
        StreamEvent::Line("up".into())
    );
    let Remote::Ssh(ssh) = &remote else {
        panic!("expected ssh")
    };
    let status = std::process::Command::new("ssh")
        .arg("-S")
        .arg(ssh.control_socket())
        .args(["-O", "exit", "unused"])
        .output()
        .expect("ssh -O exit");
    assert!(status.status.success(), "{status:?}");
    match next_event(&mut stream).await {
        StreamEvent::End(StreamEnd::Lost { reason }) => {
            assert!(reason.contains("ssh"), "{reason}");
        }
        other => panic!("expected a lost stream, got {other:?}"),
    }
    assert!(remote.check().await.is_err(), "master should be gone");
}

#[tokio::test]
async fn a_port_forward_reaches_an_http_server_behind_the_node() {
    let sshd = Sshd::start();
    let fleet = fleet(&sshd, &["n1"], "");
    let remote = connect(&fleet.nodes[0]).await;
    let server = support_http::serve("hello through the tunnel").await;
    let forward = remote
        .forward(&server.ip().to_string(), server.port())
        .await
        .expect("forward");
    let body = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("http://{}/", forward.local_addr()))
        .timeout(EVENT_TIMEOUT)
        .send()
        .await
        .expect("request through the forward")
        .text()
        .await
        .expect("body");
    assert_eq!(body, "hello through the tunnel");
    drop(forward);
    remote.close().await.expect("close");
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_with_advice_unless_accept_new() {
    let sshd = Sshd::start();
    let empty = sshd.dir().join("empty_known_hosts");
    std::fs::write(&empty, "").expect("known_hosts");
    let text = sshd.fleet_toml(
        &["stranger"],
        &format!("known_hosts = {:?}", empty.display().to_string()),
    );
    let fleet = timectl::testing::parse_named("f.toml", &text).expect("fleet");
    let node = &fleet.nodes[0];
    let err = Remote::connect(node, &ConnectOptions::default())
        .await
        .expect_err("strict checking must refuse an unknown key");
    let message = err.to_string();
    assert!(matches!(err, RemoteError::HostKey { .. }), "{message}");
    assert!(message.starts_with("stranger:"), "{message}");
    assert!(message.contains("ssh-keyscan"), "{message}");
    assert!(message.contains("accept_new_host_keys"), "{message}");

    let remote = Remote::connect(
        node,
        &ConnectOptions {
            accept_new_host_keys: true,
        },
    )
    .await
    .expect("accept-new connects");
    remote.close().await.expect("close");
    let learned = std::fs::read_to_string(&empty).expect("known_hosts");
    let host_key = std::fs::read_to_string(sshd.dir().join("host_key.pub")).expect("host key");
    let key = host_key.split_whitespace().nth(1).expect("key field");
    assert!(learned.contains(key), "key recorded: {learned}");
}

#[tokio::test]
async fn an_unreachable_node_fails_fast_with_its_name() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let text = format!(
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"LW-Gone\"\nhost = \"127.0.0.1\"\nport = {port}\n"
    );
    let fleet = timectl::testing::parse_named("f.toml", &text).expect("fleet");
    let started = Instant::now();
    let err = Remote::connect(&fleet.nodes[0], &ConnectOptions::default())
        .await
        .expect_err("nothing listens there");
    assert!(err.to_string().starts_with("LW-Gone:"), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(
        started.elapsed() < timectl::testing::SSH_CONNECT_TIMEOUT,
        "a refused connection must not wait for the connect timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_silent_host_costs_no_more_than_the_connect_timeout() {
    // Accepts TCP and never speaks: a hung machine, or a port that swallows traffic.
    let ip = format!(
        "127.{}.{}.{}",
        fastrand::u8(1..255),
        fastrand::u8(..),
        fastrand::u8(1..255)
    );
    let listener = tokio::net::TcpListener::bind((ip.as_str(), 0))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let text = format!(
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"LW-Hung\"\nhost = \"{}\"\nport = {}\n",
        addr.ip(),
        addr.port()
    );
    let fleet = timectl::testing::parse_named("f.toml", &text).expect("fleet");
    let started = Instant::now();
    let err = Remote::connect(&fleet.nodes[0], &ConnectOptions::default())
        .await
        .expect_err("a silent host cannot be connected");
    let took = started.elapsed();
    assert!(err.to_string().starts_with("LW-Hung:"), "{err}");
    // Correctness: ssh's ConnectTimeout covers the banner wait; our outer bound is
    // twice that. Allow a little for process start-up on a loaded machine.
    let bound = timectl::testing::SSH_CONNECT_TIMEOUT * 2 + Duration::from_secs(3);
    assert!(took < bound, "took {took:?}, bound {bound:?}: {err}");
    hold.abort();
}

/// A one-response HTTP server on a random loopback address: the "node's RPC".
mod support_http {
    use std::net::SocketAddr;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    pub(super) async fn serve(body: &'static str) -> SocketAddr {
        let ip = format!(
            "127.{}.{}.{}",
            fastrand::u8(1..255),
            fastrand::u8(..),
            fastrand::u8(1..255)
        );
        let listener = TcpListener::bind((ip.as_str(), 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                });
            }
        });
        addr
    }
}
