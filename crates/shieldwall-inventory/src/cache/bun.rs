//! Bun's global install cache: every downloaded package is extracted to
//! `~/.bun/install/cache/<name>@<version>@@@1/` (scoped:
//! `@scope/<name>@<version>@@@1/`; other registries add `@@<hash>` before
//! `@@@1`). The identity is read from the entry's own `package.json`
//! `name` and `version`, never from the directory name. Other
//! `package.json` files inside an entry are not package roots and are not
//! read; packages nested under an entry's `node_modules/` are left to the
//! installed-package reader (and become `cache` evidence through
//! [`super::mark_cached`]).
//!
//! The directory layout is a best guess from Bun's documentation and
//! observed paths, not verified against Bun's source.

use serde_json::Value;
use shieldwall_core::{Ecosystem, EvidenceKind, Location, PackageRef};

use crate::{Detected, ExtractError, Extraction, Extractor, FileInput};

/// Reads the `package.json` of bun cache entries.
#[derive(Debug)]
pub(crate) struct BunCache;

/// The bun cache reader.
pub(crate) static BUN_CACHE: BunCache = BunCache;

/// Classifies a `package.json` by its components: `Some(Some(_))` for an
/// entry root, `Some(None)` for any other file in the cache outside
/// `node_modules/`, `None` outside the bun cache.
pub(crate) fn classify(parts: &[String]) -> Option<Option<Detected>> {
    let start = parts
        .windows(3)
        .rposition(|w| w[0] == ".bun" && w[1] == "install" && w[2] == "cache")?
        + 3;
    let inside = parts.get(start..parts.len().saturating_sub(1))?;
    if inside.iter().any(|d| d == "node_modules") {
        return None;
    }
    let is_entry = |d: &String| d.get(1..).is_some_and(|r| r.contains('@')) && !d.starts_with('.');
    let entry_root = match inside {
        [entry] => is_entry(entry) && !entry.starts_with('@'),
        [scope, entry] => scope.len() > 1 && scope.starts_with('@') && is_entry(entry),
        _ => false,
    };
    Some(entry_root.then_some(Detected::Extract(&BUN_CACHE)))
}

impl Extractor for BunCache {
    fn id(&self) -> &'static str {
        "cache/bun"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let bytes = input
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(input.bytes);
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
            ExtractError::malformed(
                input,
                u32::try_from(e.line()).ok(),
                "package.json is not valid json",
            )
        })?;
        let mut out = Extraction::default();
        let field = |key: &str| {
            doc.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        if let (Some(name), Some(version)) = (field("name"), field("version")) {
            let location = Location::new(input.display.clone(), EvidenceKind::Cache)
                .with_note(Some("bun cache".to_owned()));
            out.packages
                .push(PackageRef::new(Ecosystem::Npm, name, version, location));
        }
        Ok(out)
    }
}
