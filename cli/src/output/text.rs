//! The checklist for a terminal: one line per item with a glyph and a word, so
//! the status reads without colour, the evidence indented beneath. Colour is
//! added only when the caller says so (it decides from the terminal and
//! `NO_COLOR`).

use std::io::{self, Write};

use anstyle::Style;
use timecoin_shared::checklist::{Report, Status};

use crate::table::theme;

/// How to draw the checklist.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TextOptions {
    /// Wrap glyphs and words in ANSI colours.
    pub color: bool,
    /// Show the evidence of passing items too (it is always shown for the rest).
    pub all_evidence: bool,
}

/// The glyph and upper-case word of a status.
pub(crate) fn badge(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("✓", "PASS"),
        Status::Warn => ("!", "WARN"),
        Status::Fail => ("✗", "FAIL"),
        Status::Unknown => ("?", "UNKNOWN"),
        Status::NotApplicable => ("-", "N/A"),
    }
}

/// The colour of a status.
pub(crate) fn style(status: Status) -> Style {
    match status {
        Status::Pass => theme::GOOD,
        Status::Warn => theme::WARN,
        Status::Fail => theme::BAD,
        Status::Unknown | Status::NotApplicable => theme::DIM,
    }
}

/// Writes the checklist, then a verdict line with the counts per status.
///
/// # Errors
/// Writing to `out` failed.
pub(crate) fn write(report: &Report, options: TextOptions, out: &mut impl Write) -> io::Result<()> {
    let paint = |status: Status| {
        let (glyph, word) = badge(status);
        let text = format!("{glyph} {word:<7}");
        if options.color {
            let s = style(status);
            format!("{s}{text}{s:#}")
        } else {
            text
        }
    };
    for item in &report.items {
        writeln!(out, "{}  {}", paint(item.status), item.title)?;
        if options.all_evidence || item.status != Status::Pass {
            for line in &item.evidence {
                writeln!(out, "           {line}")?;
            }
        }
    }
    let count = |s: Status| report.items.iter().filter(|i| i.status == s).count();
    let mut counts: Vec<String> = [Status::Pass, Status::Warn, Status::Fail, Status::Unknown]
        .into_iter()
        .map(|s| format!("{} {}", count(s), s.as_str()))
        .collect();
    // Only fleets with a daemon API that cannot support an item have these.
    let inapplicable = count(Status::NotApplicable);
    if inapplicable > 0 {
        counts.push(format!("{inapplicable} {}", Status::NotApplicable.as_str()));
    }
    writeln!(
        out,
        "\n{}  verdict ({})",
        paint(report.verdict),
        counts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::checklist::ItemVerdict;

    fn report() -> Report {
        let item = |id: &str, status, evidence: &[&str]| ItemVerdict {
            id: id.into(),
            title: format!("Title of {id}"),
            status,
            evidence: evidence.iter().map(|e| e.to_string()).collect(),
            nodes: vec![],
        };
        Report::new(vec![
            item("a", Status::Pass, &["n0: fine"]),
            item(
                "b",
                Status::Fail,
                &["n1: 3 resets", "n1 log: reset by peer"],
            ),
            item("c", Status::Unknown, &["n2: journal unreadable"]),
            item(
                "d",
                Status::NotApplicable,
                &["n3: connect_failed not judged: logged at debug level only"],
            ),
        ])
    }

    fn render(options: TextOptions) -> String {
        let mut out = Vec::new();
        write(&report(), options, &mut out).expect("write to memory");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn every_status_has_a_glyph_and_a_word_without_colour() {
        let text = render(TextOptions::default());
        assert!(!text.contains('\x1b'), "{text}");
        assert!(text.contains("✓ PASS     Title of a"), "{text}");
        assert!(
            text.contains(
                "✗ FAIL     Title of b\n           n1: 3 resets\n           n1 log: reset by peer\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("? UNKNOWN  Title of c\n           n2: journal unreadable\n"),
            "{text}"
        );
        assert!(
            !text.contains("n0: fine"),
            "passing evidence is hidden: {text}"
        );
        assert!(
            text.contains(
                "- N/A      Title of d\n           n3: connect_failed not judged: logged at debug level only\n"
            ),
            "the reason an item does not apply is shown: {text}"
        );
        assert!(
            text.ends_with(
                "✗ FAIL     verdict (1 pass, 0 warn, 1 fail, 1 unknown, 1 not_applicable)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn colour_and_passing_evidence_only_when_asked() {
        let text = render(TextOptions {
            color: true,
            all_evidence: true,
        });
        assert!(text.contains('\x1b'), "{text}");
        assert!(text.contains("n0: fine"), "{text}");
        let (glyph, word) = badge(Status::Warn);
        assert_eq!((glyph, word), ("!", "WARN"));
    }
}
