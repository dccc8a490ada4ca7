//! Running processes, from `<root>/proc/*/cmdline` and `<root>/proc/*/environ`
//! (a fake root can hold a fake `proc`): command lines running payloads,
//! indicator variables, and the names of secret-looking variables for the
//! exposure inventory. Values are split off and dropped as they are read.

use std::path::Path;

use crate::catalog::PatternKind;
use crate::checks::{hit, strings_in};
use crate::exposure::env::looks_secret;
use crate::model::{Hit, HitKind};
use crate::scope::{Scope, is_absent};

/// What the process table showed.
#[derive(Debug, Default)]
pub(crate) struct Processes {
    /// Indicators.
    pub(crate) hits: Vec<Hit>,
    /// Secret-looking variable names, with the first process that had each.
    pub(crate) secret_names: Vec<(String, String)>,
}

/// Reads every process under `<root>/proc`.
pub(crate) fn check(scope: &Scope) -> Processes {
    let mut out = Processes::default();
    let own = std::process::id().to_string();
    let mut denied = 0usize;
    for dir in scope.list(&scope.at("proc")) {
        let Some(pid) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !pid.bytes().all(|b| b.is_ascii_digit()) || (scope.live && pid == own) {
            continue;
        }
        let cmdline = read(&dir.join("cmdline"), &mut denied);
        let args: Vec<String> = cmdline
            .as_deref()
            .unwrap_or_default()
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let program = args
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
            .unwrap_or_default();
        let subject = format!("pid {pid} ({program})");
        let joined = args.join(" ");
        for ind in strings_in(scope, &joined) {
            out.hits.push(hit(
                HitKind::Process,
                None,
                subject.clone(),
                ind,
                format!("command line contains `{}`", ind.pattern),
            ));
        }
        if let Some(environ) = read(&dir.join("environ"), &mut denied) {
            for name in names(&environ) {
                for ind in scope.catalog.of(PatternKind::Env) {
                    if ind.pattern == name {
                        out.hits.push(hit(
                            HitKind::Env,
                            None,
                            subject.clone(),
                            ind,
                            format!("`{name}` is set in its environment"),
                        ));
                    }
                }
                if looks_secret(&name) && !out.secret_names.iter().any(|(n, _)| *n == name) {
                    out.secret_names
                        .push((name, format!("/proc/{pid}/environ")));
                }
            }
        }
    }
    if denied > 0 {
        scope.unreadable(
            &scope.at("proc/*/environ"),
            format!("{denied} process files could not be read (permission denied): processes of other users"),
        );
    }
    out
}

/// Reads a proc file; a vanished process is nothing, a denied one counted.
fn read(path: &Path, denied: &mut usize) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            *denied += 1;
            None
        }
        Err(e) if is_absent(&e) => None,
        Err(_) => None,
    }
}

/// The variable names of a NUL-separated environment block; the values are
/// never kept.
pub(crate) fn names(environ: &[u8]) -> Vec<String> {
    environ
        .split(|&b| b == 0)
        .filter_map(|entry| {
            let eq = entry.iter().position(|&b| b == b'=')?;
            let name = &entry[..eq];
            (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_drop_values() {
        let names = super::names(b"A=1\0TOKEN=abc=def\0\0=x\0NOEQ\0");
        assert_eq!(names, ["A", "TOKEN"]);
    }
}
