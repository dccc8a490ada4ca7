//! # SW-GEN-019: obfuscation
//!
//! **What it does.** Finds code written not to be read: obfuscator.io
//! output (`_0x1a2b3c` identifiers in bulk, the `while(!![])` string-array
//! shuffle), PyArmor (`__pyarmor__`, `pyarmor_runtime`), the marks of
//! the free Python obfuscators malware uses (`_ = lambda __ :
//! __import__('zlib')…`, `exec((_)(b'…'))`, their banners), builtins
//! reached by a spelled-out name (`getattr(__builtins__, 'exec')`,
//! `chr(101)+chr(120)…`, `'cexe'[::-1]`), identifiers that mix Latin with
//! look-alike Cyrillic or Greek letters, identifiers in mathematical or
//! fullwidth letters that Python reads as ASCII (`ℯ𝓍ℯ𝒸` is `exec`), and
//! huge high-entropy string literals in code that runs by itself.
//!
//! **Why is this bad.** Obfuscation hides what a payload does from
//! reviewers and scanners. Legitimate packages ship minified bundles, but
//! rarely obfuscate code that runs at install or import, and almost never
//! combine it with starting processes or talking to the network.
//!
//! **Example.**
//!
//! ```python
//! _ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]))
//! exec((_)(b'==gT...'))
//! ```
//!
//! **False positives.** Minified JavaScript (`*.min.js`, `dist/`
//! bundles) is not obfuscation and is not reported. Commercial packages
//! protected with PyArmor are `medium`. Obfuscation alone weighs `low`
//! or `medium`; obfuscated code that runs by itself and also starts
//! processes or talks to the network is `high`. The marks only malware
//! uses (the free obfuscators' idioms, builtins looked up by computed
//! names, obfuscator.io code inside Python, look-alike letters read as
//! ASCII) are `critical` in code that
//! runs by itself (a module's top level counts: it runs when the module
//! is imported) and `medium` inside functions.

use std::sync::LazyLock;

use regex::Regex;

use super::gen018_decode_exec::{hidden_sink, stage_at};
use super::{Context, Emit, Rule, is_network, is_spawn};
use crate::analysis::SourceFile;
use crate::lang::Lang;
use crate::model::{Severity, Stage};
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-019",
    title: "obfuscation",
    source: include_str!("gen019_obfuscation.rs"),
    check,
};

static HEX_IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u:\b)_0x[0-9a-f]{4,6}(?-u:\b)").expect("a valid regex"));

/// Marks of the free Python obfuscators.
pub(crate) static PY_OBFUSCATOR: Guarded = Guarded::ascii_case_insensitive(
    &["__import__(", "exec(", "obfuscat", "encrypted ", "protected ", "blankobf", "pyob.oxyry"],
    r#"(?i-u)lambda(?-u:\s)+_{1,}(?-u:\s)*:(?-u:\s)*__import__\(|exec\((?-u:\s)*\((?-u:\s)*_{1,}(?-u:\s)*\)(?-u:\s)*\(|(?:obfuscated|encrypted|protected) (?:with|by|using) (?:hyperion|blankobf|kramer|pyobfuscate|pyob|specter|vare|carbon|berserker)|pyobfuscate\.com|blankobf|pyob\.oxyry|development obfuscator|__(?-u:\w)*obfuscator(?-u:\w)*__|(?-u:\b)_{3,}(?-u:\s)*=(?-u:\s)*__import__\("#,
);

/// A word mixing Latin letters with Cyrillic or Greek ones.
static HOMOGLYPH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[A-Za-z_]+[\p{Cyrillic}\p{Greek}]|[\p{Cyrillic}\p{Greek}]+[A-Za-z_])\w*\b")
        .expect("a valid regex")
});

/// Longest [`COMPUTED_BUILTIN`] match taken as one lookup: the call, the
/// builtins name and up to 80 bytes of the computed name.
const LOOKUP_REACH: usize = 128;

/// `getattr(__builtins__, <not a literal>)`, at most [`LOOKUP_REACH`]
/// bytes long (checked on the match, which compiles far faster than a
/// bounded repetition).
pub(crate) static COMPUTED_BUILTIN: Guarded = Guarded::new(
    &["builtins"],
    r#"getattr\((?-u:\s)*(?:__builtins__|builtins)(?-u:\s)*,(?-u:\s)*[^'"\t\n\x0B\x0C\r )][^,)\n]*?(?:__str__\(\)|<<|chr\(|\[(?-u:\s)*-?[0-9])"#,
);

/// Shortest `IlIlIIlI`-style identifier.
const LI_IDENT_LEN: usize = 8;

/// `IlIlIIlI`-style identifiers: whole words (ASCII word boundaries on
/// both sides) of at least [`LI_IDENT_LEN`] letters `l` and `I`, with
/// their byte offsets. A scan, not a regular expression: it runs on
/// every Python file, and the expression cost more to compile than most
/// files take to scan.
fn li_identifiers(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at + bytes[at..].iter().position(|&b| b == b'l' || b == b'I')?;
            let len = bytes[start..].iter().take_while(|&&b| b == b'l' || b == b'I').count();
            let end = start + len;
            // Skip the rest of the word the run sits in.
            at = end + bytes[end..].iter().take_while(|&&b| is_word(b)).count();
            let bounded = (start == 0 || !is_word(bytes[start - 1])) && at == end;
            if bounded && len >= LI_IDENT_LEN {
                return Some((start, &text[start..end]));
            }
        }
        None
    })
}

/// Several module-level assignments to long identifiers of CJK or other
/// non-Latin letters (a renaming obfuscator).
static FOREIGN_IDENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}\p{Arabic}]{6,}[ \t]*=[^=]")
        .expect("a valid regex")
});

const PYARMOR: &[&str] = &["__pyarmor__", "pyarmor_runtime", "__armor_enter__", "__armor_exit__", "pytransform"];

/// Minified bundles: legitimate and common in npm.
fn is_bundle(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.contains(".min.")
        || name.contains(".bundle.")
        || name.contains("-bundle.")
        || path.starts_with("dist/")
        || path.contains("/dist/")
        || path.starts_with("build/")
        || path.contains("/umd/")
        || path.contains("/esm/")
        || path.contains("/cjs/")
        || path.contains("vendor")
}

/// One obfuscation mark in a file.
struct Mark {
    line: u32,
    what: String,
    /// Marks only malware uses (the free Python obfuscators).
    strong: bool,
}

fn marks(file: &SourceFile, text: &str) -> Vec<Mark> {
    let mut out = Vec::new();
    let line_of = |offset: usize| crate::lang::lexical::line_of(text.as_bytes(), offset);
    match file.lang {
        Lang::JavaScript | Lang::Python => {
            if file.lang == Lang::JavaScript && is_bundle(&file.path) {
                return out;
            }
            if memchr::memmem::find(text.as_bytes(), b"_0x").is_some() {
                let mut first = None;
                let mut count = 0usize;
                for m in HEX_IDENT.find_iter(text) {
                    first.get_or_insert(m.start());
                    count += 1;
                    if count >= 50 {
                        break;
                    }
                }
                let shuffle = text.contains("while(!![])") || text.contains("while (!![])");
                if count >= 20 || (count >= 5 && shuffle) {
                    out.push(Mark {
                        line: line_of(first.unwrap_or(0)),
                        what: format!(
                            "obfuscator.io output ({}`_0x…` identifiers{})",
                            if count >= 50 { "50+ " } else { "" },
                            if shuffle { ", the `while(!![])` string-array shuffle" } else { "" }
                        ),
                        // Obfuscated JavaScript inside Python is no bundle.
                        strong: file.lang == Lang::Python,
                    });
                }
            }
        }
        _ => return out,
    }
    if file.lang == Lang::Python {
        {
            if let Some(at) = PYARMOR.iter().find_map(|p| memchr::memmem::find(text.as_bytes(), p.as_bytes())) {
                out.push(Mark {
                    line: line_of(at),
                    what: "PyArmor-protected code".to_owned(),
                    strong: false,
                });
            }
            if let Some(m) = PY_OBFUSCATOR.find(text) {
                out.push(Mark {
                    line: line_of(m.start()),
                    what: format!("the mark of a Python obfuscator (`{}`)", super::clip(m.as_str(), 50)),
                    strong: true,
                });
            }
            if let Some((at, what)) = hidden_sink(text) {
                out.push(Mark {
                    line: line_of(at),
                    what: format!("a builtin reached by a hidden name ({what})"),
                    strong: false,
                });
            }
            let mixed_li = li_identifiers(text)
                .filter(|(_, word)| word.contains('l') && word.contains('I'))
                .take(10)
                .collect::<Vec<_>>();
            if mixed_li.len() >= 10 {
                out.push(Mark {
                    line: line_of(mixed_li[0].0),
                    what: format!("identifiers spelled with `l` and `I` only (`{}`)", mixed_li[0].1),
                    strong: true,
                });
            }
            if let Some((at, word, ascii)) = lookalike_identifier(text) {
                out.push(Mark {
                    line: line_of(at),
                    what: format!("an identifier in look-alike letters Python reads as ASCII (`{word}` is `{ascii}`)"),
                    strong: true,
                });
            }
            if let Some(m) = COMPUTED_BUILTIN
                .find_iter(text)
                .find(|m| m.len() <= LOOKUP_REACH)
            {
                out.push(Mark {
                    line: line_of(m.start()),
                    what: "a builtin looked up by a computed name (`getattr(__builtins__, …)`)".to_owned(),
                    strong: true,
                });
            }
            if !text.is_ascii()
                && let Some(m) = FOREIGN_IDENT.find(text)
                && FOREIGN_IDENT.find_iter(text).nth(2).is_some()
            {
                out.push(Mark {
                    line: line_of(m.start()),
                    what: "assignments to identifiers made of non-Latin letters".to_owned(),
                    strong: false,
                });
            }
        }
    }
    // Greek and Cyrillic letters start with bytes 0xCD..=0xD4 in UTF-8; the
    // Unicode word boundaries of HOMOGLYPH are slow, so it runs only then.
    if text.bytes().any(|b| (0xCD..=0xD4).contains(&b)) {
        let mixed: Vec<_> = HOMOGLYPH.find_iter(text).take(5).collect();
        if mixed.len() >= 3 && mixed.iter().any(|m| !inside_string_or_comment(text, m.start())) {
            out.push(Mark {
                line: line_of(mixed[0].start()),
                what: format!("identifiers mixing Latin and look-alike letters (`{}`)", mixed[0].as_str()),
                strong: false,
            });
        }
    }
    // Huge high-entropy literals in code.
    if let Some(facts) = &file.facts
        && let Some(lit) = facts
            .strings
            .iter()
            .find(|s| {
                s.value.len() >= 20_000
                    && !s.value.contains(char::is_whitespace)
                    && crate::lang::lexical::entropy(s.value.as_bytes()) > 5.2
            })
    {
        out.push(Mark {
            line: lit.line,
            what: format!("a {} KB high-entropy string literal", lit.value.len() / 1024),
            strong: false,
        });
    }
    out
}

/// A word of code made only of look-alike letters (`ℯ𝓍ℯ𝒸`), at least
/// three of them, used as a name (followed by `(`, `.` or `=`) outside
/// strings and comments: its offset, the word and what Python reads.
fn lookalike_identifier(text: &str) -> Option<(usize, String, String)> {
    if text.is_ascii() {
        return None;
    }
    let lookalike = super::gen018_decode_exec::ascii_lookalike;
    let mut start = None;
    for (i, c) in text.char_indices() {
        if lookalike(c).is_some() {
            start.get_or_insert(i);
            continue;
        }
        let Some(s) = start.take() else { continue };
        let word = &text[s..i];
        let ascii: String = word.chars().filter_map(lookalike).collect();
        let used = text[i..].trim_start_matches([' ', '\t']).starts_with(['(', '.', '=']);
        let glued = text[..s].chars().next_back().is_some_and(|p| p.is_alphanumeric() || p == '_')
            || c.is_alphanumeric()
            || c == '_';
        if ascii.chars().count() >= 3 && used && !glued && !inside_string_or_comment(text, s) {
            return Some((s, word.to_owned(), ascii));
        }
    }
    None
}

/// Whether `offset` sits after a `#`, `//` or an odd number of quotes on
/// its line (a rough test, enough for words in prose).
fn inside_string_or_comment(text: &str, offset: usize) -> bool {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[start..offset];
    before.contains('#')
        || before.contains("//")
        || before.matches('"').count() % 2 == 1
        || before.matches('\'').count() % 2 == 1
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for (file, text) in cx.code_texts() {
        let found = marks(file, text);
        if found.is_empty() {
            continue;
        }
        let acting = file.facts.as_ref().and_then(|f| {
            f.calls
                .iter()
                .find(|c| {
                    c.stage.is_automatic()
                        && (is_spawn(&c.callee) || is_network(&c.callee) || matches!(c.callee.as_str(), "exec" | "eval"))
                })
        });
        let mut best: Option<(Severity, Stage, u32, String)> = None;
        for mark in found {
            let line_text = text.lines().nth(mark.line.saturating_sub(1) as usize);
            let stage = match stage_at(file, mark.line, line_text) {
                Stage::Runtime => file.load_stage(),
                s => s,
            };
            let automatic = stage.is_automatic();
            let (severity, why) = match (automatic, &acting, mark.strong) {
                (true, Some(call), true) => (
                    Severity::Critical,
                    format!("{}, in code that runs `{}` by itself", mark.what, call.callee),
                ),
                (true, Some(call), false) => (Severity::High, format!("{}, in code that runs `{}` by itself", mark.what, call.callee)),
                (true, None, true) => (Severity::Critical, mark.what),
                (true, None, false) => (Severity::Medium, mark.what),
                (false, _, true) => (Severity::Medium, mark.what),
                (false, _, false) => (Severity::Low, mark.what),
            };
            if best
                .as_ref()
                .is_none_or(|(s, st, _, _)| (severity, std::cmp::Reverse(stage)) > (*s, std::cmp::Reverse(*st)))
            {
                best = Some((severity, stage, mark.line, why));
            }
        }
        if let Some((severity, stage, line, why)) = best {
            out.finding(severity, stage, &file.path, Some(line), why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan finds what `(?-u:\b)[lI]{8,}(?-u:\b)` finds.
    #[test]
    fn li_identifiers_are_whole_words() {
        let re = regex::Regex::new(r"(?-u:\b)[lI]{8,}(?-u:\b)").unwrap();
        let pieces = ["l", "I", "lI", "IIIIlll", "lllllllll", "x", "_", " ", "(", "é", "\n", "1", "IlIlIlIl"];
        let mut next = crate::testing::picks(0x2545_f491_4f6c_dd1d);
        for _ in 0..5_000 {
            let text: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            let want: Vec<_> = re.find_iter(&text).map(|m| (m.start(), m.as_str())).collect();
            let got: Vec<_> = li_identifiers(&text).collect();
            assert_eq!(got, want, "{text:?}");
        }
        assert_eq!(li_identifiers("IlIlIlIl = 1").count(), 1);
        assert_eq!(li_identifiers("xIlIlIlIl IlIlIlI").count(), 0);
    }

    #[test]
    fn python_obfuscators() {
        assert!(PY_OBFUSCATOR.is_match("_ = lambda __ : __import__('zlib').decompress(__[::-1])"));
        assert!(PY_OBFUSCATOR.is_match("exec((_)(b'abc'))"));
        assert!(!PY_OBFUSCATOR.is_match("key = lambda x: x[0]"));
        assert!(HOMOGLYPH.is_match("def pаyload():"));
        assert!(!HOMOGLYPH.is_match("message = 'привет'"));
        assert!(lookalike_identifier("ℯ𝓍ℯ𝒸(plaintext)").is_some());
        assert!(lookalike_identifier("x = 'ℝ𝕖𝕒𝕝(1)'").is_none());
        assert!(lookalike_identifier("# ℯ𝓍ℯ𝒸(x)").is_none());
    }
}
