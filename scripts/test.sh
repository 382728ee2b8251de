#!/usr/bin/env bash
# The project's test command (README "Run the tests"): installs the system parts the
# tests drive for real (sshd, tmux, journald, systemd-nspawn for the fleet lab, strip
# for the deploy tests' fixture binaries; nftables, curl and libfaketime for the
# chaos run; prometheus and promtool for the alert rules' tests) and the C++
# compiler libFuzzer is built with, then format, lint, test,
# a short run of every fuzz target and a short chaos run on lab hosts.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ -x /lib/systemd/systemd-journald ] || need+=(systemd)
command -v c++ >/dev/null 2>&1 || need+=(g++)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
command -v strip >/dev/null 2>&1 || need+=(binutils)
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v tc >/dev/null 2>&1 || need+=(iproute2)
ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1 || need+=(libfaketime)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${need[*]} (install them, or run as root)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian's prometheus package starts a system service (and its node
  # exporter); the tests run their own Prometheus on a free loopback port.
  if [[ " ${need[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now prometheus.service prometheus-node-exporter.service >/dev/null 2>&1 || true
  fi
fi

# A fresh clone builds everything once: incremental state would only fill the
# disk (about 6 GB of it).
export CARGO_INCREMENTAL=0
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The daemon as shipped, without the `testing` feature the tests turn on: code
# that only tests use must sit behind that feature or `cfg(test)`, or this
# reports it dead.
cargo clippy -p timed --locked -- -D warnings
cargo test --workspace --all-targets --locked
# The issue's sizes, one test at a time on a machine the suite has left (about
# 40 s): status, check and deploy --dry-run answer for every node of 64
# daemons, status over SSH for 100 nodes behind one sshd. In the suite above
# they run at 16 and 24 nodes beside a hundred other tests. `--workspace`
# keeps the suite's build (`-p timectl` alone would rebuild with other features).
FLEET_SCALE_NODES=64 FLEET_SCALE_SSH_NODES=100 cargo test --workspace --test it --locked -- \
  --test-threads 1 fleet_scale::status_check_and_dry_run fleet_scale::status_over_ssh
# Every benchmark once at its smallest size on this debug build (about two
# minutes): a change that breaks one fails here instead of rotting unseen.
# Figures come from `cargo xtask bench` on a quiet machine (docs/PERFORMANCE.md).
cargo xtask bench --smoke
# About 15 s a target (fuzz/run.sh says how it builds on stable Rust); a crash
# fails the run with its input kept under target/fuzz/artifacts/.
fuzz/run.sh 15
# Four lab hosts through 90 s of seeded faults (about 2.5 minutes with the boot
# and the end checks, after building timed and timectl without their test
# features); exits non-zero when an invariant fails. The report
# stays in target/chaos/seed-199/. Seed 199 cuts a node off past the keepalive
# (its links die and redial), splits the fleet 2-2 for 3 s, cuts one way, loses
# packets, kills, stops, steps a clock beyond tolerance and deploys and rolls
# back. Neither half of a 2-2 split holds a quorum of 3, so neither makes a
# final block while it lasts (finality is a quorum's certificate), and the run
# judges that production resumes after the heal.
cargo xtask chaos --duration 90s --seed 199
