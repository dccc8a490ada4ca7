//! # SW-GEN-026: hidden PowerShell and Windows living-off-the-land binaries
//!
//! **What it does.** Finds PowerShell run hidden or with an encoded
//! command (`-WindowStyle Hidden`, `-EncodedCommand`, `-enc`), with the
//! execution policy bypassed, download cradles (`IEX`, `DownloadString`,
//! `Invoke-WebRequest … | iex`), and the Windows binaries abused to fetch
//! or run payloads: `certutil -urlcache`, `bitsadmin /transfer`, `mshta`
//! with a URL, `rundll32 javascript:`, `regsvr32 /i:http`.
//!
//! **Why is this bad.** Legitimate installers have no use for a hidden
//! window or an encoded command line; these are how a package runs a
//! Windows payload without the user seeing it.
//!
//! **Example.**
//!
//! ```python
//! subprocess.Popen("powershell -WindowStyle Hidden -EncodedCommand SQBFAFgA...", shell=True)
//! ```
//!
//! **False positives.** Rare: a Windows setup helper that runs PowerShell
//! openly with a visible script gives nothing; only the hiding and
//! fetching forms count.

use super::{Context, Emit, Rule, clip};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-026",
    title: "hidden PowerShell and Windows LOLBins",
    source: include_str!("gen026_windows_lolbin.rs"),
    check,
};

/// (needle in the lowercased command, what it means, whether the command
/// must mention PowerShell for it to count).
const FORMS: &[(&str, &str, bool)] = &[
    ("-encodedcommand", "runs an encoded PowerShell command", true),
    (" -enc ", "runs an encoded PowerShell command", true),
    (" -e ", "runs an encoded PowerShell command", true),
    ("-windowstyle hidden", "runs PowerShell in a hidden window", true),
    ("-w hidden", "runs PowerShell in a hidden window", true),
    ("-executionpolicy bypass", "runs PowerShell with the execution policy bypassed", true),
    ("-ep bypass", "runs PowerShell with the execution policy bypassed", true),
    ("downloadstring(", "runs a PowerShell download cradle", false),
    ("downloadfile(", "downloads with PowerShell's WebClient", false),
    ("iex(", "runs downloaded PowerShell with `IEX`", true),
    ("iex (", "runs downloaded PowerShell with `IEX`", true),
    ("invoke-expression", "runs PowerShell text with `Invoke-Expression`", false),
    ("certutil -urlcache", "downloads with `certutil`", false),
    ("certutil.exe -urlcache", "downloads with `certutil`", false),
    ("bitsadmin /transfer", "downloads with `bitsadmin`", false),
    ("mshta http", "runs a remote HTA with `mshta`", false),
    ("rundll32 javascript:", "runs script through `rundll32`", false),
    ("regsvr32 /s /n /u /i:http", "runs a remote scriptlet with `regsvr32`", false),
    ("/i:http", "runs a remote scriptlet with `regsvr32`", false),
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut texts: Vec<(&str, Option<u32>, crate::model::Stage, String)> = cx
        .commands()
        .iter()
        .map(|c| (c.file, c.line, c.stage, c.text.to_string()))
        .collect();
    texts.extend(cx.strings().map(|(f, l)| (f.path.as_str(), Some(l.line), l.stage, l.value.clone())));
    let mut seen = std::collections::HashSet::new();
    for (file, line, stage, text) in texts {
        if text.len() > 100_000 {
            continue;
        }
        let lower = format!("{} ", text.to_ascii_lowercase());
        let powershell = lower.contains("powershell") || lower.contains("pwsh");
        for (needle, what, needs_ps) in FORMS {
            if (!needs_ps || powershell) && lower.contains(needle) && seen.insert((file, line, *what)) {
                let encoded = what.contains("encoded") || what.contains("cradle") || what.contains("remote");
                let severity = match (stage.is_automatic(), encoded) {
                    (true, _) => Severity::Critical,
                    (false, true) => Severity::High,
                    (false, false) => Severity::Medium,
                };
                out.finding(severity, stage, file, line, format!("{what}: `{}`", clip(&text, 100)));
            }
        }
    }
}
