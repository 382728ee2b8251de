//! The fleet file's `[check]` table: the keys it may hold, per-node overrides
//! only for nodes the file defines, and durations that parse, each error at its
//! own line.

use toml::Spanned;
use toml::de::DeValue;

use super::parse::{Parser, key_str};
use super::{FleetError, Node};
use crate::checklist::{CHECK_KEYS, CHECK_NODE_KEYS, CheckTable, Thresholds};

impl<'t> Parser<'t> {
    /// Validates and resolves `[check]`.
    pub(super) fn check(
        &self,
        value: &Spanned<DeValue<'t>>,
        nodes: &[Node],
    ) -> Result<Thresholds, FleetError> {
        let table = self.expect_table(value, "[check]", "")?;
        self.check_keys(table, CHECK_KEYS, "[check]: ")?;
        let per_node = match table.get("nodes") {
            Some(value) => Some(self.expect_table(value, "[check.nodes]", "")?),
            None => None,
        };
        for (name, entry) in per_node.iter().flat_map(|t| t.iter()) {
            let name_text = key_str(name);
            let ctx = format!("[check.nodes.{name_text}]: ");
            if !nodes.iter().any(|n| n.name == name_text) {
                return Err(self.at(
                    name.span(),
                    format!("{ctx}no node named {name_text:?} in [[nodes]]"),
                ));
            }
            let inner = self.expect_table(entry, &format!("[check.nodes.{name_text}]"), "")?;
            self.check_keys(inner, CHECK_NODE_KEYS, &ctx)?;
        }
        let raw: CheckTable = self.typed(value, table, "[check]: ")?;
        raw.resolve().map_err(|e| {
            let (holder, ctx) = match &e.node {
                None => (Some(table), "[check]: ".to_owned()),
                Some(node) => (
                    per_node
                        .and_then(|t| t.get(node.as_str()))
                        .and_then(|v| match v.get_ref() {
                            DeValue::Table(t) => Some(t),
                            _ => None,
                        }),
                    format!("[check.nodes.{node}]: "),
                ),
            };
            let span = holder
                .and_then(|t| t.get(e.key))
                .map_or(value.span(), Spanned::span);
            self.at(span, format!("{ctx}key {:?}: {}", e.key, e.message))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::checklist::Thresholds;
    use crate::fleet::parse;

    const NODES: &str = r#"
[fleet]
name = "testnet"

[[nodes]]
name = "LW-London"
host = "10.0.0.1"

[[nodes]]
name = "LW-Michigan2"
host = "10.0.0.2"
"#;

    #[test]
    fn without_check_the_defaults_hold() {
        assert_eq!(parse(NODES).expect("parse").check, Thresholds::default());
    }

    #[test]
    fn check_sets_the_fleet_and_overrides_one_node() {
        let text = format!(
            "{NODES}\n[check]\nwindow = \"90s\"\nbackoff_spam = 5\nheight_spread = 2\nstale_block_age = \"3m\"\n\n[check.nodes.LW-Michigan2]\nbackoff_spam = 30\nstale_block_age = \"10m\"\n"
        );
        let check = parse(&text).expect("parse").check;
        assert_eq!(check.window, Duration::from_secs(90));
        assert_eq!(check.height_spread, 2);
        assert_eq!(check.backoff_spam_for("LW-London"), 5);
        assert_eq!(check.backoff_spam_for("LW-Michigan2"), 30);
        assert_eq!(
            check.stale_block_age_for("LW-London"),
            Duration::from_secs(180)
        );
        assert_eq!(
            check.stale_block_age_for("LW-Michigan2"),
            Duration::from_secs(600)
        );
    }

    /// Each bad `[check]` with the line its error must point at and a phrase it must hold.
    const BAD: &[(&str, usize, &str)] = &[
        (
            "[check]\nwindo = \"1m\"\n",
            13,
            "[check]: unknown key \"windo\"",
        ),
        (
            "[check]\nwindow = \"soon\"\n",
            13,
            "[check]: key \"window\": bad duration \"soon\"",
        ),
        (
            "[check]\nwindow = \"0s\"\n",
            13,
            "window must be longer than zero",
        ),
        (
            "[check]\nbackoff_spam = -1\n",
            13,
            "[check]: key \"backoff_spam\"",
        ),
        (
            "[check.nodes.LW-Paris]\nbackoff_spam = 1\n",
            12,
            "no node named \"LW-Paris\"",
        ),
        (
            "[check.nodes.LW-London]\nspam = 1\n",
            13,
            "[check.nodes.LW-London]: unknown key \"spam\"",
        ),
        (
            "[check.nodes.LW-London]\nbackoff_spam = 1\nstale_block_age = \"x\"\n",
            14,
            "[check.nodes.LW-London]: key \"stale_block_age\": bad duration",
        ),
    ];

    #[test]
    fn bad_check_tables_are_refused_at_their_line() {
        for (extra, line, phrase) in BAD {
            let text = format!("{NODES}{extra}");
            let err = parse(&text).expect_err(extra);
            assert_eq!(err.line, Some(*line), "{extra}: {err}");
            assert!(err.message.contains(phrase), "{extra}: {err}");
        }
        let err = parse(&format!("check = 3\n{NODES}")).expect_err("a number");
        assert_eq!(err.line, Some(1), "{err}");
        assert!(err.message.contains("[check] must be a table"), "{err}");
    }
}
