//! Lenient OSV JSON deserialization and its conversion into [`Advisory`].
//!
//! Unknown fields are ignored, `null` stands for an absent field, and
//! free-form `database_specific` objects never change how versions are
//! evaluated: only the malware classification and the indicators of
//! compromise are read out of them.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use shieldwall_core::Ecosystem;

use crate::model::{Advisory, Affected, Event, EventKind, Iocs, Range, RangeKind};

/// The CWE OpenSSF malicious-packages records are tagged with.
const CWE_MALWARE: &str = "CWE-506";

/// One OSV record as it appears in JSON.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OsvRecord {
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    aliases: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    summary: String,
    #[serde(deserialize_with = "nullable")]
    details: String,
    published: Option<String>,
    modified: Option<String>,
    withdrawn: Option<String>,
    #[serde(deserialize_with = "nullable")]
    affected: Vec<OsvAffected>,
    #[serde(deserialize_with = "nullable")]
    references: Vec<OsvReference>,
    database_specific: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvAffected {
    #[serde(deserialize_with = "nullable")]
    package: OsvPackage,
    #[serde(deserialize_with = "nullable")]
    ranges: Vec<OsvRange>,
    #[serde(deserialize_with = "nullable")]
    versions: Vec<Value>,
    database_specific: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvPackage {
    #[serde(deserialize_with = "nullable")]
    ecosystem: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    purl: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvRange {
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    repo: Option<String>,
    #[serde(deserialize_with = "nullable")]
    events: Vec<OsvEvent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvEvent {
    introduced: Option<Value>,
    fixed: Option<Value>,
    last_affected: Option<Value>,
    limit: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvReference {
    #[serde(deserialize_with = "nullable")]
    url: String,
}

/// Deserializes `null` as the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A version written as a JSON string, or (wrongly) as a number.
fn version_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl OsvRecord {
    /// Converts the record; `None` when it has no id (the `MAL-0000-*`
    /// placeholders of the OpenSSF repository carry `"id": ""`).
    pub(crate) fn into_advisory(self) -> Option<Advisory> {
        let id = self.id.trim().to_owned();
        if id.is_empty() {
            return None;
        }
        let affected: Vec<Affected> = self.affected.into_iter().map(convert_affected).collect();
        let malicious = is_malicious(&id, &self.aliases, self.database_specific.as_ref())
            || affected.iter().any(|a| {
                a.database_specific
                    .as_deref()
                    .is_some_and(|ds| ds.contains(&format!("\"{CWE_MALWARE}\"")))
            });
        let iocs = self
            .database_specific
            .as_ref()
            .and_then(|ds| ds.get("iocs"))
            .map(extract_iocs)
            .unwrap_or_default();
        Some(Advisory {
            id,
            aliases: self.aliases,
            summary: self.summary,
            details: self.details,
            source: String::new(),
            published: self.published,
            modified: self.modified,
            withdrawn: self.withdrawn.filter(|w| !w.trim().is_empty()),
            date: None,
            malicious,
            iocs,
            affected,
            references: self
                .references
                .into_iter()
                .map(|r| r.url)
                .filter(|u| !u.is_empty())
                .collect(),
            database_specific: self.database_specific.as_ref().map(Value::to_string),
        })
    }
}

fn convert_affected(raw: OsvAffected) -> Affected {
    let ecosystem = match Ecosystem::from_osv(raw.package.ecosystem.trim()) {
        Some(known) => known.as_str().to_owned(),
        None => raw.package.ecosystem,
    };
    Affected {
        ecosystem,
        name: raw.package.name,
        purl: raw.package.purl,
        ranges: raw.ranges.into_iter().map(convert_range).collect(),
        versions: raw.versions.iter().filter_map(version_text).collect(),
        database_specific: raw.database_specific.as_ref().map(Value::to_string),
    }
}

fn convert_range(raw: OsvRange) -> Range {
    let mut events = Vec::with_capacity(raw.events.len());
    for e in raw.events {
        for (kind, value) in [
            (EventKind::Introduced, e.introduced),
            (EventKind::Fixed, e.fixed),
            (EventKind::LastAffected, e.last_affected),
            (EventKind::Limit, e.limit),
        ] {
            if let Some(version) = value.as_ref().and_then(version_text) {
                events.push(Event { kind, version });
            }
        }
    }
    Range {
        kind: RangeKind::from_osv(raw.kind.trim()),
        repo: raw.repo,
        events,
    }
}

/// The malware classification: a `MAL-` id or alias, OpenSSF origins, or
/// CWE-506 anywhere in the record's `database_specific`.
fn is_malicious(id: &str, aliases: &[String], database_specific: Option<&Value>) -> bool {
    let mal = |s: &str| {
        s.trim()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("MAL-"))
    };
    mal(id)
        || aliases.iter().any(|a| mal(a))
        || database_specific.is_some_and(|ds| {
            ds.get("malicious-packages-origins").is_some() || mentions_cwe_malware(ds, 0)
        })
}

fn mentions_cwe_malware(value: &Value, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match value {
        Value::String(s) => s.trim().eq_ignore_ascii_case(CWE_MALWARE),
        Value::Array(items) => items.iter().any(|v| mentions_cwe_malware(v, depth + 1)),
        Value::Object(map) => map.values().any(|v| mentions_cwe_malware(v, depth + 1)),
        _ => false,
    }
}

/// Reads `database_specific.iocs`: `domains`, `urls`, `ip_addresses`, and
/// every key naming a hash (`sha256`, `hashes`, `file_hashes`…).
fn extract_iocs(iocs: &Value) -> Iocs {
    let mut out = Iocs::default();
    let Some(map) = iocs.as_object() else {
        return out;
    };
    for (key, value) in map {
        let k = key.to_ascii_lowercase();
        match k.as_str() {
            "domains" => collect_strings(value, None, &mut out.domains),
            "urls" => collect_strings(value, None, &mut out.urls),
            "ip_addresses" | "ips" => collect_strings(value, None, &mut out.ip_addresses),
            _ if is_hash_key(&k) => {
                let prefix = (!k.contains("hash")).then_some(k.as_str());
                collect_strings(value, prefix, &mut out.hashes);
            }
            _ => {}
        }
    }
    out
}

fn is_hash_key(key: &str) -> bool {
    key.contains("hash") || ["md5", "sha1", "sha256", "sha512"].contains(&key)
}

/// Collects strings from a string, an array, or an object of
/// `algorithm: hash` pairs (whose keys become the prefix).
fn collect_strings(value: &Value, prefix: Option<&str>, out: &mut Vec<String>) {
    match value {
        Value::String(s) if !s.trim().is_empty() => out.push(match prefix {
            Some(p) => format!("{p}:{}", s.trim()),
            None => s.trim().to_owned(),
        }),
        Value::Array(items) => {
            for item in items {
                collect_strings(item, prefix, out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let k = k.to_ascii_lowercase();
                collect_strings(v, Some(&k), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Option<Advisory> {
        serde_json::from_str::<OsvRecord>(json)
            .unwrap()
            .into_advisory()
    }

    #[test]
    fn malware_classification() {
        let cases = [
            (r#"{"id":"MAL-2026-1"}"#, true),
            (r#"{"id":"GHSA-x","aliases":["MAL-2026-2"]}"#, true),
            (
                r#"{"id":"GHSA-y","database_specific":{"malicious-packages-origins":[]}}"#,
                true,
            ),
            (
                r#"{"id":"GHSA-z","affected":[{"database_specific":{"cwes":[{"cweId":"CWE-506"}]}}]}"#,
                true,
            ),
            (
                r#"{"id":"GHSA-w","database_specific":{"cwe_ids":["CWE-506"]}}"#,
                true,
            ),
            (
                r#"{"id":"GHSA-v","database_specific":{"cwe_ids":["CWE-79"]}}"#,
                false,
            ),
            (r#"{"id":"PYSEC-2026-2","aliases":["CVE-1"]}"#, false),
        ];
        for (json, want) in cases {
            assert_eq!(parse(json).unwrap().malicious, want, "{json}");
        }
    }

    #[test]
    fn lenient_fields() {
        let adv = parse(
            r#"{"id":"MAL-1","aliases":null,"summary":null,"schema_version":"9.9.9",
                "new_field":{"x":1},
                "affected":[{"package":{"ecosystem":"pypi","name":"Scrapy"},
                  "versions":["1.0", 2, null],
                  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1"}]}]}]}"#,
        )
        .unwrap();
        assert!(adv.aliases.is_empty());
        assert_eq!(adv.affected[0].ecosystem, "PyPI");
        assert_eq!(adv.affected[0].versions, ["1.0", "2"]);
        assert_eq!(adv.affected[0].ranges[0].events.len(), 2);
        assert_eq!(adv.affected[0].ranges[0].kind, RangeKind::Ecosystem);
    }

    #[test]
    fn empty_id_is_skipped() {
        assert!(parse(r#"{"id":""}"#).is_none());
        assert!(parse(r#"{"id":"  "}"#).is_none());
        assert!(parse(r#"{"summary":"no id"}"#).is_none());
    }

    #[test]
    fn iocs_are_kept() {
        let adv = parse(
            r#"{"id":"MAL-1","database_specific":{"iocs":{
                "domains":["bad.example"],"urls":["https://bad.example/x"],
                "ip_addresses":["192.0.2.1"],"sha256":["abc"],
                "file_hashes":[{"sha1":"def"}],"other":["ignored"]}}}"#,
        )
        .unwrap();
        assert_eq!(adv.iocs.domains, ["bad.example"]);
        assert_eq!(adv.iocs.urls, ["https://bad.example/x"]);
        assert_eq!(adv.iocs.ip_addresses, ["192.0.2.1"]);
        assert_eq!(adv.iocs.hashes, ["sha1:def", "sha256:abc"]);
    }
}
