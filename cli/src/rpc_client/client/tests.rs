//! The client against a stand-in server that closes a kept-alive connection as
//! the next request arrives (what `timed` does when its idle limit and a probe
//! meet), and against a forward whose daemon is gone.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

use super::*;

fn node(rpc: &str) -> Node {
    let text = format!(
        "[fleet]\nname = \"t\"\n[[nodes]]\nname = \"n1\"\ntransport = \"local\"\nrpc = {rpc:?}\n"
    );
    crate::fleet::parse_named("fleet.toml", &text)
        .expect("fleet")
        .nodes
        .remove(0)
}

/// Reads one request's head (the stand-in's requests have no body); `false`
/// when the client sent nothing more.
fn read_head(reader: &mut BufReader<TcpStream>) -> bool {
    let mut line = String::new();
    let mut any = false;
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line == "\r\n" => return any,
            Ok(_) => any = true,
        }
    }
}

fn answer(stream: &mut TcpStream) {
    let body = r#"{"ok":true}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).expect("write");
}

#[tokio::test]
async fn a_request_on_a_connection_closed_under_it_is_sent_again() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        // The first connection answers once, then closes as the next request
        // arrives; the next connection answers.
        let (first, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(first.try_clone().expect("clone"));
        let mut first = first;
        assert!(read_head(&mut reader));
        answer(&mut first);
        assert!(
            read_head(&mut reader),
            "the second request reuses the connection"
        );
        drop((reader, first));
        let (mut second, _) = listener.accept().expect("accept again");
        let mut reader = BufReader::new(second.try_clone().expect("clone"));
        assert!(read_head(&mut reader));
        answer(&mut second);
    });
    let rpc = RpcClient::open(&node(&format!("http://{addr}")), None, &Notices::default())
        .await
        .expect("open");
    let first: serde_json::Value = rpc.get("/consensus_info").await.expect("first");
    assert_eq!(first["ok"], true);
    let second: serde_json::Value = rpc.get("/consensus_info").await.expect("sent again");
    assert_eq!(second["ok"], true);
}

#[tokio::test]
async fn a_daemon_that_is_not_there_is_no_answer_from_its_rpc() {
    // A forward accepts for the node and closes when nothing listens there.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            drop(stream);
        }
    });
    let rpc = RpcClient::open(&node(&format!("http://{addr}")), None, &Notices::default())
        .await
        .expect("open");
    let err = rpc
        .post::<serde_json::Value>("/", &serde_json::json!({}))
        .await
        .expect_err("nothing answers");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "n1: no answer from the daemon's RPC at http://{addr}: "
        )),
        "{text}"
    );
    assert!(
        !text.contains("message completed") && !text.contains("/: "),
        "{text}"
    );
}
