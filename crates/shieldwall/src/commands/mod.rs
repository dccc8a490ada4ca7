//! One module per command.

pub(crate) mod db;
pub(crate) mod diff;
pub(crate) mod gate;
pub(crate) mod hunt;
pub(crate) mod inspect;
pub(crate) mod rule;
pub(crate) mod scan;
