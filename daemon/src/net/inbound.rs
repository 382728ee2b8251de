//! Received messages waiting for the chain, bounded in bytes: per link, so that
//! one peer cannot crowd out the others, and node-wide, so that all of them
//! together cannot grow memory without end. The queue to the chain also counts
//! events, but a count says nothing of size: 4096 events of 4 MiB frames would
//! be 16 GiB.
//!
//! A message over either budget is dropped and counted (`events_dropped`), as
//! one arriving at a full queue is; a link is never made to wait, which would
//! stop its pings. Its bytes come back when the chain has handled the message,
//! or when the message is dropped unhandled.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One link's share of the budget.
#[derive(Debug)]
pub(crate) struct LinkBudget {
    link: Arc<Semaphore>,
    node: Arc<Semaphore>,
}

impl LinkBudget {
    /// A link allowed `link_bytes` waiting, drawing on the node-wide `node`.
    pub(crate) fn new(node: Arc<Semaphore>, link_bytes: usize) -> Self {
        LinkBudget {
            link: Arc::new(Semaphore::new(link_bytes)),
            node,
        }
    }

    /// Takes `bytes` (a received frame's length) from both budgets, or nothing
    /// if either is short.
    pub(crate) fn take(&self, bytes: usize) -> Option<InboundBytes> {
        let bytes = u32::try_from(bytes.max(1)).ok()?;
        let link = Arc::clone(&self.link).try_acquire_many_owned(bytes).ok()?;
        let node = Arc::clone(&self.node).try_acquire_many_owned(bytes).ok()?;
        Some(InboundBytes {
            _link: link,
            _node: node,
        })
    }
}

/// The bytes of one received message, held until it is dropped (the chain has
/// handled it, or it was never delivered).
#[derive(Debug)]
pub struct InboundBytes {
    _link: OwnedSemaphorePermit,
    _node: OwnedSemaphorePermit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_holds_no_more_than_its_share_nor_the_node_more_than_its_total() {
        let node = Arc::new(Semaphore::new(100));
        let (a, b) = (
            LinkBudget::new(node.clone(), 60),
            LinkBudget::new(node.clone(), 60),
        );
        let a1 = a.take(50).expect("within both");
        assert!(a.take(20).is_none(), "over the link's 60");
        let b1 = b.take(50).expect("within both");
        assert!(
            b.take(1).is_none(),
            "over the node's 100, though within b's 60"
        );
        drop(a1);
        let b2 = b.take(10).expect("a's bytes came back to the node");
        assert!(
            a.take(61).is_none(),
            "a frame over the link's share never fits"
        );
        drop((b1, b2));
        assert_eq!(node.available_permits(), 100, "everything returned");
    }
}
