//! The compiled-in feed: every list entry is represented and matchable
//! where it should be, the seed incidents match, and their clean
//! neighbours do not.

use std::collections::HashSet;

use shieldwall_advisory::{AdvisoryDb, SHAI_HULUD_DETECT, SHIELDWALL_SEEDS};
use shieldwall_core::{Ecosystem, Requirement};

const LIST: &str = include_str!("../data/shai-hulud-detect-compromised-packages.txt");

/// Every entry line of the list, split like the list documents it.
fn list_entries() -> Vec<(String, String, String)> {
    LIST.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.split(':').collect();
            match parts.as_slice() {
                [name, version] => ("npm".into(), (*name).into(), (*version).into()),
                [eco, name, version] => ((*eco).into(), (*name).into(), (*version).into()),
                _ => panic!("unexpected list line {l}"),
            }
        })
        .collect()
}

#[test]
fn every_list_version_is_represented() {
    let entries = list_entries();
    assert_eq!(entries.len(), 5782);
    let db = AdvisoryDb::builtin();
    let status = db.status();
    let list = status
        .sources
        .iter()
        .find(|s| s.source == SHAI_HULUD_DETECT)
        .expect("list source");
    let versions: u64 = list.by_ecosystem.values().map(|c| c.versions).sum();
    assert!(versions >= 5782, "{versions}");
    assert_eq!(list.snapshot.as_deref(), Some("August 2026"));
    assert_eq!(list.malicious, list.advisories);
    for (eco, matched) in [
        ("npm", true),
        ("PyPI", true),
        ("Packagist", false),
        ("Go", false),
    ] {
        let counts = list.by_ecosystem.get(eco).expect(eco);
        assert!(counts.advisories > 0, "{eco}");
        assert_eq!(counts.matched, matched, "{eco}");
    }
    assert_eq!(list.by_ecosystem["PyPI"].versions, 52);
    assert_eq!(list.by_ecosystem["Go"].versions, 83);
    assert_eq!(list.by_ecosystem["Packagist"].versions, 3);
}

#[test]
fn every_npm_and_pypi_entry_matches_and_others_do_not() {
    let db = AdvisoryDb::builtin();
    for (eco, name, version) in list_entries() {
        match eco.as_str() {
            "npm" | "pypi" => {
                let ecosystem = if eco == "npm" {
                    Ecosystem::Npm
                } else {
                    Ecosystem::PyPI
                };
                let hits = db.affecting(ecosystem, &name, &version);
                assert!(
                    hits.iter().any(|a| a.source == SHAI_HULUD_DETECT),
                    "{eco}:{name}:{version}"
                );
            }
            _ => {
                assert!(db.affecting(Ecosystem::Npm, &name, &version).is_empty());
                assert!(db.affecting(Ecosystem::PyPI, &name, &version).is_empty());
            }
        }
    }
}

#[test]
fn incidents_match_and_clean_neighbours_do_not() {
    let db = AdvisoryDb::builtin();
    let cases: &[(Ecosystem, &str, &str, bool)] = &[
        (Ecosystem::PyPI, "litellm", "1.82.8", true),
        (Ecosystem::PyPI, "litellm", "1.82.7", true),
        (Ecosystem::PyPI, "LiteLLM", "1.82.8", true),
        (Ecosystem::PyPI, "litellm", "1.82.6", false),
        (Ecosystem::PyPI, "litellm", "1.82.9", false),
        (Ecosystem::PyPI, "mistralai", "2.4.6", true),
        (Ecosystem::PyPI, "mistralai", "2.4.5", false),
        (Ecosystem::PyPI, "xinference", "2.6.1", true),
        (Ecosystem::PyPI, "xinference", "2.6.0", true),
        (Ecosystem::PyPI, "xinference", "2.6.2", true),
        (Ecosystem::PyPI, "xinference", "2.5.9", false),
        (Ecosystem::PyPI, "xinference", "2.6.3", false),
        (Ecosystem::PyPI, "lightning", "2.6.2", true),
        (Ecosystem::PyPI, "lightning", "2.6.3", true),
        (Ecosystem::PyPI, "lightning", "2.6.1", false),
        (Ecosystem::PyPI, "pytorch-lightning", "2.6.2", false),
        (Ecosystem::PyPI, "guardrails-ai", "0.10.1", true),
        (Ecosystem::PyPI, "Guardrails_AI", "0.10.1", true),
        (Ecosystem::PyPI, "guardrails-ai", "0.10.0", false),
        (Ecosystem::Npm, "@tanstack/react-router", "1.169.5", true),
        (Ecosystem::Npm, "@tanstack/react-router", "1.169.8", true),
        (Ecosystem::Npm, "@tanstack/react-router", "1.169.4", false),
        (Ecosystem::Npm, "@tanstack/react-router", "1.169.6", false),
        (Ecosystem::Npm, "@mistralai/mistralai", "2.2.3", true),
        (Ecosystem::Npm, "@mistralai/mistralai", "2.2.1", false),
        (Ecosystem::Npm, "@mistralai/mistralai-gcp", "1.7.2", true),
        (Ecosystem::Npm, "axios", "1.14.1", true),
        (Ecosystem::Npm, "axios", "1.14.0", false),
        // the PyPI package of the same name is not the npm one
        (Ecosystem::Npm, "mistralai", "2.4.6", false),
        (Ecosystem::PyPI, "axios", "1.14.1", false),
    ];
    for (eco, name, version, want) in cases {
        let hits = db.affecting(*eco, name, version);
        assert_eq!(!hits.is_empty(), *want, "{eco} {name} {version}: {hits:?}");
        assert!(hits.iter().all(|a| a.malicious && !a.is_withdrawn()));
    }
}

#[test]
fn seed_incidents_carry_source_date_and_iocs() {
    let db = AdvisoryDb::builtin();
    let seeds: Vec<_> = db
        .affecting(Ecosystem::PyPI, "mistralai", "2.4.6")
        .into_iter()
        .filter(|a| a.source == SHIELDWALL_SEEDS)
        .collect();
    assert_eq!(seeds.len(), 1);
    let seed = seeds[0];
    assert!(seed.id.starts_with("SHIELDWALL-2026-"));
    assert_eq!(seed.date.as_deref(), Some("2026-05-12"));
    assert_eq!(seed.iocs.ip_addresses, ["83.142.209.194"]);
    for (name, versions) in [
        ("lightning", &["2.6.2", "2.6.3"][..]),
        ("litellm", &["1.82.7", "1.82.8"]),
        ("xinference", &["2.6.0", "2.6.1", "2.6.2"]),
        ("guardrails-ai", &["0.10.1"]),
    ] {
        for v in versions {
            assert!(
                db.affecting(Ecosystem::PyPI, name, v)
                    .iter()
                    .any(|a| a.source == SHIELDWALL_SEEDS && a.date.is_some()),
                "{name} {v}"
            );
        }
    }
    let list_hit = db
        .affecting(Ecosystem::PyPI, "litellm", "1.82.8")
        .into_iter()
        .find(|a| a.source == SHAI_HULUD_DETECT)
        .expect("list advisory");
    assert_eq!(list_hit.date.as_deref(), Some("MARCH 2026"));
    assert!(
        list_hit
            .references
            .iter()
            .any(|r| r.contains("litellm-compromised-pypi-teampcp"))
    );
}

#[test]
fn tanstack_wave_has_84_versions() {
    let db = AdvisoryDb::builtin();
    let tanstack: Vec<_> = list_entries()
        .into_iter()
        .filter(|(eco, name, _)| eco == "npm" && name.starts_with("@tanstack/"))
        .collect();
    assert_eq!(tanstack.len(), 84);
    let mut advisories = HashSet::new();
    for (_, name, version) in &tanstack {
        let hits = db.affecting(Ecosystem::Npm, name, version);
        let hit = hits
            .iter()
            .find(|a| a.source == SHAI_HULUD_DETECT)
            .expect("tanstack hit");
        assert_eq!(hit.date.as_deref(), Some("MAY 2026"));
        advisories.insert(hit.id.clone());
    }
    // one advisory per package of the wave
    let packages: HashSet<_> = tanstack.iter().map(|(_, n, _)| n).collect();
    assert_eq!(advisories.len(), packages.len());
    let mistral = list_entries()
        .into_iter()
        .filter(|(eco, name, _)| eco == "npm" && name.starts_with("@mistralai/"))
        .count();
    assert_eq!(mistral, 9);
}

#[test]
fn ids_are_unique_and_stable() {
    let db = AdvisoryDb::builtin();
    let ids: Vec<String> = db.iter().map(|a| a.id.clone()).collect();
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(
        ids.iter()
            .all(|id| id.starts_with("SHIELDWALL-SHD-20") || id.starts_with("SHIELDWALL-2026-"))
    );
    let again: Vec<String> = AdvisoryDb::builtin().iter().map(|a| a.id.clone()).collect();
    assert_eq!(ids, again);
    // pinned so that a change to the id scheme is noticed
    let axios = db.affecting(Ecosystem::Npm, "axios", "1.14.1");
    assert_eq!(axios.len(), 1);
    assert_eq!(axios[0].id, "SHIELDWALL-SHD-2026-1f06beb986af");
}

#[test]
fn declared_ranges_admitting_bad_versions() {
    let db = AdvisoryDb::builtin();
    let cases: &[(Ecosystem, &str, &str, &[&str])] = &[
        (
            Ecosystem::PyPI,
            "litellm",
            ">=1.82,<1.83",
            &["1.82.7", "1.82.8"],
        ),
        (Ecosystem::PyPI, "litellm", "==1.82.6", &[]),
        (Ecosystem::PyPI, "mistralai", "~=2.4", &["2.4.6"]),
        (Ecosystem::Npm, "axios", "^1.14.0", &["1.14.1"]),
        (Ecosystem::Npm, "axios", "~1.13.0", &[]),
        (
            Ecosystem::Npm,
            "@tanstack/react-router",
            "^1.169.0",
            &["1.169.5", "1.169.8"],
        ),
    ];
    for (eco, name, req, want) in cases {
        let requirement = Requirement::parse(*eco, req).unwrap();
        let mut got: Vec<String> = db
            .admitted_by(*eco, name, &requirement)
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        got.sort();
        got.dedup();
        assert_eq!(got, *want, "{name} {req}");
    }
}
