//! # SW-GEN-015: cryptocurrency miners
//!
//! **What it does.** Finds miners and their configuration: `xmrig` and
//! other miner binaries, `stratum+tcp://` pool URLs, known mining pool
//! hosts, miner flags (`--donate-level`, `--cpu-max-threads-hint`),
//! browser miners (CoinHive and its clones) and Monero wallet addresses.
//!
//! **Why is this bad.** Cryptojacking is the oldest registry payload: the
//! package downloads a miner at install and runs it detached on the
//! victim's CPU (or a CI runner's) for the attacker's wallet.
//!
//! **Example.**
//!
//! ```sh
//! ./xmrig -o stratum+tcp://pool.example.test:3333 -u WALLET --donate-level 1 &
//! ```
//!
//! **False positives.** Mining and pool software itself, published on
//! purpose; docs and tests are not read. A pool URL or miner name at
//! install, startup or import is `critical`; in code that only runs when
//! called `high`; a weak hint alone (`cryptonight`, `randomx`) is
//! `medium` at an automatic stage and `low` otherwise.

use std::sync::LazyLock;

use super::support;
use super::{Context, Emit, Rule, Indicators};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-015",
    title: "cryptocurrency miners",
    source: include_str!("gen015_crypto_miner.rs"),
    check,
};

/// (pattern, what it is, whether it is strong on its own).
const INDICATORS: &[(&str, &str, bool)] = &[
    ("xmrig", "the XMRig miner", true),
    ("stratum+tcp://", "a mining pool URL", true),
    ("stratum+ssl://", "a mining pool URL", true),
    ("stratum+tls://", "a mining pool URL", true),
    ("stratum2+tcp://", "a mining pool URL", true),
    ("--donate-level", "a miner's command line", true),
    ("--cpu-max-threads-hint", "a miner's command line", true),
    ("coinhive", "a browser miner", true),
    ("coin-hive", "a browser miner", true),
    ("cryptoloot", "a browser miner", true),
    ("minexmr.com", "a mining pool", true),
    ("supportxmr.com", "a mining pool", true),
    ("moneroocean.stream", "a mining pool", true),
    ("nanopool.org", "a mining pool", true),
    ("2miners.com", "a mining pool", true),
    ("hashvault.pro", "a mining pool", true),
    ("c3pool.com", "a mining pool", true),
    ("herominers.com", "a mining pool", true),
    ("unmineable.com", "a mining pool", true),
    ("f2pool.com", "a mining pool", true),
    ("nicehash.com", "a mining marketplace", false),
    ("cryptonight", "a mining algorithm", false),
    ("randomx", "a mining algorithm", false),
    ("cpuminer", "a CPU miner", true),
    ("lolminer", "a GPU miner", true),
    ("nbminer", "a GPU miner", true),
];

pub(crate) static MATCHER: Indicators =
    Indicators::new(|| INDICATORS.iter().map(|(p, _, _)| *p).collect());

static WALLET: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?-u:\b)4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?-u:\b)").expect("a valid regex")
});

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // Per file: the strongest indicator, at its earliest stage.
    let mut by_file: std::collections::BTreeMap<&str, (bool, Stage, u32, Vec<&str>)> = Default::default();
    for hit in cx.indicator_hits(&MATCHER) {
        let (_, what, strong) = INDICATORS[hit.pattern];
        let stage = support::hit_stage(&hit);
        let entry = by_file.entry(&hit.file.path).or_insert((strong, stage, hit.line, Vec::new()));
        if (strong, std::cmp::Reverse(stage)) > (entry.0, std::cmp::Reverse(entry.1)) {
            (entry.0, entry.1, entry.2) = (strong, stage, hit.line);
        }
        if !entry.3.contains(&what) {
            entry.3.push(what);
        }
    }
    for t in support::texts(cx) {
        if WALLET.is_match(&t.text) && (t.text.contains("pool") || t.text.contains("-u ") || t.text.contains("wallet") || t.command) {
            let entry = by_file.entry(t.file).or_insert((true, t.stage, t.line.unwrap_or(0), Vec::new()));
            entry.0 = true;
            if !entry.3.contains(&"a Monero wallet address") {
                entry.3.push("a Monero wallet address");
            }
        }
    }
    for (file, (strong, stage, line, kinds)) in by_file {
        let severity = match (strong || kinds.len() >= 2, stage.is_automatic()) {
            (true, true) => Severity::Critical,
            (true, false) => Severity::High,
            (false, true) => Severity::Medium,
            (false, false) => Severity::Low,
        };
        out.finding(severity, stage, file, Some(line), format!("refers to {}", kinds.join(", ")));
    }
}
