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
    /// Whether [`Tables::plain_blocks`] may use AVX2.
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
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
        Tables {
            class,
            plain,
            #[cfg(target_arch = "x86_64")]
            avx2: std::is_x86_feature_detected!("avx2"),
        }
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

    /// How far from `i` (a character boundary of the valid UTF-8 `b`) runs
    /// of eight plain three-byte characters go: `i` plus a multiple of 24.
    /// The scan's fast path calls this before going on one character at a
    /// time, and the answer is what that loop would reach through those
    /// blocks. Where AVX2 is there (checked once, when the tables are
    /// built) eight characters are decoded and looked up at once (a byte
    /// shuffle, then a gather from the bit table); elsewhere this returns
    /// `i`.
    ///
    /// Written by hand: this is the loop that every character of clean
    /// Chinese text goes through (a quarter of the whole run's
    /// instructions on People's Daily, one at a time), and no crate looks
    /// characters up in a caller's bit table.
    #[inline]
    pub(crate) fn plain_blocks(&self, b: &[u8], i: usize) -> usize {
        let _ = b;
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 was detected at build time of the tables.
            return unsafe { plain_blocks_avx2(&self.plain, b, i) };
        }
        i
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

/// [`Tables::plain_blocks`] with AVX2.
///
/// # Safety
///
/// AVX2 must be available, `b` must be valid UTF-8 and `i` a character
/// boundary in it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn plain_blocks_avx2(plain: &[u64; 0x10000 / 64], b: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::*;
    // Lane j of each half gets bytes 3j+2, 3j+1, 3j of its 12 bytes:
    // b0 << 16 | b1 << 8 | b2.
    let g = _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1);
    let gather = _mm256_set_m128i(g, g);
    // The bit table as 32-bit words (x86 is little-endian: bit `cp % 32`
    // of word `cp / 32` is bit `cp % 64` of u64 word `cp / 64`).
    let words = plain.as_ptr().cast::<i32>();
    // The two 16-byte loads read bytes `i` to `i + 27`.
    while i + 28 <= b.len() {
        // SAFETY: 28 bytes are readable at `i`; the gather's indices are
        // code points below 0x10000 divided by 32, inside the 2,048 words
        // of the table.
        unsafe {
            let p = b.as_ptr().add(i);
            let v = _mm256_set_m128i(_mm_loadu_si128(p.add(12).cast()), _mm_loadu_si128(p.cast()));
            let lanes = _mm256_shuffle_epi8(v, gather);
            // Valid UTF-8 from a boundary: a lead byte 1110xxxx at the
            // start of every three bytes means eight whole sequences.
            let lead = _mm256_and_si256(lanes, _mm256_set1_epi32(0xF0_0000));
            let three = _mm256_cmpeq_epi32(lead, _mm256_set1_epi32(0xE0_0000));
            if _mm256_movemask_epi8(three) != -1 {
                break;
            }
            let cp = _mm256_or_si256(
                _mm256_or_si256(
                    _mm256_srli_epi32(_mm256_and_si256(lanes, _mm256_set1_epi32(0x0F_0000)), 4),
                    _mm256_srli_epi32(_mm256_and_si256(lanes, _mm256_set1_epi32(0x3F00)), 2),
                ),
                _mm256_and_si256(lanes, _mm256_set1_epi32(0x3F)),
            );
            let word = _mm256_i32gather_epi32::<4>(words, _mm256_srli_epi32(cp, 5));
            let bit = _mm256_srlv_epi32(word, _mm256_and_si256(cp, _mm256_set1_epi32(31)));
            // Each lane's bit moved to its sign, for the mask.
            let set = _mm256_slli_epi32(bit, 31);
            if _mm256_movemask_ps(_mm256_castsi256_ps(set)) != 0xFF {
                break;
            }
        }
        i += 24;
    }
    i
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

    /// `plain_blocks` reaches exactly as far as blocks of eight plain
    /// three-byte characters go, looked at one at a time, from every
    /// character boundary of texts that mix plain characters with rare
    /// ones, marks, ASCII, and two- and four-byte characters.
    #[test]
    fn plain_blocks_agree_with_one_character_at_a_time() {
        let t = tables();
        let one_by_one = |b: &[u8], mut i: usize| {
            let block = |i: usize| {
                (0..8).all(|k| {
                    let j = i + 3 * k;
                    b[j] & 0xF0 == 0xE0 && t.is_plain_utf8_3(b[j], b[j + 1], b[j + 2])
                })
            };
            while i + 28 <= b.len() && block(i) {
                i += 24;
            }
            i
        };
        // Mostly plain, so that long blocks occur; the rest one of each kind.
        let plain: Vec<char> = "的一是中国人民在这了和有大不为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严，。、“”《》！？：；（）".chars().collect();
        let other: Vec<char> = "浣犲ソ涓栫晫\u{301}aé€𠀀锟\u{FFFD}ä 9\n".chars().collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        #[cfg(target_arch = "x86_64")]
        let simd = t.avx2;
        #[cfg(not(target_arch = "x86_64"))]
        let simd = false;
        let mut advanced = 0usize;
        for len in 0..400usize {
            let text: String = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 16 == 0 {
                        other[(r >> 8) as usize % other.len()]
                    } else {
                        plain[(r >> 8) as usize % plain.len()]
                    }
                })
                .collect();
            let b = text.as_bytes();
            for (i, _) in text.char_indices() {
                let want = if simd { one_by_one(b, i) } else { i };
                assert_eq!(t.plain_blocks(b, i), want, "{text:?} from byte {i}");
                advanced += usize::from(want > i);
            }
        }
        // Not vacuous: blocks were found (where AVX2 is there).
        assert!(!simd || advanced > 10_000, "{advanced}");
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
