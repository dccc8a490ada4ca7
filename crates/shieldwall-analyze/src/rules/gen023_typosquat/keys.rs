//! The keys of SW-GEN-023's index of popular names, shared by the build
//! script (which builds the index from the lists) and the rule (which
//! looks a package's name up in it): both sides compute them with this
//! one file, so a name and a popular name fold to the same key.

/// Only the most popular names are imitated: typosquatters aim at names
/// everyone installs. The rest of the list only exempts names. (Read by
/// `build.rs` and the tests; the rule reads the built index.)
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) const TARGETS: usize = 2_000;

/// Word prefixes and suffixes that name the language, not the package.
pub(crate) const AFFIXES: &[&str] = &["py", "python", "python3", "py3", "js", "node", "nodejs"];

/// Look-alike character sequences and what they imitate.
pub(crate) const HOMOGLYPHS: &[(&str, &str)] = &[
    ("rn", "m"),
    ("vv", "w"),
    ("0", "o"),
    ("1", "l"),
    ("5", "s"),
    ("3", "e"),
];

/// The ecosystem of a name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Eco {
    /// PyPI: names compare PEP 503-normalized.
    PyPI,
    /// npm: names compare lowercased.
    Npm,
}

/// The names of a popular-names list, most popular first: its trimmed,
/// non-empty lines. (Read by `build.rs` and the tests.)
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn popular_names(list: &str) -> impl Iterator<Item = &str> {
    list.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// PyPI names are compared PEP 503-normalized, npm names lowercased.
pub(crate) fn normalize(eco: Eco, name: &str) -> String {
    let lower = name.trim().to_lowercase();
    match eco {
        Eco::Npm => lower,
        Eco::PyPI => {
            let mut out = String::with_capacity(lower.len());
            for c in lower.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// Whether `b` separates the words of a name.
pub(crate) fn is_separator(b: u8) -> bool {
    matches!(b, b'-' | b'_' | b'.' | b'/' | b'@')
}

/// The name without separators.
pub(crate) fn strip(name: &str) -> String {
    name.bytes()
        .filter(|&b| !is_separator(b))
        .map(char::from)
        .collect()
}

/// The scope and the rest of a scoped npm name (`@scope/rest`).
pub(crate) fn split_scope(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix('@')?.split_once('/')
}

/// The words of a name without language affixes, sorted and joined.
pub(crate) fn words_key(name: &str) -> Option<String> {
    let mut words: Vec<&str> = name
        .split(|c: char| c.is_ascii() && is_separator(c as u8))
        .filter(|w| !w.is_empty() && !AFFIXES.contains(w))
        .collect();
    if words.is_empty() {
        return None;
    }
    words.sort_unstable();
    Some(words.concat())
}

/// The name without separators and with look-alikes folded.
pub(crate) fn fold(name: &str) -> String {
    let mut out = strip(name);
    for (from, to) in HOMOGLYPHS {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}
