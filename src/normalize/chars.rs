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

/// The NFC facts of the Basic Multilingual Plane, asked of
/// `unicode-normalization` by the build script (65,536 questions, about
/// 10 M instructions, which every process paid at start-up before) and
/// read from a table: the crate answers each question
/// through a table search, and a line of combining marks asks it for every
/// character several times (the line scan, the stretch boundaries, the
/// quick check of a stretch).
struct NfcFacts {
    /// Canonical combining class.
    ccc: &'static [u8],
    /// Bit set: the NFC quick check of the character alone is "yes".
    yes: &'static [u8],
    /// Bit set: it is "no".
    no: &'static [u8],
}

/// [`NfcFacts`] of the Basic Multilingual Plane, made by `build.rs`.
static NFC_BLOB: &[u8; 0x10000 + 2 * 0x2000] =
    include_bytes!(concat!(env!("OUT_DIR"), "/nfc_facts.bin"));

static NFC_FACTS: NfcFacts = NfcFacts {
    ccc: NFC_BLOB.split_at(0x10000).0,
    yes: NFC_BLOB.split_at(0x10000).1.split_at(0x2000).0,
    no: NFC_BLOB.split_at(0x10000).1.split_at(0x2000).1,
};

impl NfcFacts {
    /// The canonical combining class of `c`.
    #[inline]
    fn class(&self, c: char) -> u8 {
        let u = c as u32;
        if u < 0x300 {
            0
        } else if u < 0x10000 {
            self.ccc[u as usize]
        } else {
            canonical_combining_class(c)
        }
    }

    /// The NFC quick check of `c` alone.
    #[inline]
    fn quick(&self, c: char) -> IsNormalized {
        let u = c as u32;
        if u < 0x300 {
            return IsNormalized::Yes;
        }
        if u >= 0x10000 {
            return is_nfc_quick(std::iter::once(c));
        }
        let bit = |set: &[u8]| set[u as usize / 8] & (1 << (u % 8)) != 0;
        if bit(self.yes) {
            IsNormalized::Yes
        } else if bit(self.no) {
            IsNormalized::No
        } else {
            IsNormalized::Maybe
        }
    }

    /// Whether NFC may start a stretch at `c`: a starter whose quick check
    /// is "yes".
    #[inline]
    fn safe(&self, c: char) -> bool {
        self.class(c) == 0 && self.quick(c) == IsNormalized::Yes
    }

    /// The index of the first character of `chars` at which the quick
    /// check stops saying "yes" (its own check is not "yes", or a mark is
    /// out of canonical order), as the crate's `is_nfc_quick` decides it.
    fn first_not_yes(&self, chars: &[char]) -> Option<usize> {
        let mut last = 0u8;
        chars.iter().position(|&c| {
            let cc = self.class(c);
            let ordered = cc == 0 || last <= cc;
            last = cc;
            !ordered || self.quick(c) != IsNormalized::Yes
        })
    }
}

/// The canonical combining class of `c`.
#[inline]
pub(crate) fn combining_class(c: char) -> u8 {
    NFC_FACTS.class(c)
}

/// Whether the NFC quick check of `c` alone is "yes".
#[inline]
pub(crate) fn nfc_quick_yes(c: char) -> bool {
    NFC_FACTS.quick(c) == IsNormalized::Yes
}

/// Whether NFC leaves `chars` as they are by the quick check alone.
fn quick_yes(f: &NfcFacts, chars: &[char]) -> bool {
    f.first_not_yes(chars).is_none()
}

/// A stretch longer than this is first offered to [`compose_sorted`].
const LONG_STRETCH: usize = 32;

/// NFC of `seg` appended to `out`, for the one shape a long stretch has in
/// practice (a letter and a run of marks): `seg[0]` a starter that does
/// not decompose, then only non-starters whose quick check is not "no"
/// (such a mark does not decompose either), in canonical order already
/// (classes never decreasing). Such a stretch is its own canonical
/// decomposition, so NFC is the composition step alone, done here in one
/// pass with the crate's pairwise `compose`. Returns whether any mark
/// joined the starter (whether NFC changed the stretch), or `None`, leaving
/// `out` as it was, for any other shape (the caller then asks the crate).
///
/// Hand-written because the crate's NFC iterator holds a whole run of
/// non-starters in a buffer, sorts it and composes it from there: right,
/// but an order of magnitude slower per character than ordinary text on a
/// run of a million marks (the attack of a file of combining marks).
fn compose_sorted(f: &NfcFacts, seg: &[char], out: &mut Vec<char>) -> Option<bool> {
    let (&first, marks) = seg.split_first()?;
    let mut trivial = true;
    decompose_canonical(first, |d| trivial &= d == first);
    if f.class(first) != 0 || !trivial {
        return None;
    }
    // Composition (UAX #15): a mark joins the starter unless a mark kept
    // between them has a class as high as its own; the kept marks' classes
    // never decrease, so the last one kept is the one that can block. The
    // shape is checked on the way; on another shape `out` is cut back.
    let at = out.len();
    out.push(first);
    let mut starter = first;
    let mut last = 0u8;
    let mut kept_class = 0u8;
    let mut joins = false;
    // (A run of one mark repeated, the usual attack, is looked up once.)
    let mut seen = '\0';
    for &c in marks {
        if c == seen && kept_class >= last {
            out.push(c);
            continue;
        }
        seen = c;
        let cc = f.class(c);
        if cc == 0 || cc < last || f.quick(c) == IsNormalized::No {
            out.truncate(at);
            return None;
        }
        last = cc;
        if kept_class < cc
            && let Some(joined) = unicode_normalization::char::compose(starter, c)
        {
            starter = joined;
            out[at] = joined;
            joins = true;
            continue;
        }
        out.push(c);
        kept_class = cc;
    }
    Some(joins)
}

/// `nfc`: NFC on every stretch NFC would change. Stretches start at a
/// character that is a starter with quick-check "yes" (a safe point to cut
/// NFC at), so each is normalised apart and counted as one change.
/// Compatibility ideographs are left to their own rule: when that rule is
/// off, they are kept.
pub fn nfc(line: &mut Vec<char>, keep_compat: bool, rec: &mut Rec<'_>) {
    let f: &NfcFacts = &NFC_FACTS;
    let Some(bad) = f.first_not_yes(line) else { return };
    // Everything before the stretch of the first doubtful character passes
    // the quick check: copy it, and go on from the start of that stretch.
    let mut i = line[..bad].iter().rposition(|&c| f.safe(c)).unwrap_or(0);
    let mut out = Vec::with_capacity(line.len());
    out.extend_from_slice(&line[..i]);
    while i < line.len() {
        let mut j = i + 1;
        while j < line.len() && ((j > i + 1 && line[j] == line[j - 1]) || !f.safe(line[j])) {
            j += 1;
        }
        let seg = &line[i..j];
        let at = out.len();
        // A long stretch of the usual shape is composed in one pass (it
        // then holds no compatibility ideograph: those decompose).
        let joined = if seg.len() > LONG_STRETCH { compose_sorted(f, seg, &mut out) } else { None };
        let changed = match joined {
            Some(changed) => changed,
            None => {
                let touch = !(keep_compat && seg.iter().any(|&c| is_compat_ideograph(c)));
                if touch && !quick_yes(f, seg) {
                    out.extend(seg.iter().copied().nfc());
                    if out[at..] != *seg {
                        true
                    } else {
                        out.truncate(at);
                        out.extend_from_slice(seg);
                        false
                    }
                } else {
                    out.extend_from_slice(seg);
                    false
                }
            }
        };
        if changed {
            if rec.changes.is_explaining() {
                let before: String = seg.iter().collect();
                let after: String = out[at..].iter().collect();
                rec.hit_str(Rule::Nfc, at + 1, &before, &after);
            } else {
                rec.hit_str(Rule::Nfc, at + 1, "", "");
            }
        }
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

#[cfg(test)]
mod nfc_tables {
    use super::*;
    use proptest::prelude::*;

    /// The tables say what the crate says, for every character.
    #[test]
    fn facts_match_the_crate() {
        for u in 0..0x11_0000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            assert_eq!(combining_class(c), canonical_combining_class(c), "{u:04X}");
            let yes = is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes;
            assert_eq!(nfc_quick_yes(c), yes, "{u:04X}");
            let no = is_nfc_quick(std::iter::once(c)) == IsNormalized::No;
            assert_eq!(NFC_FACTS.quick(c) == IsNormalized::No, no, "{u:04X}");
            // What `compose_sorted` relies on: a non-starter whose quick
            // check is not "no" has no canonical decomposition.
            if canonical_combining_class(c) != 0
                && is_nfc_quick(std::iter::once(c)) != IsNormalized::No
            {
                let mut n = 0;
                decompose_canonical(c, |d| n += usize::from(d != c) + 1);
                assert_eq!(n, 1, "{u:04X} decomposes");
            }
        }
    }

    #[test]
    fn a_letter_and_a_run_of_marks_take_the_one_pass() {
        let seg: Vec<char> =
            std::iter::once('e').chain(std::iter::repeat_n('\u{301}', 40)).collect();
        let mut out = Vec::new();
        assert_eq!(compose_sorted(&NFC_FACTS, &seg, &mut out), Some(true));
        assert_eq!(out[0], 'é');
        assert_eq!(out.len(), 40);
        // Out of canonical order: left to the crate.
        assert_eq!(compose_sorted(&NFC_FACTS, &['a', '\u{301}', '\u{323}'], &mut Vec::new()), None);
        // A starter that decomposes: left to the crate.
        assert_eq!(compose_sorted(&NFC_FACTS, &['é', '\u{323}'], &mut Vec::new()), None);
        // Marks that join nothing: no change.
        let seg: Vec<char> =
            std::iter::once('x').chain(std::iter::repeat_n('\u{334}', 40)).collect();
        assert_eq!(compose_sorted(&NFC_FACTS, &seg, &mut Vec::new()), Some(false));
    }

    /// Starters and marks that compose, block, reorder or decompose.
    fn piece() -> impl Strategy<Value = char> {
        prop::sample::select(vec![
            'a', 'e', 'o', 'u', 'A', 'ç', 'é', 'ộ', '\u{1100}', '\u{1161}', '\u{AC00}', 'ω',
            '\u{300}', '\u{301}', '\u{302}', '\u{303}', '\u{308}', '\u{323}', '\u{327}', '\u{328}',
            '\u{31B}', '\u{345}', '\u{344}', '\u{340}', '\u{5B0}', '\u{5B1}', '\u{93C}', '\u{334}',
            '\u{1AB0}',
        ])
    }

    proptest! {
        /// The one-pass composition equals the crate's NFC wherever it
        /// takes a stretch, and the quick check equals the crate's.
        #[test]
        fn compose_sorted_is_nfc(seg in prop::collection::vec(piece(), 1..80)) {
            let mut out = Vec::new();
            if let Some(joined) = compose_sorted(&NFC_FACTS, &seg, &mut out) {
                let nfc: Vec<char> = seg.iter().copied().nfc().collect();
                prop_assert_eq!(joined, nfc != seg);
                prop_assert_eq!(out, nfc);
            } else {
                prop_assert!(out.is_empty());
            }
            let crate_yes = is_nfc_quick(seg.iter().copied()) == IsNormalized::Yes;
            prop_assert_eq!(quick_yes(&NFC_FACTS, &seg), crate_yes);
        }

        /// `nfc` on a line is the crate's NFC (compatibility ideographs
        /// aside), short stretches and long ones alike.
        #[test]
        fn nfc_rule_is_nfc(line in prop::collection::vec(piece(), 0..200), long in 0usize..3) {
            let mut line = line;
            // Now and then a long run of one mark, to reach the one-pass path.
            if long > 0 {
                line.splice(0..0, std::iter::once('e').chain(std::iter::repeat_n('\u{301}', 40 * long)));
            }
            let expected: Vec<char> = line.iter().copied().nfc().collect();
            let mut changes = crate::rules::Changes::new();
            let mut rec = super::super::Rec { changes: &mut changes, line: 1, hits: 0 };
            let mut got = line.clone();
            nfc(&mut got, false, &mut rec);
            prop_assert_eq!(got, expected);
        }
    }
}
