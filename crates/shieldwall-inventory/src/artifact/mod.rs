//! Package archives on disk: build artifacts and downloaded files.
//!
//! | id | files | identity from |
//! |---|---|---|
//! | `python/wheel` | `*.whl` | `<name>-<version>.dist-info/METADATA` inside |
//! | `python/egg` | `*.egg` | `EGG-INFO/PKG-INFO` inside |
//! | `python/sdist` | `<name>-<version>.tar.gz`, `.tar.bz2`, `.zip` (the file name must read as a Python distribution) | `<top>/*.egg-info/PKG-INFO` (also under `<top>/src/`), else `<top>/PKG-INFO` |
//! | `npm/tarball` | `*.tgz` | `package/package.json` when the first member is under `package/`; a `.tgz` holding an sdist is read as one |
//!
//! The identity always comes from the metadata inside, never from the file
//! name alone; when the file name names another package or version, the
//! location gets a `file name says <name> <version>` note. Every package
//! is kind [`EvidenceKind::Artifact`], located at the **artifact file
//! itself** (`dist/foo-1.0-py3-none-any.whl`, no member suffix, no line),
//! with the sha256 of the whole file as its hash (`sha256:<hex>`), which
//! is what lockfiles and indexes record for the same file.
//!
//! Archives are read with [`shieldwall_archive`]: only the metadata
//! members are decompressed, under [`Limits::default`]. An archive that
//! cannot be read, or holds no metadata, is [`ExtractError::Malformed`]
//! with the reason; damage after the metadata was read, and suspicious
//! members (`..` paths, links, duplicates, zip bombs) are
//! [`Problem`](crate::Problem)s.
//!
//! Not read yet: archives inside archives (wheels inside a PEX or a
//! zipapp, `.vsix` and `.asar` bundles), and the `RECORD` of a wheel.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use shieldwall_archive::{ArchiveRead, Format, Limits, Member, read_members};
use shieldwall_core::{Ecosystem, EvidenceKind, Version};

use crate::npm::common::npm_ref;
use crate::python::installed::core_metadata;
use crate::python::text::dist_from_file_name;
use crate::{Detected, ExtractError, Extraction, Extractor, FileInput, Problem};

/// Most archive issues listed as problems for one artifact.
const MAX_PROBLEMS: usize = 20;

/// Reads wheels.
pub(crate) struct Wheel;
/// Reads eggs.
pub(crate) struct Egg;
/// Reads Python source distributions.
pub(crate) struct Sdist;
/// Reads npm package tarballs.
pub(crate) struct NpmTarball;

static WHEEL: Wheel = Wheel;
static EGG: Egg = Egg;
static SDIST: Sdist = Sdist;
static NPM_TARBALL: NpmTarball = NpmTarball;

/// Classifies package archives by file name.
pub(crate) fn classify(_path: &Path, file_name: &str) -> Option<Detected> {
    let lower = file_name.to_ascii_lowercase();
    let extractor: &'static dyn Extractor = if lower.ends_with(".whl") {
        &WHEEL
    } else if lower.ends_with(".egg") {
        &EGG
    } else if lower.ends_with(".tgz") {
        &NPM_TARBALL
    } else if (lower.ends_with(".tar.gz") || lower.ends_with(".tar.bz2") || lower.ends_with(".zip"))
        && dist_from_file_name(file_name).is_some()
    {
        &SDIST
    } else {
        return None;
    };
    Some(Detected::Extract(extractor))
}

/// Every artifact extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    vec![&WHEEL, &EGG, &SDIST, &NPM_TARBALL]
}

impl Extractor for Wheel {
    fn id(&self) -> &'static str {
        "python/wheel"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let read = open(input, Format::Zip, |p| {
            p.split_once('/').is_some_and(|(dir, rest)| {
                rest == "METADATA" && dir.to_ascii_lowercase().ends_with(".dist-info")
            })
        });
        python(input, read, "wheel has no `*.dist-info/METADATA`", |_| 0)
    }
}

impl Extractor for Egg {
    fn id(&self) -> &'static str {
        "python/egg"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let read = open(input, Format::Zip, |p| p == "EGG-INFO/PKG-INFO");
        python(input, read, "egg has no `EGG-INFO/PKG-INFO`", |_| 0)
    }
}

impl Extractor for Sdist {
    fn id(&self) -> &'static str {
        "python/sdist"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let format = Format::from_file_name(file_name(input)).unwrap_or(Format::TarGzip);
        let read = open(input, format, |p| is_sdist_metadata(p) || p == NPM_MANIFEST);
        if read.members.iter().any(|m| m.path == NPM_MANIFEST) {
            return npm(input, read);
        }
        python(input, read, "sdist has no `PKG-INFO`", sdist_rank)
    }
}

impl Extractor for NpmTarball {
    fn id(&self) -> &'static str {
        "npm/tarball"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let mut first: Option<bool> = None;
        let read = open(input, Format::TarGzip, |p| {
            first.get_or_insert_with(|| p.starts_with("package/"));
            p == NPM_MANIFEST || is_sdist_metadata(p)
        });
        if first == Some(true) || read.members.iter().any(|m| m.path == NPM_MANIFEST) {
            return npm(input, read);
        }
        if read.members.iter().any(|m| is_sdist_metadata(&m.path)) {
            return python(input, read, "sdist has no `PKG-INFO`", sdist_rank);
        }
        // Not a package tarball: nothing to report, unless it is damaged.
        match read.error {
            Some(error) => Err(ExtractError::malformed(input, None, error.reason())),
            None => Ok(Extraction::default()),
        }
    }
}

const NPM_MANIFEST: &str = "package/package.json";

fn file_name<'a>(input: &FileInput<'a>) -> &'a str {
    input
        .display
        .rsplit(['/', '\\', '!'])
        .next()
        .unwrap_or_default()
}

fn open(input: &FileInput<'_>, format: Format, want: impl FnMut(&str) -> bool) -> ArchiveRead {
    read_members(
        Cursor::new(input.bytes),
        format,
        input.display,
        &Limits::default(),
        want,
    )
}

/// `<top>/PKG-INFO`, `<top>/<x>.egg-info/PKG-INFO` or
/// `<top>/src/<x>.egg-info/PKG-INFO`.
fn is_sdist_metadata(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let egg_info = |dir: &str| dir.to_ascii_lowercase().ends_with(".egg-info");
    match parts.as_slice() {
        [_, "PKG-INFO"] => true,
        [_, dir, "PKG-INFO"] => egg_info(dir),
        [_, "src", dir, "PKG-INFO"] => egg_info(dir),
        _ => false,
    }
}

/// Lower is preferred: an `*.egg-info/PKG-INFO` over the top-level one.
fn sdist_rank(path: &str) -> usize {
    if path.matches('/').count() == 1 { 1 } else { 0 }
}

/// The sha256 of the artifact file, as `sha256:<hex>`.
fn file_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The member as an extractor input: its display is `<artifact>!<member>`
/// and its path lies under the artifact file, so no neighbour can ever
/// be read from disk.
fn with_member<T>(
    input: &FileInput<'_>,
    member: &Member,
    f: impl FnOnce(&FileInput<'_>) -> T,
) -> T {
    let display: Arc<str> = Arc::from(format!("{}!{}", input.display, member.path));
    let path = input.path.join(&member.path);
    f(&FileInput {
        path: &path,
        display: &display,
        bytes: &member.bytes,
    })
}

/// Archive issues and late damage as problems.
fn problems(read: &ArchiveRead) -> Vec<Problem> {
    let mut out: Vec<Problem> = read
        .issues
        .iter()
        .take(MAX_PROBLEMS)
        .map(|issue| Problem {
            line: None,
            message: format!("archive member {issue}"),
        })
        .collect();
    let more = read.issues.len().saturating_sub(MAX_PROBLEMS) as u64 + read.issues_dropped;
    if more > 0 {
        out.push(Problem {
            line: None,
            message: format!("{more} more suspicious archive members"),
        });
    }
    if let Some(error) = &read.error {
        out.push(Problem {
            line: None,
            message: error.reason(),
        });
    }
    out
}

fn python(
    input: &FileInput<'_>,
    read: ArchiveRead,
    missing: &str,
    rank: fn(&str) -> usize,
) -> Result<Extraction, ExtractError> {
    let Some(member) = read
        .members
        .iter()
        .filter(|m| m.path != NPM_MANIFEST)
        .min_by_key(|m| rank(&m.path))
    else {
        let message = match &read.error {
            Some(error) => error.reason(),
            None => missing.to_owned(),
        };
        return Err(ExtractError::malformed(input, None, message));
    };
    let mut found = with_member(input, member, core_metadata)?;
    found.line = None;
    found.hash = Some(file_hash(input.bytes));
    if let Some((name, version)) = dist_from_file_name(file_name(input)) {
        let same_name =
            Ecosystem::PyPI.normalize_name(&name) == Ecosystem::PyPI.normalize_name(&found.name);
        let same_version = version == found.version
            || matches!(
                (Version::parse(Ecosystem::PyPI, &version), Version::parse(Ecosystem::PyPI, &found.version)),
                (Ok(a), Ok(b)) if a == b
            );
        if !same_name || !same_version {
            found.notes.push(format!("file name says {name} {version}"));
        }
    }
    let mut out = Extraction {
        problems: problems(&read),
        ..Extraction::default()
    };
    out.packages
        .push(found.into_ref(input.display, EvidenceKind::Artifact));
    Ok(out)
}

fn npm(input: &FileInput<'_>, read: ArchiveRead) -> Result<Extraction, ExtractError> {
    let Some(member) = read.members.iter().find(|m| m.path == NPM_MANIFEST) else {
        let message = match &read.error {
            Some(error) => error.reason(),
            None => format!("npm tarball has no `{NPM_MANIFEST}`"),
        };
        return Err(ExtractError::malformed(input, None, message));
    };
    let identity = with_member(input, member, crate::npm::package_json::identity)?;
    let mut out = Extraction {
        problems: problems(&read),
        ..Extraction::default()
    };
    let Some((_, name, version)) = identity else {
        out.problems.push(Problem {
            line: None,
            message: format!("`{NPM_MANIFEST}` has no name or version"),
        });
        return Ok(out);
    };
    let file = file_name(input);
    let bare = name.rsplit('/').next().unwrap_or(&name);
    let flat = name.trim_start_matches('@').replace('/', "-");
    let expected = [
        format!("{bare}-{version}.tgz"),
        format!("{flat}-{version}.tgz"),
    ];
    let note = (!expected.iter().any(|e| e.eq_ignore_ascii_case(file)))
        .then(|| format!("file name does not match {name}@{version}"));
    let hash = file_hash(input.bytes);
    out.packages.push(npm_ref(
        input,
        EvidenceKind::Artifact,
        &name,
        &version,
        None,
        Some(&hash),
        note,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests;
