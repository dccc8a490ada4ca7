//! # SW-NPM-001: npm install scripts
//!
//! **What it does.** Reads the npm lifecycle scripts that run when the
//! package is installed (`preinstall`, `install`, `postinstall`,
//! `prepare` and the others npm runs on install) and says what they
//! start: a build step (`node-gyp rebuild`, `prebuild-install`,
//! `node-pre-gyp`, `husky`, `tsc`) is context only; running a shipped
//! script is `low` (what that script does is judged by the other rules,
//! at the install stage); downloading (`curl`, `wget`), inline code
//! that reaches the network or spawns (`node -e …`), a file the package
//! does not ship, a shipped file named like a Bun or Deno bootstrapper
//! (`setup_bun.js`), starting Bun or Deno, or `npx` of a git or URL
//! package is `medium`. `prepare` and
//! `prepublish`, which run only for git and directory installs, weigh
//! only for those medium forms.
//!
//! **Why is this bad.** Install scripts run with the installing user's
//! rights and tokens, before anyone has looked at the code, and are how
//! nearly every npm worm starts: Shai-Hulud's `"preinstall": "node
//! setup_bun.js"` fetched the Bun runtime and ran its stealer with it.
//!
//! **Example.**
//!
//! ```json
//! { "scripts": { "preinstall": "node setup_bun.js" } }
//! ```
//!
//! **False positives.** Native addons (`node-gyp rebuild`), prebuilt
//! binary fetchers and git-hook installers are recognized and weigh
//! nothing; other install scripts weigh little on their own: this rule
//! says that something runs at install, the behavior rules say whether it
//! is bad.

use super::{Context, Emit, Rule, clip};
use crate::model::{Severity, Stage};
use crate::surface::{INSTALL_SCRIPTS, resolve_relative, script_files};

pub(crate) static RULE: Rule = Rule {
    id: "SW-NPM-001",
    title: "npm install scripts",
    source: include_str!("npm001_install_scripts.rs"),
    check,
};

/// Programs whose install-time use is a known build or setup step.
const BUILD_STEPS: &[&str] = &[
    "node-gyp",
    "node-gyp-build",
    "node-gyp-build-optional",
    "node-pre-gyp",
    "prebuild-install",
    "prebuild",
    "cmake-js",
    "napi",
    "husky",
    "husky-install",
    "is-ci",
    "tsc",
    "ngcc",
    "patch-package",
    "opencollective",
    "opencollective-postinstall",
    "only-allow",
    "echo",
    "exit",
    "true",
    "rimraf",
    "shx",
    "electron-rebuild",
    "electron-builder",
    "lerna",
    "nx",
    "turbo",
    "tsup",
    "rollup",
    "webpack",
    "babel",
    "esbuild",
];

/// Lifecycle scripts that run only for git and directory installs.
const PREPARE: &[&str] = &["prepare", "preprepare", "postprepare", "prepublish"];

/// Node flags that run code given on the command line.
const INLINE: &[&str] = &["-e", "--eval", "-p", "--print"];

/// What one install script does: the severity and why.
fn judge(cx: &Context<'_>, script: &str, command: &str, depth: usize) -> (Severity, String) {
    let lower = command.to_ascii_lowercase();
    let mut worst = (Severity::Info, format!("runs `{}`", clip(command, 80)));
    let mut raise = |severity: Severity, why: String| {
        if severity > worst.0 {
            worst = (severity, why);
        }
    };
    if ["curl ", "wget ", "invoke-webrequest", "iwr ", "curl\t"].iter().any(|f| lower.contains(f)) {
        raise(Severity::Medium, format!("downloads at install: `{}`", clip(command, 80)));
    }
    for segment in command.split(['&', '|', ';', '\n']) {
        let words: Vec<&str> = segment.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() && words[i].contains('=') && !words[i].starts_with('-') {
            i += 1;
        }
        let Some(first) = words.get(i) else { continue };
        let program = first.rsplit('/').next().unwrap_or(first).trim_end_matches(".cmd");
        let args = &words[i + 1..];
        match program {
            "node" | "nodejs" if args.iter().any(|a| INLINE.contains(a)) => {
                let code = args.join(" ");
                // `node -e "try{require('./postinstall')}catch(e){}"`
                // only starts a shipped file.
                let risky = ["http", "child_process", "eval", "buffer.from", "fetch", "exec", "spawn", "net.", "dns"]
                    .iter()
                    .any(|k| code.to_ascii_lowercase().contains(k));
                let severity = if risky { Severity::Medium } else { Severity::Low };
                raise(severity, format!("runs inline JavaScript at install: `{}`", clip(segment, 80)));
            }
            "bun" | "bunx" | "deno" => raise(
                Severity::Medium,
                format!("starts the `{program}` runtime at install: `{}`", clip(segment, 80)),
            ),
            "npx" | "pnpx" | "pnpm" | "yarn" | "npm"
                if args.iter().any(|a| {
                    a.starts_with("github:") || a.starts_with("git+") || a.contains("://")
                }) =>
            {
                raise(
                    Severity::Medium,
                    format!("fetches and runs a package from outside the registry at install: `{}`", clip(segment, 80)),
                )
            }
            "npx" | "pnpx" => {
                let tool = args.iter().find(|a| !a.starts_with('-')).copied().unwrap_or("");
                if !BUILD_STEPS.contains(&tool) {
                    raise(Severity::Low, format!("runs `npx {tool}` at install"));
                }
            }
            "npm" | "yarn" | "pnpm" => {
                // `npm run build`: judge the script it names.
                let name = match args {
                    ["run" | "run-script", name, ..] => Some(*name),
                    [name, ..] if program != "npm" && !name.starts_with('-') => Some(*name),
                    _ => None,
                };
                let target = name.and_then(|n| {
                    cx.plan.manifest.as_ref()?["scripts"][n].as_str().map(|t| (n, t))
                });
                if let (Some((name, text)), true) = (target, depth < 3) {
                    let (severity, why) = judge(cx, script, text, depth + 1);
                    raise(severity, format!("{why} (through `{name}`)"));
                }
            }
            _ if BUILD_STEPS.contains(&program) => {}
            _ => {
                let files = script_files(segment);
                if files.is_empty() {
                    raise(Severity::Low, format!("runs `{}` at install", clip(segment, 80)));
                }
                for file in files {
                    match resolve_relative(cx.artifact, "", &file) {
                        None if PREPARE.contains(&script) => {
                            // A build step of the repository: only runs in a
                            // git or directory install, with the repository's
                            // own files.
                        }
                        None => raise(
                            Severity::Medium,
                            format!("runs `{file}`, which the package does not ship, at install"),
                        ),
                        Some(path) => {
                            let name = path.rsplit('/').next().unwrap_or(&path).to_ascii_lowercase();
                            if name.contains("bun") || name.contains("deno") {
                                raise(
                                    Severity::Medium,
                                    format!("runs `{path}`, named like a runtime bootstrapper, at install"),
                                );
                            } else {
                                raise(Severity::Low, format!("runs the shipped file `{path}` at install"));
                            }
                        }
                    }
                }
            }
        }
    }
    worst
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let Some(manifest) = &cx.plan.manifest else { return };
    let Some(scripts) = manifest["scripts"].as_object() else { return };
    let text = cx
        .files
        .iter()
        .find(|f| f.path == "package.json")
        .and_then(|f| f.text.as_deref())
        .unwrap_or("");
    for (name, value) in scripts {
        let Some(command) = value.as_str() else { continue };
        if !INSTALL_SCRIPTS.contains(&name.as_str()) {
            continue;
        }
        let (mut severity, why) = judge(cx, name, command, 0);
        // `prepare` and `prepublish` do not run when a published tarball
        // is installed (only for git and directory installs): a build
        // step there is context; fetching or starting Bun still counts.
        if PREPARE.contains(&name.as_str()) && severity <= Severity::Low {
            severity = Severity::Info;
        }
        let line = text
            .find(&format!("\"{name}\""))
            .map(|at| crate::lang::lexical::line_of(text.as_bytes(), at));
        out.finding(severity, Stage::Install, "package.json", line, format!("npm {name} {why}"));
    }
}
