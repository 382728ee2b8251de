//! Proof of identity in the handshake: each end signs a fresh nonce chosen by the
//! other end, bound to both handshakes and to the channel they travel in, with
//! the key behind the `node_id` it announced. A proof cannot be replayed on
//! another connection (the other end's nonce is new each time), moved to the
//! other direction (the signer's role is signed), to another network (both
//! definition hashes are signed) or to another channel (its Noise handshake
//! hash is signed): a relay that opens one channel to each node holds two
//! hashes, so neither node's proof verifies at the other.
//!
//! Pure functions over the two handshakes, so both ends build the same bytes and
//! tests can check every binding on its own.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use timecoin_shared::wire::Handshake;

/// Domain separation: these signatures can never be mistaken for a block's.
const DOMAIN: &[u8] = b"timecoin handshake proof v2";

/// Bytes of randomness in a challenge nonce: enough that one never repeats.
const NONCE_BYTES: usize = 32;

/// Which end of the connection signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The end that opened the connection.
    Dialer,
    /// The end that accepted it.
    Acceptor,
}

/// A fresh challenge for the other end to sign, as hex.
///
/// # Errors
/// When the OS has no randomness to give.
pub fn fresh_nonce() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; NONCE_BYTES];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// What `signer` signs: the domain, its role, and everything both handshakes say
/// that the proof must be bound to (each field length-prefixed, so no two
/// different transcripts share bytes).
fn transcript(signer: Role, dialer: &Handshake, acceptor: &Handshake, channel: &[u8]) -> Vec<u8> {
    let role: &[u8] = match signer {
        Role::Dialer => b"dialer",
        Role::Acceptor => b"acceptor",
    };
    let session = dialer.session.to_be_bytes();
    let parts: [&[u8]; 10] = [
        DOMAIN,
        role,
        channel,
        dialer.network_hash.as_bytes(),
        acceptor.network_hash.as_bytes(),
        &dialer.node_id.0,
        &acceptor.node_id.0,
        &session,
        dialer.nonce.as_bytes(),
        acceptor.nonce.as_bytes(),
    ];
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.len() + 4).sum());
    for part in parts {
        // Every part is far below 4 GiB (the frame cap is 64 KiB before the handshake).
        out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// The hex signature `key` makes as `signer` over the two handshakes and the
/// `channel` (its Noise handshake hash) they were exchanged in.
pub fn prove(
    key: &SigningKey,
    signer: Role,
    dialer: &Handshake,
    acceptor: &Handshake,
    channel: &[u8],
) -> String {
    hex::encode(
        key.sign(&transcript(signer, dialer, acceptor, channel))
            .to_bytes(),
    )
}

/// Whether `signature` proves that the `signer` end holds the key of the node id
/// its handshake announced, on this `channel`.
pub(crate) fn verify(
    signature: &str,
    signer: Role,
    dialer: &Handshake,
    acceptor: &Handshake,
    channel: &[u8],
) -> bool {
    let claimed = match signer {
        Role::Dialer => dialer.node_id,
        Role::Acceptor => acceptor.node_id,
    };
    let Ok(key) = VerifyingKey::from_bytes(&claimed.0) else {
        return false;
    };
    let mut sig = [0u8; 64];
    if hex::decode_to_slice(signature, &mut sig).is_err() {
        return false;
    }
    key.verify(
        &transcript(signer, dialer, acceptor, channel),
        &Signature::from_bytes(&sig),
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use timecoin_shared::wire::{NodeId, PROTOCOL_VERSION};

    use super::*;

    /// A channel's handshake hash.
    const CHANNEL: &[u8] = &[7; 32];

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn hello(key: &SigningKey, session: u64) -> Handshake {
        Handshake {
            network: "net".into(),
            protocol_version: PROTOCOL_VERSION,
            node_id: NodeId(key.verifying_key().to_bytes()),
            listen_port: 1,
            masternode: true,
            best_height: 0,
            software: "test".into(),
            session,
            network_hash: "ab".repeat(32),
            nonce: fresh_nonce().expect("randomness"),
        }
    }

    #[test]
    fn a_proof_verifies_only_where_it_was_made() {
        let (a, b) = (key(1), key(2));
        let (dial, accept) = (hello(&a, 7), hello(&b, 0));
        let proof = prove(&a, Role::Dialer, &dial, &accept, CHANNEL);
        assert!(verify(&proof, Role::Dialer, &dial, &accept, CHANNEL));
        // Not as the other role.
        assert!(!verify(&proof, Role::Acceptor, &dial, &accept, CHANNEL));
        // Not on another connection (a new nonce), session or network.
        let mut other = accept.clone();
        other.nonce = fresh_nonce().expect("randomness");
        assert!(!verify(&proof, Role::Dialer, &dial, &other, CHANNEL));
        let mut later = dial.clone();
        later.session = 8;
        assert!(!verify(&proof, Role::Dialer, &later, &accept, CHANNEL));
        let mut elsewhere = accept.clone();
        elsewhere.network_hash = "cd".repeat(32);
        assert!(!verify(&proof, Role::Dialer, &dial, &elsewhere, CHANNEL));
        // Not in another channel: what a relay between two channels would need.
        assert!(!verify(&proof, Role::Dialer, &dial, &accept, &[8; 32]));
    }

    #[test]
    fn an_impostor_cannot_prove_someone_elses_id() {
        let (victim, impostor, target) = (key(1), key(3), key(2));
        let claimed = hello(&victim, u64::MAX);
        let accept = hello(&target, 0);
        let proof = prove(&impostor, Role::Dialer, &claimed, &accept, CHANNEL);
        assert!(!verify(&proof, Role::Dialer, &claimed, &accept, CHANNEL));
        assert!(!verify("zz", Role::Dialer, &claimed, &accept, CHANNEL));
        let mut not_a_key = claimed;
        not_a_key.node_id = NodeId([0xff; 32]);
        assert!(!verify(&proof, Role::Dialer, &not_a_key, &accept, CHANNEL));
    }
}
