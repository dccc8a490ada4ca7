//! # SW-GEN-022: size and shape outliers
//!
//! **What it does.** Reports packages shaped like a carrier for one
//! payload: a script that runs at install or startup making up over 90%
//! of the package's bytes, an enormous single line of code in a file run
//! at install, startup or import (`setup.py`, a `.pth` file, a module
//! `__init__.py` imports), and a huge file (over 1 MiB) nothing in the
//! package names. These are shapes, not behavior: they weigh `low` or
//! `medium`, enough to tip a package that also does something suspicious.
//! Tests, docs and benchmarks are not installed and not counted.
//!
//! **Why is this bad.** Droppers are small packages around one large
//! obfuscated blob: the Mini Shai-Hulud worm's install script was a
//! multi-megabyte bundle making up nearly all of each package, and
//! `.pth` and `setup.py` payloads are typically one very long line of
//! encoded code. Legitimate install scripts and setup files are short
//! and written by people.
//!
//! **Example.**
//!
//! ```text
//! package.json   "postinstall": "node bundle.js"
//! bundle.js      3.6 MB, 98% of the package, 2 lines
//! ```
//!
//! **False positives.** Minified bundles loaded as an npm package's main
//! module are normal and not reported; neither are generated protocol
//! buffer modules (`*_pb2.py`), nor a long line of prose (a README that
//! a build tool pasted into `setup.py` as `long_description`). Single-module Python packages are mostly
//! one file, but that file runs at import, where dominance alone is not
//! reported. Data files (models, fonts, databases) can be large and
//! found by directory rather than by name: they weigh only `low`.

use super::{Context, Emit, Rule};
use crate::lang::Lang;
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-022",
    title: "size and shape outliers",
    source: include_str!("gen022_shape_outliers.rs"),
    check,
};

/// Packages smaller than this are naturally one file.
const MIN_TOTAL: u64 = 20 << 10;
/// Share of the bytes one file must hold to dominate the package.
const DOMINANT_SHARE: f64 = 0.9;
/// Longest line of an install or startup Python file that is still
/// ordinary.
const PY_INSTALL_LINE: usize = 5_000;
/// Longest line of a `.pth` file that is still ordinary.
const PTH_LINE: usize = 1_000;
/// Longest line of a Python module run at import that is still ordinary.
const PY_IMPORT_LINE: usize = 20_000;
/// Longest line of a JavaScript install script that is still ordinary
/// (install scripts are sometimes minified).
const JS_INSTALL_LINE: usize = 50_000;
/// Files larger than this are worth a reference.
const HUGE: usize = 1 << 20;

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let total = cx.artifact.total_bytes();
    for file in cx.files {
        let Some(role) = &file.role else { continue };
        let Some(shape) = &file.shape else { continue };
        if file.native.is_some() || !matches!(file.lang, Lang::Python | Lang::JavaScript | Lang::Shell)
        {
            continue;
        }
        let stage = role.stage;
        let early = matches!(stage, Stage::Install | Stage::Startup);
        let dominant = total >= MIN_TOTAL && file.size as f64 >= DOMINANT_SHARE * total as f64;
        let pb2 = file.path.ends_with("_pb2.py");
        let line_limit = match (file.lang, stage) {
            (Lang::Python, _) if file.path.ends_with(".pth") => Some(PTH_LINE),
            (Lang::Python, Stage::Install | Stage::Startup) => Some(PY_INSTALL_LINE),
            (Lang::Python, Stage::Import) if !pb2 => Some(PY_IMPORT_LINE),
            (Lang::JavaScript | Lang::Shell, Stage::Install | Stage::Startup) => {
                Some(JS_INSTALL_LINE)
            }
            _ => None,
        };
        let long = line_limit.is_some_and(|limit| shape.longest_line > limit)
            && file.text.as_deref().is_some_and(|t| !longest_is_prose(t));
        let severity = match (early, dominant, long) {
            (true, true, true) => Severity::Medium,
            (true, true, false) => Severity::Medium,
            (true, false, true) if file.lang == Lang::Python => Severity::Medium,
            (true, false, true) => Severity::Low,
            (false, true, true) => Severity::Medium,
            (false, false, true) => Severity::Low,
            (_, _, false) => continue,
        };
        let mut parts = Vec::new();
        if dominant {
            parts.push(format!(
                "is {:.0}% of the package's bytes ({} of {})",
                100.0 * file.size as f64 / total as f64,
                file.size,
                total
            ));
        }
        if long {
            parts.push(format!(
                "has a single line of {} characters",
                shape.longest_line
            ));
        }
        out.finding(
            severity,
            stage,
            &file.path,
            None,
            format!("code run at {stage} {}", parts.join(" and ")),
        );
    }
    unreferenced(cx, out);
}

/// Whether the longest line of `text` reads as prose (a README pasted
/// into `long_description` by a build tool) rather than code or an
/// encoded blob: words separated by spaces.
fn longest_is_prose(text: &str) -> bool {
    let line = text
        .split('\n')
        .max_by_key(|l| l.len())
        .unwrap_or_default();
    let len = line.len().max(1) as f64;
    let spaces = line.bytes().filter(|&b| b == b' ').count() as f64;
    let letters = line.bytes().filter(u8::is_ascii_alphabetic).count() as f64;
    spaces / len >= 0.08 && letters / len >= 0.6
}

/// Huge files whose name appears nowhere in the package's text.
fn unreferenced(cx: &Context<'_>, out: &mut Emit<'_>) {
    let huge: Vec<_> = cx
        .files
        .iter()
        .filter(|f| {
            f.size > HUGE
                && f.native.is_none()
                && f.role.is_none()
                && !crate::surface::is_not_shipped(&f.path)
                && !crate::surface::is_test_file(&f.path)
                && !f.path.contains(".dist-info/")
                && !f.path.contains(".egg-info/")
        })
        .collect();
    if huge.is_empty() {
        return;
    }
    // The stem, so that `ttypes.py` imported as `ttypes` and `x.bin`
    // found as `x.bin` both count.
    let names: Vec<&str> = huge
        .iter()
        .map(|f| {
            let name = f.path.rsplit('/').next().unwrap_or(&f.path);
            match name.split_once('.') {
                Some((stem, _)) if stem.len() >= 3 => stem,
                _ => name,
            }
        })
        .collect();
    let matcher = aho_corasick::AhoCorasick::new(&names).expect("file names build an automaton");
    let mut referenced = vec![false; names.len()];
    for file in cx.files {
        let Some(text) = &file.text else { continue };
        for m in matcher.find_overlapping_iter(text.as_str()) {
            let i = m.pattern().as_usize();
            // A file does not reference itself.
            if huge[i].path != file.path {
                referenced[i] = true;
            }
        }
        if referenced.iter().all(|r| *r) {
            return;
        }
    }
    for (file, _) in huge.iter().zip(&referenced).filter(|(_, r)| !**r) {
        out.finding(
            Severity::Low,
            Stage::Metadata,
            &file.path,
            None,
            format!(
                "`{}` ({} bytes) is large and nothing in the package names it",
                file.path, file.size
            ),
        );
    }
}
