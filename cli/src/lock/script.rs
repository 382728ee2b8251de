//! Shell scripts run on a node, with every value passed as a positional argument
//! (`sh -c SCRIPT timectl ARG...`), so nothing from config or flags is ever parsed
//! by the remote shell. Every script starts in the node's repo with `$d` set to
//! timectl's state directory in its git dir.
//!
//! The lock is one script: the atomic step (`mkdir`), the staleness check and the
//! takeover run on the node, against the node's clock, in one round trip.

use timecoin_shared::fleet::Node;

use crate::remote::{CommandError, RemoteError, ShellCommand};

/// Enters the repo (`$1`) and makes the state directory `$d`; the script's own
/// arguments are then `$1...`. Exit 3 means the repo is not there.
const PREAMBLE: &str = r#"cd "$1" 2>/dev/null || { echo "no repo at $1" >&2; exit 3; }
g=$(git rev-parse --absolute-git-dir 2>/dev/null) || { echo "$1 is not a git checkout" >&2; exit 3; }
d="$g/timectl"
mkdir -p "$d" || exit 3
shift
"#;

/// `sh -c BODY` in the node's repo with `args` as `$1...`, all quoted.
///
/// # Errors
/// The node has no `repo`, or a value holds a NUL byte.
pub(crate) fn in_repo(node: &Node, body: &str, args: &[&str]) -> Result<ShellCommand, RemoteError> {
    let repo = node.repo.as_deref().ok_or_else(|| RemoteError::Command {
        node: node.name.clone(),
        source: CommandError::UnknownPlaceholder {
            name: "repo".into(),
            template: "(the node's repo)".into(),
            known: "set `repo` for this node in the fleet file".into(),
        },
    })?;
    let script = format!("{PREAMBLE}{body}");
    let mut words = vec!["sh", "-c", script.as_str(), "timectl", repo];
    words.extend_from_slice(args);
    ShellCommand::program(words).map_err(|source| RemoteError::Command {
        node: node.name.clone(),
        source,
    })
}

/// The lock script: `$1` action (`acquire`, `steal`, `force`, `heartbeat`,
/// `phase`, `release`, `status`), `$2` token, `$3` holder JSON, `$4` TTL in
/// seconds. `phase` writes the holder JSON again (with the holder's new phase)
/// over the one stored, when the token is still the holder's.
///
/// The first line of output is the result; then `age`, `ttl` and `holder` lines
/// describe the lock as found, and `previous` the holder a takeover displaced.
/// Takeovers are appended to `$d/audit.jsonl`.
pub(crate) const LOCK: &str = r#"action=$1 token=$2 holder=$3 ttl=$4
L="$d/lock"
now=$(date +%s)
take() {
  mkdir "$L" 2>/dev/null || return 1
  printf '%s\n' "$ttl" > "$L/ttl" && printf '%s\n' "$holder" > "$L/holder.json"
}
show() {
  [ -d "$L" ] || return 0
  m=$(stat -c %Y "$L/holder.json" 2>/dev/null || stat -c %Y "$L" 2>/dev/null || echo "$now")
  echo "age $((now - m))"
  echo "ttl $(cat "$L/ttl" 2>/dev/null || echo 0)"
  echo "holder $(cat "$L/holder.json" 2>/dev/null)"
}
mine() { grep -qF -- "$token" "$L/holder.json" 2>/dev/null; }
record() {
  printf '{"at":%s,"event":"%s","by":%s,"previous":%s}\n' "$now" "$1" "$holder" "${2:-null}" >> "$d/audit.jsonl"
}
case $action in
acquire)
  if take; then echo acquired; else echo held; show; fi ;;
steal)
  if take; then echo acquired; exit 0; fi
  m=$(stat -c %Y "$L/holder.json" 2>/dev/null || stat -c %Y "$L")
  t=$(cat "$L/ttl" 2>/dev/null || echo 0)
  if [ $((now - m)) -gt "$t" ] && mv "$L" "$d/stale.$$" 2>/dev/null; then
    old=$(cat "$d/stale.$$/holder.json" 2>/dev/null)
    rm -rf "$d/stale.$$"
    if take; then echo stolen; echo "previous $old"; record lock_stolen "$old"; else echo held; show; fi
  else
    echo held; show
  fi ;;
force)
  if take; then echo acquired; exit 0; fi
  old=$(cat "$L/holder.json" 2>/dev/null)
  rm -rf "$L"
  if take; then echo forced; echo "previous $old"; record lock_forced "$old"; else echo held; show; fi ;;
heartbeat)
  if mine; then touch "$L/holder.json"; echo refreshed; else echo lost; show; fi ;;
phase)
  # Written beside and renamed over it: a reader never sees half a holder.
  if mine && printf '%s\n' "$holder" > "$L/holder.json.$$" && mv -f "$L/holder.json.$$" "$L/holder.json"; then
    echo recorded
  else
    rm -f "$L/holder.json.$$"; echo lost; show
  fi ;;
release)
  if ! mine; then echo not_held; show; exit 0; fi
  # Correctness: "released" only once the lock is gone; a lock left behind
  # (a read-only file system) would hold the node for its whole TTL.
  rm -rf "$L"
  if [ -e "$L" ]; then echo "could not remove the lock $L" >&2; exit 4; fi
  echo released ;;
status)
  if [ -d "$L" ]; then echo held; show; else echo free; fi ;;
*)
  echo "unknown lock action $action" >&2; exit 2 ;;
esac
"#;

/// The line [`lock_then`]'s script prints between the lock's answer and the
/// output of what ran under the lock.
const THEN_MARK: &str = "timectl-locked";

/// A script that runs [`LOCK`] with `$1..$4`, and when that took the lock
/// (`acquired`, `stolen`, `forced`), `then` with `$5...`: one round trip for
/// the lock and a first step under it. Each runs in a subshell of its own, so
/// an `exit` in one ends only it; the lock's exit code is the script's when it
/// failed, and `then`'s stderr is its own (it does not fail the lock).
pub(crate) fn lock_then(then: &str) -> String {
    format!(
        "lock_step() {{\n{LOCK}\n}}\nthen_step() {{\n{then}\n}}\n\
         out=$(lock_step \"$1\" \"$2\" \"$3\" \"$4\"); rc=$?\n\
         printf '%s\\n' \"$out\"\n\
         [ $rc -eq 0 ] || exit $rc\n\
         case $out in acquired*|stolen*|forced*) ;; *) exit 0 ;; esac\n\
         shift 4\n\
         echo {THEN_MARK}\n\
         (then_step \"$@\")\n\
         exit 0\n"
    )
}

/// The lock's answer and what ran under it, from [`lock_then`]'s output (all
/// of it the lock's when there is no mark).
pub(crate) fn split_then(stdout: &str) -> (&str, &str) {
    let mark = format!("\n{THEN_MARK}\n");
    match stdout.find(&mark) {
        Some(at) => (&stdout[..=at], &stdout[at + mark.len()..]),
        None => (stdout, ""),
    }
}
