//! Which language a reading of the input is in: the per-document fact that
//! tells the pipeline whether its Chinese-only rules apply, and the models
//! that let a Korean, Japanese or European reading of legacy bytes compete
//! with the Chinese ones.
//!
//! Each candidate encoding is judged under the model of the language it is
//! used for (GB18030 and Big5: Chinese; EUC-KR: Korean; Shift_JIS, EUC-JP:
//! Japanese; the single-byte encodings: alphabetic text), so that a wrong
//! reading cannot look cheap by borrowing another language's model: Big5
//! Chinese read as GB18030 is full of kana, and those kana are judged as
//! Chinese, where they are rare. Costs are in half-bits, like `freq.rs`,
//! so totals of different models compare as log-likelihoods (roughly: the
//! constants are set by hand, see docs/decode-eval.md).

use std::sync::OnceLock;

use encoding_rs::{
    BIG5, EUC_JP, EUC_KR, Encoding, GB18030, GBK, ISO_2022_JP, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE,
};

use super::freq;
use super::{CHINESE_ONLY, CHINESE_ONLY_AND_MOJIBAKE};
use crate::rules::Rule;

/// The language class of a document, as the report and the pipeline see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Language {
    /// Han characters, and neither kana nor Hangul in any number (`zh`).
    Chinese,
    /// Kana beside the Han characters (`ja`).
    Japanese,
    /// Hangul (`ko`).
    Korean,
    /// Latin letters beyond ASCII and no Han (`latin`).
    Latin,
    /// Cyrillic letters and no Han (`cyrillic`).
    Cyrillic,
    /// Letters of another script (Greek, Hebrew, Arabic, Thai...) and no
    /// Han (`other`).
    Other,
    /// Nothing that tells: ASCII, digits, symbols, empty (`none`).
    #[default]
    Undetermined,
}

impl Language {
    /// The report's name: `zh`, `ja`, `ko`, `latin`, `cyrillic`, `other`
    /// or `none`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Language::Chinese => "zh",
            Language::Japanese => "ja",
            Language::Korean => "ko",
            Language::Latin => "latin",
            Language::Cyrillic => "cyrillic",
            Language::Other => "other",
            Language::Undetermined => "none",
        }
    }

    /// Whether the Chinese-only rules (see
    /// [`CHINESE_ONLY`](crate::decode::CHINESE_ONLY)) may run on a document
    /// of this class: Chinese, and text with nothing that tells (ASCII
    /// lines of a Chinese file, which is how it was before).
    pub const fn chinese_rules(self) -> bool {
        matches!(self, Language::Chinese | Language::Undetermined)
    }

    /// The rules the pipeline skips for a document of this class: none for
    /// Chinese (and undetermined) text, [`CHINESE_ONLY`] for Latin-script
    /// text, [`CHINESE_ONLY_AND_MOJIBAKE`] for the others.
    pub const fn skipped_rules(self) -> &'static [Rule] {
        match self {
            Language::Chinese | Language::Undetermined => &[],
            Language::Latin => CHINESE_ONLY,
            _ => CHINESE_ONLY_AND_MOJIBAKE,
        }
    }
}

/// Japanese simplified kanji that Chinese text does not use (`変`, `対`,
/// `読`), from OpenCC's shinjitai table less its Chinese tables, and the
/// Chinese character counts (built by `scripts/build-shinjitai-table.py`).
static SHINJITAI_TABLE: &str = include_str!("../../data/decode/shinjitai.txt");

/// Han characters that only one of the two Chinese scripts writes (`们`,
/// `這`), from OpenCC's character tables (built by
/// `scripts/build-one-script-table.py`).
static ONE_SCRIPT_TABLE: &str = include_str!("../../data/decode/one-script.txt");

// The marks of a character of the main Han block, from [`SHINJITAI_TABLE`]
// and [`ONE_SCRIPT_TABLE`] (see [`han_marks`]).
/// Listed in [`SHINJITAI_TABLE`].
const SHINJITAI: u8 = 1;
/// A shinjitai that classical Chinese poetry writes too (`髪`, `徴`).
const CLASSICAL: u8 = 2;
/// Simplified only, and a common kanji too: a shinjitai of JIS level 1
/// (`数`, `状`).
const SIMPLIFIED_JA: u8 = 4;
/// Simplified only, and no common kanji (`们`, `较`).
const SIMPLIFIED_ZH: u8 = 8;
/// Traditional only, and a common kanji too: in JIS level 1, and no
/// shinjitai replaces it (`終`, `時`).
const TRADITIONAL_JA: u8 = 16;
/// Traditional only, and no common kanji (`數` and `說`, which shinjitai
/// replace; `們`, outside JIS level 1).
const TRADITIONAL_ZH: u8 = 32;

/// The marks of `c` (0 outside the main Han block): a byte per character
/// of the block (every entry of both tables is there), asked of every Han
/// character that [`classify`] sees.
fn han_marks(c: char) -> u8 {
    const START: u32 = 0x4E00;
    const LEN: usize = (0xA000 - START) as usize;
    let index = |u: u32| u.checked_sub(START).map(|i| i as usize).filter(|&i| i < LEN);
    static MARKS: OnceLock<Vec<u8>> = OnceLock::new();
    let marks = MARKS.get_or_init(|| {
        let mut marks = vec![0u8; LEN];
        let mut mark = |line: &str, bits: u8| {
            let Some(c) = line.chars().next() else { return };
            let i = index(c as u32);
            debug_assert!(i.is_some(), "{c:?} outside the main Han block");
            if let Some(i) = i {
                marks[i] |= bits;
            }
        };
        for line in SHINJITAI_TABLE.lines().filter(|l| !l.starts_with('#')) {
            mark(
                line,
                if line.ends_with("\tclassical") { SHINJITAI | CLASSICAL } else { SHINJITAI },
            );
        }
        for line in ONE_SCRIPT_TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t').skip(1);
            let bits = match (fields.next(), fields.next()) {
                (Some("simplified"), Some("ja")) => SIMPLIFIED_JA,
                (Some("simplified"), _) => SIMPLIFIED_ZH,
                (Some("traditional"), Some("ja")) => TRADITIONAL_JA,
                (Some("traditional"), _) => TRADITIONAL_ZH,
                _ => 0,
            };
            debug_assert!(bits != 0, "{line:?}");
            mark(line, bits);
        }
        marks
    });
    index(c as u32).map_or(0, |i| marks[i])
}

/// How many characters of a text [`classify`] looks at.
const CLASSIFY_CHARS: usize = 16 * 1024;

/// Under this many Han and kana characters, a text is short for
/// [`classify`]: one sign of Japanese is enough.
const SHORT_HAN: usize = 16;

/// The language class of `text`, from its first 16 Ki characters.
pub fn classify(text: &str) -> Language {
    let (mut han, mut kana, mut hangul, mut latin, mut cyrillic, mut other) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    // Shinjitai (see [`han_marks`]): how many, the first, and whether
    // another one differs from it.
    let (mut shinjitai_n, mut shinjitai_first, mut two_shinjitai) = (0usize, None, false);
    // Shinjitai that classical poetry does not write either, and kana
    // written as Japanese writes them (see below).
    let (mut modern_shinjitai, mut kana_in_text) = (false, false);
    // The marks of every Han character so far (see [`han_marks`]).
    let mut scripts = 0u8;
    // The character before this one ('\0' at the start).
    let mut prev = '\0';
    for c in text.chars().take(CLASSIFY_CHARS) {
        let u = c as u32;
        let before = std::mem::replace(&mut prev, c);
        if u < 0x80 {
            continue;
        }
        match u {
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF => {
                han += 1;
                let marks = han_marks(c);
                if marks & SHINJITAI != 0 {
                    shinjitai_n += 1;
                    two_shinjitai |= *shinjitai_first.get_or_insert(c) != c;
                    modern_shinjitai |= marks & CLASSICAL == 0;
                }
                scripts |= marks;
            }
            0x3041..=0x3096 | 0x30A1..=0x30FA | 0x31F0..=0x31FF | 0xFF66..=0xFF9D => {
                kana += 1;
                // Kana as Japanese writes it: after a kanji (`時に`), a
                // kana, a space, a letter or a quote; not inside a
                // kaomoji (`(ツ)`, `)ノ`), and not `の`, which Chinese
                // writes for 的.
                kana_in_text |= c != 'の'
                    && (is_han(before as u32)
                        || (0x3041..=0x30FA).contains(&(before as u32))
                        || before.is_ascii_alphanumeric()
                        || matches!(before, ' ' | '\n' | '\'' | '"' | '`' | '\0'));
            }
            0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3131..=0x318E => hangul += 1,
            0x00C0..=0x024F | 0x1E00..=0x1EFF if c.is_alphabetic() => latin += 1,
            0x0400..=0x052F => cyrillic += 1,
            // Punctuation, most of what Chinese text holds besides Han
            // characters: no letters there, and the standard library's
            // lookup below was an eighth of the pipeline's instructions on
            // short records.
            _ if is_punctuation_block(u) => {}
            _ if c.is_alphabetic() => other += 1,
            _ => {}
        }
    }
    // Korean writes Hangul, with few Hanja; Japanese has kana in almost
    // every sentence (technical Japanese can be mostly kanji: `不正形式の
    // 密度引数`, one kana in six). Chinese text quoting a Japanese or Korean
    // word now and then stays Chinese. Japanese written in kanji alone
    // shows in the shinjitai Chinese does not use (`変`, `対`): two
    // different ones, one of them not written in classical poems either,
    // and one in sixteen Han characters, make it Japanese. (One is not
    // enough, nor two classical ones: Tang poems write `髪` and `徴`, and
    // `隣` and `鼈` in one line.) A short text has little room for either:
    // there one kana written as in Japanese (`関数作成時に`, `利用可能な`),
    // or one shinjitai that classical poems do not write either (`内部 gzip
    // 読`), is enough, and so are the two Chinese scripts side by side
    // (`終了状態`: `状` is Simplified, `終` and `態` Traditional), in forms
    // that are common kanji (JIS level 1), with none that is not
    // (`当比较目录時` is Chinese: Japanese writes `較` and `録`). Japanese
    // kanji mix the scripts; Chinese text does not.
    let short = han + kana < SHORT_HAN;
    if hangul >= 2 && hangul * 3 > han + kana {
        Language::Korean
    } else if (kana >= 2 && kana * 8 > han + kana)
        || (two_shinjitai && modern_shinjitai && shinjitai_n * 16 >= han)
        || (short && (kana_in_text || modern_shinjitai || mixed_scripts(scripts)))
    {
        Language::Japanese
    } else if han > 0 {
        Language::Chinese
    } else if cyrillic > 0 && cyrillic >= latin {
        Language::Cyrillic
    } else if latin > 0 {
        Language::Latin
    } else if other > 0 || kana > 0 || hangul > 0 {
        Language::Other
    } else {
        Language::Undetermined
    }
}

/// Whether the marks of a text's Han characters (see [`han_marks`]) show
/// both Chinese scripts, each in a form that is a common kanji too, and no
/// form that is not one.
fn mixed_scripts(marks: u8) -> bool {
    marks & (SIMPLIFIED_JA | TRADITIONAL_JA) == SIMPLIFIED_JA | TRADITIONAL_JA
        && marks & (SIMPLIFIED_ZH | TRADITIONAL_ZH) == 0
}

/// Whether `u` is in a run of punctuation blocks that hold no letter:
/// General Punctuation, the CJK marks of U+3000..U+3020 but `々`, `〆` and
/// `〇`, and the full-width punctuation and digits (not letters, not
/// half-width katakana). Checked against `char::is_alphabetic` by
/// `punctuation_blocks_hold_no_letter`.
#[inline]
fn is_punctuation_block(u: u32) -> bool {
    matches!(u, 0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 | 0xFF01..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65)
}

/// [`classify`] for text decoded from `encoding`: an encoding only
/// Japanese (Korean) is written in makes a text of Han characters without
/// kana (Hangul) Japanese (Korean): `緊急 I/O 終了` in EUC-JP is not Chinese,
/// and its kanji are not Simplified Chinese to convert.
pub(crate) fn classify_decoded(text: &str, encoding: &str) -> Language {
    match (classify(text), encoding) {
        (Language::Chinese, "Shift_JIS" | "EUC-JP" | "ISO-2022-JP") => Language::Japanese,
        (Language::Chinese, "EUC-KR" | "ISO-2022-KR") => Language::Korean,
        (class, _) => class,
    }
}

/// The model a reading is judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Model {
    Chinese,
    Japanese,
    Korean,
    /// Letters of alphabetic scripts (Latin, Cyrillic, Greek...).
    Alphabetic,
}

impl Model {
    /// The models, for readings whose language is open (UTF-8, UTF-16).
    pub(crate) const ALL: [Model; 4] =
        [Model::Chinese, Model::Japanese, Model::Korean, Model::Alphabetic];

    /// What a reading that this model won is, as a class.
    pub(crate) fn is_chinese(self) -> bool {
        self == Model::Chinese
    }
}

/// The model a reading in `encoding` is judged by; `None` when the
/// encoding does not say (UTF-8, UTF-16: the best model is taken).
pub(crate) fn model_for(encoding: &'static Encoding) -> Option<Model> {
    if encoding == GB18030 || encoding == GBK || encoding == BIG5 {
        Some(Model::Chinese)
    } else if encoding == EUC_KR {
        Some(Model::Korean)
    } else if encoding == SHIFT_JIS || encoding == EUC_JP || encoding == ISO_2022_JP {
        Some(Model::Japanese)
    } else if encoding == UTF_8 || encoding == UTF_16LE || encoding == UTF_16BE {
        None
    } else {
        Some(Model::Alphabetic)
    }
}

/// What a reading under a model other than Chinese pays up front, in
/// half-bits (this is a Chinese tool: a tie goes to Chinese). Set on the
/// training packages (docs/decode-eval.md).
pub(crate) const FOREIGN_PRIOR: u64 = 8;

/// Hangul syllable costs: the committed table, mixed with a uniform share
/// over the 11,172 syllables so that a syllable the table has not seen is
/// unusual rather than impossible.
static HANGUL_TABLE: &str = include_str!("../../data/decode/hangul.txt");

/// The uniform share of the Hangul mixture.
const HANGUL_UNIFORM: f64 = 0.15;

fn hangul_costs() -> &'static [u8] {
    static COSTS: OnceLock<Vec<u8>> = OnceLock::new();
    COSTS.get_or_init(|| {
        let rows: Vec<(u32, f64)> =
            freq::counts(HANGUL_TABLE).map(|(c, n)| (c as u32, n as f64)).collect();
        let total: f64 = rows.iter().map(|r| r.1).sum::<f64>().max(1.0);
        let mut p = vec![HANGUL_UNIFORM / 11172.0; 11172];
        for (u, n) in rows {
            if let Some(slot) = u.checked_sub(0xAC00).and_then(|i| p.get_mut(i as usize)) {
                *slot += (1.0 - HANGUL_UNIFORM) * n / total;
            }
        }
        p.iter().map(|&p| (2.0 * (1.0 / p).log2()).round().clamp(1.0, 60.0) as u8).collect()
    })
}

/// The characters of a count table (`char<TAB>count`) within `range`, each
/// with its cost `2 log2(1 / share)` shifted so that the costs average
/// `average` over the text the table was counted from, rounded (and not
/// yet clamped): how the Cyrillic and kana costs are made.
fn shifted_costs(
    table: &'static str,
    range: std::ops::Range<u32>,
    average: f64,
) -> impl Iterator<Item = (u32, u16)> {
    let rows: Vec<(u32, f64)> = freq::counts(table)
        .map(|(c, n)| (c as u32, n as f64))
        .filter(|(u, _)| range.contains(u))
        .collect();
    let total: f64 = rows.iter().map(|r| r.1).sum::<f64>().max(1.0);
    let entropy: f64 = rows.iter().map(|&(_, n)| n / total * 2.0 * (total / n).log2()).sum();
    rows.into_iter()
        .map(move |(u, n)| (u, (2.0 * (total / n).log2() - entropy + average).round() as u16))
}

/// Cyrillic letters counted (lowercased), all Cyrillic-script languages of
/// the training packages pooled.
static CYRILLIC_TABLE: &str = include_str!("../../data/decode/cyrillic.txt");

/// What a lowercase Cyrillic letter costs on average over the text the
/// table was counted from: the flat cost every such letter had before the
/// table, to which the other models are tuned.
const CYRILLIC_AVERAGE: f64 = 10.0;

/// The cheapest and dearest a lowercase Cyrillic letter can cost; a letter
/// the table lacks (a letter of a language it does not cover) costs the
/// most.
const CYRILLIC_MIN: u16 = 6;
const CYRILLIC_MAX: u16 = 24;

/// The cost of each Cyrillic letter (U+0400..U+04FF, by offset; a capital
/// costs what its lowercase letter does): `2 log2(1 / share)`, shifted to average [`CYRILLIC_AVERAGE`] over the
/// table's text, within [`CYRILLIC_MIN`]..=[`CYRILLIC_MAX`]. KOI8-R,
/// windows-1251 and ISO-8859-5 put the letters at different bytes, so a
/// wrong reading among them swaps common letters for rare ones (`о` for
/// `п` or `ъ`).
fn cyrillic_costs() -> &'static [u16; 0x100] {
    static COSTS: OnceLock<[u16; 0x100]> = OnceLock::new();
    COSTS.get_or_init(|| {
        let mut lower = [CYRILLIC_MAX; 0x100];
        let shifted = shifted_costs(CYRILLIC_TABLE, 0x400..0x500, CYRILLIC_AVERAGE);
        for (u, cost) in shifted {
            lower[(u - 0x400) as usize] = cost.clamp(CYRILLIC_MIN, CYRILLIC_MAX);
        }
        // Capitals take their lowercase letter's cost.
        let mut costs = [CYRILLIC_MAX; 0x100];
        for (i, cost) in costs.iter_mut().enumerate() {
            let l = char::from_u32(0x400 + i as u32)
                .and_then(|c| c.to_lowercase().next())
                .map_or(0, |l| l as u32);
            if (0x400..0x500).contains(&l) {
                *cost = lower[(l - 0x400) as usize];
            }
        }
        costs
    })
}

/// Kana counted in the Japanese messages of the training packages.
static KANA_TABLE: &str = include_str!("../../data/decode/kana.txt");

/// What a kana costs on average over the text the table was counted from:
/// about the flat cost kana had before the table (11 for hiragana, 12 for
/// katakana), to which the other models are tuned.
const KANA_AVERAGE: f64 = 11.0;

/// The cheapest and dearest a kana can cost; one the table lacks (`ゎ`,
/// `ゐ`) costs the most.
const KANA_MIN: u16 = 6;
const KANA_MAX: u16 = 24;

/// The cost of each kana (U+3041..U+30FF, by offset from U+3040):
/// `2 log2(1 / share)`, shifted to average [`KANA_AVERAGE`] over the
/// table's text, within [`KANA_MIN`]..=[`KANA_MAX`]. Big5's commonest
/// characters (lead bytes 0xA4, 0xA5) are kana in EUC-JP, and mostly rare
/// ones: `停止` in Big5 is EUC-JP `葦ゎ`.
fn kana_costs() -> &'static [u16; 0xC0] {
    static COSTS: OnceLock<[u16; 0xC0]> = OnceLock::new();
    COSTS.get_or_init(|| {
        let mut costs = [KANA_MAX; 0xC0];
        for (u, cost) in shifted_costs(KANA_TABLE, 0x3041..0x3100, KANA_AVERAGE) {
            costs[(u - 0x3040) as usize] = cost.clamp(KANA_MIN, KANA_MAX);
        }
        costs
    })
}

/// Latin letters beyond ASCII counted per language (`lang<TAB>letter<TAB>count`,
/// `*` for all letters), from the training packages only.
static LATIN_TABLE: &str = include_str!("../../data/decode/latin.txt");

/// At most this many languages in the Latin table.
const LATIN_LANGS: usize = 32;

/// The cheapest and dearest a Latin letter beyond ASCII can cost under a
/// language: one that language's texts lack costs the most, as a symbol of
/// the Latin blocks does.
const LATIN_MIN: u16 = 8;
const LATIN_MAX: u16 = 26;

/// What an uppercase Latin letter beyond ASCII right after a lowercase one
/// adds: inside a word it is unusual.
const LATIN_UPPER_INSIDE: u64 = 8;

/// The slot of a Latin letter beyond ASCII in the cost table (Latin-1
/// letters, Extended-A and -B, Extended Additional).
#[inline]
fn latin_slot(u: u32) -> Option<usize> {
    match u {
        0xC0..=0x24F => Some((u - 0xC0) as usize),
        0x1E00..=0x1EFF => Some((u - 0x1E00) as usize + 0x190),
        _ => None,
    }
}

const LATIN_SLOTS: usize = 0x190 + 0x100;

/// What a Latin letter beyond ASCII costs on average under the language it
/// is judged by: the flat cost every such letter had before the table, to
/// which the other models are tuned.
const LATIN_AVERAGE: f64 = 14.0;

/// The Latin letter costs under each language of the Latin table, in
/// sixteenths of a half-bit.
///
/// Two kinds: `choice` costs say which language a reading is in, a
/// unigram model of all its letters (`2 log2(letters / (count + 1/2))`,
/// for the letters beyond ASCII by slot and for each ASCII letter);
/// `charge` costs are what the letters beyond ASCII cost under the chosen
/// language: `2 log2(1 / share)` of the letter among that language's
/// letters beyond ASCII, shifted so that they average [`LATIN_AVERAGE`]
/// over its text, within [`LATIN_MIN`]..=[`LATIN_MAX`]. An uppercase
/// letter costs what its lowercase does.
struct LatinCosts {
    choice: Vec<[u16; LATIN_LANGS]>,
    charge: Vec<[u16; LATIN_LANGS]>,
    ascii: [[u16; LATIN_LANGS]; 26],
    /// Whether any language of the table writes the letter of a slot.
    written: Vec<bool>,
    langs: usize,
}

/// Sixteenths of a half-bit, the unit of [`LatinCosts`].
const LATIN_SCALE: f64 = 16.0;

fn latin_costs() -> &'static LatinCosts {
    static COSTS: OnceLock<LatinCosts> = OnceLock::new();
    COSTS.get_or_init(|| {
        // (language, all letters, letters beyond ASCII)
        let mut langs: Vec<(&str, f64, f64)> = Vec::new();
        let mut counts: Vec<(usize, char, f64)> = Vec::new();
        for line in LATIN_TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let (Some(lang), Some(letter), Some(n)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Ok(n) = n.parse::<f64>() else { continue };
            match (letter, langs.iter().position(|l| l.0 == lang)) {
                ("*", None) if langs.len() < LATIN_LANGS => langs.push((lang, n.max(1.0), 0.0)),
                (_, Some(i)) => {
                    if let Some(c) = letter.chars().next() {
                        counts.push((i, c, n));
                        if !c.is_ascii() {
                            langs[i].2 += n;
                        }
                    }
                }
                _ => {}
            }
        }
        let n = langs.len();
        let bits = |count: f64, total: f64| 2.0 * (total / (count + 0.5)).log2();
        let scaled = |half_bits: f64| (half_bits * LATIN_SCALE).round() as u16;
        let clamp = |half_bits: f64| half_bits.clamp(f64::from(LATIN_MIN), f64::from(LATIN_MAX));
        // The shift of each language's charge costs: the average less the
        // entropy of its letters beyond ASCII.
        let mut shift = vec![LATIN_AVERAGE; n];
        for &(i, c, count) in &counts {
            if !c.is_ascii() && langs[i].2 > 0.0 {
                let share = count / langs[i].2;
                shift[i] -= share * bits(count, langs[i].2 + 0.5);
            }
        }
        let mut choice = vec![[0; LATIN_LANGS]; LATIN_SLOTS];
        let mut charge = vec![[0; LATIN_LANGS]; LATIN_SLOTS];
        let mut ascii = [[0; LATIN_LANGS]; 26];
        for i in 0..n {
            let (_, total, beyond) = langs[i];
            for row in choice.iter_mut().chain(ascii.iter_mut()) {
                row[i] = scaled(clamp(bits(0.0, total)));
            }
            for row in charge.iter_mut() {
                row[i] = scaled(clamp(bits(0.0, beyond.max(1.0)) + shift[i]));
            }
        }
        for &(i, c, count) in &counts {
            let (_, total, beyond) = langs[i];
            if c.is_ascii_lowercase() {
                ascii[usize::from(c as u8 - b'a')][i] = scaled(clamp(bits(count, total)));
            } else if let Some(slot) = latin_slot(c as u32) {
                choice[slot][i] = scaled(clamp(bits(count, total)));
                charge[slot][i] = scaled(clamp(bits(count, beyond) + shift[i]));
            }
        }
        // Uppercase letters take their lowercase letter's costs.
        let own = |slot: usize| {
            let u = if slot < 0x190 { slot as u32 + 0xC0 } else { slot as u32 - 0x190 + 0x1E00 };
            char::from_u32(u)
                .and_then(|c| c.to_lowercase().next())
                .and_then(|l| latin_slot(l as u32))
                .unwrap_or(slot)
        };
        let mut written = vec![false; LATIN_SLOTS];
        for &(_, c, count) in &counts {
            if let Some(slot) = latin_slot(c as u32).filter(|_| count > 0.0) {
                written[slot] = true;
            }
        }
        let choice = (0..LATIN_SLOTS).map(|slot| choice[own(slot)]).collect();
        let charge = (0..LATIN_SLOTS).map(|slot| charge[own(slot)]).collect();
        let written = (0..LATIN_SLOTS).map(|slot| written[own(slot)]).collect();
        LatinCosts { choice, charge, ascii, written, langs: n }
    })
}

/// Costs shared by every model: whitespace, ASCII, controls, U+FFFD.
#[inline]
fn common_cost(u: u32) -> Option<u16> {
    match u {
        0x09 | 0x0A | 0x0D | 0x20 => Some(6),
        0x21..=0x7E => Some(10),
        0x00..=0x1F | 0x7F..=0x9F => Some(60),
        0xFFFD => Some(80),
        _ => None,
    }
}

#[inline]
fn is_han(u: u32) -> bool {
    matches!(u, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Letter and case bits of U+0000..U+052F (ASCII, Latin, Greek,
/// Cyrillic), for [`is_alpha`], [`is_upper`] and `Scorer::note_case`: the alphabetic
/// model asks them of every character, and the standard library's lookups
/// beyond ASCII were a fifth of the instructions spent on a small GBK
/// file (whose Cyrillic readings are all letters).
fn letter_info(c: char) -> u8 {
    static TABLE: OnceLock<[u8; 0x530]> = OnceLock::new();
    let u = c as usize;
    if u >= 0x530 {
        return info_of(c);
    }
    TABLE.get_or_init(|| {
        let mut t = [0; 0x530];
        for (u, bits) in t.iter_mut().enumerate() {
            *bits = char::from_u32(u as u32).map_or(0, info_of);
        }
        t
    })[u]
}

const ALPHA: u8 = 1;
const UPPER: u8 = 2;
const LOWER: u8 = 4;

fn info_of(c: char) -> u8 {
    (if c.is_alphabetic() { ALPHA } else { 0 })
        | (if c.is_uppercase() { UPPER } else { 0 })
        | (if c.is_lowercase() { LOWER } else { 0 })
}

fn is_alpha(c: char) -> bool {
    letter_info(c) & ALPHA != 0
}

fn is_upper(c: char) -> bool {
    letter_info(c) & UPPER != 0
}

/// The cost of `c` under `model` (`prev_lower`, `prev_upper`: the character
/// before was a lowercase, an uppercase letter, for the alphabetic model's
/// case checks).
#[inline]
fn char_cost(model: Model, c: char, prev_lower: bool, prev_upper: bool) -> u16 {
    let u = c as u32;
    if model == Model::Chinese {
        return freq::char_cost(c);
    }
    if let Some(cost) = common_cost(u) {
        return cost;
    }
    match model {
        Model::Chinese => unreachable!(),
        Model::Korean => match u {
            0xAC00..=0xD7A3 => u16::from(hangul_costs()[(u - 0xAC00) as usize]),
            // Hanja: possible, rare in modern Korean.
            _ if is_han(u) => freq::char_cost(c).saturating_add(12),
            0x3131..=0x318E => 30,
            0x3000..=0x303F | 0xFF01..=0xFF5E | 0x2010..=0x2027 | 0x00B7 => 16,
            _ => 50,
        },
        Model::Japanese => match u {
            0x3041..=0x30FF => kana_costs()[(u - 0x3040) as usize],
            // Half-width katakana: what Chinese bytes become in Shift_JIS.
            0xFF61..=0xFF9F => 28,
            // Kanji: the Chinese table is the proxy; shinjitai it lacks are
            // ordinary in Japanese.
            _ if is_han(u) => freq::char_cost(c).saturating_add(4).min(30),
            0x3000..=0x303F | 0x2010..=0x2027 | 0x00B7 => 14,
            0xFF01..=0xFF5E => 20,
            _ => 50,
        },
        Model::Alphabetic => match u {
            0xA0 => 12,
            // An uppercase letter inside a word is unusual. Greek and
            // Cyrillic letters are the whole text, like ASCII letters in
            // English; Latin letters beyond ASCII are a minority of theirs.
            // Capitals elsewhere are a minority too (a sentence's first
            // letter, an acronym): KOI8-R, windows-1251 and ISO-8859-5 put
            // the two cases in each other's places, so a wrong reading
            // among them turns lowercase text into capitals, letter for
            // letter, and pays for it here.
            0x0370..=0x04FF if is_alpha(c) => {
                let letter = if u >= 0x400 { cyrillic_costs()[(u - 0x400) as usize] } else { 10 };
                if !is_upper(c) || prev_upper {
                    letter
                } else if prev_lower {
                    letter + 14
                } else {
                    letter + CAPITAL
                }
            }
            _ if u < 0x3000 && !is_han(u) && is_alpha(c) => {
                if prev_lower && is_upper(c) {
                    22
                } else {
                    14
                }
            }
            // `№` comes before a number, not after a letter: there it is
            // ISO-8859-5 reading a Latin letter (`ure№aj` for `uređaj`).
            0x2116 if prev_lower => 46,
            // `´` too: typed for an apostrophe (`don´t`); in ISO-8859-15
            // its byte is `Ž`.
            0xAB
            | 0xBB
            | 0x2013
            | 0x2014
            | 0x2018..=0x201E
            | 0x2026
            | 0xB0
            | 0xA7
            | 0x2116
            | 0xB4 => 16,
            // Spanish opening marks (`¿Está`, `¡no`): in windows-1250 they
            // are `ż` and a caron.
            0xA1 | 0xBF => 16,
            // Fractions and spacing diacritics follow digits or stand alone;
            // right after a lowercase letter they are ISO-8859-15 letters
            // read as windows-1252 (`c½ur` for `cœur`, `¨` for `š`).
            0xA8 | 0xB8 | 0xBC..=0xBE if prev_lower => 46,
            _ if u < 0x2100 => 30,
            _ => 60,
        },
    }
}

/// What a Greek or Cyrillic capital costs under the alphabetic model more
/// than its lowercase letter at the start of a word (after a lowercase
/// letter, 14; after a capital, in a word written in capitals, nothing).
const CAPITAL: u16 = 2;

/// A Han character between two ASCII letters (`f黵r`): what Latin text
/// read as GBK or Big5 is made of, and rare in Chinese (`A股B股`), so the
/// Chinese model adds this much; the Korean model adds as much for a
/// Hangul syllable between two ASCII letters (`OPǃO` read as EUC-KR), the
/// Japanese model for a kanji or half-width katakana (`op鍊es` from
/// Latin-1 read as Shift_JIS).
const HAN_AMID_LETTERS: u64 = 16;

/// What a mark of punctuation beyond ASCII right before a lowercase ASCII
/// letter adds under the Chinese model (see [`Scorer::feed`]): 10 bits,
/// for one mark in 940 in the Simplified corpus of the evaluation (`：www`;
/// none in the Traditional one), and what Big5 makes of Spanish `¡` and
/// `¿` before a word.
const PUNCT_BEFORE_LOWERCASE: u64 = 20;

/// What a Han character next to an ASCII letter on one side adds under the
/// Chinese model (see [`Scorer::feed`]).
const HAN_NEXT_TO_LETTER: u64 = 8;

/// What a Hangul syllable right before an ASCII letter adds under the
/// Korean model: 12 bits, for none in the 70,737 syllables of the Korean
/// messages of the training packages (a particle comes after an ASCII
/// word, `Python은`, never before one).
const HANGUL_BEFORE_LETTER: u64 = 24;

/// The running cost of a reading under one model, fed the text piece by
/// piece (so that a reading can be dropped as soon as it is out of the
/// running, see [`Scorer::over`]); the total does not depend on where the
/// pieces are cut.
pub(crate) struct Scorer {
    model: Model,
    /// The cost so far (the prior included), but for the Latin letters
    /// beyond ASCII of the alphabetic model (see [`Scorer::cost`]).
    cost: u64,
    /// How many non-ASCII characters so far.
    chars: u64,
    /// What those cost (the same exception).
    high: u64,
    prev_lower: bool,
    /// Alphabetic model: the previous character is an uppercase letter.
    prev_upper: bool,
    /// The character before the previous one is an ASCII letter.
    letter_before: bool,
    /// Chinese model: the previous character, if it is beyond ASCII and not
    /// Han (whether it is a letter is asked only when it matters).
    prev_other: Option<char>,
    /// Alphabetic model: what the Latin letters beyond ASCII cost so far
    /// under each language of the Latin table, as a charge.
    latin: [u32; LATIN_LANGS],
    /// What all the Latin letters cost so far under each language as a
    /// choice of language (see [`LatinCosts`]).
    choice: [u32; LATIN_LANGS],
    /// What the ASCII letters alone cost so far under each language as a
    /// choice of language.
    ascii_choice: [u32; LATIN_LANGS],
    /// Alphabetic model: a Latin letter that no language of the table
    /// writes came up.
    unwritten: bool,
    /// Alphabetic model: the script of the previous character when it was
    /// a letter (see [`script`]).
    prev_script: Option<Script>,
    /// Alphabetic model: the script of the last letter so far.
    last_script: Option<Script>,
    /// Alphabetic model: how many letters the current word has so far, and
    /// whether its script is not the one of the word before.
    word_len: u32,
    word_switched: bool,
    /// Alphabetic model: the current word's first letter.
    word_first: char,
    /// Alphabetic model: the previous character is a lowercase Latin
    /// letter beyond ASCII.
    prev_beyond_lower: bool,
    /// The previous character is Han (Hangul for the Korean model) and
    /// came after an ASCII letter.
    han_after_letter: bool,
    /// Chinese model: the previous character is Han.
    prev_han: bool,
    /// The previous character is `%`.
    prev_percent: bool,
}

/// The scripts the alphabetic model tells apart inside a word.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
}

/// The script of a letter of the alphabetic model, `None` for anything
/// else.
#[inline]
fn script(c: char) -> Option<Script> {
    match c as u32 {
        _ if c.is_ascii_alphabetic() => Some(Script::Latin),
        0xC0..=0x24F | 0x1E00..=0x1EFF if is_alpha(c) => Some(Script::Latin),
        0x370..=0x3FF if is_alpha(c) => Some(Script::Greek),
        0x400..=0x52F if is_alpha(c) => Some(Script::Cyrillic),
        _ => None,
    }
}

/// What a letter of another script right after a letter adds under the
/// alphabetic model (`lнnea`: Latin text read as windows-1251).
const MIXED_SCRIPT: u64 = 16;

/// What a word of one letter adds when the word before was in another
/// script (a Cyrillic `и` between Italian words: `è` read as
/// windows-1251). Longer words of another script are usual (`--date=СТРОКА`).
const MIXED_SCRIPT_WORD: u64 = 8;

/// The most [`Scorer::mismatch`] says, 8 bits: a text can mix languages
/// (a French name in German text), and a unigram model of a few dozen
/// ASCII letters tells close languages apart only so well. Past this the
/// letters beyond ASCII decide alone.
pub(crate) const LANGUAGE_MISMATCH: u64 = 16;

/// What a word made of one Latin letter beyond ASCII adds under the
/// alphabetic model, unless the letter is one of [`LONE_LETTER_WORDS`]:
/// such a word is rare in every language of the table, and it is what
/// punctuation becomes in a wrong single-byte reading (`«\u{a0}%s\u{a0}»`
/// read as ISO-8859-2 is `Ť\u{a0}%s\u{a0}ť`).
const LONE_LETTER: u64 = 16;

/// Letters beyond ASCII that are words on their own in a language of the
/// table: `à` (French, Portuguese), `è` (Italian), `é` (Portuguese), `ó`
/// (Spanish, between numbers), `ő` (Hungarian), `á` `í` `ú` (Icelandic,
/// Irish), `ö` `å` (Swedish), `ù`, with their capitals (a sentence can
/// start with one).
const LONE_LETTER_WORDS: &str = "àáèéíóőöùúåÀÁÈÉÍÓŐÖÙÚÅ";

impl Scorer {
    /// A scorer for `model`, with nothing fed yet.
    pub(crate) fn new(model: Model) -> Scorer {
        Scorer {
            model,
            cost: if model == Model::Chinese { 0 } else { FOREIGN_PRIOR },
            chars: 0,
            high: 0,
            prev_lower: false,
            prev_upper: false,
            letter_before: false,
            prev_other: None,
            han_after_letter: false,
            prev_han: false,
            prev_percent: false,
            latin: [0; LATIN_LANGS],
            choice: [0; LATIN_LANGS],
            ascii_choice: [0; LATIN_LANGS],
            unwritten: false,
            prev_script: None,
            last_script: None,
            word_len: 0,
            word_switched: false,
            word_first: ' ',
            prev_beyond_lower: false,
        }
    }

    /// Alphabetic model: remembers the case of `c` for the next character.
    fn note_case(&mut self, c: char) {
        let info = letter_info(c);
        self.prev_lower = info & LOWER != 0;
        self.prev_upper = info & UPPER != 0;
    }

    /// Adds the cost of `text`, the next piece of the reading.
    pub(crate) fn feed(&mut self, text: &str) {
        for c in text.chars() {
            // The letter of a printf directive (`%s`) is no letter of a
            // word: `%sНеож` and `%s现` glue no Latin word to what follows.
            let directive =
                std::mem::replace(&mut self.prev_percent, c == '%') && c.is_ascii_alphabetic();
            if self.model == Model::Alphabetic {
                let now = if directive { None } else { script(c) };
                let mut k = 0;
                match (self.prev_script, now) {
                    (None, Some(b)) => {
                        // A word starts.
                        self.word_len = 0;
                        self.word_switched = self.last_script.is_some_and(|a| a != b);
                        self.word_first = c;
                    }
                    (Some(a), Some(b)) if a != b => k += MIXED_SCRIPT,
                    (Some(_), None) if self.word_len == 1 => {
                        if self.word_switched {
                            k += MIXED_SCRIPT_WORD;
                        }
                        let first = self.word_first;
                        if latin_slot(first as u32).is_some() && !LONE_LETTER_WORDS.contains(first)
                        {
                            k += LONE_LETTER;
                        }
                    }
                    _ => {}
                }
                if now.is_some() {
                    self.word_len += 1;
                }
                self.cost += k;
                self.high += k;
                self.prev_script = now;
                if now.is_some() {
                    self.last_script = now;
                }
            }
            if self.model == Model::Alphabetic
                && let Some(slot) = latin_slot(c as u32)
                && is_alpha(c)
            {
                let k = if self.prev_lower && is_upper(c) { LATIN_UPPER_INSIDE } else { 0 };
                self.cost += k;
                self.high += k;
                self.chars += 1;
                let table = latin_costs();
                let n = table.langs;
                self.unwritten |= !table.written[slot];
                for (sum, &x) in self.latin[..n].iter_mut().zip(&table.charge[slot][..n]) {
                    *sum += u32::from(x);
                }
                for (sum, &x) in self.choice[..n].iter_mut().zip(&table.choice[slot][..n]) {
                    *sum += u32::from(x);
                }
                self.note_case(c);
                self.prev_beyond_lower = self.prev_lower;
                continue;
            }
            if self.model == Model::Alphabetic && c.is_ascii_alphabetic() {
                // `żEstá` (`¿Está` read as windows-1250): an ASCII capital
                // right after a lowercase letter beyond ASCII. (After an
                // ASCII one it is camel case, usual in identifiers.)
                if self.prev_beyond_lower && c.is_ascii_uppercase() {
                    self.cost += LATIN_UPPER_INSIDE;
                    self.high += LATIN_UPPER_INSIDE;
                }
                let table = latin_costs();
                let n = table.langs;
                let row = &table.ascii[usize::from(c.to_ascii_lowercase() as u8 - b'a')];
                for (sum, &x) in self.choice[..n].iter_mut().zip(&row[..n]) {
                    *sum += u32::from(x);
                }
                for (sum, &x) in self.ascii_choice[..n].iter_mut().zip(&row[..n]) {
                    *sum += u32::from(x);
                }
            }
            let k = u64::from(char_cost(self.model, c, self.prev_lower, self.prev_upper));
            self.cost += k;
            if !c.is_ascii() {
                self.chars += 1;
                self.high += k;
            }
            if self.model != Model::Alphabetic {
                let letter = c.is_ascii_alphabetic() && !directive;
                if self.han_after_letter && letter {
                    self.cost += HAN_AMID_LETTERS;
                    self.high += HAN_AMID_LETTERS;
                }
                let own = match self.model {
                    Model::Korean => matches!(c as u32, 0xAC00..=0xD7A3),
                    // Japanese: a kanji or a half-width katakana, what
                    // Latin-1 letter pairs (`çõ` in `opções`) and single
                    // bytes become in Shift_JIS.
                    Model::Japanese => is_han(c as u32) || matches!(c as u32, 0xFF61..=0xFF9F),
                    _ => is_han(c as u32),
                };
                // Chinese: a Han character right after an ASCII letter, or
                // right before one, costs `HAN_NEXT_TO_LETTER` once
                // (`test體`, `鑑kaj`: a Latin letter and the ASCII letter
                // after it read as one pair); between two letters it costs
                // `HAN_AMID_LETTERS` on top. Real Chinese glues Han to ASCII
                // words too (`用Python编程`), but has many more Han
                // characters to carry it. (Korean glues particles to ASCII
                // words, `Python은`, and Japanese too, `Pythonの`, so only
                // their between case counts.)
                if self.model == Model::Chinese
                    && ((own && self.letter_before)
                        || (letter && self.prev_han && !self.han_after_letter))
                {
                    self.cost += HAN_NEXT_TO_LETTER;
                    self.high += HAN_NEXT_TO_LETTER;
                }
                // Korean: a syllable right before an ASCII letter (`에No`,
                // Spanish `¿¡No` read as EUC-KR). Particles follow ASCII
                // words; nothing Korean precedes one without a space.
                if self.model == Model::Korean && letter && self.prev_han {
                    self.cost += HANGUL_BEFORE_LETTER;
                    self.high += HANGUL_BEFORE_LETTER;
                }
                // A mark of Chinese punctuation right before a lowercase
                // ASCII letter (`；ormato`, `‥a`): what Big5 and GBK make of
                // a sign that begins a Latin word (`¡Formato`, `¡La`) and
                // takes the word's first letter for its second byte.
                if c.is_ascii_lowercase() && self.prev_other.is_some_and(|p| !is_alpha(p)) {
                    self.cost += PUNCT_BEFORE_LOWERCASE;
                    self.high += PUNCT_BEFORE_LOWERCASE;
                }
                self.prev_other =
                    (self.model == Model::Chinese && !c.is_ascii() && !own).then_some(c);
                self.han_after_letter = self.letter_before && own;
                self.prev_han = own;
                self.letter_before = letter;
            }
            // Only the alphabetic model asks (and the Unicode lookup is a
            // good part of the cost of scoring a Chinese reading).
            if self.model == Model::Alphabetic {
                // A directive's letter has no case either (`%sНеож`: the
                // capital starts a word).
                self.note_case(if directive { ' ' } else { c });
                self.prev_beyond_lower = false;
            }
        }
    }

    /// Whether the cost has reached `limit`: costs only grow, so the whole
    /// reading costs at least that much. The Latin letters count at their
    /// floor, so this may say no where [`cost`](Self::cost) would say yes,
    /// never the other way round.
    pub(crate) fn over(&self, limit: u64) -> bool {
        self.cost + self.latin_floor() >= limit
    }

    /// What the Latin letters beyond ASCII cost under the language that
    /// explains all the letters best (the ASCII letters only choose the
    /// language); 0 when there were none.
    fn latin(&self) -> u64 {
        if self.model != Model::Alphabetic {
            return 0;
        }
        let table = latin_costs();
        let n = table.langs;
        let best = (0..n).min_by_key(|&i| self.latin[i] + self.choice[i]);
        best.map_or(0, |i| u64::from(self.latin[i]) / LATIN_SCALE as u64)
    }

    /// Alphabetic model: how much worse the ASCII letters fit the language
    /// that explains all the letters best than the language they fit best
    /// alone, at most [`LANGUAGE_MISMATCH`]; that much when a Latin letter
    /// no language of the table writes came up. `None` when the reading has
    /// no Latin letter beyond ASCII. Only readings of the same bytes
    /// compare by it (see `detect::guess_legacy_with`).
    pub(crate) fn mismatch(&self) -> Option<u64> {
        if self.model != Model::Alphabetic {
            return None;
        }
        let n = latin_costs().langs;
        let best = (0..n).min_by_key(|&i| self.latin[i] + self.choice[i])?;
        if self.latin[best] == 0 {
            return None;
        }
        if self.unwritten {
            return Some(LANGUAGE_MISMATCH);
        }
        let floor = self.ascii_choice[..n].iter().copied().min().unwrap_or(0);
        Some(
            (u64::from(self.ascii_choice[best] - floor) / LATIN_SCALE as u64)
                .min(LANGUAGE_MISMATCH),
        )
    }

    /// A lower bound of [`latin`](Self::latin) that never falls as text is
    /// fed: the cheapest letters under any language.
    fn latin_floor(&self) -> u64 {
        if self.model != Model::Alphabetic {
            return 0;
        }
        let n = latin_costs().langs;
        u64::from(self.latin[..n].iter().copied().min().unwrap_or(0)) / LATIN_SCALE as u64
    }

    /// The cost so far (the prior included).
    pub(crate) fn cost(&self) -> u64 {
        self.cost + self.latin()
    }
}

/// The cost of `text` under `model` (the prior included), how many
/// non-ASCII characters it has, and what those cost.
pub(crate) fn cost_as(model: Model, text: &str) -> (u64, u64, u64) {
    let mut scorer = Scorer::new(model);
    scorer.feed(text);
    (scorer.cost(), scorer.chars, scorer.high + scorer.latin())
}

/// The cheapest model for `text` (a reading whose language is open), with
/// its cost, non-ASCII character count and their cost.
pub(crate) fn best_model(text: &str) -> (Model, u64, u64, u64) {
    let mut best = (Model::Chinese, u64::MAX, 0, 0);
    for model in Model::ALL {
        let (cost, chars, high) = cost_as(model, text);
        if cost < best.1 {
            best = (model, cost, chars, high);
        }
    }
    best
}

/// [`reading_cost`] and the reading's [`Scorer::mismatch`].
pub(crate) fn reading_cost_mismatch(
    encoding: &'static Encoding,
    text: &str,
) -> ((Model, u64, u64, u64), Option<u64>) {
    match model_for(encoding) {
        Some(model) => {
            let mut scorer = Scorer::new(model);
            scorer.feed(text);
            ((model, scorer.cost(), scorer.chars, scorer.high + scorer.latin()), scorer.mismatch())
        }
        None => (best_model(text), None),
    }
}

/// The cost of a reading in `encoding`: under its model, or the best one.
pub(crate) fn reading_cost(encoding: &'static Encoding, text: &str) -> (Model, u64, u64, u64) {
    match model_for(encoding) {
        Some(model) => {
            let (cost, chars, high) = cost_as(model, text);
            (model, cost, chars, high)
        }
        None => best_model(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("中华人民共和国成立了"), Language::Chinese);
        assert_eq!(classify("パッケージを削除しなければなりません"), Language::Japanese);
        assert_eq!(classify("서버에서 읽는데 오류가 발생했습니다"), Language::Korean);
        assert_eq!(classify("impossible de supprimer le fichier de dépôt"), Language::Latin);
        assert_eq!(classify("Следующие пакеты настроены"), Language::Cyrillic);
        assert_eq!(classify("plain ASCII 123"), Language::Undetermined);
        // Mostly kanji, two kana in twelve: Japanese.
        assert_eq!(classify("不正形式の密度引数: %s\n不正形式の "), Language::Japanese);
        // The encoding decides a text of kanji alone that Traditional
        // Chinese could write.
        assert_eq!(classify("緊急 I/O 終了"), Language::Chinese);
        assert_eq!(classify_decoded("緊急 I/O 終了", "EUC-JP"), Language::Japanese);
        assert_eq!(classify_decoded("緊急 I/O 終了", "GB18030"), Language::Chinese);
        // Unless it mixes the two Chinese scripts (`緊` is Traditional,
        // `状` Simplified), in forms Japanese writes.
        assert_eq!(classify("緊急 I/O 状"), Language::Japanese);
        assert_eq!(classify("終了状態"), Language::Japanese);
        // A Simplified text with one Traditional character is Chinese when
        // it holds a form Japanese does not write (`较`, `录`).
        assert_eq!(classify("当比较目录時"), Language::Chinese);
        assert_eq!(classify("时间状態"), Language::Chinese);
        // Or a Traditional form that Japanese replaces by a shinjitai
        // (`說`, Japanese `説`), or one that is no common kanji (`們`).
        assert_eq!(classify("說明状態"), Language::Chinese);
        assert_eq!(classify("我們的状態"), Language::Chinese);
        assert_eq!(classify_decoded("緊急 I/O 状", "GB18030"), Language::Japanese);
        assert_eq!(classify_decoded("漢字", "EUC-KR"), Language::Korean);
        assert_eq!(
            classify("他说「すごい」然后走了，大家都笑了起来，这件事就这样过去了"),
            Language::Chinese
        );
        assert!(Language::Undetermined.chinese_rules() && !Language::Japanese.chinese_rules());
    }

    #[test]
    fn one_sign_of_japanese_is_enough_in_a_short_text() {
        // One kana other than の, in a few kanji.
        assert_eq!(classify("関数作成時に `-"), Language::Japanese);
        assert_eq!(classify("属性:\n属性\n利用可能な"), Language::Japanese);
        assert_eq!(classify("致命的: `$' は awk 形式内"), Language::Japanese);
        assert_eq!(classify("超好吃の蛋糕"), Language::Chinese);
        // Nor is `の` beside kanji that Chinese shares, or beside a
        // Simplified form that classical poems write too (`东`, `个`):
        // Chinese web text writes it so, and classing such a record
        // Japanese would skip its conversion and punctuation.
        for text in ["我の世界", "东京の夜", "一个人の旅行", "学生の日常", "初恋の味道"]
        {
            assert_eq!(classify(text), Language::Chinese, "{text}");
        }
        // Kana in a kaomoji are not Japanese.
        assert_eq!(classify("太好了ヽ(✿ﾟ▽ﾟ)ノ"), Language::Chinese);
        assert_eq!(classify("我也不知道¯\\_(ツ)_/¯"), Language::Chinese);
        // One shinjitai that classical poems do not write.
        assert_eq!(classify("内部 gzip 読"), Language::Japanese);
        // One that they do write stays Chinese, short or not.
        assert_eq!(classify("白髪三千丈"), Language::Chinese);
        // Past sixteen Han characters one modern shinjitai is not enough.
        assert_eq!(classify("我们今天在北京开会讨论了这个问题的解决办法読"), Language::Chinese);
        // One kana in a long Chinese text changes nothing.
        assert_eq!(classify("我们今天在北京开会讨论了这个问题的办法ア"), Language::Chinese);
    }

    #[test]
    fn punctuation_blocks_hold_no_letter() {
        let mut n = 0;
        for u in 0..=0x10FFFFu32 {
            if let Some(c) = char::from_u32(u).filter(|_| is_punctuation_block(u)) {
                assert!(!c.is_alphabetic(), "{c:?}");
                n += 1;
            }
        }
        assert_eq!(n, 191);
    }

    #[test]
    fn the_letter_of_a_printf_directive_is_not_a_letter_of_a_word() {
        // `%sНеож`: no Latin word runs into the Cyrillic one, which costs
        // no more than after a space (which costs itself).
        let alpha = |t: &str| cost_as(Model::Alphabetic, t).0;
        assert!(alpha("%sНеож") < alpha("%s Неож"));
        assert!(alpha("sНеож") > alpha("s Неож"));
        // `%s现`: no Han character glued to an ASCII word.
        let zh = |t: &str| cost_as(Model::Chinese, t).0;
        assert!(zh("%s现在") < zh("%s 现在"));
        assert!(zh("s现在") > zh("s 现在"));
    }

    #[test]
    fn a_letter_that_changes_the_language_pays_a_mismatch() {
        let mismatch = |t: &str| {
            let mut scorer = Scorer::new(Model::Alphabetic);
            scorer.feed(t);
            scorer.mismatch()
        };
        // `è` makes Slovenian ASCII Italian (or French); `č` keeps it
        // Slovenian.
        let (wrong, right) = (
            mismatch("ni bilo mogoè prebrati podatkov"),
            mismatch("ni bilo mogoč prebrati podatkov"),
        );
        assert!(wrong.unwrap() > right.unwrap(), "{wrong:?} {right:?}");
        // No Latin letter beyond ASCII: nothing to say.
        assert_eq!(mismatch("plain ascii words"), None);
        assert_eq!(mismatch("Не удалось открыть"), None);
        // A letter no language of the table writes (Latvian `ā`).
        assert_eq!(mismatch("parāmetro"), Some(LANGUAGE_MISMATCH));
    }

    #[test]
    fn a_hangul_syllable_before_an_ascii_letter_costs_more() {
        let cost = |t: &str| cost_as(Model::Korean, t).0;
        // `¿¡No` read as EUC-KR.
        assert!(cost("에No") >= cost("에 No") + HANGUL_BEFORE_LETTER / 2);
        // A particle after an ASCII word is not charged.
        assert!(cost("Python은") <= cost("Python 은"));
    }

    #[test]
    fn each_reading_is_cheapest_under_its_own_model() {
        for (text, model) in [
            ("서버에서 읽는데 오류가 발생했습니다", Model::Korean),
            ("パッケージを削除しなければなりません", Model::Japanese),
            ("显著下降的经济增长", Model::Chinese),
            ("Nie udało się wykonać operacji", Model::Alphabetic),
        ] {
            assert_eq!(best_model(text).0, model, "{text}");
        }
    }

    #[test]
    fn latin_letters_are_weighed_under_the_language_that_explains_them() {
        let cost = |s: &str| cost_as(Model::Alphabetic, s).0;
        // Hungarian: ő and ű, not the õ and û the same bytes are in windows-1252.
        assert!(cost("ellenőrző fűtés") < cost("ellenõrzõ fûtés"));
        // Portuguese: õ beside ã and ç.
        assert!(cost("as opções de configuração") < cost("as opcőes de configuraciőn"));
        // A Cyrillic letter inside a Latin word, or a Cyrillic word between
        // Italian ones: Latin text read as windows-1251.
        assert!(cost("fin de línea") < cost("fin de lнnea"));
        assert!(cost("il file è vuoto e non è pronto") < cost("il file и vuoto e non и pronto"));
        // The ASCII letters say the text is Italian, where è is usual and
        // Czech č is not.
        assert!(
            cost("il file è vuoto, la copia non è riuscita e il lavoro è fermo")
                < cost("il file č vuoto, la copia non č riuscita e il lavoro č fermo")
        );
    }

    #[test]
    fn the_hangul_table_makes_common_syllables_cheap() {
        let c = |s: char| hangul_costs()[(s as u32 - 0xAC00) as usize];
        assert!(c('다') < c('뷁'), "{} {}", c('다'), c('뷁'));
    }
}
