//! Character knowledge shared by the repair rules: which Han characters are
//! common (for the mojibake plausibility test), which occur in
//! transliterated foreign names (for `name-separator`), and a per-character
//! class table for the fast "is there anything to repair" scan.
//!
//! The two character lists are committed data under `data/repair/` (built by
//! `scripts/repair/build_tables.py`, provenance in `data/repair/SOURCE.md`)
//! and parsed once, on first use, into flat tables indexed by code point so
//! that the hot loops do one array load per character.

use std::sync::OnceLock;

/// Character frequency in People's Daily 1998-01 (Simplified), credited to
/// Traditional forms through OpenCC's `STCharacters.txt`.
const HANZI_FREQ: &str = include_str!("../../data/repair/hanzi-freq.txt");
/// Character counts in transliterated foreign names (HanLP `nrf.txt` plus
/// dot-joined names in People's Daily).
const TRANSLIT: &str = include_str!("../../data/repair/translit.txt");
/// OpenCC's Simplified-to-Traditional character table: its keys that map
/// to another character are Simplified-only forms.
pub(crate) const ST_CHARACTERS: &str = include_str!("../../dict/STCharacters.txt");

/// A Han character counts as common (plausible anywhere in real text) from
/// this many occurrences in the frequency table on: about 3,500 characters
/// (Simplified and their Traditional forms), 99.3% of the corpus.
const COMMON_MIN: u32 = 20;
/// A Han character counts as known (plausible in a name or a rare word)
/// from this many occurrences on: about 5,300 characters.
const KNOWN_MIN: u32 = 3;
/// A character belongs to the transliteration set from this many
/// occurrences in names on (about 430 characters, covering 99% of uses).
const TRANSLIT_MIN: u32 = 3;

/// Class bits of a BMP code point.
pub(crate) mod class {
    /// A common Han character (frequency table).
    pub const COMMON: u16 = 1;
    /// In the transliteration character set.
    pub const TRANSLIT: u16 = 2;
    /// Ordinary CJK punctuation or full-width form: plausible in Chinese.
    pub const CJK_PUNCT: u16 = 4;
    /// A character of the Latin-1 block that Chinese text does not use on
    /// its own: the sign of single-byte mojibake.
    pub const LATIN1: u16 = 8;
    /// A character that starts a loss marker (U+FFFD, `锟`, `烫`, `屯`).
    pub const MARKER: u16 = 16;
    /// A Han character (any block in the BMP).
    pub const HAN: u16 = 32;
    /// A Han character that occurs in real text, if not commonly.
    pub const KNOWN: u16 = 64;
    /// Hiragana or katakana.
    pub const KANA: u16 = 128;
    /// A Simplified form that Traditional text does not use (`洁`, `惨`).
    pub const SIMPLIFIED_ONLY: u16 = 256;
    /// A symbol that GBK punctuation and full-width digits become when
    /// read as Big5: bopomofo (`ㄛ` for `，`, `ㄤ` for `５`), small forms
    /// (`﹝` for `。`), spacing tone marks (`˙` for `；`), `※` and `〞`.
    pub const CROSS: u16 = 512;
}

/// The class table for the BMP, plus nothing for the supplementary planes
/// (every supplementary character is treated as rare and unclassified).
pub(crate) struct Tables {
    class: Vec<u16>,
    /// One bit per BMP code point: set for common Han characters and CJK
    /// punctuation that are neither Latin-1 nor a marker. 8 KB, so that the
    /// scan over clean text stays in the L1 cache.
    /// A fixed-size array, so that an index made of ten bits needs no
    /// bounds check in the scan's inner loop.
    plain: Box<[u64; 0x10000 / 64]>,
}

/// The shared tables, built on first use.
pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(Tables::build)
}

/// The CJK punctuation of `docs/policy.md`, plus the full-width forms block:
/// characters that make a decoded candidate look like Chinese.
const CJK_PUNCTUATION: &str = "，。、：；？！（）《》〈〉“”‘’「」『』【】〔〕—…·　";

impl Tables {
    fn build() -> Tables {
        let mut class = vec![0u16; 0x10000];
        for c in (0x3400..=0x4DBF).chain(0x4E00..=0x9FFF).chain(0xF900..=0xFAFF) {
            class[c] |= class::HAN;
        }
        for (ch, n) in parse_counts(HANZI_FREQ) {
            if (ch as u32) < 0x10000 {
                if n >= COMMON_MIN {
                    class[ch as usize] |= class::COMMON;
                }
                if n >= KNOWN_MIN {
                    class[ch as usize] |= class::KNOWN;
                }
            }
        }
        for (ch, n) in parse_counts(TRANSLIT) {
            if n >= TRANSLIT_MIN && (ch as u32) < 0x10000 {
                class[ch as usize] |= class::TRANSLIT;
            }
        }
        for line in ST_CHARACTERS.lines() {
            let Some((from, to)) = line.split_once('\t') else { continue };
            let mut chars = from.chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && (c as u32) < 0x10000
                && !to.split(' ').any(|t| t == from)
            {
                class[c as usize] |= class::SIMPLIFIED_ONLY;
            }
        }
        for c in (0x3041..=0x30FF).chain(0x31F0..=0x31FF).chain(0xFF66..=0xFF9F) {
            class[c] |= class::KANA;
        }
        for c in (0x3100..=0x312F).chain(0xFE50..=0xFE6F).chain(0x02C7..=0x02DD) {
            class[c] |= class::CROSS;
        }
        for c in ['※', '〞'] {
            class[c as usize] |= class::CROSS;
        }
        for ch in CJK_PUNCTUATION.chars() {
            class[ch as usize] |= class::CJK_PUNCT;
        }
        for k in &mut class[0xFF01..=0xFF5E] {
            *k |= class::CJK_PUNCT;
        }
        // The Latin-1 block, C1 controls included (Latin-1 and sloppy
        // Windows-1252 decoders leave them). Not the Windows-1252 extras
        // (`“ ” — …` are everyday Chinese punctuation) nor the symbols
        // Chinese text uses on their own (`· × ° ± ÷`, no-break space):
        // single-byte mojibake of Chinese always has letters of the block.
        for (c, k) in class.iter_mut().enumerate().take(0x100).skip(0x80) {
            if ![0xA0, 0xB0, 0xB1, 0xB7, 0xD7, 0xF7].contains(&c) {
                *k |= class::LATIN1;
            }
        }
        for ch in ['\u{FFFD}', '锟', '烫', '屯'] {
            class[ch as usize] |= class::MARKER;
        }
        let mut plain = Box::new([0u64; 0x10000 / 64]);
        for (cp, &k) in class.iter().enumerate() {
            let good = k & (class::COMMON | class::CJK_PUNCT) != 0;
            if good && k & (class::LATIN1 | class::MARKER) == 0 {
                plain[cp / 64] |= 1 << (cp % 64);
            }
        }
        Tables { class, plain }
    }

    /// Whether code point `cp` is a common character that no scan needs to
    /// look at further.
    #[inline]
    pub(crate) fn is_plain(&self, cp: u32) -> bool {
        cp < 0x10000 && self.plain[(cp / 64) as usize] & (1 << (cp % 64)) != 0
    }

    /// [`Tables::is_plain`] for the three-byte UTF-8 sequence `b0 b1 b2`
    /// (`b0` in E0..EF), read straight from the bytes: `cp / 64` is the low
    /// nibble of `b0` and six bits of `b1`, `cp % 64` six bits of `b2`.
    #[inline]
    pub(crate) fn is_plain_utf8_3(&self, b0: u8, b1: u8, b2: u8) -> bool {
        let word = ((b0 as usize & 0x0F) << 6) | (b1 as usize & 0x3F);
        self.plain[word] & (1 << (b2 & 0x3F)) != 0
    }

    /// The class bits of `c` (0 for supplementary-plane characters).
    #[inline]
    pub(crate) fn class(&self, c: char) -> u16 {
        let i = c as usize;
        if i < 0x10000 { self.class[i] } else { 0 }
    }

    /// Whether `c` looks at home in Chinese text: a common Han character or
    /// ordinary CJK punctuation.
    #[inline]
    pub(crate) fn is_good(&self, c: char) -> bool {
        self.class(c) & (class::COMMON | class::CJK_PUNCT) != 0
    }

    /// How plausible `c` is in Chinese text, from 0 (junk) to 1 (common).
    #[inline]
    pub(crate) fn plausibility(&self, c: char) -> f32 {
        let k = self.class(c);
        if k & (class::COMMON | class::CJK_PUNCT) != 0 {
            1.0
        } else if k & (class::KNOWN | class::TRANSLIT) != 0 {
            0.5
        } else {
            0.0
        }
    }

    /// Whether `c` is in the transliteration set.
    #[inline]
    pub(crate) fn is_translit(&self, c: char) -> bool {
        self.class(c) & class::TRANSLIT != 0
    }
}

/// Whether `c` is a Han ideograph (any block, including the supplementary
/// planes).
#[inline]
pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

fn parse_counts(data: &str) -> impl Iterator<Item = (char, u32)> + '_ {
    data.lines().filter_map(|line| {
        let (ch, n) = line.split_once('\t')?;
        let mut chars = ch.chars();
        let c = chars.next()?;
        if chars.next().is_some() {
            return None;
        }
        Some((c, n.trim().parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_from_bytes_agrees_with_plain_from_code_point() {
        let t = tables();
        let mut buf = [0u8; 4];
        for u in 0x800..0x10000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(t.is_plain_utf8_3(b[0], b[1], b[2]), t.is_plain(u), "{c:?}");
        }
    }

    #[test]
    fn common_and_rare() {
        let t = tables();
        for c in "的一是你好世界中文显著下降們國".chars() {
            assert!(t.is_good(c), "{c} should be common");
        }
        for c in "浣犲涓枃鏄斕".chars() {
            assert!(!t.is_good(c), "{c} should be rare");
        }
        assert!(t.is_good('，') && t.is_good('“') && t.is_good('Ａ'));
        assert!(!t.is_good('ソ') && !t.is_good('ä'));
    }

    #[test]
    fn translit_set() {
        let t = tables();
        for c in "斯科特丹恩贝森尼克迈尔卡蒂约翰史密哈里杜鲁门".chars() {
            assert!(t.is_translit(c), "{c} should be in the set");
        }
        for c in "是么吗我你的了".chars() {
            assert!(!t.is_translit(c), "{c} should not be in the set");
        }
    }
}
