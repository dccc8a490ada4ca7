//! Yarn Plug'n'Play state: `.pnp.cjs` (and the older `.pnp.js`) and
//! `.pnp.data.json`.
//!
//! Nothing is executed. In `.pnp.cjs` the state is the JSON text of the
//! JavaScript string literal assigned to `RAW_RUNTIME_STATE`; it is decoded
//! (escapes and line continuations) and parsed as JSON. `.pnp.data.json`
//! holds the same JSON when yarn is told not to inline it.
//!
//! `packageRegistryData` lists `[name, [[reference, {packageLocation, …}],
//! …]]`. References `npm:1.2.3`, `virtual:<hash>#npm:1.2.3` and
//! `patch:…::version=1.2.3&…` give a version; `workspace:`, `link:` and
//! `portal:` references are local code and skipped; virtual copies of one
//! package are reported once. The kind is `lockfile`: the file is yarn's
//! resolution of the project, whether or not the cache is complete.

use std::collections::HashSet;

use serde_json::Value;
use shieldwall_core::EvidenceKind;

use super::common::{Note, Source, npm_ref, percent_decode, split_descriptor, text};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// Reads Yarn PnP state files.
#[derive(Debug)]
pub(crate) struct YarnPnp;

/// The PnP reader.
pub(crate) static YARN_PNP: YarnPnp = YarnPnp;

/// The variable holding the serialized state in `.pnp.cjs`.
const STATE_VARIABLE: &str = "RAW_RUNTIME_STATE";

impl Extractor for YarnPnp {
    fn id(&self) -> &'static str {
        "npm/yarn-pnp"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let source = text(input, "pnp state")?;
        let trimmed = source.trim_start();
        let json_text = if trimmed.starts_with('{') {
            trimmed.to_owned()
        } else {
            let Some(at) = source.find(STATE_VARIABLE) else {
                if let Some(state) = inline_object_state(source) {
                    return read_state(input, state);
                }
                if source.contains(".pnp.data.json") {
                    // The state lives in the `.pnp.data.json` beside it.
                    return Ok(Extraction::default());
                }
                return Err(ExtractError::unsupported(
                    input,
                    "no `RAW_RUNTIME_STATE` found: not a yarn 3+ pnp file",
                ));
            };
            let after = &source[at + STATE_VARIABLE.len()..];
            let after = after.trim_start().strip_prefix('=').ok_or_else(|| {
                ExtractError::malformed(input, None, "`RAW_RUNTIME_STATE` is not assigned")
            })?;
            decode_js_string(after.trim_start()).ok_or_else(|| {
                ExtractError::malformed(
                    input,
                    None,
                    "`RAW_RUNTIME_STATE` is not a complete string literal",
                )
            })?
        };
        let state: Value = serde_json::from_str(&json_text).map_err(|e| {
            let full = e.to_string();
            let message = full
                .rfind(" at line ")
                .map_or(full.as_str(), |cut| &full[..cut]);
            ExtractError::malformed(input, None, format!("invalid pnp state json: {message}"))
        })?;
        read_state(input, state)
    }
}

/// Yarn 2's `.pnp.js` passes the state as an object literal (which is
/// JSON) straight to `hydrateRuntimeState({…})`; the first such call whose
/// argument parses as JSON gives it.
fn inline_object_state(source: &str) -> Option<Value> {
    const CALL: &str = "hydrateRuntimeState(";
    source.match_indices(CALL).find_map(|(at, _)| {
        let arg = source[at + CALL.len()..].trim_start();
        if !arg.starts_with('{') {
            return None;
        }
        serde_json::Deserializer::from_str(arg)
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
    })
}

/// Lists the packages of a parsed PnP state.
fn read_state(input: &FileInput<'_>, state: Value) -> Result<Extraction, ExtractError> {
    let Some(registry) = state.get("packageRegistryData").and_then(Value::as_array) else {
        return Err(ExtractError::malformed(
            input,
            None,
            "pnp state has no `packageRegistryData` array",
        ));
    };
    let mut out = Extraction::default();
    let mut seen = HashSet::new();
    for package in registry {
        let Some([name, references]) = package.as_array().map(Vec::as_slice) else {
            out.problems.push(Problem {
                line: None,
                message: "a `packageRegistryData` entry is not a [name, references] pair"
                    .to_owned(),
            });
            continue;
        };
        let Some(name) = name.as_str() else {
            // `null`: the top-level workspace.
            continue;
        };
        let Some(references) = references.as_array() else {
            continue;
        };
        for reference in references {
            let Some(reference) = reference
                .as_array()
                .and_then(|r| r.first())
                .and_then(Value::as_str)
            else {
                continue;
            };
            let Some((version, note)) = version_of(reference) else {
                continue;
            };
            if !seen.insert((name.to_owned(), version.clone())) {
                continue;
            }
            out.packages.push(npm_ref(
                input,
                EvidenceKind::Lockfile,
                name,
                &version,
                None,
                None,
                note.build(),
            ));
        }
    }
    Ok(out)
}

/// The version a PnP reference names, with its note; `None` for local code.
pub(crate) fn version_of(reference: &str) -> Option<(String, Note)> {
    let mut note = Note::default();
    let reference = match reference.strip_prefix("virtual:") {
        Some(rest) => rest.split_once('#').map_or(rest, |(_, inner)| inner),
        None => reference,
    };
    if let Some(rest) = reference.strip_prefix("npm:") {
        let version = rest.split("::").next().unwrap_or(rest);
        // An aliased reference `npm:@scope/real@1.2.3` keeps the version.
        let version = version.rsplit('@').next().unwrap_or(version);
        return (!version.is_empty()).then(|| (version.to_owned(), note));
    }
    if let Some(patch) = reference.strip_prefix("patch:") {
        note.add("patched");
        let version = patch
            .split_once("::")
            .and_then(|(_, params)| {
                params
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("version="))
                    .map(str::to_owned)
            })
            .or_else(|| {
                let inner = percent_decode(patch.split('#').next().unwrap_or(""));
                let (_, inner_ref) = split_descriptor(&inner);
                inner_ref
                    .and_then(|r| r.strip_prefix("npm:"))
                    .map(str::to_owned)
            })?;
        return Some((version, note));
    }
    match Source::of_spec(reference) {
        Source::Local | Source::Registry => None,
        source => {
            if let Some(n) = source.note() {
                note.add(n);
            }
            Some((reference.to_owned(), note))
        }
    }
}

/// Decodes the JavaScript string literal at the start of `s` (`'…'`,
/// `"…"` or a template without substitutions), handling escapes and line
/// continuations. `None` when the literal does not close.
fn decode_js_string(s: &str) -> Option<String> {
    let mut chars = s.chars();
    let quote = chars.next().filter(|q| matches!(q, '\'' | '"' | '`'))?;
    let mut out = String::with_capacity(s.len());
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '0' => out.push('\0'),
                '\n' | '\u{2028}' | '\u{2029}' => {}
                '\r' => {
                    if chars.clone().next() == Some('\n') {
                        chars.next();
                    }
                }
                'x' => {
                    let hex: String = chars.by_ref().take(2).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'),
                    );
                }
                other => out.push(other),
            },
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        let v = |r: &str| version_of(r).map(|(v, n)| (v, n.build()));
        assert_eq!(v("npm:1.169.5"), Some(("1.169.5".to_owned(), None)));
        assert_eq!(
            v("virtual:0123abcd#npm:1.169.5"),
            Some(("1.169.5".to_owned(), None))
        );
        assert_eq!(v("workspace:."), None);
        assert_eq!(
            v(
                "patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
            ),
            Some(("1.22.8".to_owned(), Some("patched".to_owned())))
        );
    }

    #[test]
    fn js_strings() {
        assert_eq!(
            decode_js_string("'{\\\n  \"a\": \"it\\'s\\\\\"\\\n}';"),
            Some("{  \"a\": \"it's\\\"}".to_owned())
        );
        assert_eq!(decode_js_string("'open"), None);
    }
}
