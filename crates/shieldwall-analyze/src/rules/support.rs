//! Helpers shared by the behavior rules (runtime bootstrap, GitHub API,
//! blockchain, propagation, persistence, wipes, miners, secret scanners):
//! every text a package runs or holds, with the stage it weighs at.

use super::gen001_download_exec::EXEC_CALLEES;
use super::{Context, Hit, Joined, is_network, is_spawn};
use crate::analysis::SourceFile;
use crate::lang::callee_matches;
use crate::model::Stage;

/// A text the package runs or holds: a command or a string literal (or a
/// raw line of code that was not parsed).
pub(crate) struct Text<'a> {
    /// The file.
    pub file: &'a str,
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// The stage it weighs at.
    pub stage: Stage,
    /// The text.
    pub text: std::borrow::Cow<'a, str>,
    /// Whether it is a command (run by a script, a shell file or a
    /// process-spawning call) rather than a literal.
    pub command: bool,
    /// For a literal of a parsed file: whether that file spawns, runs code
    /// or talks to the network at the literal's stage or earlier (a table
    /// of strings handed to `Object.freeze` acts on nothing).
    pub acts: bool,
}

impl Text<'_> {
    /// The stage the text weighs at for behavior that needs the network
    /// or a process: its own when it is a command or its file acts at
    /// that stage, runtime otherwise.
    pub fn acting_stage(&self) -> Stage {
        if self.command || self.acts || !self.stage.is_automatic() {
            self.stage
        } else {
            Stage::Runtime
        }
    }
}

/// Texts longer than this are skipped by the per-text scans (minified
/// bundles hold their strings as literals of their own).
pub(crate) const MAX_TEXT: usize = 64 * 1024;

/// Every command and every string literal of parsed files, plus the lines
/// of code files that were not parsed (at runtime, or at their load
/// stage when they run whole), each at the stage it weighs at.
pub(crate) fn texts<'c, 'a>(cx: &'c Context<'a>) -> &'c [Text<'a>] {
    cx.texts.get_or_init(|| collect_texts(cx))
}

fn collect_texts<'a>(cx: &Context<'a>) -> Vec<Text<'a>> {
    let mut out: Vec<Text<'a>> = cx
        .commands()
        .iter()
        .filter(|c| c.text.len() <= MAX_TEXT)
        .map(|c| Text {
            file: c.file,
            line: c.line,
            stage: c.stage,
            text: c.text.clone(),
            command: true,
            acts: true,
        })
        .collect();
    for (file, text) in cx.code_texts() {
        match &file.facts {
            Some(facts) => {
                let acting = acting_stage(file);
                // (line, string) handed to a call: one pass, not one per
                // literal (minified files hold everything on one line).
                let handed: foldhash::HashSet<(u32, &str)> = facts
                    .calls
                    .iter()
                    .flat_map(|c| c.strings.iter().map(move |s| (c.line, s.as_str())))
                    .collect();
                for lit in facts.strings.iter().filter(|l| l.value.len() <= MAX_TEXT) {
                    let used = handed.contains(&(lit.line, lit.value.as_str()));
                    let stage = weigh(lit.stage, used, acting);
                    out.push(Text {
                        file: &file.path,
                        line: Some(lit.line),
                        stage,
                        text: lit.value.as_str().into(),
                        command: false,
                        acts: acting.is_some_and(|a| a <= stage),
                    });
                }
            }
            // Shell files, npm scripts and GYP expansions are commands.
            None if file.lang != crate::lang::Lang::Shell
                && file.path != "package.json"
                && !file.path.ends_with(".gyp") =>
            {
                let stage = match &file.role {
                    Some(role) if role.whole_file => role.stage,
                    _ => Stage::Runtime,
                };
                if file.path.ends_with(".d.ts") {
                    continue; // type declarations do not run
                }
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    let comment = ["#", "//", "*", "/*"].iter().any(|c| code.starts_with(c));
                    if line.len() <= MAX_TEXT && !code.is_empty() && !comment {
                        out.push(Text {
                            file: &file.path,
                            line: Some(n as u32 + 1),
                            stage,
                            text: line.into(),
                            command: false,
                            acts: true,
                        });
                    }
                }
            }
            None => {}
        }
    }
    out
}

/// A run of [`texts`] from one file, all commands or all not, joined:
/// a needle no text of the run holds is absent from `joined`, so rules
/// skip what the run cannot match.
pub(crate) struct Group {
    /// The texts, as indices into [`texts`].
    pub texts: std::ops::Range<usize>,
    /// Their text, joined.
    pub joined: Joined,
}

/// [`texts`] in runs, in order.
pub(crate) fn groups<'c>(cx: &'c Context<'_>) -> &'c [Group] {
    cx.text_groups.get_or_init(|| {
        let texts = texts(cx);
        let mut out = Vec::new();
        let mut start = 0;
        for end in 1..=texts.len() {
            let split = end == texts.len()
                || texts[end].file != texts[start].file
                || texts[end].command != texts[start].command;
            if split {
                out.push(Group {
                    texts: start..end,
                    joined: Joined::new(texts[start..end].iter().map(|t| t.text.as_ref())),
                });
                start = end;
            }
        }
        out
    })
}

/// The earliest automatic stage at which `file` spawns, runs code, or
/// talks to the network, if it does.
pub(crate) fn acting_stage(file: &SourceFile) -> Option<Stage> {
    let facts = file.facts.as_ref()?;
    facts
        .calls
        .iter()
        .filter(|c| c.stage.is_automatic())
        .filter(|c| is_spawn(&c.callee) || is_network(&c.callee) || is_exec(&c.callee))
        .map(|c| c.stage)
        .min()
}

/// Whether `callee` runs code given as data (`eval`, `exec`, `Function`).
pub(crate) fn is_exec(callee: &str) -> bool {
    EXEC_CALLEES.iter().any(|p| callee_matches(callee, p))
        && !callee.starts_with("re.")
        && !callee.ends_with("cursor.exec")
        && !callee.ends_with("RegExp.exec")
}

/// The stage a literal weighs at: its own when a call on its line uses
/// it, or when it sits at an automatic stage in a file that acts at that
/// stage; otherwise (a constant declared for later) runtime.
pub(crate) fn weigh(stage: Stage, used: bool, acting: Option<Stage>) -> Stage {
    if used || !stage.is_automatic() || acting.is_some_and(|a| a <= stage) {
        stage
    } else {
        Stage::Runtime
    }
}

/// The stage an indicator hit weighs at (see [`weigh`]).
pub(crate) fn hit_stage(hit: &Hit<'_>) -> Stage {
    weigh(hit.stage, hit.used, acting_stage(hit.file))
}

/// Whether `file` spawns a process or runs code at `stage` or earlier, or
/// at all when `stage` is runtime.
pub(crate) fn spawns(file: &SourceFile) -> Option<Stage> {
    let facts = file.facts.as_ref()?;
    facts
        .calls
        .iter()
        .filter(|c| is_spawn(&c.callee) || is_exec(&c.callee))
        // `Function("return this")()`: the global-object idiom of bundles.
        .filter(|c| {
            !(c.callee == "Function"
                && !c.strings.is_empty()
                && c.strings.iter().all(|s| s.trim() == "return this"))
        })
        .map(|c| c.stage)
        .min()
}
