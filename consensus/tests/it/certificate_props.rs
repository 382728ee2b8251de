//! Property tests of commit certificates: whatever verifies is a quorum of
//! distinct validators' valid precommits for one value, and tampering with any
//! field of a good certificate makes it fail.

use std::collections::BTreeSet;

use proptest::prelude::*;
use timecoin_consensus::{CommitCertificate, Height, Round, SignedVote, VoteKind, verify};

use crate::support::{Net, value};

const HEIGHT: u64 = 9;
const ROUND: u32 = 2;

/// One precommit of a made-up certificate: signer (past `n` a stranger),
/// whether its height, round, value or kind is off, and whether its signature
/// is damaged.
type Entry = (usize, [bool; 4], bool);

fn entry() -> impl Strategy<Value = Entry> {
    (
        0..12usize,
        proptest::array::uniform4(proptest::bool::weighted(0.1)),
        proptest::bool::weighted(0.1),
    )
}

fn precommit(everyone: &Net, (signer, off, damaged): Entry) -> SignedVote {
    let kind = if off[3] {
        VoteKind::Prevote
    } else {
        VoteKind::Precommit
    };
    let v = value(if off[2] { 2 } else { 1 });
    let mut signed = everyone.signed_vote(
        signer,
        kind,
        HEIGHT + u64::from(off[0]),
        ROUND + u32::from(off[1]),
        Some(v),
    );
    if damaged {
        signed.signature.0[7] ^= 0x20;
    }
    signed
}

/// A good certificate signed by validators `signers` of `net`.
fn good(net: &Net, signers: &[usize]) -> CommitCertificate {
    CommitCertificate {
        height: Height(HEIGHT),
        round: Round(ROUND),
        value: value(1),
        precommits: signers
            .iter()
            .map(|i| net.signed_vote(*i, VoteKind::Precommit, HEIGHT, ROUND, Some(value(1))))
            .collect(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any certificate that verifies has more than two thirds of the
    /// validators as distinct signers, each a valid precommit for exactly its
    /// height, round and value.
    #[test]
    fn what_verifies_is_a_quorum_for_one_value(
        n in 1usize..8,
        entries in proptest::collection::vec(entry(), 0..10),
    ) {
        let everyone = Net::new(12);
        let net = Net::new(n);
        let cert = CommitCertificate {
            height: Height(HEIGHT),
            round: Round(ROUND),
            value: value(1),
            precommits: entries.into_iter().map(|e| precommit(&everyone, e)).collect(),
        };
        if verify(&cert, &net.set, &net.def).is_ok() {
            let signers: BTreeSet<_> = cert.precommits.iter().map(|p| p.vote.validator).collect();
            prop_assert_eq!(signers.len(), cert.precommits.len());
            prop_assert!(3 * signers.len() > 2 * n);
            for p in &cert.precommits {
                prop_assert!(net.set.contains(&p.vote.validator));
                prop_assert_eq!(p.vote.kind, VoteKind::Precommit);
                prop_assert_eq!((p.vote.height, p.vote.round), (cert.height, cert.round));
                prop_assert_eq!(p.vote.value, Some(cert.value));
                prop_assert!(p.verify(&net.set, &net.def).is_ok());
            }
        }
    }

    /// A certificate of exactly a quorum verifies, through JSON too; changing
    /// any one field of it, or of one of its precommits, makes it fail.
    #[test]
    fn tampering_with_any_field_fails(
        n in 1usize..8,
        which in 0usize..1000,
        tamper in 0u8..11,
    ) {
        let net = Net::new(n);
        let quorum = net.set.quorum();
        let signers: Vec<usize> = (0..n).map(|i| (i + which) % n).take(quorum).collect();
        let cert = good(&net, &signers);
        prop_assert_eq!(verify(&cert, &net.set, &net.def), Ok(()));
        let json = serde_json::to_string(&cert).expect("serialises");
        let back: CommitCertificate = serde_json::from_str(&json).expect("parses");
        prop_assert_eq!(verify(&back, &net.set, &net.def), Ok(()));

        let mut bad = cert.clone();
        let i = which % bad.precommits.len();
        let stranger = Net::new(n + 1);
        match tamper {
            0 => bad.height = Height(HEIGHT + 1),
            1 => bad.round = Round(ROUND + 1),
            2 => bad.value = value(2),
            3 => bad.precommits[i].vote.height = Height(HEIGHT - 1),
            4 => bad.precommits[i].vote.round = Round(ROUND - 1),
            5 => bad.precommits[i].vote.value = None,
            6 => bad.precommits[i].vote.kind = VoteKind::Prevote,
            7 => bad.precommits[i].signature.0[which % 64] ^= 1,
            8 => {
                let again = bad.precommits[i];
                bad.precommits.push(again);
            }
            9 => {
                bad.precommits.remove(i);
            }
            _ => {
                // A stranger's precommit, signed with its own key.
                bad.precommits[i] =
                    stranger.signed_vote(n, VoteKind::Precommit, HEIGHT, ROUND, Some(value(1)));
            }
        }
        prop_assert!(verify(&bad, &net.set, &net.def).is_err(), "tamper {} verified", tamper);
    }
}

#[test]
fn each_fault_has_its_own_error() {
    use timecoin_consensus::CertError;
    let net = Net::new(4);
    let cert = good(&net, &[0, 1, 2]);
    let ids = &net.ids;
    let mut short = cert.clone();
    short.precommits.pop();
    assert_eq!(
        verify(&short, &net.set, &net.def),
        Err(CertError::TooFewSigners { got: 2, need: 3 })
    );
    let mut twice = cert.clone();
    twice.precommits[2] = twice.precommits[0];
    assert_eq!(
        verify(&twice, &net.set, &net.def),
        Err(CertError::DuplicateSigner(ids[0]))
    );
    let mut wrong_value = cert.clone();
    wrong_value.precommits[1].vote.value = Some(value(3));
    assert_eq!(
        verify(&wrong_value, &net.set, &net.def),
        Err(CertError::WrongValue(ids[1]))
    );
    let mut forged = cert.clone();
    forged.precommits[2].signature.0[0] ^= 1;
    assert_eq!(
        verify(&forged, &net.set, &net.def),
        Err(CertError::BadSignature(ids[2]))
    );
    let other_network = timecoin_consensus::DefinitionHash([1; 32]);
    assert!(matches!(
        verify(&cert, &net.set, &other_network),
        Err(CertError::BadSignature(_))
    ));
}
