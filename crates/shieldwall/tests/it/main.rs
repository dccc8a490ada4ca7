//! The CLI integration tests: one binary, one module per command.

mod common;
mod db;
mod docs;
mod gate;
mod hunt;
mod images;
mod inspect;
mod scan;
