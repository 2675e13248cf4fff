//! Rule `loss-markers`: traces of information that was already lost before
//! the text reached us. They are counted (and listed under `--explain`) but
//! left in place (see `docs/policy.md`): the report lets a caller drop
//! badly damaged documents, and no repair can bring the text back.
//!
//! Markers: U+FFFD (each one), `锟斤拷` (two U+FFFD in UTF-8 read as GBK),
//! and runs of three or more `烫` or `屯` (uninitialised stack/heap memory of
//! MSVC debug builds, 0xCC/0xCD, read as GBK). Two in a row are real words
//! (`烫烫的`), so they are not counted.

use std::ops::Range;

use crate::rules::{Changes, Rule};

/// Whether `text` may hold a marker: one of the characters that start one.
pub(crate) fn suspect(text: &str) -> bool {
    // The UTF-8 bytes of these characters are all common in Chinese text,
    // so a byte search would stop everywhere: look at whole characters.
    text.chars().any(|c| matches!(c, '\u{FFFD}' | '锟' | '烫' | '屯'))
}

/// Counts the markers in `range` of `text` (a range of whole lines) into
/// `changes`; returns how many were found.
pub(crate) fn count(text: &str, range: Range<usize>, changes: &mut Changes) -> u64 {
    let mut n = 0;
    let base = range.start;
    let mut iter = text[range].char_indices().map(|(i, c)| (base + i, c)).peekable();
    while let Some((at, c)) = iter.next() {
        let end = match c {
            '\u{FFFD}' => at + c.len_utf8(),
            '锟' if text[at..].starts_with("锟斤拷") => {
                iter.next();
                iter.next();
                at + "锟斤拷".len()
            }
            '烫' | '屯' => {
                let mut end = at + c.len_utf8();
                let mut run = 1;
                while let Some(&(_, d)) = iter.peek() {
                    if d != c {
                        break;
                    }
                    iter.next();
                    run += 1;
                    end += d.len_utf8();
                }
                if run < 3 {
                    continue;
                }
                end
            }
            _ => continue,
        };
        changes.record(Rule::LossMarkers, text, at, &text[at..end], &text[at..end]);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> u64 {
        count(s, 0..s.len(), &mut Changes::new())
    }

    #[test]
    fn counts_markers() {
        assert_eq!(n("价格：锟斤拷元"), 1);
        assert_eq!(n("锟斤拷锟斤拷锟斤拷锟\u{FFFD}"), 4);
        assert_eq!(n("用户名：烫烫烫烫烫烫"), 1);
        assert_eq!(n("屯屯屯 烫烫烫"), 2);
        assert_eq!(n("a\u{FFFD}\u{FFFD}b"), 2);
        assert!(suspect("x锟斤拷") && suspect("\u{FFFD}") && !suspect("一斤苹果"));
        assert!(suspect("水很烫。"), "a cheap test: count() decides");
    }

    #[test]
    fn leaves_real_words() {
        for s in ["一斤苹果", "烫烫的", "水很烫。", "屯兵", "锟", "烫伤"] {
            assert_eq!(n(s), 0, "{s}");
        }
    }
}
