//! The record: one SQLite file (WAL) in the state directory with one row
//! per decision and per download, the hashes already served, and the
//! overrides. Rows are written by one background thread in batches (one
//! transaction each), so a request never waits for the disk. The queue to
//! that thread is bounded; a request that finds it full waits for room
//! asynchronously (never holding a runtime worker) for a short time, and
//! then drops its row, which is counted in `/metrics` and logged.
//!
//! The SQL is plain and portable; a Postgres backend for several gateway
//! replicas would implement the same operations.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use std::time::Instant;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::GateError;
use crate::overrides::Override;

/// One row of the record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Event {
    /// When (RFC 3339).
    pub time: String,
    /// `download` (an artifact was served), `refused` (an artifact request
    /// was refused) or `metadata` (an index page or packument was served).
    pub kind: String,
    /// The client's address.
    pub client: String,
    /// The client's user agent (with npm's `npm-command` when sent).
    pub user_agent: String,
    /// The authenticated identity, when the gateway knows one.
    pub identity: Option<String>,
    /// `pypi` or `npm`.
    pub ecosystem: String,
    /// The package name, normalized.
    pub name: String,
    /// The version, when the request was for one.
    pub version: Option<String>,
    /// The file name, for artifacts.
    pub file: Option<String>,
    /// The artifact's sha256.
    pub sha256: Option<String>,
    /// `allow`, `warn`, `hold` or `deny`.
    pub decision: String,
    /// The rule that decided.
    pub rule: String,
    /// Why, in plain words.
    pub reason: String,
    /// The policy revision in force.
    pub policy_revision: String,
    /// The request id, also sent to the client in `X-Request-Id`.
    pub request_id: String,
}

/// A query over the record (`gate log`).
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Only this ecosystem.
    pub ecosystem: Option<String>,
    /// Only this package (normalized).
    pub name: Option<String>,
    /// Only this version.
    pub version: Option<String>,
    /// Only events at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    pub until: Option<String>,
    /// Only this client address.
    pub client: Option<String>,
    /// Only this kind of event.
    pub kind: Option<String>,
    /// At most this many rows (newest first).
    pub limit: Option<u32>,
}

/// The record of one gateway.
#[derive(Clone)]
pub struct Record {
    path: PathBuf,
    writer: tokio::sync::mpsc::Sender<Msg>,
    dropped: Arc<AtomicU64>,
    sync: Arc<Mutex<Connection>>,
    approved: Arc<RwLock<HashSet<(String, String)>>>,
    approvals: Arc<AtomicU64>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    client TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    identity TEXT,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT,
    file TEXT,
    sha256 TEXT,
    decision TEXT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    policy_revision TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_package ON events (ecosystem, name, version);
CREATE INDEX IF NOT EXISTS events_time ON events (time);
CREATE TABLE IF NOT EXISTS approved (
    ecosystem TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT,
    first_served TEXT NOT NULL,
    PRIMARY KEY (ecosystem, sha256)
);
CREATE TABLE IF NOT EXISTS overrides (
    id INTEGER PRIMARY KEY,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT,
    sha256 TEXT,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    scope TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
);
";

impl Record {
    /// Opens (or creates) the record at `path`.
    pub fn open(path: &Path) -> Result<Self, GateError> {
        Self::open_with_queue(path, QUEUE_EVENTS)
    }

    /// Opens the record with a queue of `queue` rows.
    fn open_with_queue(path: &Path, queue: usize) -> Result<Self, GateError> {
        let err = |source| GateError::Record {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| GateError::State {
                path: dir.to_owned(),
                source,
            })?;
        }
        let conn = connect(path).map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        let approved = {
            let mut stmt = conn
                .prepare("SELECT ecosystem, sha256 FROM approved")
                .map_err(err)?;
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(err)?
                .collect::<Result<HashSet<(String, String)>, _>>()
                .map_err(err)?
        };
        let writer_conn = connect(path).map_err(err)?;
        // Rows go to the end of the table, but each lands somewhere in the
        // (ecosystem, name, version) index: keep those pages in memory (8 MiB), and
        // let the WAL grow to 64 MiB before it is copied back (a checkpoint
        // syncs the file; at the default 4 MiB a busy gateway would
        // checkpoint on nearly every commit).
        writer_conn
            .pragma_update(None, "cache_size", -8_192)
            .and_then(|()| writer_conn.pragma_update(None, "wal_autocheckpoint", 16_384))
            .map_err(err)?;
        // Bounded: when requests come faster than SQLite takes rows, a
        // request waits (briefly) for room instead of the queue growing
        // without end.
        let (writer, rx) = tokio::sync::mpsc::channel(queue);
        std::thread::Builder::new()
            .name("gate-record".to_owned())
            .spawn(move || write_loop(writer_conn, rx))
            .map_err(|source| GateError::State {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            sync: Arc::new(Mutex::new(conn)),
            approved: Arc::new(RwLock::new(approved)),
            approvals: Arc::new(AtomicU64::new(0)),
            dropped: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues `event` for writing. When the queue is full, waits for room
    /// without blocking the thread, for [`QUEUE_WAIT`] at most; then the
    /// row is dropped and counted.
    pub async fn log(&self, event: Event) {
        use tokio::sync::mpsc::error::{SendTimeoutError, TrySendError};
        let msg = match self.writer.try_send(Msg::Event(Box::new(event))) {
            Ok(()) => return,
            Err(TrySendError::Full(msg)) => msg,
            // The writer lives as long as the process; a closed queue
            // means it died, and the next open reports why.
            Err(TrySendError::Closed(_)) => return self.count_dropped(),
        };
        match self.writer.send_timeout(msg, QUEUE_WAIT).await {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_) | SendTimeoutError::Closed(_)) => {
                self.count_dropped();
            }
        }
    }

    fn count_dropped(&self) {
        let before = self.dropped.fetch_add(1, Ordering::Relaxed);
        // The first drop, then one line per 10,000 drops.
        if before.is_multiple_of(10_000) {
            tracing::error!(
                dropped = before + 1,
                queue = self.writer.max_capacity(),
                "the install record cannot keep up: rows are being dropped"
            );
        }
    }

    /// Rows dropped because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Rows waiting for the writer.
    pub fn queued(&self) -> usize {
        self.writer.max_capacity() - self.writer.capacity()
    }

    /// True when this file was served before.
    pub fn is_approved(&self, ecosystem: &str, sha256: &str) -> bool {
        self.approved
            .read()
            .expect("approved set lock")
            .contains(&(ecosystem.to_owned(), sha256.to_ascii_lowercase()))
    }

    /// Changes to the set of served hashes so far: grows with each one.
    pub fn approvals_generation(&self) -> u64 {
        self.approvals.load(Ordering::SeqCst)
    }

    /// Remembers that this file was served.
    pub fn approve(&self, ecosystem: &str, sha256: &str, name: &str, version: Option<&str>) {
        let key = (ecosystem.to_owned(), sha256.to_ascii_lowercase());
        // Nearly always known already: a shared lock, not an exclusive one,
        // for every download.
        if self
            .approved
            .read()
            .expect("approved set lock")
            .contains(&key)
        {
            return;
        }
        if !self
            .approved
            .write()
            .expect("approved set lock")
            .insert(key.clone())
        {
            return;
        }
        self.approvals.fetch_add(1, Ordering::SeqCst);
        let conn = self.sync.lock().expect("record lock");
        let _ = conn.execute(
            "INSERT OR IGNORE INTO approved (ecosystem, sha256, name, version, first_served) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key.0, key.1, name, version, Timestamp::now().to_string()],
        );
    }

    /// Forgets that a file was served (it turned out to be malicious).
    pub fn unapprove(&self, ecosystem: &str, sha256: &str) {
        let key = (ecosystem.to_owned(), sha256.to_ascii_lowercase());
        self.approved
            .write()
            .expect("approved set lock")
            .remove(&key);
        self.approvals.fetch_add(1, Ordering::SeqCst);
        let conn = self.sync.lock().expect("record lock");
        let _ = conn.execute(
            "DELETE FROM approved WHERE ecosystem = ?1 AND sha256 = ?2",
            params![key.0, key.1],
        );
    }

    /// Adds an override and returns it with its id.
    pub fn add_override(&self, mut o: Override) -> Result<Override, rusqlite::Error> {
        let conn = self.sync.lock().expect("record lock");
        conn.execute(
            "INSERT INTO overrides (ecosystem, name, version, sha256, reason, requested_by, scope, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                o.ecosystem,
                o.name,
                o.version,
                o.sha256,
                o.reason,
                o.requested_by,
                o.scope,
                o.created_at.to_string(),
                o.expires_at.to_string()
            ],
        )?;
        o.id = conn.last_insert_rowid();
        Ok(o)
    }

    /// Revokes override `id`; false when there is no such override.
    pub fn revoke_override(&self, id: i64, reason: &str) -> Result<bool, rusqlite::Error> {
        let conn = self.sync.lock().expect("record lock");
        let n = conn.execute(
            "UPDATE overrides SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3 AND revoked_at IS NULL",
            params![Timestamp::now().to_string(), reason, id],
        )?;
        Ok(n > 0)
    }

    /// Every override, newest first.
    pub fn overrides(&self) -> Result<Vec<Override>, rusqlite::Error> {
        let conn = self.sync.lock().expect("record lock");
        let mut stmt = conn.prepare(
            "SELECT id, ecosystem, name, version, sha256, reason, requested_by, scope, created_at, expires_at, revoked_at, revoked_reason FROM overrides ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |row| {
            let ts = |i: usize| -> rusqlite::Result<Timestamp> {
                let text: String = row.get(i)?;
                text.parse().map_err(|e: jiff::Error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            };
            let revoked: Option<String> = row.get(10)?;
            Ok(Override {
                id: row.get(0)?,
                ecosystem: row.get(1)?,
                name: row.get(2)?,
                version: row.get(3)?,
                sha256: row.get(4)?,
                reason: row.get(5)?,
                requested_by: row.get(6)?,
                scope: row.get(7)?,
                created_at: ts(8)?,
                expires_at: ts(9)?,
                revoked_at: revoked.and_then(|t| t.parse().ok()),
                revoked_reason: row.get(11)?,
            })
        })?;
        rows.collect()
    }

    /// The rows matching `query`, newest first. Waits for queued rows to
    /// be written first.
    pub fn query(&self, query: &Query) -> Result<Vec<Event>, rusqlite::Error> {
        self.flush();
        query_file(&self.path, query)
    }

    /// Waits (five seconds at most) until every queued row is written.
    pub fn flush(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let (tx, rx) = mpsc::channel();
        let mut msg = Msg::Flush(tx);
        loop {
            match self.writer.try_send(msg) {
                Ok(()) => break,
                Err(tokio::sync::mpsc::error::TrySendError::Full(back))
                    if Instant::now() < deadline =>
                {
                    msg = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
        let _ = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
    }

    /// Deletes rows older than `retention`; returns how many.
    pub fn prune(&self, retention: Duration) -> Result<usize, rusqlite::Error> {
        let cutoff = Timestamp::now()
            .checked_sub(jiff::SignedDuration::try_from(retention).unwrap_or_default())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let conn = self.sync.lock().expect("record lock");
        conn.execute(
            "DELETE FROM events WHERE time < ?1",
            params![cutoff.to_string()],
        )
    }

    /// The number of rows (for status and metrics).
    pub fn count(&self) -> u64 {
        let conn = self.sync.lock().expect("record lock");
        conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .optional()
            .ok()
            .flatten()
            .unwrap_or(0) as u64
    }
}

/// What the writer thread receives.
enum Msg {
    /// A row to write.
    Event(Box<Event>),
    /// Answer once every row sent before this is written.
    Flush(mpsc::Sender<()>),
}

fn connect(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Events waiting for the writer at most (about 20 MB of rows).
const QUEUE_EVENTS: usize = 32_768;

/// How long a request waits for room in a full queue before its row is
/// dropped.
pub const QUEUE_WAIT: Duration = Duration::from_millis(100);

/// Rows written in one transaction at most.
const BATCH_EVENTS: usize = 4_096;

fn write_loop(mut conn: Connection, mut rx: tokio::sync::mpsc::Receiver<Msg>) {
    // One buffer for every batch: no reallocation churn under load.
    let mut batch = Vec::with_capacity(BATCH_EVENTS);
    let mut waiters = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        let mut next = Some(first);
        while let Some(msg) = next {
            match msg {
                Msg::Event(event) => batch.push(*event),
                Msg::Flush(waiter) => waiters.push(waiter),
            }
            next = if batch.len() < BATCH_EVENTS {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        if !batch.is_empty()
            && let Err(error) = write_batch(&mut conn, &batch)
        {
            tracing::error!(rows = batch.len(), %error, "cannot write to the install record");
        }
        batch.clear();
        for waiter in waiters.drain(..) {
            let _ = waiter.send(());
        }
    }
}

fn write_batch(conn: &mut Connection, batch: &[Event]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO events (time, kind, client, user_agent, identity, ecosystem, name, version, file, sha256, decision, rule, reason, policy_revision, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for e in batch {
            stmt.execute(params![
                e.time,
                e.kind,
                e.client,
                e.user_agent,
                e.identity,
                e.ecosystem,
                e.name,
                e.version,
                e.file,
                e.sha256,
                e.decision,
                e.rule,
                e.reason,
                e.policy_revision,
                e.request_id
            ])?;
        }
    }
    tx.commit()
}

/// Reads rows matching `query` from the record file at `path` (used by
/// `gate log` while the gateway runs).
pub fn query_file(path: &Path, query: &Query) -> Result<Vec<Event>, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let mut sql = String::from(
        "SELECT time, kind, client, user_agent, identity, ecosystem, name, version, file, sha256, decision, rule, reason, policy_revision, request_id FROM events WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    for (column, op, value) in [
        ("ecosystem", "=", &query.ecosystem),
        ("name", "=", &query.name),
        ("version", "=", &query.version),
        ("time", ">=", &query.since),
        ("time", "<", &query.until),
        ("client", "=", &query.client),
        ("kind", "=", &query.kind),
    ] {
        if let Some(value) = value {
            args.push(value.clone());
            sql.push_str(&format!(" AND {column} {op} ?{}", args.len()));
        }
    }
    sql.push_str(" ORDER BY id DESC");
    if let Some(limit) = query.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |row| {
        Ok(Event {
            time: row.get(0)?,
            kind: row.get(1)?,
            client: row.get(2)?,
            user_agent: row.get(3)?,
            identity: row.get(4)?,
            ecosystem: row.get(5)?,
            name: row.get(6)?,
            version: row.get(7)?,
            file: row.get(8)?,
            sha256: row.get(9)?,
            decision: row.get(10)?,
            rule: row.get(11)?,
            reason: row.get(12)?,
            policy_revision: row.get(13)?,
            request_id: row.get(14)?,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, version: &str, client: &str) -> Event {
        Event {
            time: Timestamp::now().to_string(),
            kind: "download".to_owned(),
            client: client.to_owned(),
            user_agent: "pip/24".to_owned(),
            ecosystem: "pypi".to_owned(),
            name: name.to_owned(),
            version: Some(version.to_owned()),
            sha256: Some("ab".repeat(32)),
            decision: "allow".to_owned(),
            rule: "policy".to_owned(),
            reason: "meets the policy".to_owned(),
            policy_revision: "abc".to_owned(),
            request_id: "r1".to_owned(),
            ..Event::default()
        }
    }

    #[tokio::test]
    async fn rows_are_written_and_found_by_package_and_client() {
        let dir = tempfile::tempdir().unwrap();
        let record = Record::open(&dir.path().join("record.db")).unwrap();
        record.log(event("demo", "1.0", "10.0.0.1")).await;
        record.log(event("demo", "2.0", "10.0.0.2")).await;
        record.log(event("other", "1.0", "10.0.0.1")).await;
        let q = Query {
            name: Some("demo".to_owned()),
            ..Query::default()
        };
        assert_eq!(record.query(&q).unwrap().len(), 2);
        let q = Query {
            client: Some("10.0.0.1".to_owned()),
            ..Query::default()
        };
        let rows = record.query(&q).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "other", "newest first");
        assert_eq!(record.count(), 3);
    }

    #[test]
    fn approved_hashes_and_overrides_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.db");
        let hash = "cd".repeat(32);
        {
            let record = Record::open(&path).unwrap();
            record.approve("pypi", &hash, "demo", Some("1.0"));
            let mut o = Override::example("pypi", "demo", Some("2.0"), "2030-01-01T00:00:00Z");
            o.id = 0;
            let o = record.add_override(o).unwrap();
            assert!(o.id > 0);
        }
        let record = Record::open(&path).unwrap();
        assert!(record.is_approved("pypi", &hash.to_uppercase()));
        let overrides = record.overrides().unwrap();
        assert_eq!(overrides.len(), 1);
        assert!(record.revoke_override(overrides[0].id, "done").unwrap());
        assert!(!record.revoke_override(overrides[0].id, "again").unwrap());
        assert!(record.overrides().unwrap()[0].revoked_at.is_some());
        record.unapprove("pypi", &hash);
        assert!(!record.is_approved("pypi", &hash));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_full_queue_never_blocks_the_runtime_and_drops_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.db");
        let record = Record::open_with_queue(&path, 4).unwrap();
        // Another connection holds the write lock: the writer stalls.
        let blocker = connect(&path).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        // One thread runs everything here: if `log` blocked it, the
        // ticker could not tick.
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        let mut logged = 0;
        while record.dropped() == 0 {
            let started = Instant::now();
            record.log(event("demo", "1.0", "10.0.0.1")).await;
            assert!(
                started.elapsed() < QUEUE_WAIT + Duration::from_secs(1),
                "a row waited {:?}",
                started.elapsed()
            );
            logged += 1;
            assert!(logged < 100, "the queue never filled");
        }
        assert!(
            ticks.load(Ordering::Relaxed) >= 3,
            "the runtime thread was blocked while a row waited for room"
        );
        assert_eq!(record.dropped(), 1);
        // The writer catches up once the lock is gone; accepted rows are all
        // written, the dropped one is not.
        blocker.execute_batch("ROLLBACK").unwrap();
        drop(blocker);
        ticker.abort();
        let written = tokio::task::spawn_blocking(move || record.query(&Query::default()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(written.len(), logged - 1);
    }
}
