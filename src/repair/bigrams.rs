//! A small character bigram model of Chinese, for the one mojibake case
//! where character frequency alone cannot decide: Big5 read as GBK and the
//! reverse (see `mojibake::repair_dbcs_pair`). Between those two encodings
//! nearly every code is valid in both, and common codes of one are common
//! characters of the other, so a cross-read run is made of characters that
//! are individually plausible. What it lacks is *sequence*: recovered text
//! reads as words (`本报`, `记者`), a chance decode of real text does not
//! (`惆悵` read back gives `报保`, two common characters that never meet).
//!
//! Data: `data/repair/bigrams.txt` (built by `scripts/repair/build_bigrams.py`
//! from the even lines of People's Daily 1998-01; the odd lines are the
//! evaluation's source text). Traditional characters are looked up through
//! OpenCC's character table read backwards, so that Big5 text is scored
//! with the same counts.
//!
//! The model: `p(b | a) = λ·c(ab)/c(a) + (1-λ)·p(b)`, `p(b)` the add-half
//! unigram estimate. Only non-ASCII characters are modelled; ASCII breaks
//! the context.

use std::sync::OnceLock;

use super::bigram_model::{LAMBDA, slot_of};

/// The model as the build script worked it out and laid it out
/// (`bigram_model::to_bytes`).
static BLOB: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bigrams.bin"));

/// The pairs, keyed by `a << 16 | b` (folded BMP code points; never 0), each
/// with its count and `ln p(b | a)`, are in an open-addressing table of a
/// power-of-two size with linear probing, built by the build script
/// (`bigram_model::table`) and only copied out of the blob here. A table of
/// our own rather than a `HashMap`: it is made once from sorted, distinct
/// keys and only read after, so it can be stored ready to use, and the
/// Viterbi pass asks for four pairs per character, so a multiply and a mask
/// is all the hashing needed. Each slot has a tag byte in an array of its
/// own: most pairs the Viterbi pass asks for are not in the table, and such
/// a probe reads only the tags (128 KiB, which stay in cache), not the
/// 1.5 MiB of slots; with the slots alone, the lookups had 7 times the
/// cache misses of the `HashMap` they replaced, on People's Daily. (Reading
/// the blob in place, with no copy, made each lookup dearer than the copy
/// it saves.)
pub(crate) struct Bigrams {
    /// `ln p(c)` per BMP code point (folded), so that the hot loop needs
    /// no logarithm for it.
    ln_uni: Vec<f32>,
    /// Traditional to Simplified, per BMP code point (0: unchanged).
    fold: Vec<u16>,
    /// One byte per slot: 0 for an empty one.
    tags: Vec<u8>,
    /// The slots: key (0 when empty), count, `ln p(b | a)`.
    slots: Vec<(u32, u32, f32)>,
    /// `ln p` of a character outside the BMP (never counted).
    ln_unseen: f32,
}

pub(crate) fn bigrams() -> &'static Bigrams {
    static B: OnceLock<Bigrams> = OnceLock::new();
    B.get_or_init(|| Bigrams::from_blob(BLOB))
}

impl Bigrams {
    /// Reads the blob `bigram_model::to_bytes` wrote.
    fn from_blob(b: &[u8]) -> Bigrams {
        let u32s = |b: &[u8]| -> Vec<u32> {
            b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
        };
        let ln_unseen = f32::from_le_bytes(b[..4].try_into().unwrap());
        let (ln_uni, rest) = b[4..].split_at(4 * 0x10000);
        let ln_uni = u32s(ln_uni).into_iter().map(f32::from_bits).collect();
        let (fold, rest) = rest.split_at(2 * 0x10000);
        let fold = fold.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let size = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
        assert!(size.is_power_of_two());
        let (tags, slots) = rest[4..].split_at(size);
        assert_eq!(slots.len(), 12 * size);
        let slots =
            u32s(slots).chunks_exact(3).map(|x| (x[0], x[1], f32::from_bits(x[2]))).collect();
        Bigrams { ln_uni, fold, tags: tags.to_vec(), slots, ln_unseen }
    }

    /// The entry for a pair key, or a count of 0.
    #[inline]
    fn lookup(&self, key: u32) -> (u32, f32) {
        let mask = self.tags.len() - 1;
        let (mut s, tag) = slot_of(key, mask);
        loop {
            let t = self.tags[s];
            if t == 0 {
                return (0, 0.0);
            }
            if t == tag {
                let (k, n, ln) = self.slots[s];
                if k == key {
                    return (n, ln);
                }
            }
            s = (s + 1) & mask;
        }
    }

    /// The character the counts use for `c` (its Simplified form), as a
    /// BMP code point; `None` outside the BMP.
    #[inline]
    fn key(&self, c: char) -> Option<u32> {
        let cp = c as u32;
        if cp >= 0x10000 {
            return None;
        }
        let f = self.fold[cp as usize];
        Some(if f != 0 { u32::from(f) } else { cp })
    }

    /// `ln p(c)`.
    #[inline]
    pub(crate) fn ln_uni(&self, c: char) -> f32 {
        self.ln_uni.get(c as usize).copied().unwrap_or(self.ln_unseen)
    }

    /// Count of the pair `a b` in the table.
    #[inline]
    pub(crate) fn pair(&self, a: char, b: char) -> u32 {
        self.entry(a, b).0
    }

    /// The pair `a b`'s count and `ln p(b | a)`; a count of 0 when the
    /// table does not have it.
    #[inline]
    fn entry(&self, a: char, b: char) -> (u32, f32) {
        match (self.key(a), self.key(b)) {
            (Some(a), Some(b)) => self.lookup((a << 16) | b),
            _ => (0, 0.0),
        }
    }

    /// `ln p(b | a)`, or `ln p(b)` when there is no `a` (line start, ASCII).
    pub(crate) fn ln_next(&self, a: Option<char>, b: char) -> f32 {
        let Some(a) = a else { return self.ln_uni(b) };
        match self.entry(a, b) {
            (0, _) => self.ln_uni(b) + (1.0 - LAMBDA).ln(),
            (_, ln) => ln,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::bigram_model::{self, Model};
    use super::*;
    use std::collections::HashMap;

    fn model() -> Model {
        bigram_model::compute(
            include_str!("../../data/repair/bigrams.txt"),
            include_str!("../../dict/STCharacters.txt"),
        )
    }

    #[test]
    fn words_score_above_chance_pairs() {
        let b = bigrams();
        assert!(b.pair('记', '者') > 100);
        // Traditional forms share the Simplified counts.
        assert_eq!(b.pair('記', '者'), b.pair('记', '者'));
        assert!(b.ln_next(Some('记'), '者') > b.ln_next(Some('报'), '保') + 3.0);
        // `干` is its own Simplified form and is not folded.
        assert_eq!(b.key('干'), Some('干' as u32));
        assert_eq!(b.key('們'), Some('们' as u32));
    }

    /// The table read from the build script's blob holds, to the bit, the
    /// model worked out here from the data, and nothing else.
    #[test]
    fn the_built_table_is_the_model() {
        let m = model();
        assert_eq!(bigram_model::to_bytes(&m), BLOB);
        let b = bigrams();
        assert!(m.pairs.len() > 80_000, "{}", m.pairs.len());
        for &(k, n, ln) in &m.pairs {
            let (got_n, got_ln) = b.lookup(k);
            assert_eq!((got_n, got_ln.to_bits()), (n, ln.to_bits()), "{k:x}");
        }
        let size = b.tags.len();
        assert_eq!(b.slots.iter().filter(|s| s.0 != 0).count(), m.pairs.len());
        assert_eq!(b.tags.iter().filter(|&&t| t != 0).count(), m.pairs.len());
        // Five eighths full at most.
        assert!(m.pairs.len() * 8 <= size * 5, "{} in {size}", m.pairs.len());
        // Keys the data does not have.
        assert_eq!(b.lookup((('报' as u32) << 16) | '保' as u32).0, 0);
        assert_eq!(b.lookup(0xFFFF_FFFF).0, 0);
    }

    /// The `ln p(b | a)` stored per pair is, to the bit, what the model's
    /// formula gives for every character pair that folds to it.
    #[test]
    fn stored_logarithms_are_the_formula() {
        let b = bigrams();
        let m = model();
        let formula = |a: char, c: char| {
            let pair = b.pair(a, c);
            if pair == 0 {
                return b.ln_uni(c) + (1.0 - LAMBDA).ln();
            }
            let ca = b.key(a).map_or(0, |k| m.uni[k as usize]).max(pair);
            let p_c = m.p_uni.get(c as usize).copied().unwrap_or(0.0);
            (LAMBDA * pair as f32 / ca as f32 + (1.0 - LAMBDA) * p_c).ln()
        };
        // `壞` folds to `坯`, which folds to `坏`: folding is not idempotent.
        let text = "记者从国家统计局获悉，本報記者報導：惆悵的報保𠀀中文ab壞坯坏了";
        let chars: Vec<char> = text.chars().collect();
        let mut attested = 0;
        for &x in &chars {
            for &y in &chars {
                attested += usize::from(b.pair(x, y) > 0);
                assert_eq!(b.ln_next(Some(x), y).to_bits(), formula(x, y).to_bits(), "{x}{y}");
            }
        }
        assert!(attested > 20, "{attested}");
        // Every entry, through every character of the BMP that folds to
        // its second key.
        let mut folded_to: HashMap<u32, Vec<char>> = HashMap::new();
        for c in (0..0x10000).filter_map(char::from_u32) {
            folded_to.entry(b.key(c).unwrap()).or_default().push(c);
        }
        let mut checked = 0;
        for &(k, _, _) in &m.pairs {
            let Some(x) = folded_to.get(&(k >> 16)).map(|v| v[0]) else { continue };
            for &y in folded_to.get(&(k & 0xFFFF)).into_iter().flatten() {
                assert_eq!(b.ln_next(Some(x), y).to_bits(), formula(x, y).to_bits(), "{x}{y}");
                checked += 1;
            }
        }
        assert!(checked > 80_000, "{checked}");
    }
}
