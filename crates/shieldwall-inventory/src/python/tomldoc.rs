//! TOML helpers over `toml`'s spanned document model, so that every value
//! keeps the line it was written on.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::text::LineIndex;
use crate::{ExtractError, FileInput};

/// A parsed TOML document with its line index.
pub(crate) struct Doc<'i> {
    /// The root table, as a value.
    pub root: DeValue<'i>,
    lines: LineIndex,
}

impl<'i> Doc<'i> {
    /// Parses `text`; a syntax error is [`ExtractError::Malformed`] with
    /// the line it is on.
    pub(crate) fn parse(input: &FileInput<'_>, text: &'i str) -> Result<Self, ExtractError> {
        let lines = LineIndex::new(text);
        match DeTable::parse(text) {
            Ok(table) => Ok(Self {
                root: DeValue::Table(table.into_inner()),
                lines,
            }),
            Err(err) => {
                let line = err.span().and_then(|s| lines.line(s.start));
                Err(ExtractError::malformed(
                    input,
                    line,
                    format!("invalid toml: {}", err.message().trim()),
                ))
            }
        }
    }

    /// The line a spanned value starts on.
    pub(crate) fn line<T>(&self, value: &Spanned<T>) -> Option<u32> {
        self.lines.line(value.span().start)
    }
}

/// `value[key]`.
pub(crate) fn get<'a, 'i>(value: &'a DeValue<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    value.get(key)
}

/// `value[key]` as a string.
pub(crate) fn get_str<'a>(value: &'a DeValue<'_>, key: &str) -> Option<&'a str> {
    get(value, key).and_then(|v| v.get_ref().as_str())
}

/// `value[key]` as a string, or an integer's text (`version = 1`).
pub(crate) fn get_scalar<'a>(value: &'a DeValue<'_>, key: &str) -> Option<&'a str> {
    let v = get(value, key)?.get_ref();
    v.as_str()
        .or_else(|| v.as_integer().map(|i| i.as_str()))
        .or_else(|| v.as_float().map(|f| f.as_str()))
}

/// `value[key]` as a boolean.
pub(crate) fn get_bool(value: &DeValue<'_>, key: &str) -> Option<bool> {
    get(value, key).and_then(|v| v.get_ref().as_bool())
}

/// The items of the array `value[key]` (empty when absent or not an array).
pub(crate) fn items<'a, 'i>(value: &'a DeValue<'i>, key: &str) -> &'a [Spanned<DeValue<'i>>] {
    get(value, key)
        .and_then(|v| v.get_ref().as_array())
        .map_or(&[], |a| &a[..])
}

/// The entries of the table `value[key]` (empty when absent).
pub(crate) fn entries<'a, 'i>(
    value: &'a DeValue<'i>,
    key: &str,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    get(value, key)
        .and_then(|v| v.get_ref().as_table())
        .map(|t| t.iter().collect())
        .unwrap_or_default()
}

/// The strings of the array `value[key]`.
pub(crate) fn strings<'a>(value: &'a DeValue<'_>, key: &str) -> Vec<&'a str> {
    items(value, key)
        .iter()
        .filter_map(|v| v.get_ref().as_str())
        .collect()
}

/// The leading integer of a dotted lock version (`"2.1"` → 2).
pub(crate) fn major(version: &str) -> Option<u64> {
    version.trim().split('.').next()?.parse().ok()
}

impl<'i> Doc<'i> {
    /// The root array of tables `key` (`[[package]]`); absent is empty,
    /// any other type is [`ExtractError::Malformed`].
    pub(crate) fn packages(
        &self,
        input: &FileInput<'_>,
        key: &str,
    ) -> Result<&[Spanned<DeValue<'i>>], ExtractError> {
        match get(&self.root, key) {
            None => Ok(&[]),
            Some(value) => match value.get_ref().as_array() {
                Some(array) => Ok(&array[..]),
                None => Err(ExtractError::malformed(
                    input,
                    self.line(value),
                    format!("`{key}` is not an array of tables"),
                )),
            },
        }
    }
}
