//! The Prometheus text exposition format (version 0.0.4), written by hand: it is
//! a few lines of rules, and owning them keeps the escaping where a test sees
//! it. A [`Family`] writes its `# HELP` and `# TYPE` lines once and its samples
//! right after, so a family's samples are never split (which the format forbids).

use std::fmt::Write as _;

/// The content type of the format, for the HTTP answer.
pub(super) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metric's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Gauge,
    Counter,
}

/// A text being written, family by family.
#[derive(Debug, Default)]
pub(super) struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts the family `name`: its help and type lines.
    pub(super) fn family(&mut self, name: &'static str, kind: Kind, help: &str) -> Family<'_> {
        let kind = match kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        // Writing into a String cannot fail.
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
        Family {
            out: &mut self.out,
            name,
        }
    }

    /// The text.
    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// One family's samples, written as they are given.
#[derive(Debug)]
pub(super) struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl Family<'_> {
    /// One sample. Label names are ours (`[a-z_]+`); values may come from
    /// anywhere (a node's name, a commit a daemon reported) and are escaped.
    pub(super) fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(self.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (index, (name, value)) in labels.iter().enumerate() {
                if index > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{name}=\"{}\"", escape_label(value));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
        self
    }

    /// A sample when the value is known: an unknown is left out, never zero.
    pub(super) fn known(&mut self, labels: &[(&str, &str)], value: Option<f64>) -> &mut Self {
        if let Some(value) = value {
            self.sample(labels, value);
        }
        self
    }
}

/// A label value: backslash, double quote and line feed escaped.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Help text: backslash and line feed escaped.
fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}

/// A value as the format spells it (`+Inf`, `-Inf`, `NaN`, else a decimal).
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_and_help_are_escaped() {
        let mut text = Exposition::default();
        text.family("x_info", Kind::Gauge, "a \\ help\nline")
            .sample(&[("node", "a\"b\\c\nd"), ("commit", "1a2b")], 1.0);
        assert_eq!(
            text.finish(),
            "# HELP x_info a \\\\ help\\nline\n# TYPE x_info gauge\n\
             x_info{node=\"a\\\"b\\\\c\\nd\",commit=\"1a2b\"} 1\n"
        );
    }

    #[test]
    fn values_are_spelled_as_the_format_says_and_unknowns_left_out() {
        let mut text = Exposition::default();
        text.family("x_total", Kind::Counter, "h")
            .sample(&[], 0.25)
            .sample(&[("a", "1")], f64::INFINITY)
            .sample(&[("a", "2")], f64::NEG_INFINITY)
            .sample(&[("a", "3")], f64::NAN)
            .known(&[("a", "4")], None)
            .sample(&[("a", "5")], 12_345_678_901.0);
        assert_eq!(
            text.finish(),
            "# HELP x_total h\n# TYPE x_total counter\nx_total 0.25\n\
             x_total{a=\"1\"} +Inf\nx_total{a=\"2\"} -Inf\nx_total{a=\"3\"} NaN\n\
             x_total{a=\"5\"} 12345678901\n"
        );
    }
}
