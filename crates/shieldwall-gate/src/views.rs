//! Rendered filtered views (index pages, packuments), kept for a short
//! time so that a busy package is not decided on and rendered again for
//! every request.
//!
//! A view is used again only while everything it was made from is the
//! same: the parsed upstream document (a refetch makes a new one), the
//! response format and base URL, and the generation of every decision
//! input ([`Inputs`]: policy, advisory database, overrides, approved
//! hashes, analyzer judgements). Time is an input too: a view is valid
//! until the earliest moment a decision in it could change by itself (a
//! held file reaching the minimum age, an override expiring), and never
//! longer than the metadata time-to-live.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;

/// The generation of every input a decision depends on, other than the
/// time. Each number only grows; any change makes cached views old.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inputs {
    /// Policy reloads.
    pub policy: u64,
    /// Advisory database reloads.
    pub advisories: u64,
    /// Override changes (added, revoked).
    pub overrides: u64,
    /// Changes to the set of already-served hashes.
    pub approvals: u64,
    /// Analyzer judgements recorded.
    pub judgements: u64,
}

/// One rendered view.
struct View<S> {
    source: Arc<S>,
    format: &'static str,
    base_url: String,
    inputs: Inputs,
    until: Timestamp,
    body: Bytes,
}

/// Views kept per base URL and format at most, for one name (a client can
/// send any `Host`).
const VARIANTS: usize = 8;

impl<S> View<S> {
    /// About what the view holds in memory (its body, its keys and the
    /// bookkeeping around them).
    fn weight(&self, name: &str) -> usize {
        self.body.len() + self.base_url.len() + name.len() + 256
    }
}

/// Rendered views by package name, made from documents of type `S`, up to
/// a memory budget.
pub struct ViewCache<S> {
    views: RwLock<Views<S>>,
    budget: usize,
}

struct Views<S> {
    by_name: HashMap<String, Vec<Arc<View<S>>>>,
    bytes: usize,
}

impl<S> ViewCache<S> {
    /// A cache holding about `budget` bytes of views at most.
    pub fn new(budget: usize) -> Self {
        Self {
            views: RwLock::new(Views {
                by_name: HashMap::new(),
                bytes: 0,
            }),
            budget,
        }
    }
}

/// What a new view is valid for: the inputs it was made with (read before
/// it was made) and when it stops being valid.
#[derive(Clone, Copy, Debug)]
pub struct Validity {
    /// The inputs' generation.
    pub inputs: Inputs,
    /// The end of its validity.
    pub until: Timestamp,
}

impl Validity {
    /// Valid from `now` for at most `ttl`, with `inputs`.
    pub fn new(inputs: Inputs, now: Timestamp, ttl: Duration) -> Self {
        let ttl = jiff::SignedDuration::try_from(ttl).unwrap_or(jiff::SignedDuration::ZERO);
        Self {
            inputs,
            until: now.checked_add(ttl).unwrap_or(now),
        }
    }

    /// Ends the validity at `at` if that is sooner.
    pub fn end_by(&mut self, at: Timestamp) {
        self.until = self.until.min(at);
    }
}

impl<S> ViewCache<S> {
    /// The view of `name` rendered from `source` in `format` for
    /// `base_url`, if one is kept and still valid for `inputs` at `now`.
    pub fn get(
        &self,
        name: &str,
        source: &Arc<S>,
        format: &'static str,
        base_url: &str,
        inputs: Inputs,
        now: Timestamp,
    ) -> Option<Bytes> {
        let views = self.views.read().expect("view lock");
        views.by_name.get(name)?.iter().find_map(|v| {
            (v.format == format
                && v.base_url == base_url
                && Arc::ptr_eq(&v.source, source)
                && v.inputs == inputs
                && now < v.until)
                .then(|| v.body.clone())
        })
    }

    /// Keeps `body`, the view of `name` from `source` in `format` for
    /// `base_url`, while `validity` holds.
    pub fn put(
        &self,
        name: &str,
        source: &Arc<S>,
        format: &'static str,
        base_url: &str,
        validity: Validity,
        body: Bytes,
    ) {
        let view = Arc::new(View {
            source: source.clone(),
            format,
            base_url: base_url.to_owned(),
            inputs: validity.inputs,
            until: validity.until,
            body,
        });
        let weight = view.weight(name);
        if weight > self.budget {
            return;
        }
        let mut views = self.views.write().expect("view lock");
        let views = &mut *views;
        let list = views.by_name.entry(name.to_owned()).or_default();
        let mut freed = 0;
        list.retain(|v| {
            let same = v.format == format && v.base_url == base_url;
            if same {
                freed += v.weight(name);
            }
            !same
        });
        if list.len() >= VARIANTS {
            freed += list.remove(0).weight(name);
        }
        list.push(view);
        views.bytes = views.bytes + weight - freed;
        if views.bytes > self.budget {
            // Over budget: drop views until a quarter of it is free, the
            // ones no longer valid first, then any (in the map's order,
            // which has nothing to do with how hot a name is).
            let target = self.budget / 4 * 3;
            let now = Timestamp::now();
            for pass in [true, false] {
                views.by_name.retain(|key, list| {
                    if views.bytes <= target || key == name {
                        return true;
                    }
                    list.retain(|v| {
                        let keep = views.bytes <= target || (pass && now < v.until);
                        if !keep {
                            views.bytes -= v.weight(key);
                        }
                        keep
                    });
                    !list.is_empty()
                });
            }
        }
    }

    /// How many views are kept.
    pub fn len(&self) -> usize {
        self.views
            .read()
            .expect("view lock")
            .by_name
            .values()
            .map(Vec::len)
            .sum()
    }

    /// True when no view is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_view_is_used_only_while_everything_it_came_from_is_the_same() {
        let cache = ViewCache::<String>::new(1 << 20);
        let doc = Arc::new("page".to_owned());
        let now = ts("2026-06-10T12:00:00Z");
        let inputs = Inputs::default();
        let mut validity = Validity::new(inputs, now, Duration::from_secs(300));
        validity.end_by(ts("2026-06-10T12:01:00Z"));
        cache.put(
            "demo",
            &doc,
            "json",
            "http://g",
            validity,
            Bytes::from_static(b"v"),
        );
        let get = |doc: &Arc<String>, format, base, inputs, now| {
            cache.get("demo", doc, format, base, inputs, now)
        };
        assert_eq!(
            get(&doc, "json", "http://g", inputs, now).as_deref(),
            Some(&b"v"[..])
        );
        // Another document (refetched), format, base URL or input: not used.
        assert!(
            get(
                &Arc::new("page".to_owned()),
                "json",
                "http://g",
                inputs,
                now
            )
            .is_none()
        );
        assert!(get(&doc, "html", "http://g", inputs, now).is_none());
        assert!(get(&doc, "json", "https://g", inputs, now).is_none());
        for changed in [
            Inputs {
                policy: 1,
                ..inputs
            },
            Inputs {
                advisories: 1,
                ..inputs
            },
            Inputs {
                overrides: 1,
                ..inputs
            },
            Inputs {
                approvals: 1,
                ..inputs
            },
            Inputs {
                judgements: 1,
                ..inputs
            },
        ] {
            assert!(get(&doc, "json", "http://g", changed, now).is_none());
        }
        // The validity ends at the earlier of the TTL and `end_by`.
        assert!(get(&doc, "json", "http://g", inputs, ts("2026-06-10T12:00:59Z")).is_some());
        assert!(get(&doc, "json", "http://g", inputs, ts("2026-06-10T12:01:00Z")).is_none());
    }

    #[test]
    fn hosts_do_not_grow_the_cache_without_bound() {
        let cache = ViewCache::<String>::new(1 << 20);
        let doc = Arc::new(String::new());
        let validity = Validity::new(Inputs::default(), Timestamp::now(), Duration::from_secs(60));
        for i in 0..100 {
            cache.put(
                "demo",
                &doc,
                "json",
                &format!("http://h{i}"),
                validity,
                Bytes::new(),
            );
        }
        assert_eq!(cache.len(), VARIANTS);
    }

    #[test]
    fn the_memory_budget_holds() {
        let cache = ViewCache::<String>::new(100_000);
        let doc = Arc::new(String::new());
        let validity = Validity::new(Inputs::default(), Timestamp::now(), Duration::from_secs(60));
        for i in 0..1_000 {
            cache.put(
                &format!("p{i}"),
                &doc,
                "json",
                "http://g",
                validity,
                Bytes::from(vec![b'x'; 744]),
            );
            let bytes = cache.views.read().unwrap().bytes;
            assert!(bytes <= 100_000, "{bytes}");
        }
        // The newest view is always kept; older ones made room for it.
        let now = Timestamp::now();
        let kept = cache.get("p999", &doc, "json", "http://g", Inputs::default(), now);
        assert!(kept.is_some());
        assert!(cache.len() < 100 && cache.len() > 50, "{}", cache.len());
        // A view larger than the whole budget is not kept.
        cache.put(
            "big",
            &doc,
            "json",
            "http://g",
            validity,
            Bytes::from(vec![0; 200_000]),
        );
        assert!(
            cache
                .get("big", &doc, "json", "http://g", Inputs::default(), now)
                .is_none()
        );
    }
}
