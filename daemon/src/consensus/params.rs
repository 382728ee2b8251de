//! What the driver is configured with, all from the network definition: its
//! masternodes are the validators, its hash is inside every signature (a vote
//! of one network never counts in another), and its block interval sets the
//! round timeouts.

use std::time::Duration;

use timecoin_consensus::{DefinitionHash, Growth, TimeoutConfig, ValidatorSet};

use crate::chain::certified::{Certifier, validator_id};
use crate::definition::Definition;

/// The validators and hash certificates are checked against; `None` for a
/// definition without masternodes (a network where nothing is ever final).
pub(crate) fn certifier(definition: &Definition) -> Option<Certifier> {
    let validators = ValidatorSet::new(definition.masternodes.iter().map(validator_id)).ok()?;
    let mut hash = [0u8; 32];
    hex::decode_to_slice(definition.hash_hex(), &mut hash).ok()?;
    Some(Certifier {
        validators,
        definition: DefinitionHash(hash),
    })
}

/// Round timeouts for a network producing every `interval`. Every node
/// starts a height one interval after its decision of the one before, and the
/// proposer proposes at once, so the propose wait only covers the spread of
/// those starts (a message's delay) and a block's transfer: the interval
/// itself, kept between 200 ms (a 100 ms devnet still has room for a block)
/// and 1 s (a 10 min network does not wait 10 min for a dead proposer). Votes
/// are small and get the crate's usual half second. All grow with the round,
/// so after any period of asynchrony they outgrow the time a round needs.
pub(super) fn timeouts(interval: Duration) -> TimeoutConfig {
    let votes = Growth {
        base: Duration::from_millis(500),
        delta: Duration::from_millis(250),
    };
    TimeoutConfig {
        propose: Growth {
            base: interval.clamp(Duration::from_millis(200), Duration::from_secs(1)),
            delta: Duration::from_millis(500),
        },
        prevote: votes,
        precommit: votes,
    }
}
