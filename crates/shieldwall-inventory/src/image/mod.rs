//! Container images: `docker save` archives (legacy `manifest.json` +
//! `<id>/layer.tar`, and Docker ≥ 25's OCI layout inside the tar), OCI
//! image layouts (a directory holding `oci-layout`, `index.json` and
//! `blobs/sha256/…`) and OCI archives (the same layout in a tar).
//!
//! **Detection** is cheap: a `*.tar` file is an image when its first
//! regular files all belong to an image layout (`manifest.json`,
//! `index.json`, `oci-layout`, `repositories`, `blobs/…`, `<id>/layer.tar`,
//! `<hex>.json`); only tar headers are read, by seeking past the data. A
//! directory is an OCI layout when it holds an `oci-layout` file (the walk
//! meets that file and scans its directory). Other `.tar` files are
//! ignored. Compressed image archives (`image.tar.gz`) are not read.
//!
//! **Manifests.** A docker archive's `manifest.json` lists images and
//! their layers; otherwise `index.json` is followed (through nested
//! indexes) to every image manifest: **every manifest of a multi-platform
//! index is scanned**, and the same package found through two manifests is
//! reported once. Non-tar layers (attestations) are skipped.
//!
//! **Layers** are read base first, streamed (a layer is never held in
//! memory, only the files the extractors want), gzip, zstd or uncompressed
//! (sniffed from the first bytes). Each regular file whose in-layer path
//! [`crate::classify`] accepts (`*.dist-info/METADATA`,
//! `node_modules/**/package.json`, lockfiles, wheels, …) goes to that
//! extractor. Extractors that read neighbour files (`-r` includes,
//! `RECORD`) cannot do so inside an image: the input's path lies under the
//! image file (or the layer blob), which no file can be opened under.
//!
//! **Locations.** Each package's location becomes kind
//! [`EvidenceKind::ImageLayer`] with a [`Layer`]: the image as given, the
//! layer's index from 0 at the base, its digest (the uncompressed
//! `diff_id` from a docker archive's config when it has one, else the
//! blob digest, else the archive member), the evidence kind inside the
//! layer, and `deleted_in`. The path is
//! `<image>!<layer>!<path in layer>`, where `<layer>` is `sha256:` and the
//! first 12 hex digits of the digest (or the member name of a legacy layer
//! with no digest): `app.tar!sha256:0123456789ab!usr/lib/python3.12/site-packages/x-1.0.dist-info/METADATA`.
//!
//! **Whiteouts.** A later layer's `.wh.<name>` deletes `<name>` (a file
//! or a whole directory), `.wh..wh..opq` hides everything the layers below
//! put in its directory, and a later layer writing the same path replaces
//! it. Packages so deleted or replaced are **still reported**, with
//! `deleted_in` set to the first later layer that removed them: incident
//! response needs to know they were there.
//!
//! Not handled yet: hard links (a metadata file hard-linked from another
//! layer is not followed), and lockfile/installed parsing on the merged
//! root file system (each layer's files are read as they are).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use shieldwall_archive::{Format, IssueKind, Limits, index_tar, normalize, visit_stream};
use shieldwall_core::{EvidenceKind, Layer, PackageRef};

use crate::{Detected, ExtractError, Extraction, Problem, WalkEvent};

/// The id image-level events carry.
const DOCKER_ID: &str = "image/docker-archive";
/// The id for OCI layouts and OCI archives.
const OCI_ID: &str = "image/oci-layout";

/// Largest JSON document (manifest, index, config) read from an image.
const MAX_JSON_BYTES: u64 = 16 << 20;
/// Regular files looked at to decide whether a `.tar` is an image.
const PEEK_ENTRIES: u64 = 8;
/// Most image manifests followed through an index.
const MAX_MANIFESTS: usize = 64;
/// Most problems listed for one image.
const MAX_PROBLEMS: usize = 50;

/// Limits for one layer: layers are large, so the totals are generous;
/// the ratio is checked over the whole layer stream.
const LAYER_LIMITS: Limits = Limits {
    max_total_bytes: 256 << 30,
    max_entries: 10_000_000,
    max_file_bytes: 64 << 20,
    max_ratio: 1000,
};

/// True for paths the walk hands to [`scan`]: `*.tar` files and
/// `oci-layout` files.
pub(crate) fn classify(_path: &Path, file_name: &str) -> Option<Detected> {
    (file_name == "oci-layout" || file_name.to_ascii_lowercase().ends_with(".tar"))
        .then_some(Detected::Image)
}

/// Where the image's files are read from.
enum Source {
    /// An image archive: members located by offset; links map to their
    /// target (relative to the link's directory, or from the archive root
    /// when it starts with `/`).
    Tar {
        file: PathBuf,
        members: HashMap<String, (u64, u64)>,
        links: HashMap<String, String>,
    },
    /// An OCI layout directory.
    Dir { root: PathBuf },
}

impl Source {
    /// Resolves `member` to a file the source has, following one symbolic
    /// link inside a docker archive (legacy saves link shared layers).
    fn resolve(&self, member: &str) -> Option<String> {
        let member = normalize(member).ok()?;
        match self {
            Self::Tar { members, links, .. } => {
                if members.contains_key(&member) {
                    return Some(member);
                }
                let target = links.get(&member)?;
                let base = member.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                let joined = if let Some(rooted) = target.strip_prefix('/') {
                    rooted.to_owned()
                } else {
                    format!("{base}/{target}")
                };
                let resolved = resolve_dots(&joined)?;
                members.contains_key(&resolved).then_some(resolved)
            }
            Self::Dir { root } => {
                let path = root.join(&member);
                let meta = std::fs::symlink_metadata(&path).ok()?;
                meta.is_file().then_some(member)
            }
        }
    }

    fn open(&self, member: &str) -> io::Result<Box<dyn Read>> {
        let missing = || io::Error::new(io::ErrorKind::NotFound, "not in the image");
        let member = self.resolve(member).ok_or_else(missing)?;
        match self {
            Self::Tar { file, members, .. } => {
                let &(offset, size) = members.get(&member).ok_or_else(missing)?;
                let mut f = File::open(file)?;
                f.seek(SeekFrom::Start(offset))?;
                Ok(Box::new(f.take(size)))
            }
            Self::Dir { root } => Ok(Box::new(File::open(root.join(member))?)),
        }
    }

    fn json(&self, member: &str) -> Result<Value, String> {
        let mut bytes = Vec::new();
        self.open(member)
            .and_then(|r| r.take(MAX_JSON_BYTES).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read `{member}`: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("invalid json in `{member}`: {e}"))
    }

    fn has(&self, member: &str) -> bool {
        self.resolve(member).is_some()
    }

    /// A path under which no file can exist (it lies under a regular
    /// file), for the extractors' `FileInput::path`.
    fn sealed_path(&self, layer_member: &str, in_layer: &str) -> PathBuf {
        match self {
            Self::Tar { file, .. } => file.join(layer_member).join(in_layer),
            Self::Dir { root } => root.join(layer_member).join(in_layer),
        }
    }
}

/// `a/b/../c` → `a/c`; `None` when it climbs out.
fn resolve_dots(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// One layer of one image.
#[derive(Clone, Debug)]
struct LayerRef {
    /// The member holding the layer (`blobs/sha256/<hex>`, `<id>/layer.tar`).
    member: String,
    /// The digest reported in [`Layer::digest`].
    digest: String,
}

/// What one layer held.
#[derive(Default)]
struct LayerScan {
    /// Extractions by in-layer path, with the extractor's id.
    found: Vec<(String, &'static str, Result<Extraction, ExtractError>)>,
    /// Paths deleted by `.wh.<name>` entries.
    whiteouts: HashSet<String>,
    /// Directories made opaque.
    opaque: HashSet<String>,
    /// Every regular file path (only paths where earlier layers had
    /// packages are kept: enough to see replacements).
    replaced: HashSet<String>,
    problems: Vec<String>,
}

/// Scans the image at `path` (a `.tar` file or an `oci-layout` file) and
/// reports what it holds through `sink`; a `.tar` that is not an image
/// gives no event.
pub(crate) fn scan(path: &Path, shown: &Arc<str>, sink: &(dyn Fn(WalkEvent) + Sync)) {
    let is_layout_file = path.file_name().is_some_and(|n| n == "oci-layout");
    let (source, image_shown): (Source, Arc<str>) = if is_layout_file {
        let Some(root) = path.parent() else { return };
        let root_shown = shown
            .strip_suffix("oci-layout")
            .map(|s| s.trim_end_matches('/'))
            .filter(|s| !s.is_empty())
            .unwrap_or(".");
        (
            Source::Dir {
                root: root.to_path_buf(),
            },
            Arc::from(root_shown),
        )
    } else {
        match open_tar(path, shown) {
            Ok(Some(source)) => (source, shown.clone()),
            Ok(None) => return,
            Err(reason) => {
                sink(WalkEvent::Unreadable {
                    path: shown.clone(),
                    reason,
                });
                return;
            }
        }
    };
    let (id, images) = if source.has("manifest.json") {
        (DOCKER_ID, docker_images(&source))
    } else {
        (OCI_ID, oci_images(&source))
    };
    let mut problems: Vec<String> = Vec::new();
    let images = match images {
        Ok(images) => images,
        Err(message) => {
            sink(WalkEvent::Failed {
                extractor: id,
                error: ExtractError::Malformed {
                    path: image_shown,
                    line: None,
                    message,
                },
            });
            return;
        }
    };
    let mut cache: HashMap<String, LayerScan> = HashMap::new();
    let mut emitted: HashSet<PackageRef> = HashSet::new();
    let mut by_file: BTreeMap<Arc<str>, (&'static str, Extraction)> = BTreeMap::new();
    let mut failures: Vec<(&'static str, ExtractError)> = Vec::new();
    for layers in &images {
        // Paths with packages in the layers below, to notice replacements.
        let mut package_paths: HashSet<String> = HashSet::new();
        for (index, layer) in layers.iter().enumerate() {
            if !cache.contains_key(&layer.member) {
                let scan = scan_layer(&source, &image_shown, layer, index, &package_paths);
                cache.insert(layer.member.clone(), scan);
            }
            if let Some(scan) = cache.get(&layer.member) {
                for (p, _, result) in &scan.found {
                    if result.as_ref().is_ok_and(|e| !e.packages.is_empty()) {
                        package_paths.insert(p.clone());
                    }
                }
            }
        }
        let scans: Vec<Option<&LayerScan>> = layers.iter().map(|l| cache.get(&l.member)).collect();
        for (index, layer) in layers.iter().enumerate() {
            let Some(scan) = scans[index] else { continue };
            for message in &scan.problems {
                if !problems.contains(message) {
                    problems.push(message.clone());
                }
            }
            for (in_layer, extractor, result) in &scan.found {
                match result {
                    Ok(extraction) => {
                        let deleted_in = deleted_in(in_layer, index, &scans);
                        let display = member_display(&image_shown, layer, in_layer);
                        let entry = by_file
                            .entry(display)
                            .or_insert_with(|| (extractor, Extraction::default()));
                        for problem in &extraction.problems {
                            if !entry.1.problems.contains(problem) {
                                entry.1.problems.push(problem.clone());
                            }
                        }
                        for package in &extraction.packages {
                            let moved =
                                into_layer(package.clone(), &image_shown, layer, index, deleted_in);
                            if emitted.insert(moved.clone()) {
                                entry.1.packages.push(moved);
                            }
                        }
                    }
                    Err(error) => {
                        if !failures.iter().any(|(_, e)| e == error) {
                            failures.push((extractor, error.clone()));
                        }
                    }
                }
            }
        }
    }
    for (path, (extractor, extraction)) in by_file {
        sink(WalkEvent::Extracted {
            extractor,
            path,
            extraction,
        });
    }
    for (extractor, error) in failures {
        sink(WalkEvent::Failed { extractor, error });
    }
    let mut summary = Extraction::default();
    let extra = problems.len().saturating_sub(MAX_PROBLEMS);
    summary.problems = problems
        .into_iter()
        .take(MAX_PROBLEMS)
        .map(|message| Problem {
            line: None,
            message,
        })
        .collect();
    if extra > 0 {
        summary.problems.push(Problem {
            line: None,
            message: format!("{extra} more image problems"),
        });
    }
    sink(WalkEvent::Extracted {
        extractor: id,
        path: image_shown,
        extraction: summary,
    });
}

/// Indexes a `.tar` when its first files show an image layout.
fn open_tar(path: &Path, shown: &str) -> Result<Option<Source>, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let peek = index_tar(
        BufReader::new(file),
        shown,
        &Limits {
            max_entries: PEEK_ENTRIES,
            ..Limits::default()
        },
    );
    let link_paths = peek.issues.iter().filter_map(|i| match &i.kind {
        IssueKind::Symlink { .. } => Some(i.path.as_str()),
        _ => None,
    });
    let mut peeked = peek
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(link_paths)
        .peekable();
    if peeked.peek().is_none() || !peeked.all(is_layout_path) {
        return Ok(None);
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let index = index_tar(BufReader::new(file), shown, &LAYER_LIMITS);
    if let Some(error) = &index.error
        && index.files.is_empty()
    {
        return Err(error.reason());
    }
    let links = index
        .issues
        .iter()
        .filter_map(|i| match &i.kind {
            // A symbolic link's target is relative to its directory, a
            // hard link's to the archive root.
            IssueKind::Symlink { target } => Some((i.path.clone(), target.clone())),
            IssueKind::Hardlink { target } => Some((i.path.clone(), format!("/{target}"))),
            _ => None,
        })
        .collect();
    let members = index
        .files
        .into_iter()
        .map(|f| (f.path, (f.offset, f.size)))
        .collect();
    Ok(Some(Source::Tar {
        file: path.to_path_buf(),
        members,
        links,
    }))
}

/// A file name an image layout holds at its top levels.
fn is_layout_path(path: &str) -> bool {
    let hexish = |s: &str| s.len() >= 12 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["manifest.json" | "index.json" | "oci-layout" | "repositories"] => true,
        [name] => name.strip_suffix(".json").is_some_and(hexish),
        ["blobs", _, digest] => hexish(digest),
        [id, "VERSION" | "json" | "layer.tar"] => hexish(id),
        _ => false,
    }
}

/// A `sha256:<hex>` digest with safe characters, as a blob member path.
fn blob_member(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (ok(alg) && ok(hex)).then(|| format!("blobs/{alg}/{hex}"))
}

/// The images of a docker archive's `manifest.json`.
fn docker_images(source: &Source) -> Result<Vec<Vec<LayerRef>>, String> {
    let manifest = source.json("manifest.json")?;
    let Some(entries) = manifest.as_array() else {
        return Err("`manifest.json` is not a json array".to_owned());
    };
    let mut images = Vec::new();
    for entry in entries.iter().take(MAX_MANIFESTS) {
        let diff_ids: Vec<String> = entry
            .get("Config")
            .and_then(Value::as_str)
            .and_then(|config| source.json(config).ok())
            .and_then(|c| c.pointer("/rootfs/diff_ids").cloned())
            .and_then(|d| d.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        let layers = entry
            .get("Layers")
            .and_then(Value::as_array)
            .ok_or("`manifest.json` entry has no `Layers` list")?;
        let refs = layers
            .iter()
            .filter_map(Value::as_str)
            .enumerate()
            .map(|(i, member)| {
                let digest = diff_ids.get(i).cloned().unwrap_or_else(|| {
                    match member
                        .strip_prefix("blobs/")
                        .and_then(|r| r.split_once('/'))
                    {
                        Some((alg, hex)) => format!("{alg}:{hex}"),
                        None => member.to_owned(),
                    }
                });
                LayerRef {
                    member: member.to_owned(),
                    digest,
                }
            })
            .collect();
        images.push(refs);
    }
    Ok(images)
}

/// The images an OCI `index.json` leads to, through nested indexes.
fn oci_images(source: &Source) -> Result<Vec<Vec<LayerRef>>, String> {
    let index = source.json("index.json")?;
    let mut images = Vec::new();
    let mut queue: Vec<(Value, u32)> = vec![(index, 0)];
    let mut seen = HashSet::new();
    while let Some((doc, depth)) = queue.pop() {
        if let Some(manifests) = doc.get("manifests").and_then(Value::as_array) {
            for m in manifests {
                let Some(digest) = m.get("digest").and_then(Value::as_str) else {
                    continue;
                };
                let Some(member) = blob_member(digest) else {
                    continue;
                };
                if depth >= 4 || !seen.insert(member.clone()) || seen.len() > MAX_MANIFESTS {
                    continue;
                }
                // A blob missing from the layout (another platform not
                // pulled) is skipped.
                if let Ok(child) = source.json(&member) {
                    queue.push((child, depth + 1));
                }
            }
        }
        if let Some(layers) = doc.get("layers").and_then(Value::as_array) {
            let refs = layers
                .iter()
                .filter(|l| {
                    l.get("mediaType")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t.contains("tar") || t.contains("layer"))
                })
                .filter_map(|l| {
                    let digest = l.get("digest").and_then(Value::as_str)?;
                    Some(LayerRef {
                        member: blob_member(digest)?,
                        digest: digest.to_owned(),
                    })
                })
                .collect();
            images.push(refs);
        }
    }
    if images.is_empty() {
        return Err("`index.json` leads to no image manifest".to_owned());
    }
    images.reverse();
    Ok(images)
}

/// `sha256:` and 12 hex digits, or the member name.
fn short(layer: &LayerRef) -> String {
    match layer.digest.split_once(':') {
        Some((alg, hex)) if hex.len() >= 12 => format!("{alg}:{}", &hex[..12]),
        _ => layer.member.clone(),
    }
}

fn member_display(image: &str, layer: &LayerRef, in_layer: &str) -> Arc<str> {
    Arc::from(format!("{image}!{}!{in_layer}", short(layer)))
}

/// Streams one layer through the extractors.
fn scan_layer(
    source: &Source,
    image: &str,
    layer: &LayerRef,
    index: usize,
    package_paths: &HashSet<String>,
) -> LayerScan {
    let mut out = LayerScan::default();
    let label = format!("layer {index} (`{}`)", short(layer));
    let reader = match source.open(&layer.member) {
        Ok(reader) => reader,
        Err(e) => {
            out.problems.push(format!("{label} cannot be read: {e}"));
            return out;
        }
    };
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let format = match reader.fill_buf() {
        Ok(head) => Format::sniff(head).unwrap_or(Format::Tar),
        Err(e) => {
            out.problems.push(format!("{label} cannot be read: {e}"));
            return out;
        }
    };
    let archive = format!("{image}!{}", short(layer));
    let (mut whiteouts, mut opaque, mut replaced) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    let mut found = Vec::new();
    let visit = visit_stream(
        reader,
        format,
        &archive,
        &LAYER_LIMITS,
        |path| {
            let (dir, name) = match path.rsplit_once('/') {
                Some((dir, name)) => (dir, name),
                None => ("", path),
            };
            if name == ".wh..wh..opq" {
                opaque.insert(dir.to_owned());
                return false;
            }
            if let Some(deleted) = name.strip_prefix(".wh.") {
                let full = if dir.is_empty() {
                    deleted.to_owned()
                } else {
                    format!("{dir}/{deleted}")
                };
                whiteouts.insert(full);
                return false;
            }
            if package_paths.contains(path) {
                replaced.insert(path.to_owned());
            }
            matches!(crate::classify(Path::new(path)), Some(Detected::Extract(_)))
        },
        |member| {
            let Some(Detected::Extract(extractor)) = crate::classify(Path::new(&member.path))
            else {
                return;
            };
            let display = member_display(image, layer, &member.path);
            let sealed = source.sealed_path(&layer.member, &member.path);
            let input = crate::FileInput {
                path: &sealed,
                display: &display,
                bytes: &member.bytes,
            };
            found.push((
                member.path.clone(),
                extractor.id(),
                extractor.extract(&input),
            ));
        },
    );
    out.found = found;
    out.whiteouts = whiteouts;
    out.opaque = opaque;
    out.replaced = replaced;
    for issue in &visit.issues {
        if matches!(
            issue.kind,
            IssueKind::PathTraversal
                | IssueKind::AbsolutePath
                | IssueKind::TooLarge { .. }
                | IssueKind::HighRatio { .. }
                | IssueKind::Unreadable { .. }
        ) {
            out.problems.push(format!("{label}: member {issue}"));
        }
    }
    if let Some(error) = visit.error {
        out.problems.push(format!("{label}: {}", error.reason()));
    }
    out
}

/// The first layer above `index` that deletes or replaces `path`.
fn deleted_in(path: &str, index: usize, scans: &[Option<&LayerScan>]) -> Option<u32> {
    let ancestors: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
    for (later, scan) in scans.iter().enumerate().skip(index + 1) {
        let Some(scan) = scan else { continue };
        let gone = scan.whiteouts.contains(path)
            || scan.replaced.contains(path)
            || ancestors
                .iter()
                .any(|a| scan.whiteouts.contains(*a) || scan.opaque.contains(*a))
            || scan.opaque.contains("");
        if gone {
            return u32::try_from(later).ok();
        }
    }
    None
}

/// Moves a package found in a layer into the image's terms.
fn into_layer(
    mut package: PackageRef,
    image: &Arc<str>,
    layer: &LayerRef,
    index: usize,
    deleted_in: Option<u32>,
) -> PackageRef {
    let evidence = package.location.kind;
    package.location.kind = EvidenceKind::ImageLayer;
    package.location.layer = Some(Box::new(Layer {
        image: image.clone(),
        index: u32::try_from(index).unwrap_or(u32::MAX),
        digest: Arc::from(layer.digest.as_str()),
        evidence,
        deleted_in,
    }));
    package
}

#[cfg(test)]
mod tests;
