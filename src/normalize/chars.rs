//! The character-level rules: each maps single characters, looking at most
//! at their direct neighbours (`invisible`, `spaces`, `compat-ideographs`,
//! `nfc`, `radicals`, `width-alnum`, `width-symbols`, `forms`, `name-dot`).
//!
//! They run on one line held as a `Vec<char>`, before the punctuation rules
//! (which need to see their results as context), and only when the line
//! scan found a character that could trigger them.

use std::sync::LazyLock;

use unicode_normalization::char::{canonical_combining_class, decompose_canonical};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::Rec;
use super::class::{
    ASCII, is_compat_ideograph, is_han, is_invisible, is_name_dot, is_odd_space, is_radical,
    is_wide_alnum, is_wide_symbol,
};
use crate::rules::Rule;

/// Unicode's `EquivalentUnifiedIdeograph.txt` (Unicode 15.0.0, Unicode
/// licence; see `data/normalize/SOURCE.md`).
const EQUIVALENT_UNIFIED_IDEOGRAPH: &str =
    include_str!("../../data/normalize/EquivalentUnifiedIdeograph.txt");

const RADICAL_FIRST: u32 = 0x2E80;
const RADICAL_LAST: u32 = 0x2FD5;

/// Radical (U+2E80–U+2FD5) → unified ideograph, parsed once from the
/// Unicode file. Entries for CJK strokes (U+31C0…) are skipped: the rule
/// takes the two radical blocks only.
static RADICALS: LazyLock<Vec<Option<char>>> = LazyLock::new(|| {
    let mut table = vec![None; (RADICAL_LAST - RADICAL_FIRST + 1) as usize];
    for line in EQUIVALENT_UNIFIED_IDEOGRAPH.lines() {
        let data = line.split('#').next().unwrap_or("").trim();
        let Some((from, to)) = data.split_once(';') else { continue };
        let to = u32::from_str_radix(to.trim(), 16).ok().and_then(char::from_u32);
        let (lo, hi) = match from.trim().split_once("..") {
            Some((a, b)) => (a, b),
            None => (from.trim(), from.trim()),
        };
        let (Ok(lo), Ok(hi)) = (u32::from_str_radix(lo, 16), u32::from_str_radix(hi, 16)) else {
            continue;
        };
        for u in lo..=hi {
            if (RADICAL_FIRST..=RADICAL_LAST).contains(&u) {
                table[(u - RADICAL_FIRST) as usize] = to;
            }
        }
    }
    table
});

/// The unified ideograph a radical stands for, if Unicode names one.
pub fn radical_to_ideograph(c: char) -> Option<char> {
    let u = c as u32;
    if (RADICAL_FIRST..=RADICAL_LAST).contains(&u) {
        RADICALS[(u - RADICAL_FIRST) as usize]
    } else {
        None
    }
}

/// The ordinary character for a presentation form (vertical forms, small
/// form variants, half-width CJK marks). `﹒` maps to `.` here as a marker:
/// what it becomes depends on its neighbours (see [`forms`]).
///
/// Hand-written because NFKC is wrong for several of them (`︰` → `..`,
/// `︙` → `...`, `﹐` → `,`).
pub fn form_of(c: char) -> Option<char> {
    Some(match c {
        '︐' | '﹐' => '，',
        '︑' | '﹑' | '､' => '、',
        '︒' | '｡' => '。',
        '︓' | '︰' | '﹕' => '：',
        '︔' | '﹔' => '；',
        '︕' | '﹗' => '！',
        '︖' | '﹖' => '？',
        '︗' => '〖',
        '︘' => '〗',
        '︙' => '…',
        '︱' | '﹘' => '—',
        '︲' => '–',
        '︵' | '﹙' => '（',
        '︶' | '﹚' => '）',
        '︷' | '﹛' => '｛',
        '︸' | '﹜' => '｝',
        '︹' | '﹝' => '〔',
        '︺' | '﹞' => '〕',
        '︻' => '【',
        '︼' => '】',
        '︽' => '《',
        '︾' => '》',
        '︿' => '〈',
        '﹀' => '〉',
        '﹁' | '｢' => '「',
        '﹂' | '｣' => '」',
        '﹃' => '『',
        '﹄' => '』',
        '﹇' => '［',
        '﹈' => '］',
        '﹒' => '.',
        '﹟' => '#',
        '﹠' => '&',
        '﹡' => '*',
        '﹢' => '+',
        '﹣' => '-',
        '﹤' => '<',
        '﹥' => '>',
        '﹦' => '=',
        '﹨' => '\\',
        '﹩' => '$',
        '﹪' => '%',
        '﹫' => '@',
        _ => return None,
    })
}

/// `invisible`: removes zero-width and control characters.
pub fn invisible(line: &mut Vec<char>, rec: &mut Rec<'_>) {
    let mut col = 0;
    line.retain(|&c| {
        col += 1;
        if is_invisible(c) {
            rec.hit(Rule::Invisible, col, c, "");
            false
        } else {
            true
        }
    });
}

/// `spaces`: no-break and fixed-width spaces become an ASCII space.
pub fn spaces(line: &mut [char], rec: &mut Rec<'_>) {
    for (i, c) in line.iter_mut().enumerate() {
        if is_odd_space(*c) {
            rec.hit(Rule::Spaces, i + 1, *c, " ");
            *c = ' ';
        }
    }
}

/// `compat-ideographs`: the canonical (singleton) decomposition, which is
/// what NFC gives.
pub fn compat_ideographs(line: &mut [char], rec: &mut Rec<'_>) {
    for (i, c) in line.iter_mut().enumerate() {
        if is_compat_ideograph(*c) {
            let mut to = *c;
            decompose_canonical(*c, |d| to = d);
            if to != *c {
                rec.hit(Rule::CompatIdeographs, i + 1, *c, to.encode_utf8(&mut [0; 4]));
                *c = to;
            }
        }
    }
}

/// `nfc`: NFC on every stretch NFC would change. Stretches start at a
/// character that is a starter with quick-check "yes" (a safe point to cut
/// NFC at), so each is normalised apart and counted as one change.
/// Compatibility ideographs are left to their own rule: when that rule is
/// off, they are kept.
pub fn nfc(line: &mut Vec<char>, keep_compat: bool, rec: &mut Rec<'_>) {
    if is_nfc_quick(line.iter().copied()) == IsNormalized::Yes {
        return;
    }
    let safe = |c: char| {
        canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
    };
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        let mut j = i + 1;
        while j < line.len() && !safe(line[j]) {
            j += 1;
        }
        let seg = &line[i..j];
        let touch = !(keep_compat && seg.iter().any(|&c| is_compat_ideograph(c)));
        if touch && is_nfc_quick(seg.iter().copied()) != IsNormalized::Yes {
            let normal: Vec<char> = seg.iter().copied().nfc().collect();
            if normal != seg {
                let before: String = seg.iter().collect();
                let after: String = normal.iter().collect();
                rec.hit_str(Rule::Nfc, out.len() + 1, &before, &after);
                out.extend_from_slice(&normal);
                i = j;
                continue;
            }
        }
        out.extend_from_slice(seg);
        i = j;
    }
    *line = out;
}

/// `radicals`: radicals in running text become the unified ideograph. A
/// line where radicals are as many as the ordinary Han or more (a radical
/// table, a text about components) is left alone, and so is a radical
/// used as a component: next to an ideographic description character
/// (`⿰⻊兀`) or inside a short bracketed composition (`{⻊兀}`, `[⻊兀]`),
/// the notation old texts use for a character no font has.
pub fn radicals(line: &mut [char], rec: &mut Rec<'_>) {
    let han = line.iter().filter(|&&c| is_han(c)).count();
    let rads = line.iter().filter(|&&c| radical_to_ideograph(c).is_some()).count();
    if han == 0 || rads > han {
        return;
    }
    for i in 0..line.len() {
        let c = line[i];
        let to = if is_radical(c) { radical_to_ideograph(c) } else { None };
        let Some(to) = to else { continue };
        if is_component(line, i) {
            continue;
        }
        rec.hit(Rule::Radicals, i + 1, c, to.encode_utf8(&mut [0; 4]));
        line[i] = to;
    }
}

/// Whether the radical at `i` is part of a character description.
fn is_component(line: &[char], i: usize) -> bool {
    let idc = |c: char| ('\u{2FF0}'..='\u{2FFF}').contains(&c);
    if (i > 0 && idc(line[i - 1])) || line.get(i + 1).is_some_and(|&c| idc(c)) {
        return true;
    }
    let part = |c: char| is_han(c) || is_radical(c) || idc(c);
    let mut a = i;
    while a > 0 && part(line[a - 1]) && i - a < 6 {
        a -= 1;
    }
    let mut b = i + 1;
    while b < line.len() && part(line[b]) && b - i < 6 {
        b += 1;
    }
    let open = if a > 0 { line[a - 1] } else { ' ' };
    let close = line.get(b).copied().unwrap_or(' ');
    matches!((open, close), ('{', '}') | ('[', ']') | ('［', '］') | ('｛', '｝'))
}

/// The ASCII twin of a full-width ASCII character.
fn narrow(c: char) -> char {
    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
}

/// `width-alnum`: full-width digits and Latin letters to ASCII.
pub fn width_alnum(line: &mut [char], rec: &mut Rec<'_>) {
    for (i, c) in line.iter_mut().enumerate() {
        if is_wide_alnum(*c) {
            let to = narrow(*c);
            rec.hit(Rule::WidthAlnum, i + 1, *c, to.encode_utf8(&mut [0; 4]));
            *c = to;
        }
    }
}

/// `width-symbols`: full-width symbols next to an ASCII letter or digit to
/// ASCII (`1．5％` → `1.5%`). Runs after `width-alnum`, so the neighbours
/// are already narrow. A symbol made narrow is not a letter or digit, so
/// it never licenses its neighbour: the result does not depend on the
/// order, and a second run finds nothing more. Returns the trigger bits of
/// the ASCII marks it made (`.` and the quotes matter to later rules).
pub fn width_symbols(line: &mut [char], rec: &mut Rec<'_>) -> u32 {
    let mut made = 0;
    for i in 0..line.len() {
        let c = line[i];
        if !is_wide_symbol(c) {
            continue;
        }
        let left = i > 0 && line[i - 1].is_ascii_alphanumeric();
        let right = line.get(i + 1).is_some_and(|n| n.is_ascii_alphanumeric());
        if left || right {
            let to = narrow(c);
            rec.hit(Rule::WidthSymbols, i + 1, c, to.encode_utf8(&mut [0; 4]));
            line[i] = to;
            made |= ASCII.get(to as usize).copied().unwrap_or(0);
        }
    }
    made
}

/// `forms`: presentation forms to the ordinary punctuation. `﹒` becomes
/// `。` between Han and `.` between digits, and is left elsewhere.
pub fn forms(line: &mut [char], rec: &mut Rec<'_>) {
    for i in 0..line.len() {
        let c = line[i];
        let Some(mut to) = form_of(c) else { continue };
        if c == '﹒' {
            let l = if i > 0 { line[i - 1] } else { ' ' };
            let r = line.get(i + 1).copied().unwrap_or(' ');
            to = if is_han(l) && is_han(r) {
                '。'
            } else if l.is_ascii_digit() && r.is_ascii_digit() {
                '.'
            } else {
                continue;
            };
        }
        rec.hit(Rule::Forms, i + 1, c, to.encode_utf8(&mut [0; 4]));
        line[i] = to;
    }
}

/// `name-dot`: a dot look-alike directly between two Han becomes `·`
/// (U+00B7). `ジョン・スミス`, `a⋅b` and a bullet at line start stay.
pub fn name_dot(line: &mut [char], rec: &mut Rec<'_>) {
    for i in 1..line.len().saturating_sub(1) {
        let c = line[i];
        if is_name_dot(c) && is_han(line[i - 1]) && is_han(line[i + 1]) {
            rec.hit(Rule::NameDot, i + 1, c, "·");
            line[i] = '·';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radical_table_has_both_blocks() {
        assert_eq!(radical_to_ideograph('⼈'), Some('人'));
        assert_eq!(radical_to_ideograph('⾮'), Some('非'));
        assert_eq!(radical_to_ideograph('⺠'), Some('民'));
        assert_eq!(radical_to_ideograph('⻘'), Some('青'));
        assert_eq!(radical_to_ideograph('人'), None);
        let n = (0x2E80..=0x2FD5)
            .filter_map(char::from_u32)
            .filter(|&c| radical_to_ideograph(c).is_some())
            .count();
        // 214 Kangxi radicals and the supplement radicals with a twin.
        assert!(n > 300, "{n}");
    }

    #[test]
    fn forms_never_map_to_themselves() {
        for u in 0xFE10..=0xFF70 {
            let c = char::from_u32(u).unwrap();
            if let Some(to) = form_of(c) {
                assert_ne!(to, c);
                assert!(form_of(to).is_none(), "{c} -> {to} maps again");
            }
        }
    }
}
