//! A guard run before YAML parsing: the YAML parser recurses once per
//! nesting level, so hostile input nested thousands deep would exhaust a
//! walker thread's stack. Package-manager YAML nests a handful of levels.

/// The deepest nesting accepted before YAML parsing. pnpm lockfiles nest
/// a handful of levels; the YAML parser recurses per level and would
/// exhaust the stack on hostile input nested thousands deep.
pub(crate) const MAX_DEPTH: usize = 128;

/// The first line whose nesting estimate (indentation + compact `- `
/// sequence starts + open flow brackets) exceeds [`MAX_DEPTH`]. The
/// estimate is never below the real depth.
pub(crate) fn too_deep(text: &str) -> Option<u32> {
    let mut flow: usize = 0;
    for (index, line) in crate::lines::lines(text).enumerate() {
        let rest = line.trim_start();
        let indent = line.len() - rest.len();
        let mut dashes = 0;
        let mut tail = rest;
        while let Some(after) = tail
            .strip_prefix('-')
            .filter(|a| a.is_empty() || a.starts_with([' ', '\t']))
        {
            dashes += 1;
            tail = after.trim_start();
        }
        // Bytes, not characters: every byte that matters here is ASCII,
        // and no byte of a multi-byte character is.
        let mut quote: Option<u8> = None;
        for &c in tail.as_bytes() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'\'' | b'"') => quote = Some(c),
                (None, b'#') => break,
                (None, b'[' | b'{') => flow += 1,
                (None, b']' | b'}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if indent + dashes + flow > MAX_DEPTH {
            return Some(u32::try_from(index + 1).unwrap_or(u32::MAX));
        }
    }
    None
}
