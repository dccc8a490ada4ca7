//! SPDX 2.2 and 2.3 JSON.
//!
//! Every `packages[]` entry is read from its `externalRefs[]` whose
//! `referenceType` is `purl` (category `PACKAGE-MANAGER` or
//! `PACKAGE_MANAGER`; the category is not required). A package without a
//! purl is read from `name` and `versionInfo` only when its package
//! manager is clear from its `SPDXID` (`SPDXRef-…-npm-…`,
//! `SPDXRef-…-python-…`/`-pypi-…`, as syft writes them); the others are
//! counted. Packages without any version are skipped: they cannot match.

use serde_json::Value;
use shieldwall_core::Ecosystem;

use super::Collector;

/// Reads an SPDX 2 document into `collector`.
pub(crate) fn read(doc: &Value, collector: &mut Collector<'_>) {
    let packages = doc
        .get("packages")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for package in packages {
        let text = |key: &str| {
            package
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let version = text("versionInfo");
        let purls: Vec<&str> = package
            .get("externalRefs")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|r| {
                r.get("referenceType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("purl"))
            })
            .filter_map(|r| r.get("referenceLocator").and_then(Value::as_str))
            .collect();
        if !purls.is_empty() {
            for purl in purls {
                collector.purl(purl.trim(), version, None);
            }
            continue;
        }
        let (Some(name), Some(version)) = (text("name"), version) else {
            continue;
        };
        match spdx_id_ecosystem(text("SPDXID").unwrap_or_default()) {
            Some(ecosystem) => collector.named(ecosystem, name, version, "sbom name and version"),
            None => collector.unknown(),
        }
    }
}

/// The package manager an `SPDXID` names, if any.
fn spdx_id_ecosystem(id: &str) -> Option<Ecosystem> {
    let lower = id.to_ascii_lowercase();
    if lower.contains("-npm-") {
        Some(Ecosystem::Npm)
    } else if lower.contains("-python-") || lower.contains("-pypi-") {
        Some(Ecosystem::PyPI)
    } else {
        None
    }
}
