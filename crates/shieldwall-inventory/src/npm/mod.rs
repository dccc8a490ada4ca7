//! npm ecosystem extractors: npm, Yarn (classic, berry, Plug'n'Play),
//! pnpm and Bun lockfiles, `package.json` manifests, installed
//! `node_modules` trees and the yarn berry cache.
//!
//! [`classify`] picks an extractor from the path alone:
//!
//! | path | extractor |
//! |---|---|
//! | `package-lock.json` (not under `node_modules/`), `npm-shrinkwrap.json` (anywhere: a published shrinkwrap pins its subtree) | `npm/package-lock` |
//! | `node_modules/.package-lock.json` | `npm/hidden-package-lock` |
//! | `yarn.lock` (not under `node_modules/`) | `npm/yarn-lock` |
//! | `pnpm-lock.yaml` (not under `node_modules/`) | `npm/pnpm-lock` |
//! | `node_modules/.pnpm/lock.yaml` | `npm/pnpm-hidden-lock` |
//! | `bun.lock` (not under `node_modules/`) | `npm/bun-lock` |
//! | `bun.lockb` | not covered |
//! | `package.json` outside `node_modules/` | `npm/package-json` |
//! | `node_modules/<name>/package.json`, `node_modules/@scope/<name>/package.json` | `npm/installed-package-json` |
//! | `.pnp.cjs`, `.pnp.js`, `.pnp.data.json` | `npm/yarn-pnp` |
//! | `node_modules/.yarn-state.yml` | `npm/yarn-state` |
//! | `.yarn/cache/*.zip`, `.yarn/berry/cache/*.zip` | `npm/yarn-berry-cache` |
//!
//! Lockfiles other than `npm-shrinkwrap.json` found inside an installed
//! package (`node_modules/x/yarn.lock`) are that package's own development
//! lockfiles, which no installer honours; they are not read. Other
//! `package.json` files inside installed packages (`node_modules/x/lib/package.json`)
//! are not package roots and are not read either.

mod bun_lock;
pub(crate) mod common;
pub(crate) mod package_json;
mod package_lock;
mod pnpm_fast;
mod pnpm_lines;
pub(crate) mod pnpm_lock;
mod yarn_cache;
mod yarn_lock;
mod yarn_pnp;
mod yarn_state;

use std::path::Path;

use crate::{Detected, Extractor};

use common::{components, under_node_modules};

/// Classifies npm files by path.
pub(crate) fn classify(path: &Path, file_name: &str) -> Option<Detected> {
    let extract = |e: &'static dyn Extractor| Some(Detected::Extract(e));
    match file_name {
        "bun.lockb" => Some(Detected::NotCovered(
            "binary bun lockfile is not read; run `bun install --save-text-lockfile` to write `bun.lock`, or scan `node_modules`",
        )),
        "npm-shrinkwrap.json" => extract(&package_lock::PACKAGE_LOCK),
        "package-lock.json" | "yarn.lock" | "pnpm-lock.yaml" | "bun.lock" => {
            if under_node_modules(&components(path)) {
                return None;
            }
            match file_name {
                "package-lock.json" => extract(&package_lock::PACKAGE_LOCK),
                "yarn.lock" => extract(&yarn_lock::YARN_LOCK),
                "pnpm-lock.yaml" => extract(&pnpm_lock::PNPM_LOCK),
                _ => extract(&bun_lock::BUN_LOCK),
            }
        }
        ".package-lock.json" => {
            let parts = components(path);
            parent_is(&parts, 1, "node_modules")
                .then_some(Detected::Extract(&package_lock::HIDDEN_PACKAGE_LOCK))
        }
        "lock.yaml" => {
            let parts = components(path);
            (parent_is(&parts, 1, ".pnpm") && parent_is(&parts, 2, "node_modules"))
                .then_some(Detected::Extract(&pnpm_lock::PNPM_HIDDEN_LOCK))
        }
        "package.json" => classify_package_json(&components(path)),
        ".yarn-state.yml" => {
            let parts = components(path);
            parent_is(&parts, 1, "node_modules")
                .then_some(Detected::Extract(&yarn_state::YARN_STATE))
        }
        ".pnp.cjs" | ".pnp.js" | ".pnp.data.json" => extract(&yarn_pnp::YARN_PNP),
        _ if file_name.ends_with(".zip") => {
            let parts = components(path);
            let in_cache = parent_is(&parts, 1, "cache")
                && (parent_is(&parts, 2, ".yarn")
                    || (parent_is(&parts, 2, "berry") && parent_is(&parts, 3, ".yarn")));
            in_cache.then_some(Detected::Extract(&yarn_cache::YARN_CACHE))
        }
        _ => None,
    }
}

/// True when the `depth`-th directory above the file (1 = its parent) is
/// named `name`.
fn parent_is(parts: &[String], depth: usize, name: &str) -> bool {
    parts
        .len()
        .checked_sub(depth + 1)
        .and_then(|i| parts.get(i))
        .is_some_and(|p| p == name)
}

/// A `package.json` is a project manifest outside `node_modules/`, an
/// installed package at `node_modules/<name>/` or
/// `node_modules/@scope/<name>/`, and otherwise (a file deeper inside an
/// installed package) not read.
fn classify_package_json(parts: &[String]) -> Option<Detected> {
    if !under_node_modules(parts) {
        return Some(Detected::Extract(&package_json::PACKAGE_JSON));
    }
    let n = parts.len();
    let dir = |depth: usize| n.checked_sub(depth + 1).and_then(|i| parts.get(i));
    let valid_name = |s: &String| !s.is_empty() && !s.starts_with(['.', '@', '_']);
    let unscoped = dir(2).is_some_and(|d| d == "node_modules") && dir(1).is_some_and(valid_name);
    let scoped = dir(3).is_some_and(|d| d == "node_modules")
        && dir(2).is_some_and(|s| s.len() > 1 && s.starts_with('@'))
        && dir(1).is_some_and(valid_name);
    (unscoped || scoped).then_some(Detected::Extract(&package_json::INSTALLED_PACKAGE_JSON))
}

/// Every npm extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    vec![
        &package_lock::PACKAGE_LOCK,
        &package_lock::HIDDEN_PACKAGE_LOCK,
        &yarn_lock::YARN_LOCK,
        &pnpm_lock::PNPM_LOCK,
        &pnpm_lock::PNPM_HIDDEN_LOCK,
        &bun_lock::BUN_LOCK,
        &package_json::PACKAGE_JSON,
        &package_json::INSTALLED_PACKAGE_JSON,
        &yarn_pnp::YARN_PNP,
        &yarn_state::YARN_STATE,
        &yarn_cache::YARN_CACHE,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(path: &str) -> Option<&'static str> {
        let p = Path::new(path);
        match classify(p, p.file_name()?.to_str()?)? {
            Detected::Extract(e) => Some(e.id()),
            Detected::NotCovered(_) => Some("not-covered"),
            Detected::Image => Some("image"),
        }
    }

    #[test]
    fn classification() {
        assert_eq!(id("app/package-lock.json"), Some("npm/package-lock"));
        assert_eq!(id("app/node_modules/x/package-lock.json"), None);
        assert_eq!(
            id("app/node_modules/x/npm-shrinkwrap.json"),
            Some("npm/package-lock")
        );
        assert_eq!(
            id("app/node_modules/.package-lock.json"),
            Some("npm/hidden-package-lock")
        );
        assert_eq!(id("app/.package-lock.json"), None);
        assert_eq!(id("yarn.lock"), Some("npm/yarn-lock"));
        assert_eq!(id("node_modules/x/yarn.lock"), None);
        assert_eq!(id("a/pnpm-lock.yaml"), Some("npm/pnpm-lock"));
        assert_eq!(
            id("a/node_modules/.pnpm/lock.yaml"),
            Some("npm/pnpm-hidden-lock")
        );
        assert_eq!(id("a/lock.yaml"), None);
        assert_eq!(id("a/bun.lock"), Some("npm/bun-lock"));
        assert_eq!(id("a/bun.lockb"), Some("not-covered"));
        assert_eq!(id("a/package.json"), Some("npm/package-json"));
        assert_eq!(
            id("a/node_modules/x/package.json"),
            Some("npm/installed-package-json")
        );
        assert_eq!(
            id("a/node_modules/@s/x/package.json"),
            Some("npm/installed-package-json")
        );
        assert_eq!(
            id("a/node_modules/.pnpm/@s+x@1.0.0/node_modules/@s/x/package.json"),
            Some("npm/installed-package-json")
        );
        assert_eq!(id("a/node_modules/x/lib/package.json"), None);
        assert_eq!(id("a/node_modules/@s/package.json"), None);
        assert_eq!(id("a/node_modules/.cache/package.json"), None);
        assert_eq!(id("a/.pnp.cjs"), Some("npm/yarn-pnp"));
        assert_eq!(id("a/node_modules/.yarn-state.yml"), Some("npm/yarn-state"));
        assert_eq!(id("a/.yarn-state.yml"), None);
        assert_eq!(id("a/.pnp.data.json"), Some("npm/yarn-pnp"));
        assert_eq!(
            id("a/.yarn/cache/lodash-npm-4.17.21-6382451519-c08619f2bb.zip"),
            Some("npm/yarn-berry-cache")
        );
        assert_eq!(
            id("/home/u/.yarn/berry/cache/lodash-npm-4.17.21-6382451519-c08619f2bb.zip"),
            Some("npm/yarn-berry-cache")
        );
        assert_eq!(id("a/cache/x.zip"), None);
    }
}
