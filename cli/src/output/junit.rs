//! The checklist as JUnit XML, the report format CI systems read: one
//! testsuite, one testcase per item named by the item's title. A failed item is
//! a `<failure>`, an unknown one an `<error>` (the check could not run it), one
//! that does not apply to the fleet's daemon API is `<skipped>` with the reason,
//! a warning passes with its evidence in `<system-out>`.
//!
//! Markup is escaped by quick-xml; characters XML 1.0 cannot carry at all
//! (control characters from a log line) are replaced by a visible `\u{..}`
//! first, so the document stays well-formed whatever the journals held.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use timecoin_shared::checklist::{ItemVerdict, Report, Status};

/// The `classname` prefix of every testcase, so CI groups them under one name.
const CLASS_PREFIX: &str = "timectl.check";

/// Writes `report` as a JUnit document whose testsuite is called `suite`.
///
/// # Errors
/// Writing to `out` failed.
pub(crate) fn write(report: &Report, suite: &str, out: &mut impl Write) -> io::Result<()> {
    let count = |status: Status| {
        report
            .items
            .iter()
            .filter(|i| i.status == status)
            .count()
            .to_string()
    };
    let tests = report.items.len().to_string();
    let failures = count(Status::Fail);
    let errors = count(Status::Unknown);
    let skipped = count(Status::NotApplicable);
    let suite = xml_safe(suite);
    let totals = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", errors.as_str()),
        ("skipped", skipped.as_str()),
    ];

    let mut writer = Writer::new_with_indent(&mut *out, b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer
        .create_element("testsuites")
        .with_attribute(("name", suite.as_ref()))
        .with_attributes(totals)
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attribute(("name", suite.as_ref()))
                .with_attributes(totals)
                .write_inner_content(|w| {
                    for item in &report.items {
                        testcase(w, item)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    out.write_all(b"\n")
}

fn testcase<W: Write>(w: &mut Writer<W>, item: &ItemVerdict) -> io::Result<()> {
    let title = xml_safe(&item.title);
    let class = xml_safe(&format!("{CLASS_PREFIX}.{}", item.id)).into_owned();
    let body = xml_safe(&item.evidence.join("\n")).into_owned();
    // The first evidence line says what went wrong; attributes hold one line.
    let message = xml_safe(item.evidence.first().map_or("", String::as_str)).into_owned();
    let case = w
        .create_element("testcase")
        .with_attribute(("name", title.as_ref()))
        .with_attribute(("classname", class.as_str()));
    let (tag, kind) = match item.status {
        Status::Fail => ("failure", "fail"),
        Status::Unknown => ("error", "unknown"),
        Status::NotApplicable => ("skipped", "not_applicable"),
        Status::Pass | Status::Warn => {
            case.write_inner_content(|w| {
                let text = format!("{}\n{body}", item.status.as_str());
                w.create_element("system-out")
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
            return Ok(());
        }
    };
    case.write_inner_content(|w| {
        w.create_element(tag)
            .with_attribute(("message", message.as_str()))
            .with_attribute(("type", kind))
            .write_text_content(BytesText::new(&body))?;
        Ok(())
    })?;
    Ok(())
}

/// `text` with every character XML 1.0 does not allow (controls other than tab,
/// newline and carriage return; U+FFFE and U+FFFF) written as `\u{..}`.
fn xml_safe(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if allowed(c) {
                    c.to_string()
                } else {
                    format!("\\u{{{:x}}}", u32::from(c))
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, title: &str, status: Status, evidence: &[&str]) -> ItemVerdict {
        ItemVerdict {
            id: id.into(),
            title: title.into(),
            status,
            evidence: evidence.iter().map(|e| e.to_string()).collect(),
            nodes: vec![],
        }
    }

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, "timectl check <testnet>", &mut out).expect("write to memory");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn counts_names_and_bodies_parse_back() {
        let report = Report::new(vec![
            item(
                "no_resets",
                "No connection resets",
                Status::Fail,
                &[
                    "n1: 1 resets",
                    "n1 log: \x1b[31mWARN\x1b[0m reset & <gone> \"quoted\" \u{FFFF}",
                ],
            ),
            item(
                "same_commit",
                "Every node on the same commit",
                Status::Unknown,
                &["n2: did not answer"],
            ),
            item("peers_stable", "Peers stable", Status::Warn, &["n0: 3,2,3"]),
            item("same_chain", "Nodes agree", Status::Pass, &["all agree"]),
            item(
                "no_backoff_spam",
                "No spam",
                Status::NotApplicable,
                &["n2: connect_failed not judged: debug level only"],
            ),
        ]);
        let xml = render(&report);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 1);
        let suite = suites[0];
        assert_eq!(suite.attribute("name"), Some("timectl check <testnet>"));
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        let with = |tag: &str| {
            cases
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
                .count()
                .to_string()
        };
        assert_eq!(suite.attribute("failures"), Some(with("failure").as_str()));
        assert_eq!(suite.attribute("errors"), Some(with("error").as_str()));
        assert_eq!(suite.attribute("skipped"), Some(with("skipped").as_str()));
        assert_eq!(
            (
                with("failure").as_str(),
                with("error").as_str(),
                with("skipped").as_str()
            ),
            ("1", "1", "1")
        );
        let skipped = cases[4]
            .children()
            .find(|n| n.has_tag_name("skipped"))
            .expect("skipped");
        assert_eq!(
            skipped.attribute("message"),
            Some("n2: connect_failed not judged: debug level only")
        );
        let mut names: Vec<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
        assert_eq!(names[0], "No connection resets");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), cases.len(), "testcase names are unique");

        let failure = cases[0]
            .children()
            .find(|n| n.has_tag_name("failure"))
            .expect("failure");
        assert_eq!(failure.attribute("message"), Some("n1: 1 resets"));
        assert_eq!(
            cases[0].attribute("classname"),
            Some("timectl.check.no_resets")
        );
        let body = failure.text().expect("evidence");
        assert!(
            body.contains("\\u{1b}[31mWARN\\u{1b}[0m reset & <gone> \"quoted\" \\u{ffff}"),
            "{body}"
        );
        let out = cases[2]
            .children()
            .find(|n| n.has_tag_name("system-out"))
            .expect("warn text");
        assert_eq!(out.text(), Some("warn\nn0: 3,2,3"));
    }

    #[test]
    fn an_empty_report_is_a_valid_empty_suite() {
        let xml = render(&Report::new(vec![]));
        let doc = roxmltree::Document::parse(&xml).expect("valid XML");
        let suite = doc
            .descendants()
            .find(|n| n.has_tag_name("testsuite"))
            .expect("suite");
        assert_eq!(suite.attribute("tests"), Some("0"));
    }

    proptest::proptest! {
        #[test]
        fn any_evidence_gives_well_formed_xml(title in "\\PC{0,20}", line in any_text()) {
            let report = Report::new(vec![item("x", &title, Status::Fail, &[&line])]);
            let xml = render(&report);
            let doc = roxmltree::Document::parse(&xml);
            proptest::prop_assert!(doc.is_ok(), "{:?}\n{}", doc.err(), xml);
        }
    }

    fn any_text() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(proptest::char::any(), 0..40)
            .prop_map(|c| c.into_iter().collect())
    }

    use proptest::strategy::Strategy as _;
}
