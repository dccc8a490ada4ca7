//! The fast lockfile readers against the full ones: on every fixture and
//! on generated files the fast reader must accept the input and answer
//! exactly as the full reader does; tricky inputs must be left to the full
//! reader.

use std::path::{Path, PathBuf};

use shieldwall_inventory::differential::{self, Answers};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every file under the fixtures whose name satisfies `wanted`.
fn fixture_files(wanted: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![fixtures()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(wanted)
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn assert_same(what: &str, answers: Option<Answers>) -> bool {
    match answers {
        Some(a) => {
            assert_eq!(a.fast, a.full, "{what}: the fast reader differs");
            true
        }
        None => false,
    }
}

/// A pnpm v9 lockfile shaped like the benchmark's, with importers.
fn pnpm_v9(entries: usize) -> String {
    let mut text = String::from(
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n      a0:\n        specifier: ^1.0.0\n        version: 1.0.0(react@18.2.0)\n      al:\n        specifier: npm:@real/x@^2\n        version: '@real/x@2.0.0'\n    devDependencies:\n      b1:\n        specifier: ^2\n        version: 2.0.1\n\npackages:\n\n",
    );
    for i in 0..entries {
        let name = if i % 5 == 0 {
            format!("'@s{}/pkg-{i}", i % 7)
        } else {
            format!("pkg-{i}")
        };
        let quote = if name.starts_with('\'') { "'" } else { "" };
        text.push_str(&format!(
            "  {name}@{}.{}.{}{quote}:\n    resolution: {{integrity: sha512-AAAA{i}==}}\n    engines: {{node: '>=8'}}\n",
            i % 20,
            i % 40,
            i % 30
        ));
        if i % 3 == 0 {
            text.push_str("    cpu: [x64, arm64]\n    hasBin: true\n");
        }
        text.push('\n');
    }
    text.push_str("snapshots:\n\n  a0@1.0.0(react@18.2.0):\n    dependencies:\n      react: 18.2.0\n\n  pkg-1@1.1.1: {}\n");
    text
}

#[test]
fn pnpm_line_reader_matches_on_every_fixture() {
    let files = fixture_files(&|n| n == "pnpm-lock.yaml" || n == "lock.yaml");
    assert!(files.len() >= 9, "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let accepted = assert_same(&path.display().to_string(), differential::pnpm_lock(&bytes));
        let malformed = path.components().any(|c| c.as_os_str() == "malformed");
        assert_eq!(accepted, !malformed, "{}", path.display());
    }
}

#[test]
fn pnpm_line_reader_matches_on_generated_files() {
    for text in [
        pnpm_v9(1),
        pnpm_v9(50),
        pnpm_v9(600),
        "lockfileVersion: 5.4\n\nspecifiers:\n  a: ^1\n\ndependencies:\n  a: 1.0.0_b@2.0.0\n\npackages:\n\n  /a/1.0.0_b@2.0.0:\n    resolution: {integrity: sha512-x}\n    dev: false\n\n  /@s/b/2.0.0:\n    resolution: {integrity: sha512-y}\n    dev: true\n    optional: true\n".to_owned(),
        "lockfileVersion: '6.0'\n\npackages:\n\n  /a@1.0.0(b@2.0.0):\n    resolution: {integrity: sha512-x}\n    peerDependencies:\n      b: '>=2'\n    dev: false\n\n  /c@3.0.0:\n    resolution: {tarball: 'https://x.test/c.tgz'}\n    name: c\n    version: 3.0.0\n".to_owned(),
        "---\nlockfileVersion: '9.0'\nconfigDependencies:\n  c: 1.0.0+sha512-c\n---\nlockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: {integrity: sha512-a}}\n".to_owned(),
        "lockfileVersion: \"9.0\"\npackages:\n  \"a@1.0.0\":\n    resolution: {integrity: \"sha512-a\"}\n  'it''s@1.0.0': {}\n  x@1.0.0:\n    version: 1.0\n    deprecated: no longer, sorry\n  # a comment\n  y@2.0.0:\n    os: []\n    libc: [glibc]\n".to_owned(),
    ] {
        assert!(assert_same(&text, differential::pnpm_lock(text.as_bytes())), "not accepted:\n{text}");
    }
}

#[test]
fn pnpm_line_reader_leaves_tricky_input_to_the_yaml_reader() {
    let base = "lockfileVersion: '9.0'\npackages:\n";
    for tail in [
        "  a@1.0.0: &x {}\n  b@1.0.0: *x\n",
        "  a@1.0.0: !!map {}\n",
        "  a@1.0.0:\n    resolution: {integrity:\n      sha512-a}\n",
        "  a@1.0.0:\n\tdev: true\n",
        "  a@1.0.0:\r\n    dev: true\r\n",
        "  a@1.0.0:\n     dev: true\n    optional: true\n",
        "  a@1.0.0:\n    deprecated: |\n      gone\n",
        "  a@1.0.0:\n    deprecated: >-\n      gone\n",
        "  a@1.0.0:\n    cpu:\n      - x64\n",
        "  a@1.0.0:\n    dev: true # a comment\n",
        "  a@1.0.0: {}\n  a@1.0.0: {}\n",
        "  a@1.0.0:\n    deprecated: one\n      two\n",
        "  \"a\\u0040\": {}\n",
        "  ? a@1.0.0\n  : {}\n",
        "  a@1.0.0: {dev: true, dev: false}\n",
        "  a@1.0.0: [1\n",
        "  1: {}\n",
        "  é@1.0.0: {}\n",
        "---\n",
        "...\n",
        "  a@1.0.0:\n    x: a: b\n",
    ] {
        let text = format!("{base}{tail}");
        assert!(
            differential::pnpm_lock(text.as_bytes()).is_none(),
            "accepted:\n{text}"
        );
    }
    let long = "k".repeat(1100);
    for tail in [
        format!("  {long}@1.0.0: {{}}\n"),
        format!("  '{}': {{}}\n", "''".repeat(520)),
        format!("  a@1.0.0: {{{long}: x}}\n"),
    ] {
        let text = format!("{base}{tail}");
        assert!(
            differential::pnpm_lock(text.as_bytes()).is_none(),
            "accepted a long key"
        );
    }
    for text in [
        "",
        "# only a comment\n",
        "---\n---\nlockfileVersion: '9.0'\n",
        "~\n",
        "- a\n",
    ] {
        assert!(
            differential::pnpm_lock(text.as_bytes()).is_none(),
            "accepted: {text:?}"
        );
    }
}

/// A uv.lock shaped like the benchmark's and like real ones.
fn uv(entries: usize) -> String {
    let mut text = String::from(
        "version = 1\nrevision = 3\nrequires-python = \">=3.11\"\nresolution-markers = [\n    \"python_full_version >= '3.12'\",\n    \"python_full_version < '3.12'\",\n]\n\n[options]\nexclude-newer = \"2025-01-01T00:00:00Z\"\n\n[manifest]\nmembers = [\"app\", \"lib\"]\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [\n    { name = \"p1\" },\n    { name = \"p2\", marker = \"sys_platform == 'linux'\" },\n]\n\n[package.optional-dependencies]\ncli = [\n    { name = \"p3\" },\n]\n\n[package.metadata]\nrequires-dist = [{ name = \"p1\", specifier = \">=1\" }]\n\n[package.metadata.requires-dev]\ndev = []\n\n",
    );
    for i in 0..entries {
        text.push_str(&format!(
            "[[package]]\nname = \"p{i}\"\nversion = \"{}.{}.{}\"\nsource = {{ registry = \"https://pypi.example.test/simple\" }}\n",
            i % 20,
            i % 40,
            i % 30
        ));
        if i % 2 == 0 {
            text.push_str(&format!("sdist = {{ url = \"https://files.example.test/p{i}.tar.gz\", hash = \"sha256:{i:064}\", size = {i}, upload-time = \"2024-01-01T00:00:00Z\" }}\n"));
        }
        if i % 3 == 0 {
            text.push_str(&format!("wheels = [\n    {{ url = \"https://files.example.test/p{i}-py3-none-any.whl\", hash = \"sha256:{:064}\", size = 1 }},\n    {{ url = 'https://files.example.test/x.whl', hash = 'sha256:1', size = 2 }}\n]\n", i + 1));
        }
        text.push('\n');
    }
    text.push_str("[[package]]\nname = \"g\"\nversion = \"1.0.0\"\nsource = { git = \"https://git.example.test/g?rev=main#abc\" }\n\n[[package]]\nname = \"d\"\nversion = \"1.0.0\"\nsource = { directory = \"vendor/d\" }\n\n[[package]]\nname = \"u\"\nversion = \"1.0.0\"\nsource = { url = \"https://x.test/u.tar.gz\" }\n\n[[package]]\nversion = \"1.0.0\"\n");
    text
}

#[test]
fn uv_reader_matches_on_every_fixture() {
    let files = fixture_files(&|n| n == "uv.lock" || n.ends_with(".py.lock"));
    assert!(files.len() >= 5, "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let accepted = assert_same(&path.display().to_string(), differential::uv_lock(&bytes));
        let malformed = path.components().any(|c| c.as_os_str() == "malformed");
        if !malformed {
            assert!(accepted, "{}", path.display());
        }
    }
}

#[test]
fn uv_reader_matches_on_generated_files() {
    for text in [
        uv(1),
        uv(40),
        uv(500),
        String::new(),
        "version = 2\n".to_owned(),
        "version = \"1.1\"\n[[package]]\nname = \"a\"\nversion = 1\n".to_owned(),
        "[[package]]\nname = \"a\"\nsource = \"text\"\nwheels = [1, { hash = 2 }, { hash = \"h\" }]\n".to_owned(),
    ] {
        assert!(assert_same(&text, differential::uv_lock(text.as_bytes())), "not accepted:\n{text}");
    }
}

#[test]
fn uv_reader_leaves_tricky_input_to_the_toml_parser() {
    let base = "version = 1\n\n[[package]]\nname = \"a\"\n";
    for tail in [
        "version = \"1\\u0030\"\n",
        "version = \"\"\"1\"\"\"\n",
        "version = 1.0\n",
        "version = 1979-05-27\n",
        "size = 0x10\n",
        "size = +1\n",
        "size = 01\n",
        "name = \"b\"\n",
        "source = { registry = \"r\", registry = \"s\" }\n",
        "source = { registry = \"r\", }\n",
        "source = { registry = \"r\",\n  url = \"u\" }\n",
        "\"quoted\" = 1\n",
        "dotted.key = 1\n",
        "x = 1 # comment\n",
        "x = [\n  # comment\n  1,\n]\n",
        "\tx = 1\n",
        "x = 1\r\n",
        "[package.sdist]\nhash = \"h\"\n",
        "[package.source.virtual]\n",
        "[[package.wheels]]\nhash = \"h\"\n",
        "[package]\n",
        "[a]\n[a]\n",
        "[a.b]\n[a]\n",
        "x = {}\n[package.x]\n",
        "[package.m]\n[package.m]\n",
        "x = inf\n",
        "x = 'a\nb'\n",
    ] {
        let text = format!("{base}{tail}");
        assert!(
            differential::uv_lock(text.as_bytes()).is_none(),
            "accepted:\n{text}"
        );
    }
    assert!(differential::uv_lock(b"package = 1\n").is_none());
    assert!(differential::uv_lock(b"[package.x]\n").is_none());
}
