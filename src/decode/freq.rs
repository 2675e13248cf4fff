//! How Chinese a piece of decoded text looks: a cost per character taken
//! from a committed character frequency table.
//!
//! Detectors are weak on short inputs (a title of four hanzi is eight bytes
//! that read as GBK, Big5, EUC-KR or UTF-16 alike). Decoding every
//! candidate and asking which reading uses common characters settles most
//! of those cases. The cost of a character is about twice its
//! information content in bits (`2 * log2(1 / p)`), so the total cost of a
//! reading is a log-likelihood and readings of the same bytes compare by
//! their totals. The table (`data/decode/charfreq.txt`) is derived from
//! jieba's dictionary; see `data/decode/SOURCE.md`.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The table: one line per character, `char<TAB>count`, most common first.
static TABLE: &str = include_str!("../../data/decode/charfreq.txt");

/// Cost of a CJK ideograph missing from the table (rarer than anything in it).
const UNKNOWN_HAN: u16 = 54;
/// Cost of common CJK and general punctuation (`，。、“”《》…—`): about as
/// common as a frequent hanzi, which the table (words only) does not know.
const PUNCT: u16 = 14;
/// Cost of a printable ASCII character (5 bits: ASCII is a minority in
/// Chinese text, and random ASCII is what wrong readings are full of).
const ASCII: u16 = 10;
/// Cost of a letter from another script (kana, hangul, Latin with
/// diacritics, Greek, Cyrillic): possible in Chinese text, but unusual.
const FOREIGN: u16 = 34;
/// Cost of symbols, private-use characters and controls: what wrong
/// readings are made of.
const JUNK: u16 = 60;
/// Cost of one undecodable byte sequence (U+FFFD): a reading that needs
/// replacements is very likely the wrong one.
const MALFORMED: u16 = 80;

const HAN_START: u32 = 0x3400;
const HAN_END: u32 = 0x9FFF;

struct Freq {
    /// Costs of U+3400..=U+9FFF, the block nearly all text uses.
    han: Vec<u8>,
    /// Costs of table characters outside that block.
    other: HashMap<char, u8>,
}

/// The rows of a committed `char<TAB>count` table (`#` lines are
/// comments): this one, and the Hangul and Cyrillic tables of `lang.rs`.
pub(super) fn counts(table: &'static str) -> impl Iterator<Item = (char, u64)> {
    table.lines().filter(|l| !l.starts_with('#')).filter_map(|l| {
        let (c, n) = l.split_once('\t')?;
        Some((c.chars().next()?, n.parse().ok()?))
    })
}

fn freq() -> &'static Freq {
    static FREQ: OnceLock<Freq> = OnceLock::new();
    FREQ.get_or_init(|| {
        let rows: Vec<(char, u64)> = counts(TABLE).collect();
        let total: f64 = rows.iter().map(|&(_, n)| n as f64).sum();
        let mut han = vec![UNKNOWN_HAN as u8; (HAN_END - HAN_START + 1) as usize];
        let mut other = HashMap::new();
        for (c, n) in rows {
            let cost = (2.0 * (total / n.max(1) as f64).log2()).round();
            let cost = cost.clamp(1.0, f64::from(UNKNOWN_HAN - 2)) as u8;
            let u = c as u32;
            if (HAN_START..=HAN_END).contains(&u) {
                han[(u - HAN_START) as usize] = cost;
            } else {
                other.insert(c, cost);
            }
        }
        Freq { han, other }
    })
}

/// The cost of one character.
#[inline]
pub(crate) fn char_cost(c: char) -> u16 {
    let u = c as u32;
    match u {
        // ASCII is not free: a wrong reading as UTF-16 or a single-byte
        // encoding makes more characters of the same bytes than a right
        // reading, and would otherwise win on its stray ASCII letters.
        0x09 | 0x0A | 0x0D | 0x20 => 6,
        0x21..=0x7E => ASCII,
        0x00..=0x1F | 0x7F..=0x9F => JUNK,
        HAN_START..=HAN_END => u16::from(freq().han[(u - HAN_START) as usize]),
        0xFFFD => MALFORMED,
        0x3000..=0x303F | 0xFF00..=0xFF65 | 0x2010..=0x2027 | 0x2030..=0x203B | 0x00B7 => PUNCT,
        0xF900..=0xFAFF | 0x20000..=0x3FFFF => match freq().other.get(&c) {
            Some(&n) => u16::from(n),
            None => UNKNOWN_HAN,
        },
        0x00C0..=0x024F | 0x0370..=0x04FF | 0x3040..=0x30FF | 0xAC00..=0xD7A3 => FOREIGN,
        _ => match freq().other.get(&c) {
            Some(&n) => u16::from(n),
            None => JUNK,
        },
    }
}

/// The total cost of `text`, where each U+FFFD stands for an undecodable
/// sequence: lower is more plausible Chinese. Only comparable between
/// readings of the same bytes.
#[cfg(test)]
pub(crate) fn cost(text: &str) -> u64 {
    text.chars().map(|c| u64::from(char_cost(c))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_hanzi_cost_less_than_rare_ones() {
        assert!(char_cost('的') < char_cost('鬯'));
        assert!(char_cost('國') < UNKNOWN_HAN, "Traditional forms are in the table");
        assert!(char_cost('发') < 30 && char_cost('髮') < UNKNOWN_HAN);
        assert!(char_cost('a') < char_cost('的'));
        assert_eq!(char_cost('\u{E000}'), JUNK);
    }

    #[test]
    fn right_reading_of_a_title_beats_wrong_ones() {
        let bytes = b"\xCF\xD4\xD6\xF8\xCF\xC2\xBD\xB5";
        let (gbk, _, _) = encoding_rs::GBK.decode(bytes);
        let (big5, _, _) = encoding_rs::BIG5.decode(bytes);
        assert_eq!(gbk, "显著下降");
        assert!(cost(&gbk) < cost(&big5), "{gbk} vs {big5}");
    }
}
