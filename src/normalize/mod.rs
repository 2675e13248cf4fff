//! Normalise: one spelling for one thing (stage 3 of `cleaning-policy.md`).
//!
//! The stage owns the rules `line-ends`, `trailing-space`, `invisible`,
//! `spaces`, `compat-ideographs`, `radicals`, `width-alnum`,
//! `width-symbols`, `cjk-punct`, `cjk-parens`, `cjk-period`, `cjk-quotes`,
//! `ellipsis`, `name-dot`, `forms`, `nfc`, and the quote style (`quotes`).
//! It runs after repair: a `?` between Han seen here is a real question
//! mark. It never applies NFKC (it would fold `，` to `,` and `…` to `...`).
//!
//! # How it stays fast
//!
//! Text is processed a line at a time, because every rule's context ends
//! at the line. One scan over the bytes of a line ORs together the trigger
//! bits of its characters ([`class`]): plain Han and the common CJK
//! punctuation have none, so most lines of clean Chinese are looked at
//! once and never copied. Only a line with a trigger is decoded into a
//! `Vec<char>`, and only the rules whose trigger is present run on it:
//! first the character rules ([`chars`]), then the punctuation rules that
//! need context ([`punct`]), then `trailing-space`. When nothing changed
//! at all, the input comes back borrowed.
//!
//! Every rule's result is stable: running the stage on its own output
//! changes nothing (there is a property test for that).

mod chars;
mod class;
mod punct;

use std::borrow::Cow;

use crate::config::{Config, QuoteStyle};
use crate::rules::{Changes, Rule, RuleSet};
use class::{
    APUNCT, ASCII, CJKP, COMPAT, CONTEXT, DOT, ELLIPSIS, FORMS, HAN, INVIS, NAMEDOT, NFC, PAREN,
    QSTYLE, QUOTE, RADICAL, SPACE, WALNUM, WSYM,
};

/// Applies the normalisation rules that are on.
#[derive(Clone, Debug)]
pub struct Normalizer {
    rules: RuleSet,
    quotes: QuoteStyle,
    /// The trigger bits of the rules that are on: a line whose scan sets
    /// none of these (and has no trailing space) is left as it is.
    enabled: u32,
}

/// Counts the changes of one line into [`Changes`], with the line number
/// known, so that explain entries cost nothing when not explaining.
pub(crate) struct Rec<'c> {
    changes: &'c mut Changes,
    line: usize,
    hits: u64,
}

impl Rec<'_> {
    /// One change of a single character `before` at 1-based column `col`.
    fn hit(&mut self, rule: Rule, col: usize, before: char, after: &str) {
        self.hits += 1;
        if self.changes.is_explaining() {
            self.changes.record_at(rule, self.line, col, before.encode_utf8(&mut [0; 4]), after);
        } else {
            self.changes.add(rule, 1);
        }
    }

    /// One change of a string `before` at 1-based column `col`.
    fn hit_str(&mut self, rule: Rule, col: usize, before: &str, after: &str) {
        self.hits += 1;
        if self.changes.is_explaining() {
            self.changes.record_at(rule, self.line, col, before, after);
        } else {
            self.changes.add(rule, 1);
        }
    }
}

/// Reused buffers for the lines that need work.
#[derive(Default)]
struct Scratch {
    chars: Vec<char>,
    mask: Vec<bool>,
}

impl Normalizer {
    /// A normaliser for `config`: its rule set and quote style.
    pub fn new(config: &Config) -> Normalizer {
        let r = config.rules;
        let mut enabled = 0;
        let mut on = |rule: Rule, bits: u32| {
            if r.contains(rule) {
                enabled |= bits;
            }
        };
        on(Rule::Invisible, INVIS);
        on(Rule::Spaces, SPACE);
        on(Rule::CompatIdeographs, COMPAT);
        on(Rule::Nfc, NFC);
        on(Rule::Radicals, RADICAL);
        on(Rule::WidthAlnum, WALNUM);
        on(Rule::WidthSymbols, WSYM);
        on(Rule::Forms, FORMS);
        on(Rule::NameDot, NAMEDOT);
        on(Rule::Ellipsis, ELLIPSIS | DOT);
        on(Rule::CjkPunct, APUNCT);
        on(Rule::CjkPeriod, DOT);
        on(Rule::CjkParens, PAREN);
        on(Rule::CjkQuotes, QUOTE);
        if config.quotes != QuoteStyle::Keep && r.contains(Rule::Quotes) {
            enabled |= QSTYLE | QUOTE;
        }
        Normalizer { rules: r, quotes: config.quotes, enabled }
    }

    /// Normalises `text`, counting into `changes`. Returns the input
    /// borrowed when no rule changed anything.
    pub fn normalize<'a>(&self, text: &'a str, changes: &mut Changes) -> Cow<'a, str> {
        self.normalize_piece(text, false, changes)
    }

    /// Normalises a piece of a larger text, such as the text between two
    /// HTML tags. When `open_end` is true the piece's last line continues
    /// after it (in markup), so its final spaces are not at a line end and
    /// `trailing-space` leaves them.
    pub fn normalize_piece<'a>(
        &self,
        text: &'a str,
        open_end: bool,
        changes: &mut Changes,
    ) -> Cow<'a, str> {
        if self.rules.contains(Rule::LineEnds) && memchr::memchr(b'\r', text.as_bytes()).is_some() {
            let unix = line_ends(text, changes);
            let out = self.lines(&unix, open_end, changes).into_owned();
            return Cow::Owned(out);
        }
        self.lines(text, open_end, changes)
    }

    /// Runs the rules line by line over text with LF line ends (or CRLF,
    /// when `line-ends` is off: the CR is then kept out of the line).
    fn lines<'a>(&self, text: &'a str, open_end: bool, changes: &mut Changes) -> Cow<'a, str> {
        let bytes = text.as_bytes();
        let trailing_on = self.rules.contains(Rule::TrailingSpace);
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut pos = 0;
        let mut line_no = 0;
        let mut in_fence = false;
        let mut scratch = Scratch::default();
        while pos < bytes.len() {
            line_no += 1;
            let (end, flags) = scan(bytes, pos);
            let mut stop = end;
            if stop > pos && bytes[stop - 1] == b'\r' {
                stop -= 1;
            }
            let line = &text[pos..stop];
            let fence = is_fence(line);
            let code = in_fence || fence;
            in_fence ^= fence;
            let open = open_end && end == bytes.len();
            let trailing =
                trailing_on && !open && matches!(line.as_bytes().last(), Some(b' ' | b'\t'));
            let mut f = flags & self.enabled;
            if code || flags & (HAN | CJKP) == 0 {
                f &= !(CONTEXT | QSTYLE);
            }
            let fixed = if f != 0 || trailing {
                self.fix_line(line, f, code, open, line_no, changes, &mut scratch)
            } else {
                None
            };
            if let Some(new) = fixed {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                o.push_str(&text[copied..pos]);
                o.push_str(&new);
                copied = stop;
            }
            pos = end + 1;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut o) => {
                o.push_str(&text[copied..]);
                Cow::Owned(o)
            }
        }
    }

    /// The slow path for one line that may need changes. Returns the new
    /// line, or `None` when it stays as it is.
    #[allow(clippy::too_many_arguments)]
    fn fix_line(
        &self,
        line: &str,
        mut f: u32,
        code: bool,
        open: bool,
        line_no: usize,
        changes: &mut Changes,
        scratch: &mut Scratch,
    ) -> Option<String> {
        let r = self.rules;
        let buf = &mut scratch.chars;
        buf.clear();
        buf.extend(line.chars());
        let mut rec = Rec { changes, line: line_no, hits: 0 };

        if f & INVIS != 0 {
            chars::invisible(buf, &mut rec);
        }
        if f & SPACE != 0 {
            chars::spaces(buf, &mut rec);
        }
        if f & COMPAT != 0 {
            chars::compat_ideographs(buf, &mut rec);
        }
        if f & NFC != 0 || (rec.hits > 0 && r.contains(Rule::Nfc)) {
            chars::nfc(buf, !r.contains(Rule::CompatIdeographs), &mut rec);
        }
        if f & RADICAL != 0 {
            chars::radicals(buf, &mut rec);
        }
        if f & WALNUM != 0 {
            chars::width_alnum(buf, &mut rec);
        }
        if f & WSYM != 0 {
            chars::width_symbols(buf, &mut rec);
        }
        if f & FORMS != 0 {
            chars::forms(buf, &mut rec);
        }
        if f & NAMEDOT != 0 {
            chars::name_dot(buf, &mut rec);
        }

        // A character rule may have made the Han or CJK punctuation that a
        // punctuation rule looks for, or an ellipsis run: then all of them
        // look at the line, so that a second run finds nothing new.
        if rec.hits > 0 && !code && buf.iter().any(|&c| class::is_cjk(c)) {
            f |= self.enabled & (CONTEXT | QSTYLE);
        }
        if !code && f & (CONTEXT | QSTYLE) != 0 {
            let mask = &mut scratch.mask;
            punct::protect(buf, mask);
            if f & (ELLIPSIS | DOT) != 0 && r.contains(Rule::Ellipsis) {
                punct::ellipsis(buf, mask, &mut rec);
            }
            if f & PAREN != 0 {
                punct::parens(buf, mask, &mut rec);
            }
            if f & QUOTE != 0 && r.contains(Rule::CjkQuotes) {
                punct::quotes(buf, mask, &mut rec);
            }
            let do_punct = f & APUNCT != 0;
            let do_period = f & DOT != 0 && r.contains(Rule::CjkPeriod);
            if do_punct || do_period {
                punct::marks(buf, mask, do_punct, do_period, &mut rec);
                // `marks` may drop spaces; the mask is rebuilt for what follows.
                punct::protect(buf, mask);
            }
            if self.quotes != QuoteStyle::Keep && r.contains(Rule::Quotes) {
                punct::quote_style(buf, mask, self.quotes, &mut rec);
            }
        }

        if r.contains(Rule::TrailingSpace) && !open {
            let keep = buf.iter().rposition(|&c| c != ' ' && c != '\t').map_or(0, |k| k + 1);
            if keep < buf.len() {
                let gone: String = buf[keep..].iter().collect();
                rec.hit_str(Rule::TrailingSpace, keep + 1, &gone, "");
                buf.truncate(keep);
            }
        }

        if rec.hits == 0 {
            return None;
        }
        let new: String = buf.iter().collect();
        (new != line).then_some(new)
    }
}

/// `line-ends`: CRLF and lone CR to LF.
fn line_ends(text: &str, changes: &mut Changes) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for i in memchr::memchr_iter(b'\r', bytes) {
        out.push_str(&text[last..i]);
        let crlf = bytes.get(i + 1) == Some(&b'\n');
        changes.record(Rule::LineEnds, text, i, if crlf { "\r\n" } else { "\r" }, "\n");
        if !crlf {
            out.push('\n');
        }
        last = i + 1;
    }
    out.push_str(&text[last..]);
    out
}

/// Whether `line` opens or closes a fenced code block (```` ``` ```` or `~~~`).
fn is_fence(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.starts_with("```") || t.starts_with("~~~")
}

/// Decodes the character starting at byte `i` of valid UTF-8.
#[inline]
fn decode_at(b: &[u8], i: usize) -> (char, usize) {
    let b0 = b[i] as u32;
    let (u, len) = if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F), 3)
    } else {
        (
            ((b0 & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F),
            4,
        )
    };
    (char::from_u32(u).unwrap_or('\u{FFFD}'), len)
}

/// How many times the 3-byte sequence `seq` repeats from byte `i`.
#[inline]
fn run_of(b: &[u8], i: usize, seq: &[u8; 3]) -> usize {
    let mut n = 0;
    while b.get(i + 3 * n..i + 3 * n + 3) == Some(seq) {
        n += 1;
    }
    n
}

/// Scans one line from byte `start` (valid UTF-8, at a char boundary):
/// returns where it ends (the index of its `\n`, or the text length) and
/// the OR of its characters' trigger bits.
fn scan(b: &[u8], start: usize) -> (usize, u32) {
    let mut i = start;
    let mut f = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if x == b'\n' {
                return (i, f);
            }
            f |= ASCII[x as usize];
            i += 1;
            continue;
        }
        // U+4000–U+9FFF: the bulk of Chinese text, no trigger.
        if (0xE4..=0xE9).contains(&x) {
            f |= HAN;
            i += 3;
            continue;
        }
        let (c, len) = decode_at(b, i);
        match c {
            '。' => {
                let n = run_of(b, i, "。".as_bytes().try_into().unwrap_or(&[0; 3]));
                f |= CJKP | if n >= 3 { ELLIPSIS } else { 0 };
                i += 3 * n;
                continue;
            }
            '…' => {
                let n = run_of(b, i, "…".as_bytes().try_into().unwrap_or(&[0; 3]));
                f |= CJKP | if n == 1 { ELLIPSIS } else { 0 };
                i += 3 * n;
                continue;
            }
            _ => f |= class::class_of(c),
        }
        i += len;
    }
    (b.len(), f)
}

#[cfg(test)]
mod tests;
