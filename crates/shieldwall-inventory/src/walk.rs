//! The parallel, read-only file walk that feeds the extractors.
//!
//! Everything is walked: hidden directories, `node_modules`, `.venv`,
//! ignored files (`.gitignore` is not honoured, because incident response
//! needs exactly the files a repository ignores). Symbolic links are never
//! followed. Every file an extractor wants is read and extracted on the
//! walker's threads; everything that could not be read is reported.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::{Detected, ExtractError, Extraction, classify};

/// How to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Files larger than this are reported instead of read.
    pub max_file_size: u64,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Glob patterns of paths not to walk (matched against the full path).
    pub exclude: Vec<String>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            max_file_size: 1 << 30,
            threads: 0,
            exclude: Vec::new(),
        }
    }
}

/// One thing the walk found.
#[derive(Debug)]
pub enum WalkEvent {
    /// A file was read by an extractor.
    Extracted {
        /// The extractor's id.
        extractor: &'static str,
        /// The file, as displayed.
        path: Arc<str>,
        /// What it held.
        extraction: Extraction,
    },
    /// A file an extractor wanted could not be read in its format.
    Failed {
        /// The extractor's id.
        extractor: &'static str,
        /// Why.
        error: ExtractError,
    },
    /// A package file in a format that is known but not read.
    NotCovered {
        /// The file.
        path: Arc<str>,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// A file or directory that could not be opened, or a link not followed.
    Unreadable {
        /// The path.
        path: Arc<str>,
        /// The operating system's reason.
        reason: String,
    },
    /// A file an extractor wanted that is larger than the limit.
    TooLarge {
        /// The file.
        path: Arc<str>,
        /// Its size in bytes.
        size: u64,
    },
}

/// An invalid exclude pattern.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern `{pattern}`: {message}")]
pub struct PatternError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong with it.
    pub message: String,
}

/// Walks `roots` in parallel and calls `sink` for every event, from several
/// threads at once.
pub fn walk(
    roots: &[PathBuf],
    options: &WalkOptions,
    sink: &(dyn Fn(WalkEvent) + Sync),
) -> Result<(), PatternError> {
    let exclude = build_excludes(&options.exclude)?;
    let Some((first, rest)) = roots.split_first() else {
        return Ok(());
    };
    let mut builder = ignore::WalkBuilder::new(walk_root(first));
    for root in rest {
        builder.add(walk_root(root));
    }
    builder
        .standard_filters(false)
        .follow_links(false)
        .same_file_system(false)
        .threads(options.threads);
    let exclude = &exclude;
    builder.build_parallel().run(|| {
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    if exclude.is_match(path) {
                        return ignore::WalkState::Skip;
                    }
                    if let Some(file_type) = entry.file_type() {
                        if file_type.is_file() {
                            visit_file(path, options, sink);
                        } else if file_type.is_symlink() && classify(path).is_some() {
                            sink(WalkEvent::Unreadable {
                                path: display(path),
                                reason: "symbolic link not followed".into(),
                            });
                        }
                    }
                }
                Err(error) => report_walk_error(&error, sink),
            }
            ignore::WalkState::Continue
        })
    });
    Ok(())
}

/// A root given as a symbolic link to a directory is walked through the
/// link (the link was named on purpose); links inside it are not followed.
fn walk_root(root: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && root.is_dir() {
        root.join(".")
    } else {
        root.to_path_buf()
    }
}

fn build_excludes(patterns: &[String]) -> Result<GlobSet, PatternError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| PatternError {
            pattern: pattern.clone(),
            message: e.kind().to_string(),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| PatternError {
        pattern: patterns.join(", "),
        message: e.to_string(),
    })
}

fn display(path: &Path) -> Arc<str> {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    Arc::from(text.replace("/./", "/"))
}

fn visit_file(path: &Path, options: &WalkOptions, sink: &(dyn Fn(WalkEvent) + Sync)) {
    let Some(detected) = classify(path) else {
        return;
    };
    let shown = display(path);
    let extractor = match detected {
        Detected::NotCovered(reason) => {
            sink(WalkEvent::NotCovered {
                path: shown,
                reason,
            });
            return;
        }
        Detected::Extract(extractor) => extractor,
        Detected::Image => {
            // Images can be gigabytes: streamed, never read whole.
            crate::image::scan(path, &shown, sink);
            return;
        }
    };
    match fs::metadata(path) {
        Ok(meta) if meta.len() > options.max_file_size => {
            sink(WalkEvent::TooLarge {
                path: shown,
                size: meta.len(),
            });
            return;
        }
        Ok(_) => {}
        Err(e) => {
            sink(WalkEvent::Unreadable {
                path: shown,
                reason: e.to_string(),
            });
            return;
        }
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            sink(WalkEvent::Unreadable {
                path: shown,
                reason: e.to_string(),
            });
            return;
        }
    };
    let input = crate::FileInput {
        path,
        display: &shown,
        bytes: &bytes,
    };
    match extractor.extract(&input) {
        Ok(mut extraction) => {
            crate::mark_cached(path, &shown, &mut extraction);
            sink(WalkEvent::Extracted {
                extractor: extractor.id(),
                path: shown,
                extraction,
            });
        }
        Err(error) => sink(WalkEvent::Failed {
            extractor: extractor.id(),
            error,
        }),
    }
}

fn report_walk_error(error: &ignore::Error, sink: &(dyn Fn(WalkEvent) + Sync)) {
    match error {
        ignore::Error::Partial(errors) => {
            for e in errors {
                report_walk_error(e, sink);
            }
        }
        ignore::Error::WithPath { path, err } => sink(WalkEvent::Unreadable {
            path: display(path),
            reason: root_cause(err),
        }),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            report_walk_error(err, sink);
        }
        ignore::Error::Loop { child, .. } => sink(WalkEvent::Unreadable {
            path: display(child),
            reason: "file system loop".into(),
        }),
        other => sink(WalkEvent::Unreadable {
            path: Arc::from("<walk>"),
            reason: other.to_string(),
        }),
    }
}

fn root_cause(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => root_cause(err),
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
