//! Turns an advisory's version strings and range events into parsed
//! versions and ranges, and evaluates them against a queried version.

use shieldwall_core::{AffectedRange, Ecosystem, RangeEvent, Requirement, Version};

use crate::model::{Advisory, Affected, EventKind, Range};

/// The version string [`crate::AdvisoryDb::admitted_by`] reports for an
/// advisory that affects every version of a package.
pub const EVERY_VERSION: &str = "*";

/// A version string that could not be parsed in its ecosystem's syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BadVersion {
    /// An entry of `versions`.
    Listed(String),
    /// The version of a range event; the whole range is dropped.
    RangeEvent(EventKind, String),
}

/// An advisory with its matchable `affected` entries parsed.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) advisory: Advisory,
    matchers: Vec<Matcher>,
}

/// The parsed form of one `affected` entry of a matchable ecosystem.
#[derive(Debug)]
struct Matcher {
    ecosystem: Ecosystem,
    name: String,
    /// Parsed versions with the string the source wrote.
    versions: Vec<(Version, String)>,
    ranges: Vec<ParsedRange>,
}

#[derive(Debug)]
struct ParsedRange {
    range: AffectedRange,
    /// `introduced` and `last_affected` versions inside the range, with
    /// the string the source wrote.
    boundaries: Vec<(Version, String)>,
}

/// A queried version: parsed when it is valid in its ecosystem, raw
/// otherwise.
pub(crate) enum Query<'a> {
    Parsed(Version),
    Raw(&'a str),
}

impl<'a> Query<'a> {
    pub(crate) fn new(ecosystem: Ecosystem, version: &'a str) -> Self {
        match Version::parse(ecosystem, version) {
            Ok(parsed) => Self::Parsed(parsed),
            Err(_) => Self::Raw(version.trim()),
        }
    }
}

impl Resolved {
    pub(crate) fn new(advisory: Advisory) -> Self {
        let matchers = advisory
            .affected
            .iter()
            .filter_map(|affected| resolve_affected(affected).map(|(m, _)| m))
            .collect();
        Self { advisory, matchers }
    }

    /// True when the advisory affects `version` of the package.
    pub(crate) fn affects(&self, ecosystem: Ecosystem, name: &str, query: &Query<'_>) -> bool {
        !self.advisory.is_withdrawn()
            && self
                .matchers
                .iter()
                .filter(|m| m.ecosystem == ecosystem && m.name == name)
                .any(|m| m.affects(query))
    }

    /// The known-bad versions of the package that `requirement` admits.
    pub(crate) fn admitted_by(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        requirement: &Requirement,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.advisory.is_withdrawn() {
            return out;
        }
        let mut push = |s: &str| {
            if !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        };
        for m in self
            .matchers
            .iter()
            .filter(|m| m.ecosystem == ecosystem && m.name == name)
        {
            for (version, raw) in &m.versions {
                if requirement.admits(version) {
                    push(raw);
                }
            }
            for r in &m.ranges {
                if r.range.is_every_version() {
                    push(EVERY_VERSION);
                }
                for (version, raw) in &r.boundaries {
                    if requirement.admits(version) {
                        push(raw);
                    }
                }
            }
        }
        out
    }
}

impl Matcher {
    fn affects(&self, query: &Query<'_>) -> bool {
        match query {
            Query::Parsed(v) => {
                self.versions.iter().any(|(known, _)| known == v)
                    || self.ranges.iter().any(|r| r.range.contains(v))
            }
            Query::Raw(raw) => {
                self.versions.iter().any(|(_, known)| known.trim() == *raw)
                    || self.ranges.iter().any(|r| r.range.is_every_version())
            }
        }
    }
}

/// Parses one `affected` entry. Returns `None` for ecosystems shieldwall
/// does not match; otherwise the matcher and every string it had to leave
/// out.
fn resolve_affected(affected: &Affected) -> Option<(Matcher, Vec<BadVersion>)> {
    let ecosystem = affected.matchable_ecosystem()?;
    let mut bad = Vec::new();
    let mut versions = Vec::with_capacity(affected.versions.len());
    for raw in &affected.versions {
        match Version::parse(ecosystem, raw) {
            Ok(v) => versions.push((v, raw.clone())),
            Err(_) => bad.push(BadVersion::Listed(raw.clone())),
        }
    }
    let mut ranges = Vec::new();
    for range in affected.ranges.iter().filter(|r| r.kind.is_versioned()) {
        match parse_range(ecosystem, range) {
            Ok(parsed) => ranges.push(parsed),
            Err(b) => bad.push(b),
        }
    }
    let matcher = Matcher {
        ecosystem,
        name: ecosystem.normalize_name(&affected.name).into_owned(),
        versions,
        ranges,
    };
    Some((matcher, bad))
}

/// Every version string of `affected` that cannot be parsed, for the
/// import report. Empty for ecosystems shieldwall does not match.
pub(crate) fn bad_versions(affected: &Affected) -> Vec<BadVersion> {
    resolve_affected(affected)
        .map(|(_, bad)| bad)
        .unwrap_or_default()
}

fn parse_range(ecosystem: Ecosystem, range: &Range) -> Result<ParsedRange, BadVersion> {
    let mut events = Vec::with_capacity(range.events.len());
    let mut boundaries = Vec::new();
    for event in &range.events {
        let raw = event.version.trim();
        let parse = || {
            Version::parse(ecosystem, raw)
                .map_err(|_| BadVersion::RangeEvent(event.kind, event.version.clone()))
        };
        let parsed = match event.kind {
            EventKind::Introduced if raw == "0" => RangeEvent::Introduced(None),
            EventKind::Introduced => {
                let v = parse()?;
                boundaries.push((v.clone(), event.version.clone()));
                RangeEvent::Introduced(Some(v))
            }
            EventKind::Fixed => RangeEvent::Fixed(parse()?),
            EventKind::LastAffected => {
                let v = parse()?;
                boundaries.push((v.clone(), event.version.clone()));
                RangeEvent::LastAffected(v)
            }
            EventKind::Limit if raw == "*" => RangeEvent::Limit(None),
            EventKind::Limit => RangeEvent::Limit(Some(parse()?)),
        };
        events.push(parsed);
    }
    let range = AffectedRange::new(events);
    boundaries.retain(|(v, _)| range.contains(v));
    Ok(ParsedRange { range, boundaries })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, RangeKind};

    fn affected(eco: &str, name: &str, versions: &[&str], ranges: Vec<Range>) -> Affected {
        Affected {
            ecosystem: eco.to_owned(),
            name: name.to_owned(),
            versions: versions.iter().map(|s| (*s).to_owned()).collect(),
            ranges,
            ..Affected::default()
        }
    }

    fn range(kind: RangeKind, events: &[(EventKind, &str)]) -> Range {
        Range {
            kind,
            repo: None,
            events: events
                .iter()
                .map(|(kind, v)| Event {
                    kind: *kind,
                    version: (*v).to_owned(),
                })
                .collect(),
        }
    }

    fn resolved(affected: Vec<Affected>) -> Resolved {
        Resolved::new(Advisory {
            id: "TEST-1".into(),
            affected,
            ..Advisory::default()
        })
    }

    #[test]
    fn version_queries() {
        use EventKind::*;
        let git = range(RangeKind::Git, &[(Introduced, "abc"), (Fixed, "def")]);
        let eco = range(RangeKind::Ecosystem, &[(Introduced, "3.0"), (Fixed, "3.2")]);
        let r = resolved(vec![
            affected("PyPI", "Lite_LLM", &["1.82.8", "1.82.7", "2.6"], vec![]),
            affected("npm", "@scope/pkg", &["1.169.8", "1.169.5"], vec![]),
            affected("PyPI", "ranged", &[], vec![git, eco]),
            affected(
                "PyPI",
                "squat",
                &[],
                vec![range(RangeKind::Ecosystem, &[(Introduced, "0")])],
            ),
        ]);
        let cases: &[(Ecosystem, &str, &str, bool)] = &[
            (Ecosystem::PyPI, "lite-llm", "1.82.8", true),
            (Ecosystem::PyPI, "lite-llm", "1.82.7", true),
            (Ecosystem::PyPI, "lite-llm", "1.82.6", false),
            (Ecosystem::PyPI, "lite-llm", "2.6.0", true),
            (Ecosystem::PyPI, "lite-llm", "2.6.0.0", true),
            (Ecosystem::Npm, "@scope/pkg", "1.169.5", true),
            (Ecosystem::Npm, "@scope/pkg", "1.169.5+build", true),
            (Ecosystem::Npm, "@scope/pkg", "1.169.6", false),
            (Ecosystem::Npm, "lite-llm", "1.82.8", false),
            (Ecosystem::PyPI, "ranged", "3.1.4", true),
            (Ecosystem::PyPI, "ranged", "3.2", false),
            (Ecosystem::PyPI, "ranged", "2.9", false),
            (Ecosystem::PyPI, "squat", "0.0.1", true),
            (Ecosystem::PyPI, "squat", "not a version", true),
        ];
        for (eco, name, version, want) in cases {
            let got = r.affects(*eco, name, &Query::new(*eco, version));
            assert_eq!(got, *want, "{eco} {name} {version}");
        }
    }

    #[test]
    fn unparsable_strings_are_reported_and_left_out() {
        use EventKind::*;
        let a = affected(
            "PyPI",
            "langchain",
            &["0.1.0", "langchain-openai==0.1.25"],
            vec![range(
                RangeKind::Ecosystem,
                &[(Introduced, "0"), (Fixed, "not-a-version")],
            )],
        );
        assert_eq!(
            bad_versions(&a),
            vec![
                BadVersion::Listed("langchain-openai==0.1.25".into()),
                BadVersion::RangeEvent(Fixed, "not-a-version".into()),
            ]
        );
        let r = resolved(vec![a]);
        let q = |v| {
            r.affects(
                Ecosystem::PyPI,
                "langchain",
                &Query::new(Ecosystem::PyPI, v),
            )
        };
        assert!(q("0.1.0"));
        // the range with the bad event is dropped, not widened to every version
        assert!(!q("5.0"));
        assert!(!q("langchain-openai==0.1.25"));
        assert!(bad_versions(&affected("Echo", "x", &["???"], vec![])).is_empty());
    }

    #[test]
    fn raw_query_falls_back_to_string_equality() {
        let r = resolved(vec![affected("npm", "odd", &["1.0.0"], vec![])]);
        assert!(r.affects(
            Ecosystem::Npm,
            "odd",
            &Query::new(Ecosystem::Npm, " 1.0.0 ")
        ));
        assert!(!r.affects(Ecosystem::Npm, "odd", &Query::new(Ecosystem::Npm, "latest")));
    }

    #[test]
    fn withdrawn_never_matches() {
        let mut r = resolved(vec![affected("npm", "w", &["1.0.0"], vec![])]);
        r.advisory.withdrawn = Some("2026-01-01T00:00:00Z".into());
        assert!(!r.affects(Ecosystem::Npm, "w", &Query::new(Ecosystem::Npm, "1.0.0")));
        let req = Requirement::parse(Ecosystem::Npm, "*").unwrap();
        assert!(r.admitted_by(Ecosystem::Npm, "w", &req).is_empty());
    }

    #[test]
    fn admitted_versions() {
        use EventKind::*;
        let r = resolved(vec![
            affected("npm", "keyv", &["6.0.0", "5.9.1", "4.0.0"], vec![]),
            affected(
                "npm",
                "ranged",
                &[],
                vec![range(
                    RangeKind::Semver,
                    &[(Introduced, "2.0.0"), (LastAffected, "2.0.3")],
                )],
            ),
            affected(
                "npm",
                "squat",
                &[],
                vec![range(RangeKind::Semver, &[(Introduced, "0")])],
            ),
        ]);
        let cases: &[(&str, &str, &[&str])] = &[
            ("keyv", "^6.0.0", &["6.0.0"]),
            ("keyv", ">=4", &["6.0.0", "5.9.1", "4.0.0"]),
            ("keyv", "^3", &[]),
            ("ranged", "~2.0.1", &["2.0.3"]),
            ("ranged", "^2.0.0", &["2.0.0", "2.0.3"]),
            ("ranged", "^1", &[]),
            ("squat", "^1.0.0", &[EVERY_VERSION]),
        ];
        for (name, req, want) in cases {
            let req_parsed = Requirement::parse(Ecosystem::Npm, req).unwrap();
            let got = r.admitted_by(Ecosystem::Npm, name, &req_parsed);
            assert_eq!(got, *want, "{name} {req}");
        }
    }
}
