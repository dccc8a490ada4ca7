//! # SW-GEN-013: persistence
//!
//! **What it does.** Finds code that makes something run again later:
//! systemd units (`~/.config/systemd/user/*.service`, `systemctl --user
//! enable`), cron (`crontab -`, `/etc/cron.d`, `@reboot`), launchd
//! (`~/Library/LaunchAgents`, `launchctl load`), XDG autostart entries,
//! Windows `Run` keys and scheduled tasks, appends to shell startup files
//! (`.bashrc`, `.zshrc`, `.profile`), and dead-man's-switch units named
//! like Shai-Hulud's `gh-token-monitor`.
//!
//! **Why is this bad.** A payload that runs once at install is gone when
//! the package is removed; one that installs a service, a cron job or a
//! login hook keeps running — Shai-Hulud left a user service that wiped
//! the home directory when its stolen token was revoked.
//!
//! **Example.**
//!
//! ```python
//! unit = os.path.expanduser("~/.config/systemd/user/gh-token-monitor.service")
//! open(unit, "w").write(UNIT)
//! subprocess.run(["systemctl", "--user", "enable", "--now", "gh-token-monitor"])
//! ```
//!
//! **False positives.** Service managers and shell-completion installers
//! do this when asked: in code that only runs when called the rule is
//! `low`. At install, startup or import a shell startup file is `medium`,
//! the other mechanisms `high`.

use super::support;
use super::{Context, Emit, Rule, clip};
use crate::model::Severity;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-013",
    title: "persistence",
    source: include_str!("gen013_persistence.rs"),
    check,
};

/// (lowercased needle, mechanism, whether it is a shell startup file).
const MECHANISMS: &[(&str, &str, bool)] = &[
    ("gh-token-monitor", "a dead-man's-switch unit named like Shai-Hulud's", false),
    ("token-monitor.service", "a dead-man's-switch unit", false),
    (".config/systemd/user", "a systemd user unit", false),
    ("/etc/systemd/system/", "a systemd unit", false),
    ("systemctl --user enable", "a systemd user unit", false),
    ("systemctl enable", "a systemd unit", false),
    ("systemctl --user start", "a systemd user unit", false),
    ("crontab -", "a cron job", false),
    ("| crontab", "a cron job", false),
    ("/etc/cron.d", "a cron job", false),
    ("/etc/crontab", "a cron job", false),
    ("/var/spool/cron", "a cron job", false),
    ("@reboot", "a cron job", false),
    ("library/launchagents", "a launchd agent", false),
    ("library/launchdaemons", "a launchd daemon", false),
    ("launchctl load", "a launchd agent", false),
    ("launchctl bootstrap", "a launchd agent", false),
    (".config/autostart", "an XDG autostart entry", false),
    ("currentversion\\run", "a Windows Run key", false),
    ("currentversion\\\\run", "a Windows Run key", false),
    ("schtasks /create", "a Windows scheduled task", false),
    ("schtasks.exe /create", "a Windows scheduled task", false),
    ("start menu\\programs\\startup", "the Windows Startup folder", false),
    (".bashrc", "a shell startup file", true),
    (".bash_profile", "a shell startup file", true),
    (".zshrc", "a shell startup file", true),
    (".zprofile", "a shell startup file", true),
    ("/.profile", "a shell startup file", true),
    ("config.fish", "a shell startup file", true),
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut best: std::collections::BTreeMap<&str, (u32, Severity, crate::model::Stage, Option<u32>, String)> =
        Default::default();
    let texts = support::texts(cx);
    for group in support::groups(cx) {
      // The mechanisms some text of the group names, in list order.
      let present: Vec<_> = MECHANISMS.iter().filter(|(p, _, _)| group.joined.holds_ignore_case(p)).collect();
      if present.is_empty() {
          continue;
      }
      for t in &texts[group.texts.clone()] {
        let lower = t.text.to_ascii_lowercase();
        let Some((_, what, shell)) = present.iter().find(|(p, _, _)| lower.contains(p)) else { continue };
        let dead_man = what.contains("dead-man");
        let severity = match (t.stage.is_automatic(), shell, dead_man) {
            (_, _, true) => Severity::High,
            (true, false, _) => Severity::High,
            (true, true, _) => Severity::Medium,
            (false, _, _) => Severity::Low,
        };
        let points = crate::score::points(severity, t.stage);
        let message = format!("uses {what}: `{}`", clip(&t.text, 100));
        let entry = best.entry(t.file).or_insert((points, severity, t.stage, t.line, message.clone()));
        if (points, severity) > (entry.0, entry.1) {
            *entry = (points, severity, t.stage, t.line, message);
        }
      }
    }
    for (file, (_, severity, stage, line, message)) in best {
        out.finding(severity, stage, file, line, message);
    }
}
