//! Character classes for the normaliser: which text class a character
//! belongs to (Han, CJK punctuation, ...) and which rules it could trigger.
//!
//! The normaliser's speed comes from here: one scan over a line ORs the
//! trigger bits of its characters together, and only the rules whose bits
//! are set run on that line. Clean Chinese text (Han, `，。、“”`) sets no
//! trigger bit at all and is never copied.

use std::sync::LazyLock;

/// The line holds Han (context for the punctuation rules and radicals).
pub const HAN: u32 = 1 << 0;
/// The line holds CJK punctuation (context for `, ? !`).
pub const CJKP: u32 = 1 << 1;
/// Invisible or control characters (`invisible`).
pub const INVIS: u32 = 1 << 2;
/// Unusual spaces (`spaces`).
pub const SPACE: u32 = 1 << 3;
/// A compatibility ideograph with a canonical twin (`compat-ideographs`).
pub const COMPAT: u32 = 1 << 4;
/// A character NFC might change (`nfc`).
pub const NFC: u32 = 1 << 5;
/// A Kangxi or supplement radical (`radicals`).
pub const RADICAL: u32 = 1 << 6;
/// A full-width digit or Latin letter (`width-alnum`).
pub const WALNUM: u32 = 1 << 7;
/// A full-width symbol of the `width-symbols` list.
pub const WSYM: u32 = 1 << 8;
/// A presentation form or half-width CJK mark (`forms`).
pub const FORMS: u32 = 1 << 9;
/// A dot look-alike (`name-dot`).
pub const NAMEDOT: u32 = 1 << 10;
/// `…`, `⋯` or a run of `。。。` (`ellipsis`).
pub const ELLIPSIS: u32 = 1 << 11;
/// ASCII `, ? ! ; :` (`cjk-punct`).
pub const APUNCT: u32 = 1 << 12;
/// ASCII `.` (`cjk-period`, `ellipsis`).
pub const DOT: u32 = 1 << 13;
/// ASCII `(` or `)` (`cjk-parens`).
pub const PAREN: u32 = 1 << 14;
/// ASCII `"` or `'` (`cjk-quotes`).
pub const QUOTE: u32 = 1 << 15;
/// Curly or corner quotes (`quotes`, only when a style is asked for).
pub const QSTYLE: u32 = 1 << 16;
/// A carriage return inside a line (only seen when `line-ends` is off).
pub const CR: u32 = 1 << 17;

/// Trigger bits of the rules that need Han or CJK punctuation on the line
/// to fire at all.
pub const CONTEXT: u32 = APUNCT | DOT | PAREN | QUOTE | ELLIPSIS;

/// Trigger bits of every ASCII byte. Letters and digits have none: they
/// only matter as context, which the slow path looks at itself.
pub static ASCII: [u32; 128] = {
    let mut t = [0u32; 128];
    let mut b = 0;
    while b < 0x20 {
        t[b] = INVIS;
        b += 1;
    }
    t[b'\t' as usize] = 0;
    t[b'\n' as usize] = 0;
    t[b'\r' as usize] = CR;
    t[0x7F] = INVIS;
    t[b',' as usize] = APUNCT;
    t[b'?' as usize] = APUNCT;
    t[b'!' as usize] = APUNCT;
    t[b';' as usize] = APUNCT;
    t[b':' as usize] = APUNCT;
    t[b'.' as usize] = DOT;
    t[b'(' as usize] = PAREN;
    t[b')' as usize] = PAREN;
    t[b'"' as usize] = QUOTE;
    t[b'\'' as usize] = QUOTE;
    t
};

/// A `。`, `…` or `．`: the line scan counts the run it starts (`ellipsis`
/// fires on `。。。`, `．．．` and a lone `…`, never on `……`).
pub const RUN: u32 = 1 << 18;

/// Trigger bits of every character of the three-byte UTF-8 blocks that
/// clean Chinese text is made of besides Han: lead byte E2 (U+2000–U+2FFF,
/// general punctuation, radicals), E3 (U+3000–U+3FFF, CJK symbols, kana,
/// Ext A) and EF (U+F000–U+FFFF, compatibility ideographs, forms, full
/// width). 48 KB, built once; the line scan looks characters up here
/// instead of classifying them one by one.
pub static HOT: LazyLock<Box<[u32]>> = LazyLock::new(|| {
    let mut t = vec![0u32; 3 * 4096].into_boxed_slice();
    for (k, base) in [0x2000u32, 0x3000, 0xF000].into_iter().enumerate() {
        for low in 0..4096 {
            if let Some(c) = char::from_u32(base + low) {
                let mut f = class_of(c);
                if c == '。' || c == '…' || c == '．' {
                    f |= RUN;
                }
                t[k * 4096 + low as usize] = f;
            }
        }
    }
    t
});

/// The [`HOT`] slot of a three-byte sequence whose lead byte `lead` is
/// E2, E3 or EF.
#[inline]
pub fn hot_index(lead: u8, b1: u8, b2: u8) -> usize {
    let k = match lead {
        0xE2 => 0,
        0xE3 => 1,
        _ => 2,
    };
    k * 4096 + (((b1 & 0x3F) as usize) << 6) + (b2 & 0x3F) as usize
}

/// The line holds a lead byte E2, E3 or EF: look its characters up in
/// [`HOT`].
pub const HOTLEAD: u32 = 1 << 19;
/// The line holds another multi-byte character: classify it with
/// [`class_of`].
pub const SLOWLEAD: u32 = 1 << 20;

/// Per-byte bits for the first, branch-free pass over a line: ASCII bytes
/// carry their trigger bits, continuation bytes nothing, lead bytes E4–E9
/// (U+4000–U+9FFF) `HAN`, lead bytes E2/E3/EF `HOTLEAD`, every other lead
/// byte `SLOWLEAD`.
pub static BYTES: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = ASCII[b];
        b += 1;
    }
    while b < 256 {
        t[b] = match b {
            0x80..=0xBF => 0,
            0xE4..=0xE9 => HAN,
            0xE2 | 0xE3 | 0xEF => HOTLEAD,
            _ => SLOWLEAD,
        };
        b += 1;
    }
    t
};

/// The UTF-8 length of a character by its first byte (1 for continuation
/// bytes, which the scan never starts at), so the scan steps a whole
/// character at a time.
pub static WIDTH: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut b = 0xC0;
    while b < 256 {
        t[b] = if b < 0xE0 {
            2
        } else if b < 0xF0 {
            3
        } else {
            4
        };
        b += 1;
    }
    t
};

/// The twelve code points in the compatibility block that are unified
/// ideographs with no decomposition (`﨑` U+FA11 ...): NFC leaves them, and
/// so does `compat-ideographs`.
const UNIFIED_IN_COMPAT: [u32; 12] = [
    0xFA0E, 0xFA0F, 0xFA11, 0xFA13, 0xFA14, 0xFA1F, 0xFA21, 0xFA23, 0xFA24, 0xFA27, 0xFA28, 0xFA29,
];

/// Whether `c` is Han as `docs/policy.md` defines it: a CJK unified ideograph of
/// any block (Ext A–I) or a compatibility ideograph. `〇` counts too: it is
/// an ideograph (the zero of `二〇〇八年`), though it lives among the symbols.
#[inline]
pub fn is_han(c: char) -> bool {
    let u = c as u32;
    (0x4E00..=0x9FFF).contains(&u)
        || (0x3400..=0x4DBF).contains(&u)
        || (0xF900..=0xFAFF).contains(&u)
        || (0x20000..=0x323AF).contains(&u)
        || u == 0x3007
}

/// Whether `c` is CJK punctuation as `docs/policy.md` lists it
/// (`，。、：；？！（）《》〈〉“”‘’「」『』【】〔〕—…·` and U+3000), plus the
/// white lenticular brackets `〖〗` that `forms` produces.
#[inline]
pub fn is_cjk_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '：'
            | '；'
            | '？'
            | '！'
            | '（'
            | '）'
            | '《'
            | '》'
            | '〈'
            | '〉'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '「'
            | '」'
            | '『'
            | '』'
            | '【'
            | '】'
            | '〔'
            | '〕'
            | '〖'
            | '〗'
            | '—'
            | '…'
            | '·'
            | '\u{3000}'
    )
}

/// Han or CJK punctuation: the context the punctuation rules look for.
#[inline]
pub fn is_cjk(c: char) -> bool {
    is_han(c) || is_cjk_punct(c)
}

/// Whether `c` is a compatibility ideograph that NFC maps to a unified one.
#[inline]
pub fn is_compat_ideograph(c: char) -> bool {
    let u = c as u32;
    ((0xF900..=0xFAFF).contains(&u) && !UNIFIED_IN_COMPAT.contains(&u))
        || (0x2F800..=0x2FA1F).contains(&u)
}

/// Whether `invisible` removes `c`: U+200B, U+2060, U+FEFF, U+00AD, C0
/// controls but TAB/LF (CR is a line end, handled by `line-ends`), DEL and
/// C1 controls. ZWJ and ZWNJ are kept (emoji sequences need them).
#[inline]
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}' | '\u{7F}'..='\u{9F}')
        || (c < ' ' && c != '\t' && c != '\n' && c != '\r')
}

/// Whether `spaces` turns `c` into an ASCII space. U+3000 is kept.
#[inline]
pub fn is_odd_space(c: char) -> bool {
    matches!(c, '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}')
}

/// Whether `c` is one of the dot look-alikes `name-dot` unifies.
#[inline]
pub fn is_name_dot(c: char) -> bool {
    matches!(c, '・' | '･' | '‧' | '•' | '∙' | '⋅')
}

/// Whether `c` is a Kangxi radical or a CJK supplement radical.
#[inline]
pub fn is_radical(c: char) -> bool {
    matches!(c, '\u{2E80}'..='\u{2EF3}' | '\u{2F00}'..='\u{2FD5}')
}

/// Whether `c` is a full-width symbol of the `width-symbols` list.
#[inline]
pub fn is_wide_symbol(c: char) -> bool {
    matches!(
        c,
        '．' | '％'
            | '／'
            | '－'
            | '＋'
            | '＝'
            | '＠'
            | '＃'
            | '＄'
            | '＆'
            | '＊'
            | '＿'
            | '＾'
            | '｀'
            | '｜'
            | '～'
            | '＼'
            | '［'
            | '］'
            | '｛'
            | '｝'
            | '＜'
            | '＞'
            | '＂'
            | '＇'
    )
}

/// Whether `c` is a full-width digit or Latin letter.
#[inline]
pub fn is_wide_alnum(c: char) -> bool {
    matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ')
}

/// Whether NFC could change `c` (its NFC quick check is not "yes"), for
/// characters outside the blocks known to be NFC-stable.
#[inline]
fn may_change_under_nfc(c: char) -> bool {
    let u = c as u32;
    let stable = u < 0x300
        || (0x2002..=0x206F).contains(&u)
        || (0x3000..=0x3098).contains(&u)
        || (0x309B..=0x30FF).contains(&u)
        || (0xFF00..=0xFFEF).contains(&u);
    !stable && !crate::normalize::chars::nfc_quick_yes(c)
}

/// The trigger bits of a non-ASCII character.
pub fn class_of(c: char) -> u32 {
    // The combining diacritics are in none of the lists below: asked
    // first, a line of marks costs one test per character.
    if ('\u{300}'..='\u{36F}').contains(&c) {
        return if may_change_under_nfc(c) { NFC } else { 0 };
    }
    if is_han(c) {
        let mut f = HAN;
        if is_compat_ideograph(c) {
            f |= COMPAT;
        }
        return f;
    }
    if is_cjk_punct(c) {
        // A lone `…` (the `ellipsis` trigger) is found by the line scan,
        // which sees runs; `……` itself must not send a line to the slow path.
        let mut f = CJKP;
        if matches!(c, '“' | '”' | '‘' | '’' | '「' | '」' | '『' | '』') {
            f |= QSTYLE;
        }
        return f;
    }
    if is_wide_alnum(c) {
        return WALNUM;
    }
    if is_wide_symbol(c) {
        // `．．．` is an ellipsis too: the line scan counts the run.
        return WSYM;
    }
    if is_invisible(c) {
        return INVIS;
    }
    if is_odd_space(c) {
        return SPACE | if may_change_under_nfc(c) { NFC } else { 0 };
    }
    if is_name_dot(c) {
        return NAMEDOT;
    }
    if is_radical(c) {
        return RADICAL;
    }
    if c == '⋯' {
        return ELLIPSIS;
    }
    if crate::normalize::chars::form_of(c).is_some() {
        return FORMS;
    }
    if may_change_under_nfc(c) {
        return NFC;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_blocks() {
        for c in ['中', '㐀', '𠀀', '丽', '\u{FA11}', '〇', '\u{31350}'] {
            assert!(is_han(c), "{c}");
        }
        for c in ['a', '，', 'ア', '⼈'] {
            assert!(!is_han(c), "{c}");
        }
    }

    #[test]
    fn compat_exceptions_are_not_compat() {
        assert!(is_compat_ideograph('\u{F900}'));
        assert!(is_compat_ideograph('\u{2F800}'));
        for u in UNIFIED_IN_COMPAT {
            assert!(!is_compat_ideograph(char::from_u32(u).unwrap()));
        }
    }

    #[test]
    fn clean_chinese_has_no_trigger() {
        for c in "中文，。、“”《》（）：；？！——……".chars() {
            assert_eq!(class_of(c) & !(HAN | CJKP | QSTYLE | ELLIPSIS), 0, "{c}");
        }
    }

    #[test]
    fn invisible_keeps_joiners_and_line_breaks() {
        for c in ['\u{200C}', '\u{200D}', '\t', '\n', '\r', '\u{3000}'] {
            assert!(!is_invisible(c), "{c:?}");
        }
        for c in ['\u{200B}', '\u{7}', '\u{85}', '\u{FEFF}', '\u{AD}', '\u{7F}'] {
            assert!(is_invisible(c), "{c:?}");
        }
    }
}
