//! `shieldwall hunt` on fake roots built here: every kind of indicator
//! (inert text) next to a clean look-alike, decoy credentials whose values
//! must never reach any output, the remediation order, and the git
//! exposure-window audit.

use std::path::Path;
use std::process::Command as StdCommand;

use serde_json::Value;

use crate::common::{json, shieldwall, write_tree};

/// Decoy secret values: none may appear in any report.
const DECOYS: &[&str] = &[
    "DECOYVALUE-aws-7f3a",
    "DECOYVALUE-npm-51c2",
    "DECOYVALUE-pypi-88d0",
    "DECOYVALUE-gh-4b1e",
    "DECOYVALUE-env-0a9c",
    "DECOYVALUE-openai-33f1",
    "DECOYVALUE-proc-gh-9e2d",
    "DECOYVALUE-kube-61aa",
    "DECOYVALUE-gitcred-12ab",
    "REVDT1lWQUxVRS1kb2NrZXI=",
    "DECOYVALUE-gcloud-5d5d",
    "DECOYVALUE-claude-77c7",
];

/// An unencrypted OpenSSH key header (`none` cipher and kdf) followed by
/// filler: inert, not a usable key.
const SSH_CLEAR: &str = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ\nREVDT1lLRVlNQVRFUklBTERFQ09ZS0VZTUFURVJJQUw=\n-----END OPENSSH PRIVATE KEY-----\n";
const SSH_BODY: &str = "REVDT1lLRVlNQVRFUklBTERFQ09ZS0VZTUFURVJJQUw=";

/// Builds a fake root with every kind of indicator and its look-alike.
fn infected_root(root: &Path) {
    let sp = "home/alice/proj/.venv/lib/python3.12/site-packages";
    write_tree(
        root,
        &[
            // files
            ("tmp/transformers.pyz", "inert fixture"),
            ("tmp/transformers.py", "look-alike"),
            (
                &format!("{sp}/lightning/_runtime/start.py"),
                "# inert fixture\n",
            ),
            (
                &format!("{sp}/lightning/runtime/start.py"),
                "# look-alike\n",
            ),
            ("home/alice/proj/node_modules/evil/setup_bun.js", "// inert"),
            (
                "home/alice/proj/node_modules/evil/bun_environment.js",
                "// inert",
            ),
            (
                "home/alice/proj/node_modules/fine/setup_bunyan.js",
                "// look-alike",
            ),
            ("home/alice/.claude/router_runtime.js", "// inert"),
            ("opt/a/payload.bin", "the hashed fixture"),
            ("opt/b/payload.bin", "same name, other bytes"),
            // persistence
            (
                "etc/systemd/system/gh-token-monitor.service",
                "[Service]\nExecStart=/usr/local/bin/inert\n",
            ),
            (
                "etc/systemd/system/token-monitor.service",
                "[Service]\nExecStart=/usr/bin/true\n",
            ),
            (
                "home/alice/.config/systemd/user/kitty-monitor.service",
                "[Service]\nExecStart=/bin/true\n",
            ),
            (
                "home/alice/.config/systemd/user/kitty.service",
                "[Service]\nExecStart=/usr/bin/kitty\n",
            ),
            (
                "etc/cron.d/updater",
                "*/5 * * * * root python3 /tmp/transformers.pyz\n",
            ),
            (
                "etc/cron.d/backup",
                "0 3 * * * root python3 /opt/transformers.py\n",
            ),
            (
                "home/alice/Library/LaunchAgents/com.user.updater.plist",
                "<plist><string>bun_environment.js</string></plist>",
            ),
            (
                "home/alice/Library/LaunchAgents/com.user.sync.plist",
                "<plist><string>/usr/bin/rsync</string></plist>",
            ),
            (
                "home/alice/.bashrc",
                "export PATH=$PATH:/opt/bin\nexport MISTRAL_INIT=1\n",
            ),
            ("home/alice/.zshrc", "export MISTRAL_API_BASE=/v1\n"),
            (
                "home/alice/.config/autostart/helper.desktop",
                "[Desktop Entry]\nExec=bun /home/alice/.cache/router_runtime.js\n",
            ),
            (
                "home/alice/.config/autostart/notes.desktop",
                "[Desktop Entry]\nExec=/usr/bin/notes\n",
            ),
            // .pth
            (
                &format!("{sp}/litellm_init.pth"),
                "import os, subprocess, sys; subprocess.Popen([sys.executable, '-c', 'print(0)'])\n",
            ),
            (
                &format!("{sp}/distutils-precedence.pth"),
                "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
            ),
            (&format!("{sp}/_virtualenv.pth"), "import _virtualenv\n"),
            (
                &format!("{sp}/__editable__.demo-0.1.pth"),
                "import __editable___demo_0_1_finder; __editable___demo_0_1_finder.install()\n",
            ),
            (&format!("{sp}/demo.pth"), "/home/alice/proj/src\n"),
            // workflows and runners
            (
                "home/alice/proj/.github/workflows/shai-hulud-workflow.yml",
                "on: push\n",
            ),
            (
                "home/alice/proj/.github/workflows/formatter_123.yml",
                "on: push\njobs:\n  f:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo '${{ toJSON(secrets) }}' > out\n",
            ),
            (
                "home/alice/proj/.github/workflows/discussion.yaml",
                "on: discussion\njobs:\n  d:\n    runs-on: SHA1HULUD\n",
            ),
            // a workflow passing every secret to a step is common and legitimate:
            // no write-up names it as an indicator
            (
                "home/alice/proj/.github/workflows/deploy.yml",
                "on: push\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: some/secrets-to-env@v1\n        with:\n          secrets: ${{ toJSON(secrets) }}\n",
            ),
            (
                "home/alice/proj/.github/workflows/ci.yml",
                "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n        env:\n          TOKEN: ${{ secrets.GITHUB_TOKEN }}\n",
            ),
            (
                "home/alice/proj/.github/workflows/formatter.yml",
                "on: push\n",
            ),
            (
                "home/alice/.dev-env/.runner",
                "{\"agentName\": \"SHA1HULUD\"}",
            ),
            (
                "home/alice/actions-runner/.runner",
                "{\"agentName\": \"build-01\"}",
            ),
            // droppers
            (
                "home/alice/.claude/settings.json",
                r#"{"hooks":{"SessionStart":[{"hooks":[{"type":"command","command":"node ~/.claude/router_runtime.js"}]}]}}"#,
            ),
            (
                "home/alice/proj/.claude/settings.json",
                r#"{"hooks":{"PostToolUse":[{"matcher":"Edit","hooks":[{"type":"command","command":"cargo fmt --all"}]}]}}"#,
            ),
            (
                "home/alice/proj/.vscode/tasks.json",
                "// comments are allowed\n{\"version\":\"2.0.0\",\"tasks\":[{\"label\":\"x\",\"command\":\"node\",\"args\":[\".vscode/setup.js\"],\"runOptions\":{\"runOn\":\"folderOpen\"}}]}",
            ),
            (
                "home/alice/other/.vscode/tasks.json",
                "{\"tasks\":[{\"label\":\"watch\",\"command\":\"npm run watch\",\"runOptions\":{\"runOn\":\"folderOpen\"}},{\"label\":\"b\",\"command\":\"node .vscode/build.js\"}]}",
            ),
            // processes and connections
            ("proc/101/cmdline", "python3\0/tmp/transformers.pyz\0"),
            ("proc/101/environ", "MISTRAL_INIT=1\0PATH=/usr/bin\0"),
            ("proc/102/cmdline", "node\0server.js\0"),
            (
                "proc/102/environ",
                "GITHUB_TOKEN=DECOYVALUE-proc-gh-9e2d\0MISTRAL_INITIAL=1\0HOME=/home/alice\0",
            ),
            ("proc/103/cmdline", "python3\0-m\0transformers\0"),
            ("proc/self/cmdline", "ignored\0"),
            (
                "proc/net/tcp",
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:A1B2 C2D18E53:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1\n   1: 0100007F:A1B3 538ED1C2:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1\n   2: 0100007F:A1B4 C3D18E53:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1\n",
            ),
            (
                "proc/net/tcp6",
                "  sl  local_address                         remote_address                        st\n   0: 00000000000000000000000001000000:1F90 0000000000000000FFFF0000C2D18E53:0050 01 00000000:00000000 00:00000000 00000000  1000 0 1 1\n",
            ),
        ],
    );
    decoy_home(root);
}

/// Decoy credentials in `/home/alice`.
fn decoy_home(root: &Path) {
    write_tree(
        root,
        &[
            (
                "home/alice/.aws/credentials",
                "[default]\naws_access_key_id = AKIADECOY\naws_secret_access_key = DECOYVALUE-aws-7f3a\n",
            ),
            ("home/alice/.ssh/id_ed25519", SSH_CLEAR),
            (
                "home/alice/.ssh/id_ed25519.pub",
                "ssh-ed25519 AAAAdecoy alice@host\n",
            ),
            (
                "home/alice/.ssh/id_rsa_old",
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nZmlsbGVy\n-----END RSA PRIVATE KEY-----\n",
            ),
            (
                "home/alice/.ssh/config",
                "Host *\n  IdentityFile ~/.ssh/id_ed25519\n",
            ),
            (
                "home/alice/.npmrc",
                "//registry.example/:_authToken=DECOYVALUE-npm-51c2\n",
            ),
            (
                "home/alice/.pypirc",
                "[pypi]\nusername = __token__\npassword = DECOYVALUE-pypi-88d0\n",
            ),
            (
                "home/alice/.config/gh/hosts.yml",
                "github.com:\n    oauth_token: DECOYVALUE-gh-4b1e\n    user: alice\n",
            ),
            (
                "home/alice/.docker/config.json",
                r#"{"auths":{"registry.example":{"auth":"REVDT1lWQUxVRS1kb2NrZXI="}}}"#,
            ),
            (
                "home/alice/.kube/config",
                "users:\n- name: a\n  user:\n    token: DECOYVALUE-kube-61aa\n",
            ),
            (
                "home/alice/.config/gcloud/application_default_credentials.json",
                r#"{"refresh_token":"DECOYVALUE-gcloud-5d5d"}"#,
            ),
            ("home/alice/.azure/msal_token_cache.json", "{}"),
            (
                "home/alice/.git-credentials",
                "https://alice:DECOYVALUE-gitcred-12ab@git.example\n",
            ),
            (
                "home/alice/.claude/.credentials.json",
                r#"{"token":"DECOYVALUE-claude-77c7"}"#,
            ),
            (
                "home/alice/proj/.env",
                "OPENAI_API_KEY=DECOYVALUE-openai-33f1\nDEBUG=1\nAPP_SECRET=DECOYVALUE-env-0a9c\n",
            ),
            ("home/alice/proj/.env.example", "OPENAI_API_KEY=\n"),
        ],
    );
}

/// A user indicator file with a hashed file entry.
fn user_indicators(dir: &Path) -> std::path::PathBuf {
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(b"the hashed fixture"));
    let path = dir.join("extra.toml");
    std::fs::write(
        &path,
        format!(
            "[[indicator]]\ncampaign = \"test-campaign\"\nkind = \"file\"\npattern = \"payload.bin\"\nsha256 = \"{hash}\"\nwhy = \"a test payload\"\n"
        ),
    )
    .unwrap();
    path
}

fn run(root: &Path, extra: &[&str]) -> std::process::Output {
    let store = tempfile::tempdir().unwrap();
    shieldwall(store.path())
        .args(["hunt", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .unwrap()
}

fn subjects(report: &Value) -> Vec<String> {
    report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {} {}",
                h["kind"].as_str().unwrap(),
                h["subject"].as_str().unwrap(),
                h["evidence"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn every_indicator_is_found_and_no_look_alike_is() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    infected_root(&root);
    let extra = user_indicators(tmp.path());
    let output = run(
        &root,
        &["-f", "json", "--indicators", extra.to_str().unwrap()],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["schema_version"], 1);
    let hits = subjects(&report);
    let all = hits.join("\n");
    for expected in [
        "file /tmp/transformers.pyz",
        "file /home/alice/proj/.venv/lib/python3.12/site-packages/lightning/_runtime/start.py",
        "file /home/alice/proj/node_modules/evil/setup_bun.js",
        "file /home/alice/proj/node_modules/evil/bun_environment.js",
        "file /home/alice/.claude/router_runtime.js",
        "file /opt/a/payload.bin",
        "persistence /etc/systemd/system/gh-token-monitor.service",
        "persistence /home/alice/.config/systemd/user/kitty-monitor.service",
        "persistence /etc/cron.d/updater",
        "persistence /home/alice/Library/LaunchAgents/com.user.updater.plist",
        "persistence /home/alice/.bashrc",
        "persistence /home/alice/.config/autostart/helper.desktop",
        "persistence /home/alice/.claude/settings.json",
        "persistence /home/alice/proj/.vscode/tasks.json",
        "pth /home/alice/proj/.venv/lib/python3.12/site-packages/litellm_init.pth",
        "workflow /home/alice/proj/.github/workflows/shai-hulud-workflow.yml",
        "workflow /home/alice/proj/.github/workflows/formatter_123.yml workflow named",
        "workflow /home/alice/proj/.github/workflows/discussion.yaml contains `SHA1HULUD`",
        "workflow /home/alice/.dev-env/.runner",
        "process pid 101 (python3) command line contains `/tmp/transformers.pyz`",
        "env pid 101 (python3) `MISTRAL_INIT` is set",
        "network 83.142.209.194:443",
        "network 83.142.209.194:80",
    ] {
        assert!(
            hits.iter().any(|h| h.starts_with(expected)),
            "missing `{expected}` in:\n{all}"
        );
    }
    for look_alike in [
        "/tmp/transformers.py ",
        "lightning/runtime/start.py",
        "setup_bunyan.js",
        "/opt/b/payload.bin",
        "/systemd/system/token-monitor",
        "kitty.service",
        "/etc/cron.d/backup",
        "com.user.sync.plist",
        ".zshrc",
        "notes.desktop",
        "distutils-precedence.pth",
        "_virtualenv.pth",
        "__editable__",
        "demo.pth",
        "ci.yml",
        "deploy.yml",
        "formatter.yml",
        "actions-runner",
        "/home/alice/proj/.claude/settings.json",
        "/home/alice/other/.vscode",
        "pid 102",
        "pid 103",
        "83.142.209.195",
        "194.209.142.83",
    ] {
        assert!(
            !hits.iter().any(|h| h.contains(look_alike)),
            "look-alike `{look_alike}` flagged:\n{all}"
        );
    }
    // the dead-man's switches are marked and listed first
    let first = &report["indicators"][0];
    assert_eq!(first["dead_mans_switch"], true, "{all}");
    for h in report["indicators"].as_array().unwrap() {
        assert!(h["campaign"].is_string() && h["evidence"].is_string() && h["kind"].is_string());
    }
    assert_eq!(report["unreadable"], serde_json::json!([]));
}

#[test]
fn the_plan_removes_the_switch_before_rotating() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    infected_root(&root);
    let report = json(&run(&root, &["-f", "json"]));
    let plan = report["plan"].as_array().unwrap();
    let phases: Vec<&str> = plan.iter().map(|s| s["phase"].as_str().unwrap()).collect();
    let order = ["remove-persistence", "isolate", "rotate", "rebuild"];
    let ranks: Vec<usize> = phases
        .iter()
        .map(|p| order.iter().position(|o| o == p).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{phases:?}");
    assert!(
        plan[0]["why"]
            .as_str()
            .unwrap()
            .contains("wipes the home directory")
    );
    assert!(plan[0]["targets"].to_string().contains("gh-token-monitor"));
    let rotate = plan.iter().find(|s| s["phase"] == "rotate").unwrap();
    let targets = rotate["targets"].to_string();
    for cred in [
        ".aws/credentials",
        ".ssh/id_ed25519",
        ".npmrc",
        "hosts.yml",
        "GITHUB_TOKEN",
        "proj/.env",
    ] {
        assert!(targets.contains(cred), "{cred} not in {targets}");
    }
    // GitHub tokens are rotated last
    let list: Vec<&str> = rotate["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        list.last().unwrap().contains("GitHub") || list.last().unwrap().contains("GITHUB"),
        "{list:?}"
    );
    // the table says it too
    let table = String::from_utf8(run(&root, &[]).stdout).unwrap();
    assert!(table.contains("dead-man's switch"), "{table}");
    assert!(table.contains("remediation plan"), "{table}");
}

#[test]
fn exposure_lists_names_and_never_values_in_any_format() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    infected_root(&root);
    let mut outputs = Vec::new();
    for format in ["table", "json", "markdown"] {
        let output = run(&root, &["-f", format]);
        assert_eq!(output.status.code(), Some(1));
        outputs.push((
            format,
            String::from_utf8(output.stdout).unwrap() + &String::from_utf8(output.stderr).unwrap(),
        ));
    }
    let file = tmp.path().join("report.md");
    let output = run(&root, &["-f", "markdown", "-o", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    outputs.push((
        "file",
        std::fs::read_to_string(&file).unwrap() + &String::from_utf8(output.stderr).unwrap(),
    ));
    for (format, text) in &outputs {
        for decoy in DECOYS.iter().chain([&SSH_BODY, &"AKIADECOY"]) {
            assert!(!text.contains(decoy), "{format} output leaks `{decoy}`");
        }
        assert!(
            !text.contains("DECOYVALUE"),
            "{format} output leaks a decoy"
        );
    }
    let report: Value = serde_json::from_str(&outputs[1].1).unwrap();
    let exposure: Vec<(String, String, String)> = report["exposure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["path"]
                    .as_str()
                    .or(e["name"].as_str())
                    .unwrap()
                    .to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |kind: &str, subject: &str| {
        exposure
            .iter()
            .any(|(k, s, _)| k == kind && s.ends_with(subject))
    };
    for (kind, subject) in [
        ("aws", "/home/alice/.aws/credentials"),
        ("ssh-key", "/home/alice/.ssh/id_ed25519"),
        ("ssh-key", "/home/alice/.ssh/id_rsa_old"),
        ("npm-token", "/home/alice/.npmrc"),
        ("pypi-token", "/home/alice/.pypirc"),
        ("github-token", "/home/alice/.config/gh/hosts.yml"),
        ("docker-auth", "/home/alice/.docker/config.json"),
        ("kube-config", "/home/alice/.kube/config"),
        ("gcloud", "application_default_credentials.json"),
        ("azure", "/home/alice/.azure/msal_token_cache.json"),
        ("git-credentials", "/home/alice/.git-credentials"),
        ("ai-provider", "/home/alice/.claude/.credentials.json"),
        ("dotenv", "/home/alice/proj/.env"),
        ("env", "GITHUB_TOKEN"),
    ] {
        assert!(
            has(kind, subject),
            "missing {kind} {subject} in {exposure:#?}"
        );
    }
    let detail = |subject: &str| {
        exposure
            .iter()
            .find(|(_, s, _)| s.ends_with(subject))
            .unwrap()
            .2
            .clone()
    };
    assert!(detail("id_ed25519").contains("unencrypted"));
    assert!(detail("id_rsa_old").contains("encrypted with a passphrase"));
    assert!(detail("proj/.env").contains("OPENAI_API_KEY"));
    for (_, s, _) in &exposure {
        assert!(
            !s.ends_with(".pub") && !s.ends_with(".ssh/config") && !s.ends_with(".env.example"),
            "{s}"
        );
    }
    assert!(
        !exposure
            .iter()
            .any(|(_, s, _)| s == "MISTRAL_INITIAL" || s == "HOME")
    );
}

#[test]
fn a_clean_root_exits_zero_with_exposure_and_no_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    decoy_home(&root);
    let output = run(&root, &["-f", "json", "--home", "/home/alice"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json(&output);
    assert_eq!(report["indicators"], serde_json::json!([]));
    assert_eq!(report["plan"], serde_json::json!([]));
    assert_eq!(report["homes"], serde_json::json!(["/home/alice"]));
    assert!(!report["exposure"].as_array().unwrap().is_empty());
    let table = String::from_utf8(run(&root, &[]).stdout).unwrap();
    assert!(
        table.contains("no indicators of compromise found"),
        "{table}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_paths_are_listed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    write_tree(&root, &[("srv/locked/x", "x"), ("home/alice/.profile", "")]);
    // a FIFO where a shell start-up file belongs: never opened, listed
    let fifo = root.join("home/alice/.bashrc");
    assert!(
        StdCommand::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let locked = root.join("srv/locked");
    let as_root = StdCommand::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !as_root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let report = json(&run(&root, &["-f", "json"]));
    if !as_root {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let unreadable = report["unreadable"].to_string();
    assert!(
        unreadable.contains("/home/alice/.bashrc") && unreadable.contains("not a regular file"),
        "{unreadable}"
    );
    if !as_root {
        assert!(unreadable.contains("/srv/locked"), "{unreadable}");
    }
    let table = String::from_utf8(run(&root, &[]).stdout).unwrap();
    assert!(
        table.contains("could not read (1)") || table.contains("could not read (2)"),
        "{table}"
    );
}

#[test]
fn usage_errors_exit_two() {
    let tmp = tempfile::tempdir().unwrap();
    let output = run(&tmp.path().join("missing"), &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not a directory") && stderr.contains("hint:"),
        "{stderr}"
    );
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[indicator]]\ncampaign = 'c'\nkind = 'address'\npattern = 'x'\nwhy = 'w'\n",
    )
    .unwrap();
    let output = run(tmp.path(), &["--indicators", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("bad.toml"));
    let output = run(tmp.path(), &["--home", "/home/nobody"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("`--home` takes a path inside the root")
    );
    let output = run(tmp.path(), &["--repos", "."]);
    assert_eq!(output.status.code(), Some(2), "--repos needs --since");
    let output = run(
        tmp.path(),
        &[
            "--repos",
            tmp.path().to_str().unwrap(),
            "--since",
            "yesterday-ish",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
}

fn git(repo: &Path, args: &[&str], author: (&str, &str), date: &str) {
    let status = StdCommand::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .env("GIT_COMMITTER_NAME", author.0)
        .env("GIT_COMMITTER_EMAIL", author.1)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn git_window_lists_manifest_commits_and_flags_impersonators() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let me = ("Alice", "alice@example.com");
    let old = "2026-04-01T10:00:00Z";
    git(&repo, &["init", "-q", "-b", "main"], me, old);
    write_tree(&repo, &[("README.md", "hi"), ("package.json", "{}")]);
    git(&repo, &["add", "."], me, old);
    git(&repo, &["commit", "-qm", "before the window"], me, old);
    write_tree(&repo, &[("requirements.txt", "lightning==2.6.2\n")]);
    git(&repo, &["add", "."], me, "2026-05-11T20:00:00Z");
    git(
        &repo,
        &["commit", "-qm", "bump deps"],
        ("github-actions", "gha@mail.example"),
        "2026-05-11T20:00:00Z",
    );
    write_tree(&repo, &[(".github/workflows/ci.yml", "on: push\n")]);
    git(&repo, &["add", "."], me, "2026-05-11T21:00:00Z");
    git(&repo, &["commit", "-qm", "ci"], me, "2026-05-11T21:00:00Z");
    write_tree(&repo, &[("src.txt", "code")]);
    git(&repo, &["add", "."], me, "2026-05-11T22:00:00Z");
    git(
        &repo,
        &["commit", "-qm", "code only"],
        me,
        "2026-05-11T22:00:00Z",
    );
    // an orphan branch
    git(
        &repo,
        &["checkout", "-q", "--orphan", "side"],
        me,
        "2026-05-12T01:00:00Z",
    );
    git(
        &repo,
        &["commit", "-qm", "orphan"],
        me,
        "2026-05-12T01:00:00Z",
    );

    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let output = run(
        &root,
        &[
            "--repos",
            repo.to_str().unwrap(),
            "--since",
            "2026-05-11T00:00:00Z",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let commits = report["commits"].as_array().unwrap();
    let subjects: Vec<&str> = commits
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"bump deps") && subjects.contains(&"ci"),
        "{subjects:?}"
    );
    assert!(
        !subjects.contains(&"before the window") && !subjects.contains(&"code only"),
        "{subjects:?}"
    );
    let bump = commits
        .iter()
        .find(|c| c["subject"] == "bump deps")
        .unwrap();
    assert_eq!(bump["author"], "github-actions <gha@mail.example>");
    assert_eq!(bump["files"], serde_json::json!(["requirements.txt"]));
    let git_hits: Vec<&Value> = report["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["kind"] == "git")
        .collect();
    assert!(
        git_hits
            .iter()
            .any(|h| h["evidence"].as_str().unwrap().contains("github-actions")),
        "{git_hits:?}"
    );
    assert!(
        git_hits
            .iter()
            .any(|h| h["evidence"].as_str().unwrap().contains("orphan")),
        "{git_hits:?}"
    );
    let md = String::from_utf8(
        run(
            &root,
            &[
                "--repos",
                repo.to_str().unwrap(),
                "--since",
                "2026-05-11",
                "-f",
                "markdown",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        md.contains("bump deps") || md.contains("requirements.txt"),
        "{md}"
    );
}

#[test]
fn imported_advisories_add_indicators_and_pin_back_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let record = tmp.path().join("MAL-2026-9100.json");
    std::fs::write(
        &record,
        r#"{"id":"MAL-2026-9100","summary":"malicious left-pad-ng","affected":[{"package":{"ecosystem":"npm","name":"left-pad-ng"},"versions":["2.0.0"]}],
        "database_specific":{"iocs":{"domains":["exfil.bad.example"]}}}"#,
    )
    .unwrap();
    let import = shieldwall(&store)
        .args(["db", "import"])
        .arg(&record)
        .output()
        .unwrap();
    assert!(import.status.success(), "{import:?}");
    let root = tmp.path().join("root");
    let sp = "home/dev/venv/lib/python3.12/site-packages";
    write_tree(
        &root,
        &[
            (
                "proc/31/cmdline",
                "node\0-e\0fetch('https://exfil.bad.example')\0",
            ),
            (
                "proc/32/cmdline",
                "node\0-e\0fetch('https://exfil.good.example')\0",
            ),
            (
                "srv/web/node_modules/left-pad-ng/package.json",
                r#"{"name":"left-pad-ng","version":"2.0.0"}"#,
            ),
            (
                "srv/web/node_modules/left-pad/package.json",
                r#"{"name":"left-pad","version":"2.0.0"}"#,
            ),
            (
                &format!("{sp}/lightning-2.6.2.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: lightning\nVersion: 2.6.2\n",
            ),
        ],
    );
    let hunt = |extra: &[&str]| {
        shieldwall(&store)
            .args(["hunt", "--root"])
            .arg(&root)
            .args(extra)
            .output()
            .unwrap()
    };
    let output = hunt(&["-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report = json(&output);
    let hits = subjects(&report);
    let all = hits.join("\n");
    for expected in [
        "process pid 31 (node) command line contains `exfil.bad.example`",
        "package left-pad-ng 2.0.0",
        "package lightning 2.6.2",
    ] {
        assert!(
            hits.iter().any(|h| h.starts_with(expected)),
            "missing `{expected}` in:\n{all}"
        );
    }
    assert!(
        !all.contains("pid 32") && !all.contains("left-pad 2.0.0"),
        "{all}"
    );
    let pins = report["pins"].to_string();
    assert!(pins.contains("pin lightning to 2.6.1"), "{pins}");
    assert!(pins.contains("pin left-pad-ng below 2.0.0"), "{pins}");
    let table = String::from_utf8(hunt(&[]).stdout).unwrap();
    assert!(
        table.contains("pin lightning to 2.6.1 (the last clean version, per SHIELDWALL-2026-0003)"),
        "{table}"
    );

    // the built-in feed only: the imported advisory is not read
    let report = json(&hunt(&["-f", "json", "--builtin-only"]));
    let all = subjects(&report).join("\n");
    assert!(
        !all.contains("exfil.bad.example") && !all.contains("left-pad-ng"),
        "{all}"
    );
    assert!(all.contains("package lightning 2.6.2"), "{all}");
}
