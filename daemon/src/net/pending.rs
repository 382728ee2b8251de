//! Who may start a handshake (issue 22: silent sockets from two addresses, plus a
//! connect flood, held every handshake slot and kept a restarted masternode at
//! one of its three peers; the slots kept for masternodes applied only after a
//! handshake, when it is too late).
//!
//! Before a handshake nothing is proven, so the only fact is the source address:
//! - addresses the node has reason to trust are *known*: the configured peers'
//!   addresses, and any address a configured masternode has since proven itself
//!   from (a restarted masternode comes back from the same one);
//! - a known address is served first: it may take the `reserved_inbound`
//!   handshake slots no unknown address ever gets, then the shared ones;
//! - unknown addresses share `max_inbound - reserved_inbound` slots, each at most
//!   `max_pending_per_ip` of them, far below the total, so one host (or a few)
//!   cannot take every slot.
//!
//! The decision is one short critical section and no allocation beyond the
//! address's table entry, so a refused socket costs microseconds and no task.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

/// The handshake limits of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PendingLimits {
    /// Handshakes in progress at once.
    pub(crate) total: usize,
    /// Of `total`, the slots only known addresses may take.
    pub(crate) reserved: usize,
    /// Handshakes in progress from one unknown address.
    pub(crate) per_ip: usize,
}

/// Why a socket gets no handshake slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PendingRefusal {
    /// Every slot its address may take is in use.
    Full,
    /// Its (unknown) address holds `per_ip` handshakes already.
    PerIp,
}

impl PendingRefusal {
    /// The reason in a log line.
    pub(crate) fn why(self) -> &'static str {
        match self {
            PendingRefusal::Full => "every handshake slot it may take is in use",
            PendingRefusal::PerIp => "its address holds the most handshakes one address may",
        }
    }
}

#[derive(Debug, Default)]
struct Table {
    known: HashSet<IpAddr>,
    /// Handshakes in progress per unknown address.
    per_ip: HashMap<IpAddr, usize>,
    shared_used: usize,
    reserved_used: usize,
}

/// The handshake slots of one node, shared by the accept loop and the
/// handshake tasks.
#[derive(Debug)]
pub(crate) struct Pending {
    limits: PendingLimits,
    table: Mutex<Table>,
}

/// Which pool a slot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pool {
    Reserved,
    Shared,
}

/// One handshake slot, given back on drop.
#[derive(Debug)]
pub(crate) struct PendingSlot {
    pending: Arc<Pending>,
    pool: Pool,
    /// The unknown address it is counted against, if any.
    counted: Option<IpAddr>,
}

impl Pending {
    /// Slots under `limits`, with `known` addresses served first.
    pub(crate) fn new(limits: PendingLimits, known: impl IntoIterator<Item = IpAddr>) -> Arc<Self> {
        Arc::new(Pending {
            limits,
            table: Mutex::new(Table {
                known: known.into_iter().collect(),
                ..Table::default()
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Every statement leaves the table consistent; keep serving after a panic.
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A handshake slot for a socket from `ip`, or why there is none.
    ///
    /// # Errors
    /// The pools its address may draw on are used up, or (unknown addresses
    /// only) its address holds its share already.
    pub(crate) fn take(self: &Arc<Self>, ip: IpAddr) -> Result<PendingSlot, PendingRefusal> {
        let limits = self.limits;
        let shared_cap = limits.total.saturating_sub(limits.reserved);
        let mut table = self.lock();
        let slot = |pool, counted| PendingSlot {
            pending: Arc::clone(self),
            pool,
            counted,
        };
        if table.known.contains(&ip) {
            if table.reserved_used < limits.reserved {
                table.reserved_used += 1;
                return Ok(slot(Pool::Reserved, None));
            }
            if table.shared_used < shared_cap {
                table.shared_used += 1;
                return Ok(slot(Pool::Shared, None));
            }
            return Err(PendingRefusal::Full);
        }
        if table.per_ip.get(&ip).copied().unwrap_or(0) >= limits.per_ip {
            return Err(PendingRefusal::PerIp);
        }
        if table.shared_used >= shared_cap {
            return Err(PendingRefusal::Full);
        }
        table.shared_used += 1;
        *table.per_ip.entry(ip).or_default() += 1;
        Ok(slot(Pool::Shared, Some(ip)))
    }

    /// Serves `ip` first from now on: a configured masternode proved itself from it.
    pub(crate) fn learn(&self, ip: IpAddr) {
        self.lock().known.insert(ip);
    }
}

impl Drop for PendingSlot {
    fn drop(&mut self) {
        let mut table = self.pending.lock();
        match self.pool {
            Pool::Reserved => table.reserved_used -= 1,
            Pool::Shared => table.shared_used -= 1,
        }
        if let Some(ip) = self.counted
            && let Some(count) = table.per_ip.get_mut(&ip)
        {
            *count -= 1;
            if *count == 0 {
                table.per_ip.remove(&ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: PendingLimits = PendingLimits {
        total: 6,
        reserved: 2,
        per_ip: 2,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn unknown_addresses_share_what_is_not_reserved_each_a_little() {
        let pending = Pending::new(LIMITS, [ip(1)]);
        let a: Vec<_> = (0..2)
            .map(|_| pending.take(ip(50)).expect("a slot"))
            .collect();
        assert_eq!(pending.take(ip(50)).err(), Some(PendingRefusal::PerIp));
        let b: Vec<_> = (0..2)
            .map(|_| pending.take(ip(51)).expect("a slot"))
            .collect();
        assert_eq!(
            pending.take(ip(52)).err(),
            Some(PendingRefusal::Full),
            "the last two slots are reserved"
        );
        let known: Vec<_> = (0..2)
            .map(|_| pending.take(ip(1)).expect("reserved"))
            .collect();
        assert_eq!(pending.take(ip(1)).err(), Some(PendingRefusal::Full));
        drop(a);
        let c = pending.take(ip(52)).expect("freed by a's drop");
        let d = pending
            .take(ip(1))
            .expect("a known address takes a shared slot too");
        drop((b, c, d, known));
        let table = pending.lock();
        assert_eq!((table.shared_used, table.reserved_used), (0, 0));
        assert!(table.per_ip.is_empty(), "nothing left behind");
    }

    #[test]
    fn a_learned_address_is_served_first() {
        let pending = Pending::new(LIMITS, []);
        let squat: Vec<_> = (50..52)
            .flat_map(|n| [pending.take(ip(n)), pending.take(ip(n))])
            .collect();
        assert!(squat.iter().all(Result::is_ok));
        assert_eq!(pending.take(ip(9)).err(), Some(PendingRefusal::Full));
        pending.learn(ip(9));
        assert!(pending.take(ip(9)).is_ok(), "a reserved slot");
    }
}
