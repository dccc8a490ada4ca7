//! A project page of the Python simple repository API: read from an
//! upstream (PEP 691 JSON, or PEP 503 HTML), and written back in either
//! form with every field the upstream gave kept (PEP 592 `yanked`, PEP
//! 658/714 metadata, PEP 700 `upload-time` and `versions`, PEP 740
//! `provenance`), file URLs pointed at the gateway.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON content type of the simple API.
pub const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// The versioned HTML content type of the simple API.
pub const HTML_TYPE: &str = "application/vnd.pypi.simple.v1+html";

/// A project page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProjectPage {
    /// `api-version` and anything else the upstream put in `meta`.
    #[serde(default)]
    pub meta: Map<String, Value>,
    /// The project name.
    pub name: String,
    /// The files.
    #[serde(default)]
    pub files: Vec<FileEntry>,
    /// Every version of the project (PEP 700).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<String>>,
    /// Any other key the upstream sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One file on a project page.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileEntry {
    /// The file name.
    pub filename: String,
    /// Where to get it (absolute once read).
    pub url: String,
    /// Hash name to hex digest.
    #[serde(default)]
    pub hashes: BTreeMap<String, String>,
    /// `Requires-Python`.
    #[serde(
        rename = "requires-python",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub requires_python: Option<String>,
    /// `true`, or the reason it was yanked (PEP 592).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yanked: Option<Value>,
    /// When it was uploaded (PEP 700).
    #[serde(
        rename = "upload-time",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub upload_time: Option<String>,
    /// Its size in bytes (PEP 700).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Metadata file availability and hashes (PEP 714).
    #[serde(
        rename = "core-metadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub core_metadata: Option<Value>,
    /// The older name of `core-metadata` (PEP 658).
    #[serde(
        rename = "dist-info-metadata",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dist_info_metadata: Option<Value>,
    /// Whether a signature exists.
    #[serde(rename = "gpg-sig", default, skip_serializing_if = "Option::is_none")]
    pub gpg_sig: Option<Value>,
    /// The attestation bundle URL (PEP 740), passed through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Value>,
    /// Any other key the upstream sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FileEntry {
    /// The file's sha256, lowercase, if the upstream gave one.
    pub fn sha256(&self) -> Option<String> {
        self.hashes.get("sha256").map(|h| h.to_ascii_lowercase())
    }

    /// The sha256 of the metadata file, if one is offered with a hash.
    pub fn metadata_sha256(&self) -> Option<String> {
        [&self.core_metadata, &self.dist_info_metadata]
            .into_iter()
            .flatten()
            .find_map(|v| v.get("sha256").and_then(Value::as_str))
            .map(str::to_ascii_lowercase)
    }

    /// True when a metadata file is offered.
    pub fn has_metadata(&self) -> bool {
        [&self.core_metadata, &self.dist_info_metadata]
            .into_iter()
            .flatten()
            .any(|v| !matches!(v, Value::Bool(false) | Value::Null))
    }
}

/// Why an upstream page could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the upstream project page is not valid: {0}")]
pub struct PageError(String);

impl ProjectPage {
    /// Reads an upstream page; `content_type` picks JSON or HTML, and
    /// relative URLs are made absolute against `base`.
    pub fn parse(
        body: &[u8],
        content_type: Option<&str>,
        name: &str,
        base: &reqwest::Url,
    ) -> Result<Self, PageError> {
        let is_json = content_type.is_some_and(|t| t.contains("json"));
        let mut page = if is_json {
            serde_json::from_slice::<Self>(body).map_err(|e| PageError(e.to_string()))?
        } else {
            let text = std::str::from_utf8(body).map_err(|e| PageError(e.to_string()))?;
            Self::from_html(text, name)
        };
        for file in &mut page.files {
            let absolute = base
                .join(&file.url)
                .map_err(|e| PageError(format!("file URL `{}`: {e}", file.url)))?;
            // The hash travels in `hashes`; a `#sha256=` fragment is HTML's
            // way of saying the same.
            if let Some(fragment) = absolute.fragment()
                && let Some((algo, digest)) = fragment.split_once('=')
            {
                file.hashes
                    .entry(algo.to_owned())
                    .or_insert_with(|| digest.to_owned());
            }
            let mut absolute = absolute;
            absolute.set_fragment(None);
            file.url = absolute.to_string();
        }
        Ok(page)
    }

    /// Reads a PEP 503 HTML page: one anchor per file.
    fn from_html(text: &str, name: &str) -> Self {
        let mut files = Vec::new();
        let mut rest = text;
        while let Some(start) = find_ci(rest, "<a ") {
            rest = &rest[start + 3..];
            let Some(end) = rest.find('>') else { break };
            let attrs = parse_attributes(&rest[..end]);
            rest = &rest[end + 1..];
            let close = find_ci(rest, "</a>").unwrap_or(rest.len());
            let label = unescape(rest[..close].trim());
            rest = &rest[close..];
            let Some(href) = attrs.get("href") else {
                continue;
            };
            let mut file = FileEntry {
                filename: label,
                url: href.clone(),
                requires_python: attrs.get("data-requires-python").cloned(),
                ..FileEntry::default()
            };
            if let Some(reason) = attrs.get("data-yanked") {
                file.yanked = Some(if reason.is_empty() {
                    Value::Bool(true)
                } else {
                    Value::String(reason.clone())
                });
            }
            for (attr, slot) in [
                ("data-core-metadata", &mut file.core_metadata),
                ("data-dist-info-metadata", &mut file.dist_info_metadata),
            ] {
                if let Some(value) = attrs.get(attr) {
                    *slot = Some(metadata_value(value));
                }
            }
            if file.core_metadata.is_none() {
                file.core_metadata = file.dist_info_metadata.clone();
            }
            if let Some(provenance) = attrs.get("data-provenance") {
                file.provenance = Some(Value::String(provenance.clone()));
            }
            files.push(file);
        }
        let mut meta = Map::new();
        meta.insert("api-version".to_owned(), Value::String("1.0".to_owned()));
        Self {
            meta,
            name: name.to_owned(),
            files,
            versions: None,
            extra: Map::new(),
        }
    }

    /// The page as PEP 691 JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a page serializes")
    }

    /// The page as PEP 503 HTML.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(256 + self.files.len() * 200);
        let api = self
            .meta
            .get("api-version")
            .and_then(Value::as_str)
            .unwrap_or("1.0");
        let name = escape(&self.name);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"{}\">\n<title>Links for {name}</title>\n</head>\n<body>\n<h1>Links for {name}</h1>\n",
            escape(api)
        );
        for file in &self.files {
            let mut href = file.url.clone();
            if let Some(hash) = file.sha256() {
                let _ = write!(href, "#sha256={hash}");
            }
            let _ = write!(out, "<a href=\"{}\"", escape(&href));
            if let Some(rp) = &file.requires_python {
                let _ = write!(out, " data-requires-python=\"{}\"", escape(rp));
            }
            match &file.yanked {
                Some(Value::String(reason)) => {
                    let _ = write!(out, " data-yanked=\"{}\"", escape(reason));
                }
                Some(Value::Bool(true)) => out.push_str(" data-yanked=\"\""),
                _ => {}
            }
            if let Some(value) = &file.core_metadata {
                let attr = html_metadata(value);
                if let Some(attr) = attr {
                    let _ = write!(
                        out,
                        " data-core-metadata=\"{0}\" data-dist-info-metadata=\"{0}\"",
                        escape(&attr)
                    );
                }
            }
            if let Some(Value::String(provenance)) = &file.provenance {
                let _ = write!(out, " data-provenance=\"{}\"", escape(provenance));
            }
            let _ = writeln!(out, ">{}</a><br/>", escape(&file.filename));
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

/// The HTML attribute value for a JSON metadata value (`true`, or a hash
/// object), or `None` when no metadata file is offered.
fn html_metadata(value: &Value) -> Option<String> {
    match value {
        Value::Bool(true) => Some("true".to_owned()),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
            .or_else(|| Some("true".to_owned())),
        _ => None,
    }
}

/// The JSON value for an HTML metadata attribute (`true` or `sha256=…`).
fn metadata_value(attr: &str) -> Value {
    match attr.split_once('=') {
        Some((algo, digest)) => {
            let mut map = Map::new();
            map.insert(algo.to_owned(), Value::String(digest.to_owned()));
            Value::Object(map)
        }
        None => Value::Bool(true),
    }
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let hay = haystack.as_bytes();
    let needle = needle.as_bytes();
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Attributes of a tag body (`href="…" data-yanked`), names lowercased,
/// values unescaped.
fn parse_attributes(tag: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    let bytes = tag.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let name = tag[start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let vstart = i + 1;
                let vend = tag[vstart..]
                    .bytes()
                    .position(|b| b == quote)
                    .map_or(tag.len(), |p| vstart + p);
                value = unescape(&tag[vstart..vend]);
                i = vend + 1;
            } else {
                let vstart = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = unescape(&tag[vstart..i]);
            }
        }
        attrs.insert(name, value);
    }
    attrs
}

/// Escapes text for HTML attributes and content.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes HTML escaping of the common entities and numeric references.
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The version in a distribution file name of `project` (normalized),
/// for wheels, eggs and sdists; `None` when the name does not fit.
pub fn file_version(filename: &str, project: &str) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        return (parts.len() >= 5).then(|| parts[1].to_owned());
    }
    if let Some(stem) = filename.strip_suffix(".egg") {
        return stem.split('-').nth(1).map(str::to_owned);
    }
    let stem = [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    // Legacy sdist names keep dashes in the project part: split where the
    // prefix normalizes to the project name.
    let normalized = shieldwall_core::Ecosystem::PyPI.normalize_name(project);
    stem.match_indices('-').find_map(|(i, _)| {
        let prefix = shieldwall_core::Ecosystem::PyPI.normalize_name(&stem[..i]);
        (prefix == normalized).then(|| stem[i + 1..].to_owned())
    })
}

/// Candidate project names for a file name (the gateway needs the project
/// to find a file a client asks for directly, as from a lockfile).
pub fn project_candidates(filename: &str) -> Vec<String> {
    let norm = |s: &str| {
        shieldwall_core::Ecosystem::PyPI
            .normalize_name(s)
            .into_owned()
    };
    if filename.ends_with(".whl") || filename.ends_with(".egg") {
        return filename.split('-').next().map(norm).into_iter().collect();
    }
    let stem = [".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))
        .unwrap_or(filename);
    let mut out: Vec<String> = stem
        .match_indices('-')
        .map(|(i, _)| norm(&stem[..i]))
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> reqwest::Url {
        reqwest::Url::parse("http://127.0.0.1:9000/simple/demo/").unwrap()
    }

    #[test]
    fn json_pages_keep_every_field_and_absolutize_urls() {
        let body = br#"{"meta":{"api-version":"1.1","_last-serial":7},"name":"demo",
          "versions":["1.0"],
          "files":[{"filename":"demo-1.0-py3-none-any.whl","url":"../../files/demo-1.0-py3-none-any.whl",
            "hashes":{"sha256":"AB"},"requires-python":">=3.8","upload-time":"2026-01-01T00:00:00.000000Z",
            "size":10,"core-metadata":{"sha256":"cd"},"provenance":"https://prov.example.test/x",
            "yanked":false,"x-custom":1}]}"#;
        let page = ProjectPage::parse(body, Some(JSON_TYPE), "demo", &base()).unwrap();
        let file = &page.files[0];
        assert_eq!(
            file.url,
            "http://127.0.0.1:9000/files/demo-1.0-py3-none-any.whl"
        );
        assert_eq!(file.sha256().as_deref(), Some("ab"));
        assert_eq!(file.metadata_sha256().as_deref(), Some("cd"));
        let out: Value = serde_json::from_slice(&page.to_json()).unwrap();
        assert_eq!(out["meta"]["_last-serial"], 7);
        assert_eq!(
            out["files"][0]["upload-time"],
            "2026-01-01T00:00:00.000000Z"
        );
        assert_eq!(out["files"][0]["x-custom"], 1);
        assert_eq!(out["files"][0]["provenance"], "https://prov.example.test/x");
        assert_eq!(out["versions"][0], "1.0");
    }

    #[test]
    fn html_pages_are_read_and_written() {
        let html = r#"<!DOCTYPE html><html><body>
          <a href="/files/demo-1.0.tar.gz#sha256=abcd" data-requires-python="&gt;=3.8">demo-1.0.tar.gz</a>
          <A HREF='demo-2.0-py3-none-any.whl#sha256=ef01' data-yanked="broken &amp; bad" data-dist-info-metadata="sha256=99">demo-2.0-py3-none-any.whl</A>
        </body></html>"#;
        let page = ProjectPage::parse(html.as_bytes(), Some("text/html"), "demo", &base()).unwrap();
        assert_eq!(page.files.len(), 2);
        assert_eq!(
            page.files[0].url,
            "http://127.0.0.1:9000/files/demo-1.0.tar.gz"
        );
        assert_eq!(page.files[0].requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(page.files[0].sha256().as_deref(), Some("abcd"));
        assert_eq!(
            page.files[1].yanked,
            Some(Value::String("broken & bad".to_owned()))
        );
        assert_eq!(page.files[1].metadata_sha256().as_deref(), Some("99"));
        let out = page.to_html();
        assert!(out.contains("data-requires-python=\"&gt;=3.8\""), "{out}");
        assert!(out.contains("data-yanked=\"broken &amp; bad\""), "{out}");
        assert!(out.contains("data-core-metadata=\"sha256=99\""), "{out}");
        assert!(out.contains("#sha256=ef01\""), "{out}");
        let again = ProjectPage::parse(out.as_bytes(), Some("text/html"), "demo", &base()).unwrap();
        assert_eq!(again.files.len(), 2);
        assert_eq!(again.files[1].yanked, page.files[1].yanked);
    }

    #[test]
    fn versions_come_from_file_names() {
        assert_eq!(
            file_version("demo-1.0-py3-none-any.whl", "demo").as_deref(),
            Some("1.0")
        );
        assert_eq!(
            file_version("python-dateutil-2.8.2.tar.gz", "python-dateutil").as_deref(),
            Some("2.8.2")
        );
        assert_eq!(
            file_version("Demo_Pkg-0.1.zip", "demo-pkg").as_deref(),
            Some("0.1")
        );
        assert_eq!(file_version("other-1.0.tar.gz", "demo"), None);
        assert_eq!(
            project_candidates("python-dateutil-2.8.2.tar.gz"),
            vec!["python-dateutil", "python"]
        );
        assert_eq!(
            project_candidates("Demo_Pkg-1.0-py3-none-any.whl"),
            vec!["demo-pkg"]
        );
    }
}
