//! Package manager caches: "was it ever downloaded here?"
//!
//! | id | files |
//! |---|---|
//! | `cache/npm-cacache` | `index-v5/<xx>/<yy>/<sha256>` bucket files of an npm `_cacache` (`content-v2/` is not read) |
//! | `cache/pnpm-store` | pnpm store index files: `v3/files/<xx>/<hex>-index.json`, `v<N>/files/<xx>/<hex>-<id>.json`, `v10/index/<xx>/<hex>-<id>.json`, `v<N>/index/<xx>/<hex>-<id>.mpk` |
//! | `cache/pip-http` | pip `http-v2/**/<key>.body` response bodies (wheel, sdist or PEP 658 metadata) |
//! | `cache/pip-wheel` | `*.whl` under pip's `wheels/` cache directory |
//! | `cache/bun` | `.bun/install/cache/<name>@<version>@@@1/package.json` (scoped: `@scope/<name>@…/package.json`) |
//! | not covered | pip's pre-23.3 `http/` cache entries |
//!
//! Other caches hold files that other extractors already read: the npx
//! cache (`_npx/<hash>/node_modules/…`), the yarn classic cache, uv's
//! `archive-v0/<id>/<name>-<ver>.dist-info/METADATA`, poetry artifacts,
//! packages nested inside the bun cache. [`mark_cached`] runs after every
//! extractor and turns the `installed` and `artifact` locations inside a
//! cache root ([`cache_root`]) into `cache` evidence named after the cache.

mod bun;
mod npm_cacache;
mod pip;
mod pnpm_store;

use std::path::Path;

use shieldwall_core::EvidenceKind;

use crate::{Detected, Extraction, Extractor};

/// Path markers of known cache roots (lowercase, `/` separators) and the
/// cache they name. The first match wins, so specific markers come first.
const CACHE_MARKERS: &[(&str, &str)] = &[
    ("/.npm/_npx/", "npx cache"),
    ("/npm-cache/_npx/", "npx cache"),
    ("/.npm/_cacache/", "npm cache"),
    ("/npm-cache/_cacache/", "npm cache"),
    ("/.cache/uv/", "uv cache"),
    ("/uv/cache/", "uv cache"),
    ("/.cache/pip/", "pip cache"),
    ("/pip/cache/", "pip cache"),
    ("/library/caches/pip/", "pip cache"),
    ("/pypoetry/artifacts/", "poetry cache"),
    ("/pypoetry/cache/artifacts/", "poetry cache"),
    ("/yarn/v6/", "yarn cache"),
    ("/yarn/cache/v6/", "yarn cache"),
    ("/.yarn/berry/cache/", "yarn cache"),
    ("/pnpm/store/v", "pnpm store"),
    ("/.pnpm-store/v", "pnpm store"),
    ("/.bun/install/cache/", "bun cache"),
    ("/library/caches/", "cache"),
];

/// The cache a path lies in (`npx cache`, `uv cache`, …), from well-known
/// cache root markers such as `/.npm/_npx/`, `/.cache/uv/`,
/// `/pypoetry/artifacts/` or `/Library/Caches/`. Matching ignores case and
/// accepts `\` separators.
///
/// ```
/// use shieldwall_inventory::cache_root;
///
/// assert_eq!(cache_root("/home/u/.npm/_npx/0a1b/node_modules/x/package.json"), Some("npx cache"));
/// assert_eq!(cache_root(r"C:\Users\u\AppData\Local\uv\cache\archive-v0\x"), Some("uv cache"));
/// assert_eq!(cache_root("app/node_modules/x/package.json"), None);
/// ```
pub fn cache_root(path: &str) -> Option<&'static str> {
    let mut text = String::with_capacity(path.len() + 1);
    text.push('/');
    text.extend(path.chars().map(|c| match c {
        '\\' => '/',
        c => c.to_ascii_lowercase(),
    }));
    CACHE_MARKERS
        .iter()
        .find(|(marker, _)| text.contains(marker))
        .map(|&(_, name)| name)
}

/// Turns the `installed` and `artifact` locations of an extraction into
/// `cache` evidence when the file lies in a cache root ([`cache_root`]),
/// with a note naming the cache. `display` is matched first, then the real
/// `path` made absolute (without touching the file system), so that a scan
/// started inside a cache still sees it.
pub fn mark_cached(path: &Path, display: &str, extraction: &mut Extraction) {
    let rewritable =
        |kind: EvidenceKind| matches!(kind, EvidenceKind::Installed | EvidenceKind::Artifact);
    if !extraction
        .packages
        .iter()
        .any(|p| rewritable(p.location.kind))
    {
        return;
    }
    let cache = cache_root(display).or_else(|| {
        std::path::absolute(path)
            .ok()
            .and_then(|abs| cache_root(&abs.to_string_lossy()))
    });
    let Some(cache) = cache else {
        return;
    };
    for package in &mut extraction.packages {
        let location = &mut package.location;
        if rewritable(location.kind) {
            location.kind = EvidenceKind::Cache;
            location.note = Some(match location.note.take() {
                Some(note) if note.split(", ").any(|n| n == cache) => note,
                Some(note) => format!("{cache}, {note}"),
                None => cache.to_owned(),
            });
        }
    }
}

/// Classifies cache files by path. `Some(None)` claims a file for no
/// extractor: a `package.json` deep inside a bun cache entry is neither a
/// project manifest nor an installed package.
pub(crate) fn classify(path: &Path, file_name: &str) -> Option<Option<Detected>> {
    // Cheap file-name checks first: this runs for every walked file.
    let lower = file_name.to_ascii_lowercase();
    let wanted = if file_name == "package.json" {
        path.to_str().is_none_or(|p| p.contains(".bun"))
    } else {
        is_hex(file_name, None)
            || pnpm_store::index_name(file_name).is_some()
            || lower.ends_with(".body")
            || lower.ends_with(".whl")
    };
    if !wanted {
        return None;
    }
    let parts = components(path);
    if file_name == "package.json" {
        return bun::classify(&parts);
    }
    let extract = |e: &'static dyn Extractor| Some(Some(Detected::Extract(e)));
    if npm_cacache::matches(&parts) {
        return extract(&npm_cacache::NPM_CACACHE);
    }
    if pnpm_store::matches(&parts) {
        return extract(&pnpm_store::PNPM_STORE);
    }
    pip::classify(&parts, file_name).map(Some)
}

/// Every cache extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    vec![
        &npm_cacache::NPM_CACACHE,
        &pnpm_store::PNPM_STORE,
        &pip::PIP_HTTP,
        &pip::PIP_WHEEL,
        &bun::BUN_CACHE,
    ]
}

/// The path's components as text (lossy), `.` and roots dropped.
fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

/// The directory `depth` levels above the file (1 = its parent).
fn dir(parts: &[String], depth: usize) -> Option<&str> {
    parts
        .len()
        .checked_sub(depth + 1)
        .and_then(|i| parts.get(i))
        .map(String::as_str)
}

/// True for a non-empty run of ASCII hex digits of length `len` (any
/// length when `None`).
fn is_hex(s: &str, len: Option<usize>) -> bool {
    !s.is_empty() && len.is_none_or(|n| s.len() == n) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(path: &str) -> Option<&'static str> {
        let p = Path::new(path);
        match classify(p, p.file_name()?.to_str()?)? {
            Some(Detected::Extract(e)) => Some(e.id()),
            Some(Detected::NotCovered(_)) => Some("not-covered"),
            Some(Detected::Image) => Some("image"),
            None => Some("claimed"),
        }
    }

    #[test]
    fn classification() {
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(
            id(&format!("/h/.npm/_cacache/index-v5/9f/86/{}", &sha[4..])),
            Some("cache/npm-cacache")
        );
        assert_eq!(
            id(&format!("/h/.npm/_cacache/content-v2/sha512/9f/86/{sha}")),
            None
        );
        assert_eq!(id("/h/.npm/_cacache/index-v5/9f/86/notes.txt"), None);
        assert_eq!(
            id(&format!("/s/store/v3/files/9f/{sha}-index.json")),
            Some("cache/pnpm-store")
        );
        assert_eq!(id(&format!("/s/store/v3/files/9f/{sha}")), None);
        assert_eq!(id(&format!("/s/store/v3/files/9f/{sha}-exec")), None);
        assert_eq!(
            id(&format!("/s/store/v10/index/9f/{sha}-lodash@4.17.21.json")),
            Some("cache/pnpm-store")
        );
        assert_eq!(
            id("/h/.cache/pip/http-v2/a/b/c/d/e/0123abcd.body"),
            Some("cache/pip-http")
        );
        assert_eq!(id("/h/.cache/pip/http-v2/a/b/c/d/e/0123abcd"), None);
        assert_eq!(
            id(&format!("/h/.cache/pip/http/a/b/c/d/e/{}", &sha[..56])),
            Some("not-covered")
        );
        assert_eq!(
            id("/h/.cache/pip/wheels/a/b/c/d/x-1.0-py3-none-any.whl"),
            Some("cache/pip-wheel")
        );
        assert_eq!(id("dist/x-1.0-py3-none-any.whl"), None);
        assert_eq!(
            id("/h/.bun/install/cache/left-pad@1.3.0@@@1/package.json"),
            Some("cache/bun")
        );
        assert_eq!(
            id("/h/.bun/install/cache/@s/x@1.0.0@@@1/package.json"),
            Some("cache/bun")
        );
        assert_eq!(
            id("/h/.bun/install/cache/left-pad@1.3.0@@@1/lib/package.json"),
            Some("claimed")
        );
        assert_eq!(
            id("/h/.bun/install/cache/x@1.0.0@@@1/node_modules/y/package.json"),
            None
        );
        assert_eq!(id("app/package.json"), None);
    }

    #[test]
    fn cache_roots() {
        assert_eq!(
            cache_root("/root/.cache/uv/archive-v0/x/y.dist-info/METADATA"),
            Some("uv cache")
        );
        assert_eq!(
            cache_root("/Users/u/Library/Caches/pip/wheels/x.whl"),
            Some("pip cache")
        );
        assert_eq!(
            cache_root("/Users/u/Library/Caches/Yarn/v6/npm-x/package.json"),
            Some("yarn cache")
        );
        assert_eq!(cache_root("/Users/u/Library/Caches/other/x"), Some("cache"));
        assert_eq!(
            cache_root(".npm/_npx/ab/node_modules/x/package.json"),
            Some("npx cache")
        );
        assert_eq!(
            cache_root("/h/.local/share/pnpm/store/v10/index/x"),
            Some("pnpm store")
        );
        assert_eq!(cache_root("/src/pnpm/store/cafs/package.json"), None);
        assert_eq!(cache_root("/srv/app/.venv/lib/site-packages/x"), None);
    }
}
