//! SARIF 2.1.0 output for code-scanning dashboards.
//!
//! One rule per advisory, one result per finding location. Warnings
//! (ranges that admit a bad version) are SARIF `warning`s; present
//! known-bad versions are `error`s. Files that were not read are reported
//! as tool execution notifications, so a dashboard shows the gaps too.

use serde_json::{Value, json};

use crate::{ScanReport, Severity};

/// Renders the report as a SARIF 2.1.0 log.
pub fn render_sarif(report: &ScanReport) -> String {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<&str> = Vec::new();
    for finding in &report.findings {
        for advisory in &finding.advisory_details {
            if rule_ids.contains(&advisory.id.as_str()) {
                continue;
            }
            rule_ids.push(&advisory.id);
            let kind = if advisory.malicious {
                "malicious package"
            } else {
                "vulnerable package"
            };
            rules.push(json!({
                "id": advisory.id,
                "shortDescription": { "text": format!("{kind}: {}", advisory.summary) },
                "fullDescription": { "text": format!("{} (source: {})", advisory.summary, advisory.source) },
                "properties": {
                    "tags": ["security", "supply-chain", if advisory.malicious { "malware" } else { "vulnerability" }],
                    "aliases": advisory.aliases,
                    "source": advisory.source,
                },
            }));
        }
    }

    let mut results = Vec::new();
    for finding in &report.findings {
        let Some(rule_id) = finding.advisories.first() else {
            continue;
        };
        let rule_index = rule_ids.iter().position(|id| id == rule_id);
        let level = match finding.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Warning => "warning",
        };
        let what = match finding.severity {
            Severity::Warning => "admits known-bad version",
            _ => "known-bad package version present:",
        };
        for location in &finding.locations {
            let mut region = serde_json::Map::new();
            if let Some(line) = location.line {
                region.insert("startLine".into(), json!(line));
            }
            let mut physical =
                json!({ "artifactLocation": { "uri": path_to_uri(&location.path) } });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            results.push(json!({
                "ruleId": rule_id,
                "ruleIndex": rule_index,
                "level": level,
                "message": { "text": format!(
                    "{} {what} {} {} ({}): {}",
                    location.kind, finding.name, finding.version, finding.advisories.join(", "), finding.remediation
                )},
                "locations": [{ "physicalLocation": physical }],
                "partialFingerprints": {
                    "shieldwall/v1": format!("{}:{}@{}:{}", finding.ecosystem, finding.name, finding.version, location.path),
                },
                "properties": {
                    "ecosystem": finding.ecosystem,
                    "package": finding.name,
                    "version": finding.version,
                    "purl": finding.purl,
                    "severity": finding.severity,
                    "evidence": location.kind,
                },
            }));
        }
    }

    let notifications: Vec<Value> = report
        .not_covered
        .iter()
        .map(|item| {
            let mut physical = json!({ "artifactLocation": { "uri": path_to_uri(&item.path) } });
            if let Some(line) = item.line {
                physical["region"] = json!({ "startLine": line });
            }
            json!({
                "level": "warning",
                "message": { "text": format!("{}: {}", item.kind.as_str(), item.reason) },
                "locations": [{ "physicalLocation": physical }],
            })
        })
        .collect();

    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": { "summary": report.summary },
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// A relative or absolute file path as a URI reference: `/` separators and
/// every byte outside the unreserved and path characters percent-encoded.
pub(crate) fn path_to_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::path_to_uri;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            path_to_uri("app/package-lock.json"),
            "app/package-lock.json"
        );
        assert_eq!(path_to_uri("my app/req #1.txt"), "my%20app/req%20%231.txt");
        assert_eq!(path_to_uri("img.tar!usr/lib/x"), "img.tar!usr/lib/x");
    }
}
