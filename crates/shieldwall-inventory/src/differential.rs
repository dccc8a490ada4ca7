//! Differential checks of the fast lockfile readers against the full ones,
//! for tests and fuzz targets.
//!
//! Each fast reader handles the common, well-formed shapes of one format
//! and hands anything else to the full reader. These functions run both on
//! the same bytes and render their answers as text: whenever the fast
//! reader accepts an input, the two texts must be equal.

/// The answers of the two readers for one input, rendered for comparison.
#[derive(Debug)]
pub struct Answers {
    /// The fast reader's answer.
    pub fast: String,
    /// The full reader's answer.
    pub full: String,
}

/// `pnpm-lock.yaml`: the line reader (its YAML tree and extraction)
/// against the event-based YAML reader, or `None` when the line reader
/// leaves `bytes` to the YAML readers.
pub fn pnpm_lock(bytes: &[u8]) -> Option<Answers> {
    let (fast, full) = crate::npm::pnpm_lock::differential(bytes)?;
    Some(Answers { fast, full })
}

/// `uv.lock`: the fast TOML-subset reader against the TOML parser, or
/// `None` when the fast reader leaves `bytes` to the parser.
pub fn uv_lock(bytes: &[u8]) -> Option<Answers> {
    let (fast, full) = crate::python::uv_lock::differential(bytes)?;
    Some(Answers { fast, full })
}
