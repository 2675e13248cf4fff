//! Normalise: one spelling for one thing (stage 3 of `docs/policy.md`).
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
//! bits of its characters (`class.rs`): plain Han and the common CJK
//! punctuation have none, so most lines of clean Chinese are looked at
//! once and never copied. Only a line with a trigger is decoded into a
//! `Vec<char>`, and only the rules whose trigger is present run on it:
//! first the character rules (`chars.rs`), then the punctuation rules that
//! need context (`punct.rs`), then `trailing-space`. When nothing changed
//! at all, the input comes back borrowed.
//!
//! Every rule's result is stable: running the stage on its own output
//! changes nothing (there is a property test for that).
//!
//! # Decisions worth knowing
//!
//! - `--` between CJK has no rule, so it is
//!   left; so are U+2028/U+2029 (`line-ends` takes CRLF and CR only).
//! - `name-dot` needs Han on both sides:
//!   `哈里•S•杜鲁门` (a Latin initial) is left.
//! - `forms` also takes the half-width CJK marks `｡｢｣､` (to `。「」、`) and the
//!   small symbol forms `﹟﹠﹡﹢﹣﹤﹥﹦﹨﹩﹪﹫` (to ASCII); `﹒` becomes `。`
//!   between Han and `.` between digits, and stays elsewhere.
//! - `ellipsis` takes runs of exactly 3 or 6 of `.`, `。` or `．`, a lone
//!   `…` and one or two `⋯`, with Han directly before or after the run.
//! - Fenced code blocks get the character rules only; the punctuation rules
//!   skip them, and skip code spans, inline tags, URLs, e-mail addresses,
//!   Markdown link targets and emoticons on every line.

pub(crate) mod chars;
mod class;
mod punct;

use std::borrow::Cow;

use crate::config::{Config, QuoteStyle};
use crate::rules::{Changes, Rule, RuleSet};
use class::{
    APUNCT, CJKP, COMPAT, CONTEXT, DOT, ELLIPSIS, FORMS, HAN, INVIS, NAMEDOT, NFC, PAREN, QSTYLE,
    QUOTE, RADICAL, SPACE, WALNUM, WSYM,
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
    /// The changed line, encoded again.
    line: String,
    /// Offsets of the full-width digits, letters and symbols of the
    /// current line (see [`scan`]), and what [`width_plan`] makes of each.
    wide: Vec<usize>,
    plan: Vec<u8>,
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

    /// Where a part of a document may not be cut for this normaliser: the
    /// stretches from a fence line that opens a code block to the one that
    /// closes it (the context rules leave the lines between alone), and
    /// where a block left open at the end of `text` begins (`usize::MAX`
    /// when none is). The lines are the ones [`Normalizer::normalize`]
    /// reads (a lone CR ends one when `line-ends` is on). Linear, and one
    /// search on text without ```` ``` ```` or `~~~`.
    pub(crate) fn fence_spans(&self, text: &str) -> (Vec<std::ops::Range<usize>>, usize) {
        let b = text.as_bytes();
        let cr_ends = self.rules.contains(Rule::LineEnds);
        let line_end = |start: usize| {
            let end = if cr_ends {
                memchr::memchr2(b'\n', b'\r', &b[start..])
            } else {
                memchr::memchr(b'\n', &b[start..])
            };
            end.map_or(b.len(), |i| start + i)
        };
        // The lines holding a fence mark (three backticks or tildes), each
        // once (a long line with many marks is walked once, not once per
        // mark), found in one pass over the two bytes.
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let mut done = 0;
        for at in memchr::memchr2_iter(b'`', b'~', b) {
            if at < done || b.get(at + 1) != Some(&b[at]) || b.get(at + 2) != Some(&b[at]) {
                continue;
            }
            let from = if cr_ends {
                memchr::memrchr2(b'\n', b'\r', &b[..at])
            } else {
                memchr::memrchr(b'\n', &b[..at])
            };
            let start = from.map_or(0, |i| i + 1);
            let end = line_end(at);
            lines.push((start, end));
            done = end;
        }
        lines.sort_unstable();
        lines.dedup();
        let mut spans = Vec::new();
        let mut open: Option<usize> = None;
        for (start, end) in lines {
            let mut stop = end;
            while stop > start && b[stop - 1] == b'\r' {
                stop -= 1;
            }
            if !is_fence(&text[start..stop]) {
                continue;
            }
            match open.take() {
                Some(o) => spans.push(o..end),
                None => open = Some(start),
            }
        }
        (spans, open.unwrap_or(usize::MAX))
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
            let (end, flags) = scan(bytes, pos, &mut scratch.wide);
            // With `line-ends` off, CRs before the line end belong to it.
            let mut stop = end;
            while stop > pos && bytes[stop - 1] == b'\r' {
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
            let has_cjk = flags & (HAN | CJKP) != 0;
            if code || !has_cjk {
                f &= !(CONTEXT | QSTYLE);
            }
            // Lines whose only triggers are the width rules (most changed
            // lines of the People's Daily, `１９９８年`, `３．５％`) are
            // rewritten byte-wise when `width_plan` can tell the result.
            if f != 0
                && f & !(WALNUM | WSYM) == 0
                && !trailing
                && (f == WALNUM || !changes.is_explaining())
                && width_plan(line, &scratch.wide, f, self.quotes, &mut scratch.plan)
            {
                if scratch.plan.iter().any(|&a| a != 0) {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                    o.push_str(&text[copied..pos]);
                    let mut rec = Rec { changes, line: line_no, hits: 0 };
                    width_bytes(line, &scratch.wide, &scratch.plan, o, &mut rec);
                    copied = stop;
                }
                pos = end + 1;
                continue;
            }
            let fixed = (f != 0 || trailing)
                && self.fix_line(line, f, has_cjk, code, open, line_no, changes, &mut scratch);
            if fixed {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
                o.push_str(&text[copied..pos]);
                o.push_str(&scratch.line);
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

    /// The slow path for one line that may need changes. Returns whether
    /// it changed; the new line is then in `scratch.line`.
    #[allow(clippy::too_many_arguments)]
    fn fix_line(
        &self,
        line: &str,
        mut f: u32,
        has_cjk: bool,
        code: bool,
        open: bool,
        line_no: usize,
        changes: &mut Changes,
        scratch: &mut Scratch,
    ) -> bool {
        let r = self.rules;
        let buf = &mut scratch.chars;
        buf.clear();
        extend_chars(buf, line);
        let mut rec = Rec { changes, line: line_no, hits: 0 };

        // Trigger bits the character rules create for the punctuation rules:
        // a second run scans their output, so this run must look at
        // whatever that scan would find.
        let mut extra = 0;
        // Whether they may have made CJK punctuation on a line that had none.
        let mut new_cjk = false;
        if f & INVIS != 0 {
            chars::invisible(buf, &mut rec);
            if rec.hits > 0 {
                // Removing one can join an ellipsis run (`。\u{200B}。。`).
                extra |= ELLIPSIS;
            }
        }
        if f & SPACE != 0 {
            chars::spaces(buf, &mut rec);
        }
        if f & COMPAT != 0 {
            chars::compat_ideographs(buf, &mut rec);
        }
        if f & RADICAL != 0 {
            chars::radicals(buf, &mut rec);
        }
        if f & WALNUM != 0 {
            chars::width_alnum(buf, &mut rec);
        }
        // `forms` after `width-alnum` (`３﹒１４` looks at digits) and before
        // `width-symbols` (`a﹛` → `a｛` → `a{`).
        if f & FORMS != 0 {
            let before = rec.hits;
            chars::forms(buf, &mut rec);
            if rec.hits > before {
                extra |= CONTEXT | QSTYLE;
                new_cjk = true;
            }
            f |= WSYM & self.enabled;
        }
        if f & WSYM != 0 {
            // It can make `.` (a stop, an ellipsis run), `"` and `'`.
            let made = chars::width_symbols(buf, &mut rec);
            if made & DOT != 0 {
                extra |= DOT | ELLIPSIS;
            }
            extra |= made & QUOTE;
        }
        if f & NAMEDOT != 0 {
            chars::name_dot(buf, &mut rec);
        }
        // NFC last among the character rules: `Ａ\u{301}` only composes
        // once `width-alnum` has made the `A`. (A combining mark always
        // sets the `NFC` bit in the scan.)
        if f & NFC != 0 {
            let before = rec.hits;
            chars::nfc(buf, !r.contains(Rule::CompatIdeographs), &mut rec);
            if rec.hits > before {
                // `·` (from U+0387) is CJK punctuation.
                extra |= CONTEXT | QSTYLE;
                new_cjk = true;
            }
        }
        if extra != 0 && !code && (has_cjk || (new_cjk && buf.iter().any(|&c| class::is_cjk(c)))) {
            f |= extra & self.enabled;
        }
        if !code && f & (CONTEXT | QSTYLE) != 0 {
            let quote_style = self.quotes != QuoteStyle::Keep && r.contains(Rule::Quotes);
            let mask = &mut scratch.mask;
            punct::protect(buf, mask);
            let before = rec.hits;
            if f & (ELLIPSIS | DOT) != 0 && r.contains(Rule::Ellipsis) {
                punct::ellipsis(buf, mask, &mut rec);
            }
            if f & PAREN != 0 {
                punct::parens(buf, mask, &mut rec);
            }
            if f & QUOTE != 0 && r.contains(Rule::CjkQuotes) {
                punct::quotes(buf, mask, &mut rec);
            }
            // Ellipsis, parentheses and quotes make CJK punctuation, which
            // may now precede a `, ? ! ; :` that the scan passed over.
            let made_cjk = rec.hits > before;
            let do_punct = f & APUNCT != 0
                || (made_cjk
                    && r.contains(Rule::CjkPunct)
                    && buf.iter().any(|c| matches!(c, ',' | '?' | '!' | ';' | ':')));
            let do_period = f & DOT != 0 && r.contains(Rule::CjkPeriod);
            let do_name = f & DOT != 0 && r.contains(Rule::NameDot);
            if do_punct || do_period || do_name {
                punct::marks(buf, mask, punct::Marks { do_punct, do_period, do_name }, &mut rec);
                // `marks` may drop spaces; the mask is rebuilt for the quote
                // style, the only rule after it.
                if quote_style {
                    punct::protect(buf, mask);
                }
            }
            if quote_style {
                punct::quote_style(buf, mask, self.quotes, &mut rec);
            }
        }

        if r.contains(Rule::TrailingSpace) && !open {
            // CRs at the end (line-ends off) are part of the line end: the
            // spaces and tabs among them go, the CRs stay. (Removing an
            // invisible character may have put a CR there.)
            let tail = buf.iter().rev().take_while(|&&c| matches!(c, ' ' | '\t' | '\r')).count();
            let from = buf.len() - tail;
            if buf[from..].iter().any(|&c| c != '\r') {
                let gone: String = buf[from..].iter().filter(|&&c| c != '\r').collect();
                rec.hit_str(Rule::TrailingSpace, from + 1, &gone, "");
                let crs = buf[from..].iter().filter(|&&c| c == '\r').count();
                buf.truncate(from);
                buf.extend(std::iter::repeat_n('\r', crs));
            }
        }

        if rec.hits == 0 {
            return false;
        }
        let new = &mut scratch.line;
        new.clear();
        push_chars(new, buf);
        new != line
    }
}

/// Appends `chars` to `out` as UTF-8. (`String`'s `Extend<&char>` checks
/// the capacity once per character; changed lines are long paragraphs.)
fn push_chars(out: &mut String, chars: &[char]) {
    // SAFETY: four bytes per character are reserved; each character is
    // encoded whole into `tmp` and its four bytes copied to the end, of
    // which only the character's own count, so the bytes up to `len` are
    // the characters' UTF-8 when the length is set.
    let v = unsafe { out.as_mut_vec() };
    v.reserve(4 * chars.len());
    let dst = v.as_mut_ptr();
    let mut len = v.len();
    for &c in chars {
        let mut tmp = [0u8; 4];
        let n = c.encode_utf8(&mut tmp).len();
        // SAFETY: `len + 4` is within the reserved capacity.
        unsafe { std::ptr::copy_nonoverlapping(tmp.as_ptr(), dst.add(len), 4) };
        len += n;
    }
    // SAFETY: see above.
    unsafe { v.set_len(len) };
}

/// Appends the characters of `s` to `out`. (`Extend<char>` from `chars()`
/// checks the capacity and the UTF-8 state per character; a line of a
/// million combining marks is decoded here.)
fn extend_chars(out: &mut Vec<char>, s: &str) {
    let b = s.as_bytes();
    // No more characters than bytes.
    out.reserve(b.len());
    let dst = out.spare_capacity_mut();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let lead = b[i] as u32;
        // `s` is valid UTF-8: the lead byte gives the length, and the
        // continuation bytes are there.
        let (cp, len) = if lead < 0x80 {
            (lead, 1)
        } else if lead < 0xE0 {
            (((lead & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2)
        } else if lead < 0xF0 {
            let cp =
                ((lead & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F);
            (cp, 3)
        } else {
            let cp = ((lead & 0x07) << 18)
                | ((b[i + 1] as u32 & 0x3F) << 12)
                | ((b[i + 2] as u32 & 0x3F) << 6)
                | (b[i + 3] as u32 & 0x3F);
            (cp, 4)
        };
        // Decoded from valid UTF-8, so a scalar value.
        dst[n].write(char::from_u32(cp).unwrap_or('\u{FFFD}'));
        n += 1;
        i += len;
    }
    // SAFETY: the first `n` spare slots were written above.
    unsafe { out.set_len(out.len() + n) };
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
/// Invisible characters and odd spaces before it are skipped: the rules
/// remove or replace them, and the next run must see the same fences.
fn is_fence(line: &str) -> bool {
    let t = line.trim_start_matches(|c| {
        c == ' ' || class::is_invisible(c) || class::is_odd_space(c) || c == '\r'
    });
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
/// the OR of its characters' trigger bits. `wide` gets the offsets in the
/// line of its full-width digits, letters and symbols (the `WALNUM` and
/// `WSYM` triggers), for [`width_plan`].
///
/// Three steps, each skipped when it has nothing to do: a branch-free OR
/// of per-byte bits over the whole line ([`class::BYTES`]); a look-up in
/// [`class::HOT`] of each character whose lead byte is E2, E3 or EF (found
/// with `memchr3`: they are never continuation bytes); and, only on lines
/// with other non-ASCII characters (Latin-1, Hangul, Ext B Han, emoji),
/// a decode of the line with [`class::class_of`] per character.
fn scan(b: &[u8], start: usize, wide: &mut Vec<usize>) -> (usize, u32) {
    wide.clear();
    let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k);
    let line = &b[start..end];
    let hot: &[u32] = &class::HOT;
    let mut f = 0;
    let mut i = 0;
    while i < line.len() {
        let x = line[i] as usize;
        if x.wrapping_sub(0xE4) < 6 {
            // Han of U+4000..U+9FFF, most of any Chinese line: no rule looks
            // at them one by one, so step over the whole run.
            f |= HAN;
            i += 3;
            while i < line.len() && line[i].wrapping_sub(0xE4) < 6 {
                i += 3;
            }
            continue;
        }
        let bits = class::BYTES[x];
        if bits & class::HOTLEAD == 0 {
            if bits & (APUNCT | DOT) == 0 || mark_may_fire(line, i) {
                f |= bits;
            }
            i += class::WIDTH[x] as usize;
            continue;
        }
        let bits = hot[class::hot_index(line[i], line[i + 1], line[i + 2])];
        if bits & class::RUN == 0 {
            if bits & (WALNUM | WSYM) != 0 {
                wide.push(i);
            }
            f |= bits;
            i += 3;
            continue;
        }
        // `。`, `…` or `．`: only `。。。`, `．．．` and a lone `…` are
        // ellipsis triggers.
        let seq = [line[i], line[i + 1], line[i + 2]];
        let n = run_of(line, i, &seq);
        if bits & WSYM != 0 {
            wide.extend((0..n).map(|r| i + 3 * r));
        }
        let ellipsis = if seq[0] == 0xE2 { n == 1 } else { n >= 3 };
        f |= (bits & !class::RUN) | if ellipsis { ELLIPSIS } else { 0 };
        i += 3 * n;
    }
    if f & class::SLOWLEAD != 0 {
        let mut i = 0;
        // The class of the character before, kept: a run of one character
        // (a line of combining marks) asks `class_of` once.
        let mut last = ('\0', 0);
        while i < line.len() {
            if class::BYTES[line[i] as usize] == class::SLOWLEAD {
                let (c, len) = decode_at(line, i);
                if c != last.0 {
                    last = (c, class::class_of(c));
                }
                f |= last.1;
                i += len;
            } else {
                i += 1;
            }
        }
    }
    (end, f & !(class::HOTLEAD | class::SLOWLEAD))
}

/// Whether the ASCII `, ? ! ; : .` at `i` could be changed by a rule.
/// `cjk-punct` needs CJK as the previous non-space character, `cjk-period`
/// Han right before the `.`, `ellipsis` a run of dots; CJK is never ASCII.
/// So `1,000`, `3.14` and English text never send a line to the slow path.
/// (ASCII control characters, which `invisible` removes, are looked past.)
#[inline]
fn mark_may_fire(line: &[u8], i: usize) -> bool {
    let ctrl = |c: u8| (c < 0x20 && c != b'\t') || c == 0x7F;
    if line[i] == b'.' {
        let prev_wide = line[..i].iter().rev().find(|&&c| !ctrl(c)).is_some_and(|&c| c >= 0x80);
        let next = line[i + 1..].iter().find(|&&c| !ctrl(c));
        return prev_wide || next.is_some_and(|&n| n >= 0x80 || n == b'.');
    }
    line[..i].iter().rev().find(|&&c| c != b' ' && !ctrl(c)).is_some_and(|&c| c >= 0x80)
}

/// The ASCII letter or digit of the full-width one at `i` in `b`, if that
/// is one.
#[inline]
fn wide_alnum_at(b: &[u8], i: usize) -> Option<u8> {
    match (b[i], *b.get(i + 1)?, *b.get(i + 2)?) {
        (0xEF, 0xBC, y @ 0x90..=0x99) => Some(y - 0x90 + b'0'),
        (0xEF, 0xBC, y @ 0xA1..=0xBA) => Some(y - 0xA1 + b'A'),
        (0xEF, 0xBD, y @ 0x81..=0x9A) => Some(y - 0x81 + b'a'),
        _ => None,
    }
}

/// The fast path's plan for a line whose only triggers are `width-alnum`
/// and `width-symbols`: for each full-width character at `at` (from
/// [`scan`]), the ASCII byte it becomes, or 0 when it stays. The rules are
/// those of [`chars::width_alnum`] and then [`chars::width_symbols`], each
/// only when its trigger is in `f` (a rule switched off has none): every
/// digit and letter goes narrow, and a symbol does when a neighbour is an
/// ASCII letter or digit once the first rule has run.
///
/// Returns false when the punctuation rules could then have work, which
/// the slow path does: a symbol that becomes `"` or `'`, or `.` next to
/// anything but letters, digits and Han (an ellipsis run may be forming;
/// a `.` between a digit and Han is never a `cjk-period`, which needs Han
/// on both sides or the line end after it), or `.` at all when a quote
/// style is chosen (the slow path would then look at the line's quotes).
fn width_plan(line: &str, at: &[usize], f: u32, quotes: QuoteStyle, plan: &mut Vec<u8>) -> bool {
    let b = line.as_bytes();
    plan.clear();
    let (digits, symbols) = (f & WALNUM != 0, f & WSYM != 0);
    let wide_alnum = |j: usize| if digits { wide_alnum_at(b, j) } else { None };
    // Whether the character at `j` is a letter or digit after
    // `width-alnum`. 0xEF is never a continuation byte, so a character
    // that ends right before `j` began three bytes before it when that
    // byte is 0xEF.
    let alnum = |j: usize| b[j].is_ascii_alphanumeric() || wide_alnum(j).is_some();
    // Letters, digits, Han (lead bytes E4..E9), or no character at all.
    let plain = |j: Option<usize>| j.is_none_or(|j| alnum(j) || b[j].wrapping_sub(0xE4) < 6);
    for &i in at {
        if let Some(a) = wide_alnum_at(b, i) {
            plan.push(if digits { a } else { 0 });
            continue;
        }
        if !symbols {
            plan.push(0);
            continue;
        }
        let prev = match i {
            0 => None,
            _ if b[i - 1] < 0x80 => Some(i - 1),
            _ if i >= 3 && b[i - 3] == 0xEF => Some(i - 3),
            // A character that is not full-width, and not ASCII either.
            _ => {
                let mut j = i - 1;
                while b[j] & 0xC0 == 0x80 {
                    j -= 1;
                }
                Some(j)
            }
        };
        let next = (i + 3 < b.len()).then_some(i + 3);
        let left = prev.is_some_and(&alnum);
        let right = next.is_some_and(&alnum);
        if !(left || right) {
            plan.push(0);
            continue;
        }
        // `at` holds full-width characters only (U+FF01..U+FF5E).
        let to = ((u32::from(b[i + 1] & 0x3F) << 6 | u32::from(b[i + 2] & 0x3F)) + 0xF000 - 0xFEE0)
            as u8;
        match to {
            b'"' | b'\'' => return false,
            b'.' if quotes != QuoteStyle::Keep || !plain(prev) || !plain(next) => return false,
            _ => plan.push(to),
        }
    }
    true
}

/// Writes `line` into `out` with the full-width characters at `at` made
/// ASCII as `plan` says (see [`width_plan`]), counting each change. Under
/// `--explain` only lines with digits and letters alone come here (the
/// slow path explains symbols in its own order), and the column of each
/// change is counted then.
fn width_bytes(line: &str, at: &[usize], plan: &[u8], out: &mut String, rec: &mut Rec<'_>) {
    let mut from = 0;
    for (&i, &a) in at.iter().zip(plan) {
        if a == 0 {
            continue;
        }
        out.push_str(&line[from..i]);
        out.push(a as char);
        let rule = if a.is_ascii_alphanumeric() { Rule::WidthAlnum } else { Rule::WidthSymbols };
        if rec.changes.is_explaining() {
            let col = line[..i].chars().count() + 1;
            rec.hit_str(rule, col, &line[i..i + 3], (a as char).encode_utf8(&mut [0; 4]));
        } else {
            rec.changes.add(rule, 1);
        }
        from = i + 3;
    }
    out.push_str(&line[from..]);
}

#[cfg(test)]
mod tests;
