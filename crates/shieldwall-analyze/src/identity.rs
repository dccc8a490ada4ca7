//! Which package an artifact is: its ecosystem, name and version, read
//! from the metadata inside it (`package.json`, `METADATA`, `PKG-INFO`),
//! with the file name as the fallback.

use shieldwall_core::Ecosystem;

use crate::artifact::{Artifact, ArtifactKind};

/// An artifact's identity, as far as it could be told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The ecosystem.
    pub ecosystem: Option<Ecosystem>,
    /// The package name.
    pub name: Option<String>,
    /// The package version.
    pub version: Option<String>,
}

/// Works out the identity of `artifact`.
pub fn identify(artifact: &Artifact) -> Identity {
    if let Some(file) = artifact.file("package.json")
        && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&file.bytes)
    {
        return Identity {
            ecosystem: Some(Ecosystem::Npm),
            name: json["name"].as_str().map(str::to_owned),
            version: json["version"].as_str().map(str::to_owned),
        };
    }
    let metadata = artifact.files.iter().find(|f| {
        let p = f.path.as_str();
        (p.ends_with(".dist-info/METADATA") && p.matches('/').count() == 1)
            || p == "PKG-INFO"
            || p == "EGG-INFO/PKG-INFO"
    });
    if let Some(file) = metadata {
        let text = String::from_utf8_lossy(&file.bytes);
        let field = |key: &str| {
            text.lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        return Identity {
            ecosystem: Some(Ecosystem::PyPI),
            name: field("Name:"),
            version: field("Version:"),
        };
    }
    let python = artifact.kind == ArtifactKind::Wheel
        || artifact.kind == ArtifactKind::Egg
        || artifact
            .files
            .iter()
            .any(|f| matches!(f.path.as_str(), "setup.py" | "pyproject.toml" | "setup.cfg"));
    let (name, version) = from_file_name(&artifact.display, artifact.root.as_deref());
    Identity {
        ecosystem: python.then_some(Ecosystem::PyPI),
        name,
        version,
    }
}

/// `name-1.0.tar.gz`, `name-1.0-py3-none-any.whl`, `name-1.0.tgz`: the
/// name and version a file name (or an sdist's top directory) carries.
fn from_file_name(display: &str, root: Option<&str>) -> (Option<String>, Option<String>) {
    let file = display.rsplit(['/', '\\']).next().unwrap_or(display);
    let stem = root
        .filter(|r| *r != "package")
        .unwrap_or_else(|| strip_extension(file));
    if file.ends_with(".whl") || file.ends_with(".egg") {
        let mut parts = stem.split('-');
        return (
            parts.next().map(str::to_owned),
            parts.next().map(str::to_owned),
        );
    }
    // The version starts at the last `-` followed by a digit.
    let split = stem
        .char_indices()
        .filter(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next_back();
    match split {
        Some(i) => (Some(stem[..i].to_owned()), Some(stem[i + 1..].to_owned())),
        None => (Some(stem.to_owned()).filter(|s| !s.is_empty()), None),
    }
}

fn strip_extension(file: &str) -> &str {
    for ext in [
        ".tar.gz", ".tar.bz2", ".tar.zst", ".tgz", ".tar", ".zip", ".whl", ".egg",
    ] {
        if let Some(stem) = file.strip_suffix(ext) {
            return stem;
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            from_file_name("x/lightning-2.6.2.tar.gz", None),
            (Some("lightning".into()), Some("2.6.2".into()))
        );
        assert_eq!(
            from_file_name("a-b-c-1.0rc1-py3-none-any.whl", None),
            (Some("a".into()), Some("b".into()))
        );
        assert_eq!(
            from_file_name("my-pkg-1.2.3.tgz", Some("package")),
            (Some("my-pkg".into()), Some("1.2.3".into()))
        );
        assert_eq!(
            from_file_name("whatever.tar.gz", Some("kazer-12-1")),
            (Some("kazer-12".into()), Some("1".into()))
        );
    }
}
