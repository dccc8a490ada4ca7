//! The in-memory database: a hash index from (ecosystem, normalized name)
//! to records, over the built-in feed and every stored import.

use std::collections::HashMap;
use std::path::Path;

use rustc_hash::FxBuildHasher;
use std::sync::OnceLock;

use shieldwall_core::{Ecosystem, Requirement};

use crate::builtin;
use crate::error::AdvisoryError;
use crate::matcher::{Query, Resolved};
use crate::model::Advisory;
use crate::status::{DbStatus, SourceStatus};
use crate::store::{self, StoreFile};

/// The name index of one ecosystem. Fx, not SipHash: its keys are the
/// package names of the advisory sources (the built-in feed and the feeds
/// the user imported), inserted once when the database opens; the names a
/// scan reads, which an attacker may choose, are only looked up, never
/// inserted, so they cannot pile keys into one bucket. Every package
/// scanned costs one lookup, where SipHash was a third of matching.
type NameIndex = HashMap<Box<str>, Hits, FxBuildHasher>;

/// The advisory database: the compiled-in feed plus every import kept in a
/// store directory.
///
/// Opening reads only each store's name index; a record is read and its
/// versions parsed the first time a lookup hits its package name, then kept.
/// Lookups take `&self` and the database is `Send + Sync`, so one instance
/// can serve many scanning threads.
#[derive(Debug)]
pub struct AdvisoryDb {
    names: Vec<(Ecosystem, NameIndex)>,
    slots: Vec<Slot>,
    stores: Vec<StoreFile>,
    sources: Vec<SourceStatus>,
}

/// The records indexed under one name.
#[derive(Debug)]
enum Hits {
    One(u32),
    Many(Box<[u32]>),
}

impl Hits {
    fn new(slots: &[u32]) -> Option<Self> {
        match slots {
            [] => None,
            [one] => Some(Self::One(*one)),
            many => Some(Self::Many(many.into())),
        }
    }

    fn extend(&mut self, slots: &[u32]) {
        let mut all = self.as_slice().to_vec();
        for slot in slots {
            if !all.contains(slot) {
                all.push(*slot);
            }
        }
        if let Some(hits) = Self::new(&all) {
            *self = hits;
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Self::One(one) => std::slice::from_ref(one),
            Self::Many(many) => many,
        }
    }
}

/// One record of the database.
#[derive(Debug)]
enum Slot {
    Builtin(&'static Resolved),
    Stored {
        store: u32,
        record: u32,
        cell: OnceLock<Option<Box<Resolved>>>,
    },
}

impl AdvisoryDb {
    /// The compiled-in feed only.
    pub fn builtin() -> Self {
        let mut db = Self::empty();
        db.add_builtin();
        db
    }

    /// The compiled-in feed plus every import stored in `store_dir`. A
    /// missing directory holds no imports; a damaged store file is an error
    /// naming it (import its source again to repair it).
    pub fn open(store_dir: &Path) -> Result<Self, AdvisoryError> {
        let mut db = Self::builtin();
        for path in store::list(store_dir)? {
            db.add_store(StoreFile::open(&path)?);
        }
        Ok(db)
    }

    fn empty() -> Self {
        Self {
            names: Ecosystem::ALL
                .iter()
                .map(|&eco| (eco, NameIndex::default()))
                .collect(),
            slots: Vec::new(),
            stores: Vec::new(),
            sources: Vec::new(),
        }
    }

    fn add_builtin(&mut self) {
        for source in builtin::sources() {
            self.sources.push(source.status.clone());
            for resolved in &source.advisories {
                let slot = self.next_slot();
                self.slots.push(Slot::Builtin(resolved));
                for (eco, name) in store::index_keys(&resolved.advisory) {
                    self.insert(eco, name.into_boxed_str(), slot);
                }
            }
        }
    }

    fn add_store(&mut self, mut file: StoreFile) {
        let base = self.next_slot();
        let store = u32::try_from(self.stores.len()).unwrap_or(u32::MAX);
        let count = file.len();
        self.slots.reserve(count);
        for record in 0..count {
            self.slots.push(Slot::Stored {
                store,
                record: u32::try_from(record).unwrap_or(u32::MAX),
                cell: OnceLock::new(),
            });
        }
        let index = std::mem::take(&mut file.index);
        for (eco, map) in &mut self.names {
            let more = index.iter().filter(|e| e.ecosystem == *eco).count();
            map.reserve(more);
        }
        for entry in index {
            let name = entry.name.into_boxed_str();
            let Some(map) = self.map_mut(entry.ecosystem) else {
                continue;
            };
            let first = base.saturating_add(entry.first);
            let hits = map
                .entry(name)
                .and_modify(|h| h.extend(&[first]))
                .or_insert(Hits::One(first));
            if !entry.more.is_empty() {
                let more: Vec<u32> = entry.more.iter().map(|&r| base.saturating_add(r)).collect();
                hits.extend(&more);
            }
        }
        self.sources.push(file.status.clone());
        self.stores.push(file);
    }

    fn next_slot(&self) -> u32 {
        u32::try_from(self.slots.len()).unwrap_or(u32::MAX)
    }

    fn map_mut(&mut self, ecosystem: Ecosystem) -> Option<&mut NameIndex> {
        self.names
            .iter_mut()
            .find(|(e, _)| *e == ecosystem)
            .map(|(_, m)| m)
    }

    fn insert(&mut self, ecosystem: Ecosystem, name: Box<str>, slot: u32) {
        if let Some(map) = self.map_mut(ecosystem) {
            map.entry(name)
                .and_modify(|h| h.extend(&[slot]))
                .or_insert(Hits::One(slot));
        }
    }

    fn resolve(&self, slot: u32) -> Option<&Resolved> {
        match self.slots.get(slot as usize)? {
            Slot::Builtin(resolved) => Some(resolved),
            Slot::Stored {
                store,
                record,
                cell,
            } => cell
                .get_or_init(|| {
                    let advisory = self.stores.get(*store as usize)?.record(*record)?;
                    Some(Box::new(Resolved::new(advisory)))
                })
                .as_deref(),
        }
    }

    /// The records indexed under the name, one per advisory id: when
    /// sources disagree, the copy modified last wins.
    fn candidates(&self, ecosystem: Ecosystem, name: &str) -> Vec<&Resolved> {
        let Some(hits) = self
            .names
            .iter()
            .find(|(e, _)| *e == ecosystem)
            .and_then(|(_, map)| map.get(name))
        else {
            return Vec::new();
        };
        let mut out: Vec<&Resolved> = Vec::with_capacity(hits.as_slice().len());
        for resolved in hits.as_slice().iter().filter_map(|&s| self.resolve(s)) {
            let id = &resolved.advisory.id;
            match out.iter_mut().find(|r| &r.advisory.id == id) {
                Some(kept) => {
                    if !is_older(&resolved.advisory, &kept.advisory) {
                        *kept = resolved;
                    }
                }
                None => out.push(resolved),
            }
        }
        out
    }

    /// The advisories that affect `version` of the package.
    ///
    /// The name is normalized for the ecosystem; versions compare by the
    /// ecosystem's rules (`2.6 == 2.6.0` for PyPI), or as exact strings
    /// when `version` is not valid in the ecosystem. Withdrawn advisories
    /// never match.
    pub fn affecting(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Vec<&Advisory> {
        let name = ecosystem.normalize_name(name);
        let candidates = self.candidates(ecosystem, &name);
        if candidates.is_empty() {
            return Vec::new();
        }
        let query = Query::new(ecosystem, version);
        candidates
            .into_iter()
            .filter(|r| r.affects(ecosystem, &name, &query))
            .map(|r| &r.advisory)
            .collect()
    }

    /// The known-bad versions a declared requirement admits, with their
    /// advisory: every listed version the requirement admits, and each
    /// range's `introduced`/`last_affected` boundary versions it admits. A
    /// range covering every version yields [`crate::EVERY_VERSION`].
    pub fn admitted_by(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        requirement: &Requirement,
    ) -> Vec<(&Advisory, String)> {
        let name = ecosystem.normalize_name(name);
        let mut out = Vec::new();
        for resolved in self.candidates(ecosystem, &name) {
            for version in resolved.admitted_by(ecosystem, &name, requirement) {
                out.push((&resolved.advisory, version));
            }
        }
        out
    }

    /// Every advisory that names the package, whatever the version
    /// (withdrawn ones included), for name-only findings.
    pub fn for_package(&self, ecosystem: Ecosystem, name: &str) -> Vec<&Advisory> {
        let name = ecosystem.normalize_name(name);
        self.candidates(ecosystem, &name)
            .into_iter()
            .map(|r| &r.advisory)
            .collect()
    }

    /// Every advisory, built-in first, reading stored records as needed
    /// (each is read once and kept). Records that cannot be read are left
    /// out.
    pub fn iter(&self) -> impl Iterator<Item = &Advisory> + '_ {
        (0..self.next_slot()).filter_map(|s| self.resolve(s).map(|r| &r.advisory))
    }

    /// Calls `f` with every advisory, built-in first, like [`Self::iter`]
    /// but without keeping the stored records it reads, so memory stays
    /// flat on a large store (a record already cached by a lookup is used
    /// as is). Records that cannot be read are left out, as with `iter`.
    pub fn for_each(&self, mut f: impl FnMut(&Advisory)) {
        for slot in &self.slots {
            match slot {
                Slot::Builtin(resolved) => f(&resolved.advisory),
                Slot::Stored {
                    store,
                    record,
                    cell,
                } => {
                    if let Some(cached) = cell.get() {
                        if let Some(resolved) = cached {
                            f(&resolved.advisory);
                        }
                        continue;
                    }
                    if let Some(advisory) = self
                        .stores
                        .get(*store as usize)
                        .and_then(|s| s.record(*record))
                    {
                        f(&advisory);
                    }
                }
            }
        }
    }

    /// The number of advisories over every source.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the database holds no advisory.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Counts by ecosystem and by source, with snapshot and import times.
    pub fn status(&self) -> DbStatus {
        DbStatus::from_sources(self.sources.clone())
    }
}

/// True when `a` was modified strictly before `b`.
fn is_older(a: &Advisory, b: &Advisory) -> bool {
    let ts = |adv: &Advisory| {
        adv.modified
            .as_deref()
            .and_then(|m| m.trim().parse::<jiff::Timestamp>().ok())
    };
    match (ts(a), ts(b)) {
        (Some(a), Some(b)) => a < b,
        (None, Some(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<AdvisoryDb>();
    }

    #[test]
    fn hits_keep_order_without_duplicates() {
        let mut h = Hits::One(3);
        h.extend(&[1]);
        h.extend(&[3, 7]);
        assert_eq!(h.as_slice(), [3, 1, 7]);
        assert!(Hits::new(&[]).is_none());
        assert!(matches!(Hits::new(&[5]), Some(Hits::One(5))));
    }

    #[test]
    fn newest_copy_of_an_id_wins() {
        let adv = |m: Option<&str>| Advisory {
            modified: m.map(str::to_owned),
            ..Advisory::default()
        };
        assert!(is_older(
            &adv(Some("2026-01-01T00:00:00Z")),
            &adv(Some("2026-02-01T00:00:00Z"))
        ));
        assert!(!is_older(
            &adv(Some("2026-02-01T00:00:00Z")),
            &adv(Some("2026-02-01T00:00:00Z"))
        ));
        assert!(is_older(&adv(None), &adv(Some("2026-02-01T00:00:00Z"))));
        assert!(!is_older(&adv(Some("2026-02-01T00:00:00Z")), &adv(None)));
    }

    #[test]
    fn for_each_visits_what_iter_does_without_caching() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.jsonl");
        std::fs::write(
            &file,
            concat!(
                r#"{"id":"MAL-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#,
                "\n",
                r#"{"id":"MAL-2","affected":[{"package":{"ecosystem":"PyPI","name":"b"},"versions":["2.0"]}]}"#,
                "\n"
            ),
        )
        .unwrap();
        let store = dir.path().join("store");
        crate::import(&file, &store).unwrap();
        let db = AdvisoryDb::open(&store).unwrap();
        let mut seen = Vec::new();
        db.for_each(|a| seen.push(a.id.clone()));
        let cached = db
            .slots
            .iter()
            .filter(|s| matches!(s, Slot::Stored { cell, .. } if cell.get().is_some()))
            .count();
        assert_eq!(cached, 0, "for_each keeps nothing");
        let all: Vec<String> = db.iter().map(|a| a.id.clone()).collect();
        assert_eq!(seen, all);
        assert!(seen.ends_with(&["MAL-1".to_owned(), "MAL-2".to_owned()]));
    }
}
