//! What `contrib/prometheus/` ships, checked by Prometheus's own tools: the
//! rules and their unit tests (`promtool`), the example scrape configuration,
//! the Grafana dashboard's queries; then a real Prometheus scraping a live
//! devnet's daemons and `timectl exporter`, whose alerts fire when a node is
//! killed and resolve when it is back. `promtool` and `prometheus` come from
//! Debian's `prometheus` package, which `scripts/test.sh` installs; a missing
//! one fails the test, never skips it.
//!
//! # Layout
//! - `tools`: finding the binaries, the contrib files, a plain HTTP GET.
//! - `promtool`: the shipped files, checked without a fleet.
//! - `alerts`: the live run.
//! - `locks`: other operators' locks and deploys as the exporter's metrics.
//! - `siege`: the exporter's server under a stranger's half-sent requests.

mod alerts;
mod locks;
mod promtool;
mod siege;
mod tools;
