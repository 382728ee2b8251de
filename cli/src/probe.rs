//! One probe of one node: everything `status` shows about it (its chain view,
//! its peers, its repo's HEAD, how long that took, or why it failed) as one
//! [`NodeSnapshot`](timecoin_shared::snapshot::NodeSnapshot). `status` renders snapshots; `check`, the deploy gates and
//! the dashboard take the same ones, through the same connection pool.
//!
//! # Layout
//! - [`api`]: the [`NodeApi`] trait, what a daemon's API must answer.
//! - `open`: `api()`, a node's API over its pooled RPC client.
//! - `snapshot`: [`probe`] and [`probe_all`] (and their `_with` forms, which
//!   may skip the repo HEAD), nodes into snapshots.
//! - [`timed`]: our daemon's API (`api = "timed"`).
//! - [`upstream`]: the upstream daemon's API (`api = "time-masternode"`), over
//!   [`jsonrpc`].

pub(crate) mod api;
pub(crate) mod jsonrpc;
mod open;
mod snapshot;
pub(crate) mod timed;
pub(crate) mod upstream;

pub use api::NodeApi;
// `pub` for `testing::node_api`; the module itself stays private.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub))]
pub use open::api;
pub(crate) use snapshot::{Head, probe_all_with, probe_with};
pub use snapshot::{probe, probe_all};
