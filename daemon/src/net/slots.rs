//! Who gets an inbound slot (issue 13: 135 idle strangers held every slot and a
//! restarted masternode stayed out for as long as they liked).
//!
//! A pure rule over the live inbound links, so it can be tested alone:
//! - a configured masternode is always admitted; when the node is full, the
//!   stranger (non-masternode) idle the longest is evicted to make room;
//! - strangers share `max_inbound - reserved_inbound` slots, the rest are kept
//!   for masternodes;
//! - strangers from one IP address share `max_per_ip` slots.
//!
//! Identities are proven in the handshake, so "masternode" here is a fact (its id
//! is in the network definition), never a claim.

use std::net::IpAddr;

use timecoin_shared::wire::NodeId;
use tokio::time::Instant;

/// The inbound limits of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotLimits {
    /// Inbound links at once (masternodes may still be admitted past it when no
    /// stranger is left to evict: the configured set bounds them).
    pub max_inbound: usize,
    /// Inbound slots strangers may never take.
    pub reserved_inbound: usize,
    /// Inbound stranger links from one IP address, and handshakes in progress
    /// from one IP address.
    pub max_per_ip: usize,
}

/// A live inbound link, as the rule sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occupant {
    pub node: NodeId,
    pub ip: IpAddr,
    pub masternode: bool,
    /// When it last sent an application message (or linked).
    pub last_active: Instant,
}

/// The decision for a new inbound link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    Admit,
    /// Admit it and close this stranger's link to make room.
    Evict(NodeId),
    /// Why a stranger is refused (logged; it is told `too_many_connections`).
    Refuse(Refusal),
}

/// Why a stranger gets no slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every stranger slot is taken.
    Full,
    /// Its IP address holds `max_per_ip` links already.
    PerIp,
}

/// Decides on a newcomer from `ip` (a configured masternode or not), given the
/// live inbound links.
pub(crate) fn admit(
    limits: SlotLimits,
    occupants: &[Occupant],
    ip: IpAddr,
    masternode: bool,
) -> Admission {
    if masternode {
        if occupants.len() < limits.max_inbound {
            return Admission::Admit;
        }
        return occupants
            .iter()
            .filter(|o| !o.masternode)
            .min_by_key(|o| (o.last_active, o.node))
            .map_or(Admission::Admit, |o| Admission::Evict(o.node));
    }
    let strangers = occupants.iter().filter(|o| !o.masternode);
    let stranger_slots = limits.max_inbound.saturating_sub(limits.reserved_inbound);
    if strangers.clone().count() >= stranger_slots || occupants.len() >= limits.max_inbound {
        return Admission::Refuse(Refusal::Full);
    }
    if strangers.filter(|o| o.ip == ip).count() >= limits.max_per_ip {
        return Admission::Refuse(Refusal::PerIp);
    }
    Admission::Admit
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMITS: SlotLimits = SlotLimits {
        max_inbound: 4,
        reserved_inbound: 1,
        max_per_ip: 2,
    };

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn occupant(n: u8, from: u8, masternode: bool, idle_secs: u64) -> Occupant {
        Occupant {
            node: NodeId([n; 32]),
            ip: ip(from),
            masternode,
            last_active: Instant::now() - Duration::from_secs(idle_secs),
        }
    }

    #[tokio::test]
    async fn strangers_leave_the_reserved_slots_and_share_per_ip() {
        let two_from_one = [occupant(1, 1, false, 0), occupant(2, 1, false, 0)];
        assert_eq!(
            admit(LIMITS, &two_from_one, ip(1), false),
            Admission::Refuse(Refusal::PerIp)
        );
        assert_eq!(admit(LIMITS, &two_from_one, ip(2), false), Admission::Admit);
        let three = [
            occupant(1, 1, false, 0),
            occupant(2, 2, false, 0),
            occupant(3, 3, false, 0),
        ];
        assert_eq!(
            admit(LIMITS, &three, ip(4), false),
            Admission::Refuse(Refusal::Full),
            "the fourth slot is reserved"
        );
        assert_eq!(admit(LIMITS, &three, ip(4), true), Admission::Admit);
    }

    #[tokio::test]
    async fn a_masternode_evicts_the_longest_idle_stranger_when_full() {
        let full = [
            occupant(1, 1, false, 5),
            occupant(2, 2, true, 90),
            occupant(3, 3, false, 60),
            occupant(4, 4, true, 0),
        ];
        assert_eq!(
            admit(LIMITS, &full, ip(9), true),
            Admission::Evict(NodeId([3; 32]))
        );
        assert_eq!(
            admit(LIMITS, &full, ip(9), false),
            Admission::Refuse(Refusal::Full)
        );
        let all_masternodes = [
            occupant(1, 1, true, 0),
            occupant(2, 2, true, 0),
            occupant(3, 3, true, 0),
            occupant(4, 4, true, 0),
        ];
        assert_eq!(
            admit(LIMITS, &all_masternodes, ip(9), true),
            Admission::Admit
        );
    }
}
