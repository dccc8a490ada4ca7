//! SSH private keys in `~/.ssh`, and which of them are unencrypted. Only the
//! header and the OpenSSH key's cipher and kdf names are looked at; key
//! material is never kept or shown.

use std::path::Path;

use base64::Engine;

use crate::model::{Exposure, ExposureKind};
use crate::scope::Scope;

/// Whether a private key is protected by a passphrase.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Protection {
    /// Encrypted (PEM `ENCRYPTED`, or the OpenSSH `bcrypt` kdf).
    Encrypted,
    /// Anyone who can read the file can use it.
    Unencrypted,
    /// Could not tell.
    Unknown,
}

/// Every private key in the directory.
pub(crate) fn check(scope: &Scope, dir: &Path) -> Vec<Exposure> {
    let mut out = Vec::new();
    for path in scope.list(dir) {
        if !path.is_file() || path.extension().is_some_and(|e| e == "pub") {
            continue;
        }
        let Some(text) = scope.read_text(&path) else {
            continue;
        };
        if !text.trim_start().starts_with("-----BEGIN") || !text.contains("PRIVATE KEY-----") {
            continue;
        }
        let detail = match protection(&text) {
            Protection::Encrypted => "private key, encrypted with a passphrase",
            Protection::Unencrypted => "private key, unencrypted: usable by anyone who reads it",
            Protection::Unknown => "private key, encryption unknown",
        };
        out.push(Exposure {
            kind: ExposureKind::SshKey,
            path: Some(scope.show(&path)),
            name: None,
            detail: detail.to_owned(),
        });
    }
    out
}

/// Reads the protection of a PEM or OpenSSH private key.
pub(crate) fn protection(text: &str) -> Protection {
    if text.contains("ENCRYPTED") {
        return Protection::Encrypted;
    }
    if !text.contains("BEGIN OPENSSH PRIVATE KEY") {
        // PEM keys without `ENCRYPTED` (RSA, EC, PKCS#8) are in the clear
        return Protection::Unencrypted;
    }
    // openssh-key-v1\0, then the cipher name and the kdf name; 96 base64
    // characters cover them
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.trim().chars())
        .take(96)
        .collect();
    let Ok(header) = base64::engine::general_purpose::STANDARD.decode(&body) else {
        return Protection::Unknown;
    };
    let Some(rest) = header.strip_prefix(b"openssh-key-v1\0") else {
        return Protection::Unknown;
    };
    let field = |bytes: &[u8]| -> Option<(Vec<u8>, usize)> {
        let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        Some((bytes.get(4..4 + len)?.to_vec(), 4 + len))
    };
    let Some((cipher, used)) = field(rest) else {
        return Protection::Unknown;
    };
    let kdf = field(&rest[used..]).map(|(k, _)| k);
    match (cipher.as_slice(), kdf.as_deref()) {
        (b"none", _) => Protection::Unencrypted,
        (_, Some(b"bcrypt")) => Protection::Encrypted,
        _ => Protection::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;

    fn openssh(cipher: &str, kdf: &str) -> String {
        let mut bytes = b"openssh-key-v1\0".to_vec();
        for s in [cipher, kdf] {
            bytes.extend((s.len() as u32).to_be_bytes());
            bytes.extend(s.as_bytes());
        }
        bytes.extend([0u8; 40]);
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{b64}\n-----END OPENSSH PRIVATE KEY-----\n")
    }

    #[test]
    fn tells_encrypted_from_clear() {
        assert_eq!(
            protection(&openssh("none", "none")),
            Protection::Unencrypted
        );
        assert_eq!(
            protection(&openssh("aes256-ctr", "bcrypt")),
            Protection::Encrypted
        );
        assert_eq!(
            protection("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nxx\n"),
            Protection::Encrypted
        );
        assert_eq!(
            protection("-----BEGIN EC PRIVATE KEY-----\nxx\n"),
            Protection::Unencrypted
        );
        assert_eq!(
            protection("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n"),
            Protection::Unknown
        );
    }
}
