//! The driver as the engine sees it: messages in, outputs out.

use timecoin_consensus::{
    Driver, Height, Input, Output, Params, Relay, Round, SafetyRecord, TimeoutConfig, ValidatorId,
    Vote, VoteKind, verify,
};

use crate::support::{Net, value};

fn driver(net: &Net, me: Option<ValidatorId>) -> Driver {
    let params = Params {
        validators: net.set.clone(),
        definition: net.def,
        timeouts: TimeoutConfig::default(),
    };
    Driver::new(params, me)
}

/// A validator that does not propose at height 1, round 0 (keys order index).
fn non_proposer(net: &Net) -> usize {
    let proposer = net.index(&net.set.proposer(Height(1), Round(0)));
    (proposer + 1) % net.ids.len()
}

fn votes(outputs: &[Output]) -> Vec<Vote> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Vote(v) => Some(*v),
            _ => None,
        })
        .collect()
}

#[test]
fn a_proposal_and_quorums_lead_to_a_verified_decision() {
    let net = Net::new(4);
    let me = non_proposer(&net);
    let mut d = driver(&net, Some(net.ids[me]));
    let start = d.start_height(Height(1));
    assert!(
        start
            .iter()
            .any(|o| matches!(o, Output::ScheduleTimeout { .. }))
    );
    let v = value(7);
    let out = d.process(Input::Proposal {
        proposal: net.proposal(1, 0, v, None),
        valid: true,
    });
    assert_eq!(
        votes(&out)
            .iter()
            .map(|x| (x.kind, x.value))
            .collect::<Vec<_>>(),
        [(VoteKind::Prevote, Some(v))]
    );
    let mut precommitted = Vec::new();
    for i in 0..4 {
        let out = d.process(Input::Vote(net.vote(i, VoteKind::Prevote, 1, 0, Some(v))));
        precommitted.extend(votes(&out));
    }
    assert_eq!(
        precommitted.len(),
        1,
        "one precommit, once the polka formed"
    );
    assert_eq!(d.state().locked.map(|l| l.value), Some(v));
    let mut decided = Vec::new();
    for i in 0..4 {
        let out = d.process(Input::Vote(net.vote(i, VoteKind::Precommit, 1, 0, Some(v))));
        decided.extend(out.into_iter().filter_map(|o| match o {
            Output::Decide(cert) => Some(cert),
            _ => None,
        }));
    }
    assert_eq!(decided.len(), 1, "decided once");
    let cert = &decided[0];
    assert_eq!((cert.height, cert.value), (Height(1), v));
    assert_eq!(verify(cert, &net.set, &net.def), Ok(()));
}

#[test]
fn two_proposals_from_one_proposer_are_evidence_once() {
    let net = Net::new(4);
    let mut d = driver(&net, Some(net.ids[non_proposer(&net)]));
    d.start_height(Height(1));
    let evidence = |out: Vec<Output>| {
        out.iter()
            .filter(|o| matches!(o, Output::Evidence(_)))
            .count()
    };
    let first = net.proposal(1, 0, value(1), None);
    assert_eq!(
        evidence(d.process(Input::Proposal {
            proposal: first,
            valid: true
        })),
        0
    );
    assert_eq!(
        evidence(d.process(Input::Proposal {
            proposal: first,
            valid: true
        })),
        0
    );
    let second = net.proposal(1, 0, value(2), None);
    assert_eq!(
        evidence(d.process(Input::Proposal {
            proposal: second,
            valid: true
        })),
        1
    );
    let third = net.proposal(1, 0, value(3), None);
    assert_eq!(
        evidence(d.process(Input::Proposal {
            proposal: third,
            valid: true
        })),
        0
    );
}

#[test]
fn a_node_outside_the_set_follows_without_voting() {
    let net = Net::new(4);
    let stranger = Net::new(5).ids[4];
    let mut d = driver(&net, Some(stranger));
    let mut out = d.start_height(Height(1));
    out.extend(d.process(Input::Proposal {
        proposal: net.proposal(1, 0, value(1), None),
        valid: true,
    }));
    assert!(votes(&out).is_empty());
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::Propose(_) | Output::GetValue { .. }))
    );
}

/// A node locked after a polka restarts from its record: it sends its vote
/// again, still holds the polka, relays it, and re-proposes its value with
/// that proof of lock when its turn comes.
#[test]
fn a_restarted_node_keeps_its_lock_and_its_proof() {
    let net = Net::new(4);
    let me = non_proposer(&net);
    let mut d = driver(&net, Some(net.ids[me]));
    d.start_height(Height(1));
    let v = value(9);
    let mut record = SafetyRecord::new(Height(1));
    let mut feed = |d: &mut Driver, input| {
        for vote in votes(&d.process(input)) {
            record = record.with_vote(&vote, d);
        }
    };
    feed(
        &mut d,
        Input::Proposal {
            proposal: net.proposal(1, 0, v, None),
            valid: true,
        },
    );
    for i in 0..3 {
        feed(
            &mut d,
            Input::Vote(net.vote(i, VoteKind::Prevote, 1, 0, Some(v))),
        );
    }
    assert_eq!(record.precommit.map(|p| p.value), Some(Some(v)));
    assert_eq!(record.proof.len(), 3);

    let mut restarted = driver(&net, Some(net.ids[me]));
    let out = restarted.resume(&record);
    assert_eq!(
        votes(&out),
        [record.prevote.unwrap(), record.precommit.unwrap()]
    );
    assert_eq!(restarted.state().locked, record.locked);
    let relayed_polka = restarted
        .rebroadcast()
        .iter()
        .filter(|r| {
            matches!(r, Relay::Vote(x) if x.get().vote.round == Round(0)
            && x.get().vote.kind == VoteKind::Prevote)
        })
        .count();
    assert_eq!(relayed_polka, 3);

    // Rounds pass with nil precommits until this node proposes: it offers v again.
    let turn = (1..4u32)
        .find(|r| net.set.proposer(Height(1), Round(*r)) == net.ids[me])
        .expect("every validator proposes within N rounds");
    let mut proposed = Vec::new();
    for round in 0..turn {
        for i in (0..4).filter(|i| *i != me) {
            let out = restarted.process(Input::Vote(net.vote(
                i,
                VoteKind::Precommit,
                1,
                round,
                None,
            )));
            proposed.extend(out);
        }
        let timeout = timecoin_consensus::Timeout {
            kind: timecoin_consensus::TimeoutKind::Precommit,
            height: Height(1),
            round: Round(round),
        };
        proposed.extend(restarted.process(Input::Timeout(timeout)));
    }
    let proposal = proposed.iter().find_map(|o| match o {
        Output::Propose(p) => Some(*p),
        _ => None,
    });
    let proposal = proposal.expect("it proposes in its round");
    assert_eq!(
        (proposal.round, proposal.value, proposal.pol_round),
        (Round(turn), v, Some(Round(0)))
    );
}
