//! The literal prefilter: which rules could match a line, found by one
//! Aho-Corasick pass over it, so the many lines that carry no kind (pings,
//! pongs, status lines) touch no regex at all.
//!
//! The words are read from each rule's own regex (its syntax tree), not
//! written beside it: a word is taken only where every match of the rule must
//! contain it, so a rule added or reworded brings its words with it and no line
//! it would match is dropped before it runs. A rule from which no such word can
//! be read is refused when the classifier is built (and so by the unit tests).

use aho_corasick::{AhoCorasick, MatchKind, packed};
use regex_syntax::hir::{Hir, HirKind};

/// Rules as bits by their index in the table.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct RuleSet(u128);

impl RuleSet {
    /// How many rules a set can name.
    pub(crate) const CAPACITY: usize = u128::BITS as usize;

    fn insert(&mut self, index: usize) {
        self.0 |= 1 << index;
    }

    /// The first `count` rules.
    #[cfg(test)]
    pub(crate) fn all(count: usize) -> RuleSet {
        let mut set = RuleSet::default();
        (0..count).for_each(|i| set.insert(i));
        set
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The rules' indices, ascending (the table's order).
    pub(crate) fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let index = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Some(index)
        })
    }
}

/// The words of every rule, searched for at once.
pub(crate) struct Prefilter {
    /// Any word at all, found by SIMD (Teddy): it turns most lines away before
    /// the slower overlapping search below. `None` on a CPU without SSSE3,
    /// where the overlapping search alone decides.
    quick: Option<packed::Searcher>,
    /// Every word in a line, overlapping, to name the rules.
    searcher: AhoCorasick,
    /// By pattern index of `searcher`: the rules that need that word.
    rules_of: Vec<RuleSet>,
}

impl Prefilter {
    /// Reads each rule's words from its regex `sources` (in table order).
    ///
    /// # Errors
    /// A rule that does not parse, one that can match a line without any
    /// literal word (it would have to run on every line), or more rules than a
    /// [`RuleSet`] holds; the message names the rule.
    pub(crate) fn new(sources: &[String]) -> Result<Prefilter, String> {
        if sources.len() > RuleSet::CAPACITY {
            return Err(format!(
                "{} rules, more than the prefilter's {}",
                sources.len(),
                RuleSet::CAPACITY
            ));
        }
        let mut words: Vec<Vec<u8>> = Vec::new();
        let mut rules_of: Vec<RuleSet> = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            for word in required_words(source)? {
                let at = match words.iter().position(|w| *w == word) {
                    Some(at) => at,
                    None => {
                        words.push(word);
                        rules_of.push(RuleSet::default());
                        words.len() - 1
                    }
                };
                rules_of[at].insert(index);
            }
        }
        // Correctness: without the pattern limit Teddy takes all the words
        // (more than its default 64), and only Teddy, never a slower fallback.
        let quick = packed::Config::new()
            .only_teddy(true)
            .heuristic_pattern_limits(false)
            .builder()
            .extend(&words)
            .build();
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&words)
            .map_err(|e| format!("prefilter words: {e}"))?;
        Ok(Prefilter {
            quick,
            searcher,
            rules_of,
        })
    }

    /// The rules whose words occur in `lower` (a line with its ASCII letters
    /// lower-cased, as the rules read it). A rule not named cannot match.
    pub(crate) fn candidates(&self, lower: &[u8]) -> RuleSet {
        let mut set = RuleSet::default();
        // No word starts before the leftmost one the quick search finds.
        let from = match &self.quick {
            Some(quick) => match quick.find(lower) {
                Some(first) => first.start(),
                None => return set,
            },
            None => 0,
        };
        for found in self.searcher.find_overlapping_iter(&lower[from..]) {
            set.0 |= self.rules_of[found.pattern().as_usize()].0;
        }
        set
    }
}

/// Words at least one of which is in every match of the regex `source`.
///
/// # Errors
/// `source` does not parse, or no word is required.
pub(crate) fn required_words(source: &str) -> Result<Vec<Vec<u8>>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(|e| format!("rule {source:?} does not parse: {e}"))?;
    required(&hir).ok_or_else(|| format!("rule {source:?} needs no literal word"))
}

/// Soundness: each arm returns words only where the regex cannot match
/// without one of them. A literal needs itself; a group, or a repetition of at
/// least once, needs what its body needs; an alternation needs one of its
/// branches' words (each branch must need some); a concatenation needs what
/// any one of its parts needs, and the part chosen is the one whose shortest
/// word is longest (longer words are rarer in lines that match nothing).
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(vec![literal.0.to_vec()]),
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Alternation(branches) => {
            let mut words: Vec<Vec<u8>> = Vec::new();
            for branch in branches {
                for word in required(branch)? {
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
            }
            Some(words)
        }
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(required)
            .max_by_key(|words| words.iter().map(Vec::len).min().unwrap_or(0)),
        HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(source: &str) -> Vec<String> {
        required_words(source)
            .unwrap()
            .into_iter()
            .map(|w| String::from_utf8(w).unwrap())
            .collect()
    }

    #[test]
    fn words_are_what_every_match_contains() {
        // The alternation's shortest word is longer than "ping ".
        assert_eq!(
            words(r"\bping (?:timeout|timed out)\b"),
            ["timeout", "timed out"]
        );
        assert_eq!(words(r"\bping (?:to|for)\b"), ["ping "]);
        assert_eq!(
            words(r"\bconnection reset\b|\bos error 104\b"),
            ["connection reset", "os error 104"]
        );
        // The longest required part of a concatenation, never an optional one.
        assert_eq!(
            words(r"(?:already )?\bconnected to (?P<addr>[0-9]+)"),
            ["connected to "]
        );
        assert_eq!(words(r"(?:abcdefgh)+ x"), ["abcdefgh"]);
    }

    #[test]
    fn a_rule_without_a_word_is_refused() {
        for source in [r"[0-9]+", r"(?:word)?", r"a|[0-9]", r"(?:ab)*", r"\b"] {
            assert!(required_words(source).is_err(), "{source}");
        }
        assert!(required_words("(").is_err());
    }

    #[test]
    fn candidates_are_the_rules_whose_words_occur() {
        let sources = [r"\bping timeout\b".to_owned(), r"reset|104".to_owned()];
        let prefilter = Prefilter::new(&sources).unwrap();
        let found = |line: &str| {
            prefilter
                .candidates(line.as_bytes())
                .iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(found("ping timeout, os error 104"), [0, 1]);
        assert_eq!(found("error 104"), [1]);
        assert!(found("ping pong").is_empty());
        let too_many = vec!["x".to_owned(); RuleSet::CAPACITY + 1];
        assert!(Prefilter::new(&too_many).is_err());
    }
}
