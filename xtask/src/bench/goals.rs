//! Each figure's goal, from the issue that set it, and whether a measure
//! meets it. Figures without a goal are reported as measured.

use super::figures::Summary;

/// Which of a figure's values a goal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stat {
    Median,
    /// The worst repetition: for bounds that must hold every time.
    Max,
}

/// The side of the bound a figure must stay on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound {
    AtMost(f64),
    AtLeast(f64),
}

#[derive(Debug)]
pub(crate) struct Goal {
    /// The figure's recorded name.
    pub(crate) figure: &'static str,
    pub(crate) stat: Stat,
    pub(crate) bound: Bound,
    /// The issue that set it, and its words.
    pub(crate) source: &'static str,
}

/// Whether a measured figure meets its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Met,
    Missed,
}

pub(crate) const GOALS: &[Goal] = &[
    Goal {
        figure: "mesh.full_mesh.n64",
        stat: Stat::Median,
        bound: Bound::AtMost(1000.0),
        source: "issue 26 item 3: a mesh of 64 nodes under 1 s",
    },
    Goal {
        figure: "rpc.siege.health",
        stat: Stat::Max,
        bound: Bound::AtMost(1000.0),
        source: "issue 22 item 4: /health answers in under 1 s under a siege of 2000 connections",
    },
    Goal {
        figure: "rpc.siege.unanswered",
        stat: Stat::Max,
        bound: Bound::AtMost(0.0),
        source: "issue 22 item 4: /health answers under siege",
    },
    Goal {
        figure: "memory.squatters.masternode_link",
        stat: Stat::Max,
        bound: Bound::AtMost(5.0),
        source: "issue 22 item 3: a restarted masternode links within 5 s while strangers hold every slot",
    },
    Goal {
        figure: "status.cold.n100",
        stat: Stat::Median,
        bound: Bound::AtMost(3000.0),
        source: "issue 26 item 2: status over SSH to 100 nodes, cold, under 3 s",
    },
    Goal {
        figure: "status.warm.n100",
        stat: Stat::Median,
        bound: Bound::AtMost(300.0),
        source: "issue 26 item 2: status over SSH to 100 nodes, warm, under 300 ms",
    },
    Goal {
        figure: "check.overrun.devnet.n64",
        stat: Stat::Max,
        bound: Bound::AtMost(2000.0),
        source: "issue 26 item 2: check --window 60s on 64 nodes finishes within the window plus 2 s",
    },
    Goal {
        figure: "check.overrun.ssh.n100",
        stat: Stat::Max,
        bound: Bound::AtMost(2000.0),
        source: "issue 26 item 2: check --window 60s over SSH to 100 nodes finishes within the window plus 2 s",
    },
    Goal {
        figure: "deploy.speedup_vs_ansible",
        stat: Stat::Median,
        bound: Bound::AtLeast(3.0),
        source: "issue 26 item 2: a no-op deploy of 4 nodes at least 3x faster than Ansible",
    },
    Goal {
        figure: "deploy.overhead",
        stat: Stat::Median,
        bound: Bound::AtMost(1000.0),
        source: "issue 26 item 2: timectl's overhead beyond the commands and the gates under 1 s",
    },
    Goal {
        figure: "deploy.build_on.n64",
        stat: Stat::Median,
        bound: Bound::AtMost(60000.0),
        source: "issue 26 item 2: a no-op deploy --build-on to 64 nodes under 60 s",
    },
    Goal {
        figure: "dashboard.frame.n100",
        stat: Stat::Max,
        bound: Bound::AtMost(5.0),
        source: "issue 26 item 2: a frame of the dashboard at 100 nodes under 5 ms",
    },
    Goal {
        figure: "dashboard.idle_cpu",
        stat: Stat::Median,
        bound: Bound::AtMost(1.0),
        source: "issue 11: the dashboard idle under 1 % of a core",
    },
    Goal {
        figure: "dashboard.flood_cpu",
        stat: Stat::Median,
        bound: Bound::AtMost(10.0),
        source: "issue 11: the dashboard under a log flood under 10 % of a core",
    },
    Goal {
        figure: "dashboard.rss",
        stat: Stat::Max,
        bound: Bound::AtMost(64.0),
        source: "issue 26 item 2: the dashboard's memory under 64 MiB",
    },
    Goal {
        figure: "classifier.cpu_vs_grep",
        stat: Stat::Median,
        bound: Bound::AtMost(1.0),
        source: "issue 26 item 1: the classifier at least as fast as C-locale grep -ciE, in CPU time",
    },
];

/// The goal set for a figure, if any.
pub(crate) fn for_figure(figure: &str) -> Option<&'static Goal> {
    GOALS.iter().find(|g| g.figure == figure)
}

impl Goal {
    /// The value the goal looks at, and whether it meets the bound.
    pub(crate) fn judge(&self, summary: &Summary) -> (f64, Verdict) {
        let value = match self.stat {
            Stat::Median => summary.median,
            Stat::Max => summary.max,
        };
        let met = match self.bound {
            Bound::AtMost(limit) => value <= limit,
            Bound::AtLeast(floor) => value >= floor,
        };
        (value, if met { Verdict::Met } else { Verdict::Missed })
    }

    /// The goal as the report shows it: `median <= 1000`.
    pub(crate) fn describe(&self) -> String {
        let stat = match self.stat {
            Stat::Median => "median",
            Stat::Max => "worst",
        };
        match self.bound {
            Bound::AtMost(v) => format!("{stat} ≤ {v}"),
            Bound::AtLeast(v) => format!("{stat} ≥ {v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(median: f64, max: f64) -> Summary {
        Summary {
            median,
            min: median,
            max,
            count: 3,
        }
    }

    #[test]
    fn a_bound_is_met_at_its_edge_and_missed_beyond_it() {
        let at_most = for_figure("mesh.full_mesh.n64").unwrap();
        assert_eq!(
            at_most.judge(&summary(1000.0, 5000.0)),
            (1000.0, Verdict::Met)
        );
        assert_eq!(at_most.judge(&summary(1000.5, 1000.5)).1, Verdict::Missed);
        let at_least = for_figure("deploy.speedup_vs_ansible").unwrap();
        assert_eq!(at_least.judge(&summary(3.0, 3.0)).1, Verdict::Met);
        assert_eq!(at_least.judge(&summary(2.9, 9.0)).1, Verdict::Missed);
    }

    #[test]
    fn a_worst_case_goal_looks_at_the_worst_repetition() {
        let siege = for_figure("rpc.siege.health").unwrap();
        assert_eq!(
            siege.judge(&summary(10.0, 1200.0)),
            (1200.0, Verdict::Missed)
        );
    }

    #[test]
    fn every_figure_has_at_most_one_goal() {
        for goal in GOALS {
            assert_eq!(GOALS.iter().filter(|g| g.figure == goal.figure).count(), 1);
        }
    }
}
