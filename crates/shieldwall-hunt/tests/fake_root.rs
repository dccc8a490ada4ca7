//! The library on fake roots: each check finds its indicator and passes its
//! look-alike; homes are found or taken from the options; no secret value
//! reaches the report.

use std::path::Path;

use shieldwall_hunt::render::{render_json, render_markdown, render_table};
use shieldwall_hunt::{Catalog, HitKind, Options, hunt};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn each_check_finds_its_indicator_and_not_its_look_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("tmp/transformers.pyz", "inert"),
            ("var/tmp/transformers.pyz.txt", "look-alike"),
            ("etc/systemd/system/kitty-monitor.service", "[Service]\n"),
            ("etc/systemd/system/kitty.service", "[Service]\n"),
            (
                "usr/lib/python3/dist-packages/evil.pth",
                "import base64; exec(base64.b64decode('eA=='))\n",
            ),
            (
                "usr/lib/python3/dist-packages/fine.pth",
                "import _virtualenv\n",
            ),
            ("srv/app/.github/workflows/formatter_9.yml", "on: push\n"),
            ("srv/app/.github/workflows/format.yml", "on: push\n"),
            ("proc/7/cmdline", "bun\0/root/.cache/router_runtime.js\0"),
            ("proc/8/cmdline", "bun\0run\0dev\0"),
        ],
    );
    let report = hunt(&Options::new(root)).unwrap();
    let seen: Vec<(HitKind, &str)> = report
        .indicators
        .iter()
        .map(|h| (h.kind, h.subject.as_str()))
        .collect();
    for expected in [
        (HitKind::File, "/tmp/transformers.pyz"),
        (
            HitKind::Persistence,
            "/etc/systemd/system/kitty-monitor.service",
        ),
        (HitKind::Pth, "/usr/lib/python3/dist-packages/evil.pth"),
        (
            HitKind::Workflow,
            "/srv/app/.github/workflows/formatter_9.yml",
        ),
        (HitKind::Process, "pid 7 (bun)"),
    ] {
        assert!(seen.contains(&expected), "{expected:?} not in {seen:?}");
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(report.indicators[0].dead_mans_switch, "switches sort first");
    assert!(report.compromised());
}

#[test]
fn homes_default_and_given() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        &[
            ("root/.npmrc", "//r.example/:_authToken=SECRETSECRET1\n"),
            ("home/bob/.pypirc", "[x]\npassword = SECRETSECRET2\n"),
            (
                "home/carol/.git-credentials",
                "https://c:SECRETSECRET3@git.example\n",
            ),
        ],
    );
    let report = hunt(&Options::new(root)).unwrap();
    assert_eq!(report.homes, ["/root", "/home/bob", "/home/carol"]);
    assert_eq!(report.exposure.len(), 3, "{:?}", report.exposure);
    assert!(report.plan.is_empty(), "no indicator, no plan");
    for text in [
        render_json(&report),
        render_table(&report, true),
        render_markdown(&report),
    ] {
        assert!(!text.contains("SECRETSECRET"), "{text}");
    }
    let mut options = Options::new(root);
    options.homes = vec!["/home/bob".into()];
    let report = hunt(&options).unwrap();
    assert_eq!(report.homes, ["/home/bob"]);
    assert_eq!(report.exposure.len(), 1);
}

#[test]
fn hashed_file_indicators_need_the_hash() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("r");
    write(&root, &[("a/x.bin", "one"), ("b/x.bin", "two")]);
    let file = tmp.path().join("i.toml");
    let hash = hex::encode(sha2::Sha256::digest(b"one"));
    std::fs::write(
        &file,
        format!(
            "[[indicator]]\ncampaign='t'\nkind='file'\npattern='x.bin'\nsha256='{hash}'\nwhy='w'\n"
        ),
    )
    .unwrap();
    let mut catalog = Catalog::builtin();
    catalog.extend_from_file(&file).unwrap();
    let mut options = Options::new(&root);
    options.catalog = catalog;
    let report = hunt(&options).unwrap();
    let subjects: Vec<&str> = report
        .indicators
        .iter()
        .map(|h| h.subject.as_str())
        .collect();
    assert_eq!(subjects, ["/a/x.bin"]);
}

#[cfg(unix)]
#[test]
fn links_are_not_followed_out_of_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    write(&outside, &[("tmp/transformers.pyz", "inert")]);
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("mnt")).unwrap();
    let report = hunt(&Options::new(&root)).unwrap();
    assert!(report.indicators.is_empty(), "{:?}", report.indicators);
}

#[test]
fn a_missing_root_is_an_error() {
    let err = hunt(&Options::new("/definitely/not/here")).unwrap_err();
    assert!(err.to_string().contains("is not a directory"));
}

/// An advisory database holding one imported OSV record.
fn db_with(tmp: &Path, record: &str) -> std::sync::Arc<shieldwall_advisory::AdvisoryDb> {
    let file = tmp.join("advisory.json");
    std::fs::write(&file, record).unwrap();
    let store = tmp.join("store");
    shieldwall_advisory::import(&file, &store).unwrap();
    std::sync::Arc::new(shieldwall_advisory::AdvisoryDb::open(&store).unwrap())
}

#[test]
fn imported_advisory_iocs_are_indicators() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let payload = "imported payload fixture";
    let hash = hex::encode(sha2::Sha256::digest(payload.as_bytes()));
    let record = format!(
        r#"{{"id":"MAL-2026-9001","summary":"malicious demo-pkg","affected":[{{"package":{{"ecosystem":"npm","name":"demo-pkg"}},"versions":["1.0.1"]}}],
        "database_specific":{{"iocs":{{"domains":["c2.bad.example"],"urls":["https://198.51.100.7/stage2.js"],"ip_addresses":["203.0.113.9"],
        "hashes":["sha256:{hash}","md5:0123456789abcdef0123456789abcdef"]}}}}}}"#
    );
    let db = db_with(tmp.path(), &record);
    // 203.0.113.9:443 and 198.51.100.7:80 in the kernel's little-endian hex
    let tcp = "  sl  local_address rem_address   st\n   0: 0100007F:A1B2 097100CB:01BB 01 0\n   1: 0100007F:A1B3 076433C6:0050 01 0\n   2: 0100007F:A1B4 0A7100CB:01BB 01 0\n";
    write(
        &root,
        &[
            ("tmp/.cache/stage2.bin", payload),
            ("tmp/.cache/other.bin", "other bytes"),
            ("home/eve/.vscode/helper.js", payload),
            ("opt/deep/a/b/c/payload.bin", payload),
            ("proc/21/cmdline", "curl\0-s\0https://c2.bad.example/x\0"),
            ("proc/22/cmdline", "curl\0-s\0https://c2.good.example/x\0"),
            ("proc/net/tcp", tcp),
        ],
    );
    // a FIFO where droppers land is never opened for hashing (it would block)
    #[cfg(unix)]
    {
        let fifo = root.join("tmp/.cache/pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
    }
    let mut options = Options::new(&root);
    options.db = Some(db);
    let report = hunt(&options).unwrap();
    let seen: Vec<String> = report
        .indicators
        .iter()
        .filter(|h| h.campaign == "MAL-2026-9001")
        .map(|h| format!("{:?} {}", h.kind, h.subject))
        .collect();
    for expected in [
        "File /tmp/.cache/stage2.bin",
        "File /home/eve/.vscode/helper.js",
        "Process pid 21 (curl)",
        "Network 203.0.113.9:443",
        "Network 198.51.100.7:80",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected} not in {seen:?}"
        );
    }
    // look-alikes: other bytes, another domain; a file outside the places
    // droppers land is not hashed
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(
        report
            .indicators
            .iter()
            .all(|h| h.campaign != "MAL-2026-9001" || h.why.contains("malicious demo-pkg"))
    );
    assert_eq!(report.unchecked.len(), 1, "{:?}", report.unchecked);
    assert!(report.unchecked[0].indicator.starts_with("md5:"));
    assert!(render_table(&report, false).contains("advisory indicators not checked (1)"));

    // without the database, none of them
    let mut options = Options::new(&root);
    options.db = None;
    let report = hunt(&options).unwrap();
    assert!(report.indicators.is_empty(), "{:?}", report.indicators);
}

#[test]
fn installed_malicious_versions_get_pin_back_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let sp = "home/dev/venv/lib/python3.12/site-packages";
    write(
        &root,
        &[
            (
                &format!("{sp}/mistralai-2.4.6.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: mistralai\nVersion: 2.4.6\n",
            ),
            (
                &format!("{sp}/xinference-2.6.1.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: xinference\nVersion: 2.6.1\n",
            ),
            // look-alikes: a clean version, a name that only starts alike
            (
                &format!("{sp}/lightning-2.6.1.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: lightning\nVersion: 2.6.1\n",
            ),
            (
                &format!("{sp}/mistralai_extra-2.4.6.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: mistralai-extra\nVersion: 2.4.6\n",
            ),
            (
                "srv/web/node_modules/demo-pkg/package.json",
                r#"{"name":"demo-pkg","version":"1.0.1"}"#,
            ),
            (
                "srv/web/node_modules/demo-pkg-two/package.json",
                r#"{"name":"demo-pkg-two","version":"1.0.1"}"#,
            ),
        ],
    );
    let db = db_with(
        tmp.path(),
        r#"{"id":"MAL-2026-9002","summary":"malicious demo-pkg","affected":[{"package":{"ecosystem":"npm","name":"demo-pkg"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.1"},{"fixed":"1.0.2"}]}]}]}"#,
    );
    let mut options = Options::new(&root);
    options.db = Some(db);
    let report = hunt(&options).unwrap();
    let mut packages: Vec<&str> = report
        .indicators
        .iter()
        .filter(|h| h.kind == HitKind::Package)
        .map(|h| h.subject.as_str())
        .collect();
    packages.dedup(); // one hit per advisory: mistralai and xinference have two
    assert_eq!(
        packages,
        ["demo-pkg 1.0.1", "mistralai 2.4.6", "xinference 2.6.1"]
    );
    let advice = |name: &str| -> Vec<(Option<&str>, &str)> {
        report
            .pins
            .iter()
            .filter(|p| p.name == name)
            .map(|p| (p.pin_to.as_deref(), p.advice.as_str()))
            .collect()
    };
    let demo = advice("demo-pkg");
    assert_eq!(demo.len(), 1, "{demo:?}");
    assert_eq!(demo[0].0, None);
    assert!(
        demo[0].1.contains("below 1.0.1") && demo[0].1.contains("1.0.2 is the fixed release"),
        "{demo:?}"
    );
    // the seed names the last clean release; the vaguer advice of the other
    // advisory listing the same install is left out
    let mistral = advice("mistralai");
    assert_eq!(mistral.len(), 1, "{mistral:?}");
    assert_eq!(mistral[0].0, Some("2.4.5"));
    assert!(mistral[0].1.starts_with("pin mistralai to 2.4.5"));
    let xinf = advice("xinference");
    assert!(!xinf.is_empty());
    for (to, text) in &xinf {
        assert_eq!(*to, None);
        assert!(text.contains("names no last clean version"), "{text}");
    }
    assert!(advice("lightning").is_empty() && advice("mistralai-extra").is_empty());
    let step = report
        .plan
        .iter()
        .find(|s| s.action.contains("pinned back"))
        .expect("a pin-back step");
    assert!(
        step.targets
            .iter()
            .any(|t| t.contains("pin mistralai to 2.4.5")
                && t.contains("/home/dev/venv/lib/python3.12/site-packages"))
    );
}

#[test]
fn git_remotes_and_branches_named_like_exfiltration_repos() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write(
        &root,
        &[
            (
                "home/ann/src/leak/.git/config",
                "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://x-access-token:DECOYVALUE-remote-1f2e@github.example/ann/Shai-Hulud.git\n",
            ),
            ("home/ann/src/app/.git/refs/heads/shai-hulud", "0123\n"),
            (
                "home/ann/src/lib/.git/packed-refs",
                "# pack-refs with: peeled fully-peeled sorted\n0123 refs/heads/main\n4567 refs/remotes/origin/Shai-Hulud\n",
            ),
            // look-alikes: the detector's own repository, branches that only
            // start alike, a remote named shai-hulud pointing elsewhere
            (
                "home/ann/src/tool/.git/config",
                "[remote \"shai-hulud\"]\n\turl = https://github.example/ann/shai-hulud-detect.git\n[branch \"shai-hulud\"]\n\tremote = origin\n",
            ),
            (
                "home/ann/src/tool/.git/refs/heads/shai-hulud-scan",
                "89ab\n",
            ),
            ("home/ann/src/tool/.git/refs/tags/shai-hulud", "89ab\n"),
            (
                "home/ann/src/tool/.git/packed-refs",
                "0123 refs/heads/fix/shai-hulud-detect\n",
            ),
        ],
    );
    let report = hunt(&Options::new(&root)).unwrap();
    let seen: Vec<String> = report
        .indicators
        .iter()
        .map(|h| format!("{:?} {}", h.kind, h.subject))
        .collect();
    assert_eq!(
        seen,
        [
            "Git /home/ann/src/app branch `shai-hulud`",
            "Git /home/ann/src/leak remote `origin`",
            "Git /home/ann/src/lib branch `Shai-Hulud`",
        ],
        "{:#?}",
        report.indicators
    );
    for text in [
        render_json(&report),
        render_table(&report, false),
        render_markdown(&report),
    ] {
        assert!(!text.contains("DECOYVALUE"), "{text}");
        assert!(text.contains("github.example/ann/Shai-Hulud.git"), "{text}");
    }
}
