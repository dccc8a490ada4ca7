//! # SW-GEN-014: destructive wipes
//!
//! **What it does.** Finds code that deletes a home directory or a disk:
//! `rm -rf ~`, `rm -rf $HOME/*`, `rm -rf /`, `del /s /q %USERPROFILE%`,
//! `Remove-Item $env:USERPROFILE -Recurse`, `shred`, `mkfs`, `dd` onto a
//! disk device, and `shutil.rmtree(os.path.expanduser("~"))` or
//! `fs.rmSync(os.homedir(), { recursive: true })`.
//!
//! **Why is this bad.** Wipers are sabotage (protestware) or a threat: the
//! second Shai-Hulud wave wiped the home directory when it could not
//! steal anything, and its dead-man's switch did when the stolen token
//! was revoked.
//!
//! **Example.**
//!
//! ```js
//! fs.rmSync(os.homedir(), { recursive: true, force: true });
//! ```
//!
//! **False positives.** Cleaning a build directory, a cache under the
//! home directory, or a temporary directory is not reported; only the
//! home directory itself, the root, or a disk device counts. In code
//! that only runs when called the rule is `high` rather than `critical`.

use std::sync::LazyLock;

use super::support;
use super::{Context, Emit, Rule, clip};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-014",
    title: "destructive wipes",
    source: include_str!("gen014_destructive.rs"),
    check,
};

static WIPE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r#"(?ix)
        (?-u:\b)rm(?-u:\s)+(?:-[a-z]+(?-u:\s)+|--[a-z-]+(?-u:\s)+)*-[a-z]*r[a-z]*(?-u:\s)+(?:-[a-z]+(?-u:\s)+|--[a-z-]+(?-u:\s)+)*["']?(?:~|\$home|\$\{home\}|/)/?\*?["']?(?:(?-u:\s)|$|;|&|\|)
        | (?-u:\b)(?:del|erase)(?-u:\s)+(?:/[a-z](?-u:\s)+)*/s(?-u:\s)+(?:/[a-z](?-u:\s)+)*["']?%userprofile%\\?\*?["']?(?:(?-u:\s)|$)
        | (?-u:\b)(?:rd|rmdir)(?-u:\s)+(?:/[a-z](?-u:\s)+)*/s(?-u:\s)+(?:/[a-z](?-u:\s)+)*["']?(?:%userprofile%|c:\\)["']?(?:(?-u:\s)|$)
        | remove-item(?-u:\s)+[^|;]*(?:\$env:userprofile|\$home|~)(?-u:\s)*(?:\\\*)?(?-u:\s)+[^|;]*-recurse
        | (?-u:\b)shred(?-u:\s)+(?:-[a-z]+(?-u:\s)+)*(?:-[a-z]*u|--remove)
        | (?-u:\b)mkfs(?:\.[a-z0-9]+)?(?-u:\s)+/dev/
        | (?-u:\b)dd(?-u:\s)+if=/dev/(?:zero|urandom|random)(?-u:\s)+of=/dev/(?:sd|nvme|hd|disk|xvd|vd)
        | (?-u:\b)format(?:\.com)?(?-u:\s)+c:(?-u:\s)*/[a-z]
        | (?-u:\b)vssadmin(?-u:\s)+delete(?-u:\s)+shadows
        | (?-u:\b)wipefs(?-u:\s)+-a
        | (?-u:\b)cipher(?-u:\s)+/w:
        "#,
    )
    .expect("a valid regex")
});

/// Calls that delete a tree.
const RM_CALLEES: &[&str] = &[
    "shutil.rmtree",
    "fs.rmSync",
    "fs.rm",
    "fs.rmdirSync",
    "fs.rmdir",
    "fs.promises.rm",
    "fs/promises.rm",
    "rimraf",
    "rimraf.sync",
    "rimraf.rimrafSync",
    "fs-extra.removeSync",
    "fs-extra.remove",
    "fs-extra.emptyDirSync",
    "del",
    "del.sync",
    "del.deleteSync",
];

/// Calls that give the home directory.
const HOME: &[&str] = &["os.path.expanduser", "os.homedir", "pathlib.Path.home", "Path.home", "os.userInfo"];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut seen = std::collections::HashSet::new();
    for t in support::texts(cx) {
        if let Some(m) = WIPE.find(&t.text)
            && seen.insert((t.file, t.line))
        {
            let severity = if t.stage.is_automatic() { Severity::Critical } else { Severity::High };
            let _ = m;
            out.finding(severity, t.stage, t.file, t.line, format!("wipes a home directory or a disk: `{}`", clip(&t.text, 100)));
        }
    }
    for (file, call) in cx.calls() {
        if !RM_CALLEES.iter().any(|p| crate::lang::callee_matches(&call.callee, p)) {
            continue;
        }
        let home = call.inner_calls.iter().any(|c| HOME.iter().any(|h| c == h || c.ends_with(&format!(".{h}"))))
            || call.names.iter().any(|n| n == "os.homedir" || n == "process.env.HOME" || n == "process.env.USERPROFILE");
        // Only the home directory itself: no other path part.
        let only_home = call.strings.iter().all(|s| matches!(s.as_str(), "~" | "~/" | "~/*" | "" | "HOME" | "USERPROFILE"));
        if home && only_home && seen.insert((file.path.as_str(), Some(call.line))) {
            let severity = if call.stage.is_automatic() { Severity::Critical } else { Severity::High };
            out.finding(
                severity,
                call.stage,
                &file.path,
                Some(call.line),
                format!("deletes the home directory with `{}`", call.callee),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WIPE;

    #[test]
    fn wipes() {
        for bad in ["rm -rf ~", "rm -rf ~/", "rm -rf $HOME/*", "rm -rf / ", "rm -fr --no-preserve-root /", "del /s /q %USERPROFILE%\\*", "shred -uz secret", "dd if=/dev/zero of=/dev/sda bs=1M"] {
            assert!(WIPE.is_match(bad), "{bad}");
        }
        for ok in ["rm -rf ./build", "rm -rf ~/.cache/fixture", "rm -rf $HOME/.cache/x", "rm -rf /tmp/x", "rm -rf dist/*", "rm -f ~/.fixturerc"] {
            assert!(!WIPE.is_match(ok), "{ok}");
        }
    }
}
