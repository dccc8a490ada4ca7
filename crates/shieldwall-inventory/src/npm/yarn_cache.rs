//! Yarn berry cache archives: `.yarn/cache/<slug>-npm-<version>-<hash>[-<hash>].zip`
//! in a project and `~/.yarn/berry/cache/…` globally.
//!
//! The identity comes from the file name alone (the bytes are not read),
//! parsed from the right: the trailing ten-character hex hashes are cut,
//! then the last `-npm-` whose right side is a valid version splits name
//! from version. Yarn writes a scoped ident `@scope/name` as
//! `@scope-name`, which is ambiguous when the scope itself contains `-`:
//! the **first** `-` after the `@` is taken as the scope separator
//! (`@tanstack-react-router` → `@tanstack/react-router`; a scope like
//! `@my-org/pkg` would be misread as `@my/org-pkg`). Archives of other
//! protocols (`-patch-`, git, `-exec-`) carry no registry version and
//! give nothing.

use shieldwall_core::{Ecosystem, EvidenceKind, Version};

use super::common::npm_ref;
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// Reads the identity of yarn berry cache archives from their file names.
#[derive(Debug)]
pub(crate) struct YarnCache;

/// The yarn berry cache reader.
pub(crate) static YARN_CACHE: YarnCache = YarnCache;

impl Extractor for YarnCache {
    fn id(&self) -> &'static str {
        "npm/yarn-berry-cache"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut out = Extraction::default();
        let file_name = input
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .or_else(|| input.display.rsplit(['/', '\\', '!']).next())
            .unwrap_or("");
        if let Some((name, version)) = parse_archive_name(file_name) {
            out.packages.push(npm_ref(
                input,
                EvidenceKind::Cache,
                &name,
                &version,
                None,
                None,
                Some("yarn cache".to_owned()),
            ));
        }
        Ok(out)
    }
}

/// `@tanstack-react-router-npm-1.169.5-0a1b2c3d4e-5f6a7b8c9d.zip` →
/// (`@tanstack/react-router`, `1.169.5`).
pub(crate) fn parse_archive_name(file_name: &str) -> Option<(String, String)> {
    let mut stem = file_name.strip_suffix(".zip")?;
    for _ in 0..2 {
        match stem.rsplit_once('-') {
            Some((rest, hash))
                if hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                stem = rest;
            }
            _ => break,
        }
    }
    let mut search_end = stem.len();
    while let Some(at) = stem[..search_end].rfind("-npm-") {
        let slug = &stem[..at];
        let version = &stem[at + "-npm-".len()..];
        if !slug.is_empty() && Version::parse(Ecosystem::Npm, version).is_ok() {
            return Some((unslug(slug), version.to_owned()));
        }
        search_end = at;
    }
    None
}

/// `@scope-name` → `@scope/name` (first `-` after `@`); plain names as is.
fn unslug(slug: &str) -> String {
    match slug.strip_prefix('@').and_then(|rest| rest.split_once('-')) {
        Some((scope, name)) if !scope.is_empty() && !name.is_empty() => format!("@{scope}/{name}"),
        _ => slug.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        let p = |s: &str| parse_archive_name(s);
        assert_eq!(
            p("@tanstack-react-router-npm-1.169.5-0a1b2c3d4e-5f6a7b8c9d.zip"),
            Some(("@tanstack/react-router".to_owned(), "1.169.5".to_owned()))
        );
        assert_eq!(
            p("lodash-npm-4.17.21-6382451519-c08619f2bb.zip"),
            Some(("lodash".to_owned(), "4.17.21".to_owned()))
        );
        assert_eq!(
            p("foo-npm-bar-npm-1.0.0-beta.1-6382451519.zip"),
            Some(("foo-npm-bar".to_owned(), "1.0.0-beta.1".to_owned()))
        );
        assert_eq!(p("resolve-patch-4254c24959-f345cd37f5.zip"), None);
        assert_eq!(p("notes.txt"), None);
    }
}
