//! The checklist as JSON, in the shape DESIGN.md's Contracts fixes for `timectl
//! check --output json`: `{"verdict", "items": [{"id", "title", "status",
//! "evidence": [...]}]}`, statuses `pass|warn|fail|unknown`.

use std::io::{self, Write};

use timecoin_shared::checklist::Report;

/// Writes `report` as one pretty-printed JSON document and a newline.
///
/// # Errors
/// Writing to `out` failed.
pub(crate) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use timecoin_shared::checklist::{ItemVerdict, Report, Status};

    #[test]
    fn the_contract_shape() {
        let report = Report::new(vec![ItemVerdict {
            id: "same_chain".into(),
            title: "Nodes agree".into(),
            status: Status::Fail,
            evidence: vec!["fork at height 14".into()],
            nodes: vec![],
        }]);
        let mut out = Vec::new();
        super::write(&report, &mut out).expect("write to memory");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let mut top: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        top.sort_unstable();
        assert_eq!(top, ["items", "verdict"]);
        assert_eq!(v["verdict"], "fail");
        let item = v["items"][0].as_object().expect("item");
        let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["evidence", "id", "status", "title"]);
        assert_eq!(item["status"], "fail");
        assert_eq!(item["evidence"][0], "fork at height 14");
    }
}
