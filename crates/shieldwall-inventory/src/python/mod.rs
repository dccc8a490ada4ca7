//! Python ecosystem extractors.
//!
//! | id | files |
//! |---|---|
//! | `python/requirements` | `*requirements*.txt`, `*.txt` in a `requirements/` directory, `constraints*.txt`, `*requirements*.in`, `requirements.lock` |
//! | `python/poetry-lock` | `poetry.lock` |
//! | `python/pipfile-lock` | `Pipfile.lock` |
//! | `python/uv-lock` | `uv.lock`, `*.py.lock` |
//! | `python/pdm-lock` | `pdm.lock` |
//! | `python/pylock` | `pylock.toml`, `pylock.<name>.toml` |
//! | `python/pyproject` | `pyproject.toml` |
//! | `python/setup-cfg` | `setup.cfg` |
//! | `python/pipfile` | `Pipfile` |
//! | `python/conda-environment` | `environment.yml`, `environment.yaml` |
//! | `python/installed` | `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `EGG-INFO/PKG-INFO`, `*.egg-info` files |
//!
//! Every package is reported with the name as written; PEP 503
//! normalization is the matcher's job.

mod conda_env;
pub(crate) mod installed;
mod pdm_lock;
mod pipfile;
mod pipfile_lock;
mod poetry_lock;
mod pylock;
mod pyproject;
mod requirements;
mod setup_cfg;
mod spec;
pub(crate) mod text;
mod tomldoc;
mod uv_lines;
pub(crate) mod uv_lock;

use std::path::Path;

pub(crate) use installed::core_identity;
pub(crate) use text::decode_bytes;

use crate::{Detected, Extractor};

static REQUIREMENTS: requirements::Requirements = requirements::Requirements;
static POETRY_LOCK: poetry_lock::PoetryLock = poetry_lock::PoetryLock;
static PIPFILE_LOCK: pipfile_lock::PipfileLock = pipfile_lock::PipfileLock;
static UV_LOCK: uv_lock::UvLock = uv_lock::UvLock;
static PDM_LOCK: pdm_lock::PdmLock = pdm_lock::PdmLock;
static PYLOCK: pylock::Pylock = pylock::Pylock;
static PYPROJECT: pyproject::Pyproject = pyproject::Pyproject;
static SETUP_CFG: setup_cfg::SetupCfg = setup_cfg::SetupCfg;
static PIPFILE: pipfile::Pipfile = pipfile::Pipfile;
static CONDA_ENVIRONMENT: conda_env::CondaEnvironment = conda_env::CondaEnvironment;
static INSTALLED: installed::Installed = installed::Installed;

/// Classifies Python files by path.
pub(crate) fn classify(path: &Path, file_name: &str) -> Option<Detected> {
    let extractor: &'static dyn Extractor = match file_name {
        "poetry.lock" => &POETRY_LOCK,
        "Pipfile.lock" => &PIPFILE_LOCK,
        "uv.lock" => &UV_LOCK,
        "pdm.lock" => &PDM_LOCK,
        "pyproject.toml" => &PYPROJECT,
        "setup.cfg" => &SETUP_CFG,
        "Pipfile" => &PIPFILE,
        "environment.yml" | "environment.yaml" => &CONDA_ENVIRONMENT,
        _ if file_name.ends_with(".py.lock") => &UV_LOCK,
        _ if pylock::matches(file_name) => &PYLOCK,
        _ if installed::matches(path, file_name) => &INSTALLED,
        _ if requirements::matches(path, file_name) => &REQUIREMENTS,
        _ => return None,
    };
    Some(Detected::Extract(extractor))
}

/// Every Python extractor.
pub(crate) fn extractors() -> Vec<&'static dyn Extractor> {
    vec![
        &REQUIREMENTS,
        &POETRY_LOCK,
        &PIPFILE_LOCK,
        &UV_LOCK,
        &PDM_LOCK,
        &PYLOCK,
        &PYPROJECT,
        &SETUP_CFG,
        &PIPFILE,
        &CONDA_ENVIRONMENT,
        &INSTALLED,
    ]
}
