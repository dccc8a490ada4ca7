//! # SW-GEN-018: decode and execute
//!
//! **What it does.** Finds code that decodes data and runs the result:
//! `exec`, `eval`, `compile`, `__import__` or `types.FunctionType` given
//! the output of base64, hex, zlib, bz2, lzma, `marshal.loads`, rot13,
//! `bytes.fromhex`, `codecs.decode`, `chr()` joins or reversed strings
//! (`[::-1]`), directly or through a variable of the same file; the same
//! with an obfuscated `exec` (`getattr(__builtins__, 'exec')`,
//! `__builtins__.__dict__['exec']`, `chr(101)+chr(120)+…`,
//! `'cexe'[::-1]`, `ℯ𝓍ℯ𝒸` in look-alike letters); and in JavaScript `eval(atob(…))`,
//! `Function(Buffer.from(x, 'base64').toString())()` and
//! `new Function` of decoded text.
//!
//! **Why is this bad.** Running decoded text hides the real code from
//! anyone who reads the package: the payload is a blob, and only the
//! interpreter sees what it does. xinference 2.6.0 ran a base64-encoded
//! credential stealer from its `__init__.py`; litellm 1.82.8 started a
//! Python process on an embedded base64 payload from a `.pth` file.
//! Legitimate libraries essentially never do this.
//!
//! **Example.**
//!
//! ```python
//! import base64
//! exec(base64.b64decode("cHJpbnQoJ2hpJyk="))
//! ```
//!
//! **False positives.** A few code generators and template engines
//! `exec` text they built themselves, never decoded blobs. Found at
//! install, interpreter start or import (including the top level of any
//! shipped module, which runs when that module is imported) the finding
//! is `critical`; inside functions that run only when called it is
//! `high`, unless the blob it decodes is written inside the call
//! itself (`exec(b64decode("aW1w…"))`, 32 characters or more): that is
//! code hidden in the package, `critical` wherever it sits.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Emit, Rule, clip};
use crate::analysis::SourceFile;
use crate::lang::Lang;
use crate::surface::{is_not_shipped, is_test_file};
use crate::model::{Severity, Stage};
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-018",
    title: "decode and execute",
    source: include_str!("gen018_decode_exec.rs"),
    check,
};

/// Bytes after a sink's `(` searched for a decoder.
const WINDOW: usize = 320;

/// Python calls that run (or import) what they are given.
pub(crate) static PY_SINK: Guarded = Guarded::new(
    &["exec", "eval", "compile", "__import__", "FunctionType"],
    r#"(?m)(?:^|[^0-9A-Za-z_.])(?:__import__\((?-u:\s)*['"](?:builtins|__builtin__)['"](?-u:\s)*\)\.|(?:__)?builtins(?:__)?\.)?(exec|eval|execfile|compile|__import__|FunctionType)(?-u:\s)*\((?-u:\s)*"#,
);

/// Python decoders, as they appear right after a sink.
pub(crate) static PY_DECODER: Guarded = Guarded::new(
    &["decrypt", "map(", "bytes(", "bytearray(", "decode", "unhexlify", "a2b_", "fromhex", "decompress", "loads", "ord", ".index(", "\\x", "[::-1]", "reversed(", "chr"],
    r#"decrypt(?-u:\w)*\(|map\((?-u:\s)*chr(?-u:\b)|bytes\((?-u:\s)*\[|bytearray\((?-u:\s)*\[|b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes|decodestring|unhexlify|a2b_base64|a2b_hex|fromhex|decompress(?-u:\s)*\(|marshal\.loads|loads(?-u:\s)*\((?-u:\s)*(?:b64|base64|zlib|bz2|lzma|b['"])|(?-u:\b)ord(?-u:\s)*\(|\.index\((?-u:\s)*(?-u:\w)+(?-u:\s)*\)(?-u:\s)*\]|['"](?:\\x[0-9a-fA-F]{2}){16}|codecs\.decode|decode\((?-u:\s)*['"](?:rot.?13|hex|base64|zlib|bz2|uu)|\[::-1\]|reversed\(|chr(?-u:\s)*\("#,
);

/// `name = <decoder>(…)`: a variable holding decoded data. The decoder
/// must start within [`ASSIGNMENT_REACH`] bytes of the `=` (checked on
/// the match: a bounded repetition of a Unicode class costs milliseconds
/// to compile).
pub(crate) static PY_DECODED_VAR: Guarded = Guarded::new(
    &["decrypt", "map(", "bytes(", "bytearray(", "decode", "unhexlify", "a2b_base64", "fromhex", "decompress", "marshal.loads"],
    r#"(?m)(?:^|;)[ \t]*([A-Za-z_](?-u:\w)*)[ \t]*=[ \t]*[^=\n][^\n;]*?(?:decrypt(?-u:\w)*\(|map\((?-u:\s)*chr(?-u:\b)|bytes\((?-u:\s)*\[|bytearray\((?-u:\s)*\[|b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes|decodestring|unhexlify|a2b_base64|fromhex|decompress(?-u:\s)*\(|marshal\.loads|codecs\.decode|decode\((?-u:\s)*['"](?:rot.?13|hex|base64|zlib))"#,
);

/// `def name(…):`, to find functions that decode.
pub(crate) static PY_DEF: Guarded = Guarded::new(
    &["def"],
    r"(?m)^[ \t]*def[ \t]+([A-Za-z_](?-u:\w)*)[ \t]*\(",
);

/// Decoders strong enough to make a short function a decoder.
pub(crate) static PY_STRONG_DECODER: Guarded = Guarded::new(
    &["decrypt", "decode", "unhexlify", "fromhex", "decompress", "marshal.loads"],
    r"decrypt(?-u:\w)*\(|b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes|unhexlify|fromhex|decompress(?-u:\s)*\(|marshal\.loads|codecs\.decode",
);

/// `x += chr(ord(a) ^ k)`: a string built character by character.
pub(crate) static PY_CHR_ACCUMULATE: Guarded = Guarded::new(
    &["chr("],
    r"(?m)(?:^|;)[ \t]*([A-Za-z_](?-u:\w)*)[ \t]*\+=[ \t]*chr\(",
);

/// Calls that run a shell command: `os.system(b64d(…))`.
pub(crate) static PY_SPAWN_SINK: Guarded = Guarded::new(
    &["system", "popen", "subprocess."],
    r"(?m)(?:^|[^0-9A-Za-z_])(os\.system|os\.popen|system|popen|subprocess\.(?:Popen|call|run|check_call|check_output|getoutput))(?-u:\s)*\((?-u:\s)*",
);

/// Shell: `echo … | base64 -d | sh`.
pub(crate) static SHELL_DECODE_RUN: Guarded = Guarded::new(
    &["base64"],
    r"base64(?-u:\s)+(?:-d|--decode|-D)(?-u:\b)[^|;&]*\|(?-u:\s)*(?:sudo(?-u:\s)+)?(?:ba|z|da)?sh(?-u:\b)|base64(?-u:\s)+(?:-d|--decode)[^|;&]*\|(?-u:\s)*python",
);

/// The start of a call's arguments: up to the closing parenthesis or
/// [`WINDOW`] bytes.
fn argument(rest: &str) -> &str {
    let window = &rest[..crate::lang::python::floor_boundary(rest, WINDOW)];
    let mut depth = 1usize;
    for (i, b) in window.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return &window[..i];
                }
            }
            _ => {}
        }
    }
    window
}

/// `compile(x, …)` inside `eval(…)`: the text after the inner call's
/// parenthesis.
fn strip_nested(mut window: &str) -> &str {
    for _ in 0..4 {
        let Some(rest) = ["compile", "eval", "exec", "str", "bytes"]
            .iter()
            .find_map(|p| window.strip_prefix(p))
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('('))
        else {
            break;
        };
        window = rest.trim_start();
    }
    window
}

/// Functions whose body (first 600 bytes) decodes and returns.
fn decoder_functions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for caps in PY_DEF.captures_iter(text) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else { continue };
        let rest = &text[whole.end()..];
        let body = &rest[..crate::lang::python::floor_boundary(rest, 600)];
        // Up to the next definition.
        let body = body.find("\ndef ").map_or(body, |i| &body[..i]);
        if body.contains("return") && PY_STRONG_DECODER.is_match(body) {
            out.push(name.as_str());
        }
    }
    out
}

/// The identifier a sink is given: `exec(code)`, `exec(code.decode())`.
static SINK_ARG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z_](?-u:\w)*)(?-u:\s)*(?:[),.\[(]|$)").expect("a valid regex"));

/// JavaScript calls that run text.
pub(crate) static JS_SINK: Guarded = Guarded::new(
    &["eval", "Function", "vm.runIn"],
    r"(?m)(?:^|[^0-9A-Za-z_.$])(eval|Function|vm\.runInThisContext|vm\.runInNewContext)(?-u:\s)*\((?-u:\s)*",
);

/// JavaScript decoders, right after a sink.
static JS_DECODER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^(?:atob(?-u:\s)*\(|Buffer\.from(?-u:\s)*\(|new(?-u:\s)+Buffer(?-u:\s)*\(|unescape(?-u:\s)*\(|decodeURIComponent(?-u:\s)*\((?-u:\s)*escape|String\.fromCharCode|(?:zlib\.)?(?:inflateSync|gunzipSync|brotliDecompressSync|inflateRawSync)(?-u:\s)*\()"#)
        .expect("a valid regex")
});

/// Longest match of [`PY_DECODED_VAR`] and [`JS_DECODED_VAR`] taken as
/// one assignment: the name, the call and up to a few hundred bytes of
/// arguments before the decoder or the encoding name.
const ASSIGNMENT_REACH: usize = 480;

/// `const x = atob(…)` / `Buffer.from(…, 'base64')` (at most
/// [`ASSIGNMENT_REACH`] bytes, checked on the match).
pub(crate) static JS_DECODED_VAR: Guarded = Guarded::new(
    &["atob", "Buffer.from"],
    r#"(?:const|let|var)(?-u:\s)+([0-9A-Za-z_$]+)(?-u:\s)*=(?-u:\s)*(?:atob(?-u:\s)*\(|Buffer\.from(?-u:\s)*\([^()]*?['"](?:base64|hex)['"])"#,
);

/// Python builtins reached by name: `getattr(__builtins__, 'exec')`,
/// `__builtins__.__dict__['exec']`, `globals()['__builtins__']`.
pub(crate) static PY_BUILTIN_LOOKUP: Guarded = Guarded::new(
    &["builtins", "__import__("],
    r#"getattr\((?-u:\s)*(?:__builtins__|builtins|__import__\((?-u:\s)*['"](?:builtins|__builtin__)['"](?-u:\s)*\))(?-u:\s)*,(?-u:\s)*['"](?:exec|eval|compile|__import__|execfile)['"]|__builtins__(?:\.__dict__)?(?-u:\s)*\[(?-u:\s)*['"](?:exec|eval|compile|__import__)['"]|globals\((?-u:\s)*\)(?-u:\s)*\[(?-u:\s)*['"]__builtins__['"](?-u:\s)*\](?:\.__dict__)?(?-u:\s)*\[(?-u:\s)*['"](?:exec|eval|compile|__import__)|vars\((?-u:\s)*(?:__builtins__|builtins)(?-u:\s)*\)(?-u:\s)*\[(?-u:\s)*['"](?:exec|eval|compile|__import__)"#,
);

/// `chr(101)+chr(120)+…`.
pub(crate) static CHR_CHAIN: Guarded = Guarded::new(
    &["chr("],
    r"(?:chr\((?-u:\s)*[0-9]{2,3}(?-u:\s)*\)(?-u:\s)*[+,](?-u:\s)*){2,}chr\((?-u:\s)*[0-9]{2,3}(?-u:\s)*\)",
);

/// `'cexe'[::-1]`, `''.join(reversed('cexe'))`. ASCII word characters:
/// only ASCII names are looked for, and Unicode classes repeated 40 times
/// take ~15 ms to compile.
pub(crate) static REVERSED: Guarded = Guarded::new(
    &["[::-1]", "reversed("],
    r#"['"]([0-9A-Za-z_.]{3,40})['"](?-u:\s)*\)?(?-u:\s)*\[::-1\]|reversed\((?-u:\s)*['"]([0-9A-Za-z_.]{3,40})['"](?-u:\s)*\)"#,
);

/// Names an obfuscated reference stands for when it hides a sink.
const HIDDEN_NAMES: &[&str] = &[
    "exec", "eval", "compile", "__import__", "execfile", "__builtins__", "builtins", "system", "popen",
    "b64decode", "base64", "marshal", "zlib", "subprocess", "getattr",
];

/// An obfuscated reference to `exec` and friends in `text`: the byte
/// offset and what it stands for.
pub(crate) fn hidden_sink(text: &str) -> Option<(usize, String)> {
    if let Some(m) = PY_BUILTIN_LOOKUP.find(text) {
        return Some((m.start(), clip(m.as_str(), 60)));
    }
    if text.contains("chr(") {
        for m in CHR_CHAIN.find_iter(text) {
            let decoded: String = m
                .as_str()
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|d| d.parse::<u32>().ok())
                .filter_map(char::from_u32)
                .collect();
            if HIDDEN_NAMES.iter().any(|n| decoded.contains(n)) {
                return Some((m.start(), format!("`{decoded}` built from chr()")));
            }
        }
    }
    if text.contains("[::-1]") || text.contains("reversed(") {
        for caps in REVERSED.captures_iter(text) {
            let Some(word) = caps.get(1).or_else(|| caps.get(2)) else { continue };
            let rev: String = word.as_str().chars().rev().collect();
            if HIDDEN_NAMES.contains(&rev.as_str()) {
                return Some((word.start(), format!("`{rev}` spelled backwards")));
            }
        }
    }
    // `'ex' + 'ec'`.
    for (start, m) in crate::lang::lexical::quoted_concatenations(text) {
        let joined: String = m
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if HIDDEN_NAMES.contains(&joined.as_str()) && m.matches('+').count() >= 1 {
            return Some((start, format!("`{joined}` split into pieces")));
        }
    }
    None
}

/// The ASCII letter or digit Python reads a look-alike character as
/// (identifiers are NFKC-normalized: `ℯ𝓍ℯ𝒸` is `exec`): mathematical
/// alphanumerics, letterlike symbols and fullwidth forms.
pub(crate) fn ascii_lookalike(c: char) -> Option<char> {
    let cp = c as u32;
    let letter = |i: u32| {
        if i < 26 {
            char::from_u32('A' as u32 + i)
        } else {
            char::from_u32('a' as u32 + i - 26)
        }
    };
    match cp {
        0x1D400..=0x1D6A3 => letter((cp - 0x1D400) % 52),
        0x1D7CE..=0x1D7FF => char::from_u32('0' as u32 + (cp - 0x1D7CE) % 10),
        0xFF21..=0xFF3A => char::from_u32('A' as u32 + cp - 0xFF21),
        0xFF41..=0xFF5A => char::from_u32('a' as u32 + cp - 0xFF41),
        0xFF10..=0xFF19 => char::from_u32('0' as u32 + cp - 0xFF10),
        _ => match c {
            'ℯ' | 'ℰ' => Some(if c == 'ℯ' { 'e' } else { 'E' }),
            'ℊ' => Some('g'),
            'ℎ' => Some('h'),
            'ℓ' => Some('l'),
            'ℴ' => Some('o'),
            'ℬ' => Some('B'),
            'ℱ' => Some('F'),
            'ℋ' | 'ℌ' | 'ℍ' => Some('H'),
            'ℐ' | 'ℑ' => Some('I'),
            'ℒ' => Some('L'),
            'ℳ' => Some('M'),
            'ℛ' | 'ℜ' | 'ℝ' => Some('R'),
            'ℨ' | 'ℤ' => Some('Z'),
            'ℭ' | 'ℂ' => Some('C'),
            'ℕ' => Some('N'),
            'ℙ' => Some('P'),
            'ℚ' => Some('Q'),
            _ => None,
        },
    }
}

/// `text` with look-alike letters replaced by the ASCII ones Python reads,
/// and the first such identifier, when there is any.
pub(crate) fn normalize_lookalikes(text: &str) -> Option<(String, String)> {
    if text.is_ascii() || !text.chars().any(|c| ascii_lookalike(c).is_some()) {
        return None;
    }
    let mut first = None;
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let mut word_has = false;
    for c in text.chars() {
        let mapped = ascii_lookalike(c);
        let ch = mapped.unwrap_or(c);
        if ch.is_alphanumeric() || ch == '_' {
            word.push(c);
            word_has |= mapped.is_some();
        } else {
            if word_has && first.is_none() {
                first = Some(word.clone());
            }
            word.clear();
            word_has = false;
        }
        out.push(ch);
    }
    if word_has && first.is_none() {
        first = Some(word);
    }
    first.map(|f| (out, f))
}

/// The stage of the code on `line` of `file`: for a script run whole,
/// its stage; from the facts on that line, for a file something loads;
/// for Python code that is not indented (module scope), the file's load
/// stage, or import for any other shipped module (its module scope runs
/// when it is imported); otherwise runtime.
pub(crate) fn stage_at(file: &SourceFile, line: u32, line_text: Option<&str>) -> Stage {
    if let Some(role) = &file.role
        && role.whole_file
    {
        return role.stage;
    }
    if let (Some(facts), Some(_)) = (&file.facts, &file.role) {
        let found = facts
            .calls
            .iter()
            .filter(|c| c.line == line)
            .map(|c| c.stage)
            .chain(facts.strings.iter().filter(|s| s.line == line).map(|s| s.stage))
            .chain(facts.names.iter().filter(|n| n.line == line).map(|n| n.stage))
            .min();
        if let Some(stage) = found {
            return stage;
        }
    }
    let module_scope = line_text.is_some_and(|l| {
        !l.starts_with([' ', '\t']) && !l.starts_with("def ") && !l.starts_with("class ") && !l.starts_with('#')
    });
    if file.lang == Lang::Python && module_scope {
        if let Some(role) = &file.role {
            return role.stage;
        }
        if file.path.ends_with(".py") && !is_not_shipped(&file.path) && !is_test_file(&file.path) {
            return Stage::Import;
        }
    }
    Stage::Runtime
}

/// The text of the line holding byte `offset`.
pub(crate) fn line_text(text: &str, offset: usize) -> &str {
    let offset = crate::lang::python::floor_boundary(text, offset);
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    &text[start..end]
}

/// Sites looked at per file at most.
const MAX_SITES: usize = 64;

/// One decode-and-run site.
struct Site {
    offset: usize,
    what: String,
    /// Among equals, the site reported: `exec` of decoded code first.
    priority: u8,
    /// Whether what is decoded is a blob written into the call itself
    /// (`exec(b64decode("aW1w…"))`): code hidden in the package.
    inline: bool,
}

/// Shortest quoted text inside a sink's arguments that counts as an
/// inline blob.
const INLINE_BLOB: usize = 32;

/// Whether `window` (a sink's arguments) holds a quoted literal of at
/// least [`INLINE_BLOB`] characters, or one that runs past the window.
fn has_inline_blob(window: &str) -> bool {
    let bytes = window.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        if quote == b'\'' || quote == b'"' {
            let rest = &bytes[i + 1..];
            let len = memchr::memchr(quote, rest).unwrap_or(rest.len());
            if len >= INLINE_BLOB {
                return true;
            }
            i += len + 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The sink a match of a sink regex names, and where it starts.
fn sink_of(m: regex::Match<'_>) -> (usize, &str) {
    let text = m.as_str();
    let skip = text
        .chars()
        .next()
        .filter(|c| !(c.is_alphanumeric() || *c == '_'))
        .map_or(0, char::len_utf8);
    let name = text[skip..].trim_end_matches(|c: char| c == '(' || c.is_whitespace());
    (m.start() + skip, name)
}

fn python_sites(text: &str) -> Vec<Site> {
    let mut out = Vec::new();
    if let Some(m) = SHELL_DECODE_RUN.find(text) {
        out.push(Site {
            priority: 1,
            offset: m.start(),
            what: format!("a shell pipes decoded base64 into an interpreter (`{}`)", clip(m.as_str(), 60)),
            inline: false,
        });
    }
    if !PY_DECODER.is_match(text) {
        return out;
    }
    // The assigned name: what precedes `=` (or `+=`) in the match.
    fn assigned(m: regex::Match<'_>) -> &str {
        let t = m.as_str().trim_start_matches([';', '\n']).trim_start();
        let end = t.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(t.len());
        &t[..end]
    }
    // Worked out only when a sink needs it (three expressions to compile).
    let decoded_vars = std::cell::OnceCell::new();
    let decoded_vars = || -> &HashSet<&str> {
        decoded_vars.get_or_init(|| {
            PY_DECODED_VAR
                .find_iter(text)
                .filter(|m| m.len() <= ASSIGNMENT_REACH)
                .chain(PY_CHR_ACCUMULATE.find_iter(text))
                .map(assigned)
                .filter(|n| !n.is_empty())
                .chain(decoder_functions(text))
                .collect()
        })
    };
    for m in PY_SINK.find_iter(text) {
        if out.len() >= MAX_SITES {
            break;
        }
        let (offset, sink) = sink_of(m);
        let window = argument(&text[m.end()..]);
        if let Some(d) = PY_DECODER.find(window) {
            out.push(Site {
                priority: 2,
                offset,
                what: format!("`{sink}` runs the output of `{}`", d.as_str().trim_end_matches(['(', ' '])),
                inline: has_inline_blob(window),
            });
        } else if let Some(arg) = SINK_ARG.captures(strip_nested(window)).and_then(|c| c.get(1))
            && decoded_vars().contains(arg.as_str())
        {
            out.push(Site {
                priority: 1,
                offset,
                what: format!("`{sink}` runs `{}`, which holds decoded data", arg.as_str()),
                inline: false,
            });
        }
    }
    // Shell commands given decoded text.
    if PY_SPAWN_SINK.is_match(text) && (PY_STRONG_DECODER.is_match(text) || !decoded_vars().is_empty()) {
        for m in PY_SPAWN_SINK.find_iter(text) {
            if out.len() >= MAX_SITES {
                break;
            }
            let (offset, sink) = sink_of(m);
            let window = argument(&text[m.end()..]);
            let decoded = PY_STRONG_DECODER
                .find(window)
                .map(|d| d.as_str().trim_end_matches(['(', ' ']).to_owned())
                .or_else(|| {
                    SINK_ARG
                        .captures(window)
                        .and_then(|c| c.get(1))
                        .filter(|a| decoded_vars().contains(a.as_str()))
                        .map(|a| a.as_str().to_owned())
                });
            if let Some(what) = decoded {
                out.push(Site {
                    priority: 1,
                    offset,
                    what: format!("`{sink}` runs a command decoded by `{what}`"),
                    inline: false,
                });
            }
        }
    }
    if let Some((offset, what)) = hidden_sink(text)
    {
        out.push(Site {
            priority: 1,
            offset,
            what: format!("an obfuscated `exec` ({what}) next to decoding"),
            inline: false,
        });
    }
    out
}

fn javascript_sites(text: &str) -> Vec<Site> {
    let mut out = Vec::new();
    let has_decoder = ["atob", "Buffer", "fromCharCode", "unescape", "Sync"]
        .iter()
        .any(|t| text.contains(t));
    if !has_decoder {
        return out;
    }
    let decoded_vars: HashSet<&str> = JS_DECODED_VAR
        .captures_iter(text)
        .filter(|c| c.get_match().len() <= ASSIGNMENT_REACH)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
        .collect();
    for m in JS_SINK.find_iter(text) {
        if out.len() >= MAX_SITES {
            break;
        }
        let (offset, sink) = sink_of(m);
        let rest = &text[m.end()..];
        if let Some(d) = JS_DECODER.find(rest) {
            // Buffer.from must decode base64 or hex, not copy bytes.
            if d.as_str().contains("Buffer") {
                let span = &rest[..crate::lang::python::floor_boundary(rest, 1 << 20)];
                let close = span.find(")").unwrap_or(span.len());
                let after = &span[..close.min(span.len())];
                if !(after.contains("base64") || after.contains("hex")) {
                    continue;
                }
            }
            out.push(Site {
                priority: 1,
                offset,
                what: format!("`{}` runs the output of `{}`", sink, d.as_str().trim_end_matches(['(', ' '])),
                inline: false,
            });
        } else if let Some(arg) = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .next()
            && !arg.is_empty()
            && decoded_vars.contains(arg)
        {
            out.push(Site {
                priority: 1,
                offset,
                what: format!("`{}` runs `{arg}`, which holds decoded data", sink),
                inline: false,
            });
        }
    }
    out
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for (file, text) in cx.code_texts() {
        let normalized = match file.lang {
            Lang::Python => normalize_lookalikes(text),
            _ => None,
        };
        let text = normalized.as_ref().map_or(text, |(t, _)| t.as_str());
        let sites = match file.lang {
            Lang::Python => python_sites(text),
            Lang::JavaScript => javascript_sites(text),
            _ => continue,
        };
        let mut sites = sites;
        sites.sort_by_key(|s| s.offset);
        sites.truncate(MAX_SITES);
        let mut best: Option<(Severity, Stage, u8, u32, String)> = None;
        let mut hidden: Option<(Stage, u32, String)> = None;
        let (mut line, mut at) = (1u32, 0usize);
        for site in sites {
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[at..site.offset]).count() as u32;
            at = site.offset;
            let stage = stage_at(file, line, Some(line_text(text, site.offset)));
            let severity = if stage.is_automatic() {
                Severity::Critical
            } else {
                Severity::High
            };
            if site.inline && hidden.is_none() {
                hidden = Some((stage, line, site.what.clone()));
            }
            let key = (severity, std::cmp::Reverse(stage), site.priority);
            if best
                .as_ref()
                .is_none_or(|(s, st, p, _, _)| key > (*s, std::cmp::Reverse(*st), *p))
            {
                best = Some((severity, stage, site.priority, line, site.what));
            }
        }
        if let Some((stage, line, what)) = hidden
            && best.as_ref().is_some_and(|b| b.0 < Severity::Critical)
        {
            // A blob decoded and run where it is written is hidden code,
            // whichever function holds it.
            out.finding_at_any_stage(Severity::Critical, stage, &file.path, Some(line), format!("{what} on a blob written inline"));
        } else if let Some((severity, stage, _, line, what)) = best {
            out.finding(severity, stage, &file.path, Some(line), what);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_forms() {
        assert!(!python_sites("import base64\nexec(base64.b64decode('aWQ='))\n").is_empty());
        assert!(!python_sites("exec(zlib.decompress(b'x'))").is_empty());
        assert!(!python_sites("c = base64.b64decode(x).decode()\nexec(c)\n").is_empty());
        assert!(!python_sites("eval(compile(bytes.fromhex('aa'), '<s>', 'exec'))").is_empty());
        assert!(!python_sites("getattr(__builtins__, 'exec')(base64.b64decode(p))").is_empty());
        assert!(!python_sites("f = 'cexe'[::-1]\ng = getattr(builtins, f)\ng(base64.b64decode(p))").is_empty());
        assert!(python_sites("exec(open('version.py').read())").is_empty());
        assert!(python_sites("data = base64.b64decode(x)\nexec(code)\n").is_empty());
        assert!(python_sites("pattern = re.compile(r'x')").is_empty());
        assert!(python_sites("exec(code);x = base64.b64decode(y)").is_empty());
        assert!(!python_sites("print(1);__import__('builtins').exec(__import__('builtins').compile(__import__('base64').b64decode('aWQ='),'<s>','exec'))").is_empty());
        assert!(!python_sites("exec(loads(b'\\xe3\\x00'))").is_empty());
        assert!(!python_sites("exec('\\x69\\x6d\\x70\\x6f\\x72\\x74\\x20\\x6f\\x73\\x3b\\x6f\\x73\\x2e\\x73\\x79\\x73')").is_empty());
        assert!(!python_sites("exec(''.join([r[a.index(c)] if c in r else c for c in 'XYZ']))").is_empty());
        assert!(!python_sites("def b64(c):\n    return b64decode(c).decode()\nexec(b64(blob))\n").is_empty());
        assert!(!python_sites("exec(Fernet(k).decrypt(b'gAAA'))").is_empty());
        assert!(!python_sites("exec(\"\".join(map(chr, [112, 114])))").is_empty());
        assert!(!python_sites("p = c.decrypt_and_verify(x, t)\nexec(p)").is_empty());
        assert!(!python_sites("def b64d(s):\n    b = base64.b64decode(s)\n    return b.decode()\nos.system(b64d('aWQ='))\n").is_empty());
        assert!(!python_sites("o = ''\nfor i in r:\n    o += chr(ord(a[i]) ^ 3)\neval(compile(o, '<s>', 'exec'))\n").is_empty());
        assert!(!python_sites("os.system('echo %s|base64 -d|bash' % e)").is_empty());
        assert!(python_sites("subprocess.run(['git', 'describe'])\nx = base64.b64decode(y)\n").is_empty());
        let inline = |t: &str| python_sites(t).iter().any(|s| s.inline);
        assert!(inline("def f():\n    exec(marshal.loads(base64.b32decode(b'MMAAAAAAAAAAAAAAAAAAAAQAAAAEAAAAABZQYAAAABSAAZ')))\n"));
        assert!(!inline("def f():\n    exec(base64.b64decode(x))\n"));
        assert!(!inline("exec(base64.b64decode('aWQ='))"));
    }

    #[test]
    fn javascript_forms() {
        assert!(!javascript_sites("eval(atob('YWxlcnQoMSk='))").is_empty());
        assert!(!javascript_sites("Function(Buffer.from(p, 'base64').toString())()").is_empty());
        assert!(!javascript_sites("const s = Buffer.from(p, 'hex').toString();\nnew Function(s)();").is_empty());
        assert!(javascript_sites("new Function('return this')(); var b = Buffer.from(x);").is_empty());
        assert!(javascript_sites("eval(Buffer.from(chunk))").is_empty());
    }

    #[test]
    fn lookalike_letters() {
        let (text, first) = normalize_lookalikes("x = 1\nℯ𝓍ℯ𝒸(base64.b64decode(p))\n").unwrap();
        assert_eq!(first, "ℯ𝓍ℯ𝒸");
        assert!(text.contains("exec(base64"));
        assert!(!python_sites(&text).is_empty());
        assert!(normalize_lookalikes("name = 'café'").is_none());
    }

    #[test]
    fn hidden() {
        assert!(hidden_sink("x = chr(101)+chr(120)+chr(101)+chr(99)").is_some());
        assert!(hidden_sink("x = ''.join(reversed('lave'))").is_some());
        assert!(hidden_sink("x = 'hello'[::-1]").is_none());
        assert!(hidden_sink("g = globals()['__builtins__']['exec']").is_some());
        assert!(hidden_sink("g = globals()['__builtins__']").is_none());
    }
}
