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

use std::sync::OnceLock;

use regex::{Captures, Match, Regex};

/// A regular expression compiled on first use, and only consulted for
/// texts holding one of its needles.
pub(crate) struct Guarded {
    pattern: &'static str,
    needles: &'static [&'static str],
    regex: OnceLock<Regex>,
}

impl Guarded {
    /// `pattern`, every match of which contains one of `needles`
    /// (case-sensitive).
    pub(crate) const fn new(needles: &'static [&'static str], pattern: &'static str) -> Self {
        Self {
            pattern,
            needles,
            regex: OnceLock::new(),
        }
    }

    /// The compiled expression, when `text` holds a needle.
    fn for_text(&self, text: &str) -> Option<&Regex> {
        self.needles
            .iter()
            .any(|n| text.contains(n))
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

#[cfg(test)]
pub(crate) mod tests {
    use regex_syntax::hir::{Hir, HirKind};

    use super::Guarded;

    /// Whether every match of `hir` provably contains one of `needles`:
    /// a literal holding a needle, a capture or a repetition (at least
    /// once) of such, a concatenation with such a part, or an alternation
    /// all of whose branches are such.
    fn covered(hir: &Hir, needles: &[&str]) -> bool {
        match hir.kind() {
            HirKind::Literal(lit) => {
                let lit = String::from_utf8_lossy(&lit.0);
                needles.iter().any(|n| lit.contains(n))
            }
            HirKind::Capture(c) => covered(&c.sub, needles),
            HirKind::Repetition(r) => r.min >= 1 && covered(&r.sub, needles),
            HirKind::Concat(parts) => parts.iter().any(|p| covered(p, needles)),
            HirKind::Alternation(branches) => branches.iter().all(|b| covered(b, needles)),
            _ => false,
        }
    }

    /// Panics unless every match of `guarded` holds one of its needles.
    pub(crate) fn assert_sound(name: &str, guarded: &Guarded) {
        let hir = regex_syntax::parse(guarded.pattern).expect("a valid regex");
        assert!(
            covered(&hir, guarded.needles),
            "{name}: a match can hold none of {:?}",
            guarded.needles
        );
    }

    #[test]
    fn needles_are_checked() {
        assert!(covered(
            &regex_syntax::parse("ab(c|de)+f").unwrap(),
            &["c", "d"]
        ));
        assert!(covered(
            &regex_syntax::parse("x(?:abc|abd)").unwrap(),
            &["ab"]
        ));
        assert!(!covered(
            &regex_syntax::parse("ab(c|de)*f").unwrap(),
            &["c", "d"]
        ));
        assert!(!covered(
            &regex_syntax::parse("(?i)exec").unwrap(),
            &["exec"]
        ));
        assert!(!covered(
            &regex_syntax::parse("exec|\\w+").unwrap(),
            &["exec"]
        ));
        assert!(covered(
            &regex_syntax::parse("(?i)https?://x").unwrap(),
            &["://"]
        ));
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
