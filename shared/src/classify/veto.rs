//! A rule's vetoed matches as a regex of their own, so that telling whether a
//! line's match was vetoed needs no capture groups.
//!
//! A rule with a `veto` group (see `rules`) is refused when the group takes
//! part in its match. Reading that from captures ran the regex crate's
//! bounded backtracker over every match of these rules, the costliest part of
//! a summary's regex work. Instead the match's start is found (`find`, no
//! captures), and this second regex, which matches only where the veto takes
//! part, is tried there anchored.
//!
//! Correctness: the rules put the veto where the regex prefers it (a greedy
//! optional group, a first alternative), so the match a rule takes from its
//! start uses the veto exactly when some match from that start can; the
//! classifier's property test holds this against the captures.

use regex_automata::meta::Regex;
use regex_syntax::hir::{Hir, HirKind, Repetition};

/// The name of the group that cancels a rule.
pub(crate) const VETO: &str = "veto";

/// The regex of the matches of `source` in which its `veto` group takes part,
/// when it has one.
///
/// # Errors
/// `source` does not parse, or its veto sits where the regex does not prefer
/// it (an alternative after the first, a lazy optional group: there a match
/// without it may win over one with it) or in a repetition (which of its
/// rounds counts is not a plain regex).
pub(crate) fn vetoed(source: &str) -> Result<Option<Regex>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(|e| format!("rule {source:?} does not parse: {e}"))?;
    let Some(vetoed) = with_veto(&hir).map_err(|e| format!("rule {source:?}: {e}"))? else {
        return Ok(None);
    };
    Regex::builder()
        .build_from_hir(&vetoed)
        .map(Some)
        .map_err(|e| format!("rule {source:?}: its vetoed form: {e}"))
}

/// The part of `hir`'s language whose matches pass through the veto group:
/// a concatenation with one of its parts so restricted, an alternation of
/// its branches so restricted, an optional group taken.
fn with_veto(hir: &Hir) -> Result<Option<Hir>, String> {
    Ok(match hir.kind() {
        HirKind::Capture(capture) if capture.name.as_deref() == Some(VETO) => Some(hir.clone()),
        HirKind::Capture(capture) => with_veto(&capture.sub)?,
        HirKind::Concat(parts) => {
            let mut ways = Vec::new();
            for (at, part) in parts.iter().enumerate() {
                if let Some(vetoed) = with_veto(part)? {
                    let mut way = parts.clone();
                    way[at] = vetoed;
                    ways.push(Hir::concat(way));
                }
            }
            (!ways.is_empty()).then(|| Hir::alternation(ways))
        }
        HirKind::Alternation(branches) => {
            let mut ways = Vec::new();
            for (at, branch) in branches.iter().enumerate() {
                if let Some(way) = with_veto(branch)? {
                    if at > 0 {
                        return Err("a veto in an alternative after the first".to_owned());
                    }
                    ways.push(way);
                }
            }
            (!ways.is_empty()).then(|| Hir::alternation(ways))
        }
        HirKind::Repetition(Repetition {
            min: 0,
            max: Some(1),
            greedy,
            sub,
        }) => match with_veto(sub)? {
            Some(_) if !greedy => return Err("a veto in a lazy optional group".to_owned()),
            vetoed => vetoed,
        },
        HirKind::Repetition(rep) => match with_veto(&rep.sub)? {
            Some(_) => return Err("a veto inside a repetition".to_owned()),
            None => None,
        },
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use regex_automata::{Anchored, Input};

    use super::*;

    fn vetoed_at(source: &str, line: &str, at: usize) -> bool {
        let regex = vetoed(source).unwrap().unwrap();
        regex.is_match(Input::new(line).range(at..).anchored(Anchored::Yes))
    }

    #[test]
    fn the_vetoed_form_matches_only_through_the_veto() {
        let connected = r"(?P<veto>\b(?:already|not) )?\bconnected to (?P<addr>[0-9]+)";
        assert!(vetoed_at(connected, "x already connected to 7", 2));
        assert!(!vetoed_at(connected, "x connected to 7", 2));
        // Anchored: a later vetoed match is not this one's.
        assert!(!vetoed_at(
            connected,
            "connected to 7, not connected to 8",
            0
        ));
        let skipping = r"skipping(?:(?P<veto> for height [0-9]+: better)|.*?only (?P<n>[0-9]+))?";
        assert!(vetoed_at(skipping, "skipping for height 3: better", 0));
        assert!(!vetoed_at(skipping, "skipping: only 2", 0));
        assert!(vetoed(r"(?P<addr>[0-9]+) failed").unwrap().is_none());
        assert!(vetoed(r"(?:(?P<veto>not )x)+").is_err());
        // Where a match without the veto would be preferred.
        assert!(vetoed(r"x(?:y|(?P<veto>z))").is_err());
        assert!(vetoed(r"(?P<veto>not )??x").is_err());
        assert!(vetoed("(").is_err());
    }
}
