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

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Match, Regex};

use crate::rules::Joined;

/// Texts at least this long are lowercased once to look for several
/// case-insensitive needles, rather than scanned once per needle.
const LOWERCASE_FROM: usize = 256;

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

    fn holds_needle(&self, needles: &[&str], text: &str) -> bool {
        let find = |haystack: &[u8], needle: &str| {
            memchr::memmem::find(haystack, needle.as_bytes()).is_some()
        };
        if !self.ignore_case {
            return needles.iter().any(|n| find(text.as_bytes(), n));
        }
        if text.len() < LOWERCASE_FROM || needles.len() < 2 {
            return needles.iter().any(|n| contains_ignore_ascii_case(text, n));
        }
        // Longer texts: lowercased once, then searched needle by needle.
        let lower = text.as_bytes().to_ascii_lowercase();
        needles.iter().any(|n| find(&lower, n))
    }

    /// The expression for any text: it looks for every needle.
    pub(crate) fn everywhere(&self) -> Within<'_> {
        Within {
            guarded: self,
            needles: Cow::Borrowed(self.needles),
        }
    }

    /// The expression for the texts of `joined`: `None` when none of its
    /// needles occurs in them, so none of them can match; otherwise it
    /// looks for the needles that occur there only.
    pub(crate) fn within(&self, joined: &Joined) -> Option<Within<'_>> {
        let haystack = if self.ignore_case {
            &joined.lower[..]
        } else {
            joined.text.as_bytes()
        };
        let needles: Vec<&'static str> = self
            .needles
            .iter()
            .copied()
            .filter(|n| memchr::memmem::find(haystack, n.as_bytes()).is_some())
            .collect();
        (!needles.is_empty()).then_some(Within {
            guarded: self,
            needles: Cow::Owned(needles),
        })
    }

    fn compiled(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(self.pattern).expect("a valid regex"))
    }

    /// [`Regex::is_match`].
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.everywhere().is_match(text)
    }

    /// [`Regex::find`].
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.everywhere().find(text)
    }

    /// [`Regex::find_iter`].
    pub(crate) fn find_iter<'s, 't>(
        &'s self,
        text: &'t str,
    ) -> impl Iterator<Item = Match<'t>> + use<'s, 't> {
        self.everywhere().find_iter(text)
    }

    /// [`Regex::captures_iter`].
    pub(crate) fn captures_iter<'s, 't>(
        &'s self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'s, 't> {
        self.everywhere().captures_iter(text)
    }
}

/// A [`Guarded`] expression for the texts of one [`Joined`] group (see
/// [`Guarded::within`]): it gives the answers of the expression for
/// every text of the group.
pub(crate) struct Within<'g> {
    guarded: &'g Guarded,
    /// The needles looked for.
    needles: Cow<'g, [&'static str]>,
}

impl<'g> Within<'g> {
    /// The compiled expression, when `text` holds a needle.
    fn for_text(&self, text: &str) -> Option<&'g Regex> {
        let guarded = self.guarded;
        guarded
            .holds_needle(&self.needles, text)
            .then(|| guarded.compiled())
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
    pub(crate) fn find_iter<'t>(
        &self,
        text: &'t str,
    ) -> impl Iterator<Item = Match<'t>> + use<'g, 't> {
        self.for_text(text)
            .into_iter()
            .flat_map(move |re| re.find_iter(text))
    }

    /// [`Regex::captures_iter`].
    pub(crate) fn captures_iter<'t>(
        &self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'g, 't> {
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
    use crate::rules::Joined;

    /// Whether every match of `hir` provably contains one of `needles`:
    /// a literal holding a needle, a capture or a repetition (at least
    /// once) of such, a concatenation with such a part, a concatenation
    /// whose adjacent parts of few possible texts (literals, small
    /// classes such as `[0-9]`, alternations of those) hold a needle in
    /// every combination, or an alternation all of whose branches are such.
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
                // The texts the current run of adjacent parts can end with
                // that hold no needle yet (their last characters only).
                let keep = needles.iter().map(|n| n.chars().count()).max().unwrap_or(1) - 1;
                let pending = |runs: Vec<String>| -> Vec<String> {
                    let mut left: Vec<String> = runs
                        .into_iter()
                        .filter(|r| !holds(r))
                        .map(|r| {
                            let skip = r.chars().count().saturating_sub(keep);
                            r.chars().skip(skip).collect()
                        })
                        .collect();
                    left.sort_unstable();
                    left.dedup();
                    left
                };
                let mut runs = vec![String::new()];
                for part in parts {
                    let next = finite_texts(part, ignore_case);
                    let repeated = next.is_none().then(|| repeated_texts(part, ignore_case));
                    match (next, repeated.flatten()) {
                        (Some(texts), _) => match cross(&runs, &texts, ignore_case) {
                            Some(joined) => runs = pending(joined),
                            None => runs = pending(texts),
                        },
                        // `x+`: the run reaches the first `x`; the last
                        // one starts the next run.
                        (None, Some(texts)) => {
                            if cross(&runs, &texts, ignore_case)
                                .is_some_and(|joined| pending(joined).is_empty())
                            {
                                return true;
                            }
                            runs = pending(texts);
                        }
                        (None, None) => runs = vec![String::new()],
                    }
                    if runs.is_empty() {
                        return true;
                    }
                }
                parts.iter().any(|p| covered(p, needles, ignore_case))
            }
            HirKind::Alternation(branches) => {
                branches.iter().all(|b| covered(b, needles, ignore_case))
            }
            _ => false,
        }
    }

    /// The texts of `x` when `hir` is `x+` (or `x{n,m}`, n ≥ 1, or a
    /// capture of such) and `x` has [`finite_texts`].
    fn repeated_texts(hir: &Hir, fold: bool) -> Option<Vec<String>> {
        match hir.kind() {
            HirKind::Repetition(r) if r.min >= 1 => finite_texts(&r.sub, fold),
            HirKind::Capture(c) => repeated_texts(&c.sub, fold),
            _ => None,
        }
    }

    /// Most texts a run of adjacent parts is expanded to.
    const MAX_TEXTS: usize = 256;

    /// Every text of `runs` followed by every text of `next`, unless
    /// there would be more than [`MAX_TEXTS`].
    fn cross(runs: &[String], next: &[String], fold: bool) -> Option<Vec<String>> {
        (runs.len() * next.len() <= MAX_TEXTS).then(|| {
            distinct(
                runs.iter()
                    .flat_map(|r| next.iter().map(move |n| format!("{r}{n}")))
                    .collect(),
                fold,
            )
        })
    }

    /// `texts` without repeats; with `fold`, in ASCII lowercase (the
    /// needles of a case-insensitive guard are matched so).
    fn distinct(mut texts: Vec<String>, fold: bool) -> Vec<String> {
        if fold {
            texts.iter_mut().for_each(|t| t.make_ascii_lowercase());
        }
        texts.sort_unstable();
        texts.dedup();
        texts
    }

    /// The few texts `hir` can match, when it is a literal, a class of at
    /// most 16 characters (so `(?i)` letters give both cases, and `k` or
    /// `s` also the Kelvin sign or the long s, which no ASCII needle
    /// holds), an optional one (`x?`), a capture, an alternation or a
    /// concatenation of such.
    fn finite_texts(hir: &Hir, fold: bool) -> Option<Vec<String>> {
        let texts = match hir.kind() {
            HirKind::Literal(lit) => vec![String::from_utf8_lossy(&lit.0).into_owned()],
            HirKind::Class(class) => {
                // `(?i-u:exe)` gives byte classes: ASCII ones only.
                let class = match class {
                    Class::Unicode(class) => class.clone(),
                    Class::Bytes(class) => class.to_unicode_class()?,
                };
                let chars: Vec<char> = class
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(17)
                    .collect();
                if chars.len() > 16 {
                    return None;
                }
                chars.iter().map(char::to_string).collect()
            }
            HirKind::Capture(c) => return finite_texts(&c.sub, fold),
            // `x?`
            HirKind::Repetition(r) if r.max == Some(1) => {
                let mut texts = finite_texts(&r.sub, fold)?;
                if r.min == 0 {
                    texts.push(String::new());
                }
                texts
            }
            HirKind::Alternation(branches) => {
                let mut out = Vec::new();
                for branch in branches {
                    out.extend(finite_texts(branch, fold)?);
                    if out.len() > MAX_TEXTS {
                        return None;
                    }
                }
                out
            }
            HirKind::Concat(parts) => {
                return parts.iter().try_fold(vec![String::new()], |runs, part| {
                    cross(&runs, &finite_texts(part, fold)?, fold)
                });
            }
            _ => return None,
        };
        Some(distinct(texts, fold))
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

    /// Long texts, lowercased once, hold the needles that scanning each
    /// needle in any case finds.
    #[test]
    fn long_texts_hold_the_same_needles() {
        let guarded =
            Guarded::ascii_case_insensitive(&["bun.sh", "uv", "-g"], r"(?i-u)bun\.sh|uv|-g");
        let pieces = [
            "bun", ".sh", "BUN.SH", "u", "v", "V", "-", "g", "G", " ", "é", "\n",
        ];
        let mut next = crate::testing::picks(0x2f1e_44a0_93c5_6b7d);
        let mut held = 0;
        for _ in 0..500 {
            let text: String = (0..next(200)).map(|_| pieces[next(pieces.len())]).collect();
            let scanned = guarded
                .needles
                .iter()
                .any(|n| contains_ignore_ascii_case(&text, n));
            assert_eq!(
                guarded.holds_needle(guarded.needles, &text),
                scanned,
                "{text:?}"
            );
            held += usize::from(scanned && text.len() >= super::LOWERCASE_FROM);
        }
        assert!(held > 50, "{held}");
    }

    /// Narrowed to a group of texts, an expression gives every text of
    /// the group the answers the whole expression gives.
    #[test]
    fn narrowed_to_a_group_gives_the_same_answers() {
        let expressions = [
            Guarded::ascii_case_insensitive(
                &["bun.sh", "-g", "uv"],
                r"(?i-u)bun\.sh/install|(?-u:\b)npm(?-u:\s)+i(?-u:\s)+-g(?-u:\s)+bun|(?-u:\b)uv(?-u:\s)+python",
            ),
            Guarded::new(
                &["ghp_", "://"],
                r"ghp_[A-Za-z0-9]{4}|https?://[0-9]+\.[0-9]+",
            ),
        ];
        let pieces = [
            "bun", ".sh", "/install", "BUN.SH", "npm", " ", "i", "-g", "-G", "uv", "UV", "python",
            "ghp_", "Ab3d", "http", "://", "1", ".", "2", "x", "\n", "é",
        ];
        let mut next = crate::testing::picks(0x51_7cc1_b727_220a);
        let mut matched = 0;
        for _ in 0..2_000 {
            let texts: Vec<String> = (0..1 + next(4))
                .map(|_| (0..next(10)).map(|_| pieces[next(pieces.len())]).collect())
                .collect();
            let joined = Joined::new(texts.iter().map(String::as_str));
            for guarded in &expressions {
                let within = guarded.within(&joined);
                for text in &texts {
                    let whole = guarded.find(text).map(|m| m.range());
                    let narrowed = within
                        .as_ref()
                        .and_then(|w| w.find(text))
                        .map(|m| m.range());
                    assert_eq!(whole, narrowed, "{text:?} in {texts:?}");
                    matched += usize::from(whole.is_some());
                }
            }
        }
        assert!(matched > 100, "{matched}");
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
        // Small classes and alternations expand: `://` then a digit.
        let digits: Vec<String> = (0..10).map(|d| format!("://{d}")).collect();
        let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
        assert!(check(r"https?://([0-9]{1,3})\.", &digits, false));
        assert!(check(r"tcp://[0-9]+", &digits, false));
        assert!(!check(r"https?://[0-9a-z]+", &digits, false));
        assert!(!check(r"https?://[0-9]*", &digits, false));
        assert!(check(r"(?i)x\.(?:exe|dll)", &[".exe", ".dll"], true));
        assert!(!check(r"(?i)x\.(?:exe|dll|so)", &[".exe", ".dll"], true));
        assert!(!check(r"(?i)\.(?:exe|ask)", &[".exe", ".ask"], true));
        assert!(check(r"(?i-u)\.(?:exe|ask)", &[".exe", ".ask"], true));
        assert!(check(
            r"private_?key",
            &["private_key", "privatekey"],
            false
        ));
        // Case variants do not swamp the expansion.
        assert!(check(
            r"(?i)(?-u:\b)(?:https?|wss?|tcp)://([0-9]{1,3})\.",
            &digits,
            false
        ));
        assert!(!check(
            r"private_*key",
            &["private_key", "privatekey"],
            false
        ));
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
