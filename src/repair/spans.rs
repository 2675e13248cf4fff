//! Regions of a text the repair rules must not touch: Markdown code (fenced
//! blocks and inline code spans), HTML tags and the content of `<code>`,
//! `<pre>`, `<script>` and `<style>`, and bare URLs and e-mail addresses.
//!
//! Our inputs are often Markdown that carries HTML (the seed pages are), so
//! the rules need to know where syntax is: a `&#x27;` in a code example or a
//! `?` in `href="…md?dfh#1"` is not damage. This is a deliberately small
//! scanner, not a Markdown or HTML parser: it errs on the side of protecting
//! (a protected region is only ever *not* repaired).

use std::ops::Range;

/// Sorted, non-overlapping protected byte ranges of one text.
#[derive(Clone, Debug, Default)]
pub(crate) struct Protected {
    ranges: Vec<Range<usize>>,
}

/// Which kinds of region to protect.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kinds {
    /// Markdown code and HTML tags/code elements.
    pub markup: bool,
    /// Bare URLs and e-mail addresses.
    pub urls: bool,
}

impl Protected {
    /// Finds the protected regions of `text`.
    pub(crate) fn scan(text: &str, kinds: Kinds) -> Protected {
        let mut ranges = Vec::new();
        if kinds.markup {
            scan_markdown_code(text, &mut ranges);
            scan_html(text, &mut ranges);
        }
        if kinds.urls {
            scan_urls(text, &mut ranges);
        }
        ranges.sort_by_key(|r| (r.start, r.end));
        // Merge overlaps so that `contains` can binary-search.
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        Protected { ranges: merged }
    }

    /// Whether byte `pos` lies in a protected region.
    pub(crate) fn contains(&self, pos: usize) -> bool {
        let i = self.ranges.partition_point(|r| r.end <= pos);
        self.ranges.get(i).is_some_and(|r| r.start <= pos)
    }
}

/// Where a part of a document may not be cut for the repair rules: the
/// stretches that one protected region covers (a fenced code block, a tag
/// or comment over a line end, the content of a code element), and the
/// point from which the end of the text leaves open what is protected.
///
/// A cut at a line end `c` gives the same protected regions in the two
/// parts as in the whole (so the same repairs) when no stretch has
/// `start < c < end` and `c <= open_from`. This is judged on the text as
/// it comes (before entities are decoded), so a reference that could make
/// syntax once decoded (`&lt;`, `&gt;`, `&#96;`, `&#10;`, an `&` that may
/// join the next reference) counts as leaving everything after it open.
#[derive(Clone, Debug, Default)]
pub(crate) struct CutRisk {
    /// Sorted, merged stretches a cut may not fall inside.
    pub spans: Vec<Range<usize>>,
    /// A cut may not fall after this offset (`usize::MAX` when it may).
    pub open_from: usize,
}

impl CutRisk {
    /// No stretch, nothing left open.
    pub(crate) fn none() -> CutRisk {
        CutRisk { spans: Vec::new(), open_from: usize::MAX }
    }

    /// Adds `other`'s stretches and bound.
    pub(crate) fn add(&mut self, other: CutRisk) {
        self.spans.extend(other.spans);
        self.open_from = self.open_from.min(other.open_from);
        self.spans.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(self.spans.len());
        for r in self.spans.drain(..) {
            match merged.last_mut() {
                Some(last) if r.start < last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        self.spans = merged;
    }

    /// The stretch `cut` falls strictly inside, if any (spans merged).
    pub(crate) fn around(&self, cut: usize) -> Option<Range<usize>> {
        let i = self.spans.partition_point(|r| r.end <= cut);
        self.spans.get(i).filter(|r| r.start < cut).cloned()
    }
}

/// The [`CutRisk`] of `text` for the protected regions of the markup kind
/// (URLs and inline code spans never run over a line end). Linear in the
/// text, and nearly free on text without `<`, `&`, `` ` `` or `~`.
pub(crate) fn cut_risk(text: &str) -> CutRisk {
    let b = text.as_bytes();
    let mut risk = CutRisk::none();
    let mut spans = Vec::new();
    if memchr::memchr2(b'`', b'~', b).is_some()
        && let Some(start) = scan_markdown_code(text, &mut spans)
    {
        risk.open_from = start;
    }
    if memchr::memchr(b'<', b).is_some()
        && let Some(start) = scan_html_until(text, &mut spans, true)
    {
        risk.open_from = risk.open_from.min(start);
    }
    let mut behind = Behind::default();
    for at in memchr::memchr_iter(b'&', b) {
        if at >= risk.open_from {
            break;
        }
        behind.advance(b, at);
        if let Some(from) = entity_risk(b, at, &text[at + 1..], &mut behind) {
            risk.open_from = risk.open_from.min(from);
        }
    }
    // Only the regions over a line end matter to a cut after one.
    spans.retain(|r| memchr::memchr(b'\n', &b[r.start..r.end.min(b.len())]).is_some());
    risk.add(CutRisk { spans, open_from: usize::MAX });
    risk
}

/// Fenced code blocks (``` or ~~~, up to the matching closing fence or the
/// end of the text) and inline code spans (a run of backticks closed by a run
/// of the same length on the same line). Returns where a fenced block still
/// open at the end begins.
fn scan_markdown_code(text: &str, out: &mut Vec<Range<usize>>) -> Option<usize> {
    let b = text.as_bytes();
    let mut fence: Option<(u8, usize, usize)> = None; // (char, length, start)
    // Only a line with a backtick or a tilde can open or close a fence or
    // hold a code span, so the scan goes from one such line to the next
    // (each line is still looked at once at most).
    let mut from = 0;
    while let Some(off) = memchr::memchr2(b'`', b'~', &b[from..]) {
        let hit = from + off;
        let pos = memchr::memrchr(b'\n', &b[from..hit]).map_or(from, |i| from + i + 1);
        let end = memchr::memchr(b'\n', &b[hit..]).map_or(b.len(), |i| hit + i);
        let line = &text[pos..end];
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let run = |c: u8| trimmed.bytes().take_while(|&b| b == c).count();
        match fence {
            Some((c, n, start)) => {
                if indent <= 3 && run(c) >= n && trimmed[run(c)..].trim().is_empty() {
                    out.push(start..end);
                    fence = None;
                }
            }
            None => {
                let (tick, tilde) = (run(b'`'), run(b'~'));
                if indent <= 3 && (tick >= 3 || tilde >= 3) {
                    let (c, n) = if tick >= 3 { (b'`', tick) } else { (b'~', tilde) };
                    // An info string may not contain backticks for ``` fences.
                    if c == b'~' || !trimmed[n..].contains('`') {
                        fence = Some((c, n, pos));
                    }
                } else {
                    scan_code_spans(line, pos, out);
                }
            }
        }
        from = end + 1;
        if from >= b.len() {
            break;
        }
    }
    if let Some((_, _, start)) = fence {
        out.push(start..text.len());
    }
    fence.map(|(_, _, start)| start)
}

fn scan_code_spans(line: &str, base: usize, out: &mut Vec<Range<usize>>) {
    let b = line.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'`', &b[i..]) {
        let start = i + off;
        let n = b[start..].iter().take_while(|&&c| c == b'`').count();
        let mut j = start + n;
        let mut closed = None;
        while let Some(off) = memchr::memchr(b'`', &b[j..]) {
            let s = j + off;
            let m = b[s..].iter().take_while(|&&c| c == b'`').count();
            if m == n {
                closed = Some(s + m);
                break;
            }
            j = s + m;
        }
        match closed {
            Some(end) => {
                out.push(base + start..base + end);
                i = end;
            }
            None => i = start + n,
        }
    }
}

/// Where the text is left open by the reference at `at` (`after` is what
/// follows its `&`), if it may make syntax over a line end once decoded:
/// a `<` that starts a tag, comment or code element; a `>` that may end a
/// tag still open before it; a fence, or a line end before one.
fn entity_risk(b: &[u8], at: usize, after: &str, behind: &mut Behind) -> Option<usize> {
    let (len, made) = super::entities::syntax_made(after)?;
    let next = b.get(at + 1 + len).copied();
    let line_start = behind.line_start;
    match made {
        '<' => next.is_none_or(|c| c.is_ascii_alphabetic() || b"/!&".contains(&c)).then_some(at),
        '>' => {
            let lt = behind.lt?;
            behind.first_gt(b, lt, at).is_none().then_some(lt)
        }
        '`' | '~' => (behind.first_not_fence(b) >= at).then_some(line_start),
        '\n' | '\r' => {
            let rest = &b[(at + 1 + len).min(b.len())..];
            let first = rest.iter().find(|&&c| c != b' ').copied();
            first.is_none_or(|c| b"`~&".contains(&c)).then_some(line_start)
        }
        _ => Some(at),
    }
}

/// What lies behind the `&` a forward scan is at, kept up to date as the
/// scan moves on, so that no reference looks back over the text again
/// (many references on one long line would make that quadratic).
#[derive(Default)]
struct Behind {
    /// How far the text has been looked at.
    seen: usize,
    /// Where the current line starts.
    line_start: usize,
    /// The last `<` seen.
    lt: Option<usize>,
    /// For the `<` at `.0`, the first `>` after it, if one before the
    /// scan's position (`.1`).
    gt: Option<(usize, Option<usize>)>,
    /// For the line starting at `.0`, where its first character that
    /// cannot open a fence is (`.1`).
    fence: Option<(usize, usize)>,
}

impl Behind {
    fn advance(&mut self, b: &[u8], at: usize) {
        let part = &b[self.seen..at];
        if let Some(i) = memchr::memrchr(b'\n', part) {
            self.line_start = self.seen + i + 1;
        }
        if let Some(i) = memchr::memrchr(b'<', part) {
            self.lt = Some(self.seen + i);
        }
        self.seen = at;
    }

    /// The first `>` between `lt` and `at`.
    fn first_gt(&mut self, b: &[u8], lt: usize, at: usize) -> Option<usize> {
        match self.gt {
            Some((l, Some(g))) if l == lt => return Some(g),
            _ => {}
        }
        let g = memchr::memchr(b'>', &b[lt..at]).map(|i| lt + i);
        self.gt = Some((lt, g));
        g
    }

    /// Where the current line's first character that cannot be part of a
    /// fence opener (letters, digits, spaces, `` ` ``, `~` and the
    /// characters of a reference) is, or the end of the text.
    fn first_not_fence(&mut self, b: &[u8]) -> usize {
        let start = self.line_start;
        if let Some((l, f)) = self.fence
            && l == start
        {
            return f;
        }
        let f = b[start..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || b" `~&#;".contains(c)))
            .map_or(b.len(), |i| start + i);
        self.fence = Some((start, f));
        f
    }
}

/// HTML tags (`<a href=…>`, `</p>`, `<!-- … -->`), and the whole content of
/// the elements whose text is code.
fn scan_html(text: &str, out: &mut Vec<Range<usize>>) {
    scan_html_until(text, out, false);
}

/// [`scan_html`], and with `undecided`, where the first construct starts
/// whose extent more text after the end could change: a comment with no
/// `-->`, a code element with no closing tag, a tag with no `>` within
/// the bound because the text ends first (or with an `&` in its reach,
/// which may be a `&gt;` once decoded).
fn scan_html_until(text: &str, out: &mut Vec<Range<usize>>, undecided: bool) -> Option<usize> {
    let mut open: Option<usize> = None;
    let b = text.as_bytes();
    let mut i = 0;
    // Where each raw element's closing tags are (found once per name), and
    // the last search for `-->` (from where, and what it found): asked
    // again for every opening tag or comment, a search from there to the
    // end of the text would make many unclosed ones quadratic.
    let mut closings: Vec<(&'static str, Vec<usize>)> = Vec::new();
    let mut comment_end: Option<(usize, Option<usize>)> = None;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let start = i + off;
        let next = b.get(start + 1).copied().unwrap_or(0);
        let is_tag = next.is_ascii_alphabetic()
            || next == b'!'
            || (next == b'/' && b.get(start + 2).is_some_and(|c| c.is_ascii_alphabetic()));
        if !is_tag {
            i = start + 1;
            continue;
        }
        // Comments run to `-->`; tags to the next `>` (bounded, so that a
        // stray `<b` in prose cannot swallow the document).
        let limit = (start + 4096).min(b.len());
        let end = if b[start..].starts_with(b"<!--") {
            // A `-->` found from an earlier point serves as long as it is
            // past this `<!--`; none from an earlier point, none from here.
            let found = match comment_end {
                Some((from, None)) if from <= start => None,
                Some((from, Some(e))) if from <= start && e >= start => Some(e),
                _ => {
                    let e = memchr::memmem::find(&b[start..], b"-->").map(|e| start + e);
                    comment_end = Some((start, e));
                    e
                }
            };
            found.map(|e| e + 3)
        } else {
            memchr::memchr(b'>', &b[start..limit]).map(|e| start + e + 1)
        };
        let Some(end) = end else {
            if undecided
                && open.is_none()
                && (b[start..].starts_with(b"<!--")
                    || start + 4096 > b.len()
                    || memchr::memchr(b'&', &b[start..limit]).is_some())
            {
                open = Some(start);
            }
            i = start + 1;
            continue;
        };
        out.push(start..end);
        let name: String = text[start + 1..end]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        const RAW: [&str; 6] = ["code", "pre", "script", "style", "kbd", "samp"];
        if let Some(&raw) = RAW.iter().find(|&&r| r == name) {
            let close = format!("</{name}");
            let at = closing_tags(b, raw, &mut closings);
            let next = at[at.partition_point(|&p| p < end)..].first().copied();
            if let Some(c) = next.map(|p| p - end) {
                out.push(end..end + c);
                if undecided {
                    // The content is protected because the closing tag is
                    // there: a cut must not part the two.
                    out.push(start..end + c + close.len());
                }
                i = end + c;
                continue;
            }
            if undecided {
                // Protected up to a closing tag that more text may bring.
                return Some(open.map_or(start, |o| o.min(start)));
            }
        }
        i = end;
    }
    open
}

/// The offsets of every `</raw` in `b` (ASCII case ignored), in order,
/// found on first asking and kept in `cache`.
fn closing_tags<'c>(
    b: &[u8],
    raw: &'static str,
    cache: &'c mut Vec<(&'static str, Vec<usize>)>,
) -> &'c [usize] {
    let k = match cache.iter().position(|(r, _)| *r == raw) {
        Some(k) => k,
        None => {
            let n = raw.len();
            let at = memchr::memmem::find_iter(b, b"</")
                .filter(|&p| {
                    b.get(p + 2..p + 2 + n).is_some_and(|w| w.eq_ignore_ascii_case(raw.as_bytes()))
                })
                .collect();
            cache.push((raw, at));
            cache.len() - 1
        }
    };
    &cache[k].1
}

/// `scheme://…`, `www.…` and `user@host.tld` up to the first character that
/// cannot be part of a URL.
fn scan_urls(text: &str, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let url_byte = |c: u8| c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'*+,;=%".contains(&c);
    let mut i = 0;
    while let Some(off) = memchr::memmem::find(&b[i..], b"://") {
        let mid = i + off;
        let mut start = mid;
        while start > 0 && b[start - 1].is_ascii_alphanumeric() {
            start -= 1;
        }
        let mut end = mid + 3;
        while end < b.len() && url_byte(b[end]) {
            end += 1;
        }
        if start < mid {
            out.push(start..end);
        }
        i = end.max(mid + 3);
    }
    for (pat, back) in [(&b"www."[..], false), (&b"@"[..], true)] {
        let mut i = 0;
        while let Some(off) = memchr::memmem::find(&b[i..], pat) {
            let at = i + off;
            let mut start = at;
            if back {
                while start > 0
                    && (b[start - 1].is_ascii_alphanumeric() || b"._%+-".contains(&b[start - 1]))
                {
                    start -= 1;
                }
            }
            let mut end = at + pat.len();
            while end < b.len() && url_byte(b[end]) {
                end += 1;
            }
            if (!back || start < at) && end > at + pat.len() {
                out.push(start..end);
            }
            i = end.max(at + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Kinds = Kinds { markup: true, urls: true };

    fn protected_text(text: &str) -> String {
        let p = Protected::scan(text, ALL);
        text.char_indices().filter(|&(i, _)| p.contains(i)).map(|(_, c)| c).collect()
    }

    #[test]
    fn code_spans_and_fences() {
        assert_eq!(protected_text("a `x?y` b"), "`x?y`");
        assert_eq!(protected_text("a ``x`y`` b `open"), "``x`y``");
        assert_eq!(protected_text("t\n```rs\na?b\n```\nz"), "```rs\na?b\n```");
        assert_eq!(protected_text("t\n~~~\nq&amp;\n"), "~~~\nq&amp;\n");
    }

    #[test]
    fn tags_and_code_elements() {
        assert_eq!(
            protected_text(r#"<a href="x.md?dfh#1">文</a>"#),
            r#"<a href="x.md?dfh#1"></a>"#
        );
        assert_eq!(protected_text("<code>&lt;</code>x"), "<code>&lt;</code>");
        assert_eq!(protected_text("a < b 且 c<d"), "");
    }

    /// Many code elements and comments left open: each is found and
    /// ends where the first closing tag after it is (found once for the
    /// whole text, so that this is linear), with the tag's case ignored.
    #[test]
    fn many_open_code_elements_and_comments() {
        let open = "<code>a?b\n".repeat(300);
        assert_eq!(protected_text(&format!("{open}x</CODE>y")), format!("{open}x</CODE>"));
        let comments = "<!--a?b\n".repeat(300);
        assert_eq!(protected_text(&format!("{comments}-->y")), format!("{comments}-->"));
        // None closed: the tags alone are protected, and the comments not at all.
        assert_eq!(protected_text(&open), "<code>".repeat(300));
        assert_eq!(protected_text(&comments), "");
        assert_eq!(protected_text("<!-->a?b<pre>x</pre>"), "<!--><pre>x</pre>");
    }

    #[test]
    fn urls_and_mail() {
        assert_eq!(protected_text("看https://a.b/c?d=1获取"), "https://a.b/c?d=1");
        assert_eq!(protected_text("访问www.x.com/a?b=1，"), "www.x.com/a?b=1");
        assert_eq!(protected_text("写信给bob@x.org。"), "bob@x.org");
        assert!(!Protected::scan("a@ b", ALL).contains(1));
    }
}
