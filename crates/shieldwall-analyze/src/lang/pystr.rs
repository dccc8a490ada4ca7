//! Decoding the text of a Python string literal (`b'\x41'`, `r"..."`,
//! `'''...'''`, `f"..."`) into its value. Bytes literals are decoded as
//! Latin-1 so every byte survives; f-string fields are kept as written.

/// The value of the string literal `text` (prefix and quotes included).
pub(super) fn decode(text: &str) -> String {
    let quote_at = text.find(['\'', '"']).unwrap_or(0);
    let prefix = text[..quote_at].to_ascii_lowercase();
    let rest = &text[quote_at..];
    let quote = if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
        &rest[..3]
    } else {
        &rest[..rest.len().min(1)]
    };
    let body = rest
        .strip_prefix(quote)
        .map(|b| b.strip_suffix(quote).unwrap_or(b))
        .unwrap_or(rest);
    if prefix.contains('r') {
        return body.to_owned();
    }
    unescape(body, prefix.contains('b'))
}

fn unescape(body: &str, bytes: bool) -> String {
    if !body.contains('\\') {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0'..='7' => {
                let mut value = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'x' => push_hex(&mut out, &mut chars, 2),
            'u' if !bytes => push_hex(&mut out, &mut chars, 4),
            'U' if !bytes => push_hex(&mut out, &mut chars, 8),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'v' => out.push('\u{b}'),
            '\\' | '\'' | '"' => out.push(e),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn push_hex(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize) {
    let mut value = 0u32;
    for _ in 0..n {
        match chars.peek().and_then(|d| d.to_digit(16)) {
            Some(d) => {
                value = value * 16 + d;
                chars.next();
            }
            None => break,
        }
    }
    out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn literals() {
        assert_eq!(decode(r#""\x65\x78\x65\x63""#), "exec");
        assert_eq!(decode(r"b'\101\102'"), "AB");
        assert_eq!(decode(r#"r"\x41""#), r"\x41");
        assert_eq!(decode("'''a\nb'''"), "a\nb");
        assert_eq!(decode(r#"u"\u0041""#), "A");
        assert_eq!(decode(r#"f"{x}\n""#), "{x}\n");
        assert_eq!(decode(r#""\q""#), r"\q");
        assert_eq!(decode(r#""""#), "");
        assert_eq!(decode(r#"""#), "");
    }
}
