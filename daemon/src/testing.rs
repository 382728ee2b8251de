//! The seams `timed`'s integration tests drive below the binary: the P2P layer
//! started in-process, the chain on an in-memory bus, the connection manager,
//! the wire codec and the handshake's proofs, and the limits tests bound their
//! expectations by. Compiled only with the `testing` feature, which only the
//! crate's own tests enable; nothing here is part of the daemon's interface.

pub use crate::constants::PRE_HANDSHAKE_FRAME_CAP;
pub use crate::definition::Definition;

/// The chain: blocks, the store, sync ticks, and the limits a test waits on.
pub mod chain {
    pub use crate::chain::block::{Block, unix_millis};
    pub use crate::chain::certified::{Certified, Certifier};
    pub use crate::chain::decided::skip_message;
    pub use crate::chain::hash::Hash32;
    pub use crate::chain::limits::SYNC_BATCH_BLOCKS;
    pub use crate::chain::tx::{Tx, TxList};
    pub use crate::chain::{Chain, ChainConfig, Gossip, Schedule, Store, TxStatus, run_ticks};
}

/// The messages peers exchange.
pub mod wire {
    use timecoin_consensus::{Height, Round, ValueId, Vote, VoteKind};

    pub use crate::consensus::messages::ConsensusMessage;
    use crate::consensus::params::certifier;
    use crate::definition::Definition;
    use crate::identity::Identity;
    pub use crate::wire::Message;

    /// What a masternode of two minds sends: two prevotes signed with `key`
    /// at `height`, round 0, for two different values, on the network of
    /// `definition`. `None` for a definition without masternodes.
    pub fn conflicting_prevotes(
        key: &Identity,
        definition: &Definition,
        height: u64,
    ) -> Option<[Message; 2]> {
        let network = certifier(definition)?.definition;
        let validator = crate::chain::certified::validator_id(&key.node_id());
        Some([ValueId([1; 32]), ValueId([2; 32])].map(|value| {
            let vote = Vote {
                kind: VoteKind::Prevote,
                height: Height(height),
                round: Round(0),
                value: Some(value),
                validator,
            }
            .sign(key.signing_key(), &network);
            Message::from(ConsensusMessage::Vote { vote })
        }))
    }
}

/// The P2P layer: started in-process over any transport, its connection
/// manager alone, and what a hand-written peer needs to speak the protocol.
pub mod net {
    pub use crate::net::codec::MessageCodec;
    pub use crate::net::event::PeerSnapshot;
    pub use crate::net::inbox::{Inbox, Lanes};
    pub use crate::net::manager::{Candidate, Closer, Manager, Registration};
    pub use crate::net::outbox::Outbox;
    pub use crate::net::transport::{Dialer, Listener};
    pub use crate::net::{NetEvent, NetSettings, Network, TcpAcceptor, TcpDialer, start};

    /// The channel every connection runs in: what a hand-written peer opens
    /// first, before any frame.
    pub mod channel {
        use tokio_util::codec::Framed;

        pub use crate::net::channel::{ChannelError, Secure, accept, dial};
        use crate::net::codec::MessageCodec;
        use crate::net::transport::Stream;

        /// Opens a channel to a node over `stream` and frames it: how every
        /// hand-written peer starts, before its first frame.
        ///
        /// # Errors
        /// The node's answer is not the other half of a Noise opening.
        pub async fn connect<S: Stream>(
            stream: S,
        ) -> Result<Framed<Secure<S>, MessageCodec>, ChannelError> {
            Ok(Framed::new(dial(stream).await?, MessageCodec::default()))
        }
    }

    /// The handshake's proof of identity, for a peer that lies about who it is.
    pub mod auth {
        pub use crate::net::auth::{Role, fresh_nonce, prove};
    }
}
