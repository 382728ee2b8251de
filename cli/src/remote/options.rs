//! How to connect, as the operator's flags say rather than the fleet file: one
//! value handed to the pool and on to each transport.

/// Choices that come from flags rather than the fleet file.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Trust host keys never seen before (ssh's accept-new) for every node.
    pub accept_new_host_keys: bool,
}
