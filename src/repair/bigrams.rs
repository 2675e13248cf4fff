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

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

const BIGRAMS: &str = include_str!("../../data/repair/bigrams.txt");
const ST_CHARACTERS: &str = include_str!("../../dict/STCharacters.txt");

/// Weight of the pair estimate against the unigram one.
const LAMBDA: f32 = 0.6;

/// A multiplicative hash for the pair keys (two code points packed in a
/// `u32`): the default SipHash made the lookups the rule's main cost.
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.0 = u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

pub(crate) struct Bigrams {
    /// Count of each BMP character (after folding to Simplified), and the
    /// unigram estimate `p(c)`: only the tests read them once the pairs'
    /// logarithms are worked out.
    #[cfg(test)]
    uni: Vec<u32>,
    #[cfg(test)]
    p_uni: Vec<f32>,
    /// `ln p(c)` per BMP code point (folded), so that the hot loop needs
    /// no logarithm for it.
    ln_uni: Vec<f32>,
    /// Pair counts, keyed by `a << 16 | b` (folded BMP code points), each
    /// with `ln p(b | a)` worked out when the table is built (see
    /// [`Bigrams::ln_next`]): the Viterbi pass asks for four per character.
    pairs: HashMap<u32, (u32, f32), BuildHasherDefault<PairHasher>>,
    /// Traditional to Simplified, per BMP code point (0: unchanged).
    fold: Vec<u16>,
    /// `ln p` of a character outside the BMP (never counted).
    ln_unseen: f32,
}

pub(crate) fn bigrams() -> &'static Bigrams {
    static B: OnceLock<Bigrams> = OnceLock::new();
    B.get_or_init(Bigrams::build)
}

impl Bigrams {
    fn build() -> Bigrams {
        let mut uni = vec![0u32; 0x10000];
        let mut counts: HashMap<u32, u32, BuildHasherDefault<PairHasher>> =
            HashMap::with_capacity_and_hasher(90_000, Default::default());
        let mut total = 0u64;
        for line in BIGRAMS.lines() {
            let mut parts = line.splitn(3, '\t');
            let (Some(a), Some(n), rest) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let Some(a) = single_bmp(a) else { continue };
            let n: u32 = n.parse().unwrap_or(0);
            uni[a as usize] = n;
            total += u64::from(n);
            let mut it = rest.unwrap_or("").split(' ');
            while let (Some(b), Some(c)) = (it.next(), it.next()) {
                if let (Some(b), Ok(c)) = (single_bmp(b), c.parse::<u32>()) {
                    counts.insert((a << 16) | b, c);
                }
            }
        }
        // Simplified characters that stand for themselves (`干` in `干 幹 乾`)
        // are never folded, even when they are also another's Traditional
        // form.
        let mut own = vec![false; 0x10000];
        let mut rows = Vec::new();
        for line in ST_CHARACTERS.lines() {
            let Some((s, ts)) = line.split_once('\t') else { continue };
            let Some(s) = single_bmp(s) else { continue };
            let ts: Vec<u32> = ts.split(' ').filter_map(single_bmp).collect();
            if ts.contains(&s) {
                own[s as usize] = true;
            }
            rows.push((s, ts));
        }
        let mut fold = vec![0u16; 0x10000];
        for (s, ts) in rows {
            for t in ts {
                if t != s && !own[t as usize] && fold[t as usize] == 0 {
                    fold[t as usize] = s as u16;
                }
            }
        }
        // Add-half smoothing over a vocabulary of about 20,000 characters.
        let ln_total = (total as f32 + 0.5 * 20_000.0).ln();
        // `ln p` and `p` of each key (a folded code point); a character's
        // are its key's.
        let ln_key: Vec<f32> = uni.iter().map(|&n| (n as f32 + 0.5).ln() - ln_total).collect();
        let p_key: Vec<f32> = ln_key.iter().map(|x| x.exp()).collect();
        let key = |cp: usize| if fold[cp] != 0 { fold[cp] as usize } else { cp };
        let ln_uni: Vec<f32> = (0..0x10000).map(|cp| ln_key[key(cp)]).collect();
        #[cfg(test)]
        let p_uni: Vec<f32> = (0..0x10000).map(|cp| p_key[key(cp)]).collect();
        let ln_unseen = 0.5f32.ln() - ln_total;
        // `ln p(b | a)` as `ln_next` used to work it out per call: the same
        // operations on the same values, so the same bits. (A table key is
        // folded: `p(b)` of a character `b` is that of its key.)
        let pairs = counts
            .into_iter()
            .map(|(k, n): (u32, u32)| {
                let ca = uni[(k >> 16) as usize].max(n);
                let p_b = p_key[(k & 0xFFFF) as usize];
                (k, (n, (LAMBDA * n as f32 / ca as f32 + (1.0 - LAMBDA) * p_b).ln()))
            })
            .collect();
        Bigrams {
            #[cfg(test)]
            uni,
            #[cfg(test)]
            p_uni,
            ln_uni,
            pairs,
            fold,
            ln_unseen,
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
            (Some(a), Some(b)) => self.pairs.get(&((a << 16) | b)).copied().unwrap_or((0, 0.0)),
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

fn single_bmp(s: &str) -> Option<u32> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if (c as u32) < 0x10000 => Some(c as u32),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// The `ln p(b | a)` stored per pair is, to the bit, what the model's
    /// formula gives for every character pair that folds to it.
    #[test]
    fn stored_logarithms_are_the_formula() {
        let b = bigrams();
        let formula = |a: char, c: char| {
            let pair = b.pair(a, c);
            if pair == 0 {
                return b.ln_uni(c) + (1.0 - LAMBDA).ln();
            }
            let ca = b.key(a).map_or(0, |k| b.uni[k as usize]).max(pair);
            let p_c = b.p_uni.get(c as usize).copied().unwrap_or(0.0);
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
        for &k in b.pairs.keys() {
            let Some(x) = folded_to.get(&(k >> 16)).map(|v| v[0]) else { continue };
            for &y in folded_to.get(&(k & 0xFFFF)).into_iter().flatten() {
                assert_eq!(b.ln_next(Some(x), y).to_bits(), formula(x, y).to_bits(), "{x}{y}");
                checked += 1;
            }
        }
        assert!(checked > 80_000, "{checked}");
    }
}
