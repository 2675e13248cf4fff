//! The punctuation rules that need context: `ellipsis`, `cjk-parens`,
//! `cjk-quotes`, `cjk-punct`, `cjk-period`, and the quote style.
//!
//! Every one of them is a guess from the neighbours, so the first thing
//! done on a line is to mark what must never be touched (see
//! `docs/policy.md`): code spans, inline tags, URLs, e-mail addresses, Markdown link
//! targets and reference definitions, emoticons. Numbers, English
//! sentences and abbreviations need no mark: the conditions (a Han
//! neighbour on the right side) already leave them alone.
//!
//! The rules run in an order chosen so that a second run finds nothing
//! more to do: those that produce CJK punctuation (ellipsis, parentheses,
//! quotes) run before `cjk-punct`, which takes CJK punctuation as context.

use super::Rec;
use super::class::{is_cjk, is_cjk_punct, is_han};
use crate::config::QuoteStyle;
use crate::rules::Rule;

/// Marks the characters of `line` that the punctuation rules must leave
/// alone. `mask` is resized to the line.
pub fn protect(line: &[char], mask: &mut Vec<bool>) {
    mask.clear();
    mask.resize(line.len(), false);
    let n = line.len();
    let mut set = |a: usize, b: usize| {
        for m in &mut mask[a..b.min(n)] {
            *m = true;
        }
    };

    // Markdown reference definition: `[id]: target "title"`.
    let lead = line.iter().take_while(|&&c| c == ' ').count();
    if lead <= 3
        && line.get(lead) == Some(&'[')
        && let Some(close) = line[lead..].iter().position(|&c| c == ']')
        && line.get(lead + close + 1) == Some(&':')
    {
        set(lead, n);
    }

    let mut i = 0;
    while i < n {
        let c = line[i];
        match c {
            // Code span: up to the next backtick run of the same length.
            '`' => {
                let run = line[i..].iter().take_while(|&&c| c == '`').count();
                let mut j = i + run;
                let mut end = None;
                while j < n {
                    if line[j] == '`' {
                        let r = line[j..].iter().take_while(|&&c| c == '`').count();
                        if r == run {
                            end = Some(j + r);
                            break;
                        }
                        j += r;
                    } else {
                        j += 1;
                    }
                }
                match end {
                    Some(e) => {
                        set(i, e);
                        i = e;
                    }
                    None => i += run,
                }
                continue;
            }
            // Inline tag or comment: `<a href="...">`, `</p>`, `<!-- -->`.
            '<' if line
                .get(i + 1)
                .is_some_and(|&d| d.is_ascii_alphabetic() || "/!?".contains(d)) =>
            {
                if let Some(k) = line[i..].iter().position(|&c| c == '>') {
                    set(i, i + k + 1);
                    i += k + 1;
                    continue;
                }
            }
            // Markdown link target `](...)` and the `!` of an image.
            ']' if line.get(i + 1) == Some(&'(') => {
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < n {
                    match line[j] {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                set(i, j + 1);
                i = j + 1;
                continue;
            }
            '!' if line.get(i + 1) == Some(&'[') => {
                let rest = &line[i + 1..];
                if rest.windows(2).any(|w| w == [']', '(']) {
                    set(i, i + 1);
                }
            }
            // URL: `scheme://...` or `www.`.
            ':' if line.get(i + 1) == Some(&'/') && line.get(i + 2) == Some(&'/') => {
                let start = scheme_start(line, i);
                if start < i {
                    let end = url_end(line, i + 3);
                    set(start, end);
                    i = end;
                    continue;
                }
            }
            'w' if starts_with(line, i, "www.")
                && (i == 0 || !line[i - 1].is_ascii_alphanumeric()) =>
            {
                let end = url_end(line, i);
                set(i, end);
                i = end;
                continue;
            }
            // E-mail address.
            '@' => {
                let mut a = i;
                while a > 0 && is_mail_char(line[a - 1]) {
                    a -= 1;
                }
                let mut b = i + 1;
                while b < n && (line[b].is_ascii_alphanumeric() || line[b] == '.' || line[b] == '-')
                {
                    b += 1;
                }
                if a < i && line[i + 1..b].contains(&'.') {
                    set(a, b);
                    i = b;
                    continue;
                }
            }
            _ => {}
        }
        if let Some(len) = emoticon_at(line, i) {
            set(i, i + len);
            i += len;
            continue;
        }
        i += 1;
    }
}

fn starts_with(line: &[char], i: usize, s: &str) -> bool {
    (i..).zip(s.chars()).all(|(k, c)| line.get(k) == Some(&c))
}

/// Where the scheme before the `:` at `colon` starts (`colon` if none).
fn scheme_start(line: &[char], colon: usize) -> usize {
    let mut a = colon;
    while a > 0 && (line[a - 1].is_ascii_alphanumeric() || "+.-".contains(line[a - 1])) {
        a -= 1;
    }
    while a < colon && !line[a].is_ascii_alphabetic() {
        a += 1;
    }
    a
}

/// Where a URL starting at `from` ends: at whitespace, non-ASCII, a quote,
/// `<`/`>`, or a `)` that closes a parenthesis opened before the URL.
fn url_end(line: &[char], from: usize) -> usize {
    let mut depth = 0i32;
    let mut j = from;
    while j < line.len() {
        let c = line[j];
        if !c.is_ascii_graphic() || "<>\"'`".contains(c) {
            break;
        }
        if c == '(' {
            depth += 1;
        } else if c == ')' {
            if depth == 0 {
                break;
            }
            depth -= 1;
        }
        j += 1;
    }
    j
}

fn is_mail_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

/// Emoticons that contain marks the rules would otherwise touch.
const EMOTICONS: &[&str] = &[
    ":-)", ":-(", ":-D", ":-P", ":-p", ":-O", ":-o", ";-)", ":'(", ":)", ":(", ":D", ":P", ":p",
    ":O", ":o", ";)", "=)", "XD", "(^_^)", "(^o^)", "(T_T)", "^_^", "^^",
];

/// The length of an emoticon starting at `i`, if one does. A letter right
/// after it (`:Docker`) or before it (`MAXD`) means it is not one.
fn emoticon_at(line: &[char], i: usize) -> Option<usize> {
    let c = line[i];
    if !matches!(c, ':' | ';' | '=' | 'X' | '(' | '^') {
        return None;
    }
    for e in EMOTICONS {
        if starts_with(line, i, e) {
            let len = e.chars().count();
            let last = e.chars().last().unwrap_or(' ');
            let after_ok = !(last.is_ascii_alphabetic()
                && line.get(i + len).is_some_and(|d| d.is_ascii_alphanumeric()));
            let before_ok =
                !(c.is_ascii_alphabetic() && i > 0 && line[i - 1].is_ascii_alphabetic());
            if after_ok && before_ok {
                return Some(len);
            }
        }
    }
    None
}

/// `ellipsis`: `...` or `......`, `。。。` or six, `．．．`, a lone `…`, one or
/// two `⋯`, next to Han → `……`. Leaves English (`Wait...`), ranges
/// (`1...10`), code (`...args`) and leaders (`第一章......5`).
///
/// Marks of different kinds in a row are one cluster, and a cluster never
/// becomes more than one ellipsis: when two or more of its runs are
/// ellipses on their own (`…`, `⋯`, or two or more dots: `好…...他`), the
/// stretch from the first to the last becomes a single `……`, or, where
/// the cluster would not change alone (not next to Han, a leader), stays
/// as it is. A lone stop beside an ellipsis is kept (`……。`).
pub fn ellipsis(line: &mut Vec<char>, mask: &mut Vec<bool>, rec: &mut Rec<'_>) {
    let n = line.len();
    // Most lines sent here have a lone `。` or `.` and no run to change:
    // find the first cluster that changes before copying anything.
    let mut i = 0;
    loop {
        let Some(k) = line[i..].iter().position(|&c| is_dot_mark(c)) else {
            return;
        };
        i += k;
        let end = cluster_end(line, mask, i);
        if end == i {
            i += 1;
            continue;
        }
        if cluster_changes(line, mask, i, end) {
            break;
        }
        i = end;
    }
    let mut out = Vec::with_capacity(n);
    let mut omask = Vec::with_capacity(n);
    out.extend_from_slice(&line[..i]);
    omask.extend_from_slice(&mask[..i]);
    while i < n {
        let end = cluster_end(line, mask, i);
        if end == i {
            out.push(line[i]);
            omask.push(mask[i]);
            i += 1;
            continue;
        }
        match merge_span(line, mask, i, end) {
            Some(Some((a, b))) => {
                out.extend_from_slice(&line[i..a]);
                omask.extend(std::iter::repeat_n(false, a - i));
                let from: String = line[a..b].iter().collect();
                rec.hit_str(Rule::Ellipsis, out.len() + 1, &from, "……");
                out.extend(['…', '…']);
                omask.extend([false, false]);
                out.extend_from_slice(&line[b..end]);
                omask.extend(std::iter::repeat_n(false, end - b));
            }
            Some(None) => {
                out.extend_from_slice(&line[i..end]);
                omask.extend(std::iter::repeat_n(false, end - i));
            }
            None => {
                let mut j = i;
                while j < end {
                    let (run, changes) = ellipsis_run(line, mask, j).unwrap_or((1, false));
                    if changes {
                        let from: String = line[j..j + run].iter().collect();
                        rec.hit_str(Rule::Ellipsis, out.len() + 1, &from, "……");
                        out.extend(['…', '…']);
                        omask.extend([false, false]);
                    } else {
                        out.extend_from_slice(&line[j..j + run]);
                        omask.extend(std::iter::repeat_n(false, run));
                    }
                    j += run;
                }
            }
        }
        i = end;
    }
    *line = out;
    *mask = omask;
}

/// The end of the cluster of unprotected marks that starts at `i` (`i`
/// itself when there is none).
fn cluster_end(line: &[char], mask: &[bool], i: usize) -> usize {
    i + line[i..].iter().zip(&mask[i..]).take_while(|&(&c, &m)| is_dot_mark(c) && !m).count()
}

/// Whether `ellipsis` changes the cluster `line[i..end]`.
fn cluster_changes(line: &[char], mask: &[bool], i: usize, end: usize) -> bool {
    match merge_span(line, mask, i, end) {
        Some(span) => span.is_some(),
        None => {
            let mut j = i;
            while j < end {
                match ellipsis_run(line, mask, j) {
                    Some((_, true)) => return true,
                    Some((run, false)) => j += run,
                    None => j += 1,
                }
            }
            false
        }
    }
}

/// For a cluster `line[i..end]` with two or more runs that are ellipses
/// on their own: `Some(Some((a, b)))`, the stretch `line[a..b]` that
/// becomes one `……`, or `Some(None)` when the cluster stays as it is.
/// `None` for any other cluster: its runs are taken one at a time.
fn merge_span(
    line: &[char],
    mask: &[bool],
    i: usize,
    end: usize,
) -> Option<Option<(usize, usize)>> {
    let mut first = None;
    let mut last = i;
    let mut count = 0;
    let mut j = i;
    while j < end {
        let c = line[j];
        let run = line[j..end].iter().take_while(|&&d| d == c).count();
        if matches!(c, '…' | '⋯') || run >= 2 {
            count += 1;
            first.get_or_insert(j);
            last = j + run;
        }
        j += run;
    }
    let first = first?;
    if count < 2 {
        return None;
    }
    let before = i.checked_sub(1).map(|k| line[k]);
    let after = line.get(end).copied();
    let next_to_han = before.is_some_and(is_han) || after.is_some_and(is_han);
    let whole_ok = next_to_han && !is_leader(&line[end..]) && !mask[i..end].iter().any(|&m| m);
    Some(whole_ok.then_some((first, last)))
}

/// The run of dots (or `。`, `．`, `…`, `⋯`) that starts at `i`, if one does
/// and is not protected: its length, and whether `ellipsis` changes it.
#[inline]
fn ellipsis_run(line: &[char], mask: &[bool], i: usize) -> Option<(usize, bool)> {
    let c = line[i];
    if mask[i] || !is_dot_mark(c) {
        return None;
    }
    let run = line[i..].iter().zip(&mask[i..]).take_while(|&(&d, &m)| d == c && !m).count();
    let ok_len = match c {
        '…' => run == 1,
        '⋯' => run <= 2,
        _ => run == 3 || run == 6,
    };
    let before = if i > 0 { Some(line[i - 1]) } else { None };
    let after = line.get(i + run).copied();
    let next_to_han = before.is_some_and(is_han) || after.is_some_and(is_han);
    Some((run, ok_len && next_to_han && !is_leader(&line[i + run..])))
}

/// The characters whose runs `ellipsis` looks at.
fn is_dot_mark(c: char) -> bool {
    matches!(c, '.' | '。' | '．' | '…' | '⋯')
}

/// Whether what follows a dot run is a table-of-contents page number.
fn is_leader(rest: &[char]) -> bool {
    let mut digits = rest.iter().filter(|&&c| c != ' ').peekable();
    digits.peek().is_some() && digits.all(|c| c.is_ascii_digit())
}

/// `cjk-parens`: a `( … )` pair on the line becomes `（ … ）` when the
/// character before `(` is Han or the enclosed text holds Han. Pairs with
/// no letter, digit or Han inside (emoticons like `(^_^)`) stay.
pub fn parens(line: &mut [char], mask: &[bool], rec: &mut Rec<'_>) {
    let mut stack = Vec::new();
    let mut pairs = Vec::new();
    for (i, &c) in line.iter().enumerate() {
        if mask[i] {
            continue;
        }
        if c == '(' {
            stack.push(i);
        } else if c == ')'
            && let Some(o) = stack.pop()
        {
            pairs.push((o, i));
        }
    }
    pairs.sort_unstable();
    for (o, e) in pairs {
        let inner = &line[o + 1..e];
        let han_inside = inner.iter().any(|&c| is_han(c));
        let han_before = o > 0 && is_han(line[o - 1]);
        let wordy = inner.iter().any(|&c| is_han(c) || c.is_ascii_alphanumeric());
        if (han_before || han_inside) && wordy {
            rec.hit(Rule::CjkParens, o + 1, '(', "（");
            rec.hit(Rule::CjkParens, e + 1, ')', "）");
            line[o] = '（';
            line[e] = '）';
        }
    }
}

/// `cjk-quotes`: straight `"…"` and `'…'` pairs on the line whose content
/// holds Han become `“…”` and `‘…’`. Quotes are paired in order; a line
/// with an odd number of them is left (unbalanced). Lines that look like
/// JSON or attributes (`":`, `="`) are left, and so are apostrophes and
/// foot/inch marks (`don't`, `5'10`).
pub fn quotes(line: &mut [char], mask: &[bool], rec: &mut Rec<'_>) {
    for (q, open, close) in [('"', '“', '”'), ('\'', '‘', '’')] {
        let mut at = Vec::new();
        for (i, &c) in line.iter().enumerate() {
            if c != q || mask[i] {
                continue;
            }
            let l = if i > 0 { line[i - 1] } else { ' ' };
            let r = line.get(i + 1).copied().unwrap_or(' ');
            // An attribute value (`="`) or a JSON key (`":`). Neither
            // neighbour is a mark a later rule changes, so a second run
            // decides the same way.
            if l == '=' || r == ':' {
                at.clear();
                break;
            }
            // (Tabs count as spaces: at line end trailing-space removes them,
            // and the next run must decide the same.)
            let r_space = r == ' ' || r == '\t';
            if q == '\'' && l.is_ascii_alphanumeric() && (r.is_ascii_alphanumeric() || r_space) {
                continue;
            }
            at.push(i);
        }
        if at.len() % 2 != 0 {
            continue;
        }
        for p in at.chunks_exact(2) {
            let (o, e) = (p[0], p[1]);
            if line[o + 1..e].iter().any(|&c| is_han(c)) {
                rec.hit(Rule::CjkQuotes, o + 1, q, open.encode_utf8(&mut [0; 4]));
                rec.hit(Rule::CjkQuotes, e + 1, q, close.encode_utf8(&mut [0; 4]));
                line[o] = open;
                line[e] = close;
            }
        }
    }
}

/// The opening quotes after which `:` may become `：`.
fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '‘' | '「' | '『')
}

/// Which of the rules [`marks`] applies are on.
#[derive(Clone, Copy, Debug)]
pub struct Marks {
    /// `cjk-punct`.
    pub do_punct: bool,
    /// `cjk-period`.
    pub do_period: bool,
    /// `name-dot` for a `.`: between the parts of a transliterated name
    /// (`约翰.史密斯`) it is a lost `·`, not a full stop.
    pub do_name: bool,
}

/// `cjk-punct`, `cjk-period` and `name-dot` on `.`, in one pass from left
/// to right so that a mark made full-width is context for the next one.
pub fn marks(line: &mut Vec<char>, mask: &[bool], on: Marks, rec: &mut Rec<'_>) {
    let Marks { do_punct, do_period, do_name } = on;
    // In place: the output so far is `line[..w]`, and `w` never passes
    // the read position `i` (a mark becomes one character, and spaces are
    // only ever dropped), so nothing not yet read is overwritten.
    let n = line.len();
    let mut w = 0;
    let mut i = 0;
    while i < n {
        let c = line[i];
        i += 1;
        if mask[i - 1] || !matches!(c, ',' | '?' | '!' | ';' | ':' | '.') {
            line[w] = c;
            w += 1;
            continue;
        }
        // The previous non-space character, in the output so far.
        let out = &line[..w];
        let spaces = out.iter().rev().take_while(|&&d| d == ' ').count();
        let prev = w.checked_sub(spaces + 1).map(|k| out[k]);
        let prev_cjk = prev.is_some_and(is_cjk);
        // The next non-space character, and how many spaces come first.
        let gap = line[i..].iter().take_while(|&&d| d == ' ' || d == '\t').count();
        let next = line.get(i + gap).copied();
        let to = match c {
            ',' | '?' | '!' if do_punct && prev_cjk => match c {
                ',' => '，',
                '?' => '？',
                _ => '！',
            },
            ';' | ':' if do_punct && prev_cjk => {
                let ok = match next {
                    None => c == ':',
                    Some(d) => is_cjk(d) || (c == ':' && is_open_quote(d)),
                };
                if !ok {
                    line[w] = c;
                    w += 1;
                    continue;
                }
                if c == ';' { '；' } else { '：' }
            }
            // A dot between name parts: the test the repair stage puts to a
            // `?` standing alone (transliteration characters on both
            // sides, no place, opener or group word next to it).
            '.' if do_name
                && spaces == 0
                && gap == 0
                && prev.is_some_and(is_han)
                && next.is_some_and(is_han)
                && crate::repair::dot_joins_name(out, &line[i..]) =>
            {
                '·'
            }
            '.' if do_period
                && spaces == 0
                && prev.is_some_and(is_han)
                && (next.is_none() || (gap == 0 && next.is_some_and(is_han)))
                && !is_label(out) =>
            {
                '。'
            }
            _ => {
                line[w] = c;
                w += 1;
                continue;
            }
        };
        let rule = match (c, to) {
            (_, '·') => Rule::NameDot,
            ('.', _) => Rule::CjkPeriod,
            _ => Rule::CjkPunct,
        };
        w -= spaces;
        rec.hit(rule, w + 1, c, to.encode_utf8(&mut [0; 4]));
        line[w] = to;
        w += 1;
        // Spaces between `:`/`;` and the text they introduce go with the
        // conversion (`标题: 副标题`); at line end they are trailing-space's.
        if matches!(c, ':' | ';') && next.is_some() {
            i += gap;
        }
    }
    line.truncate(w);
}

/// Whether the text before a `.` ends in a chapter or item label
/// (`第一章`, `第3条`, `一`, `十二`): `第一章.总则` keeps its dot.
fn is_label(before: &[char]) -> bool {
    const NUM: &str = "零〇一二三四五六七八九十百千两0123456789";
    const UNIT: &str = "章节条款篇部卷回集编讲课";
    let run: Vec<char> =
        before.iter().rev().take_while(|&&c| is_han(c) || c.is_ascii_digit()).copied().collect();
    let run: Vec<char> = run.into_iter().rev().collect();
    if run.is_empty() {
        return false;
    }
    // `第` + numerals + unit, at the end of the run.
    if run.len() >= 3 && UNIT.contains(run[run.len() - 1]) {
        let body = &run[..run.len() - 1];
        if let Some(k) = body.iter().rposition(|&c| c == '第')
            && k + 1 < body.len()
            && body[k + 1..].iter().all(|&c| NUM.contains(c))
        {
            return true;
        }
    }
    // A bare numeral at line start (`一.总则`).
    let at_start = before.len() == run.len() || before[before.len() - run.len() - 1] == ' ';
    at_start && run.len() <= 3 && run.iter().all(|&c| NUM.contains(c))
}

/// The quote style on request: `“”‘’` ↔ `「」『』`. An apostrophe (`’`
/// between Latin letters) is left.
pub fn quote_style(line: &mut [char], mask: &[bool], style: QuoteStyle, rec: &mut Rec<'_>) {
    for i in 0..line.len() {
        if mask[i] {
            continue;
        }
        let c = line[i];
        let to = match (style, c) {
            (QuoteStyle::Corner, '“') => '「',
            (QuoteStyle::Corner, '”') => '」',
            (QuoteStyle::Corner, '‘') => '『',
            (QuoteStyle::Corner, '’') => {
                let l = i > 0 && line[i - 1].is_ascii_alphabetic();
                let r = line.get(i + 1).is_some_and(|d| d.is_ascii_alphabetic());
                if l && r {
                    continue;
                }
                '』'
            }
            (QuoteStyle::Curly, '「') => '“',
            (QuoteStyle::Curly, '」') => '”',
            (QuoteStyle::Curly, '『') => '‘',
            (QuoteStyle::Curly, '』') => '’',
            _ => continue,
        };
        debug_assert!(is_cjk_punct(to));
        rec.hit(Rule::Quotes, i + 1, c, to.encode_utf8(&mut [0; 4]));
        line[i] = to;
    }
}

#[cfg(test)]
mod tests {
    use crate::normalize::Normalizer;
    use crate::{Changes, Config, Rule, RuleSet};

    fn run(rules: RuleSet, s: &str) -> (String, Changes) {
        let n = Normalizer::new(&Config { rules, ..Config::default() });
        let mut c = Changes::new();
        let out = n.normalize(s, &mut c).into_owned();
        (out, c)
    }

    /// `input` becomes `want` with `n` changes of `rule` and no other,
    /// and a second run changes nothing.
    #[track_caller]
    fn check(input: &str, want: &str, rule: Rule, n: u64) {
        let (got, c) = run(RuleSet::all(), input);
        assert_eq!(got, want, "{input:?}");
        assert_eq!(c.count(rule), n, "{input:?}");
        assert_eq!(c.total(), n, "{input:?}: {:?}", c.counts().collect::<Vec<_>>());
        let (again, c2) = run(RuleSet::all(), &got);
        assert_eq!((again.as_str(), c2.total()), (got.as_str(), 0), "second run on {got:?}");
    }

    #[test]
    fn mixed_ellipsis_runs_make_one_ellipsis() {
        check("好…...他", "好……他", Rule::Ellipsis, 1);
        check("好...…他", "好……他", Rule::Ellipsis, 1);
        check("好……...他", "好……他", Rule::Ellipsis, 1);
        check("好…。。。他", "好……他", Rule::Ellipsis, 1);
        check("好⋯...他", "好……他", Rule::Ellipsis, 1);
        check("好…...。他", "好……。他", Rule::Ellipsis, 1);
        // One ellipsis and a stop: the ellipsis alone changes.
        check("好…。他", "好……。他", Rule::Ellipsis, 1);
        check("好...。他", "好……。他", Rule::Ellipsis, 1);
        // Left alone: already one ellipsis and a stop, not next to Han, a
        // leader, a protected span.
        for s in ["好……。他", "ok…...ok", "第一章…...5", "`好…...他`"] {
            let (got, c) = run(RuleSet::all(), s);
            assert_eq!((got.as_str(), c.count(Rule::Ellipsis)), (s, 0), "{s}");
        }
    }

    #[test]
    fn a_dot_between_name_parts_is_a_name_dot() {
        check("约翰.史密斯说", "约翰·史密斯说", Rule::NameDot, 1);
        check("美国财政部长斯科特.贝森特表示", "美国财政部长斯科特·贝森特表示", Rule::NameDot, 1);
        // Elsewhere a `.` between Han is a full stop.
        check("他来了.我们走吧", "他来了。我们走吧", Rule::CjkPeriod, 1);
        check("来自伊朗.俄罗斯也来了", "来自伊朗。俄罗斯也来了", Rule::CjkPeriod, 1);
        check("是安娜.不是", "是安娜。不是", Rule::CjkPeriod, 1);
        // With name-dot off, cjk-period decides alone; with both off,
        // nothing changes.
        let mut rules = RuleSet::all();
        rules.remove(Rule::NameDot);
        assert_eq!(run(rules, "约翰.史密斯说").0, "约翰。史密斯说");
        rules.remove(Rule::CjkPeriod);
        rules.remove(Rule::Ellipsis);
        assert_eq!(run(rules, "约翰.史密斯说").0, "约翰.史密斯说");
    }
}
