//! Exposure: the credential material an infected process running as this
//! user could read, by name, path and kind only. Values are never kept:
//! files are read only to count and name their entries.

pub(crate) mod env;
pub(crate) mod home;
pub(crate) mod ssh;

use crate::model::{Exposure, ExposureKind};
use crate::scope::Scope;

/// The whole inventory: every home, the `.env` files the walk found, and
/// the secret-looking variables of running processes.
pub(crate) fn inventory(
    scope: &Scope,
    dotenvs: &[std::path::PathBuf],
    proc_names: &[(String, String)],
) -> Vec<Exposure> {
    let mut out = Vec::new();
    for home in &scope.homes {
        out.extend(home::check(scope, home));
    }
    for path in dotenvs {
        if let Some(text) = scope.read_text(path) {
            let names = home::dotenv_secret_names(&text);
            if !names.is_empty() {
                out.push(Exposure {
                    kind: ExposureKind::Dotenv,
                    path: Some(scope.show(path)),
                    name: None,
                    detail: format!("secret-looking keys: {}", names.join(", ")),
                });
            }
        }
    }
    out.extend(env::check(scope, proc_names));
    out.sort_by(|a, b| (a.kind, a.subject()).cmp(&(b.kind, b.subject())));
    out.dedup();
    out
}
