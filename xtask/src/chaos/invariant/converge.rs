//! Whether the fleet is whole again: every node answers, every pair holds
//! exactly one link that both ends list with opposite directions, and the tip
//! heights agree. Used after each heal (time to reconverge) and after the last
//! one (an invariant with a bound).

use crate::chaos::sample::Sample;

/// Tip heights may differ by this much and still agree: the nodes are polled
/// one after another, and a block can land between two answers.
pub(crate) const HEIGHT_SKEW: u64 = 1;

/// `Ok` when the fleet is whole, else every reason it is not.
///
/// # Errors
/// One line per node down, pair not linked exactly once, or height apart.
pub(crate) fn whole(sample: &Sample, ids: &[String]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    for (i, view) in sample.nodes.iter().enumerate() {
        if view.is_none() {
            problems.push(format!("n{} does not answer", i + 1));
        }
    }
    for i in 0..sample.nodes.len() {
        for j in i + 1..sample.nodes.len() {
            if sample.nodes[i].is_none() || sample.nodes[j].is_none() {
                continue;
            }
            let (ours, theirs) = (sample.links(ids, i, j), sample.links(ids, j, i));
            let pair = format!("n{}-n{}", i + 1, j + 1);
            match (ours.as_slice(), theirs.as_slice()) {
                ([a], [b]) if a.outbound != b.outbound => {}
                ([_], [_]) => {
                    problems.push(format!("{pair}: both ends say they dialed the same way"))
                }
                _ => problems.push(format!(
                    "{pair}: n{} lists {} link(s), n{} lists {}",
                    i + 1,
                    ours.len(),
                    j + 1,
                    theirs.len()
                )),
            }
        }
    }
    let heights: Vec<u64> = sample.nodes.iter().flatten().map(|v| v.height).collect();
    if let (Some(lo), Some(hi)) = (heights.iter().min(), heights.iter().max())
        && hi - lo > HEIGHT_SKEW
    {
        problems.push(format!(
            "heights {lo}..{hi} differ by more than {HEIGHT_SKEW}"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::invariant::fixture::{cut, ids, mesh};

    #[test]
    fn a_full_mesh_at_one_height_is_whole_and_one_block_of_skew_is_allowed() {
        assert_eq!(whole(&mesh(0.0, &[5, 5, 6, 5], &[0; 4]), &ids(4)), Ok(()));
    }

    #[test]
    fn a_missing_link_a_duplicate_a_node_down_and_a_lagging_height_are_each_named() {
        let ids = ids(4);
        let problems = whole(&cut(mesh(0.0, &[5; 4], &[0; 4]), 0, 1), &ids).unwrap_err();
        assert_eq!(problems, vec!["n1-n2: n1 lists 0 link(s), n2 lists 0"]);

        let mut twice = mesh(0.0, &[5; 4], &[0; 4]);
        let extra = twice.nodes[2].as_ref().expect("up").links[0].clone();
        twice.nodes[2].as_mut().expect("up").links.push(extra);
        assert_eq!(
            whole(&twice, &ids).unwrap_err(),
            vec!["n1-n3: n1 lists 1 link(s), n3 lists 2"]
        );

        let mut down = mesh(0.0, &[5, 9, 5, 5], &[0; 4]);
        down.nodes[3] = None;
        let problems = whole(&down, &ids).unwrap_err();
        assert_eq!(
            problems,
            vec!["n4 does not answer", "heights 5..9 differ by more than 1"]
        );
    }

    #[test]
    fn two_ends_that_both_claim_to_have_dialed_disagree() {
        let mut s = mesh(0.0, &[5; 4], &[0; 4]);
        for l in &mut s.nodes[1].as_mut().expect("up").links {
            l.outbound = true;
        }
        let problems = whole(&s, &ids(4)).unwrap_err();
        assert!(problems.contains(&"n1-n2: both ends say they dialed the same way".to_owned()));
    }
}
