//! What the advisory database adds to a hunt: the `iocs` of each advisory
//! as indicators (with the advisory id as campaign), installed package
//! versions that malicious-package advisories list, and which version to
//! pin each one back to — only as far as the advisory says.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use shieldwall_advisory::{Advisory, AdvisoryDb, EventKind};
use shieldwall_core::{Ecosystem, Version};
use shieldwall_inventory::{ExtractError, FileInput};

use crate::catalog::{Catalog, Indicator, PatternKind, is_sha256};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// An advisory indicator that `hunt` cannot check, listed in the report
/// instead of being dropped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unchecked {
    /// The advisory id.
    pub campaign: String,
    /// The indicator as the advisory wrote it.
    pub indicator: String,
    /// Why it is not checked.
    pub reason: String,
}

/// Adds the `iocs` of every advisory to the catalog: IP addresses (open
/// connections and marker strings), domains and URLs (marker strings), and
/// sha256 hashes (files where droppers land). An indicator the catalog
/// already holds is not repeated. Returns the ones that cannot be checked.
pub(crate) fn add_iocs(catalog: &mut Catalog, db: &AdvisoryDb) -> Vec<Unchecked> {
    let mut seen: HashSet<(PatternKind, String)> = catalog
        .indicators
        .iter()
        .map(|i| (i.kind, i.pattern.clone()))
        .collect();
    let mut unchecked = Vec::new();
    // `for_each`, not `iter`: a large imported store is read record by
    // record and nothing is kept but the indicators
    db.for_each(|adv| {
        if adv.is_withdrawn() || adv.iocs.is_empty() {
            return;
        }
        let mut add = |kind: PatternKind, pattern: &str| {
            let pattern = pattern.trim();
            if pattern.is_empty() || !seen.insert((kind, pattern.to_owned())) {
                return;
            }
            catalog.indicators.push(Indicator {
                campaign: adv.id.clone(),
                kind,
                pattern: pattern.to_owned(),
                why: why(adv),
                sha256: None,
                dead_mans_switch: false,
                source: Some(format!("advisory {} ({})", adv.id, adv.source)),
            });
        };
        for ip in &adv.iocs.ip_addresses {
            if let Ok(addr) = ip.trim().parse::<IpAddr>() {
                add(PatternKind::Address, &addr.to_string());
            }
            add(PatternKind::String, ip);
        }
        for domain in &adv.iocs.domains {
            add(PatternKind::String, domain);
        }
        for url in &adv.iocs.urls {
            add(PatternKind::String, url);
            if let Some(addr) = url_ip(url) {
                add(PatternKind::Address, &addr.to_string());
            }
        }
        for hash in &adv.iocs.hashes {
            let bare = hash
                .strip_prefix("sha256:")
                .or_else(|| hash.strip_prefix("SHA256:"))
                .unwrap_or(hash)
                .trim();
            if is_sha256(bare) {
                add(PatternKind::Hash, &bare.to_ascii_lowercase());
            } else {
                unchecked.push(Unchecked {
                    campaign: adv.id.clone(),
                    indicator: hash.clone(),
                    reason: "only sha256 file hashes are matched".to_owned(),
                });
            }
        }
    });
    unchecked.sort();
    unchecked.dedup();
    unchecked
}

fn why(adv: &Advisory) -> String {
    if adv.summary.is_empty() {
        format!("an indicator of compromise listed by {}", adv.id)
    } else {
        format!(
            "an indicator of compromise listed by {}: {}",
            adv.id, adv.summary
        )
    }
}

/// The IP address a URL's host is, if it is one.
fn url_ip(url: &str) -> Option<IpAddr> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next()?.parse().ok();
    }
    host.split(':').next()?.parse().ok()
}

/// An installed package version that a malicious-package advisory lists,
/// and what to pin it back to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pin {
    /// `npm` or `PyPI`.
    pub ecosystem: String,
    /// The package name as installed.
    pub name: String,
    /// The installed version.
    pub installed: String,
    /// Where it is installed, as a path on the hunted host.
    pub path: String,
    /// The advisory that lists it.
    pub advisory: String,
    /// The version to pin back to, when the advisory names one that no
    /// advisory lists as affected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_to: Option<String>,
    /// The advice, in a sentence.
    pub advice: String,
}

/// Reads the installed-package records the walk found (`*.dist-info/METADATA`,
/// `*.egg-info/PKG-INFO`, `node_modules/*/package.json`) and matches each
/// version against the malicious-package advisories.
pub(crate) fn installed(
    scope: &Scope,
    db: &AdvisoryDb,
    records: &[PathBuf],
) -> (Vec<Hit>, Vec<Pin>) {
    let mut hits = Vec::new();
    let mut pins = Vec::new();
    for path in records {
        let Some(shieldwall_inventory::Detected::Extract(extractor)) =
            shieldwall_inventory::classify(path)
        else {
            continue;
        };
        let Some(bytes) = scope.read_bytes(path) else {
            continue;
        };
        let shown = scope.show(path);
        let display: Arc<str> = Arc::from(shown.as_str());
        let input = FileInput {
            path,
            display: &display,
            bytes: &bytes,
        };
        let packages = match extractor.extract(&input) {
            Ok(extraction) => extraction.packages,
            Err(e) => {
                // the error names the file; the list already does
                let message = match e {
                    ExtractError::Malformed {
                        line: Some(line),
                        message,
                        ..
                    } => format!("line {line}: {message}"),
                    ExtractError::Malformed { message, .. }
                    | ExtractError::Unsupported { message, .. } => message,
                };
                scope.unreadable(path, message);
                continue;
            }
        };
        let dir = path
            .parent()
            .map_or_else(|| shown.clone(), |d| scope.show(d));
        for pkg in packages {
            for adv in db
                .affecting(pkg.ecosystem, &pkg.name, &pkg.version)
                .into_iter()
                .filter(|a| a.malicious)
            {
                hits.push(Hit {
                    kind: HitKind::Package,
                    path: Some(dir.clone()),
                    subject: format!("{} {}", pkg.name, pkg.version),
                    campaign: adv.id.clone(),
                    evidence: format!(
                        "`{} {}` is installed ({})",
                        pkg.name,
                        pkg.version,
                        scope.show(path)
                    ),
                    why: why(adv),
                    dead_mans_switch: false,
                });
                let (pin_to, advice) = pin_back(db, adv, pkg.ecosystem, &pkg.name);
                pins.push(Pin {
                    ecosystem: pkg.ecosystem.to_string(),
                    name: pkg.name.clone(),
                    installed: pkg.version.clone(),
                    path: dir.clone(),
                    advisory: adv.id.clone(),
                    pin_to,
                    advice,
                });
            }
        }
    }
    // where one advisory names a clean version for an install, the vaguer
    // advice of the others for the same install adds nothing
    let named: HashSet<(String, String, String)> = pins
        .iter()
        .filter(|p| p.pin_to.is_some())
        .map(|p| (p.name.clone(), p.installed.clone(), p.path.clone()))
        .collect();
    pins.retain(|p| {
        p.pin_to.is_some()
            || !named.contains(&(p.name.clone(), p.installed.clone(), p.path.clone()))
    });
    pins.sort_by(|a, b| (&a.name, &a.path, &a.advisory).cmp(&(&b.name, &b.path, &b.advisory)));
    pins.dedup();
    (hits, pins)
}

/// The key shieldwall reads in an `affected[].database_specific` object for
/// the last release before the compromise, when the source names it.
const LAST_CLEAN: &str = "last_clean_version";

/// Which version to go back to, as far as the advisory says: the last clean
/// version it names (checked against every advisory), else the first
/// version it lists as affected (pin below it), else nothing.
pub(crate) fn pin_back(
    db: &AdvisoryDb,
    adv: &Advisory,
    ecosystem: Ecosystem,
    name: &str,
) -> (Option<String>, String) {
    let key = ecosystem.normalize_name(name);
    let entries: Vec<_> = adv
        .affected
        .iter()
        .filter(|a| {
            a.matchable_ecosystem() == Some(ecosystem) && ecosystem.normalize_name(&a.name) == key
        })
        .collect();
    let named = entries.iter().find_map(|a| {
        let value: serde_json::Value =
            serde_json::from_str(a.database_specific.as_deref()?).ok()?;
        let v = value
            .get("shieldwall")
            .and_then(|s| s.get(LAST_CLEAN))
            .or_else(|| value.get(LAST_CLEAN))?;
        v.as_str().map(str::to_owned)
    });
    if let Some(version) = named {
        let listed: Vec<&str> = db
            .affecting(ecosystem, name, &version)
            .into_iter()
            .map(|a| a.id.as_str())
            .collect();
        if listed.is_empty() {
            return (
                Some(version.clone()),
                format!(
                    "pin {name} to {version} (the last clean version, per {})",
                    adv.id
                ),
            );
        }
        return (
            None,
            format!(
                "no clean version known: {} names {version} as the last clean version, but {} list it as affected",
                adv.id,
                listed.join(", ")
            ),
        );
    }
    let mut every = false;
    let mut lowest: Option<(Option<Version>, String)> = None;
    let mut fixed: Vec<String> = Vec::new();
    let mut consider = |v: &str| {
        let parsed = Version::parse(ecosystem, v).ok();
        let lower = match (&lowest, &parsed) {
            (None, _) => true,
            (Some((Some(cur), _)), Some(new)) => new < cur,
            _ => false,
        };
        if lower {
            lowest = Some((parsed, v.to_owned()));
        }
    };
    for a in &entries {
        for v in &a.versions {
            consider(v);
        }
        for range in a.ranges.iter().filter(|r| r.kind.is_versioned()) {
            for event in &range.events {
                match event.kind {
                    EventKind::Introduced if event.version == "0" => every = true,
                    EventKind::Introduced => consider(&event.version),
                    EventKind::Fixed => fixed.push(event.version.clone()),
                    _ => {}
                }
            }
        }
    }
    let upgrade = fixed
        .iter()
        .find(|f| db.affecting(ecosystem, name, f).is_empty())
        .map(|f| format!("; {f} is the fixed release"))
        .unwrap_or_default();
    if every {
        return (
            None,
            format!(
                "no clean version known: {} lists every release before its fix as affected{upgrade}",
                adv.id
            ),
        );
    }
    match lowest {
        Some((_, first)) => (
            None,
            format!(
                "pin {name} below {first}, the first version {} lists as affected; it names no last clean version{upgrade}",
                adv.id
            ),
        ),
        None => (
            None,
            format!(
                "no clean version known: {} names no affected version to step back from{upgrade}",
                adv.id
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_ip("https://83.142.209.194/transformers.pyz"),
            "83.142.209.194".parse().ok()
        );
        assert_eq!(
            url_ip("http://u:p@[2001:db8::1]:8080/x"),
            "2001:db8::1".parse().ok()
        );
        assert_eq!(url_ip("https://bad.example/x"), None);
        assert_eq!(url_ip("not a url"), None);
    }

    fn advisory(json: &str) -> Advisory {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), json).unwrap();
        let store = dir.path().join("store");
        shieldwall_advisory::import(&dir.path().join("a.json"), &store).unwrap();
        let db = AdvisoryDb::open(&store).unwrap();
        let id = serde_json::from_str::<serde_json::Value>(json).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        db.iter().find(|a| a.id == id).unwrap().clone()
    }

    #[test]
    fn pin_advice_says_only_what_the_advisory_says() {
        let db = AdvisoryDb::builtin();
        // the built-in seeds name the last clean release of mistralai and lightning
        let by_id = |name: &str, version: &str, id: &str| {
            db.affecting(Ecosystem::PyPI, name, version)
                .into_iter()
                .find(|a| a.id == id)
                .unwrap()
        };
        let mistral = by_id("mistralai", "2.4.6", "SHIELDWALL-2026-0004");
        let (to, text) = pin_back(&db, mistral, Ecosystem::PyPI, "mistralai");
        assert_eq!(to.as_deref(), Some("2.4.5"), "{text}");
        assert!(text.starts_with("pin mistralai to 2.4.5"), "{text}");
        // a version list with no named clean version: below the first listed
        let xinf = by_id("xinference", "2.6.1", "SHIELDWALL-2026-0002");
        let (to, text) = pin_back(&db, xinf, Ecosystem::PyPI, "xinference");
        assert_eq!(to, None);
        assert!(text.starts_with("pin xinference below 2.6.0,"), "{text}");

        let ranged = advisory(
            r#"{"id":"MAL-9","summary":"s","affected":[{"package":{"ecosystem":"npm","name":"pkg-a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"1.4.0"},{"fixed":"1.4.3"}]}]}]}"#,
        );
        let (to, text) = pin_back(&db, &ranged, Ecosystem::Npm, "pkg-a");
        assert_eq!(to, None);
        assert!(
            text.contains("below 1.4.0") && text.contains("1.4.3 is the fixed release"),
            "{text}"
        );
        let all = advisory(
            r#"{"id":"MAL-10","summary":"s","affected":[{"package":{"ecosystem":"npm","name":"pkg-b"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#,
        );
        let (to, text) = pin_back(&db, &all, Ecosystem::Npm, "pkg-b");
        assert_eq!(to, None);
        assert!(text.starts_with("no clean version known"), "{text}");
        // a named clean version that another advisory lists is not advised
        let conflict = advisory(
            r#"{"id":"MAL-11","summary":"s","affected":[{"package":{"ecosystem":"PyPI","name":"litellm"},
            "versions":["1.82.9"],"database_specific":{"shieldwall":{"last_clean_version":"1.82.8"}}}]}"#,
        );
        let (to, text) = pin_back(&db, &conflict, Ecosystem::PyPI, "litellm");
        assert_eq!(to, None);
        assert!(
            text.starts_with("no clean version known") && text.contains("SHIELDWALL-2026-0001"),
            "{text}"
        );
    }
}
