//! The pipeline for one artifact: identity, execution surface, facts of
//! every source file (following imports from the files that load
//! automatically), rules, and the verdict.

use std::collections::VecDeque;

use crate::artifact::Artifact;
use crate::embedded;
use crate::identity::{Identity, identify};
use crate::lang::{self, Facts, Lang, lexical};
use crate::model::{ArtifactReport, Finding, Stage};
use crate::rules::{self, Context};
use crate::score::{self, Thresholds};
use crate::surface::{self, Plan, Role};

/// One file of the artifact as the rules see it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path relative to the package root.
    pub path: String,
    /// The language it is read as.
    pub lang: Lang,
    /// How it gets loaded; `None` when nothing loads it automatically
    /// (its code runs only when called: stage runtime).
    pub role: Option<Role>,
    /// The text, when the file is text.
    pub text: Option<String>,
    /// The facts, when the file is code and small enough to parse.
    pub facts: Option<Facts>,
    /// Its size in bytes.
    pub size: usize,
    /// The native executable format, for binaries.
    pub native: Option<&'static str>,
    /// Line shape and entropy, for text files.
    pub shape: Option<lexical::Shape>,
}

impl SourceFile {
    /// The stage at which the file's top-level code runs.
    pub fn load_stage(&self) -> Stage {
        self.role.as_ref().map_or(Stage::Runtime, |r| r.stage)
    }
}

/// Options for one analysis.
#[derive(Clone, Debug)]
pub struct Options {
    /// Verdict thresholds.
    pub thresholds: Thresholds,
    /// Source bytes parsed per artifact at most. Files that load
    /// automatically come first, then the rest (smallest first); what is
    /// left over is read by the lexical rules only, and the report says
    /// how much.
    pub parse_budget: usize,
}

impl Default for Options {
    /// Default thresholds and a parse budget of 8 MiB.
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            parse_budget: 8 << 20,
        }
    }
}

/// Everything worked out about an artifact, before scoring.
#[derive(Debug)]
pub struct Analysis {
    /// Which package it is.
    pub identity: Identity,
    /// The execution surface.
    pub plan: Plan,
    /// Every file, analyzed.
    pub files: Vec<SourceFile>,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Code files not parsed because the parse budget ran out, and their
    /// total size; the lexical rules still read them.
    pub over_budget: (usize, usize),
}

/// The language of a file, from its name.
pub fn language_of(path: &str) -> Lang {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "py" | "pyw" | "pth" | "pyi" => Lang::Python,
        "js" | "cjs" | "mjs" | "jsx" => Lang::JavaScript,
        "sh" | "bash" | "zsh" | "bat" | "cmd" | "ps1" | "command" => Lang::Shell,
        _ => Lang::Other,
    }
}

/// Analyzes `artifact` into files and findings.
pub fn analyze(artifact: &Artifact, options: &Options) -> Analysis {
    let mut budget = options.parse_budget;
    let identity = identify(artifact);
    let mut plan = surface::plan(artifact);
    let mut files: Vec<SourceFile> = artifact
        .files
        .iter()
        .map(|f| {
            let binary = lexical::is_binary(&f.bytes);
            let text = (!binary).then(|| String::from_utf8_lossy(&f.bytes).into_owned());
            SourceFile {
                path: f.path.clone(),
                lang: language_of(&f.path),
                role: None,
                shape: text.as_ref().map(|t| lexical::shape(t.as_bytes())),
                text,
                facts: None,
                size: f.bytes.len(),
                native: if binary {
                    lexical::native_format(&f.bytes)
                } else {
                    None
                },
            }
        })
        .collect();
    let index: std::collections::HashMap<String, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect();

    // Parse the files that load automatically, following their imports.
    // In archive order: which files fit the parse budget must not depend
    // on hash order.
    let mut first: Vec<usize> = plan
        .roles
        .keys()
        .filter_map(|p| index.get(p).copied())
        .collect();
    first.sort_unstable();
    let mut queue = VecDeque::from(first);
    let modules = ModuleIndex::new(&files);
    while let Some(i) = queue.pop_front() {
        let Some(role) = plan.roles.get(&files[i].path).cloned() else {
            continue;
        };
        files[i].role = Some(role.clone());
        parse(&mut files[i], role.stage, role.whole_file, &mut budget);
        let Some(facts) = &files[i].facts else {
            continue;
        };
        let targets: Vec<(String, Stage)> = facts
            .imports
            .iter()
            .filter(|imp| imp.stage == role.stage)
            .filter_map(|imp| {
                let target = match files[i].lang {
                    Lang::Python => modules.resolve_python(&files[i].path, &imp.name),
                    Lang::JavaScript if imp.name.starts_with('.') => {
                        let dir = files[i].path.rsplit_once('/').map_or("", |(d, _)| d);
                        surface::resolve_relative(artifact, dir, &imp.name)
                    }
                    _ => None,
                };
                target.map(|t| (t, role.stage))
            })
            .collect();
        let spawned = spawned_scripts(artifact, &files[i].path, facts, role.stage);
        let whole = targets
            .into_iter()
            .map(|(t, s)| (t, s, false))
            .chain(spawned.into_iter().map(|t| (t, role.stage, true)));
        for (target, stage, whole_file) in whole {
            if plan.assign(&target, Role { stage, whole_file })
                && let Some(&j) = index.get(&target)
            {
                queue.push_back(j);
            }
        }
    }
    // Everything else that is code runs only when called: parsed when it
    // holds a token of behavior that weighs even then, smallest first.
    // Tests, docs and examples are not installed and stay lexical.
    let wanted = |f: &SourceFile| {
        matches!(f.lang, Lang::Python | Lang::JavaScript)
            && !surface::is_not_shipped(&f.path)
            && !surface::is_test_file(&f.path)
            && f.text
                .as_deref()
                .is_some_and(|t| lexical::has_strong_trigger(t) || lexical::has_public_ip_url(t))
    };
    let mut rest: Vec<usize> = (0..files.len())
        .filter(|&i| files[i].facts.is_none() && files[i].role.is_none() && wanted(&files[i]))
        .collect();
    rest.sort_by_key(|&i| files[i].size);
    for i in rest {
        parse(&mut files[i], Stage::Runtime, false, &mut budget);
    }
    read_embedded(&mut files, &mut budget);
    let unparsed = files.iter().filter(|f| f.facts.is_none() && wanted(f));
    let over_budget = unparsed.fold((0, 0), |(n, bytes), f| (n + 1, bytes + f.size));
    let mut findings = Vec::new();
    let cx = Context::new(artifact, &identity, &plan, &files);
    for rule in rules::catalog() {
        (rule.check)(&cx, &mut rules::Emit::new(rule.id, &mut findings));
    }
    Analysis {
        identity,
        plan,
        files,
        findings,
        over_budget,
    }
}

/// Analyzes `artifact` and gives the verdict.
pub fn inspect(artifact: &Artifact, options: &Options) -> ArtifactReport {
    let analysis = analyze(artifact, options);
    let mut errors: Vec<String> = artifact.error.iter().cloned().collect();
    errors.extend(
        artifact
            .issues
            .iter()
            .map(|i| format!("{}: {i}", artifact.display)),
    );
    if analysis.over_budget.0 > 0 {
        errors.push(format!(
            "{} code files ({} bytes) over the parse budget or too large to parse were read by the lexical rules only",
            analysis.over_budget.0, analysis.over_budget.1
        ));
    }
    errors.extend(
        analysis
            .files
            .iter()
            .filter(|f| f.facts.as_ref().is_some_and(|x| x.had_errors) && f.role.is_some())
            .map(|f| format!("{}: syntax errors; read what could be parsed", f.path)),
    );
    let scored = score::score(analysis.findings, &options.thresholds);
    let mut surface = analysis.plan.entries;
    surface.sort_by(|a, b| (a.stage, &a.file).cmp(&(b.stage, &b.file)));
    ArtifactReport {
        path: artifact.display.clone(),
        ecosystem: analysis.identity.ecosystem,
        name: analysis.identity.name,
        version: analysis.identity.version,
        verdict: scored.verdict,
        score: scored.score,
        reasons: scored.reasons,
        findings: scored.findings,
        surface,
        files: artifact.files.len(),
        bytes: artifact.total_bytes(),
        errors,
    }
}

/// How deep payloads inside payloads are followed.
const MAX_EMBEDDED_DEPTH: usize = 3;
/// The most payloads read from one artifact.
const MAX_EMBEDDED: usize = 64;

/// Adds the code hidden in encoded string literals of the parsed files
/// (see [`embedded`]) as files of their own, named
/// `FILE#ENCODING@LINE`, whose code runs whole at the stage of the
/// literal; payloads inside payloads are followed a few levels deep.
fn read_embedded(files: &mut Vec<SourceFile>, budget: &mut usize) {
    let mut next = 0;
    let mut added = 0;
    for _ in 0..MAX_EMBEDDED_DEPTH {
        let end = files.len();
        let found: Vec<(String, embedded::Payload, Stage)> = files[next..end]
            .iter()
            .filter_map(|f| Some((f, f.facts.as_ref()?)))
            .flat_map(|(f, facts)| {
                let encoded = facts.strings.iter().filter_map(move |lit| {
                    let payload = embedded::decode(&lit.value)?;
                    Some((
                        format!("{}#{}@{}", f.path, payload.encoding, lit.line),
                        payload,
                        lit.stage,
                    ))
                });
                let handed =
                    facts
                        .calls
                        .iter()
                        .filter(|c| runs_or_stores(c))
                        .flat_map(move |call| {
                            call.strings.iter().filter_map(move |value| {
                                let payload = embedded::plain(value)?;
                                Some((
                                    format!("{}#{}@{}", f.path, payload.encoding, call.line),
                                    payload,
                                    call.stage,
                                ))
                            })
                        });
                encoded.chain(handed)
            })
            .collect();
        next = end;
        for (path, payload, stage) in found {
            if added == MAX_EMBEDDED {
                return;
            }
            added += 1;
            let mut file = SourceFile {
                path,
                lang: payload.lang,
                role: stage.is_automatic().then_some(Role {
                    stage,
                    whole_file: true,
                }),
                size: payload.text.len(),
                shape: None,
                text: Some(payload.text),
                facts: None,
                native: None,
            };
            parse(&mut file, stage, true, budget);
            files.push(file);
        }
        if files.len() == end {
            return;
        }
    }
}

/// Whether `call` runs the code it is given or writes it to a file:
/// `exec`, `eval`, `compile`, a file write, or an interpreter started
/// with `-c`/`-e`.
fn runs_or_stores(call: &lang::Call) -> bool {
    let last = call.callee.rsplit('.').next().unwrap_or("");
    matches!(
        last,
        "exec"
            | "eval"
            | "compile"
            | "write"
            | "write_text"
            | "write_bytes"
            | "writeFileSync"
            | "writeFile"
    ) || rules::is_spawn(&call.callee) && call.strings.iter().any(|s| s == "-c" || s == "-e")
}

/// Shipped scripts that a process-spawning call of `facts` at `stage`
/// starts (`spawn(bun, ["payload.js"])`, `Popen([exe, "x.py"])`): they
/// run whole, at the same stage.
fn spawned_scripts(artifact: &Artifact, path: &str, facts: &Facts, stage: Stage) -> Vec<String> {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for call in facts
        .calls
        .iter()
        .filter(|c| c.stage == stage && rules::is_spawn(&c.callee))
    {
        for word in call.strings.iter().flat_map(|s| s.split_whitespace()) {
            let word = word.trim_matches(['"', '\'']);
            let script = [".js", ".cjs", ".mjs", ".py", ".sh", ".ts"]
                .iter()
                .any(|ext| word.ends_with(ext));
            if !script || word.starts_with('/') {
                continue;
            }
            let found = surface::resolve_relative(artifact, dir, word)
                .or_else(|| surface::resolve_relative(artifact, "", word));
            if let Some(found) = found
                && found != path
            {
                out.push(found);
            }
        }
    }
    out
}

fn parse(file: &mut SourceFile, stage: Stage, whole_file: bool, budget: &mut usize) {
    let Some(text) = &file.text else { return };
    if text.len() > lexical::MAX_PARSE_BYTES || text.len() > *budget {
        return;
    }
    if !lexical::has_trigger(text) {
        // Nothing a rule acts on: read only the imports, to follow them.
        let modules = match file.lang {
            Lang::Python => lexical::python_imports(text),
            Lang::JavaScript => lexical::javascript_imports(text),
            _ => return,
        };
        let imports = modules
            .into_iter()
            .map(|name| lang::NameRef {
                name,
                line: 0,
                stage,
            })
            .collect();
        file.facts = Some(Facts {
            imports,
            ..Facts::default()
        });
        return;
    }
    *budget -= text.len();
    file.facts = match file.lang {
        Lang::Python if file.path.ends_with(".pth") => {
            // Only `import` lines run; the others are path entries.
            let source: String = text
                .lines()
                .map(|l| {
                    if l.starts_with("import ") || l.starts_with("import\t") {
                        l
                    } else {
                        ""
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            Some(lang::python::analyze(&source, stage, whole_file))
        }
        Lang::Python => Some(lang::python::analyze(text, stage, whole_file)),
        Lang::JavaScript => Some(lang::javascript::analyze(text, stage, whole_file)),
        _ => None,
    };
}

/// Python module names of the artifact's files (`pkg.sub` →
/// `src/pkg/sub.py`), for following imports.
struct ModuleIndex {
    modules: std::collections::HashMap<String, String>,
    paths: std::collections::HashSet<String>,
}

impl ModuleIndex {
    fn new(files: &[SourceFile]) -> Self {
        let mut modules = std::collections::HashMap::new();
        for file in files
            .iter()
            .filter(|f| f.lang == Lang::Python && f.path.ends_with(".py"))
        {
            let path = file.path.as_str();
            for root in ["", "src/", "lib/", "python/"] {
                let Some(rel) = path.strip_prefix(root) else {
                    continue;
                };
                let rel = rel.strip_suffix(".py").unwrap_or(rel);
                let rel = rel.strip_suffix("/__init__").unwrap_or(rel);
                modules
                    .entry(rel.replace('/', "."))
                    .or_insert_with(|| path.to_owned());
            }
        }
        let paths = modules.values().cloned().collect();
        Self { modules, paths }
    }

    /// The file an import in `from` refers to, if it is in the artifact.
    fn resolve_python(&self, from: &str, module: &str) -> Option<String> {
        let name = if module.starts_with('.') {
            let dots = module.len() - module.trim_start_matches('.').len();
            let mut parts: Vec<&str> = from.split('/').collect();
            parts.pop(); // the file itself
            for _ in 1..dots {
                parts.pop()?;
            }
            let rest = module.trim_start_matches('.');
            let mut path = parts.join("/");
            if !rest.is_empty() {
                if !path.is_empty() {
                    path.push('/');
                }
                path.push_str(&rest.replace('.', "/"));
            }
            for candidate in [format!("{path}.py"), format!("{path}/__init__.py")] {
                if self.paths.contains(&candidate) {
                    return Some(candidate);
                }
            }
            return None;
        } else {
            module
        };
        self.modules.get(name).cloned()
    }
}
