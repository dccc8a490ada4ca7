//! One module per command.

pub(crate) mod db;
pub(crate) mod scan;
