//! `pylock.toml` and `pylock.<name>.toml` (PEP 751). `version` is optional
//! there: when absent it is read from the file name of a wheel
//! (`wheels[].name` or its URL/path), the sdist, or the archive. VCS,
//! directory and archive sources are noted; a version-less
//! `directory = {path = "."}` is the project itself and skipped. The first
//! artifact hash (`sha256:<hex>`) is recorded.

use shieldwall_core::EvidenceKind;
use toml::de::DeValue;

use super::text::{Found, decode, dist_from_file_name, url_file_name};
use super::tomldoc::{Doc, entries, get, get_str, items, major};
use crate::{ExtractError, Extraction, Extractor, FileInput, Problem};

/// The `pylock.toml` extractor (`python/pylock`).
pub(crate) struct Pylock;

/// True for `pylock.toml` and `pylock.<name>.toml`.
pub(crate) fn matches(file_name: &str) -> bool {
    file_name == "pylock.toml"
        || file_name
            .strip_prefix("pylock.")
            .and_then(|rest| rest.strip_suffix(".toml"))
            .is_some_and(|name| !name.is_empty() && !name.contains('.'))
}

impl Extractor for Pylock {
    fn id(&self) -> &'static str {
        "python/pylock"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        let doc = Doc::parse(input, &text)?;
        if let Some(version) = get_str(&doc.root, "lock-version")
            && major(version) != Some(1)
        {
            return Err(ExtractError::unsupported(
                input,
                format!("pylock lock-version {version} is not supported"),
            ));
        }
        let mut out = Extraction::default();
        for package in doc.packages(input, "packages")? {
            let table = package.get_ref();
            let Some(name) = get_str(table, "name") else {
                out.problems.push(Problem {
                    line: doc.line(package),
                    message: "package entry without a name".to_owned(),
                });
                continue;
            };
            let directory = get(table, "directory").map(|d| d.get_ref());
            let mut notes = Vec::new();
            let version = match get_str(table, "version") {
                Some(v) => v.to_owned(),
                None => match derived_version(table) {
                    Some((v, from)) => {
                        notes.push(format!("version from {from} file name"));
                        v
                    }
                    None => {
                        if directory.and_then(|d| get_str(d, "path")) == Some(".") {
                            continue;
                        }
                        String::new()
                    }
                },
            };
            let mut found = Found::new(name, version);
            found.line = doc.line(package);
            found.hash = first_hash(table);
            if let Some(vcs) = get(table, "vcs").map(|v| v.get_ref()) {
                let kind = get_str(vcs, "type").unwrap_or("vcs");
                let commit = get_str(vcs, "commit-id").unwrap_or_default();
                notes.insert(0, format!("{kind} source {commit}").trim_end().to_owned());
            } else if let Some(dir) = directory {
                let path = get_str(dir, "path").unwrap_or_default();
                notes.insert(0, format!("local directory {path}").trim_end().to_owned());
                if get(dir, "editable").and_then(|e| e.get_ref().as_bool()) == Some(true) {
                    notes.insert(1, "editable".to_owned());
                }
            } else if get(table, "archive").is_some() {
                notes.insert(0, "archive source".to_owned());
            }
            found.notes = notes;
            out.packages
                .push(found.into_ref(input.display, EvidenceKind::Lockfile));
        }
        Ok(out)
    }
}

/// The file name of a wheel/sdist/archive table: `name`, else the last
/// segment of `url` or `path`.
fn artifact_file_name<'a>(artifact: &'a DeValue<'_>) -> Option<&'a str> {
    get_str(artifact, "name")
        .or_else(|| get_str(artifact, "url").map(url_file_name))
        .or_else(|| get_str(artifact, "path").map(url_file_name))
}

fn derived_version(table: &DeValue<'_>) -> Option<(String, &'static str)> {
    let wheel = items(table, "wheels")
        .iter()
        .filter_map(|w| artifact_file_name(w.get_ref()))
        .find_map(dist_from_file_name)
        .map(|(_, v)| (v, "wheel"));
    let sdist = || {
        get(table, "sdist")
            .and_then(|s| artifact_file_name(s.get_ref()))
            .and_then(dist_from_file_name)
            .map(|(_, v)| (v, "sdist"))
    };
    let archive = || {
        get(table, "archive")
            .and_then(|s| artifact_file_name(s.get_ref()))
            .and_then(dist_from_file_name)
            .map(|(_, v)| (v, "archive"))
    };
    wheel.or_else(sdist).or_else(archive)
}

fn hash_of(artifact: &DeValue<'_>) -> Option<String> {
    let hashes = entries(artifact, "hashes");
    let (algo, value) = hashes
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "sha256")
        .or_else(|| hashes.first())?;
    let value = value.get_ref().as_str()?;
    Some(format!("{}:{value}", algo.get_ref()))
}

fn first_hash(table: &DeValue<'_>) -> Option<String> {
    items(table, "wheels")
        .iter()
        .find_map(|w| hash_of(w.get_ref()))
        .or_else(|| get(table, "sdist").and_then(|s| hash_of(s.get_ref())))
        .or_else(|| get(table, "archive").and_then(|s| hash_of(s.get_ref())))
}
