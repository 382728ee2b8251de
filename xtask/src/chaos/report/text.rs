//! The report as a short text table: the run, faults by kind with their time to
//! reconverge, each node's end state and skipped rounds, and the verdicts.

use std::fmt::Write as _;

use super::model::Report;

fn secs(s: Option<f64>) -> String {
    s.map_or_else(|| "-".to_owned(), |s| format!("{s:.1} s"))
}

/// Renders `report` for a terminal or a text file.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "chaos: seed {}, {} nodes, {:.0} s planned, {:.0} s run, {} faults injected: {}",
        report.seed,
        report.nodes,
        report.planned_secs,
        report.ran_secs,
        report.faults_injected,
        if report.pass { "PASS" } else { "FAIL" }
    );
    let _ = writeln!(
        out,
        "\n{:<14} {:>8} {:>8} {:>7} {:>16} {:>14}",
        "fault", "injected", "skipped", "failed", "reconverge med", "reconverge max"
    );
    for k in &report.by_kind {
        let _ = writeln!(
            out,
            "{:<14} {:>8} {:>8} {:>7} {:>16} {:>14}",
            k.kind,
            k.injected,
            k.skipped,
            k.failed,
            secs(k.reconverge.as_ref().map(|s| s.median)),
            secs(k.reconverge.as_ref().map(|s| s.max)),
        );
    }
    let _ = writeln!(
        out,
        "{:<14} {:>8} {:>8} {:>7} {:>16} {:>14}",
        "all",
        report.faults_injected,
        report.by_kind.iter().map(|k| k.skipped).sum::<usize>(),
        report.by_kind.iter().map(|k| k.failed).sum::<usize>(),
        secs(report.reconverge.as_ref().map(|s| s.median)),
        secs(report.reconverge.as_ref().map(|s| s.max)),
    );
    if report.not_reconverged > 0 {
        let _ = writeln!(
            out,
            "heals not followed by a whole fleet within the bound: {}",
            report.not_reconverged
        );
    }
    let _ = writeln!(
        out,
        "\n{:<5} {:>7} {:>7} {:<14} skipped rounds (why)",
        "node", "height", "final", "commit"
    );
    for n in &report.final_state {
        let skipped: Vec<String> = n
            .skipped_rounds
            .iter()
            .map(|(why, count)| format!("{count} ({why})"))
            .collect();
        let _ = writeln!(
            out,
            "{:<5} {:>7} {:>7} {:<14} {}",
            n.name,
            n.height.map_or_else(|| "-".into(), |h| h.to_string()),
            n.final_height.map_or_else(|| "-".into(), |h| h.to_string()),
            n.commit.as_deref().unwrap_or("-"),
            if skipped.is_empty() {
                "0".to_owned()
            } else {
                skipped.join(", ")
            }
        );
    }
    let _ = writeln!(out);
    for v in &report.verdicts {
        let _ = writeln!(out, "{} {}", if v.pass { "pass" } else { "FAIL" }, v.name);
        for e in &v.evidence {
            let _ = writeln!(out, "       {e}");
        }
    }
    for m in &report.minority_blocks {
        let heights: Vec<String> = m.heights.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "finding: n{} made block(s) {} during \"{}\" on a side of {} (quorum {}); \
             issue 21's known defect, reported and not failing the run",
            m.node,
            heights.join(", "),
            m.fault,
            m.side,
            m.quorum
        );
    }
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::report::model::fixture;

    #[test]
    fn the_table_has_a_row_per_kind_per_node_and_per_verdict() {
        let text = render(&Report::build(fixture::record()));
        assert!(
            text.starts_with(
                "chaos: seed 7, 4 nodes, 20 s planned, 22 s run, 3 faults injected: PASS"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\nisolate               2        0       0            2.5 s          3.0 s\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\ndelay                 0        1       0                -              -\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\nn2         26      20 c0ffee         3 (only 2 of 3 masternodes active)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\npass no two final blocks at one height\n       20 heights compared\n")
        );
        assert!(text.ends_with(
            "finding: n3 made block(s) 35, 36 during \"isolate n3\" on a side of 1 (quorum 3); \
             issue 21's known defect, reported and not failing the run\nnote: delay: no netem\n"
        ));
    }
}
