//! # SW-GEN-020: bundled native binaries
//!
//! **What it does.** Finds native executables and shared libraries (ELF,
//! PE, Mach-O) shipped inside a package and weighs them by where they
//! are: in a platform wheel or an npm platform package (one with `os` or
//! `cpu` in its manifest) they are expected; in an sdist, a pure-Python
//! (`py3-none-any`) wheel or an npm package for every platform an
//! executable is unusual; one disguised under a text or image extension
//! (`logo.png` that is an ELF file) or run by an install script or by
//! code at import is what droppers do. Executables written into source
//! as base64 or hex literals (a PE inside a string of `setup.py`) are
//! reported too: `critical` in code that runs by itself, `high`
//! elsewhere.
//!
//! **Why is this bad.** A native binary is opaque to review and to every
//! source-level rule: whatever it does, no rule here can see it. Malicious
//! packages ship a ready-made stealer or miner and start it from
//! `setup.py`, a `postinstall` script or `__init__.py`.
//!
//! **Example.**
//!
//! ```python
//! # setup.py of an sdist that also ships pkg/bin/helper (an ELF file)
//! subprocess.Popen([os.path.join(here, "pkg", "bin", "helper")])
//! ```
//!
//! **False positives.** Compiled extensions in platform wheels, npm
//! platform packages (esbuild's, sharp's), prebuilt Node addons (`.node`
//! files, `prebuilds/`) and setuptools' and distlib's Windows launchers
//! (`cli-64.exe`, `t64.exe`) are only noted (`info`), and so are binaries
//! in tests and docs, which are not installed. A library in an
//! sdist weighs `low`; an executable where none is expected `medium`.

use super::{Context, Emit, Rule, clip};
use crate::artifact::ArtifactKind;
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-020",
    title: "bundled native binaries",
    source: include_str!("gen020_native_binaries.rs"),
    check,
};

/// Where the binaries ship, which decides whether they are expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Packaging {
    /// A wheel or egg built for a platform.
    PlatformWheel,
    /// A wheel for every platform (`py3-none-any`).
    PureWheel,
    /// An npm package restricted to some `os`/`cpu`.
    NpmPlatform,
    /// An npm package for every platform.
    Npm,
    /// An sdist, a directory, anything else.
    Source,
}

impl Packaging {
    fn of(cx: &Context<'_>) -> Self {
        if let Some(manifest) = &cx.plan.manifest {
            let restricted = |key: &str| {
                manifest[key]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            };
            return if restricted("os") || restricted("cpu") {
                Self::NpmPlatform
            } else {
                Self::Npm
            };
        }
        let wheel = cx.artifact.files.iter().find(|f| {
            f.path.ends_with(".dist-info/WHEEL") && f.path.matches('/').count() == 1
        });
        if let Some(wheel) = wheel {
            let text = String::from_utf8_lossy(&wheel.bytes);
            let tags: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("Tag:"))
                .map(str::trim)
                .collect();
            if !tags.is_empty() {
                return if tags.iter().all(|t| t.ends_with("-any")) {
                    Self::PureWheel
                } else {
                    Self::PlatformWheel
                };
            }
        }
        let display = cx.artifact.display.to_ascii_lowercase();
        match cx.artifact.kind {
            ArtifactKind::Wheel if display.ends_with("-any.whl") => Self::PureWheel,
            ArtifactKind::Wheel => Self::PlatformWheel,
            ArtifactKind::Egg
                if ["-linux", "-win", "-macosx"].iter().any(|p| display.contains(p)) =>
            {
                Self::PlatformWheel
            }
            _ => Self::Source,
        }
    }

    fn is_platform(self) -> bool {
        matches!(self, Self::PlatformWheel | Self::NpmPlatform)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::PlatformWheel => "a platform wheel",
            Self::PureWheel => "a pure-Python wheel",
            Self::NpmPlatform => "an npm platform package",
            Self::Npm => "an npm package for every platform",
            Self::Source => "a source distribution",
        }
    }
}

/// Extensions that say "text or image", never a program.
const DISGUISES: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".bmp", ".webp", ".txt", ".md", ".rst",
    ".json", ".js", ".cjs", ".mjs", ".ts", ".py", ".pyi", ".pth", ".css", ".html", ".xml",
    ".cfg", ".toml", ".ini", ".yml", ".yaml", ".csv", ".lock", ".sh",
];

fn is_library(name: &str) -> bool {
    [".so", ".pyd", ".dll", ".dylib", ".node", ".bundle"]
        .iter()
        .any(|e| name.ends_with(e))
        || name.contains(".so.")
}

/// setuptools' and distlib's script launchers (`cli-64.exe`, `t64.exe`,
/// `gui-arm64.exe`), shipped in their pure wheels.
fn is_launcher(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(stem) = name.strip_suffix(".exe") else {
        return false;
    };
    let kind = ["cli", "gui", "t", "w"]
        .iter()
        .find_map(|k| stem.strip_prefix(k));
    (path.contains("setuptools/") || path.contains("distlib/"))
        && kind.is_some_and(|rest| {
            rest.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Whether `text` names the file `name` as a word: `./bin/x`, `"x"`,
/// `x --version`.
fn names_file(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        before.is_none_or(|c| matches!(c, '/' | '\\' | ' ' | '"' | '\'' | '`' | '='))
            && after.is_none_or(|c| matches!(c, ' ' | '"' | '\'' | '`' | ';' | '&' | '|' | ')'))
    })
}

/// Calls that load a native library into the process.
const LOADERS: &[&str] = &[
    "ctypes.CDLL",
    "ctypes.cdll.LoadLibrary",
    "ctypes.WinDLL",
    "ctypes.windll.LoadLibrary",
    "ctypes.PyDLL",
    "cffi.FFI.dlopen",
    "*.dlopen",
    "process.dlopen",
];

/// How an executable written into source text starts: a quote, then
/// the base64 or hex of a native header (`MZ`, `\x7fELF`, Mach-O).
const ENCODED_HEADERS: &[(&str, &str)] = &[
    ("'TV", "base64"),
    ("\"TV", "base64"),
    ("'f0VMR", "base64"),
    ("\"f0VMR", "base64"),
    ("'z/rt", "base64"),
    ("\"z/rt", "base64"),
    ("'4d5a", "hex"),
    ("\"4d5a", "hex"),
    ("'4D5A", "hex"),
    ("\"4D5A", "hex"),
    ("'7f454c46", "hex"),
    ("\"7f454c46", "hex"),
];

/// The headers of [`ENCODED_HEADERS`] in `text`, left to right, as
/// `(start, index)`. Each header starts with its only quote and none is a
/// prefix of another, so at most one starts at a quote and none overlap:
/// these are the matches an automaton of the headers would report, found
/// without building one.
fn encoded_headers(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    memchr::memchr2_iter(b'\'', b'"', text.as_bytes()).filter_map(|at| {
        let rest = &text.as_bytes()[at..];
        ENCODED_HEADERS
            .iter()
            .position(|(header, _)| rest.starts_with(header.as_bytes()))
            .map(|index| (at, index))
    })
}

/// Characters of an encoded blob read to recognise its header.
const HEADER_CHARS: usize = 1400;
/// The shortest blob that can hold an executable worth reporting.
const MIN_BLOB_CHARS: usize = 256;

/// The first native executable written into `text` as a base64 or hex
/// literal: the byte offset, the format and the encoding.
fn encoded_executable(text: &str) -> Option<(usize, &'static str, &'static str)> {
    encoded_headers(text).find_map(|(start, index)| {
        let encoding = ENCODED_HEADERS[index].1;
        let body = &text[start + 1..];
        let allowed = |c: char| match encoding {
            "hex" => c.is_ascii_hexdigit(),
            _ => c.is_ascii_alphanumeric() || c == '+' || c == '/',
        };
        let run = body.find(|c: char| !allowed(c)).unwrap_or(body.len());
        if run < MIN_BLOB_CHARS {
            return None;
        }
        let head = &body[..run.min(HEADER_CHARS)];
        let bytes = match encoding {
            "hex" => crate::embedded::decode_hex(&head[..head.len() & !1]),
            _ => crate::embedded::decode_base64(&head[..head.len() & !3]),
        }?;
        let format = crate::lang::lexical::native_format(&bytes)?;
        Some((start, format, encoding))
    })
}

/// Executables hidden in source as encoded literals (a PE in a base64
/// string of `setup.py`): a dropper's payload, whatever the packaging.
fn check_encoded(cx: &Context<'_>, out: &mut Emit<'_>) {
    for (file, text) in cx.code_texts() {
        let Some((offset, format, encoding)) = encoded_executable(text) else { continue };
        let line = crate::lang::lexical::line_of(text.as_bytes(), offset);
        let stage = super::gen018_decode_exec::stage_at(file, line, Some(super::gen018_decode_exec::line_text(text, offset)));
        let severity = if stage.is_automatic() { Severity::Critical } else { Severity::High };
        out.finding(
            severity,
            stage,
            &file.path,
            Some(line),
            format!("holds a {format} executable written as a {encoding} literal"),
        );
    }
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    check_encoded(cx, out);
    let natives: Vec<_> = cx.files.iter().filter_map(|f| Some((f, f.native?))).collect();
    if natives.is_empty() {
        return;
    }
    let packaging = Packaging::of(cx);
    let commands: Vec<_> = cx
        .commands()
        .iter()
        .filter(|c| c.stage.is_automatic())
        .collect();
    let loads: Vec<_> = cx
        .calls()
        .filter(|(_, c)| {
            c.stage.is_automatic()
                && LOADERS
                    .iter()
                    .any(|p| crate::lang::callee_matches(&c.callee, p))
        })
        .collect();
    let mut found = Vec::new();
    for (file, format) in natives {
        let path = file.path.as_str();
        let lower = path.to_ascii_lowercase();
        let name = path.rsplit('/').next().unwrap_or(path);
        let library = is_library(&lower);
        let kind = if library { "library" } else { "executable" };
        // Run or loaded by something that runs by itself.
        let run = (name.len() >= 3)
            .then(|| {
                commands
                    .iter()
                    .find(|c| names_file(&c.text, name))
                    .map(|c| (c.stage, c.file.to_owned(), c.line, format!("starts it: `{}`", clip(&c.text, 80))))
                    .or_else(|| {
                        loads
                            .iter()
                            .find(|(_, c)| c.strings.iter().any(|s| names_file(s, name)))
                            .map(|(f, c)| (c.stage, f.path.clone(), Some(c.line), format!("loads it with `{}`", c.callee)))
                    })
            })
            .flatten();
        if let Some((stage, at, line, how)) = run {
            let severity = if packaging.is_platform() {
                Severity::Low
            } else {
                Severity::High
            };
            found.push((
                severity,
                stage,
                at,
                line,
                format!("ships the native {format} {kind} `{path}` and {how}"),
            ));
            continue;
        }
        let disguised = DISGUISES.iter().any(|e| lower.ends_with(e));
        let not_installed =
            crate::surface::is_not_shipped(path) || crate::surface::is_test_file(path);
        let (severity, message) = if disguised {
            (
                // Test data of file-type detectors lives in tests/.
                if not_installed {
                    Severity::Low
                } else {
                    Severity::High
                },
                format!("`{path}` is a native {format} {kind} disguised by its name"),
            )
        } else if is_launcher(&lower) || packaging.is_platform() || not_installed {
            (
                Severity::Info,
                format!("ships the native {format} {kind} `{path}` in {}", packaging.describe()),
            )
        } else if library {
            let addon = lower.ends_with(".node")
                && (packaging == Packaging::Npm || lower.contains("prebuilds/"));
            (
                if addon { Severity::Info } else { Severity::Low },
                format!("ships the native {format} library `{path}` in {}", packaging.describe()),
            )
        } else if lower.contains("launcher") || lower.contains("trampoline") {
            (
                Severity::Low,
                format!(
                    "ships the native {format} launcher `{path}` in {}",
                    packaging.describe()
                ),
            )
        } else {
            (
                Severity::Medium,
                format!(
                    "ships the native {format} executable `{path}` in {}, where none is expected",
                    packaging.describe()
                ),
            )
        };
        found.push((severity, Stage::Metadata, path.to_owned(), None, message));
    }
    // The worst first, and a bounded number of them.
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
    for (severity, stage, file, line, message) in found.into_iter().take(10) {
        out.finding(severity, stage, &file, line, message);
    }
}

#[cfg(test)]
mod tests {
    /// The quote scan finds what an automaton of the headers finds, and
    /// the headers keep the shape it relies on.
    #[test]
    fn encoded_headers_match_an_automaton() {
        for (i, (header, _)) in ENCODED_HEADERS.iter().enumerate() {
            assert!(header.starts_with(['\'', '"']), "{header}");
            assert!(!header[1..].contains(['\'', '"']), "{header}");
            for (j, (other, _)) in ENCODED_HEADERS.iter().enumerate() {
                assert!(i == j || !other.starts_with(header), "{header} {other}");
            }
        }
        let automaton = aho_corasick::AhoCorasick::new(ENCODED_HEADERS.iter().map(|(p, _)| *p)).unwrap();
        let pieces = ["'", "\"", "TV", "T", "f0VMR", "f0V", "z/rt", "4d5a", "4D5A", "4d", "7f454c46", "x", "é"];
        let mut next = crate::testing::picks(0x2545_f491_4f6c_dd1d);
        let mut found = 0;
        for _ in 0..5_000 {
            let text: String = (0..next(20)).map(|_| pieces[next(pieces.len())]).collect();
            let expected: Vec<(usize, usize)> =
                automaton.find_iter(&text).map(|m| (m.start(), m.pattern().as_usize())).collect();
            assert_eq!(encoded_headers(&text).collect::<Vec<_>>(), expected, "{text:?}");
            found += expected.len();
        }
        assert!(found > 1_000, "{found}");
    }

    use super::*;

    #[test]
    fn helpers() {
        assert!(is_launcher("setuptools/cli-64.exe"));
        assert!(is_launcher("pip/_vendor/distlib/t64.exe"));
        assert!(!is_launcher("pkg/bin/tool.exe"));
        assert!(names_file("./bin/helper --version", "helper"));
        assert!(names_file("helper", "helper"));
        assert!(!names_file("helpers.js", "helper"));
        assert!(is_library("pkg/_x.cpython-312-x86_64-linux-gnu.so"));
        assert!(is_library("lib/libfoo.so.1"));
    }
}
