//! The indicator checks, one module per place indicators hide.

pub(crate) mod dropper;
pub(crate) mod files;
pub(crate) mod gitrepo;
pub(crate) mod network;
pub(crate) mod persistence;
pub(crate) mod process;
pub(crate) mod pth;
pub(crate) mod workflow;

use crate::catalog::Indicator;
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// The `string` and `runner` indicators that occur in `text`, in catalog
/// order, each (pattern, campaign) once.
pub(crate) fn strings_in<'a>(scope: &'a Scope, text: &str) -> Vec<&'a Indicator> {
    let Some(automaton) = &scope.strings else {
        return Vec::new();
    };
    let mut found: Vec<usize> = automaton
        .find_overlapping_iter(text)
        .map(|m| scope.string_owners[m.pattern().as_usize()])
        .collect();
    found.sort_unstable();
    found.dedup();
    let mut seen: Vec<&Indicator> = Vec::new();
    for ind in found.into_iter().map(|n| &scope.catalog.indicators[n]) {
        if !seen
            .iter()
            .any(|s| s.pattern == ind.pattern && s.campaign == ind.campaign)
        {
            seen.push(ind);
        }
    }
    seen
}

/// A hit from an indicator of the catalog.
pub(crate) fn hit(
    kind: HitKind,
    path: Option<String>,
    subject: String,
    ind: &Indicator,
    evidence: String,
) -> Hit {
    Hit {
        kind,
        path,
        subject,
        campaign: ind.campaign.clone(),
        evidence,
        why: ind.why.clone(),
        dead_mans_switch: ind.dead_mans_switch,
    }
}

/// A hit from a heuristic not tied to one campaign.
pub(crate) fn generic(kind: HitKind, path: String, evidence: String, why: &str) -> Hit {
    Hit {
        kind,
        path: Some(path.clone()),
        subject: path,
        campaign: "generic".to_owned(),
        evidence,
        why: why.to_owned(),
        dead_mans_switch: false,
    }
}

/// Hits for every marker string in a file's text.
pub(crate) fn file_strings(scope: &Scope, kind: HitKind, shown: &str, text: &str) -> Vec<Hit> {
    strings_in(scope, text)
        .into_iter()
        .map(|ind| {
            hit(
                kind,
                Some(shown.to_owned()),
                shown.to_owned(),
                ind,
                format!("contains `{}`", ind.pattern),
            )
        })
        .collect()
}
