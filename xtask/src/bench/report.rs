//! `docs/PERFORMANCE.md` from a run: the machine, each benchmark's commands
//! with their wall time and load, each figure's median and spread beside its
//! goal, and the goals at a glance. Pure: the run hands in what it measured.
//!
//! Everything from the [`NOTES_HEADING`] on is kept from the previous report:
//! that is where people write what a profile says about a missed goal.

use std::fmt::Write as _;

use super::figures::Figure;
use super::goals::{GOALS, Verdict, for_figure};

/// The heading above the hand-written part, which regeneration keeps.
pub(crate) const NOTES_HEADING: &str = "## Notes";

/// One invocation of a benchmark, as it went.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub(crate) command: String,
    pub(crate) wall_secs: f64,
    /// `None` when it exited 0; else how it ended.
    pub(crate) failure: Option<String>,
    pub(crate) load_before: String,
    pub(crate) load_after: String,
}

/// One benchmark's invocations and the figures they recorded.
#[derive(Debug)]
pub(crate) struct BenchRun {
    pub(crate) name: &'static str,
    pub(crate) about: &'static str,
    pub(crate) invocations: Vec<Invocation>,
    pub(crate) figures: Vec<Figure>,
}

/// The report. `machine` holds (what, value) rows; `notes` is the kept
/// hand-written part, starting at its heading (empty for a first report).
pub(crate) fn render(machine: &[(String, String)], runs: &[BenchRun], notes: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench` from the figures the benchmarks recorded; \
         edit only the notes at the end (regeneration keeps them).\n"
    );
    let _ = writeln!(out, "## Machine\n");
    for (what, value) in machine {
        let _ = writeln!(out, "- {what}: {value}");
    }
    let _ = writeln!(out, "\n## Goals\n");
    let _ = writeln!(out, "| figure | goal | measured | verdict | from |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    for goal in GOALS {
        let measured = runs
            .iter()
            .flat_map(|r| &r.figures)
            .find(|f| f.figure == goal.figure);
        let (value, verdict) = match measured.and_then(|f| Some((f, f.summary()?))) {
            Some((figure, summary)) => {
                let (value, verdict) = goal.judge(&summary);
                let verdict = match verdict {
                    Verdict::Met => "met",
                    Verdict::Missed => "**missed**",
                };
                (format!("{} {}", number(value), figure.unit), verdict)
            }
            None => ("—".to_owned(), "not measured"),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {value} | {verdict} | {} |",
            goal.figure,
            goal.describe(),
            goal.source
        );
    }
    for run in runs {
        let _ = writeln!(out, "\n## {}\n\n{}.\n", run.name, capitalise(run.about));
        for inv in &run.invocations {
            let ended = inv
                .failure
                .as_deref()
                .map_or_else(|| "ok".to_owned(), |why| format!("**failed**: {why}"));
            let _ = writeln!(
                out,
                "- `{}`: {ended}, {:.1} s; load average before {}, after {}",
                inv.command, inv.wall_secs, inv.load_before, inv.load_after
            );
        }
        if run.figures.is_empty() {
            let _ = writeln!(out, "\nNo figures recorded.");
            continue;
        }
        let _ = writeln!(out, "\n| figure | unit | n | median | min | max | goal |");
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for figure in &run.figures {
            let goal = for_figure(&figure.figure).map_or_else(|| "—".to_owned(), |g| g.describe());
            match figure.summary() {
                Some(s) => {
                    let _ = writeln!(
                        out,
                        "| `{}` | {} | {} | {} | {} | {} | {goal} |",
                        figure.figure,
                        figure.unit,
                        s.count,
                        number(s.median),
                        number(s.min),
                        number(s.max)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| `{}` | {} | 0 | — | — | — | {goal} |",
                        figure.figure, figure.unit
                    );
                }
            }
        }
    }
    let _ = writeln!(out);
    if notes.is_empty() {
        let _ = writeln!(
            out,
            "{NOTES_HEADING}\n\nWhat the profiles say about each missed goal goes here."
        );
    } else {
        out.push_str(notes.trim_end());
        out.push('\n');
    }
    out
}

/// The hand-written part of a previous report: from its notes heading on.
pub(crate) fn kept_notes(previous: &str) -> &str {
    previous
        .match_indices(NOTES_HEADING)
        .find(|(at, _)| *at == 0 || previous[..*at].ends_with('\n'))
        .map_or("", |(at, _)| &previous[at..])
}

/// Three significant figures at most, no exponent.
fn number(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 || a == 0.0 => format!("{v:.0}"),
        a if a >= 10.0 => format!("{v:.1}"),
        a if a >= 1.0 => format!("{v:.2}"),
        _ => format!("{v:.3}"),
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(figures: Vec<Figure>) -> BenchRun {
        BenchRun {
            name: "mesh",
            about: "time to a full mesh",
            invocations: vec![Invocation {
                command: "mesh_bench --sizes 64".into(),
                wall_secs: 12.34,
                failure: None,
                load_before: "1.00".into(),
                load_after: "2.00".into(),
            }],
            figures,
        }
    }

    fn mesh64(samples: &[f64]) -> Figure {
        Figure {
            figure: "mesh.full_mesh.n64".into(),
            unit: "ms".into(),
            samples: samples.to_vec(),
        }
    }

    #[test]
    fn a_goal_is_marked_from_the_measured_figure() {
        let met = render(&[], &[run(vec![mesh64(&[900.0, 950.0, 2000.0])])], "");
        assert!(
            met.contains("| `mesh.full_mesh.n64` | median ≤ 1000 | 950 ms | met |"),
            "{met}"
        );
        let missed = render(&[], &[run(vec![mesh64(&[1500.0])])], "");
        assert!(missed.contains("| 1500 ms | **missed** |"), "{missed}");
        assert!(missed.contains("| `status.cold.n100` | median ≤ 3000 | — | not measured |"));
    }

    #[test]
    fn a_failed_invocation_and_a_benchmark_without_figures_say_so() {
        let mut failed = run(vec![]);
        failed.invocations[0].failure = Some("exit status: 1".into());
        let text = render(&[("cores".into(), "2".into())], &[failed], "");
        assert!(text.contains("- cores: 2"));
        assert!(text.contains("`mesh_bench --sizes 64`: **failed**: exit status: 1, 12.3 s"));
        assert!(text.contains("No figures recorded."));
    }

    #[test]
    fn the_notes_survive_regeneration_and_nothing_before_them_does() {
        let first = render(&[], &[run(vec![mesh64(&[900.0])])], "");
        let edited = first.replace(
            "What the profiles say about each missed goal goes here.",
            "The mesh waits on handshakes: perf shows 60 % in ed25519.",
        );
        let notes = kept_notes(&edited);
        assert!(
            notes.starts_with(NOTES_HEADING) && notes.contains("ed25519"),
            "{notes}"
        );
        let second = render(&[], &[run(vec![mesh64(&[1100.0])])], notes);
        assert!(second.contains("ed25519") && second.contains("1100 ms"));
        assert!(!second.contains("| 900 ms |"));
        assert_eq!(kept_notes("# Performance\nno notes here\n"), "");
    }
}
