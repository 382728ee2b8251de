//! The literal prefilter: which rules could match a line, found by a SIMD
//! search (Teddy) for the rules' words, so the many lines that carry no kind
//! (pings, pongs, status lines) touch no regex at all.
//!
//! The words are read from each rule's own regex (its syntax tree), not
//! written beside it: a word is taken only where every match of the rule must
//! contain it, so a rule added or reworded brings its words with it and no line
//! it would match is dropped before it runs. A rule from which no such word can
//! be read is refused when the classifier is built (and so by the unit tests).
//!
//! A rule needs all of its clauses (each a choice of words), not just one: a
//! noise line such as "Connection to 1.2.3.4 closed by peer" has the words of
//! "connection to ... failed" and of "connection to ... ended quickly" but not
//! their second words, and so runs neither regex. One clause of each rule
//! (its key) is searched for in every line, through fewer words that are
//! parts of the clauses' words (see `cover`); the others are looked for in
//! the few lines that have a key clause.

use aho_corasick::{AhoCorasick, MatchKind, packed};
use memchr::memmem;
use regex_syntax::hir::{Hir, HirKind};

use super::cover::{Cover, Named, cover};

/// Rules as bits by their index in the table.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct RuleSet(u128);

impl RuleSet {
    /// How many rules a set can name.
    pub(crate) const CAPACITY: usize = u128::BITS as usize;

    pub(crate) fn insert(&mut self, index: usize) {
        self.0 |= 1 << index;
    }

    fn remove(&mut self, index: usize) {
        self.0 &= !(1 << index);
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

/// Words at least one of which is in every match.
pub(crate) type Clause = Vec<Vec<u8>>;

/// The words of every rule, searched for at once.
pub(crate) struct Prefilter {
    /// The words that name the rules ([`cover`]), none part of another.
    first: FirstWords,
    /// By pattern index of `first`: the rules that word may name.
    named: Vec<Vec<Named>>,
    /// By rule: its clauses but its key clause, each its words' searchers.
    rest_of: Vec<Vec<Vec<memmem::Finder<'static>>>>,
}

/// The search for first clauses' words: Teddy (SIMD) where the CPU has it,
/// else an Aho-Corasick automaton with the same leftmost-longest answers.
enum FirstWords {
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

impl FirstWords {
    /// The leftmost word starting at or after `from`, the longest there: its
    /// pattern index and start.
    fn find(&self, lower: &[u8], from: usize) -> Option<(usize, usize)> {
        match self {
            FirstWords::Teddy(teddy) => teddy
                .find_in(lower, aho_corasick::Span::from(from..lower.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
            FirstWords::Automaton(automaton) => automaton
                .find(aho_corasick::Input::new(lower).range(from..))
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }
}

impl Prefilter {
    /// Reads each rule's clauses from its regex `sources` (in table order).
    ///
    /// # Errors
    /// A rule that does not parse, one that can match a line without any
    /// literal word (it would have to run on every line), or more rules than
    /// a [`RuleSet`] holds; the message names the rule or the limit.
    pub(crate) fn new(sources: &[String]) -> Result<Prefilter, String> {
        if sources.len() > RuleSet::CAPACITY {
            return Err(format!(
                "{} rules, more than the prefilter's {}",
                sources.len(),
                RuleSet::CAPACITY
            ));
        }
        let clauses = sources
            .iter()
            .map(|source| required_clauses(source))
            .collect::<Result<Vec<_>, _>>()?;
        let Cover { words, named, key } = cover(&clauses);
        let rest_of = clauses
            .iter()
            .zip(key)
            .map(|(clauses, key)| {
                clauses
                    .iter()
                    .enumerate()
                    .filter(|(at, _)| Some(*at) != key)
                    .map(|(_, clause)| {
                        clause
                            .iter()
                            .map(|w| memmem::Finder::new(w).into_owned())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        // Correctness: without the pattern limit Teddy takes all the words
        // (more than its default 64), and only Teddy, never a slower fallback.
        let teddy = packed::Config::new()
            .only_teddy(true)
            .heuristic_pattern_limits(false)
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(&words)
            .build();
        let first = match teddy {
            Some(teddy) => FirstWords::Teddy(teddy),
            None => FirstWords::Automaton(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&words)
                    .map_err(|e| format!("prefilter words: {e}"))?,
            ),
        };
        Ok(Prefilter {
            first,
            named,
            rest_of,
        })
    }

    /// The rules all of whose clauses have a word in `lower` (a line with its
    /// ASCII letters lower-cased, as the rules read it). A rule not named
    /// cannot match.
    ///
    /// Every place a searched word starts is visited (no searched word is
    /// part of another, so one word at most starts there): a rule whose key
    /// clause has a word around it is named. Its other clauses are then looked
    /// for only in the few rules so named.
    pub(crate) fn candidates(&self, lower: &[u8]) -> RuleSet {
        let mut set = RuleSet::default();
        let mut from = 0;
        while let Some((word, start)) = self.first.find(lower, from) {
            for named in &self.named[word] {
                if named.is_at(lower, start) {
                    set.insert(named.rule);
                }
            }
            from = start + 1;
        }
        for rule in set.iter() {
            let has = |clause: &Vec<memmem::Finder<'static>>| {
                clause.iter().any(|word| word.find(lower).is_some())
            };
            if !self.rest_of[rule].iter().all(has) {
                set.remove(rule);
            }
        }
        set
    }
}

/// The clauses every match of the regex `source` satisfies (each match
/// contains a word of each), the most selective first.
///
/// # Errors
/// `source` does not parse, or no word is required.
pub(crate) fn required_clauses(source: &str) -> Result<Vec<Clause>, String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(|e| format!("rule {source:?} does not parse: {e}"))?;
    let mut clauses =
        required(&hir).ok_or_else(|| format!("rule {source:?} needs no literal word"))?;
    clauses.sort_by_key(|clause| std::cmp::Reverse(shortest(clause)));
    Ok(clauses)
}

/// The length of a clause's shortest word: longer words are rarer in lines
/// that match nothing.
fn shortest(clause: &Clause) -> usize {
    clause.iter().map(Vec::len).min().unwrap_or(0)
}

/// Soundness: each arm returns clauses only where the regex cannot match
/// without a word of each. A literal needs itself; a group, or a repetition of
/// at least once, needs what its body needs; an alternation needs one of its
/// branches' words (each branch must need some: its most selective clause is
/// taken); a concatenation needs what every one of its parts needs.
fn required(hir: &Hir) -> Option<Vec<Clause>> {
    match hir.kind() {
        HirKind::Literal(literal) => Some(vec![vec![literal.0.to_vec()]]),
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Alternation(branches) => {
            let mut words: Clause = Vec::new();
            for branch in branches {
                let best = required(branch)?.into_iter().max_by_key(shortest)?;
                for word in best {
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
            }
            Some(vec![words])
        }
        HirKind::Concat(parts) => {
            let clauses: Vec<Clause> = parts.iter().filter_map(required).flatten().collect();
            (!clauses.is_empty()).then_some(clauses)
        }
        HirKind::Empty | HirKind::Class(_) | HirKind::Look(_) | HirKind::Repetition(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clauses(source: &str) -> Vec<Vec<String>> {
        required_clauses(source)
            .unwrap()
            .into_iter()
            .map(|c| {
                c.into_iter()
                    .map(|w| String::from_utf8(w).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn clauses_are_what_every_match_contains() {
        // The alternation's shortest word is longer than "ping ".
        assert_eq!(
            clauses(r"\bping (?:timeout|timed out)\b"),
            [vec!["timeout", "timed out"], vec!["ping "]]
        );
        assert_eq!(
            clauses(r"\bping (?:to|for)\b"),
            [vec!["ping "], vec!["to", "for"]]
        );
        assert_eq!(
            clauses(r"\bconnection reset\b|\bos error 104\b"),
            [vec!["connection reset", "os error 104"]]
        );
        // Every required part of a concatenation, never an optional one.
        assert_eq!(
            clauses(r"(?:already )?\bconnected to (?P<addr>[0-9]+) failed"),
            [vec!["connected to "], vec![" failed"]]
        );
        assert_eq!(clauses(r"(?:abcdefgh)+ x"), [vec!["abcdefgh"], vec![" x"]]);
        // A branch gives its most selective clause to the alternation.
        assert_eq!(clauses(r"ab [0-9] abcdef|c"), [vec![" abcdef", "c"]]);
    }

    #[test]
    fn a_rule_without_a_word_is_refused() {
        for source in [r"[0-9]+", r"(?:word)?", r"a|[0-9]", r"(?:ab)*", r"\b"] {
            assert!(required_clauses(source).is_err(), "{source}");
        }
        assert!(required_clauses("(").is_err());
    }

    #[test]
    fn candidates_are_the_rules_whose_clauses_all_occur() {
        let sources = [
            r"\bping timeout\b".to_owned(),
            r"reset|104".to_owned(),
            r"connection to [0-9]+ failed".to_owned(),
        ];
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
        assert!(found("connection to 7 closed").is_empty());
        // The second clause's word before the first's still counts.
        assert_eq!(found(" failed; connection to 7"), [2]);
        let too_many = vec!["x".to_owned(); RuleSet::CAPACITY + 1];
        assert!(Prefilter::new(&too_many).is_err());
    }

    /// Parts of words, two bytes at least (an alternation of single bytes is
    /// a class, no word).
    const SYLLABLES: &[&str] = &[
        "conn", "ection", " to ", "hand", "shake", "xy", "block", ", ",
    ];

    proptest::proptest! {
        /// With words shared, cut to their cores and giving way to their
        /// parts, the rules named are exactly those each of whose clauses has
        /// a word in the line: the regex each match needs is run, and only
        /// where its words all are.
        #[test]
        fn candidates_are_the_rules_whose_clauses_all_occur_in_any_rules(
            rules in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::collection::vec(
                        proptest::collection::vec(proptest::sample::select(SYLLABLES), 1..5),
                        1..4,
                    ),
                    1..4,
                ),
                1..10,
            ),
            lines in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(SYLLABLES), 0..40),
                1..8,
            ),
        ) {
            // Clauses apart by a digit (no literal joins its neighbour), words
            // of one clause an alternation.
            let sources: Vec<String> = rules
                .iter()
                .map(|clauses| {
                    clauses
                        .iter()
                        .map(|clause| {
                            let words: Vec<String> = clause
                                .iter()
                                .map(|parts| regex_syntax::escape(&parts.concat()))
                                .collect();
                            format!("(?:{})", words.join("|"))
                        })
                        .collect::<Vec<_>>()
                        .join("[0-9]")
                })
                .collect();
            let prefilter = Prefilter::new(&sources).unwrap();
            let clauses: Vec<Vec<Clause>> =
                sources.iter().map(|s| required_clauses(s).unwrap()).collect();
            for line in lines {
                let line = line.concat().into_bytes();
                let occurs = |word: &Vec<u8>| memmem::find(&line, word).is_some();
                let expected: Vec<usize> = (0..sources.len())
                    .filter(|rule| clauses[*rule].iter().all(|clause| clause.iter().any(occurs)))
                    .collect();
                let found: Vec<usize> = prefilter.candidates(&line).iter().collect();
                proptest::prop_assert_eq!(found, expected, "{:?} in {:?}", String::from_utf8_lossy(&line), sources);
            }
        }
    }
}
