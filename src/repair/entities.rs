//! Rules `entities` and `entities-double`: HTML character references left
//! in text (`&#33879;`, `&#x8457;`, `&mdash;`, `&nbsp;`), and references
//! escaped twice (`&amp;#33879;`, `&amp;mdash;`).
//!
//! Only *terminated* references are decoded: an `&` that does not start
//! `&#digits;`, `&#xhex;` or `&name;` with a name from the HTML5 table is
//! left alone, so `&lang=zh` in a URL and `AT&T` never change. (Browsers
//! also accept some names without the `;`; decoding those in plain text
//! would turn `&copy` in `?a=1&copy=2` into `©`, so we do not.) Markdown code
//! and HTML code elements are protected by the caller.
//!
//! The named-reference table is htmlize's `ENTITIES` (the WHATWG list); the
//! scanner is our own because htmlize's `unescape` also decodes unterminated
//! legacy names and cannot skip protected regions or report positions.

use crate::rules::{Changes, Rule};

use super::spans::Protected;

/// Which of the two rules are on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntityRules {
    pub single: bool,
    pub double: bool,
    /// Leave references that stand for markup characters (`<`, `>`, `&`):
    /// in text between tags that is kept as markup (`--html keep`),
    /// decoding `&lt;b&gt;` would create a tag.
    pub markup_safe: bool,
}

/// Decodes the references in `text` outside `protected`. Returns `None`
/// when nothing changed.
pub(crate) fn decode(
    text: &str,
    protected: &Protected,
    rules: EntityRules,
    changes: &mut Changes,
) -> Option<String> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'&', &b[i..]) {
        let at = i + off;
        i = at + 1;
        if protected.contains(at) {
            continue;
        }
        let Some((len, ch)) = parse(&text[at + 1..]) else { continue };
        let mut end = at + 1 + len;
        let mut decoded = ch;
        let mut rule = Rule::Entities;
        // `&amp;` (or `&#38;`) followed by the body of another reference is
        // a reference escaped twice (or more): decode all levels at once.
        while decoded.is_amp() {
            match parse(&text[end..]) {
                Some((len2, ch2)) if rules.double => {
                    end += len2;
                    decoded = ch2;
                    rule = Rule::EntitiesDouble;
                }
                _ => break,
            }
        }
        let on = match rule {
            Rule::EntitiesDouble => rules.double,
            _ => rules.single,
        };
        if !on || (rules.markup_safe && decoded.is_markup()) {
            continue;
        }
        out.push_str(&text[copied..at]);
        let from = out.len();
        decoded.push_to(&mut out);
        changes.record(rule, text, at, &text[at..end], &out[from..]);
        copied = end;
        i = end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// What the `&` that `after` follows may make, once decoded (in any
/// round, escaped twice or not), that changes where markup, code or lines
/// are: the length of the reference (with every level of escaping) and
/// the character (`<`, `>`, `` ` ``, `~`, a line end), or `&` when it may
/// form a reference with what follows (the next reference decoded could
/// complete it). `None` for anything else. A cut of a text is judged on
/// the text before decoding, so it keeps clear of what these may make.
pub(crate) fn syntax_made(after: &str) -> Option<(usize, char)> {
    // What follows an `&` that is not a reference can become one only
    // when a reference right after it decodes to the rest of a body
    // (`&am&#112;;`): nothing but letters, digits and `#` between them.
    let near_amp = |s: &str| {
        let b = s.as_bytes();
        let run = b.iter().take(40).take_while(|c| c.is_ascii_alphanumeric() || **c == b'#');
        b.get(run.count()) == Some(&b'&')
    };
    let Some((mut end, mut decoded)) = parse(after) else {
        return near_amp(after).then_some((0, '&'));
    };
    while decoded.is_amp() {
        match parse(&after[end..]) {
            Some((len, next)) => {
                end += len;
                decoded = next;
            }
            None => return near_amp(&after[end..]).then_some((end, '&')),
        }
    }
    let syntax = |c: &char| matches!(c, '<' | '>' | '`' | '~' | '\n' | '\r' | '&');
    let made = match decoded {
        Expansion::Named(s) => s.chars().find(syntax),
        Expansion::Char(c) => Some(c).filter(syntax),
    };
    made.map(|c| (end, c))
}

/// Parses the body of a reference (what follows the `&`), returning its
/// length including the `;` and the decoded text.
fn parse(s: &str) -> Option<(usize, Expansion)> {
    let b = s.as_bytes();
    if b.first() == Some(&b'#') {
        let (hex, digits_at) = match b.get(1) {
            Some(b'x' | b'X') => (true, 2),
            _ => (false, 1),
        };
        let max = if hex { 6 } else { 7 };
        let n = b[digits_at..]
            .iter()
            .take(max + 1)
            .take_while(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() })
            .count();
        if n == 0 || n > max || b.get(digits_at + n) != Some(&b';') {
            return None;
        }
        let digits = &s[digits_at..digits_at + n];
        let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok()?;
        let ch = numeric_char(value)?;
        return Some((digits_at + n + 1, Expansion::Char(ch)));
    }
    let n = b.iter().take(33).take_while(|c| c.is_ascii_alphanumeric()).count();
    if n == 0 || n > 32 || !b[0].is_ascii_alphabetic() || b.get(n) != Some(&b';') {
        return None;
    }
    let mut key = Vec::with_capacity(n + 2);
    key.push(b'&');
    key.extend_from_slice(&b[..=n]);
    let expansion = htmlize::ENTITIES.get(key.as_slice())?;
    Some((n + 1, Expansion::Named(std::str::from_utf8(expansion).ok()?)))
}

/// The character a numeric reference stands for, following the HTML
/// standard: 0x80-0x9F mean their Windows-1252 characters. References to
/// NUL, surrogates, values above U+10FFFF and C0/C1 controls other than tab,
/// LF and CR are not decoded (they would only add invisible debris).
fn numeric_char(value: u32) -> Option<char> {
    match value {
        0x80..=0x9F => {
            let c = super::mojibake::latin1_char(value as u8);
            if (c as u32) < 0xA0 { None } else { Some(c) }
        }
        0x09 | 0x0A | 0x0D => char::from_u32(value),
        0..=0x1F | 0x7F => None,
        _ => char::from_u32(value),
    }
}

/// What a reference decodes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expansion {
    /// A named reference: its text in htmlize's table (one or two characters).
    Named(&'static str),
    /// A numeric reference.
    Char(char),
}

impl Expansion {
    fn is_amp(self) -> bool {
        matches!(self, Expansion::Named("&") | Expansion::Char('&'))
    }

    fn is_markup(self) -> bool {
        match self {
            Expansion::Named(s) => s.contains(['<', '>', '&']),
            Expansion::Char(c) => matches!(c, '<' | '>' | '&'),
        }
    }

    fn push_to(self, out: &mut String) {
        match self {
            Expansion::Named(s) => out.push_str(s),
            Expansion::Char(c) => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::spans::Kinds;

    const BOTH: EntityRules = EntityRules { single: true, double: true, markup_safe: false };

    fn run(text: &str) -> (String, Changes) {
        let mut ch = Changes::new();
        let p = Protected::scan(text, Kinds { markup: true, urls: false });
        let out = decode(text, &p, BOTH, &mut ch).unwrap_or_else(|| text.to_string());
        (out, ch)
    }

    #[test]
    fn numeric_and_named() {
        assert_eq!(run("显&#33879;下降").0, "显著下降");
        assert_eq!(run("显&#x8457;下降").0, "显著下降");
        assert_eq!(run("&ldquo;你&rdquo;&mdash;&nbsp;").0, "“你”—\u{A0}");
        assert_eq!(run("&#150;").0, "–");
        let (out, ch) = run("AT&amp;T");
        assert_eq!(out, "AT&T");
        assert_eq!((ch.count(Rule::Entities), ch.count(Rule::EntitiesDouble)), (1, 0));
    }

    #[test]
    fn double() {
        let (out, ch) = run("显&amp;#33879;下降&amp;mdash;Ruby&amp;amp;Go");
        assert_eq!(out, "显著下降—Ruby&Go");
        assert_eq!(ch.count(Rule::EntitiesDouble), 3);
        assert_eq!(ch.count(Rule::Entities), 0);
    }

    #[test]
    fn leaves_unterminated_and_invalid() {
        for s in [
            "?a=1&lang=zh",
            "AT&T",
            "&copy 2024",
            "&#;",
            "&#x;",
            "&#55296;",
            "&#0;",
            "&#1114112;",
            "&nosuchname;",
            "&#12345678;",
            "a & b",
            "`&#x27;`",
            "<code>&amp;</code>",
        ] {
            assert_eq!(run(s).0, s, "{s}");
        }
    }
}
