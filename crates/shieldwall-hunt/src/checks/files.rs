//! Files named by `file` indicators, checked against their sha256 when the
//! indicator lists one.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::catalog::PatternKind;
use crate::checks::hit;
use crate::model::{Hit, HitKind};
use crate::scope::{Scope, is_absent};

/// Checks the files the walk matched.
pub(crate) fn check(scope: &Scope, matched: &[(std::path::PathBuf, usize)]) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (path, idx) in matched {
        let ind = &scope.catalog.indicators[*idx];
        let shown = scope.show(path);
        let evidence = match &ind.sha256 {
            None => format!("file matches `{}`", ind.pattern),
            Some(want) => match sha256_file(path) {
                Ok(got) if got.eq_ignore_ascii_case(want) => {
                    format!("file matches `{}` with the listed sha256", ind.pattern)
                }
                Ok(_) => continue,
                Err(e) if is_absent(&e) => continue,
                Err(e) => {
                    scope.unreadable(path, e);
                    continue;
                }
            },
        };
        hits.push(hit(
            HitKind::File,
            Some(shown.clone()),
            shown,
            ind,
            evidence,
        ));
    }
    hits
}

/// The hex sha256 of a whole file, streamed.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Hashes the files where droppers land and matches the `hash` indicators.
pub(crate) fn check_hashes(scope: &Scope, candidates: &[std::path::PathBuf]) -> Vec<Hit> {
    let mut wanted: std::collections::HashMap<String, Vec<&crate::catalog::Indicator>> =
        std::collections::HashMap::new();
    for ind in scope.catalog.of(PatternKind::Hash) {
        wanted
            .entry(ind.pattern.to_ascii_lowercase())
            .or_default()
            .push(ind);
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for path in candidates {
        let got = match sha256_file(path) {
            Ok(got) => got,
            Err(e) if is_absent(&e) => continue,
            Err(e) => {
                scope.unreadable(path, e);
                continue;
            }
        };
        for ind in wanted.get(&got).into_iter().flatten() {
            let shown = scope.show(path);
            hits.push(hit(
                HitKind::File,
                Some(shown.clone()),
                shown,
                ind,
                format!("sha256 {got}"),
            ));
        }
    }
    hits
}
