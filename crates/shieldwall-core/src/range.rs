use std::cmp::Ordering;

use crate::Version;

/// One event of an OSV `SEMVER` or `ECOSYSTEM` range, already parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeEvent {
    /// `introduced`; `None` stands for `"0"`, before every version.
    Introduced(Option<Version>),
    /// `fixed`: this version and later are not affected.
    Fixed(Version),
    /// `last_affected`: the last affected version (inclusive).
    LastAffected(Version),
    /// `limit`: an upper bound on the whole range; `None` stands for `"*"`.
    Limit(Option<Version>),
}

/// An OSV affected range: the versions between its `introduced` events and
/// the `fixed`/`last_affected` events that follow them, below any `limit`.
///
/// Events may arrive in any order; they are sorted on construction, so
/// unsorted advisory data evaluates the same as sorted data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffectedRange {
    events: Vec<RangeEvent>,
    limits: Vec<Version>,
}

impl AffectedRange {
    /// Builds a range from its events, in any order.
    pub fn new(events: impl IntoIterator<Item = RangeEvent>) -> Self {
        let mut ordered = Vec::new();
        let mut limits = Vec::new();
        for event in events {
            match event {
                RangeEvent::Limit(Some(v)) => limits.push(v),
                RangeEvent::Limit(None) => {}
                other => ordered.push(other),
            }
        }
        ordered.sort_by(compare_events);
        Self {
            events: ordered,
            limits,
        }
    }

    /// True when the range affects every version (`introduced: "0"` with no
    /// upper bound), as typosquats and some malware advisories declare.
    pub fn is_every_version(&self) -> bool {
        self.limits.is_empty()
            && matches!(self.events.first(), Some(RangeEvent::Introduced(None)))
            && !self
                .events
                .iter()
                .any(|e| matches!(e, RangeEvent::Fixed(_) | RangeEvent::LastAffected(_)))
    }

    /// True when `version` falls inside the range. Versions of another
    /// ecosystem never do.
    pub fn contains(&self, version: &Version) -> bool {
        if self
            .limits
            .iter()
            .any(|limit| version.partial_cmp(limit) != Some(Ordering::Less))
        {
            return false;
        }
        let mut affected = false;
        for event in &self.events {
            match event {
                RangeEvent::Introduced(None) => affected = true,
                RangeEvent::Introduced(Some(v)) => {
                    if at_least(version, v) {
                        affected = true;
                    }
                }
                RangeEvent::Fixed(v) => {
                    if at_least(version, v) {
                        affected = false;
                    }
                }
                RangeEvent::LastAffected(v) => {
                    if version.partial_cmp(v) == Some(Ordering::Greater) {
                        affected = false;
                    }
                }
                RangeEvent::Limit(_) => {}
            }
        }
        affected
    }
}

fn at_least(version: &Version, bound: &Version) -> bool {
    matches!(
        version.partial_cmp(bound),
        Some(Ordering::Greater | Ordering::Equal)
    )
}

fn event_version(event: &RangeEvent) -> Option<&Version> {
    match event {
        RangeEvent::Introduced(v) | RangeEvent::Limit(v) => v.as_ref(),
        RangeEvent::Fixed(v) | RangeEvent::LastAffected(v) => Some(v),
    }
}

/// Orders events by version (`introduced: "0"` first); at equal versions an
/// `introduced` comes before the event that closes it.
fn compare_events(a: &RangeEvent, b: &RangeEvent) -> Ordering {
    let rank = |e: &RangeEvent| u8::from(!matches!(e, RangeEvent::Introduced(_)));
    match (event_version(a), event_version(b)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x
            .partial_cmp(y)
            .unwrap_or(Ordering::Equal)
            .then_with(|| rank(a).cmp(&rank(b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ecosystem;

    fn v(s: &str) -> Version {
        Version::parse(Ecosystem::Npm, s).unwrap()
    }
    fn p(s: &str) -> Version {
        Version::parse(Ecosystem::PyPI, s).unwrap()
    }

    #[test]
    fn introduced_fixed() {
        let r = AffectedRange::new([
            RangeEvent::Introduced(Some(v("1.2.0"))),
            RangeEvent::Fixed(v("1.3.0")),
        ]);
        assert!(!r.contains(&v("1.1.9")));
        assert!(r.contains(&v("1.2.0")));
        assert!(r.contains(&v("1.2.9")));
        assert!(!r.contains(&v("1.3.0")));
        assert!(!r.is_every_version());
    }

    #[test]
    fn unsorted_events_evaluate_like_sorted() {
        let r = AffectedRange::new([
            RangeEvent::Fixed(v("2.0.0")),
            RangeEvent::Introduced(Some(v("3.0.0"))),
            RangeEvent::Introduced(Some(v("1.0.0"))),
            RangeEvent::Fixed(v("3.1.0")),
        ]);
        assert!(r.contains(&v("1.5.0")));
        assert!(!r.contains(&v("2.5.0")));
        assert!(r.contains(&v("3.0.5")));
        assert!(!r.contains(&v("3.1.0")));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = AffectedRange::new([
            RangeEvent::Introduced(None),
            RangeEvent::LastAffected(p("2.6.2")),
        ]);
        assert!(r.contains(&p("0.1")));
        assert!(r.contains(&p("2.6.2")));
        assert!(r.contains(&p("2.6.2.0")));
        assert!(!r.contains(&p("2.6.3")));
    }

    #[test]
    fn every_version_and_limit() {
        let all = AffectedRange::new([RangeEvent::Introduced(None)]);
        assert!(all.is_every_version());
        assert!(all.contains(&v("0.0.1-security")));
        assert!(all.contains(&v("99.0.0")));
        let limited = AffectedRange::new([
            RangeEvent::Introduced(None),
            RangeEvent::Limit(Some(v("2.0.0"))),
        ]);
        assert!(!limited.is_every_version());
        assert!(limited.contains(&v("1.9.9")));
        assert!(!limited.contains(&v("2.0.0")));
        let star = AffectedRange::new([RangeEvent::Introduced(None), RangeEvent::Limit(None)]);
        assert!(star.is_every_version());
    }

    #[test]
    fn semver_prerelease_ordering_in_ranges() {
        let r = AffectedRange::new([
            RangeEvent::Introduced(Some(v("1.0.0-beta.2"))),
            RangeEvent::Fixed(v("1.0.0")),
        ]);
        assert!(r.contains(&v("1.0.0-beta.11")));
        assert!(!r.contains(&v("1.0.0-beta.1")));
        assert!(!r.contains(&v("1.0.0")));
    }

    #[test]
    fn other_ecosystem_is_never_contained() {
        let r = AffectedRange::new([RangeEvent::Introduced(Some(v("1.0.0")))]);
        assert!(!r.contains(&p("1.5")));
    }
}
