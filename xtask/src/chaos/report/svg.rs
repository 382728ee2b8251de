//! The report's timeline picture: tip height per node over the run as lines
//! (broken where a node did not answer), each fault a shaded band labelled with
//! its kind, in one self-contained SVG an operator opens in a browser.

use std::fmt::Write as _;

use super::model::Report;

const WIDTH: f64 = 1200.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 40.0;
/// One colour per node (up to the lab's eight), distinguishable in print.
const NODE_COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

/// The band colour of a fault kind's family: network, process, clock, operator.
fn band(kind: &str) -> &'static str {
    match kind {
        "kill" | "restart" | "stop" => "#f4a582",
        "clock_within" | "clock_beyond" => "#b2abd2",
        "deploy" | "rollback" => "#a6dba0",
        _ => "#92c5de",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders the timeline of `report`.
pub(crate) fn render(report: &Report) -> String {
    let span = report
        .timeline
        .last()
        .map_or(1.0, |p| p.at)
        .max(report.faults.iter().map(|f| f.healed).fold(1.0, f64::max));
    let top = report
        .timeline
        .iter()
        .flat_map(|p| p.heights.iter().flatten())
        .max()
        .copied()
        .unwrap_or(1)
        .max(1) as f64;
    let x = |t: f64| LEFT + t / span * (WIDTH - LEFT - RIGHT);
    let y = |h: f64| HEIGHT - BOTTOM - h / top * (HEIGHT - TOP - BOTTOM);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="18" font-size="13">chaos seed {}: {} nodes, {} faults, {}</text>"#,
        report.seed,
        report.nodes,
        report.faults_injected,
        if report.pass { "pass" } else { "FAIL" }
    );
    for (k, f) in report.faults.iter().enumerate() {
        let (x0, x1) = (x(f.started), x(f.healed.max(f.started + 0.5)));
        let _ = writeln!(
            svg,
            r#"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{:.1}" fill="{}" opacity="0.5"><title>{:.1} s: {}</title></rect>"#,
            (x1 - x0).max(1.0),
            HEIGHT - TOP - BOTTOM,
            band(f.kind),
            f.started,
            escape(&f.description)
        );
        // Labels alternate rows so neighbours do not overlap.
        let row = TOP + 10.0 + 11.0 * (k % 3) as f64;
        let _ = writeln!(
            svg,
            r##"<text x="{x0:.1}" y="{row:.1}" fill="#444" font-size="9">{}</text>"##,
            f.kind
        );
    }
    // Axes with a few ticks.
    let _ = writeln!(
        svg,
        r#"<path d="M{LEFT} {TOP} V{b} H{r}" stroke="black" fill="none"/>"#,
        b = HEIGHT - BOTTOM,
        r = WIDTH - RIGHT
    );
    for i in 0..=5 {
        let t = span * f64::from(i) / 5.0;
        let h = top * f64::from(i) / 5.0;
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t:.0} s</text><text x="{:.1}" y="{:.1}" text-anchor="end">{h:.0}</text>"#,
            x(t),
            HEIGHT - BOTTOM + 15.0,
            LEFT - 5.0,
            y(h) + 4.0
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="15" y="{:.1}" transform="rotate(-90 15 {:.1})" text-anchor="middle">tip height</text>"#,
        HEIGHT / 2.0,
        HEIGHT / 2.0
    );
    for node in 0..report.nodes {
        let colour = NODE_COLOURS[node % NODE_COLOURS.len()];
        let mut d = String::new();
        let mut pen_down = false;
        for p in &report.timeline {
            match p.heights.get(node).copied().flatten() {
                Some(h) => {
                    let _ = write!(
                        d,
                        "{}{:.1} {:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(p.at),
                        y(h as f64)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = writeln!(
            svg,
            r#"<path d="{}" stroke="{colour}" stroke-width="1.5" fill="none"/>"#,
            d.trim_end()
        );
        let ly = TOP + 15.0 * node as f64;
        let _ = writeln!(
            svg,
            r#"<line x1="{a:.1}" y1="{ly:.1}" x2="{b:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="3"/><text x="{c:.1}" y="{:.1}">n{}</text>"#,
            ly + 4.0,
            node + 1,
            a = WIDTH - RIGHT + 15.0,
            b = WIDTH - RIGHT + 35.0,
            c = WIDTH - RIGHT + 40.0,
        );
    }
    let families = [
        ("#92c5de", "network fault"),
        ("#f4a582", "process fault"),
        ("#b2abd2", "clock step"),
        ("#a6dba0", "deploy / rollback"),
    ];
    for (k, (colour, label)) in families.iter().enumerate() {
        let ly = TOP + 15.0 * (report.nodes + 1 + k) as f64;
        let _ = writeln!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="20" height="10" fill="{colour}" opacity="0.5"/><text x="{:.1}" y="{:.1}">{label}</text>"#,
            WIDTH - RIGHT + 15.0,
            ly - 6.0,
            WIDTH - RIGHT + 40.0,
            ly + 4.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::report::model::fixture;

    #[test]
    fn every_fault_is_a_band_and_every_node_a_line_that_breaks_where_it_was_down() {
        let mut record = fixture::record();
        record.timeline[5].heights[1] = None;
        let svg = render(&Report::build(record));
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<title>").count(), 4);
        assert!(svg.contains("<title>11.0 s: isolate n3</title>"));
        assert_eq!(svg.matches(r#"stroke-width="1.5""#).count(), 4);
        // n2's line lifts the pen once: two moves.
        let n2 = svg
            .lines()
            .find(|l| l.contains(NODE_COLOURS[1]) && l.starts_with("<path"))
            .expect("n2's line");
        assert_eq!(n2.matches('M').count(), 2, "{n2}");
        let parsed: Result<(), String> = xml_balanced(&svg);
        assert_eq!(parsed, Ok(()));
    }

    /// Every opened element is closed in order: enough to know a viewer opens it.
    fn xml_balanced(svg: &str) -> Result<(), String> {
        let mut open = Vec::new();
        for tag in svg.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            if tag.starts_with('/') {
                if open.pop() != Some(name.clone()) {
                    return Err(format!("unbalanced </{name}>"));
                }
            } else if !tag.ends_with('/') {
                open.push(name);
            }
        }
        if open.is_empty() {
            Ok(())
        } else {
            Err(format!("unclosed {open:?}"))
        }
    }
}
