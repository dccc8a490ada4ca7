//! Escaping of untrusted text (package names, versions, paths) before it is
//! shown in a terminal or a Markdown document.

use std::borrow::Cow;
use std::fmt::Write;

/// Replaces control characters (ANSI escapes, `\r`, `\n`, ...) with visible
/// `\u{..}` escapes so untrusted text stays on one line and cannot drive
/// the terminal.
pub(crate) fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if ch.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(ch));
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Escapes text for a Markdown table cell or inline code span: control
/// characters as in [`escape_control`], and `|` and backticks.
pub(crate) fn escape_markdown(text: &str) -> String {
    escape_control(text).replace('|', "\\|").replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain"), "plain");
        assert_eq!(escape_control("a\nb"), "a\\u{a}b");
        assert_eq!(escape_control("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_control("::error::x\r"), "::error::x\\u{d}");
    }

    #[test]
    fn markdown_cells_are_escaped() {
        assert_eq!(escape_markdown("a|b`c"), "a\\|b'c");
    }
}
