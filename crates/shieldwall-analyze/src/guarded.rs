//! Regular expressions that are compiled only when a text could match.
//!
//! Compiling the catalog's regular expressions (Unicode word classes,
//! forward and reverse automata) costs about 15 ms in all, more than
//! analyzing a typical small artifact; a `shieldwall inspect` process per
//! artifact paid most of it each time. A [`Guarded`] expression carries
//! literals one of which every match contains (its *needles*): a text that
//! holds none of them cannot match, so the expression is neither compiled
//! nor run on it. The answers are those of the plain expression; the
//! tests check each needle list against the expression's syntax.
//!
//! The expressions use ASCII classes (`(?-u:\w)`, `(?-u:\s)`,
//! `[0-9A-Za-z_]`): a Unicode word class costs about 0.5 ms to compile
//! where its ASCII form costs 0.02 ms, and the tests refuse an expression
//! whose automaton is large (see `tests::assert_cheap`).

use std::sync::OnceLock;

use regex::{Captures, Match, Regex};

/// A regular expression compiled on first use, and only consulted for
/// texts holding one of its needles.
pub(crate) struct Guarded {
    pattern: &'static str,
    needles: &'static [&'static str],
    /// Whether needles are found regardless of ASCII case (for `(?i)`
    /// patterns; the tests allow no letter whose case-insensitive class
    /// holds a non-ASCII character, such as `k` or `s`).
    ignore_case: bool,
    regex: OnceLock<Regex>,
}

impl Guarded {
    /// `pattern`, every match of which contains one of `needles`
    /// (case-sensitive).
    pub(crate) const fn new(needles: &'static [&'static str], pattern: &'static str) -> Self {
        Self {
            pattern,
            needles,
            ignore_case: false,
            regex: OnceLock::new(),
        }
    }

    /// `pattern`, every match of which contains one of `needles` in
    /// lower or upper ASCII case.
    pub(crate) const fn ascii_case_insensitive(
        needles: &'static [&'static str],
        pattern: &'static str,
    ) -> Self {
        Self {
            pattern,
            needles,
            ignore_case: true,
            regex: OnceLock::new(),
        }
    }

    /// The compiled expression, when `text` holds a needle.
    fn for_text(&self, text: &str) -> Option<&Regex> {
        self.needles
            .iter()
            .any(|n| {
                if self.ignore_case {
                    contains_ignore_ascii_case(text, n)
                } else {
                    text.contains(n)
                }
            })
            .then(|| self.compiled())
    }

    fn compiled(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(self.pattern).expect("a valid regex"))
    }

    /// [`Regex::is_match`].
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.for_text(text).is_some_and(|re| re.is_match(text))
    }

    /// [`Regex::find`].
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.for_text(text)?.find(text)
    }

    /// [`Regex::find_iter`].
    pub(crate) fn find_iter<'s, 't>(
        &'s self,
        text: &'t str,
    ) -> impl Iterator<Item = Match<'t>> + use<'s, 't> {
        self.for_text(text)
            .into_iter()
            .flat_map(move |re| re.find_iter(text))
    }

    /// [`Regex::captures_iter`].
    pub(crate) fn captures_iter<'s, 't>(
        &'s self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'s, 't> {
        self.for_text(text)
            .into_iter()
            .flat_map(move |re| re.captures_iter(text))
    }
}

/// Whether `text` holds `needle` (lowercase ASCII) in any ASCII case.
fn contains_ignore_ascii_case(text: &str, needle: &str) -> bool {
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), text).any(|at| {
        text.get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use regex_syntax::hir::{Class, Hir, HirKind};

    use super::{Guarded, contains_ignore_ascii_case};

    /// Whether every match of `hir` provably contains one of `needles`:
    /// a literal holding a needle, a capture or a repetition (at least
    /// once) of such, a concatenation with such a part, or an alternation
    /// all of whose branches are such.
    fn covered(hir: &Hir, needles: &[&str], ignore_case: bool) -> bool {
        let holds = |run: &str| {
            needles.iter().any(|n| {
                if ignore_case {
                    run.to_ascii_lowercase().contains(n)
                } else {
                    run.contains(n)
                }
            })
        };
        match hir.kind() {
            HirKind::Literal(lit) => holds(&String::from_utf8_lossy(&lit.0)),
            HirKind::Capture(c) => covered(&c.sub, needles, ignore_case),
            HirKind::Repetition(r) => r.min >= 1 && covered(&r.sub, needles, ignore_case),
            HirKind::Concat(parts) => {
                // Runs of adjacent fixed text (each letter in either case,
                // when ignoring case) hold a needle, or some part does.
                let mut run = String::new();
                for part in parts {
                    match fixed_text(part, ignore_case) {
                        Some(text) => run.push_str(&text),
                        None => {
                            if holds(&run) {
                                return true;
                            }
                            run.clear();
                        }
                    }
                }
                holds(&run) || parts.iter().any(|p| covered(p, needles, ignore_case))
            }
            HirKind::Alternation(branches) => {
                branches.iter().all(|b| covered(b, needles, ignore_case))
            }
            _ => false,
        }
    }

    /// The text `hir` always matches, up to ASCII case when
    /// `ignore_case`: a literal, or a class of exactly the two cases of
    /// one ASCII letter (not `k` or `s`, whose classes hold the Kelvin
    /// sign and the long s).
    fn fixed_text(hir: &Hir, ignore_case: bool) -> Option<String> {
        match hir.kind() {
            HirKind::Literal(lit) => Some(String::from_utf8_lossy(&lit.0).into_owned()),
            HirKind::Class(Class::Unicode(class)) if ignore_case => {
                let chars: Vec<char> = class
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(3)
                    .collect();
                match chars[..] {
                    [upper, lower]
                        if upper.is_ascii_uppercase() && lower == upper.to_ascii_lowercase() =>
                    {
                        Some(lower.to_string())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Panics unless every match of `guarded` holds one of its needles.
    pub(crate) fn assert_sound(name: &str, guarded: &Guarded) {
        let hir = regex_syntax::parse(guarded.pattern).expect("a valid regex");
        assert!(
            guarded
                .needles
                .iter()
                .all(|n| !guarded.ignore_case || *n == n.to_ascii_lowercase()),
            "{name}: needles of a case-insensitive guard are lowercase"
        );
        assert!(
            covered(&hir, guarded.needles, guarded.ignore_case),
            "{name}: a match can hold none of {:?}",
            guarded.needles
        );
        assert_cheap(name, guarded.pattern);
    }

    /// States of the reverse automaton above which an expression is
    /// reported as costly to compile.
    const MAX_NFA_STATES: usize = 1_000;

    /// Panics when `pattern` compiles to an automaton of more than
    /// [`MAX_NFA_STATES`] states: Unicode word and space classes, or a
    /// bounded repetition of a class spanning all of Unicode, cost
    /// milliseconds to compile in every `shieldwall inspect` process.
    /// ASCII classes (`(?-u:\w)`, `[0-9A-Za-z_]`) and unbounded
    /// repetitions checked on the match are the cheap forms.
    pub(crate) fn assert_cheap(name: &str, pattern: &str) {
        let states = nfa_states(pattern);
        assert!(
            states <= MAX_NFA_STATES,
            "{name}: {states} automaton states; use ASCII classes or an unbounded repetition"
        );
    }

    /// States of the reverse automaton: Unicode classes compile to far
    /// more of them backwards (the forward compiler shares suffixes).
    fn nfa_states(pattern: &str) -> usize {
        use regex_automata::nfa::thompson::{Compiler, Config, WhichCaptures};
        Compiler::new()
            .configure(
                Config::new()
                    .reverse(true)
                    .which_captures(WhichCaptures::None),
            )
            .build(pattern)
            .expect("a valid regex")
            .states()
            .len()
    }

    #[test]
    fn costly_classes_are_refused() {
        for costly in [r"def\s+(\w+)\(", r"x[^\w.]y", r"=[^\n;]{0,200}?decode"] {
            assert!(
                nfa_states(costly) > MAX_NFA_STATES,
                "{costly}: {}",
                nfa_states(costly)
            );
        }
        for cheap in [
            r"def(?-u:\s)+((?-u:\w)+)\(",
            r"x[^0-9A-Za-z_.]y",
            r"=[^\n;]*?decode",
        ] {
            assert!(
                nfa_states(cheap) <= MAX_NFA_STATES / 10,
                "{cheap}: {}",
                nfa_states(cheap)
            );
        }
    }

    #[test]
    fn needles_are_checked() {
        let check = |pattern: &str, needles: &[&str], ignore_case: bool| {
            covered(&regex_syntax::parse(pattern).unwrap(), needles, ignore_case)
        };
        assert!(check("ab(c|de)+f", &["c", "d"], false));
        assert!(check("x(?:abc|abd)", &["ab"], false));
        assert!(!check("ab(c|de)*f", &["c", "d"], false));
        assert!(!check("(?i)exec", &["exec"], false));
        assert!(!check(r"exec|\w+", &["exec"], false));
        assert!(check("(?i)https?://x", &["://"], false));
        assert!(check("(?i)exec", &["exec"], true));
        assert!(check("(?i)x(?:abc|abd)", &["ab"], true));
        // `(?i)k` also matches the Kelvin sign, `(?i)s` the long s.
        assert!(!check("(?i)kelvin", &["kelvin"], true));
        assert!(!check("(?i)bus", &["bus"], true));
        assert!(check("(?i)bus", &["bu"], true));
        assert!(check(r"(?i)bun\.sh", &["bun."], true));
        assert!(!check(r"(?i)bun\s+run", &["bunrun"], true));
    }

    #[test]
    fn ignoring_case_finds_every_case() {
        assert!(contains_ignore_ascii_case("x DROPBOX y", "dropbox"));
        assert!(contains_ignore_ascii_case("dRoPbOx", "dropbox"));
        assert!(!contains_ignore_ascii_case("drop box", "dropbox"));
        assert!(!contains_ignore_ascii_case("dropbo", "dropbox"));
        let guarded = Guarded::ascii_case_insensitive(&["bun"], r"(?i)\bbun\s+run");
        assert!(guarded.is_match("BUN run x"));
        assert!(!guarded.is_match("deno run x"));
    }

    #[test]
    fn answers_match_the_plain_expression() {
        let guarded = Guarded::new(&["exec", "eval"], r"(?:^|[^\w.])(exec|eval)\s*\(");
        let plain = regex::Regex::new(guarded.pattern).unwrap();
        for text in [
            "",
            "x = 1",
            "exec(a)",
            "os.exec(b); eval (c)",
            "é exec(",
            "execute",
        ] {
            let want: Vec<_> = plain.find_iter(text).map(|m| m.range()).collect();
            let got: Vec<_> = guarded.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(guarded.is_match(text), plain.is_match(text));
            let captured = |c: regex::Captures<'_>| c[1].to_owned();
            assert_eq!(
                guarded
                    .captures_iter(text)
                    .map(captured)
                    .collect::<Vec<_>>(),
                plain.captures_iter(text).map(captured).collect::<Vec<_>>()
            );
        }
        assert!(guarded.regex.get().is_some());
        let untouched = Guarded::new(&["exec"], "exec");
        assert!(!untouched.is_match("nothing here"));
        assert!(
            untouched.regex.get().is_none(),
            "compiled for a text without needles"
        );
    }
}
