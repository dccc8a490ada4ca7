//! GitHub workflows in checked-out projects (names and contents) and
//! self-hosted runner configurations.

use std::path::PathBuf;

use globset::Glob;

use crate::catalog::PatternKind;
use crate::checks::{file_strings, hit};
use crate::model::{Hit, HitKind};
use crate::scope::Scope;

/// Checks workflow files and runner configurations.
pub(crate) fn check(scope: &Scope, workflows: &[PathBuf], runners: &[PathBuf]) -> Vec<Hit> {
    let names: Vec<_> = scope
        .catalog
        .of(PatternKind::Workflow)
        .filter_map(|i| Some((Glob::new(&i.pattern).ok()?.compile_matcher(), i)))
        .collect();
    let mut hits = Vec::new();
    for path in workflows {
        let shown = scope.show(path);
        let name = path.file_name().unwrap_or_default();
        for (glob, ind) in &names {
            if glob.is_match(name) {
                hits.push(hit(
                    HitKind::Workflow,
                    Some(shown.clone()),
                    shown.clone(),
                    ind,
                    format!("workflow named like `{}`", ind.pattern),
                ));
            }
        }
        let Some(text) = scope.read_text(path) else {
            continue;
        };
        hits.extend(file_strings(scope, HitKind::Workflow, &shown, &text));
    }
    for path in runners {
        let shown = scope.show(path);
        if let Some(text) = scope.read_text(path) {
            hits.extend(file_strings(scope, HitKind::Workflow, &shown, &text));
        }
    }
    hits
}
