//! The compiled-in feed: the shai-hulud-detect compromised-package list
//! (one advisory per wave and package) and shieldwall's own seed incidents
//! (OSV JSON). Parsed once, on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use shieldwall_core::Ecosystem;

use crate::hash::fnv1a;
use crate::matcher::Resolved;
use crate::model::{Advisory, Affected};
use crate::osv::OsvRecord;
use crate::status::{SourceKind, SourceStatus, Tally};

/// The shai-hulud-detect list (MIT, (c) 2025 @Cobenian; see `data/README.md`).
const LIST: &str = include_str!("../data/shai-hulud-detect-compromised-packages.txt");
/// shieldwall's seed incidents, OSV JSON.
const SEEDS: &str = include_str!("../data/seeds.json");

/// Source name of the shai-hulud-detect list.
pub const SHAI_HULUD_DETECT: &str = "shai-hulud-detect";
/// Source name of shieldwall's seed incidents.
pub const SHIELDWALL_SEEDS: &str = "shieldwall-seeds";
const PROJECT_URL: &str = "https://github.com/Cobenian/shai-hulud-detect";

/// One built-in source, parsed and ready to match.
#[derive(Debug)]
pub(crate) struct BuiltinSource {
    pub(crate) status: SourceStatus,
    pub(crate) advisories: Vec<Resolved>,
}

/// Every built-in source, parsed on first use.
pub(crate) fn sources() -> &'static [BuiltinSource] {
    static SOURCES: OnceLock<Vec<BuiltinSource>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        vec![
            finish(SHAI_HULUD_DETECT, parse_list(LIST)),
            finish(SHIELDWALL_SEEDS, parse_seeds(SEEDS)),
        ]
    })
}

fn finish(name: &str, (advisories, snapshot): (Vec<Advisory>, Option<String>)) -> BuiltinSource {
    let mut tally = Tally::new(name.to_owned(), SourceKind::Builtin, None);
    for advisory in &advisories {
        tally.add(advisory);
    }
    tally.set_snapshot(snapshot);
    BuiltinSource {
        status: tally.finish(),
        advisories: advisories.into_iter().map(Resolved::new).collect(),
    }
}

/// A wave: one `# ====` comment block and the entries under it.
#[derive(Debug, Default)]
struct Wave {
    /// The block's first line, `SEPTEMBER 8, 2025 - CHALK/DEBUG …`.
    heading: String,
    description: Vec<String>,
    references: Vec<String>,
}

impl Wave {
    /// The date and title halves of the heading.
    fn date_and_title(&self) -> (Option<&str>, &str) {
        match self.heading.split_once(" - ") {
            Some((date, title)) => (Some(date.trim()), title.trim()),
            None => (None, self.heading.trim()),
        }
    }

    /// The last four-digit year in the date, for the advisory id.
    fn year(&self) -> String {
        let (date, _) = self.date_and_title();
        date.unwrap_or_default()
            .split(|c: char| !c.is_ascii_digit())
            .rfind(|part| part.len() == 4)
            .unwrap_or("0000")
            .to_owned()
    }
}

/// The OSV ecosystem name of a list prefix (`pypi` → `PyPI`).
fn list_ecosystem(prefix: &str) -> Option<&'static str> {
    Some(match prefix.to_ascii_lowercase().as_str() {
        "npm" => "npm",
        "pypi" => "PyPI",
        "composer" | "packagist" => "Packagist",
        "crates" | "cargo" => "crates.io",
        "go" | "golang" => "Go",
        "hex" => "Hex",
        "gem" | "gems" | "rubygems" => "RubyGems",
        "maven" => "Maven",
        "nuget" => "NuGet",
        _ => return None,
    })
}

/// Splits `ecosystem:name:version` or bare `name:version` (npm).
pub(crate) fn parse_entry(line: &str) -> Option<(&'static str, &str, &str)> {
    let (ecosystem, rest) = match line.split_once(':') {
        Some((prefix, rest)) if rest.contains(':') => (list_ecosystem(prefix)?, rest),
        _ => ("npm", line),
    };
    let (name, version) = rest.rsplit_once(':')?;
    let (name, version) = (name.trim(), version.trim());
    (!name.is_empty() && !version.is_empty()).then_some((ecosystem, name, version))
}

/// Parses the list into one advisory per (wave, package), and the date
/// the list says it was last updated.
pub(crate) fn parse_list(text: &str) -> (Vec<Advisory>, Option<String>) {
    let mut waves: Vec<Wave> = vec![Wave {
        heading: SHAI_HULUD_DETECT.to_owned(),
        ..Wave::default()
    }];
    let mut updated = None;
    let mut in_header = false;
    let mut in_sources = false;
    // (wave, ecosystem, normalized name) -> (name as written, versions)
    let mut groups: Vec<(usize, &'static str, &str, Vec<&str>)> = Vec::new();
    let mut by_key: HashMap<(usize, &'static str, String), usize> = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            if comment.len() >= 10 && comment.bytes().all(|b| b == b'=') {
                in_header = !in_header;
                if in_header {
                    waves.push(Wave::default());
                    in_sources = false;
                }
                continue;
            }
            if let Some(date) = comment.strip_prefix("Last updated:") {
                updated.get_or_insert_with(|| date.trim().to_owned());
            }
            let Some(wave) = waves.last_mut().filter(|_| in_header) else {
                continue;
            };
            if wave.heading.is_empty() {
                wave.heading = comment.to_owned();
                continue;
            }
            let lower = comment.to_ascii_lowercase();
            if lower.starts_with("source:") || lower.starts_with("sources:") {
                in_sources = true;
            }
            if in_sources {
                wave.references.extend(
                    comment
                        .split_whitespace()
                        .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
                        .map(str::to_owned),
                );
            } else if !comment.is_empty() {
                wave.description.push(comment.to_owned());
            }
            continue;
        }
        let Some((ecosystem, name, version)) = parse_entry(line) else {
            continue;
        };
        let wave = waves.len() - 1;
        let normalized = match Ecosystem::from_osv(ecosystem) {
            Some(eco) => eco.normalize_name(name).into_owned(),
            None => name.to_owned(),
        };
        let slot = *by_key
            .entry((wave, ecosystem, normalized))
            .or_insert_with(|| {
                groups.push((wave, ecosystem, name, Vec::new()));
                groups.len() - 1
            });
        if let Some(group) = groups.get_mut(slot)
            && !group.3.contains(&version)
        {
            group.3.push(version);
        }
    }
    let advisories = groups
        .into_iter()
        .filter_map(|(wave, ecosystem, name, versions)| {
            let wave = waves.get(wave)?;
            Some(list_advisory(wave, ecosystem, name, versions))
        })
        .collect();
    (advisories, updated)
}

fn list_advisory(wave: &Wave, ecosystem: &str, name: &str, versions: Vec<&str>) -> Advisory {
    let (date, title) = wave.date_and_title();
    let normalized = match Ecosystem::from_osv(ecosystem) {
        Some(eco) => eco.normalize_name(name).into_owned(),
        None => name.to_owned(),
    };
    let key = format!("{}\n{ecosystem}\n{normalized}", wave.heading);
    let id = format!(
        "SHIELDWALL-SHD-{}-{:012x}",
        wave.year(),
        fnv1a(key.as_bytes()) >> 16
    );
    let mut references = wave.references.clone();
    references.push(PROJECT_URL.to_owned());
    Advisory {
        id,
        summary: format!("Compromised {ecosystem} package {name}: {title}"),
        details: wave.description.join(" "),
        source: SHAI_HULUD_DETECT.to_owned(),
        date: date.map(str::to_owned),
        malicious: true,
        affected: vec![Affected {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            versions: versions.into_iter().map(str::to_owned).collect(),
            ..Affected::default()
        }],
        references,
        database_specific: Some(serde_json::json!({ "wave": wave.heading }).to_string()),
        ..Advisory::default()
    }
}

/// Parses the seed incidents, all malicious; their date is
/// `database_specific.shieldwall.date`.
pub(crate) fn parse_seeds(text: &str) -> (Vec<Advisory>, Option<String>) {
    let records: Vec<OsvRecord> = serde_json::from_str(text).unwrap_or_default();
    let advisories = records
        .into_iter()
        .filter_map(OsvRecord::into_advisory)
        .map(|mut advisory| {
            advisory.source = SHIELDWALL_SEEDS.to_owned();
            advisory.malicious = true;
            advisory.date = advisory
                .database_specific
                .as_deref()
                .and_then(|ds| serde_json::from_str::<serde_json::Value>(ds).ok())
                .and_then(|ds| {
                    ds.pointer("/shieldwall/date")
                        .and_then(|d| d.as_str())
                        .map(str::to_owned)
                });
            advisory
        })
        .collect();
    (advisories, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines() {
        let cases = [
            ("axios:1.14.1", Some(("npm", "axios", "1.14.1"))),
            ("npm:axios:1.14.1", Some(("npm", "axios", "1.14.1"))),
            (
                "@tanstack/react-router:1.169.5",
                Some(("npm", "@tanstack/react-router", "1.169.5")),
            ),
            ("pypi:litellm:1.82.8", Some(("PyPI", "litellm", "1.82.8"))),
            ("go-template:0.1.8", Some(("npm", "go-template", "0.1.8"))),
            (
                "composer:laravel-lang/lang:15.29.5",
                Some(("Packagist", "laravel-lang/lang", "15.29.5")),
            ),
            (
                "go:github.com/a/b:v0.0.0-2026",
                Some(("Go", "github.com/a/b", "v0.0.0-2026")),
            ),
            ("crates:evil:0.1.0", Some(("crates.io", "evil", "0.1.0"))),
            ("hexo-x:1.0.4", Some(("npm", "hexo-x", "1.0.4"))),
            ("nonsense", None),
            ("name:", None),
            ("unknown:pkg:1.0", None),
        ];
        for (line, want) in cases {
            assert_eq!(parse_entry(line), want, "{line}");
        }
    }

    #[test]
    fn waves_group_entries() {
        let text = "\
# Last updated: August 2026
# ====================
# MAY 2026 - WAVE ONE (2 packages)
# What happened.
# More words.
# Sources:
# - https://a.example/one
#   https://b.example/two
# ====================
pypi:Lite_LLM:1.0
pypi:lite-llm:1.1
pkg:2.0.0
pkg:2.0.0

# ====================
# JUNE 1, 2026 - WAVE TWO
# Source: SafeDep disclosure (no link)
# ====================
pkg:3.0.0
";
        let (advisories, updated) = parse_list(text);
        assert_eq!(updated.as_deref(), Some("August 2026"));
        assert_eq!(advisories.len(), 3);
        let a = &advisories[0];
        assert_eq!(a.affected[0].name, "Lite_LLM");
        assert_eq!(a.affected[0].versions, ["1.0", "1.1"]);
        assert_eq!(a.date.as_deref(), Some("MAY 2026"));
        assert_eq!(a.details, "What happened. More words.");
        assert_eq!(
            a.references,
            [
                "https://a.example/one",
                "https://b.example/two",
                PROJECT_URL
            ]
        );
        assert!(a.id.starts_with("SHIELDWALL-SHD-2026-"), "{}", a.id);
        assert_eq!(advisories[1].affected[0].versions, ["2.0.0"]);
        assert_eq!(advisories[2].date.as_deref(), Some("JUNE 1, 2026"));
        assert_eq!(advisories[2].references, [PROJECT_URL]);
        assert_ne!(advisories[1].id, advisories[2].id);
        // ids are stable: same input, same ids
        let (again, _) = parse_list(text);
        assert_eq!(again[2].id, advisories[2].id);
    }

    #[test]
    fn seeds_parse() {
        let (seeds, _) = parse_seeds(SEEDS);
        assert_eq!(seeds.len(), 5);
        assert!(
            seeds
                .iter()
                .all(|s| s.malicious && s.id.starts_with("SHIELDWALL-2026-"))
        );
        assert!(
            seeds
                .iter()
                .all(|s| s.date.is_some() && s.source == SHIELDWALL_SEEDS)
        );
    }
}
