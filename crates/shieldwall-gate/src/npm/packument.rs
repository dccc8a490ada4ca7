//! npm packuments: the full document as the upstream sent it, the view a
//! client may see (held versions removed from `versions`, `time` and
//! `dist-tags`, `latest` recomputed, tarball URLs pointed at the gateway,
//! everything else kept, `dist.integrity` and signatures included), and
//! the abbreviated form npm and pnpm ask for.

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value};
use shieldwall_core::{Ecosystem, Version};

use crate::blobs::Expected;
use crate::metacache::CachedDoc;

/// The abbreviated packument content type.
pub const ABBREVIATED: &str = "application/vnd.npm.install-v1+json";

/// What the gateway needs to know about one version (for decisions and
/// tarball requests), without its manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionFacts {
    /// The version.
    pub version: Box<str>,
    /// `time[version]`, when present and a valid time.
    pub published: Option<Timestamp>,
    /// True when the registry says it runs code at install (lifecycle
    /// scripts in `scripts`, `hasInstallScript`, or `gypfile`).
    pub install_scripts: bool,
    /// `dist.integrity`, else `sha1-` from `dist.shasum`, as the file key.
    pub integrity: Option<Box<str>>,
    /// `dist.shasum`, kept only when there is no `dist.integrity` (the
    /// tarball is then checked against it).
    pub shasum: Option<Box<str>>,
    /// `dist.tarball`, the upstream URL of the tarball.
    pub tarball: Option<Box<str>>,
}

impl VersionFacts {
    /// The hash the tarball is checked against: `dist.integrity`, else
    /// `dist.shasum`; `None` when the registry declares neither.
    pub fn expected(&self) -> Option<Expected> {
        match (&self.shasum, &self.integrity) {
            (Some(sha1), _) => Some(Expected::Sha1(sha1.to_string())),
            (None, Some(sri)) => Some(Expected::Integrity(sri.to_string())),
            (None, None) => None,
        }
    }

    /// The file name of the upstream tarball (the last segment of its URL).
    pub fn tarball_file(&self) -> Option<&str> {
        self.tarball
            .as_deref()
            .and_then(|url| url.rsplit('/').next())
    }
}

/// A packument as the gateway keeps it: the upstream document (parsed
/// again only to render a view) and the facts of every version. The
/// parsed tree of a packument is several times the size of its bytes, so
/// it is not kept.
#[derive(Debug)]
pub struct Packument {
    /// The cached upstream document.
    pub doc: Arc<CachedDoc>,
    /// Its `name`.
    pub name: Box<str>,
    /// Every version, in the order of the document's `versions` map.
    pub versions: Vec<VersionFacts>,
}

impl Packument {
    /// Reads the packument in `doc`; an error says why it is not one.
    pub fn read(doc: Arc<CachedDoc>) -> Result<Self, String> {
        let value: Value =
            serde_json::from_slice(&doc.body).map_err(|e| format!("is not valid JSON: {e}"))?;
        if !value.get("versions").is_some_and(Value::is_object) {
            return Err("has no `versions`".to_owned());
        }
        let name = value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into();
        let versions = versions(&value);
        Ok(Self {
            doc,
            name,
            versions,
        })
    }

    /// The whole document, parsed (for a view).
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.doc.body).expect("the packument was read when it was cached")
    }

    /// The facts of `version`.
    pub fn version(&self, version: &str) -> Option<&VersionFacts> {
        self.versions.iter().find(|f| &*f.version == version)
    }
}

/// The facts of every version in `packument`.
pub fn versions(packument: &Value) -> Vec<VersionFacts> {
    let times = packument.get("time").and_then(Value::as_object);
    let Some(versions) = packument.get("versions").and_then(Value::as_object) else {
        return Vec::new();
    };
    versions
        .iter()
        .map(|(version, manifest)| {
            let dist = manifest.get("dist");
            let text = |key: &str| dist.and_then(|d| d.get(key)).and_then(Value::as_str);
            VersionFacts {
                version: version.as_str().into(),
                published: times
                    .and_then(|t| t.get(version))
                    .and_then(Value::as_str)
                    .and_then(|t| t.parse::<Timestamp>().ok()),
                install_scripts: declares_install_scripts(manifest),
                integrity: integrity(manifest).map(String::into_boxed_str),
                shasum: match text("integrity") {
                    Some(_) => None,
                    None => text("shasum").map(Box::from),
                },
                tarball: text("tarball").map(Box::from),
            }
        })
        .collect()
}

/// The lifecycle scripts npm runs when it installs a package.
pub const INSTALL_SCRIPTS: &[&str] = &["preinstall", "install", "postinstall"];

fn declares_install_scripts(manifest: &Value) -> bool {
    let scripts = manifest.get("scripts").and_then(Value::as_object);
    scripts.is_some_and(|s| INSTALL_SCRIPTS.iter().any(|k| s.contains_key(*k)))
        || manifest.get("hasInstallScript").and_then(Value::as_bool) == Some(true)
        || manifest.get("gypfile").and_then(Value::as_bool) == Some(true)
}

/// The integrity of a version manifest: `dist.integrity`, else the sha1
/// `dist.shasum` in SRI form.
pub fn integrity(manifest: &Value) -> Option<String> {
    let dist = manifest.get("dist")?;
    if let Some(sri) = dist.get("integrity").and_then(Value::as_str) {
        return Some(sri.to_owned());
    }
    let shasum = dist.get("shasum").and_then(Value::as_str)?;
    let bytes = hex::decode(shasum).ok()?;
    use base64::Engine;
    Some(format!(
        "sha1-{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The view of `packument` with only the versions `visible` accepts,
/// tarball URLs rewritten to `{base}/npm/...`.
pub fn filtered(packument: Value, base: &str, visible: impl Fn(&str) -> bool) -> Value {
    let mut out = packument;
    let Some(doc) = out.as_object_mut() else {
        return out;
    };
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let mut hidden = Vec::new();
    if let Some(versions) = doc.get_mut("versions").and_then(Value::as_object_mut) {
        versions.retain(|version, _| {
            let keep = visible(version);
            if !keep {
                hidden.push(version.clone());
            }
            keep
        });
        for manifest in versions.values_mut() {
            rewrite_tarball(manifest, base, &name);
        }
    }
    if let Some(time) = doc.get_mut("time").and_then(Value::as_object_mut) {
        for version in &hidden {
            time.remove(version);
        }
    }
    let visible_versions: Vec<String> = doc
        .get("versions")
        .and_then(Value::as_object)
        .map(|v| v.keys().cloned().collect())
        .unwrap_or_default();
    if let Some(tags) = doc.get_mut("dist-tags").and_then(Value::as_object_mut) {
        let upstream_latest = tags
            .get("latest")
            .and_then(Value::as_str)
            .map(str::to_owned);
        tags.retain(|tag, version| {
            tag == "latest"
                || version
                    .as_str()
                    .is_some_and(|v| visible_versions.iter().any(|x| x == v))
        });
        match new_latest(&visible_versions, upstream_latest.as_deref()) {
            Some(latest) => {
                tags.insert("latest".to_owned(), Value::String(latest));
            }
            None => {
                tags.remove("latest");
            }
        }
    }
    out
}

/// `latest` after filtering: upstream's `latest` when it is visible, else
/// the highest visible version that is not a prerelease and not above
/// upstream's `latest`.
fn new_latest(visible: &[String], upstream: Option<&str>) -> Option<String> {
    if let Some(latest) = upstream
        && visible.iter().any(|v| v == latest)
    {
        return Some(latest.to_owned());
    }
    let ceiling = upstream.and_then(|u| Version::parse(Ecosystem::Npm, u).ok());
    visible
        .iter()
        .filter_map(|v| Version::parse(Ecosystem::Npm, v).ok().map(|p| (p, v)))
        .filter(|(p, _)| !p.is_prerelease())
        .filter(|(p, _)| ceiling.as_ref().is_none_or(|c| p <= c))
        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, v)| v.clone())
}

fn rewrite_tarball(manifest: &mut Value, base: &str, name: &str) {
    let Some(dist) = manifest.get_mut("dist").and_then(Value::as_object_mut) else {
        return;
    };
    let Some(url) = dist.get("tarball").and_then(Value::as_str) else {
        return;
    };
    let file = url.rsplit('/').next().unwrap_or("").to_owned();
    if file.is_empty() {
        return;
    }
    dist.insert(
        "tarball".to_owned(),
        Value::String(format!("{base}/npm/{name}/-/{file}")),
    );
}

/// The fields of a version manifest the abbreviated form keeps.
const ABBREVIATED_FIELDS: &[&str] = &[
    "name",
    "version",
    "deprecated",
    "dependencies",
    "optionalDependencies",
    "devDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "acceptDependencies",
    "bin",
    "directories",
    "dist",
    "engines",
    "cpu",
    "os",
    "libc",
    "funding",
    "license",
    "_hasShrinkwrap",
    "hasInstallScript",
];

/// The abbreviated form (`application/vnd.npm.install-v1+json`) of a full
/// packument, with `time` kept (pnpm reads it for its own age gate).
pub fn abbreviated(full: &Value) -> Value {
    let mut out = Map::new();
    for key in ["name", "dist-tags", "time"] {
        if let Some(v) = full.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    let modified = full
        .get("time")
        .and_then(|t| t.get("modified"))
        .cloned()
        .unwrap_or(Value::Null);
    if !modified.is_null() {
        out.insert("modified".to_owned(), modified);
    }
    let mut versions = Map::new();
    if let Some(all) = full.get("versions").and_then(Value::as_object) {
        for (version, manifest) in all {
            let mut slim = Map::new();
            for field in ABBREVIATED_FIELDS {
                if let Some(v) = manifest.get(*field) {
                    slim.insert((*field).to_owned(), v.clone());
                }
            }
            if !slim.contains_key("hasInstallScript") && declares_install_scripts(manifest) {
                slim.insert("hasInstallScript".to_owned(), Value::Bool(true));
            }
            versions.insert(version.clone(), Value::Object(slim));
        }
    }
    out.insert("versions".to_owned(), Value::Object(versions));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn packument() -> Value {
        json!({
            "name": "@scope/demo",
            "dist-tags": {"latest": "2.0.0", "next": "3.0.0-rc.1", "old": "1.0.0"},
            "time": {"created": "2020-01-01T00:00:00Z", "modified": "2026-06-01T00:00:00Z",
                     "1.0.0": "2020-01-01T00:00:00Z", "1.5.0": "2021-01-01T00:00:00Z",
                     "2.0.0": "2026-06-01T00:00:00Z", "3.0.0-rc.1": "2026-06-01T00:00:00Z"},
            "versions": {
                "1.0.0": {"name": "@scope/demo", "version": "1.0.0", "dist": {"tarball": "http://up/@scope/demo/-/demo-1.0.0.tgz", "shasum": "00ff"}},
                "1.5.0": {"name": "@scope/demo", "version": "1.5.0", "scripts": {"postinstall": "node x.js"}, "dist": {"tarball": "http://up/@scope/demo/-/demo-1.5.0.tgz", "integrity": "sha512-abc", "signatures": [{"keyid": "k", "sig": "s"}]}},
                "2.0.0": {"name": "@scope/demo", "version": "2.0.0", "readme": "long", "dist": {"tarball": "http://up/@scope/demo/-/demo-2.0.0.tgz", "integrity": "sha512-def"}},
                "3.0.0-rc.1": {"name": "@scope/demo", "version": "3.0.0-rc.1", "dist": {"tarball": "http://up/@scope/demo/-/demo-3.0.0-rc.1.tgz", "integrity": "sha512-ghi"}}
            }
        })
    }

    #[test]
    fn facts_read_times_scripts_and_integrity() {
        let facts = versions(&packument());
        let v15 = facts.iter().find(|f| &*f.version == "1.5.0").unwrap();
        assert!(v15.install_scripts);
        assert_eq!(
            v15.published,
            Some("2021-01-01T00:00:00Z".parse::<Timestamp>().unwrap())
        );
        assert_eq!(v15.integrity.as_deref(), Some("sha512-abc"));
        assert_eq!(
            v15.expected(),
            Some(Expected::Integrity("sha512-abc".to_owned()))
        );
        assert_eq!(v15.tarball_file(), Some("demo-1.5.0.tgz"));
        let v1 = facts.iter().find(|f| &*f.version == "1.0.0").unwrap();
        assert!(!v1.install_scripts);
        assert_eq!(v1.integrity.as_deref(), Some("sha1-AP8="));
        assert_eq!(v1.expected(), Some(Expected::Sha1("00ff".to_owned())));
    }

    fn cached(body: Vec<u8>) -> Arc<CachedDoc> {
        Arc::new(CachedDoc {
            upstream: 0,
            url: "http://up/@scope%2fdemo".to_owned(),
            content_type: Some("application/json".to_owned()),
            body: body.into(),
            fetched_at: Timestamp::now(),
        })
    }

    #[test]
    fn a_kept_packument_has_its_facts_and_parses_again_in_full() {
        let packument = Packument::read(cached(packument().to_string().into_bytes())).unwrap();
        assert_eq!(&*packument.name, "@scope/demo");
        assert_eq!(packument.versions.len(), 4);
        let facts = packument.version("2.0.0").unwrap();
        assert_eq!(facts.tarball_file(), Some("demo-2.0.0.tgz"));
        assert!(packument.version("9.9.9").is_none());
        assert_eq!(packument.value(), self::packument());
        let err = Packument::read(cached(b"{".to_vec())).unwrap_err();
        assert!(err.starts_with("is not valid JSON"), "{err}");
        let err = Packument::read(cached(br#"{"name":"x"}"#.to_vec())).unwrap_err();
        assert_eq!(err, "has no `versions`");
    }

    #[test]
    fn hidden_versions_leave_every_place_and_latest_is_recomputed() {
        let view = filtered(packument(), "http://gate:8080", |v| {
            v != "2.0.0" && v != "3.0.0-rc.1"
        });
        assert!(view["versions"].get("2.0.0").is_none());
        assert!(view["time"].get("2.0.0").is_none());
        assert_eq!(view["time"]["created"], "2020-01-01T00:00:00Z");
        assert_eq!(view["dist-tags"]["latest"], "1.5.0");
        assert!(view["dist-tags"].get("next").is_none());
        assert_eq!(view["dist-tags"]["old"], "1.0.0");
        assert_eq!(
            view["versions"]["1.5.0"]["dist"]["tarball"],
            "http://gate:8080/npm/@scope/demo/-/demo-1.5.0.tgz"
        );
        assert_eq!(
            view["versions"]["1.5.0"]["dist"]["signatures"][0]["sig"],
            "s"
        );
    }

    #[test]
    fn latest_never_moves_above_upstream_latest_or_to_a_prerelease() {
        let visible = [
            "1.0.0".to_owned(),
            "3.0.0".to_owned(),
            "2.1.0-beta".to_owned(),
        ];
        assert_eq!(
            new_latest(&visible, Some("2.5.0")).as_deref(),
            Some("1.0.0")
        );
        assert_eq!(
            new_latest(&visible, Some("3.0.0")).as_deref(),
            Some("3.0.0")
        );
        assert_eq!(new_latest(&["1.0.0-rc".to_owned()], Some("1.0.0")), None);
    }

    #[test]
    fn the_abbreviated_form_keeps_install_fields_and_time() {
        let short = abbreviated(&packument());
        assert!(short["versions"]["2.0.0"].get("readme").is_none());
        assert_eq!(short["versions"]["1.5.0"]["hasInstallScript"], true);
        assert_eq!(
            short["versions"]["1.5.0"]["dist"]["integrity"],
            "sha512-abc"
        );
        assert_eq!(short["modified"], "2026-06-01T00:00:00Z");
        assert_eq!(short["time"]["1.0.0"], "2020-01-01T00:00:00Z");
    }
}
