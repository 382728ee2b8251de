//! One simulated validator: its key, its driver, the record it persists, and
//! what it decided.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use timecoin_consensus::{
    CommitCertificate, Driver, Height, Params, Round, SafetyRecord, Step, ValidatorId, ValueId,
};

use super::scenario::Behaviour;

pub(crate) struct Node {
    pub(crate) key: SigningKey,
    pub(crate) id: ValidatorId,
    /// `None` for an honest node.
    pub(crate) behaviour: Option<Behaviour>,
    pub(crate) driver: Driver,
    /// What an honest node persisted before its last signature: all that
    /// survives its crash.
    pub(crate) record: SafetyRecord,
    /// Bumped by a crash, so the timers of the old life never fire.
    pub(crate) epoch: u32,
    pub(crate) up: bool,
    pub(crate) decided: BTreeMap<Height, CommitCertificate>,
    /// The last certificate sent to each peer seen behind: (height, time).
    pub(crate) synced_to: BTreeMap<usize, (Height, u64)>,
    /// Where the node was at its last rebroadcast tick.
    pub(crate) last_tick: Option<(Height, Round, Step)>,
    /// Rounds entered after GST, per height (the liveness bound's measure).
    pub(crate) rounds_after_gst: BTreeMap<Height, u32>,
}

impl Node {
    pub(crate) fn new(key: SigningKey, behaviour: Option<Behaviour>, params: &Params) -> Node {
        let id = ValidatorId(key.verifying_key().to_bytes());
        Node {
            key,
            id,
            behaviour,
            driver: Driver::new(params.clone(), Some(id)),
            record: SafetyRecord::new(Height(1)),
            epoch: 0,
            up: true,
            decided: BTreeMap::new(),
            synced_to: BTreeMap::new(),
            last_tick: None,
            rounds_after_gst: BTreeMap::new(),
        }
    }

    pub(crate) fn honest(&self) -> bool {
        self.behaviour.is_none()
    }

    /// Whether the node takes part at all (a silent liar never does).
    pub(crate) fn active(&self) -> bool {
        self.up && self.behaviour != Some(Behaviour::Silent)
    }

    pub(crate) fn height(&self) -> Height {
        self.driver.state().height
    }

    pub(crate) fn round(&self) -> Round {
        self.driver.state().round
    }
}

/// Whether the engine would find the block `value` names valid: in the
/// simulation, every value whose first byte is not 0xFF.
pub(crate) fn valid(value: &ValueId) -> bool {
    value.0[0] != 0xFF
}

/// A fresh valid value.
pub(crate) fn fresh_value(rng: &mut fastrand::Rng) -> ValueId {
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes);
    bytes[0] = rng.u8(0..0xFF);
    ValueId(bytes)
}
