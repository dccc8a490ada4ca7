//! Member path normalization.

use crate::IssueKind;

/// Normalizes a member path as written in an archive: `\` is read as `/`,
/// empty and `.` components are dropped (`./usr//lib/` → `usr/lib`).
///
/// A path with a `..` component, an absolute path (`/x`, `C:/x`), an empty
/// path or one holding a NUL byte is refused with the [`IssueKind`] that
/// describes it.
///
/// ```
/// use shieldwall_archive::{normalize, IssueKind};
///
/// assert_eq!(normalize("./usr//lib/x.py"), Ok("usr/lib/x.py".to_owned()));
/// assert_eq!(normalize("a/../../etc/passwd"), Err(IssueKind::PathTraversal));
/// assert_eq!(normalize("/etc/passwd"), Err(IssueKind::AbsolutePath));
/// ```
pub fn normalize(raw: &str) -> Result<String, IssueKind> {
    if raw.contains('\0') {
        return Err(IssueKind::InvalidPath);
    }
    let unified = raw.replace('\\', "/");
    let bytes = unified.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if unified.starts_with('/') || drive {
        return Err(IssueKind::AbsolutePath);
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(IssueKind::PathTraversal),
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err(IssueKind::InvalidPath);
    }
    Ok(parts.join("/"))
}
