//! The gateway serving HTTPS itself (`[tls]` in its configuration): real
//! pip and npm install through it trusting a test certificate authority,
//! and a plain-HTTP request to the same port gets no answer.

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use support::{
    NpmUpstream, PyUpstream, RunningGate, hours_ago, npm_in, npm_version, pip_install, wheel,
};

/// A test certificate authority and a server certificate it signed for
/// `127.0.0.1` and `localhost`: (CA file, server chain file, server key file).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "shieldwall test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let mut server =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    server
        .distinguished_name
        .push(DnType::CommonName, "shieldwall gate");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();
    let ca_path = dir.join("ca.pem");
    let cert_path = dir.join("gate.crt");
    let key_path = dir.join("gate.key");
    std::fs::write(&ca_path, ca_cert.pem()).unwrap();
    std::fs::write(&cert_path, server_cert.pem()).unwrap();
    std::fs::write(&key_path, server_key.serialize_pem()).unwrap();
    (ca_path, cert_path, key_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_and_npm_install_over_https_from_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, _, _) = certificates(dir.path());
    let old = hours_ago(24 * 30);
    let pypi = PyUpstream::start(vec![wheel("demo", "1.0", Some(&old))]).await;
    let npm_up = NpmUpstream::start(vec![npm_version("demo", "1.0.0", &old, json!({}))]).await;
    // Relative paths: read from the configuration file's directory.
    let text = format!(
        "state_dir = {:?}\n[pypi]\nupstreams = [{:?}]\n[npm]\nupstreams = [{:?}]\n[advisories]\nstore_dir = {:?}\n[policy]\nmin_age = \"48h\"\n[tls]\ncert = \"gate.crt\"\nkey = \"gate.key\"\n",
        dir.path().join("state"),
        pypi.simple_url(),
        npm_up.registry_url(),
        dir.path().join("no-imports"),
    );
    let mut gate = RunningGate::start(dir.path(), &text).await;
    let port = gate.addr.port();
    let base = format!("https://127.0.0.1:{port}");

    // pip, trusting the test CA only.
    let target = dir.path().join("py");
    let index = format!("{base}/pypi/simple/");
    let out = pip_install(&index, &target, "demo", &["--cert", ca.to_str().unwrap()]).await;
    assert!(out.ok, "pip over https failed:\n{}", out.text);
    let module = std::fs::read_to_string(target.join("demo/__init__.py")).unwrap();
    assert!(module.contains("1.0"), "{module}");

    // Without the CA, pip refuses the certificate: TLS is really in use.
    let untrusted = dir.path().join("py-untrusted");
    let out = pip_install(&index, &untrusted, "demo", &["--retries", "0"]).await;
    assert!(!out.ok, "pip trusted an unknown CA:\n{}", out.text);
    assert!(
        out.text.contains("CERTIFICATE_VERIFY_FAILED") || out.text.contains("SSLError"),
        "{}",
        out.text
    );

    // npm, with `cafile`.
    let project = dir.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("package.json"),
        "{\"name\":\"app\",\"version\":\"1.0.0\",\"private\":true}\n",
    )
    .unwrap();
    let registry = format!("{base}/npm/");
    let out = npm_in(
        &registry,
        &project,
        &["install", "demo", "--cafile", ca.to_str().unwrap()],
    )
    .await;
    assert!(out.ok, "npm over https failed:\n{}", out.text);
    let manifest = std::fs::read_to_string(project.join("node_modules/demo/package.json")).unwrap();
    assert!(manifest.contains("\"1.0.0\""), "{manifest}");
    let lock = std::fs::read_to_string(project.join("package-lock.json")).unwrap();
    assert!(
        lock.contains(&format!("{base}/npm/demo/-/demo-1.0.0.tgz")),
        "tarball URLs point at the gateway over https:\n{lock}"
    );

    // A client speaking plain HTTP to the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");

    // The same request over HTTPS is answered, and the record has the
    // client's address (taken from the TLS connection).
    let ca_pem = std::fs::read(&ca).unwrap();
    let https = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    let health = https.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let rows = gate.events("download");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r.client == "127.0.0.1"), "{rows:?}");
    gate.stop();
}

#[tokio::test]
async fn a_key_that_does_not_match_the_certificate_stops_the_gateway_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, _) = certificates(dir.path());
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let (_, _, other_key) = certificates(&other);
    let text = format!(
        "state_dir = {:?}\n[advisories]\nstore_dir = {:?}\n[tls]\ncert = {cert:?}\nkey = {other_key:?}\n",
        dir.path().join("state"),
        dir.path().join("no-imports"),
    );
    let path = dir.path().join("gate.toml");
    std::fs::write(&path, text).unwrap();
    let config = shieldwall_gate::GateConfig::load(&path).unwrap();
    let gate = shieldwall_gate::Gate::open_with_token(config, Some(&path), None).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = shieldwall_gate::server::serve(gate, listener, async {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&other_key.display().to_string()) && err.contains("gate.crt"),
        "{err}"
    );
}
