//! `node_modules/.yarn-state.yml`: what yarn berry's `node-modules`
//! linker installed, keyed by locator.
//!
//! Entries are `"@scope/name@npm:1.2.3":` headers followed by the
//! `locations:` they were installed to. The locator's reference gives the
//! version the same way as in Plug'n'Play state (`npm:`, `virtual:…#npm:`,
//! `patch:`); workspaces and links are skipped and virtual copies of one
//! package are reported once. Kind `installed`; the line is the header's.

use std::collections::HashSet;

use shieldwall_core::EvidenceKind;

use super::common::{npm_ref, split_descriptor, text};
use super::yarn_pnp::version_of;
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// Reads yarn berry's install state.
#[derive(Debug)]
pub(crate) struct YarnState;

/// The `.yarn-state.yml` reader.
pub(crate) static YARN_STATE: YarnState = YarnState;

impl Extractor for YarnState {
    fn id(&self) -> &'static str {
        "npm/yarn-state"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = text(input, ".yarn-state.yml")?;
        let mut out = Extraction::default();
        let mut seen = HashSet::new();
        let mut headers = 0usize;
        let mut first_bad = None;
        for (index, raw) in text.lines().enumerate() {
            let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let line = raw.trim_end_matches('\r');
            if line.is_empty() || line.starts_with([' ', '\t', '#']) {
                continue;
            }
            let Some(header) = line.trim_end().strip_suffix(':') else {
                first_bad.get_or_insert(line_no);
                continue;
            };
            headers += 1;
            if header == "__metadata" {
                continue;
            }
            let locator = header.trim().trim_matches('"');
            let (name, reference) = split_descriptor(locator);
            let Some((version, note)) = reference.and_then(version_of) else {
                continue;
            };
            if !seen.insert((name.to_owned(), version.clone())) {
                continue;
            }
            out.packages.push(npm_ref(
                input,
                EvidenceKind::Installed,
                name,
                &version,
                Some(line_no),
                None,
                note.build(),
            ));
        }
        if headers == 0
            && let Some(line) = first_bad
        {
            return Err(ExtractError::malformed(
                input,
                Some(line),
                "not a .yarn-state.yml: expected locator headers ending in `:`",
            ));
        }
        Ok(out)
    }
}
