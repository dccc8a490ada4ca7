//! # SW-GEN-011: self-propagation
//!
//! **What it does.** Finds code that publishes packages: `npm publish`
//! (and yarn's, pnpm's, bun's), `npm version` and `npm pack` used to
//! rebuild someone's package, writing an `.npmrc` with an `_authToken`,
//! checking a stolen token with `/-/whoami`, a `PUT` of a package
//! document to a registry (`/-/package/…`), and `twine upload` or
//! `poetry`/`uv`/`flit publish` on the Python side.
//!
//! **Why is this bad.** A worm spreads by publishing: Shai-Hulud took
//! the npm tokens it found, listed every package the token could publish,
//! injected its loader into each tarball, bumped the version and
//! published it. No legitimate package publishes anything while it is
//! being installed or imported.
//!
//! **Example.**
//!
//! ```js
//! fs.writeFileSync(".npmrc", `//registry.example.test/:_authToken=${t}`);
//! execSync("npm version patch && npm publish");
//! ```
//!
//! **False positives.** Release scripts publish on purpose: `scripts`
//! entries other than install hooks are not reported, a `setup.py`
//! publish shortcut (`twine upload dist/*` behind an argv check) is only
//! noted (`info`), and publishing in code that only runs when called is `low`
//! unless the same file also handles registry tokens.

use super::support;
use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-011",
    title: "self-propagation",
    source: include_str!("gen011_self_propagation.rs"),
    check,
};

const PUBLISH: &[&str] = &[
    "npm publish",
    "yarn publish",
    "yarn npm publish",
    "pnpm publish",
    "bun publish",
    "twine upload",
    "poetry publish",
    "flit publish",
    "uv publish",
    "hatch publish",
];

/// Token handling and tarball rebuilding that make publishing a worm's.
const TOKENS: &[(&str, &str)] = &[
    ("_authtoken", "writes a registry token"),
    ("/-/whoami", "checks a registry token"),
    ("/-/package/", "changes a registry package"),
    ("/-/v1/search?text=maintainer:", "lists a maintainer's packages"),
    ("npm version", "bumps a package version"),
    ("npm pack", "repacks a package"),
    ("npm_config__authtoken", "sets a registry token"),
    ("twine_password", "sets a PyPI token"),
];

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // Per file: the earliest publish and the token handling seen.
    let mut publish: std::collections::BTreeMap<&str, (Stage, Option<u32>, String)> = Default::default();
    let mut tokens: std::collections::BTreeMap<&str, (Stage, Option<u32>, &str)> = Default::default();
    let texts = support::texts(cx);
    for group in support::groups(cx) {
      // The patterns some text of the group holds, in list order.
      let publishes: Vec<_> = PUBLISH.iter().filter(|p| group.joined.holds_ignore_case(p)).collect();
      let handles: Vec<_> = TOKENS.iter().filter(|(p, _)| group.joined.holds_ignore_case(p)).collect();
      if publishes.is_empty() && handles.is_empty() {
          continue;
      }
      for t in &texts[group.texts.clone()] {
        // Release scripts of the package itself (`"release": "npm publish"`).
        if t.file == "package.json" && !t.stage.is_automatic() {
            continue;
        }
        let lower = t.text.to_ascii_lowercase();
        if publishes.iter().any(|p| lower.contains(*p)) {
            // Publishing needs a process or the network.
            let stage = t.acting_stage();
            let entry = publish.entry(t.file).or_insert((stage, t.line, t.text.to_string()));
            if stage < entry.0 {
                *entry = (stage, t.line, t.text.to_string());
            }
        }
        if let Some((_, what)) = handles.iter().find(|(p, _)| lower.contains(p)) {
            let entry = tokens.entry(t.file).or_insert((t.stage, t.line, what));
            if t.stage < entry.0 {
                *entry = (t.stage, t.line, what);
            }
        }
      }
    }
    for (file, (stage, line, text)) in &publish {
        // Bumping or packing a version is what release tools do; only
        // token handling makes a runtime publisher suspicious.
        let helper = tokens
            .get(file)
            .filter(|(_, _, what)| stage.is_automatic() || !matches!(*what, "bumps a package version" | "repacks a package"));
        // `setup.py publish` shortcuts (`os.system("twine upload dist/*")`
        // behind an argv check) are release tooling of the package itself.
        let release_shortcut = file.ends_with("setup.py") && helper.is_none();
        let severity = match (stage.is_automatic(), helper.is_some()) {
            (true, false) if release_shortcut => Severity::Info,
            (true, true) => Severity::Critical,
            (true, false) => Severity::High,
            (false, true) => Severity::Medium,
            (false, false) => Severity::Low,
        };
        let and = helper.map(|(_, _, what)| format!(" and {what}")).unwrap_or_default();
        out.finding(severity, *stage, file, *line, format!("publishes packages (`{}`){and}", clip(text, 80)));
    }
    for (file, (stage, line, what)) in tokens {
        if publish.contains_key(file) || !stage.is_automatic() {
            continue;
        }
        if matches!(what, "bumps a package version" | "repacks a package") {
            continue;
        }
        out.finding(Severity::Medium, stage, file, line, format!("{what} while installed or imported"));
    }
}
