//! Static behavior analysis of package artifacts: what a package's code
//! does and when it runs, judged without running it.
//!
//! The pipeline ([`analysis::inspect`]): an [`artifact::Artifact`] read into
//! memory by the bounded archive reader → its [`identity`] → the
//! [`surface`] (every place code runs, and when) → [`lang`] facts for each
//! source file (tree-sitter parses of Python and JavaScript; imports
//! followed from the files that load automatically) → the [`rules`] →
//! [`score`] → a [`model::Verdict`]. Nothing here does network I/O or
//! starts a process.

pub mod analysis;
pub mod artifact;
pub mod diff;
pub mod embedded;
mod guarded;
pub mod identity;
pub mod lang;
pub mod model;
pub mod rules;
pub mod score;
pub mod surface;

pub use analysis::{Options, inspect};
pub use artifact::{Artifact, LoadError, default_limits};
pub use model::{ArtifactReport, Finding, Severity, Stage, SurfaceEntry, Verdict};

/// Helpers shared by the unit tests.
#[cfg(test)]
mod testing {
    /// A seeded xorshift generator: each call gives a number below its
    /// argument, the same sequence on every run.
    pub(crate) fn picks(mut state: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        }
    }
}
