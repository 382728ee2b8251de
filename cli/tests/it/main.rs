//! `timectl`'s integration tests, one binary (linked once, not once per file),
//! a module per area. They drive real things: the `timectl` and `timed`
//! binaries, a real sshd on loopback, a private journald, real processes.

mod support;

mod check_devnet;
mod completions_fresh;
mod consensus_devnet;
mod deploy;
mod deploy_lab;
mod devnet;
mod errors;
mod fleet_discovery;
mod fleet_errors;
mod fleet_scale;
mod interrupt;
mod local_transport;
mod logs_devnet_summary;
mod logs_follow_file;
mod logs_follow_journald;
mod logs_from_file;
mod logs_ssh;
mod logs_upstream_journal;
mod pool;
mod prometheus;
mod quoting;
mod ssh_transport;
mod status_ssh;
mod tui_tmux;
mod upstream_check;
mod upstream_rpc;
mod upstream_status;
