//! The shipped rules, their unit tests, the example configuration and the
//! dashboard's queries, checked by `promtool`.

use super::tools::{contrib, promtool};

#[test]
fn the_rules_are_valid_and_their_unit_tests_pass() {
    let out = promtool(&["check", "rules", "timecoin-rules.yml"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("SUCCESS: 14 rules found"), "{said}");
    let out = promtool(&["test", "rules", "tests/timecoin-alerts.test.yml"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SUCCESS"));
}

#[test]
fn every_alert_has_a_unit_test_and_a_summary_naming_where_and_a_runbook() {
    let rules = std::fs::read_to_string(contrib().join("timecoin-rules.yml")).expect("rules");
    let tests =
        std::fs::read_to_string(contrib().join("tests/timecoin-alerts.test.yml")).expect("tests");
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert_eq!(alerts.len(), 14, "{alerts:?}");
    for alert in &alerts {
        let tested = format!("alertname: {alert}\n");
        let cases = tests.matches(&tested).count();
        assert!(
            cases >= 2,
            "{alert}: {cases} test case(s), want firing and not firing"
        );
        assert!(
            tests.contains(&format!("{tested}        exp_alerts: []")),
            "{alert}: no case where it must not fire"
        );
    }
    assert_eq!(rules.matches("summary: ").count(), alerts.len());
    assert_eq!(rules.matches("runbook: ").count(), alerts.len());
    for summary in rules.lines().filter(|l| l.trim().starts_with("summary: ")) {
        assert!(
            summary.contains("$labels.node") || summary.contains("$labels.instance"),
            "a summary that names no node: {summary}"
        );
    }
}

#[test]
fn the_example_configuration_loads_with_the_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in ["prometheus.yml", "timecoin-rules.yml"] {
        std::fs::copy(contrib().join(file), dir.path().join(file)).expect("copy");
    }
    std::fs::create_dir(dir.path().join("timecoin")).expect("mkdir");
    std::fs::write(dir.path().join("timecoin/timed.json"), "[]").expect("sd file");
    let config = dir.path().join("prometheus.yml");
    promtool(&["check", "config", &config.display().to_string()]);
}

/// Every query of the Grafana dashboard parses: written as recording rules,
/// with the dashboard's variables filled in, `promtool check rules` reads them.
#[test]
fn the_dashboard_queries_parse() {
    let path = contrib().join("../grafana/timecoin-fleet.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("dashboard")).expect("JSON");
    let mut exprs = Vec::new();
    for panel in dashboard["panels"].as_array().expect("panels") {
        for target in panel["targets"].as_array().into_iter().flatten() {
            exprs.push(target["expr"].as_str().expect("expr").to_owned());
        }
    }
    assert!(exprs.len() >= 15, "{}", exprs.len());
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (index, expr) in exprs.iter().enumerate() {
        let filled = expr
            .replace("$daemon_job", "timed")
            .replace("$exporter_job", "timecoin-exporter")
            .replace("$node", ".*");
        assert!(!filled.contains('$'), "an unknown variable in {expr}");
        let quoted = serde_json::to_string(&filled).expect("quote");
        rules.push_str(&format!(
            "      - record: dashboard:query{index}\n        expr: {quoted}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("dashboard-rules.yml");
    std::fs::write(&file, rules).expect("write");
    promtool(&["check", "rules", &file.display().to_string()]);
}
