//! CycloneDX JSON, specification 1.2 to 1.7.
//!
//! `metadata.component` (the subject, noted `sbom subject`) and every
//! `components[]` entry are read, nested `components[]` at any depth. A
//! component's `purl` is preferred, then a `bom-ref` that is a purl (as
//! several generators write). Without either, a `library`, `framework` or
//! `application` component is read from `name` and `version` when its
//! ecosystem is clear: `cdx:npm:*` properties say npm, `cdx:python:*`,
//! `cdx:pipenv:*` and `cdx:poetry:*` say PyPI, else the generating tool
//! (`metadata.tools`: cyclonedx-npm/cyclonedx-node or
//! cyclonedx-py/cyclonedx-bom) when it names one ecosystem. npm names get
//! their scope from `group`. Duplicate `bom-ref`s and repeated components
//! are tolerated: each package is reported once.

use serde_json::Value;
use shieldwall_core::Ecosystem;

use super::Collector;

/// Reads a CycloneDX document into `collector`.
pub(crate) fn read(doc: &Value, collector: &mut Collector<'_>) {
    let tool = tool_ecosystem(doc);
    if let Some(subject) = doc.get("metadata").and_then(|m| m.get("component")) {
        visit(subject, tool, Some("sbom subject"), collector);
    }
    for component in array(doc.get("components")) {
        visit(component, tool, None, collector);
    }
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn visit(
    component: &Value,
    tool: Option<Ecosystem>,
    note: Option<&str>,
    collector: &mut Collector<'_>,
) {
    let version = text(component, "version");
    let bom_ref = text(component, "bom-ref").filter(|r| r.starts_with("pkg:"));
    if let Some(purl) = text(component, "purl").or(bom_ref) {
        collector.purl(purl, version, note);
    } else if let (Some(name), Some(version)) = (text(component, "name"), version) {
        let kind = text(component, "type").unwrap_or("library");
        if matches!(kind, "library" | "framework" | "application") {
            match property_ecosystem(component).or(tool) {
                Some(Ecosystem::Npm) => {
                    let name = match text(component, "group") {
                        Some(group) if !name.starts_with('@') => {
                            format!("@{}/{name}", group.trim_start_matches('@'))
                        }
                        _ => name.to_owned(),
                    };
                    collector.named(Ecosystem::Npm, &name, version, "sbom name and version");
                }
                Some(Ecosystem::PyPI) => {
                    collector.named(Ecosystem::PyPI, name, version, "sbom name and version");
                }
                None => collector.unknown(),
            }
        }
    }
    for child in array(component.get("components")) {
        visit(child, tool, None, collector);
    }
}

/// The ecosystem named by a component's `cdx:<tool>:…` properties.
fn property_ecosystem(component: &Value) -> Option<Ecosystem> {
    array(component.get("properties"))
        .iter()
        .filter_map(|p| text(p, "name"))
        .find_map(|name| {
            if name.starts_with("cdx:npm:") {
                Some(Ecosystem::Npm)
            } else if ["cdx:python:", "cdx:pipenv:", "cdx:poetry:"]
                .iter()
                .any(|p| name.starts_with(p))
            {
                Some(Ecosystem::PyPI)
            } else {
                None
            }
        })
}

/// The one ecosystem the generating tools name, if exactly one.
fn tool_ecosystem(doc: &Value) -> Option<Ecosystem> {
    let tools = doc.get("metadata").and_then(|m| m.get("tools"));
    // 1.2–1.4: an array of tools; 1.5 and later: `{components, services}`.
    let listed = match tools {
        Some(Value::Array(items)) => items.as_slice(),
        Some(object) => array(object.get("components")),
        None => &[],
    };
    let mut found = None;
    for tool in listed {
        let name = text(tool, "name").unwrap_or_default().to_ascii_lowercase();
        let ecosystem = if name.contains("cyclonedx-npm") || name.contains("cyclonedx-node") {
            Ecosystem::Npm
        } else if name.contains("cyclonedx-py") || name.contains("cyclonedx-bom") {
            Ecosystem::PyPI
        } else {
            continue;
        };
        if found.is_some_and(|f| f != ecosystem) {
            return None;
        }
        found = Some(ecosystem);
    }
    found
}
