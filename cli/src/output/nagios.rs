//! The checklist as one Nagios plugin line: `TIMECTL STATE - summary |
//! perfdata`, with STATE one of OK, WARNING, CRITICAL, UNKNOWN (the plugin
//! exit codes 0 to 3 match `timectl check`'s own). Perfdata follows the plugin
//! guidelines: `'label'=value[uom];[warn];[crit];[min];[max]`, `U` for a value
//! the check could not learn. Numbers come from Rust's formatting, which never
//! follows the locale, so decimals are always `.`.

use std::io::{self, Write};

use timecoin_shared::checklist::{Measure, Report, Status};

/// Whole-run prefix Nagios shows before the state.
const PREFIX: &str = "TIMECTL";

/// The plugin state word of a verdict.
pub(crate) fn state(status: Status) -> &'static str {
    match status {
        Status::Pass => "OK",
        Status::Warn => "WARNING",
        Status::Fail => "CRITICAL",
        // Never a verdict (`Report::new`); were it one, nothing was judged.
        Status::Unknown | Status::NotApplicable => "UNKNOWN",
    }
}

/// Writes the plugin line and a newline.
///
/// # Errors
/// Writing to `out` failed.
pub(crate) fn write(report: &Report, measures: &[Measure], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "{}", line(report, measures))
}

/// The plugin line, without a newline.
pub(crate) fn line(report: &Report, measures: &[Measure]) -> String {
    let perfdata: Vec<String> = measures.iter().map(perfdatum).collect();
    format!(
        "{PREFIX} {} - {} | {}",
        state(report.verdict),
        summary(report),
        perfdata.join(" ")
    )
}

/// Which items are not passing, worst first, and the first evidence of the
/// worst; then the items that do not apply to the fleet's daemon API.
fn summary(report: &Report) -> String {
    if report.items.is_empty() {
        return "no checklist items".into();
    }
    let group = |status: Status| {
        let ids: Vec<&str> = report
            .items
            .iter()
            .filter(|i| i.status == status)
            .map(|i| i.id.as_str())
            .collect();
        (!ids.is_empty()).then(|| format!("{} {} ({})", ids.len(), status.as_str(), ids.join(", ")))
    };
    let groups: Vec<String> = [Status::Fail, Status::Unknown, Status::Warn]
        .into_iter()
        .filter_map(group)
        .collect();
    let mut text = match report.items.iter().find(|i| i.status == report.verdict) {
        Some(worst) if !groups.is_empty() => match worst.evidence.first() {
            Some(first) => format!("{}; first: {first}", groups.join("; ")),
            None => groups.join("; "),
        },
        _ => {
            let applicable = report
                .items
                .iter()
                .filter(|i| i.status != Status::NotApplicable)
                .count();
            if applicable == report.items.len() {
                format!("all {applicable} items pass")
            } else {
                format!("all {applicable} applicable items pass")
            }
        }
    };
    if let Some(inapplicable) = group(Status::NotApplicable) {
        text = format!("{text}; {inapplicable}");
    }
    one_line(&text)
}

/// The summary may not hold the perfdata separator or a line break.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '|' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

fn perfdatum(m: &Measure) -> String {
    let label: String = m
        .label
        .chars()
        .map(|c| {
            if c == '\'' || c == '=' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let number = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let value = m.value.map_or_else(|| "U".to_owned(), |v| v.to_string());
    let fields = [number(m.warn), number(m.crit), number(m.min), number(m.max)];
    let tail = fields.join(";");
    format!("'{label}'={value};{}", tail.trim_end_matches(';'))
        .trim_end_matches(';')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use timecoin_shared::checklist::ItemVerdict;

    /// The plugin line: state, a summary free of `|`, then space-separated
    /// perfdata whose numbers use `.` decimals and no thousands separators.
    const GRAMMAR: &str = r"^TIMECTL (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| '[^'=]+'=(U|-?[0-9]+(\.[0-9]+)?)[a-zA-Z%]*(;(-?[0-9]+(\.[0-9]+)?)?){0,4}( '[^'=]+'=(U|-?[0-9]+(\.[0-9]+)?)[a-zA-Z%]*(;(-?[0-9]+(\.[0-9]+)?)?){0,4})*$";

    fn item(id: &str, status: Status, evidence: &str) -> ItemVerdict {
        ItemVerdict {
            id: id.into(),
            title: id.into(),
            status,
            evidence: vec![evidence.into()],
            nodes: vec![],
        }
    }

    fn measure(label: &str, value: Option<u64>, crit: Option<u64>) -> Measure {
        Measure {
            label: label.into(),
            value,
            warn: None,
            crit,
            min: Some(0),
            max: Some(4),
        }
    }

    #[test]
    fn a_failing_fleet_is_critical_with_perfdata_in_the_plugin_format() {
        let report = Report::new(vec![
            item("no_resets", Status::Fail, "n1: 2 resets | piped\nnext"),
            item("same_commit", Status::Unknown, "n2: did not answer"),
            item("peers_stable", Status::Pass, "ok"),
        ]);
        let measures = [
            measure("height_spread", Some(3), Some(1)),
            measure("LW-London='x'_height", Some(1_234_567), None),
            measure("n2_peers", None, None),
        ];
        let line = line(&report, &measures);
        assert!(
            regex::Regex::new(GRAMMAR).expect("grammar").is_match(&line),
            "{line}"
        );
        assert_eq!(
            line,
            "TIMECTL CRITICAL - 1 fail (no_resets); 1 unknown (same_commit); first: n1: 2 resets / piped next \
             | 'height_spread'=3;;1;0;4 'LW-London__x__height'=1234567;;;0;4 'n2_peers'=U;;;0;4"
        );
    }

    #[test]
    fn states_follow_the_verdict() {
        let one = |status| {
            line(
                &Report::new(vec![item("a", status, "e")]),
                &[measure("m", Some(0), None)],
            )
        };
        assert!(one(Status::Pass).starts_with("TIMECTL OK - all 1 items pass | 'm'=0;;;0;4"));
        assert!(one(Status::Warn).starts_with("TIMECTL WARNING - 1 warn (a); first: e |"));
        assert!(one(Status::Unknown).starts_with("TIMECTL UNKNOWN - "));
        let upstream = Report::new(vec![
            item("a", Status::Pass, "e"),
            item("b", Status::NotApplicable, "n1: not judged"),
        ]);
        assert_eq!(
            line(&upstream, &[measure("n1_failed_connects", None, Some(9))]),
            "TIMECTL OK - all 1 applicable items pass; 1 not_applicable (b) | 'n1_failed_connects'=U;;9;0;4"
        );
        let bare = Measure {
            label: "x".into(),
            value: Some(1),
            warn: None,
            crit: None,
            min: None,
            max: None,
        };
        assert_eq!(perfdatum(&bare), "'x'=1");
    }
}
