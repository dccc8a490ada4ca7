//! The CLI integration tests: one binary, one module per command.

mod common;
mod db;
mod docs;
mod images;
mod inspect;
mod scan;
