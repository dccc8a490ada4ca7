//! Cheap byte-level facts about a file, computed before (and instead of,
//! for oversized files) a parse: binary or text, native executable
//! format, line shape, and the longest high-entropy run.

/// Files larger than this are not parsed; only lexical rules see them.
pub const MAX_PARSE_BYTES: usize = 2 << 20;

/// Lines longer than this count as long.
pub const LONG_LINE: usize = 1_000;

/// The shape of a text file.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Shape {
    /// Number of lines.
    pub lines: usize,
    /// Length of the longest line, in bytes.
    pub longest_line: usize,
    /// Lines longer than [`LONG_LINE`].
    pub long_lines: usize,
    /// Shannon entropy of the bytes, in bits per byte (0–8).
    pub entropy: f32,
}

/// Whether `bytes` look binary (a NUL byte in the first 8 KiB).
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// The native executable format of `bytes`, if any: `ELF`, `PE`,
/// `Mach-O`.
pub fn native_format(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x7f, b'E', b'L', b'F', ..] => Some("ELF"),
        [b'M', b'Z', ..] if bytes.len() > 64 && pe_signature(bytes) => Some("PE"),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..] | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..] => Some("Mach-O"),
        [0xca, 0xfe, 0xba, 0xbe, ..] if bytes.len() > 8 && bytes[7] < 20 => Some("Mach-O"),
        _ => None,
    }
}

fn pe_signature(bytes: &[u8]) -> bool {
    let offset = u32::from_le_bytes([bytes[60], bytes[61], bytes[62], bytes[63]]) as usize;
    bytes.get(offset..offset + 4) == Some(b"PE\0\0")
}

/// The line shape and entropy of `bytes`.
pub fn shape(bytes: &[u8]) -> Shape {
    let mut shape = Shape::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len())) {
        let len = end - start;
        shape.lines += 1;
        shape.longest_line = shape.longest_line.max(len);
        if len > LONG_LINE {
            shape.long_lines += 1;
        }
        start = end + 1;
    }
    shape.entropy = entropy(bytes);
    shape
}

/// Shannon entropy of `bytes` in bits per byte.
pub fn entropy(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f32;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &[u8], offset: usize) -> u32 {
    memchr::memchr_iter(b'\n', &text[..offset.min(text.len())]).count() as u32 + 1
}

/// Tokens that some rule acts on. A file holding none of them gives no
/// finding, so it is not parsed; only its imports are read (by
/// [`python_imports`] and [`javascript_imports`]) to follow what loads.
const TRIGGERS: &[&str] = &[
    "exec(",
    "eval(",
    "compile(",
    "b64decode",
    "base64",
    "marshal",
    "zlib",
    "codecs",
    "__import__",
    "getattr(",
    "fromCharCode",
    "atob(",
    "Function(",
    "Buffer.from",
    "webhook",
    "discord",
    "telegram",
    "/dev/tcp",
    "xmrig",
    "stratum",
    "trufflehog",
    "eth_call",
    "powershell",
    "start_new_session",
    "setsid",
    "nohup",
    "detached",
    "169.254",
    "metadata.google",
    "ACTIONS_",
    ".ssh",
    ".aws",
    "id_rsa",
    "wallet",
    "pastebin",
    "ngrok",
    "npm publish",
    "twine",
    "urlretrieve",
    "urlopen",
    "requests.",
    "fetch(",
    "http.get",
    "https.get",
    "http.request",
    "https.request",
    "axios",
    "os.system",
    "child_process",
    "subprocess",
    "popen",
    "spawn",
    "socket",
    "rmtree",
    "rmSync",
    "rm -rf",
    "crontab",
    "systemd",
    "LaunchAgents",
    "autostart",
    "bashrc",
    "sys.executable",
    "execPath",
    "_0x",
    "\\x",
    "pyarmor",
    "startfile",
    "ctypes",
    "winreg",
    "curl",
    "wget",
    "chmod",
    "/tmp",
    "environ",
    "process.env",
    "getenv",
    "gethostname",
    "getuser",
    "userInfo",
    "hostname",
    "platform",
    "homedir",
    "expanduser",
    "github",
    "bun",
    "deno",
    "npx",
    ".npmrc",
    ".pypirc",
    "token",
    "TOKEN",
    "dns",
    // Runtime bootstrap, GitHub API, blockchain, propagation,
    // persistence, wipes, miners and secret scanners (SW-GEN-003..017).
    "gitleaks",
    "noseyparker",
    "ggshield",
    "ghp_",
    "gho_",
    "github_pat_",
    "npm_",
    "_authToken",
    "/-/whoami",
    "/user/repos",
    "registration-token",
    "createRepo",
    "eth_",
    "Contract",
    "JsonRpcProvider",
    "getSignaturesForAddress",
    "tron",
    "coinhive",
    "donate-level",
    "cryptonight",
    "randomx",
    "systemctl",
    "launchctl",
    "cron",
    "zshrc",
    ".profile",
    "CurrentVersion",
    "schtasks",
    "shred",
    "mkfs",
    "USERPROFILE",
    "rmdir",
    "rimraf",
    "npm install",
    "npm i ",
    "publish",
];

/// Literal tokens, looked for in each text in turn while little text has
/// been searched (one small artifact per process), with an automaton,
/// built then, once more than [`Tokens::SCAN_UP_TO`] bytes were. Building
/// the automaton of [`TRIGGERS`] costs about as much as scanning 30 KiB
/// for each token; both give the same answers.
pub(crate) struct Tokens {
    tokens: &'static [&'static str],
    automaton: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    searched: std::sync::atomic::AtomicUsize,
}

impl Tokens {
    /// Bytes searched token by token before the automaton is built.
    pub(crate) const SCAN_UP_TO: usize = 16 << 10;

    /// The tokens `tokens`.
    pub(crate) const fn new(tokens: &'static [&'static str]) -> Self {
        Self {
            tokens,
            automaton: std::sync::OnceLock::new(),
            searched: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Whether `text` holds one of the tokens.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if let Some(automaton) = self.automaton.get() {
            return automaton.is_match(text);
        }
        let before = self
            .searched
            .fetch_add(text.len(), std::sync::atomic::Ordering::Relaxed);
        if before.saturating_add(text.len()) <= Self::SCAN_UP_TO {
            self.scan(text)
        } else {
            self.automaton().is_match(text)
        }
    }

    /// [`Tokens::is_match`] by looking for each token in turn.
    fn scan(&self, text: &str) -> bool {
        self.tokens
            .iter()
            .any(|t| memchr::memmem::find(text.as_bytes(), t.as_bytes()).is_some())
    }

    fn automaton(&self) -> &aho_corasick::AhoCorasick {
        self.automaton.get_or_init(|| {
            aho_corasick::AhoCorasick::new(self.tokens).expect("the token list builds an automaton")
        })
    }
}

static TRIGGER_MATCHER: Tokens = Tokens::new(TRIGGERS);

/// Whether `text` holds any token a rule acts on.
pub fn has_trigger(text: &str) -> bool {
    TRIGGER_MATCHER.is_match(text)
}

/// Tokens of behavior that weighs even in code that only runs when
/// called (decoded execution, reverse shells, wipes, miners, stealer
/// targets, exfiltration hosts). A file nothing loads by itself is parsed
/// only when it holds one of them.
const STRONG_TRIGGERS: &[&str] = &[
    "exec(",
    "eval(",
    "b64decode",
    "marshal",
    "__import__",
    "fromCharCode",
    "atob(",
    "Function(",
    "webhook",
    "discord",
    "telegram",
    "/dev/tcp",
    "xmrig",
    "stratum",
    "trufflehog",
    "eth_call",
    "powershell",
    "start_new_session",
    "setsid",
    "nohup",
    "detached",
    "169.254",
    "ACTIONS_ID",
    ".ssh/",
    ".aws/",
    "id_rsa",
    "wallet",
    "pastebin",
    "ngrok",
    "npm publish",
    "twine upload",
    "rm -rf",
    "rmtree(",
    "rmSync(",
    "crontab",
    "LaunchAgents",
    "autostart",
    "bashrc",
    "_0x",
    "pyarmor",
    "startfile",
    "certutil",
    "bitsadmin",
    "Login Data",
    "cookies.sqlite",
    "api.github.com",
    "dup2",
    "pty.spawn",
    "keylog",
    "pynput",
    "ImageGrab",
    "gethostbyname",
];

static STRONG_MATCHER: Tokens = Tokens::new(STRONG_TRIGGERS);

/// Whether `text` holds a token of behavior that weighs even when only
/// run on request.
pub fn has_strong_trigger(text: &str) -> bool {
    STRONG_MATCHER.is_match(text)
}

/// The modules a Python file imports at module scope (unindented
/// `import x`, `from x import y`), read line by line without parsing.
pub fn python_imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("import ") {
            for part in rest.split(',') {
                if let Some(module) = part.split_whitespace().next() {
                    out.push(module.to_owned());
                }
            }
        } else if let Some(rest) = line.strip_prefix("from ") {
            let mut words = rest.split_whitespace();
            let (Some(module), Some("import")) = (words.next(), words.next()) else {
                continue;
            };
            out.push(module.to_owned());
            for name in words
                .flat_map(|w| w.split(','))
                .map(|w| w.trim_matches(['(', ')', ' ']))
            {
                if name.is_empty() || name == "as" || name == "*" {
                    continue;
                }
                let joined = if module.ends_with('.') {
                    format!("{module}{name}")
                } else {
                    format!("{module}.{name}")
                };
                out.push(joined);
            }
        }
    }
    out
}

/// The modules a JavaScript file requires or imports
/// (`require('./x')`, `from './x'`), read without parsing.
pub fn javascript_imports(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for needle in ["require(", "from "] {
        for (at, _) in text.match_indices(needle) {
            let rest = text[at + needle.len()..].trim_start();
            let Some(quote) = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '\'' | '"' | '`'))
            else {
                continue;
            };
            if let Some(end) = rest[1..].find(quote) {
                out.push(rest[1..1 + end].to_owned());
            }
        }
    }
    out
}

/// Runs of two to seven short quoted words joined by `+`
/// (`'ex' + 'ec'`): each word 1–10 word characters (Unicode `\w`) between
/// `'` or `"`, with optional white space around each `+`. Gives each
/// run's byte offset and text, leftmost first and without overlaps: the
/// matches of the regular expression
/// `(?:['"]\w{1,10}['"]\s*\+\s*){1,6}['"]\w{1,10}['"]`, found without
/// compiling it (its bounded Unicode classes take ~13 ms to build).
pub fn quoted_concatenations(text: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = text[from..].find(['\'', '"']) {
            let start = from + offset;
            if let Some(end) = concatenation_at(text, start) {
                from = end;
                return Some((start, &text[start..end]));
            }
            from = start + 1;
        }
        from = text.len();
        None
    })
}

/// The end of the concatenation starting at the quote at `start`, with
/// the regular expression's greedy choices: as many `word +` repetitions
/// as there are (up to six), then a last word.
fn concatenation_at(text: &str, start: usize) -> Option<usize> {
    let mut pos = start;
    let mut reps = 0;
    let mut last_word_end = start;
    while let Some(word_end) = quoted_word(text, pos) {
        if reps < 6
            && let Some(next) = plus(text, word_end)
        {
            reps += 1;
            last_word_end = word_end;
            pos = next;
            continue;
        }
        // This word ends the run.
        return (reps >= 1).then_some(word_end);
    }
    // No word after the last `+`: the word before it ends the run.
    (reps >= 2).then_some(last_word_end)
}

/// The end of a quoted word (`'abc'`) at `at`: 1 to 10 word characters.
fn quoted_word(text: &str, at: usize) -> Option<usize> {
    let mut chars = text[at..].char_indices();
    chars.next().filter(|(_, c)| matches!(c, '\'' | '"'))?;
    let mut count = 0;
    for (i, c) in chars {
        if regex_syntax::is_word_character(c) {
            count += 1;
            if count > 10 {
                return None;
            }
        } else {
            return (count > 0 && matches!(c, '\'' | '"')).then_some(at + i + 1);
        }
    }
    None
}

/// The position after optional white space, `+` and optional white
/// space at `at`.
fn plus(text: &str, at: usize) -> Option<usize> {
    let rest = text[at..].trim_start();
    let rest = rest.strip_prefix('+')?.trim_start();
    Some(text.len() - rest.len())
}

/// Whether `text` holds a URL whose host is a public IPv4 address
/// (`http://203.0.113.7/x`): behavior that weighs even in code that only
/// runs when called, like the tokens of [`has_strong_trigger`].
pub fn has_public_ip_url(text: &str) -> bool {
    memchr::memmem::find_iter(text.as_bytes(), b"://").any(|at| {
        let rest = &text[at + 3..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        rest[..end]
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| is_public_ipv4(&ip.octets()))
    })
}

/// Whether an IPv4 address is publicly routable (not private, loopback,
/// link-local, documentation, multicast or unspecified).
pub fn is_public_ipv4(o: &[u8]) -> bool {
    let reserved = matches!(
        (o[0], o[1], o[2]),
        (0, ..)
            | (10, ..)
            | (127, ..)
            | (169, 254, _)
            | (198, 18 | 19, _)
            | (192, 168, _)
            | (192, 0, 2)
            | (198, 51, 100)
            | (203, 0, 113)
    );
    let private_172 = o[0] == 172 && (16..32).contains(&o[1]);
    let shared_100 = o[0] == 100 && (64..128).contains(&o[1]);
    !reserved && !private_172 && !shared_100 && o[0] < 224
}

#[cfg(test)]
mod tests {
    /// Texts holding the tokens whole, cut, in upper case, inside other
    /// text, and the lines of this crate's sources.
    fn token_texts() -> Vec<String> {
        let mut texts = vec![String::new(), "x".to_owned()];
        for token in TRIGGERS.iter().chain(STRONG_TRIGGERS) {
            texts.push((*token).to_owned());
            texts.push(format!("a{token}b"));
            texts.push(token.get(..token.len() - 1).unwrap_or_default().to_owned());
            texts.push(token.get(1..).unwrap_or_default().to_owned());
            texts.push(token.to_uppercase());
        }
        for source in [include_str!("lexical.rs"), include_str!("javascript.rs")] {
            texts.extend(source.lines().map(str::to_owned));
        }
        texts
    }

    /// Scanning for each token in turn answers as the automaton does.
    #[test]
    fn token_scan_agrees_with_automaton() {
        let texts = token_texts();
        for set in [TRIGGERS, STRONG_TRIGGERS] {
            let tokens = Tokens::new(set);
            let mut matched = 0;
            for text in &texts {
                let expected = tokens.automaton().is_match(text);
                assert_eq!(tokens.scan(text), expected, "{text:?}");
                matched += usize::from(expected);
            }
            assert!(matched > set.len() && matched < texts.len(), "{matched}");
        }
    }

    /// The automaton is built once more than `SCAN_UP_TO` bytes were
    /// searched, not before.
    #[test]
    fn tokens_switch_to_the_automaton() {
        let tokens = Tokens::new(STRONG_TRIGGERS);
        assert!(tokens.is_match("x = eval(y)"));
        assert!(!tokens.is_match(&"x".repeat(Tokens::SCAN_UP_TO - 11)));
        assert!(tokens.automaton.get().is_none());
        assert!(!tokens.is_match("print(1)"));
        assert!(tokens.automaton.get().is_some());
        assert!(tokens.is_match("x = eval(y)"));
    }

    #[test]
    fn public_ip_urls() {
        assert!(super::has_public_ip_url(
            "r = get('http://34.94.72.179/all.txt')"
        ));
        assert!(!super::has_public_ip_url(
            "get('http://127.0.0.1:8080/x'); 'http://10.0.0.2'"
        ));
        assert!(!super::has_public_ip_url(
            "'https://192.0.2.1/doc' 'http://0.0.0.0:80'"
        ));
        assert!(!super::has_public_ip_url(
            "see https://example.test/1.2.3.4"
        ));
    }

    use super::*;

    #[test]
    fn shapes() {
        let s = shape(b"a\nbb\n");
        assert_eq!((s.lines, s.longest_line, s.long_lines), (3, 2, 0));
        let long = vec![b'x'; 5000];
        assert_eq!(shape(&long).long_lines, 1);
        assert!(entropy(b"aaaa") < 0.01);
        assert!(entropy(&(0..=255u8).collect::<Vec<_>>()) > 7.9);
        assert_eq!(line_of(b"a\nb\nc", 4), 3);
    }

    #[test]
    fn formats() {
        assert_eq!(native_format(b"\x7fELF\x02\x01"), Some("ELF"));
        assert_eq!(native_format(b"\xcf\xfa\xed\xfe...."), Some("Mach-O"));
        assert_eq!(native_format(b"MZ"), None);
        let mut pe = vec![0u8; 200];
        pe[0] = b'M';
        pe[1] = b'Z';
        pe[60] = 128;
        pe[128..132].copy_from_slice(b"PE\0\0");
        assert_eq!(native_format(&pe), Some("PE"));
        assert!(is_binary(b"ab\0c"));
        assert!(!is_binary(b"abc"));
    }
    /// The same matches as the regular expression it replaces, on crafted
    /// and generated text (look-alike letters, combining marks, joiners,
    /// long words, long runs, mixed quotes).
    #[test]
    fn quoted_concatenations_match_the_regex() {
        let re = regex::Regex::new(r#"(?:['"]\w{1,10}['"]\s*\+\s*){1,6}['"]\w{1,10}['"]"#).unwrap();
        let check = |text: &str| {
            let want: Vec<(usize, &str)> = re
                .find_iter(text)
                .map(|m| (m.start(), m.as_str()))
                .collect();
            let got: Vec<(usize, &str)> = quoted_concatenations(text).collect();
            assert_eq!(got, want, "{text:?}");
        };
        for text in [
            "x = 'ex' + 'ec'",
            "getattr(b, 'ex'+\"ec\")('1')",
            "'a' + 'b' + 'c' + 'd' + 'e' + 'f' + 'g' + 'h' + 'i'",
            "'a' + 'b' + 'c' + 'd' + 'e' + 'f' + 'g'",
            "'a' + 'b' + 'c' + 'd' + 'e' + 'f' +",
            "'a' + 'b' + ",
            "'a' + ",
            "'abcdefghijk' + 'x' + 'y'",
            "'abcdefghij' + 'x'",
            "'é' + 'ex' + 'ec'",
            "'ex\u{301}' + 'ec'",
            "'ex\u{200d}' + 'ec'",
            "'ex\u{203f}' + 'ec'",
            "'ℯ𝓍' + 'ℯ𝒸'",
            "'ex'\u{a0}+\u{2003}'ec'",
            "'ex' \n+\n 'ec' + ''",
            "'' + 'a' + 'b'",
            "\"a' + 'b\"",
            "'a'+'b'+'c'+",
            "'x' 'a' + 'b'",
            "''a' + 'b'",
            "'a' + 'b' + 'c d' + 'e'",
        ] {
            check(text);
        }
        let pieces = [
            "'",
            "\"",
            "+",
            " ",
            "a",
            "ex",
            "ec",
            "é",
            "\u{301}",
            "\u{200d}",
            "\u{a0}",
            "1",
            "(",
            "abcdefghij",
            "_",
            "\n",
            "𝓍",
            "-",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 4 + (seed % 30) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Quotes, `+` and spaces more often than the rest.
                let k = (seed >> 32) as usize % (pieces.len() + 6);
                text.push_str(pieces[if k >= pieces.len() { k % 4 } else { k }]);
            }
            check(&text);
        }
    }
}
