//! HTML in text: strip it to plain text, or find the text between tags so
//! that only that text is cleaned.
//!
//! Our inputs are often Markdown files that carry HTML (mirrored news pages:
//! navigation tables, `<p>` paragraphs, link lists), sometimes whole HTML
//! pages. [`strip`] turns them into readable plain text for `--html strip`;
//! [`pieces`] / [`text_spans`] give the byte ranges of text between tags,
//! so that `--html keep` can clean the text and copy the markup untouched;
//! [`looks_like_html`] decides for `--html auto`.
//!
//! The tag scanner is hand-written rather than an HTML5 parser crate
//! (html5ever, scraper) for three reasons: we need the *source byte ranges*
//! of text and markup to leave markup byte-identical in keep mode, which a
//! DOM does not give back; character references must stay as they are for
//! the repair stage (`entities`), which counts and explains each one,
//! while a parser decodes them on the way in; and the input is often not a
//! document at all but Markdown with fragments of HTML, where a tolerant
//! scanner that treats a stray `<` (`a < b`, `<3`) as text is what we want.
//! It is one pass over the bytes with `memchr` for `<`.

use std::borrow::Cow;
use std::ops::Range;

use crate::rules::{Changes, Rule};

/// One piece of a text that may hold markup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text between tags: what keep mode cleans.
    Text(Range<usize>),
    /// A tag, comment, doctype, or a raw element's content (script, style,
    /// pre, code, textarea): copied as it is in keep mode.
    Markup(Range<usize>),
}

/// The kind of one markup token, as the scanner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag<'a> {
    /// `<name ...>` (also self-closing).
    Start(&'a str),
    /// `</name>`.
    End(&'a str),
    /// `<!-- -->`, `<!DOCTYPE>`, `<?xml ?>`.
    Other,
}

/// Elements whose content is never text to clean or keep as prose.
const DROPPED: &[&str] = &["script", "style", "head", "title", "noscript", "template"];

/// Elements whose content keep mode must not touch (code, preformatted).
const RAW_IN_KEEP: &[&str] = &["script", "style", "pre", "code", "textarea"];

/// Elements that end a line in plain text.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "html",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Scans a markup token starting at the `<` at byte `i`. Returns its end
/// (exclusive) and kind, or `None` when the `<` is just text.
fn scan_tag(text: &str, i: usize) -> Option<(usize, Tag<'_>)> {
    let b = text.as_bytes();
    let next = *b.get(i + 1)?;
    if b[i + 1..].starts_with(b"!--") {
        let end = memchr::memmem::find(&b[i + 4..], b"-->").map_or(b.len(), |k| i + 4 + k + 3);
        return Some((end, Tag::Other));
    }
    if next == b'!' || next == b'?' {
        let end = memchr::memchr(b'>', &b[i..])?;
        return Some((i + end + 1, Tag::Other));
    }
    let (closing, name_at) = if next == b'/' { (true, i + 2) } else { (false, i + 1) };
    if !b.get(name_at)?.is_ascii_alphabetic() {
        return None;
    }
    let mut j = name_at;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b':') {
        j += 1;
    }
    let name = &text[name_at..j];
    // A tag name must end at whitespace, `/` or `>`; `<a中` is text.
    match b.get(j) {
        Some(b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>') => {}
        _ => return None,
    }
    // Attributes: find the closing `>`, stepping over quoted values. An
    // unterminated quote falls back to the first `>` after the name.
    let mut k = j;
    let mut quote = 0u8;
    while k < b.len() {
        let c = b[k];
        if quote != 0 {
            if c == quote {
                quote = 0;
            }
        } else if c == b'"' || c == b'\'' {
            // Only a quote that starts a value (`="`) opens one.
            if b[..k].iter().rev().find(|&&d| d != b' ').is_some_and(|&d| d == b'=') {
                quote = c;
            }
        } else if c == b'>' {
            let tag = if closing { Tag::End(name) } else { Tag::Start(name) };
            return Some((k + 1, tag));
        } else if c == b'<' && quote == 0 {
            break;
        }
        k += 1;
    }
    let end = memchr::memchr(b'>', &b[j..])? + j + 1;
    // Never let a runaway tag swallow more than a line or two of text.
    if text[j..end].contains('\n') && text[j..end].matches('\n').count() > 3 {
        return None;
    }
    let tag = if closing { Tag::End(name) } else { Tag::Start(name) };
    Some((end, tag))
}

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Where the end tag `</name` of a raw element starting at `from` begins
/// (case-insensitive), or the text length.
fn raw_end(text: &str, from: usize, name: &str) -> usize {
    let b = text.as_bytes();
    let mut i = from;
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let at = i + k;
        if b.get(at + 1) == Some(&b'/') {
            let n = &b[at + 2..(at + 2 + name.len()).min(b.len())];
            if n.eq_ignore_ascii_case(name.as_bytes()) {
                return at;
            }
        }
        i = at + 1;
    }
    b.len()
}

/// Splits `text` into text and markup pieces, in order, covering it
/// whole. Raw elements (`script`, `style`, `pre`, `code`, `textarea`) are
/// one markup piece with their tags, so keep mode leaves them.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let mut i = 0;
    let b = text.as_bytes();
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let at = i + k;
        let Some((mut end, tag)) = scan_tag(text, at) else {
            i = at + 1;
            continue;
        };
        if let Tag::Start(name) = tag {
            let self_closing = b[..end].ends_with(b"/>");
            if is_one_of(name, RAW_IN_KEEP) && !self_closing {
                let close = raw_end(text, end, name);
                end = match memchr::memchr(b'>', &b[close..]) {
                    Some(g) if close < b.len() => close + g + 1,
                    _ => b.len(),
                };
            }
        }
        if text_from < at {
            out.push(Piece::Text(text_from..at));
        }
        out.push(Piece::Markup(at..end));
        text_from = end;
        i = end;
    }
    if text_from < text.len() {
        out.push(Piece::Text(text_from..text.len()));
    }
    out
}

/// The byte ranges of the text between tags: what `--html keep` cleans.
pub fn text_spans(text: &str) -> Vec<Range<usize>> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Text(r) => Some(r),
            Piece::Markup(_) => None,
        })
        .collect()
}

/// Whether `text` should be stripped under `--html auto`: the file is
/// named `.html`/`.htm`/`.xhtml`, or it starts like an HTML document
/// (`<!DOCTYPE html`, `<html`), or it is mostly markup: at least 8 tags,
/// and tags make up at least half of the bytes that are not white space.
/// Only the first 64 KiB are looked at.
///
/// The seed pages (Markdown carrying navigation tables, `<p>` paragraphs
/// and link lists) are 60–70% markup by this measure, so auto strips them;
/// Markdown with the odd `<br>` or `<sup>` stays text, and its inline tags
/// are left alone by the normaliser.
pub fn looks_like_html(text: &str, path_ext: Option<&str>) -> bool {
    if path_ext.is_some_and(|e| {
        ["html", "htm", "xhtml", "shtml"].iter().any(|h| h.eq_ignore_ascii_case(e))
    }) {
        return true;
    }
    let mut cut = text.len().min(64 * 1024);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let lower: String = start.chars().take(14).collect::<String>().to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return true;
    }
    let (tags, markup) = markup_share(head);
    // Counting the non-space bytes is a pass over the whole head: only
    // when there are tags enough to matter.
    tags >= 8 && markup * 2 >= head.bytes().filter(|b| !b.is_ascii_whitespace()).count()
}

/// Whether `text`, a short value such as one JSON field, is an HTML
/// fragment: after white space it starts with a tag and ends with one, and
/// holds at least two. [`looks_like_html`] asks for a page's worth of tags;
/// a field like `<p>你好</p>` has two, and text that merely mentions a tag
/// (`用 <br> 换行`) neither starts nor ends with one.
pub fn is_fragment(text: &str) -> bool {
    let t = text.trim();
    if !t.starts_with('<') || !t.ends_with('>') || scan_tag(t, 0).is_none() {
        return false;
    }
    let Some(last) = t.rfind('<') else { return false };
    if scan_tag(t, last).is_none_or(|(end, _)| end != t.len()) {
        return false;
    }
    markup_share(t).0 >= 2
}

/// How many tags `text` holds and how many bytes they take.
pub fn markup_share(text: &str) -> (usize, usize) {
    let mut tags = 0;
    let mut bytes = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let at = i + k;
        match scan_tag(text, at) {
            Some((end, _)) => {
                tags += 1;
                bytes += end - at;
                i = end;
            }
            None => i = at + 1,
        }
    }
    (tags, bytes)
}

/// Turns HTML (or Markdown carrying HTML) into plain text: block elements
/// become line breaks, `script`/`style`/`head`/`title` are dropped with
/// their content, other tags are dropped and their text kept (link text
/// stays, images go). Character references are left as they are for the
/// repair stage. White space at line ends and starts (insignificant in
/// HTML) is trimmed and blank lines are dropped: each block is one line.
///
/// Every removed tag counts as one `html` change, and so does every line
/// whose white space was trimmed. Text without a tag comes back borrowed.
pub fn strip<'a>(text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
    strip_inner(text, changes, None)
}

/// Where the text [`strip`] made came from: maps a byte offset of the
/// stripped text to the byte offset of the input it was copied from, so
/// that `--explain` can give the positions of later rules in the input's
/// lines and columns.
#[derive(Debug, Default)]
pub struct StripMap {
    /// Each kept line of the stripped text: (its offset there, the offset
    /// of its first character in the text before lines were tidied).
    lines: Vec<(usize, usize)>,
    /// Each stretch of input copied into the untidied text: (its offset
    /// there, its offset in the input).
    copies: Vec<(usize, usize)>,
}

impl StripMap {
    /// The input offset of byte `at` of the stripped text.
    pub fn input_offset(&self, at: usize) -> usize {
        let step = |pairs: &[(usize, usize)], x: usize| {
            let k = pairs.partition_point(|p| p.0 <= x);
            if k == 0 { x } else { pairs[k - 1].1 + (x - pairs[k - 1].0) }
        };
        step(&self.copies, step(&self.lines, at))
    }
}

/// [`strip`], and when it changed anything the map from its output back
/// to `text`.
pub fn strip_mapped<'a>(text: &'a str, changes: &mut Changes) -> (Cow<'a, str>, Option<StripMap>) {
    let mut map = StripMap::default();
    let out = strip_inner(text, changes, Some(&mut map));
    let map = matches!(out, Cow::Owned(_)).then_some(map);
    (out, map)
}

fn strip_inner<'a>(
    text: &'a str,
    changes: &mut Changes,
    mut map: Option<&mut StripMap>,
) -> Cow<'a, str> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() / 2);
    let mut i = 0;
    let mut from = 0;
    let mut any = false;
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let at = i + k;
        let Some((mut end, tag)) = scan_tag(text, at) else {
            i = at + 1;
            continue;
        };
        any = true;
        if let Some(m) = map.as_deref_mut() {
            m.copies.push((out.len(), from));
        }
        out.push_str(&text[from..at]);
        let mut replace = "";
        match tag {
            Tag::Start(name) | Tag::End(name) if is_one_of(name, BLOCKS) => replace = "\n",
            _ => {}
        }
        if let Tag::Start(name) = tag
            && is_one_of(name, DROPPED)
            && !b[..end].ends_with(b"/>")
        {
            let close = raw_end(text, end, name);
            end = match memchr::memchr(b'>', &b[close..]) {
                Some(g) if close < b.len() => close + g + 1,
                _ => b.len(),
            };
            replace = "\n";
        }
        out.push_str(replace);
        changes.record(Rule::Html, text, at, &text[at..end], replace);
        from = end;
        i = end;
    }
    if !any {
        return Cow::Borrowed(text);
    }
    if let Some(m) = map.as_deref_mut() {
        m.copies.push((out.len(), from));
    }
    out.push_str(&text[from..]);
    Cow::Owned(tidy(&out, text.ends_with('\n'), changes, map.map(|m| &mut m.lines)))
}

/// Trims white space at both ends of each line and drops blank lines (in
/// HTML they carry nothing; each block is one line of the plain text);
/// ends with a newline when the input did.
/// With `lines`, notes where each kept line starts, here and in `text`.
fn tidy(
    text: &str,
    final_newline: bool,
    changes: &mut Changes,
    mut lines: Option<&mut Vec<(usize, usize)>>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fixed = 0;
    let mut at = 0;
    for line in text.split('\n') {
        let start = at;
        at += line.len() + 1;
        let blank = |c| c == ' ' || c == '\t' || c == '\r';
        let t = line.trim_matches(blank);
        if t.len() != line.len() {
            fixed += 1;
        }
        if t.is_empty() {
            continue;
        }
        if let Some(l) = lines.as_deref_mut() {
            l.push((out.len(), start + (line.len() - line.trim_start_matches(blank).len())));
        }
        out.push_str(t);
        out.push('\n');
    }
    if !final_newline && out.ends_with('\n') {
        out.pop();
    }
    changes.add(Rule::Html, fixed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip_str(s: &str) -> String {
        strip(s, &mut Changes::new()).into_owned()
    }

    #[test]
    fn fragments() {
        for yes in ["<p>你好</p>", " <div><b>x</b></div>\n", "<br><br>"] {
            assert!(is_fragment(yes), "{yes:?}");
        }
        for no in ["用 <br> 换行", "<p>你好", "a < b > c", "<br>", "x <p>y</p>", "<<>>"] {
            assert!(!is_fragment(no), "{no:?}");
        }
    }

    #[test]
    fn strips_tags_keeps_link_text() {
        let html = "<p>下载<a href=\"https://x.y/a?b=1\">翻墙软件</a>浏览原文</p>\n<li><a href=\"u\">标题</a></li>";
        assert_eq!(strip_str(html), "下载翻墙软件浏览原文\n标题");
    }

    #[test]
    fn drops_script_style_head() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><script>var a='<p>';</script><p>正文</p></body></html>\n";
        assert_eq!(strip_str(html), "正文\n");
    }

    #[test]
    fn entities_are_left_for_repair() {
        assert_eq!(strip_str("<p>显&#33879;下降&nbsp;</p>"), "显&#33879;下降&nbsp;");
    }

    #[test]
    fn stray_angle_brackets_are_text() {
        let s = "a < b 且 c>d <3 <中文>";
        assert_eq!(pieces(s), vec![Piece::Text(0..s.len())]);
        assert!(matches!(strip(s, &mut Changes::new()), Cow::Borrowed(_)));
    }

    #[test]
    fn attributes_with_angle_brackets() {
        let s = "<a title=\"a>b\" href='x'>文</a>";
        let at = s.find('文').unwrap();
        assert_eq!(text_spans(s), vec![at..at + 3]);
    }

    #[test]
    fn pieces_cover_everything_in_order() {
        let s = "前<b>粗</b>后<!-- c --><pre>a,b</pre>尾";
        let ps = pieces(s);
        let mut at = 0;
        for p in &ps {
            let r = match p {
                Piece::Text(r) | Piece::Markup(r) => r,
            };
            assert_eq!(r.start, at);
            at = r.end;
        }
        assert_eq!(at, s.len());
        let texts: Vec<&str> = text_spans(s).into_iter().map(|r| &s[r]).collect();
        assert_eq!(texts, ["前", "粗", "后", "尾"]);
    }

    #[test]
    fn auto_detection() {
        assert!(looks_like_html("plain", Some("HTML")));
        assert!(looks_like_html("  <!DOCTYPE html><p>x", None));
        assert!(!looks_like_html("第一段<br>第二段，很长很长的一段正文。", None));
        let seed = include_str!("../tests/data/normalize/html/seed-000.txt");
        assert!(looks_like_html(seed, None));
        let md = "# 标题\n\n正文段落，有一些<sup>1</sup>注释。\n".repeat(10);
        assert!(!looks_like_html(&md, Some("md")));
    }

    #[test]
    fn counts_under_html() {
        let mut c = Changes::new();
        strip("<p>a</p>", &mut c);
        assert_eq!(c.count(Rule::Html), 2);
    }
}
