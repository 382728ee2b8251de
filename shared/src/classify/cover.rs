//! Which words the prefilter's Teddy search looks for, and which rules each
//! word names: as few words as cover every rule.
//!
//! Teddy's cost is not its scan but its checks: it groups its words in 16
//! buckets by their first bytes, and every place whose bytes could start a
//! word of a bucket is compared with each of that bucket's words. With every
//! rule's own most selective clause (83 words) each bucket held five words,
//! many starting with a space or with "conn", "hand", "bloc": most places of
//! a message were checked. Fewer words, each starting with a letter, are
//! fewer checks.
//!
//! Soundness: a part of a word is in every line the word is in. A rule is
//! named by a word that is part of each word of one of its clauses (its key
//! clause), so a line the rule matches holds that word; all its clauses are
//! then looked for by the prefilter before its regex runs.

use super::prefilter::Clause;

/// The shortest word that may stand for the clauses of several rules: a
/// shorter one ("peer", "block") is in most lines, and would make every such
/// line look for each of those rules' clauses.
const SHARED_WORD_MIN: usize = 8;

/// The words Teddy looks for and what a place where one is found says.
pub(crate) struct Cover {
    /// The words to search for, none part of another.
    pub(crate) words: Vec<Vec<u8>>,
    /// By word: the rules it may name, each with where to look.
    pub(crate) named: Vec<Vec<Named>>,
    /// By rule: its key clause (the one a found word vouches for).
    pub(crate) key: Vec<Option<usize>>,
}

/// A word of `rule`'s key clause, which holds a searched word at `offset`:
/// where that word is found, `offset` bytes earlier starts the clause word, or
/// not there.
pub(crate) struct Named {
    pub(crate) rule: usize,
    pub(crate) word: Vec<u8>,
    pub(crate) offset: usize,
}

impl Named {
    /// Whether `lower` holds this clause word where the searched word found
    /// at `at` says it would be: one comparison, no search.
    pub(crate) fn is_at(&self, lower: &[u8], at: usize) -> bool {
        at.checked_sub(self.offset)
            .and_then(|start| lower.get(start..))
            .is_some_and(|rest| rest.starts_with(&self.word))
    }
}

/// Chooses the words, each rule of `clauses` (by index; its clauses most
/// selective first) keyed by a clause each of whose words holds a searched
/// word.
///
/// A greedy set cover: while some word (the core of a clause word, at least
/// [`SHARED_WORD_MIN`] long) is part of every word of a clause of two or more
/// rules not yet keyed, the one that keys the most (the longest among equals)
/// is taken. Each rule still unkeyed brings the cores of its most selective
/// clause. Last, a word that contains another taken word gives way to it.
pub(crate) fn cover(clauses: &[Vec<Clause>]) -> Cover {
    let mut candidates: Vec<&[u8]> = clauses
        .iter()
        .flatten()
        .flatten()
        .flat_map(|word| {
            let core = core(word);
            core.split(|c| !c.is_ascii_alphanumeric()).chain([core])
        })
        .filter(|part| part.len() >= SHARED_WORD_MIN)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut key: Vec<Option<usize>> = vec![None; clauses.len()];
    let mut taken: Vec<Vec<u8>> = Vec::new();
    loop {
        let keyed = |word: &[u8]| {
            (0..clauses.len())
                .filter(|rule| {
                    key[*rule].is_none() && covered_clause(&clauses[*rule], word).is_some()
                })
                .count()
        };
        let best = candidates
            .iter()
            .map(|word| (keyed(word), word.len(), *word))
            .max();
        let Some((_, _, word)) = best.filter(|(count, _, _)| *count >= 2) else {
            break;
        };
        for (rule, key) in key.iter_mut().enumerate() {
            if key.is_none() {
                *key = covered_clause(&clauses[rule], word);
            }
        }
        taken.push(word.to_vec());
    }
    for (rule, key) in key.iter_mut().enumerate() {
        if key.is_none() && !clauses[rule].is_empty() {
            *key = Some(0);
            taken.extend(clauses[rule][0].iter().map(|word| core(word).to_vec()));
        }
    }
    taken.sort_unstable();
    taken.dedup();
    let words: Vec<Vec<u8>> = taken
        .iter()
        .filter(|word| {
            !taken
                .iter()
                .any(|other| other != *word && contains(word, other))
        })
        .cloned()
        .collect();
    let mut named: Vec<Vec<Named>> = words.iter().map(|_| Vec::new()).collect();
    for (rule, key) in key.iter().enumerate() {
        let Some(clause) = key.map(|k| &clauses[rule][k]) else {
            continue;
        };
        for word in clause {
            // Every clause word holds a taken word (its own core, or the
            // shared word that keyed it), and that word or one it gave way to
            // is kept.
            let Some(at) = words.iter().position(|w| contains(word, w)) else {
                continue;
            };
            let len = words[at].len();
            for offset in (0..=word.len() - len).filter(|o| word[*o..*o + len] == *words[at]) {
                named[at].push(Named {
                    rule,
                    word: word.clone(),
                    offset,
                });
            }
        }
    }
    Cover { words, named, key }
}

/// The index of the first of `clauses` each of whose words contains `word`.
fn covered_clause(clauses: &[Clause], word: &[u8]) -> Option<usize> {
    clauses
        .iter()
        .position(|clause| clause.iter().all(|w| contains(w, word)))
}

/// `word` without the spaces and punctuation at its ends (and the bytes of
/// non-ASCII characters there, such as an em dash): a Teddy word that starts
/// with a space matches at nearly every space. Empty for a word of
/// punctuation only; the word itself then.
fn core(word: &[u8]) -> &[u8] {
    let start = word.iter().position(u8::is_ascii_alphanumeric);
    let end = word.iter().rposition(u8::is_ascii_alphanumeric);
    match (start, end) {
        (Some(start), Some(end)) => &word[start..=end],
        _ => word,
    }
}

/// Whether `part` occurs in `word`.
fn contains(word: &[u8], part: &[u8]) -> bool {
    part.is_empty() || word.windows(part.len()).any(|w| w == part)
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::prefilter::required_clauses;
    use crate::classify::rules::RULES;

    /// Every rule is keyed, each word of its key clause holds a searched word
    /// that names it there, and no searched word is part of another.
    fn covers_every_rule(clauses: &[Vec<Clause>]) -> Result<(), String> {
        let cover = cover(clauses);
        for (at, word) in cover.words.iter().enumerate() {
            for (other_at, other) in cover.words.iter().enumerate() {
                if at != other_at && contains(word, other) {
                    return Err(format!("{word:?} holds {other:?}"));
                }
            }
        }
        for (rule, clauses) in clauses.iter().enumerate() {
            let key = cover.key[rule].ok_or(format!("rule {rule} has no key"))?;
            for word in &clauses[key] {
                let named = cover
                    .named
                    .iter()
                    .zip(&cover.words)
                    .any(|(named, searched)| {
                        named.iter().any(|n| {
                            n.rule == rule
                                && n.word == *word
                                && word
                                    .get(n.offset..)
                                    .is_some_and(|rest| rest.starts_with(searched))
                        })
                    });
                if !named {
                    return Err(format!("rule {rule}: {word:?} names it nowhere"));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn the_rules_are_covered_by_fewer_words() {
        let clauses: Vec<Vec<Clause>> = RULES
            .iter()
            .map(|rule| required_clauses(&rule.source()).unwrap())
            .collect();
        covers_every_rule(&clauses).unwrap();
        let first_clause_words: usize = clauses.iter().map(|c| c[0].len()).sum();
        let searched = cover(&clauses).words.len();
        // 35 words for 65 rules whose most selective clauses have 83.
        assert!(
            searched * 2 < first_clause_words,
            "{searched} of {first_clause_words}"
        );
        assert!(
            cover(&clauses)
                .words
                .iter()
                .all(|w| w.first().is_some_and(u8::is_ascii_alphanumeric)),
            "no searched word starts with a space"
        );
    }

    #[test]
    fn core_drops_the_ends_that_are_no_letters() {
        assert_eq!(core(b" duplicate"), b"duplicate");
        assert_eq!(
            core("), closing connection".as_bytes()),
            b"closing connection"
        );
        assert_eq!(
            core(" — connectionmanager".as_bytes()),
            b"connectionmanager"
        );
        assert_eq!(core(b"]"), b"]");
        assert_eq!(core(b""), b"");
    }

    proptest::proptest! {
        /// Random rules made of a few shared syllables, so words overlap,
        /// contain each other and share parts: each is still covered.
        #[test]
        fn random_rules_are_covered(
            rules in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::collection::vec(
                        proptest::collection::vec(
                            proptest::sample::select(&["conn", "ection", " to ", "hand", "shake", "(", "x", "block", " "][..]),
                            1..5,
                        ),
                        1..4,
                    ),
                    1..4,
                ),
                0..12,
            ),
        ) {
            let clauses: Vec<Vec<Clause>> = rules
                .iter()
                .map(|clauses| {
                    clauses
                        .iter()
                        .map(|clause| clause.iter().map(|parts| parts.concat().into_bytes()).collect())
                        .collect()
                })
                .collect();
            proptest::prop_assert_eq!(covers_every_rule(&clauses), Ok(()));
        }
    }
}
