//! The registry gateway of shieldwall: one server in front of every pip,
//! uv, poetry, npm, pnpm, yarn and bun client of an organisation that keeps
//! known-malicious and too-fresh packages out, lets people override that
//! with a reason and an expiry, and records who installed what, with which
//! hash.
//!
//! - [`config`]: the TOML configuration; upstreams are always configuration.
//! - [`policy`] and [`decision`]: what is served, as a pure function.
//! - [`pypi`]: the Python simple API (PEP 503/691/592/658/714/700/740).
//! - [`npm`]: the npm registry API (full and abbreviated packuments, tarballs).
//! - [`blobs`]: the content-addressed artifact cache, checked against the
//!   upstream's declared hashes.
//! - [`record`]: one row per decision and download, overrides, approved
//!   hashes (SQLite).
//! - [`server`]: routes, admin API, health, metrics, reloading, shutdown.
//! - [`views`]: rendered filtered views, kept while their inputs hold.
//! - [`tls`]: serving HTTPS from a configured certificate and key.

pub mod analysis;
pub mod blobs;
pub mod config;
pub mod decision;
pub mod error;
pub mod metacache;
pub mod metrics;
pub mod npm;
pub mod overrides;
pub mod policy;
pub mod pypi;
pub mod record;
pub mod server;
pub mod state;
pub mod tls;
pub mod upstream;
pub mod views;
pub mod web;

pub use config::GateConfig;
pub use error::GateError;
pub use state::Gate;
