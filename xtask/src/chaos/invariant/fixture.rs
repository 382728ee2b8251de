//! Samples written by hand for the checker's tests: a meshed fleet, a cut link,
//! a node down, a node's final blocks.

use crate::chaos::sample::{Link, NodeView, Sample};

/// Node ids `id1..idN`.
pub(crate) fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("id{i}")).collect()
}

/// A node at `height` holding `finals` as final blocks, with no links.
pub(crate) fn view(height: u64, finals: &[(u64, &str)]) -> Option<NodeView> {
    Some(NodeView {
        height,
        final_height: finals.iter().map(|(h, _)| *h).max().unwrap_or(0),
        commit: "c0ffee".into(),
        active_masternodes: 1,
        links: Vec::new(),
        final_blocks: finals.iter().map(|(h, b)| (*h, (*b).to_owned())).collect(),
    })
}

pub(crate) fn sample(at: f64, nodes: Vec<Option<NodeView>>) -> Sample {
    Sample { at, nodes }
}

/// Every node up at `heights[i]` with final height `finals[i]`, one link per
/// pair dialed by the lower-numbered node.
pub(crate) fn mesh(at: f64, heights: &[u64], finals: &[u64]) -> Sample {
    let ids = ids(heights.len());
    let nodes = (0..heights.len())
        .map(|i| {
            let mut v = view(heights[i], &[]).expect("a view");
            v.final_height = finals[i];
            v.links = (0..heights.len())
                .filter(|j| *j != i)
                .map(|j| Link {
                    peer: ids[j].clone(),
                    outbound: i < j,
                })
                .collect();
            v.active_masternodes = heights.len();
            Some(v)
        })
        .collect();
    Sample { at, nodes }
}

/// `s` with the link between nodes `i` and `j` (0-based) gone from both ends.
pub(crate) fn cut(mut s: Sample, i: usize, j: usize) -> Sample {
    let ids = ids(s.nodes.len());
    for (a, b) in [(i, j), (j, i)] {
        if let Some(v) = &mut s.nodes[a] {
            v.links.retain(|l| l.peer != ids[b]);
        }
    }
    s
}
