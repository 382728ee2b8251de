//! Build once, ship (`--build-on NODE`): the binary the builder node made is
//! read over its connection with the checksum the node computed, checked here,
//! and written to each other node beside its binary, where it replaces that
//! binary only once its own checksum there matches. A node that receives a
//! damaged copy keeps the binary it had. A node whose binary already has the
//! shipment's checksum (a no-op release, a deploy run again) is not sent the
//! bytes: its checksum, computed there, is the check.
//!
//! The binary passes through this machine's memory (the nodes need not trust
//! each other's SSH keys); a daemon binary is tens of megabytes.

use sha2::{Digest, Sha256};

use super::connected::Connected;
use super::error::StepError;
use super::steps::KeptBinary;
use crate::lock::script::in_repo;

/// Prints the binary's sha256 on the first line of stderr, the bytes on stdout.
const READ: &str = r#"bin=$1
[ -f "$bin" ] || { echo "no binary at $bin after the build" >&2; exit 1; }
sha256sum "$bin" | cut -d' ' -f1 >&2
cat "$bin"
"#;

/// Takes the bytes on stdin; moves them over the binary only if their sha256
/// is `$2`. The old binary stays when anything fails.
const ARRIVE: &str = r#"bin=$1 want=$2
tmp=$bin.timectl-ship
mkdir -p "$(dirname "$bin")" && cat > "$tmp" || { rm -f "$tmp"; exit 1; }
got=$(sha256sum "$tmp" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then rm -f "$tmp"; echo "checksum mismatch on arrival: got $got, want $want" >&2; exit 1; fi
chmod 755 "$tmp" && mv -f "$tmp" "$bin"
"#;

/// Prints the sha256 of the binary at `$1`, or nothing when there is none:
/// `$3` without hashing while the binary's identity is still `$2`, the one
/// it had when it was kept (and hashed) for this deploy.
const HAVE: &str = r#"bin=$1 kept=$2 sum=$3
[ -f "$bin" ] || exit 0
if [ -n "$kept" ] && [ "$(stat -c '%d:%i:%s:%Y' "$bin")" = "$kept" ]; then echo "$sum"; exit 0; fi
sha256sum "$bin" | cut -d' ' -f1
"#;

/// How a shipment reached a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// The bytes were sent and their checksum matched there.
    Sent,
    /// The node's binary already had the shipment's checksum: nothing sent.
    AlreadyThere,
}

/// A built binary in memory, with the checksum its builder computed.
pub(crate) struct Shipment {
    pub(crate) bytes: Vec<u8>,
    pub(crate) sha256: String,
}

/// The hex sha256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads the builder's binary and checks it against the checksum the builder
/// computed.
///
/// # Errors
/// No binary, the connection failed, or the bytes do not match.
pub(crate) async fn take(builder: &Connected) -> Result<Shipment, StepError> {
    let cmd = in_repo(&builder.node, READ, &[&builder.node.binary])?;
    let out = builder.remote.run_bytes(&cmd).await?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(StepError::Script(stderr.trim().to_owned()));
    }
    let sha256 = stderr.lines().next().unwrap_or("").trim().to_owned();
    let got = sha256_hex(&out.stdout);
    if got != sha256 {
        return Err(StepError::Checksum {
            node: builder.node.name.clone(),
            got,
            want: sha256,
        });
    }
    Ok(Shipment {
        bytes: out.stdout,
        sha256,
    })
}

/// Writes the shipment to `conn`'s binary path, verified there before it
/// replaces the old binary; sends nothing when the binary there already has
/// the shipment's checksum (`kept`: the binary as this deploy kept it, whose
/// checksum stands while the file is the same).
///
/// # Errors
/// The connection failed or the copy arrived damaged (the old binary stays).
pub(crate) async fn deliver(
    conn: &Connected,
    shipment: &Shipment,
    kept: &KeptBinary,
) -> Result<Arrival, StepError> {
    let have = in_repo(
        &conn.node,
        HAVE,
        &[&conn.node.binary, &kept.identity, &kept.sha256],
    )?;
    let out = conn.remote.run(&have).await?;
    if !out.success() {
        return Err(StepError::Script(out.stderr.trim().to_owned()));
    }
    if out.stdout.trim() == shipment.sha256 {
        return Ok(Arrival::AlreadyThere);
    }
    let cmd = in_repo(&conn.node, ARRIVE, &[&conn.node.binary, &shipment.sha256])?;
    let out = conn.remote.run_with_input(&cmd, &shipment.bytes).await?;
    if out.success() {
        Ok(Arrival::Sent)
    } else {
        Err(StepError::Script(out.stderr.trim().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_sha256sum_s() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
