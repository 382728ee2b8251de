//! One node's steps as shell scripts over its connection: read-only facts for
//! preflight, keeping and restoring the previous binary and commit, pull and build
//! with live output, restart, and the journal since a restart.
//!
//! Each function answers a [`StepError`] whose text is fit for the operator.

use timecoin_shared::classify::EventKind;

use super::connected::Connected;
use super::error::StepError;
use super::event::{Emit, Event, Step};
use crate::lock::script::in_repo;
use crate::logs::command::{Request as LogRequest, adjust};
use crate::logs::record::Record;
use crate::remote::{ShellCommand, StreamEnd, StreamEvent, node_command};
use timecoin_shared::classify::LogEntry;

/// What preflight reads on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Facts {
    pub(crate) head: String,
    /// Tracked files that differ from HEAD.
    pub(crate) dirty: usize,
    /// Size of the binary to keep; `None` when there is none.
    pub(crate) binary_bytes: Option<u64>,
    /// Free space where it would be kept.
    pub(crate) free_bytes: Option<u64>,
}

/// Preflight's read-only facts of a node, run under its lock as it is
/// taken (one round trip for both): `$1` is the binary.
pub(crate) const FACTS: &str = r#"bin=$1
echo "head $(git rev-parse HEAD)"
echo "dirty $(git status --porcelain --untracked-files=no | wc -l)"
if [ -f "$bin" ]; then echo "binary $(stat -c %s "$bin")"; fi
echo "free $(df -Pk "$d" | awk 'NR==2 {print $4 * 1024}')"
"#;

/// Keeps the current binary and commit in `$d/prev`, atomically; prints the
/// binary's sha256 and identity (device, inode, size, mtime).
///
/// The binary is kept by a hard link (a copy only where no link can be made,
/// another file system; nothing when it is kept already, as after a deploy
/// that changed nothing): nothing writes a node's binary in place (a running
/// executable cannot be opened for writing, and build, ship and restore each
/// rename a new file over it), and a restore checks the kept file's checksum
/// all the same. It is hashed once, here, and not even once when the kept
/// file is the one the last keep hashed (its recorded identity unchanged).
const KEEP: &str = r#"bin=$1 commit=$2
mkdir -p "$d/prev" || exit 1
if ! [ "$bin" -ef "$d/prev/timed" ]; then
  rm -f "$d/prev/timed.tmp"
  ln "$bin" "$d/prev/timed.tmp" 2>/dev/null || cp -p "$bin" "$d/prev/timed.tmp" || exit 1
  mv -f "$d/prev/timed.tmp" "$d/prev/timed" || exit 1
fi
id=$(stat -c '%d:%i:%s:%Y' "$d/prev/timed") || exit 1
sum=
if [ -f "$d/prev/record.json" ] && [ "$(sed -n 's/.*"identity":"\([0-9:]*\)".*/\1/p' "$d/prev/record.json")" = "$id" ]; then
  sum=$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$d/prev/record.json")
fi
[ -n "$sum" ] || sum=$(sha256sum "$d/prev/timed" | cut -d' ' -f1)
printf '{"head":"%s","commit":"%s","sha256":"%s","identity":"%s","at":%s}\n' "$(git rev-parse HEAD)" "$commit" "$sum" "$id" "$(date +%s)" > "$d/prev/record.tmp" && mv -f "$d/prev/record.tmp" "$d/prev/record.json" || exit 1
echo "$sum $id"
"#;

/// Puts the kept binary (checksum verified) and commit back, without restarting.
const RESTORE: &str = r#"bin=$1
[ -f "$d/prev/timed" ] && [ -f "$d/prev/record.json" ] || { echo "nothing kept to roll back to" >&2; exit 1; }
head=$(sed -n 's/.*"head":"\([0-9a-f]*\)".*/\1/p' "$d/prev/record.json")
want=$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' "$d/prev/record.json")
[ "$(sha256sum "$d/prev/timed" | cut -d' ' -f1)" = "$want" ] || { echo "kept binary fails its checksum" >&2; exit 1; }
if git symbolic-ref -q HEAD >/dev/null; then git reset -q --keep "$head"; else git checkout -q --detach "$head"; fi || exit 1
mkdir -p "$(dirname "$bin")" && cp -p "$d/prev/timed" "$bin.timectl" && mv -f "$bin.timectl" "$bin"
"#;

const KEPT: &str = r#"cat "$d/prev/record.json""#;

const APPEND_AUDIT: &str = r#"printf '%s\n' "$1" >> "$d/audit.jsonl""#;

async fn script(conn: &Connected, body: &str, args: &[&str]) -> Result<String, StepError> {
    let cmd = in_repo(&conn.node, body, args)?;
    let out = conn.remote.run(&cmd).await?;
    if out.success() {
        Ok(out.stdout)
    } else {
        let why = out.stderr.trim();
        Err(if why.is_empty() {
            StepError::Code(out.code)
        } else {
            StepError::Script(why.to_owned())
        })
    }
}

/// The repo HEAD, dirtiness, binary size and free space, from what [`FACTS`]
/// printed.
///
/// # Errors
/// No HEAD among them: the repo has no commit, or the script did not run.
pub(crate) fn facts(out: &str) -> Result<Facts, StepError> {
    let mut facts = Facts {
        head: String::new(),
        dirty: 0,
        binary_bytes: None,
        free_bytes: None,
    };
    for line in out.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        let value = value.trim();
        match key {
            "head" => value.clone_into(&mut facts.head),
            "dirty" => facts.dirty = value.parse().unwrap_or(0),
            "binary" => facts.binary_bytes = value.parse().ok(),
            "free" => facts.free_bytes = value.parse().ok(),
            _ => {}
        }
    }
    if facts.head.is_empty() {
        return Err(StepError::NoHead);
    }
    Ok(facts)
}

/// The binary a node had when its deploy began, as kept for rollback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeptBinary {
    pub(crate) sha256: String,
    /// `device:inode:size:mtime`: while the binary's path still shows this,
    /// it is the file hashed.
    pub(crate) identity: String,
}

/// Keeps the binary and the running commit for rollback.
///
/// # Errors
/// Keeping failed, or the node's answer is not a checksum and an identity.
pub(crate) async fn keep(conn: &Connected, running_commit: &str) -> Result<KeptBinary, StepError> {
    let out = script(conn, KEEP, &[&conn.node.binary, running_commit]).await?;
    match out.split_whitespace().collect::<Vec<_>>()[..] {
        [sha256, identity] if sha256.len() == 64 => Ok(KeptBinary {
            sha256: sha256.to_owned(),
            identity: identity.to_owned(),
        }),
        _ => Err(StepError::Script(format!(
            "keep answered {:?}, not a checksum and an identity",
            out.trim()
        ))),
    }
}

/// What was kept before the last deploy: the repo HEAD and the running commit.
#[derive(Clone, Debug, serde::Deserialize)]
pub(crate) struct Kept {
    pub(crate) head: String,
    pub(crate) commit: String,
}

/// Reads what was kept.
///
/// # Errors
/// Nothing was kept on this node.
pub(crate) async fn kept(conn: &Connected) -> Result<Kept, StepError> {
    let text = script(conn, KEPT, &[])
        .await
        .map_err(|e| StepError::NothingKept(Box::new(e)))?;
    serde_json::from_str(text.trim()).map_err(StepError::KeptUnreadable)
}

/// Puts the kept binary and commit back (no restart).
///
/// # Errors
/// Nothing kept, a bad checksum, or git refused.
pub(crate) async fn restore(conn: &Connected) -> Result<(), StepError> {
    script(conn, RESTORE, &[&conn.node.binary]).await.map(drop)
}

/// Appends one JSON line to the node's audit log.
///
/// # Errors
/// The node could not be written.
pub(crate) async fn append_audit(conn: &Connected, line: &str) -> Result<(), StepError> {
    script(conn, APPEND_AUDIT, &[line]).await.map(drop)
}

/// Runs build, streaming every line of stdout and stderr as [`Event::Output`].
///
/// # Errors
/// The command failed; the reason holds its last line.
pub(crate) async fn build(conn: &Connected, template: &str, emit: &Emit) -> Result<(), StepError> {
    let cmd = node_command(&conn.node, template)?;
    stream(conn, Step::Build, &cmd.to_string(), emit)
        .await
        .map(drop)
}

/// What the pull's wrapper prints before the HEAD the pull ended at.
const HEAD_MARK: &str = "timectl-head ";

/// Runs pull (`git_ref` set: a fetch and checkout of it), streaming every line
/// of stdout and stderr as [`Event::Output`]; the repo's HEAD after it, read
/// in the same round trip.
///
/// # Errors
/// The command failed (the reason holds its last line), or no HEAD after it.
pub(crate) async fn pull(
    conn: &Connected,
    template: &str,
    git_ref: Option<&str>,
    emit: &Emit,
) -> Result<String, StepError> {
    let node = &conn.node;
    let cmd = match git_ref {
        Some(r) => in_repo(node, template, &[r]),
        None => node_command(node, template),
    }?;
    let head = match &node.repo {
        Some(repo) => ShellCommand::program(["git", "-C", repo, "rev-parse", "HEAD"])?,
        None => return Err(StepError::NoHead),
    };
    let script = format!("{cmd} || exit $?\nprintf '{HEAD_MARK}%s\\n' \"$({head})\"");
    match stream(conn, Step::Pull, &script, emit).await? {
        Some(head) if !head.is_empty() => Ok(head),
        _ => Err(StepError::NoHead),
    }
}

/// Runs `script` with its stderr merged into its stdout, each line an
/// [`Event::Output`] of `step`, except the last [`HEAD_MARK`] line of a pull,
/// whose rest it answers.
async fn stream(
    conn: &Connected,
    step: Step,
    script: &str,
    emit: &Emit,
) -> Result<Option<String>, StepError> {
    let merged = ShellCommand::program(["sh", "-c", &format!("exec 2>&1\n{script}")])?;
    let mut lines = conn.remote.stream_lines(&merged).await?;
    let mut last = String::new();
    let mut head = None;
    while let Some(event) = lines.next().await {
        match event {
            StreamEvent::Line(line) => {
                if step == Step::Pull
                    && let Some(commit) = line.strip_prefix(HEAD_MARK)
                {
                    head = Some(commit.trim().to_owned());
                    continue;
                }
                if !line.trim().is_empty() {
                    last.clone_from(&line);
                }
                emit.emit(Event::Output {
                    node: conn.node.name.clone(),
                    step,
                    line,
                });
            }
            StreamEvent::End(StreamEnd::Exited { code: Some(0), .. }) => return Ok(head),
            StreamEvent::End(StreamEnd::Exited { code, .. }) => {
                return Err(StepError::Exited { code, last });
            }
            StreamEvent::End(StreamEnd::Lost { reason }) => return Err(StepError::Lost(reason)),
            StreamEvent::End(StreamEnd::Cancelled) => return Err(StepError::Cancelled),
        }
    }
    Err(StepError::NoExitCode)
}

/// Runs a restart command template; returns the node's clock (seconds since
/// the epoch) just before it, for reading the journal since the restart.
///
/// # Errors
/// The command failed.
pub(crate) async fn restart(conn: &Connected, template: &str) -> Result<u64, StepError> {
    let cmd = node_command(&conn.node, template)?;
    let timed = ShellCommand::program(["sh", "-c", &format!("date +%s\nexec 2>&1\n{cmd}")])?;
    let out = conn.remote.run(&timed).await?;
    let mut lines = out.stdout.lines();
    let at = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    if out.success() {
        Ok(at)
    } else {
        let tail: Vec<&str> = lines.collect();
        Err(StepError::Exited {
            code: out.code,
            last: tail[tail.len().saturating_sub(3)..].join(" / "),
        })
    }
}

/// Kinds that fail a gate when the restarted node logs them: the incident's
/// signature.
pub(crate) const GATE_KINDS: [EventKind; 2] =
    [EventKind::HandshakeAckFailed, EventKind::ConnectionReset];

/// Whether a classified log line is the incident's signature: a
/// [`GATE_KINDS`] kind, unless the line names one of `restarting`, the
/// addresses of nodes restarted in the same batch (a dial to a node that was
/// itself restarting is reset by its restart, not by the release).
pub(crate) fn is_gate_problem(record: &Record, restarting: &[String]) -> bool {
    GATE_KINDS.iter().any(|k| record.class.kinds.contains(*k))
        && !record
            .class
            .peer
            .as_ref()
            .is_some_and(|peer| restarting.contains(peer))
}

/// The node's log lines since `since` (node clock, seconds) that are
/// [`is_gate_problem`]s, through the fleet's `logs` command and the classifier.
///
/// # Errors
/// The logs command cannot be adjusted or run.
pub(crate) async fn journal_problems(
    conn: &Connected,
    since: u64,
    restarting: &[String],
) -> Result<Vec<String>, StepError> {
    let request = LogRequest {
        since: Some(format!("@{since}")),
        ..LogRequest::default()
    };
    let adjusted = adjust(&conn.node.commands.logs, &request)?;
    // Only journalctl filters by time itself; other sources are filtered by the
    // time written in each line.
    let filtered_by_source = adjusted.args.iter().any(|a| a.starts_with("--since"));
    let mut cmd = node_command(&conn.node, &adjusted.template)?;
    for arg in &adjusted.args {
        cmd = cmd.arg(arg)?;
    }
    let out = conn.remote.run(&cmd).await?;
    if !out.success() {
        return Err(StepError::LogsExited(out.code));
    }
    let since_us = i64::try_from(since)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    Ok(out
        .stdout
        .lines()
        .map(|line| Record::new(LogEntry::parse(line), Some(&conn.node.name)))
        .filter(|r| match r.time_us {
            Some(t) => t >= since_us,
            None => filtered_by_source,
        })
        .filter(|r| is_gate_problem(r, restarting))
        .map(|r| r.line)
        .collect())
}

/// The commit a deploy would move to, read without changing anything
/// (`git ls-remote`): the upstream branch's tip, or `git_ref` as a remote
/// branch, tag or known commit.
const RESOLVE: &str = r#"ref=$1
if [ -z "$ref" ]; then
  up=$(git rev-parse --abbrev-ref --symbolic-full-name '@{u}' 2>/dev/null) || { echo "no upstream branch to pull from" >&2; exit 1; }
  git ls-remote "${up%%/*}" "refs/heads/${up#*/}" | cut -f1
  exit 0
fi
out=$(git ls-remote origin "refs/tags/$ref^{}" "refs/heads/$ref" "refs/tags/$ref" 2>/dev/null)
c=$(printf '%s\n' "$out" | awk '$2 ~ /\^\{\}$/ {print $1; exit}')
[ -n "$c" ] || c=$(printf '%s\n' "$out" | awk 'NF {print $1; exit}')
[ -n "$c" ] || c=$(git rev-parse -q --verify "$ref^{commit}") || { echo "no branch, tag or commit named $ref" >&2; exit 1; }
echo "$c"
"#;

/// The target commit as the node's origin says now (read-only, for `--dry-run`).
///
/// # Errors
/// No upstream, an unknown ref, or the origin unreachable.
pub(crate) async fn resolve_target(
    conn: &Connected,
    git_ref: Option<&str>,
) -> Result<String, StepError> {
    let out = script(conn, RESOLVE, &[git_ref.unwrap_or("")]).await?;
    let commit = out.trim().to_owned();
    if commit.is_empty() {
        Err(StepError::NoSuchBranch)
    } else {
        Ok(commit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(line: &str) -> Record {
        Record::new(LogEntry::parse(line), Some("node1"))
    }

    #[test]
    fn a_reset_on_a_dial_to_a_node_restarting_beside_it_is_not_the_incident() {
        let batch = vec!["127.0.0.1:4002".to_owned()];
        let to_mate = record(
            "Connection to 127.0.0.1:4002 failed (attempt 1): Handshake ACK failed: Connection reset by peer",
        );
        let to_other = record(
            "Connection to 127.0.0.1:4003 failed (attempt 1): Handshake ACK failed: Connection reset by peer",
        );
        let no_peer = record("Handshake ACK failed: Connection reset by peer");
        assert!(!is_gate_problem(&to_mate, &batch));
        assert!(is_gate_problem(&to_mate, &[]), "alone in its batch");
        assert!(is_gate_problem(&to_other, &batch));
        assert!(is_gate_problem(&no_peer, &batch), "no peer named");
        assert!(!is_gate_problem(
            &record("Connected to 127.0.0.1:4003"),
            &[]
        ));
    }
}
