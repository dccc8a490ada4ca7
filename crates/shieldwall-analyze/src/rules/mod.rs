//! The rule catalog. Each rule lives in its own file whose module doc is
//! the rule's documentation (*What it does / Why is this bad / Example /
//! False positives*); [`Rule::doc`] reads it from the source, so the doc
//! printed by `shieldwall rule ID` and the one in the code are the same
//! text.

use crate::analysis::SourceFile;
use crate::artifact::Artifact;
use crate::identity::Identity;
use crate::lang::{Call, Lang, Literal, callee_matches};
use crate::model::{Finding, Severity, Stage};
use crate::surface::Plan;

/// A rule of the catalog.
pub struct Rule {
    /// The stable id (`SW-GEN-001`).
    pub id: &'static str,
    /// A short title.
    pub title: &'static str,
    /// The rule's source file, whose `//!` lines are its documentation.
    source: &'static str,
    /// Looks at an analyzed artifact and emits findings.
    pub check: fn(&Context<'_>, &mut Emit<'_>),
}

impl Rule {
    /// The rule's documentation, as Markdown.
    pub fn doc(&self) -> String {
        self.source
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Every rule, in id order.
pub fn catalog() -> &'static [&'static Rule] {
    &CATALOG
}

/// The rule with `id` (case-insensitive).
pub fn find(id: &str) -> Option<&'static Rule> {
    CATALOG
        .iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(id))
}

macro_rules! rules {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        static CATALOG: [&Rule; rules!(@count $($module)*)] = [$(&$module::RULE),*];
    };
    (@count) => { 0 };
    (@count $head:ident $($tail:ident)*) => { 1 + rules!(@count $($tail)*) };
}

mod support;

rules![
    gen001_download_exec,
    gen002_process_spawn,
    gen003_runtime_bootstrap,
    gen004_credential_read,
    gen005_env_harvest,
    gen006_cloud_ci_tokens,
    gen007_exfil_endpoint,
    gen008_dns_exfil,
    gen009_github_api,
    gen010_blockchain_c2,
    gen011_self_propagation,
    gen012_gating,
    gen013_persistence,
    gen014_destructive,
    gen015_crypto_miner,
    gen016_reverse_shell,
    gen017_secret_scanner,
    gen018_decode_exec,
    gen019_obfuscation,
    gen020_native_binaries,
    gen021_cross_language,
    gen022_shape_outliers,
    gen023_typosquat,
    gen024_agent_autorun,
    gen025_archive_anomalies,
    gen026_windows_lolbin,
    gen027_host_fingerprint,
    gen028_theft_chain,
    gen029_hosted_payload,
    npm001_install_scripts,
    npm002_binding_gyp,
    npm003_non_registry_deps,
    py001_pth_exec,
    py002_setup_install_hooks,
    py003_intree_backend,
    py004_wheel_record,
];

/// The text of `file` when it is worth reading for indicators (see
/// [`Context::code_texts`]).
fn code_text(file: &SourceFile) -> Option<&str> {
    let text = file.text.as_deref()?;
    let wanted = file.lang != Lang::Other
        || file.path.ends_with(".gyp")
        || file.path == "package.json"
        || file.path.ends_with(".ts");
    (wanted && (file.role.is_some() || !crate::surface::is_not_shipped(&file.path))).then_some(text)
}

/// What a rule sees: the artifact, its identity and surface, and every
/// file with its facts.
pub struct Context<'a> {
    /// The artifact.
    pub artifact: &'a Artifact,
    /// Which package it is.
    pub identity: &'a Identity,
    /// The execution surface.
    pub plan: &'a Plan,
    /// Every file, analyzed.
    pub files: &'a [SourceFile],
    /// [`Context::commands`], worked out once for all rules.
    commands: std::cell::OnceCell<Vec<CommandText<'a>>>,
    /// [`support::texts`], worked out once for all rules.
    texts: std::cell::OnceCell<Vec<support::Text<'a>>>,
    /// [`Context::joined_literals`], built once for all rules.
    joined: std::cell::OnceCell<Vec<Option<Joined>>>,
    /// [`support::groups`], built once for all rules.
    text_groups: std::cell::OnceCell<Vec<support::Group>>,
    /// The hits of each of [`INDICATOR_SETS`], found in one search.
    indicator_sets: std::cell::OnceCell<Vec<Vec<Hit<'a>>>>,
}

/// Every indicator set of the catalog. They are searched for together,
/// in one pass over an artifact's texts; each rule then takes its set's
/// hits, the ones a search for that set alone gives, in the same order.
static INDICATOR_SETS: [&Indicators; 8] = [
    &gen004_credential_read::MATCHER,
    &gen006_cloud_ci_tokens::MATCHER,
    &gen007_exfil_endpoint::MATCHER,
    &gen010_blockchain_c2::MARKER,
    &gen015_crypto_miner::MATCHER,
    &gen017_secret_scanner::MATCHER,
    &gen028_theft_chain::FREE_HOST_MATCHER,
    &gen028_theft_chain::TOKEN_PATTERNS,
];

/// The patterns of all [`INDICATOR_SETS`], set after set.
static ALL_INDICATORS: Indicators = Indicators::new(|| {
    INDICATOR_SETS
        .iter()
        .flat_map(|set| (set.patterns)())
        .collect()
});

/// Texts joined into one with a NUL between each two, so one search
/// reads them all: the string literals of a parsed file, or a group of
/// [`support::texts`]. No indicator or needle holds a NUL, so no match
/// spans two texts, and matches come in text order.
pub struct Joined {
    /// The texts, NUL-separated.
    pub text: String,
    /// `text`, ASCII-lowercased.
    pub lower: Vec<u8>,
    /// Where each text starts in `text`.
    pub starts: Vec<usize>,
}

impl Joined {
    /// `texts`, joined.
    pub fn new<'t>(texts: impl IntoIterator<Item = &'t str>) -> Self {
        let mut text = String::new();
        let mut starts = Vec::new();
        for piece in texts {
            starts.push(text.len());
            text.push_str(piece);
            text.push('\0');
        }
        let lower = text.as_bytes().to_ascii_lowercase();
        Self {
            text,
            lower,
            starts,
        }
    }

    /// The index of the text holding byte `offset` of `text`.
    pub fn text_at(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Whether `needle` (lowercase ASCII) occurs in any of the texts in
    /// any ASCII case.
    pub fn holds_ignore_case(&self, needle: &str) -> bool {
        memchr::memmem::find(&self.lower, needle.as_bytes()).is_some()
    }
}

/// A command the package runs or ships, from wherever it is written.
pub struct CommandText<'a> {
    /// The file it is written in.
    pub file: &'a str,
    /// The 1-based line, when known.
    pub line: Option<u32>,
    /// When it runs.
    pub stage: Stage,
    /// The command.
    pub text: std::borrow::Cow<'a, str>,
}

/// Callees that run a shell command or a program.
pub const SPAWN_CALLEES: &[&str] = &[
    "os.system",
    "os.popen",
    "os.spawnl",
    "os.spawnlp",
    "os.spawnv",
    "os.spawnvp",
    "os.execv",
    "os.execl",
    "os.execvp",
    "os.execlp",
    "os.execve",
    "os.posix_spawn",
    "os.startfile",
    "subprocess.*",
    "commands.getoutput",
    "commands.getstatusoutput",
    "pty.spawn",
    "child_process.*",
    "execa",
    "execa.*",
    "cross-spawn",
    "shelljs.exec",
    "Bun.spawn",
    "Bun.spawnSync",
    "Bun.$",
    "Deno.Command",
    "Deno.run",
];

impl<'a> Context<'a> {
    /// What the rules see of an analyzed artifact.
    pub fn new(
        artifact: &'a Artifact,
        identity: &'a Identity,
        plan: &'a Plan,
        files: &'a [SourceFile],
    ) -> Self {
        Self {
            artifact,
            identity,
            plan,
            files,
            commands: std::cell::OnceCell::new(),
            texts: std::cell::OnceCell::new(),
            joined: std::cell::OnceCell::new(),
            text_groups: std::cell::OnceCell::new(),
            indicator_sets: std::cell::OnceCell::new(),
        }
    }

    /// The string literals of each file (aligned with [`Context::files`];
    /// `None` where a file was not parsed), joined for searching.
    pub fn joined_literals(&self) -> &[Option<Joined>] {
        self.joined.get_or_init(|| {
            self.files
                .iter()
                .map(|f| {
                    let facts = f.facts.as_ref()?;
                    Some(Joined::new(facts.strings.iter().map(|l| l.value.as_str())))
                })
                .collect()
        })
    }

    /// [`Context::code_texts`], each with its joined string literals when
    /// the file was parsed.
    pub fn code_texts_joined(
        &self,
    ) -> impl Iterator<Item = (&'a SourceFile, &'a str, Option<&Joined>)> + '_ {
        self.files
            .iter()
            .zip(self.joined_literals())
            .filter_map(|(file, joined)| Some((file, code_text(file)?, joined.as_ref())))
    }

    /// Files with parsed facts.
    pub fn code_files(&self) -> impl Iterator<Item = &'a SourceFile> + 'a {
        self.files.iter().filter(|f| f.facts.is_some())
    }

    /// Every call of every parsed file.
    pub fn calls(&self) -> impl Iterator<Item = (&'a SourceFile, &'a Call)> + 'a {
        self.code_files().flat_map(|f| {
            f.facts
                .iter()
                .flat_map(move |x| x.calls.iter().map(move |c| (f, c)))
        })
    }

    /// Every string literal of every parsed file.
    pub fn strings(&self) -> impl Iterator<Item = (&'a SourceFile, &'a Literal)> + 'a {
        self.code_files().flat_map(|f| {
            f.facts
                .iter()
                .flat_map(move |x| x.strings.iter().map(move |s| (f, s)))
        })
    }

    /// Text files worth reading for indicators: code, shell, manifests
    /// and `.pth` files outside tests and docs, plus code too large to
    /// parse.
    pub fn code_texts(&self) -> impl Iterator<Item = (&'a SourceFile, &'a str)> + 'a {
        self.files.iter().filter_map(|f| Some((f, code_text(f)?)))
    }

    /// Every command: npm scripts and GYP expansions, lines of shell
    /// files, and the strings given to process-spawning calls.
    pub fn commands(&self) -> &[CommandText<'a>] {
        self.commands.get_or_init(|| self.collect_commands())
    }

    fn collect_commands(&self) -> Vec<CommandText<'a>> {
        let mut out: Vec<CommandText<'a>> = self
            .plan
            .commands
            .iter()
            .map(|c| CommandText {
                file: &c.file,
                line: c.line,
                stage: c.stage,
                text: c.text.as_str().into(),
            })
            .collect();
        for file in self.files.iter().filter(|f| f.lang == Lang::Shell) {
            let Some(text) = &file.text else { continue };
            for (n, line) in text.lines().enumerate() {
                if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
                    out.push(CommandText {
                        file: &file.path,
                        line: Some(n as u32 + 1),
                        stage: file.load_stage(),
                        text: line.into(),
                    });
                }
            }
        }
        for (file, call) in self.calls() {
            if SPAWN_CALLEES
                .iter()
                .any(|p| callee_matches(&call.callee, p))
                && !call.strings.is_empty()
            {
                out.push(CommandText {
                    file: &file.path,
                    line: Some(call.line),
                    stage: call.stage,
                    text: call.strings.join(" ").into(),
                });
            }
        }
        out
    }
}

/// Where a rule writes its findings.
pub struct Emit<'a> {
    rule: &'static str,
    out: &'a mut Vec<Finding>,
}

impl<'a> Emit<'a> {
    pub(crate) fn new(rule: &'static str, out: &'a mut Vec<Finding>) -> Self {
        Self { rule, out }
    }

    /// Records a finding.
    pub fn finding(
        &mut self,
        severity: Severity,
        stage: Stage,
        file: &str,
        line: Option<u32>,
        message: impl Into<String>,
    ) {
        self.out.push(Finding {
            rule: self.rule,
            severity,
            stage,
            file: file.to_owned(),
            line,
            message: message.into(),
            any_stage: false,
        });
    }

    /// Records a finding whose behavior is malicious whenever it runs: it
    /// weighs as if its code ran by itself (see
    /// [`crate::score::finding_points`]).
    pub fn finding_at_any_stage(
        &mut self,
        severity: Severity,
        stage: Stage,
        file: &str,
        line: Option<u32>,
        message: impl Into<String>,
    ) {
        self.finding(severity, stage, file, line, message);
        if let Some(last) = self.out.last_mut() {
            last.any_stage = true;
        }
    }
}

/// `text` cut to at most `max` characters, with `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max).collect();
    out.push('…');
    out
}

/// Calls that send or receive over the network.
pub const NETWORK_CALLEES: &[&str] = &[
    "requests.*",
    "urllib.request.*",
    "urllib2.*",
    "urllib.urlopen",
    "urllib.urlretrieve",
    "urlopen",
    "urlretrieve",
    "http.client.*",
    "httplib.*",
    "httpx.*",
    "aiohttp.*",
    "urllib3.*",
    "socket.create_connection",
    "socket.socket.connect",
    "socket.socket.connect_ex",
    "socket.socket.send",
    "socket.socket.sendall",
    "socket.socket.sendto",
    "smtplib.*",
    "ftplib.*",
    "fetch",
    "https.*",
    "http.*",
    "axios",
    "axios.*",
    "got",
    "got.*",
    "node-fetch",
    "request",
    "request.*",
    "needle",
    "net.connect",
    "net.createConnection",
    "XMLHttpRequest",
    "WebSocket",
];

/// Whether `callee` talks to the network.
pub fn is_network(callee: &str) -> bool {
    NETWORK_CALLEES.iter().any(|p| callee_matches(callee, p))
}

/// Whether `callee` starts a process.
pub fn is_spawn(callee: &str) -> bool {
    SPAWN_CALLEES.iter().any(|p| callee_matches(callee, p))
}

/// A match of an indicator in a file.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    /// The file.
    pub file: &'a SourceFile,
    /// The 1-based line.
    pub line: u32,
    /// When the code holding it runs.
    pub stage: Stage,
    /// Which pattern matched (index into the matcher's patterns).
    pub pattern: usize,
    /// Whether the literal is handed to a call on its line (used), rather
    /// than only declared (a constant whose use is elsewhere). Always true
    /// for raw-text matches.
    pub used: bool,
}

impl<'a> Context<'a> {
    /// Matches of `matcher` in the string literals of parsed files and in
    /// the raw text of code that was not parsed (shell, oversized files),
    /// at most one per file and pattern.
    pub fn indicator_hits(&self, indicators: &Indicators) -> Vec<Hit<'a>> {
        self.indicator_hits_in(indicators, |_| true)
    }

    /// [`Context::indicator_hits`] in the files `wanted` accepts only.
    pub fn indicator_hits_in(
        &self,
        indicators: &Indicators,
        wanted: impl Fn(&SourceFile) -> bool,
    ) -> Vec<Hit<'a>> {
        match INDICATOR_SETS
            .iter()
            .position(|set| std::ptr::eq(*set, indicators))
        {
            Some(set) => self.indicator_sets()[set]
                .iter()
                .filter(|hit| wanted(hit.file))
                .copied()
                .collect(),
            None => self.search_indicators(indicators, wanted),
        }
    }

    /// The hits of every one of [`INDICATOR_SETS`], from one search for
    /// all their patterns.
    fn indicator_sets(&self) -> &[Vec<Hit<'a>>] {
        self.indicator_sets.get_or_init(|| {
            let mut starts = Vec::with_capacity(INDICATOR_SETS.len());
            let mut next = 0;
            for set in INDICATOR_SETS {
                starts.push(next);
                next += set.patterns_len();
            }
            let mut sets = vec![Vec::new(); INDICATOR_SETS.len()];
            for hit in self.search_indicators(&ALL_INDICATORS, |_| true) {
                let set = starts.partition_point(|&start| start <= hit.pattern) - 1;
                sets[set].push(Hit {
                    pattern: hit.pattern - starts[set],
                    ..hit
                });
            }
            sets
        })
    }

    /// Searches the texts of the files `wanted` accepts for `indicators`;
    /// the others are not searched.
    fn search_indicators(
        &self,
        indicators: &Indicators,
        wanted: impl Fn(&SourceFile) -> bool,
    ) -> Vec<Hit<'a>> {
        let mut out: Vec<Hit<'a>> = Vec::new();
        let texts: Vec<(&'a SourceFile, &'a str, Option<&Joined>)> = self
            .code_texts_joined()
            .filter(|(file, _, _)| wanted(file))
            .collect();
        let searched: usize = texts
            .iter()
            .map(|(_, text, joined)| joined.map_or(text.len(), |j| j.text.len()))
            .sum();
        let searcher = indicators.searcher(searched);
        // Per file: patterns already hit, and each hit's pattern and start.
        let mut seen = vec![false; indicators.patterns_len()];
        let mut found = Vec::new();
        for (file, text, joined) in texts {
            seen.fill(false);
            match (&file.facts, joined) {
                (Some(facts), Some(joined)) => {
                    searcher.first_matches(
                        &joined.text,
                        Some(&joined.lower),
                        &mut seen,
                        &mut found,
                    );
                    for &(pattern, start) in &found {
                        let lit = &facts.strings[joined.text_at(start)];
                        let used = facts
                            .calls
                            .iter()
                            .any(|c| c.line == lit.line && c.strings.contains(&lit.value));
                        out.push(Hit {
                            file,
                            line: lit.line,
                            stage: lit.stage,
                            pattern,
                            used,
                        });
                    }
                }
                _ => {
                    let stage = match &file.role {
                        Some(role) if role.whole_file => role.stage,
                        _ => Stage::Runtime,
                    };
                    searcher.first_matches(text, None, &mut seen, &mut found);
                    for &(pattern, start) in &found {
                        let line = crate::lang::lexical::line_of(text.as_bytes(), start);
                        out.push(Hit {
                            file,
                            line,
                            stage,
                            pattern,
                            used: true,
                        });
                    }
                }
            }
        }
        out
    }
}

/// Indicator patterns, matched ASCII-case-insensitively. While little
/// text has been searched (one small artifact per process), each pattern
/// is looked for in turn: building an automaton costs more than scanning
/// [`Indicators::SCAN_UP_TO`] bytes for each pattern. Past that, the
/// automaton is built: a contiguous NFA, cheap to build, then a DFA,
/// about four times faster to search but slower to build, once more than
/// [`Indicators::DFA_AFTER`] bytes were searched. All three report the
/// same matches in the same order.
pub struct Indicators {
    patterns: fn() -> Vec<&'static str>,
    /// The patterns, ASCII-lowercased, for scanning.
    lowered: std::sync::OnceLock<Vec<Vec<u8>>>,
    nfa: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    dfa: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    searched: std::sync::atomic::AtomicUsize,
}

impl Indicators {
    /// Bytes searched pattern by pattern before an automaton is built.
    pub const SCAN_UP_TO: usize = 16 << 10;

    /// Bytes searched before the DFA is built.
    pub const DFA_AFTER: usize = 256 << 10;

    /// The indicators `patterns` gives.
    pub const fn new(patterns: fn() -> Vec<&'static str>) -> Self {
        Self {
            patterns,
            lowered: std::sync::OnceLock::new(),
            nfa: std::sync::OnceLock::new(),
            dfa: std::sync::OnceLock::new(),
            searched: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The number of patterns.
    pub fn patterns_len(&self) -> usize {
        self.lowered().len()
    }

    fn lowered(&self) -> &[Vec<u8>] {
        self.lowered.get_or_init(|| {
            let patterns = (self.patterns)();
            // Joined texts are separated by NUL (see `Joined`).
            assert!(
                patterns.iter().all(|p| !p.is_empty() && !p.contains('\0')),
                "indicator patterns are not empty and hold no NUL"
            );
            patterns
                .iter()
                .map(|p| p.as_bytes().to_ascii_lowercase())
                .collect()
        })
    }

    /// How to search `bytes` more bytes.
    pub fn searcher(&self, bytes: usize) -> Searcher<'_> {
        if let Some(dfa) = self.dfa.get() {
            return Searcher::Automaton(dfa);
        }
        let before = self
            .searched
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        let after = before.saturating_add(bytes);
        if after > Self::DFA_AFTER {
            Searcher::Automaton(
                self.dfa
                    .get_or_init(|| self.build(aho_corasick::AhoCorasickKind::DFA)),
            )
        } else if after > Self::SCAN_UP_TO || self.nfa.get().is_some() {
            Searcher::Automaton(
                self.nfa
                    .get_or_init(|| self.build(aho_corasick::AhoCorasickKind::ContiguousNFA)),
            )
        } else {
            Searcher::Scan(self.lowered())
        }
    }

    fn build(&self, kind: aho_corasick::AhoCorasickKind) -> aho_corasick::AhoCorasick {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(kind))
            .build((self.patterns)())
            .expect("indicator patterns build an automaton")
    }
}

/// How [`Indicators`] search a text.
pub enum Searcher<'a> {
    /// Each pattern in turn, in the text lowercased; the patterns are
    /// lowercased.
    Scan(&'a [Vec<u8>]),
    /// An automaton of all patterns.
    Automaton(&'a aho_corasick::AhoCorasick),
}

impl Searcher<'_> {
    /// The first match in `text` of each pattern not `seen` yet, as
    /// `(pattern, start)` into `found`, in the order an overlapping
    /// search reports them (by end; at one end, longest first, then by
    /// pattern); marks them seen.
    /// `lower` is `text` ASCII-lowercased, when the caller has it.
    pub fn first_matches(
        &self,
        text: &str,
        lower: Option<&[u8]>,
        seen: &mut [bool],
        found: &mut Vec<(usize, usize)>,
    ) {
        found.clear();
        match self {
            Searcher::Automaton(automaton) => {
                for m in automaton.find_overlapping_iter(text) {
                    let pattern = m.pattern().as_usize();
                    if !std::mem::replace(&mut seen[pattern], true) {
                        found.push((pattern, m.start()));
                    }
                }
            }
            Searcher::Scan(patterns) => {
                let lowered;
                let lower = match lower {
                    Some(lower) => lower,
                    None => {
                        lowered = text.as_bytes().to_ascii_lowercase();
                        &lowered
                    }
                };
                let mut ends: Vec<(usize, std::cmp::Reverse<usize>, usize)> = Vec::new();
                for (pattern, needle) in patterns.iter().enumerate() {
                    if seen[pattern] {
                        continue;
                    }
                    if let Some(start) = memchr::memmem::find(lower, needle) {
                        ends.push((
                            start + needle.len(),
                            std::cmp::Reverse(needle.len()),
                            pattern,
                        ));
                    }
                }
                ends.sort_unstable();
                for (end, std::cmp::Reverse(len), pattern) in ends {
                    seen[pattern] = true;
                    found.push((pattern, end - len));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::guarded::tests::assert_sound;

    use super::{Indicators, Joined, Searcher};

    /// Overlapping patterns: prefixes, suffixes, case twins, nested.
    static TRICKY: Indicators = Indicators::new(|| {
        vec![
            "abc", "ABC", "bc", "c", "abcd", "bcd", "d.ss", ".ssh", "ssh/", "SSH", "token",
            "TOKEN", "oke", "ok", "a", "cab", "abcabc", "x", "id_rsa", "rsa",
        ]
    });

    /// Scanning pattern by pattern reports the first match of each
    /// pattern in the order the automata do, per text and across texts
    /// of one file (`seen` carried over).
    #[test]
    fn indicator_scan_agrees_with_automata() {
        let pieces = [
            "a", "b", "c", "d", "A", "B", "C", ".", "s", "S", "h", "/", "tok", "en", "OK", "E",
            "id_", "rsa", "x", " ", "\n", "é",
        ];
        let nfa = TRICKY.build(aho_corasick::AhoCorasickKind::ContiguousNFA);
        let dfa = TRICKY.build(aho_corasick::AhoCorasickKind::DFA);
        let searchers = [
            Searcher::Scan(TRICKY.lowered()),
            Searcher::Automaton(&nfa),
            Searcher::Automaton(&dfa),
        ];
        let mut next = crate::testing::picks(0x9e37_79b9_7f4a_7c15);
        let mut reported = 0;
        for _ in 0..3_000 {
            let texts: Vec<String> = (0..1 + next(3))
                .map(|_| (0..next(24)).map(|_| pieces[next(pieces.len())]).collect())
                .collect();
            // (text, pattern, start in the text), text by text.
            let results: Vec<Vec<(usize, usize, usize)>> = searchers
                .iter()
                .map(|searcher| {
                    let mut seen = vec![false; TRICKY.patterns_len()];
                    let mut found = Vec::new();
                    let mut all = Vec::new();
                    for (i, text) in texts.iter().enumerate() {
                        searcher.first_matches(text, None, &mut seen, &mut found);
                        all.extend(found.iter().map(|&(p, start)| (i, p, start)));
                    }
                    all
                })
                .collect();
            assert_eq!(results[0], results[1], "{texts:?}");
            assert_eq!(results[0], results[2], "{texts:?}");
            // The same, searching the texts joined once.
            let joined = Joined::new(texts.iter().map(String::as_str));
            for searcher in &searchers {
                let mut seen = vec![false; TRICKY.patterns_len()];
                let mut found = Vec::new();
                searcher.first_matches(&joined.text, Some(&joined.lower), &mut seen, &mut found);
                let mapped: Vec<_> = found
                    .iter()
                    .map(|&(p, start)| {
                        let i = joined.text_at(start);
                        (i, p, start - joined.starts[i])
                    })
                    .collect();
                assert_eq!(results[0], mapped, "{texts:?}");
            }
            reported += results[0].len();
        }
        assert!(reported > 10_000, "{reported}");
    }

    /// Each rule's indicator hits from the one search for all sets are
    /// the hits of a search for its set alone, on every rule fixture.
    #[test]
    fn one_search_for_all_indicator_sets_gives_each_sets_hits() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut fixtures = 0;
        let mut hits = 0;
        for rule in std::fs::read_dir(&root).expect("the fixtures directory") {
            let rule = rule.expect("a fixture entry").path();
            for fixture in std::fs::read_dir(&rule).expect("a rule's fixtures") {
                let path = fixture.expect("a fixture").path();
                let artifact = crate::Artifact::open(&path, &crate::default_limits())
                    .expect("a readable fixture");
                let analysis = crate::analysis::analyze(&artifact, &crate::Options::default());
                let cx = super::Context::new(
                    &artifact,
                    &analysis.identity,
                    &analysis.plan,
                    &analysis.files,
                );
                for set in super::INDICATOR_SETS {
                    let key = |h: &super::Hit<'_>| {
                        (h.file.path.clone(), h.line, h.stage, h.pattern, h.used)
                    };
                    let together: Vec<_> = cx.indicator_hits(set).iter().map(key).collect();
                    let alone: Vec<_> = cx
                        .search_indicators(set, |_| true)
                        .iter()
                        .map(key)
                        .collect();
                    assert_eq!(together, alone, "{}", path.display());
                    hits += together.len();
                }
                fixtures += 1;
            }
        }
        assert!(
            fixtures >= 40 && hits >= 40,
            "{fixtures} fixtures, {hits} hits"
        );
    }

    /// Small searches scan; an automaton is built once more than
    /// `SCAN_UP_TO` bytes were searched.
    #[test]
    fn indicators_scan_then_build() {
        let indicators = Indicators::new(|| vec!["token"]);
        assert!(matches!(indicators.searcher(100), Searcher::Scan(_)));
        assert!(matches!(
            indicators.searcher(Indicators::SCAN_UP_TO - 100),
            Searcher::Scan(_)
        ));
        assert!(matches!(indicators.searcher(1), Searcher::Automaton(_)));
        assert!(indicators.nfa.get().is_some() && indicators.dfa.get().is_none());
        assert!(matches!(indicators.searcher(0), Searcher::Automaton(_)));
        let _ = indicators.searcher(Indicators::DFA_AFTER);
        assert!(indicators.dfa.get().is_some());
    }

    /// Every guarded expression of the catalog: each match holds one of
    /// its needles, so skipping texts without them changes no answer.
    #[test]
    fn guarded_expressions_are_sound() {
        use super::{
            gen003_runtime_bootstrap as g003, gen007_exfil_endpoint as g007,
            gen009_github_api as g009, gen012_gating as g012, gen018_decode_exec as g018,
            gen019_obfuscation as g019, gen028_theft_chain as g028, gen029_hosted_payload as g029,
            py002_setup_install_hooks as p002,
        };
        let all = [
            ("PYTHON_CODE", &crate::embedded::PYTHON_CODE),
            ("JAVASCRIPT_CODE", &crate::embedded::JAVASCRIPT_CODE),
            ("INSTALLS", &g003::INSTALLS),
            ("STARTS", &g003::STARTS),
            ("DROPPER", &g003::DROPPER),
            ("IP_URL", &g007::IP_URL),
            ("CONTENTS", &g009::CONTENTS),
            ("TOKEN", &g009::TOKEN),
            ("TOKEN_URL", &g009::TOKEN_URL),
            ("ENV_SET", &g012::ENV_SET),
            ("PY_SINK", &g018::PY_SINK),
            ("PY_DECODER", &g018::PY_DECODER),
            ("PY_DECODED_VAR", &g018::PY_DECODED_VAR),
            ("PY_DEF", &g018::PY_DEF),
            ("PY_STRONG_DECODER", &g018::PY_STRONG_DECODER),
            ("PY_CHR_ACCUMULATE", &g018::PY_CHR_ACCUMULATE),
            ("PY_SPAWN_SINK", &g018::PY_SPAWN_SINK),
            ("SHELL_DECODE_RUN", &g018::SHELL_DECODE_RUN),
            ("JS_SINK", &g018::JS_SINK),
            ("JS_DECODED_VAR", &g018::JS_DECODED_VAR),
            ("PY_BUILTIN_LOOKUP", &g018::PY_BUILTIN_LOOKUP),
            ("CHR_CHAIN", &g018::CHR_CHAIN),
            ("REVERSED", &g018::REVERSED),
            ("COMPUTED_BUILTIN", &g019::COMPUTED_BUILTIN),
            ("PY_OBFUSCATOR", &g019::PY_OBFUSCATOR),
            ("WALLET_KEY", &g028::WALLET_KEY),
            ("SHARED_PROGRAM", &g029::SHARED_PROGRAM),
            ("WINDOWS_PROGRAM", &g029::WINDOWS_PROGRAM),
            ("IP_PROGRAM", &g029::IP_PROGRAM),
            ("TOP_LEVEL_DEF", &p002::TOP_LEVEL_DEF),
            ("COMMAND_CLASS", &p002::COMMAND_CLASS),
        ];
        for (name, guarded) in all {
            assert_sound(name, guarded);
        }
    }
}
