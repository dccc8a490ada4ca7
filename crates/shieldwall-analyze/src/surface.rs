//! The execution surface: every place a package's code can run and when.
//! This module reads the manifests and the layout (npm lifecycle scripts
//! and the files they start, `binding.gyp` and its command expansions,
//! `setup.py`, an in-tree PEP 517 backend, `.pth` files, `__init__.py`
//! and npm entry modules, bins and entry points) and gives each file the
//! stage at which it is first loaded. Imports found while parsing extend
//! it (see [`crate::analysis`]).

use std::collections::HashMap;

use crate::artifact::Artifact;
use crate::model::{Stage, SurfaceEntry};

/// How a file gets loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The stage at which it is loaded.
    pub stage: Stage,
    /// Whether the whole file runs at that stage (a script) rather than
    /// only its module scope (an imported module).
    pub whole_file: bool,
}

/// A shell command the package runs (an npm script, a GYP command
/// expansion) or ships (a line of a shell script).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// Where it is written.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// When it runs.
    pub stage: Stage,
    /// The command text.
    pub text: String,
    /// What runs it (`npm preinstall`, `binding.gyp`).
    pub origin: String,
}

/// The execution surface of an artifact, before imports are followed.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The files with a known role, by path.
    pub roles: HashMap<String, Role>,
    /// Every place code can run, for the report.
    pub entries: Vec<SurfaceEntry>,
    /// Commands the package runs.
    pub commands: Vec<Command>,
    /// The parsed `package.json`, for npm packages.
    pub manifest: Option<serde_json::Value>,
}

/// npm lifecycle scripts that run when a package is installed (or, for
/// `prepare`, installed from git or a directory).
pub const INSTALL_SCRIPTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepare",
    "preprepare",
    "postprepare",
    "prepublish",
];

/// Directories whose code is not installed or imported: tests, docs,
/// examples.
const NOT_SHIPPED: &[&str] = &[
    "test",
    "tests",
    "testing",
    "docs",
    "doc",
    "example",
    "examples",
    "benchmarks",
    "bench",
    "__tests__",
];

impl Plan {
    /// Gives `path` the role `role` unless it already has an earlier one.
    pub fn assign(&mut self, path: &str, role: Role) -> bool {
        match self.roles.get(path) {
            Some(existing) if existing.stage <= role.stage => false,
            _ => {
                self.roles.insert(path.to_owned(), role);
                true
            }
        }
    }

    fn entry(&mut self, stage: Stage, file: &str, trigger: String) {
        self.entries.push(SurfaceEntry {
            stage,
            file: file.to_owned(),
            trigger,
        });
    }
}

/// Whether `path` sits in a tests, docs or examples directory.
pub fn is_not_shipped(path: &str) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts
        .iter()
        .any(|p| NOT_SHIPPED.contains(&p.to_ascii_lowercase().as_str()))
}

/// `test_x.py`, `x_test.py`, `tests.py`, `conftest.py`, `x.test.js`,
/// `x.spec.js`: test code, not run by installing or importing.
pub fn is_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || matches!(name, "tests.py" | "conftest.py" | "test.py")
        || name.contains(".test.")
        || name.contains(".spec.")
}

/// Reads the manifests and layout of `artifact`.
pub fn plan(artifact: &Artifact) -> Plan {
    let mut plan = Plan::default();
    if let Some(file) = artifact.file("package.json")
        && let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&file.bytes)
    {
        npm(artifact, &manifest, &mut plan);
        plan.manifest = Some(manifest);
    }
    python(artifact, &mut plan);
    agent_files(artifact, &mut plan);
    plan
}

fn npm(artifact: &Artifact, manifest: &serde_json::Value, plan: &mut Plan) {
    let scripts = manifest["scripts"].as_object();
    for (name, value) in scripts.into_iter().flatten() {
        let Some(text) = value.as_str() else { continue };
        let install = INSTALL_SCRIPTS.contains(&name.as_str());
        let stage = if install {
            Stage::Install
        } else {
            Stage::Runtime
        };
        if install {
            plan.entry(stage, "package.json", format!("npm {name}: {text}"));
        }
        plan.commands.push(Command {
            file: "package.json".to_owned(),
            line: None,
            stage,
            text: text.to_owned(),
            origin: format!("npm {name} script"),
        });
        if install {
            for file in script_files(text) {
                if let Some(path) = resolve_relative(artifact, "", &file) {
                    plan.entry(stage, &path, format!("run by npm {name}"));
                    plan.assign(
                        &path,
                        Role {
                            stage,
                            whole_file: true,
                        },
                    );
                }
            }
        }
    }
    let has_install_hook =
        scripts.is_some_and(|s| s.contains_key("install") || s.contains_key("preinstall"));
    if let Some(gyp) = artifact.file("binding.gyp")
        && manifest["gypfile"].as_bool() != Some(false)
    {
        let text = String::from_utf8_lossy(&gyp.bytes);
        if !has_install_hook {
            plan.entry(
                Stage::Install,
                "binding.gyp",
                "npm runs `node-gyp rebuild` because binding.gyp exists".to_owned(),
            );
        }
        for (line, command) in gyp_expansions(&text) {
            plan.commands.push(Command {
                file: "binding.gyp".to_owned(),
                line: Some(line),
                stage: Stage::Install,
                text: command.clone(),
                origin: "binding.gyp command expansion".to_owned(),
            });
            for file in script_files(&command) {
                if let Some(path) = resolve_relative(artifact, "", &file) {
                    plan.entry(
                        Stage::Install,
                        &path,
                        "run by a binding.gyp command expansion".to_owned(),
                    );
                    plan.assign(
                        &path,
                        Role {
                            stage: Stage::Install,
                            whole_file: true,
                        },
                    );
                }
            }
        }
    }
    let mut entries = Vec::new();
    match &manifest["main"] {
        serde_json::Value::String(main) => entries.push(main.clone()),
        _ => entries.push("index.js".to_owned()),
    }
    collect_export_targets(&manifest["exports"], &mut entries, 0);
    if let Some(module) = manifest["module"].as_str() {
        entries.push(module.to_owned());
    }
    for entry in entries {
        if let Some(path) = resolve_relative(artifact, "", &entry)
            && plan.assign(
                &path,
                Role {
                    stage: Stage::Import,
                    whole_file: false,
                },
            )
        {
            plan.entry(
                Stage::Import,
                &path,
                "loaded by `require`/`import` of the package".to_owned(),
            );
        }
    }
    let bins: Vec<String> = match &manifest["bin"] {
        serde_json::Value::String(bin) => vec![bin.clone()],
        serde_json::Value::Object(map) => map
            .values()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    for bin in bins {
        if let Some(path) = resolve_relative(artifact, "", &bin) {
            plan.entry(Stage::Runtime, &path, "an npm bin".to_owned());
            plan.assign(
                &path,
                Role {
                    stage: Stage::Runtime,
                    whole_file: true,
                },
            );
        }
    }
}

fn collect_export_targets(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    match value {
        serde_json::Value::String(s) if s.starts_with("./") && !s.contains('*') => {
            out.push(s.clone())
        }
        serde_json::Value::Object(map) => {
            for v in map.values() {
                collect_export_targets(v, out, depth + 1);
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                collect_export_targets(v, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn python(artifact: &Artifact, plan: &mut Plan) {
    for file in &artifact.files {
        let path = file.path.as_str();
        if path == "setup.py" {
            plan.entry(
                Stage::Install,
                path,
                "run by pip when building the sdist".to_owned(),
            );
            plan.assign(
                path,
                Role {
                    stage: Stage::Install,
                    whole_file: true,
                },
            );
        } else if path.ends_with(".pth") && !path.contains('/')
            || path.ends_with(".pth") && !is_not_shipped(path) && is_pth_location(path)
        {
            let text = String::from_utf8_lossy(&file.bytes);
            let exec_lines = text
                .lines()
                .filter(|l| l.starts_with("import ") || l.starts_with("import\t"))
                .count();
            if exec_lines > 0 {
                plan.entry(
                    Stage::Startup,
                    path,
                    format!("{exec_lines} `import` line(s) run at every interpreter start"),
                );
                plan.assign(
                    path,
                    Role {
                        stage: Stage::Startup,
                        whole_file: true,
                    },
                );
            }
        } else if path.ends_with(".py") && !is_not_shipped(path) && !is_test_file(path) {
            let name = path.rsplit('/').next().unwrap_or(path);
            let depth = path.matches('/').count() - usize::from(has_source_prefix(path));
            let top_module = depth == 0
                && !matches!(
                    name,
                    "setup.py" | "noxfile.py" | "fabfile.py" | "conf.py" | "manage.py"
                );
            if name == "__init__.py" || top_module {
                plan.assign(
                    path,
                    Role {
                        stage: Stage::Import,
                        whole_file: false,
                    },
                );
            }
        }
    }
    if let Some(pyproject) = artifact.file("pyproject.toml") {
        let text = String::from_utf8_lossy(&pyproject.bytes);
        if let Ok(doc) = text.parse::<toml::Table>() {
            let build = doc.get("build-system").and_then(|b| b.as_table());
            let backend = build
                .and_then(|b| b.get("build-backend"))
                .and_then(|b| b.as_str());
            let paths: Vec<&str> = build
                .and_then(|b| b.get("backend-path"))
                .and_then(|p| p.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
                .unwrap_or_default();
            if let (Some(backend), false) = (backend, paths.is_empty()) {
                let module = backend
                    .split(':')
                    .next()
                    .unwrap_or(backend)
                    .replace('.', "/");
                for dir in paths {
                    let dir = dir.trim_start_matches("./").trim_end_matches('/');
                    let base = if dir.is_empty() || dir == "." {
                        module.clone()
                    } else {
                        format!("{dir}/{module}")
                    };
                    for candidate in [format!("{base}.py"), format!("{base}/__init__.py")] {
                        if artifact.file(&candidate).is_some() {
                            plan.entry(
                                Stage::Install,
                                &candidate,
                                format!("in-tree PEP 517 build backend `{backend}`"),
                            );
                            plan.assign(
                                &candidate,
                                Role {
                                    stage: Stage::Install,
                                    whole_file: true,
                                },
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Where a `.pth` file gets installed into site-packages: the root of a
/// wheel, or a `*.data/purelib|platlib` directory.
fn is_pth_location(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == 3 && parts[0].ends_with(".data") && matches!(parts[1], "purelib" | "platlib")
}

fn has_source_prefix(path: &str) -> bool {
    path.starts_with("src/") || path.starts_with("lib/")
}

fn agent_files(artifact: &Artifact, plan: &mut Plan) {
    for file in &artifact.files {
        let path = file.path.as_str();
        let trigger = if path.ends_with(".vscode/tasks.json") {
            let text = String::from_utf8_lossy(&file.bytes);
            (text.contains("folderOpen"))
                .then_some("a VS Code task that runs when the folder is opened")
        } else if path.ends_with(".claude/settings.json")
            || path.ends_with(".claude/settings.local.json")
        {
            let text = String::from_utf8_lossy(&file.bytes);
            text.contains("\"hooks\"")
                .then_some("Claude Code hooks that run on agent events")
        } else {
            None
        };
        if let Some(trigger) = trigger {
            plan.entry(Stage::Startup, path, trigger.to_owned());
        }
    }
}

/// The script files a command line starts: `node setup.js`,
/// `bun run x.js`, `sh ./install.sh`, `./run.sh`, `python x.py`.
pub fn script_files(command: &str) -> Vec<String> {
    let mut files = Vec::new();
    for segment in command.split(['&', '|', ';', '\n']) {
        let words: Vec<&str> = segment.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() && words[i].contains('=') && !words[i].starts_with('-') {
            i += 1; // `FOO=1 node x.js`
        }
        let Some(first) = words.get(i) else { continue };
        let program = first.rsplit('/').next().unwrap_or(first);
        let mut rest = words[i + 1..].iter().filter(|w| !w.starts_with('-'));
        match program {
            "node" | "nodejs" | "sh" | "bash" | "zsh" | "python" | "python3" | "tsx"
            | "ts-node" | "pwsh" | "powershell" => {
                if let Some(file) = rest.next() {
                    files.push(file.to_string());
                }
            }
            "bun" | "deno" => {
                let mut next = rest.next();
                if matches!(next, Some(&"run") | Some(&"x")) {
                    next = rest.next();
                }
                if let Some(file) = next {
                    files.push(file.to_string());
                }
            }
            _ if first.starts_with("./") => files.push(first.to_string()),
            _ => {}
        }
    }
    files.retain(|f| !f.starts_with('$') && !f.contains('`'));
    files
}

/// The artifact file `spec` names, relative to the directory `from`
/// (`""` for the package root), trying Node's extensions and `index.js`.
pub fn resolve_relative(artifact: &Artifact, from: &str, spec: &str) -> Option<String> {
    let spec = spec.trim_matches(['"', '\'']);
    let mut parts: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split('/').collect()
    };
    for part in spec.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let base = parts.join("/");
    [
        "",
        ".js",
        ".cjs",
        ".mjs",
        ".json",
        "/index.js",
        "/index.cjs",
        "/index.mjs",
    ]
    .iter()
    .map(|ext| format!("{base}{ext}"))
    .find(|candidate| artifact.file(candidate).is_some())
}

/// The `<!(...)` and `<!@(...)` command expansions of a `binding.gyp`,
/// with their lines.
pub fn gyp_expansions(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(found) = memchr::memmem::find(&bytes[i..], b"<!") {
        let start = i + found;
        let mut open = start + 2;
        if bytes.get(open) == Some(&b'@') {
            open += 1;
        }
        i = open;
        if bytes.get(open) != Some(&b'(') {
            continue;
        }
        let mut depth = 0usize;
        let mut end = None;
        for (k, &b) in bytes[open..].iter().enumerate() {
            match b {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let line = crate::lang::lexical::line_of(bytes, start);
        out.push((line, text[open + 1..end].trim().to_owned()));
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_files_of_commands() {
        assert_eq!(script_files("node setup_bun.js"), vec!["setup_bun.js"]);
        assert_eq!(
            script_files("bun run tanstack_runner.js && echo ok"),
            vec!["tanstack_runner.js"]
        );
        assert_eq!(
            script_files("FOO=1 node --no-warnings ./x/setup.cjs"),
            vec!["./x/setup.cjs"]
        );
        assert_eq!(
            script_files("./install.sh; sh scripts/a.sh"),
            vec!["./install.sh", "scripts/a.sh"]
        );
        assert!(script_files("node-gyp rebuild").is_empty());
        assert!(script_files("node -e \"console.log(1)\"").len() <= 1);
    }

    #[test]
    fn gyp() {
        let text = "{'targets':[{'sources':['<!(node index.js > /dev/null && echo stub.c)'],\n'libs':['<!@(pkg-config --libs x)']}]}";
        let found = gyp_expansions(text);
        assert_eq!(
            found[0],
            (1, "node index.js > /dev/null && echo stub.c".to_owned())
        );
        assert_eq!(found[1], (2, "pkg-config --libs x".to_owned()));
        assert!(gyp_expansions("<!(unclosed").is_empty());
    }

    #[test]
    fn not_shipped() {
        assert!(is_not_shipped("tests/test_x.py"));
        assert!(is_not_shipped("pkg/tests/x.py"));
        assert!(!is_not_shipped("pkg/testsuite.py"));
        assert!(!is_not_shipped("tests.py"));
    }
}
