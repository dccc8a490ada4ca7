//! `POST /-/npm/v1/security/advisories/bulk`, answered from the advisory
//! database, so `npm audit` (and the audit `npm install` runs) reports
//! known-malicious versions through the gateway with no upstream call.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shieldwall_core::Ecosystem;

use crate::state::Gate;
use crate::web::{self, Client};

/// The largest request body read (decompressed).
const MAX_BODY: u64 = 16 << 20;

/// Answers a bulk advisory request: `{name: [version, ...]}` in, `{name:
/// [advisory, ...]}` out, each advisory naming the requested versions it
/// affects in `vulnerable_versions`.
pub async fn bulk(
    State(gate): State<Arc<Gate>>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let gzipped = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("gzip"));
    let mut text = Vec::new();
    let read = if gzipped {
        flate2::read::GzDecoder::new(&body[..])
            .take(MAX_BODY + 1)
            .read_to_end(&mut text)
            .map(|_| ())
    } else {
        text.extend_from_slice(&body);
        Ok(())
    };
    if read.is_err() || text.len() as u64 > MAX_BODY {
        return web::error(
            StatusCode::BAD_REQUEST,
            "the request body is not valid gzip or is too large",
            &client,
        );
    }
    let Ok(request) = serde_json::from_slice::<BTreeMap<String, Vec<String>>>(&text) else {
        return web::error(
            StatusCode::BAD_REQUEST,
            "the request body is not `{name: [versions]}`",
            &client,
        );
    };
    axum::Json(answer(&gate, &request)).into_response()
}

fn answer(gate: &Gate, request: &BTreeMap<String, Vec<String>>) -> Value {
    let db = gate.advisories();
    let mut out = serde_json::Map::new();
    for (name, versions) in request {
        let mut found: BTreeMap<String, (Value, Vec<String>)> = BTreeMap::new();
        for version in versions {
            for advisory in db.affecting(Ecosystem::Npm, name, version) {
                let entry = found.entry(advisory.id.clone()).or_insert_with(|| {
                    let digest = Sha256::digest(advisory.id.as_bytes());
                    let numeric = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes")) >> 12;
                    let url = advisory.references.first().cloned().unwrap_or_default();
                    (
                        json!({
                            "id": numeric,
                            "url": url,
                            "title": format!("{} ({})", if advisory.summary.is_empty() { "Malicious package" } else { &advisory.summary }, advisory.id),
                            "severity": "critical",
                            "cwe": ["CWE-506"],
                            "cvss": {"score": 10.0, "vectorString": null},
                        }),
                        Vec::new(),
                    )
                });
                entry.1.push(version.clone());
            }
        }
        if found.is_empty() {
            continue;
        }
        let list: Vec<Value> = found
            .into_values()
            .map(|(mut advisory, versions)| {
                advisory["vulnerable_versions"] = Value::String(versions.join(" || "));
                advisory
            })
            .collect();
        out.insert(name.clone(), Value::Array(list));
    }
    Value::Object(out)
}
