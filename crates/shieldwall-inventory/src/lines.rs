//! Line iteration for the line-oriented readers, with `memchr`'s
//! vectorized search for line breaks (lockfile lines are short, and the
//! standard library's per-line search costs more than the line).

/// The lines of `text`, split at `\n`, as [`str::lines`] gives them: a
/// final line break ends the last line rather than starting an empty one,
/// and one `\r` before a `\n` is dropped (a `\r` ending the text is kept).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut breaks = memchr::memchr_iter(b'\n', text.as_bytes());
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let Some(end) = breaks.next() else {
            // The last line, without a line break: kept whole.
            let line = &text[start..];
            start = text.len();
            return Some(line);
        };
        let line = &text[start..end];
        start = end + 1;
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn like_str_lines() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\na\n\n",
            "a\r\r\n",
            "\r",
            "a\rb\n",
            "a\r",
            "\r\n",
            "a\nb\r",
        ] {
            let ours: Vec<&str> = lines(text).collect();
            let std: Vec<&str> = text.lines().collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }
}
