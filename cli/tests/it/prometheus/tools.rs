//! What the Prometheus tests share: the binaries (failing with how to get
//! them), the contrib files, and an HTTP GET small enough to need no client.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

/// `contrib/prometheus/` in this checkout.
pub(super) fn contrib() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contrib/prometheus")
}

/// The path of `program` (`promtool`, `prometheus`) on PATH.
///
/// # Panics
/// When it is not installed, saying who installs it.
pub(super) fn binary(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{program} is not installed: scripts/test.sh installs it (Debian package \
                 `prometheus`; `apt-get install prometheus`)"
            )
        })
}

/// Runs `promtool ARGS` in `contrib/prometheus/` (relative paths are read
/// there), failing the test with its output unless it succeeds.
pub(super) fn promtool(args: &[&str]) -> Output {
    let out = Command::new(binary("promtool"))
        .args(args)
        .current_dir(contrib())
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool {}:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `GET path` on `addr`: the body of a 200 answer, `None` for anything else
/// (nothing listening yet, another status).
pub(super) fn get(addr: SocketAddr, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200")
        .then(|| body.to_owned())
        .or_else(|| head.starts_with("HTTP/1.0 200").then(|| body.to_owned()))
}
