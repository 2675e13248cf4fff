//! The numbers of the bigram model (see `bigrams.rs`), worked out from
//! `data/repair/bigrams.txt` and OpenCC's character table. This file is
//! compiled twice: by the build script, which works the model out once and
//! writes it as a blob into `OUT_DIR`, and by the library's tests, which
//! work it out again and check the blob against it. Working it out at run
//! time cost about 47 million instructions per process (parsing 81,000
//! pairs and taking their logarithms), more than cleaning a megabyte.

/// Weight of the pair estimate against the unigram one.
pub const LAMBDA: f32 = 0.6;

/// The model as numbers.
pub struct Model {
    /// Count of each BMP character (its key, after folding).
    pub uni: Vec<u32>,
    /// `p(c)` per BMP code point (folded).
    pub p_uni: Vec<f32>,
    /// `ln p(c)` per BMP code point (folded).
    pub ln_uni: Vec<f32>,
    /// Traditional to Simplified, per BMP code point (0: unchanged).
    pub fold: Vec<u16>,
    /// `ln p` of a character outside the BMP (never counted).
    pub ln_unseen: f32,
    /// `(a << 16 | b, count, ln p(b | a))` per attested pair of keys,
    /// sorted by key.
    pub pairs: Vec<(u32, u32, f32)>,
}

fn single_bmp(s: &str) -> Option<u32> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if (c as u32) < 0x10000 => Some(c as u32),
        _ => None,
    }
}

/// The model: `p(b | a) = λ·c(ab)/c(a) + (1-λ)·p(b)`, `p(b)` the add-half
/// unigram estimate over a vocabulary of about 20,000 characters.
pub fn compute(bigrams: &str, st_characters: &str) -> Model {
    let mut uni = vec![0u32; 0x10000];
    let mut counts: Vec<(u32, u32)> = Vec::with_capacity(90_000);
    let mut total = 0u64;
    for line in bigrams.lines() {
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
                counts.push(((a << 16) | b, c));
            }
        }
    }
    // A later line for the same pair wins, as a map insert would.
    counts.reverse();
    counts.sort_by_key(|&(k, _)| k);
    counts.dedup_by_key(|&mut (k, _)| k);
    // Simplified characters that stand for themselves (`干` in `干 幹 乾`)
    // are never folded, even when they are also another's Traditional form.
    let mut own = vec![false; 0x10000];
    let mut rows = Vec::new();
    for line in st_characters.lines() {
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
    let ln_total = (total as f32 + 0.5 * 20_000.0).ln();
    // `ln p` and `p` of each key (a folded code point); a character's are
    // its key's.
    let ln_key: Vec<f32> = uni.iter().map(|&n| (n as f32 + 0.5).ln() - ln_total).collect();
    let p_key: Vec<f32> = ln_key.iter().map(|x| x.exp()).collect();
    let key = |cp: usize| if fold[cp] != 0 { fold[cp] as usize } else { cp };
    let ln_uni: Vec<f32> = (0..0x10000).map(|cp| ln_key[key(cp)]).collect();
    let p_uni: Vec<f32> = (0..0x10000).map(|cp| p_key[key(cp)]).collect();
    let ln_unseen = 0.5f32.ln() - ln_total;
    let pairs = counts
        .into_iter()
        .map(|(k, n)| {
            let ca = uni[(k >> 16) as usize].max(n);
            let p_b = p_key[(k & 0xFFFF) as usize];
            (k, n, (LAMBDA * n as f32 / ca as f32 + (1.0 - LAMBDA) * p_b).ln())
        })
        .collect();
    Model { uni, p_uni, ln_uni, fold, ln_unseen, pairs }
}

/// The first slot of `key`'s probe in a table of `mask + 1` slots, and
/// its tag, from one multiply: the slot from bits 32 and up, the tag from
/// the 7 bits below them with the high bit set (a tag is never 0, which
/// marks an empty slot).
#[inline]
pub fn slot_of(key: u32, mask: usize) -> (usize, u8) {
    let h = u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 32) as usize & mask, (h >> 25) as u8 | 0x80)
}

/// The pairs in an open-addressing table with linear probing, at most five
/// eighths full (so that a probe ends soon): one tag byte per slot, and the
/// slots (`(key, count, ln)`, key 0 when empty).
pub fn table(pairs: &[(u32, u32, f32)]) -> (Vec<u8>, Vec<(u32, u32, f32)>) {
    let size = (pairs.len() * 8 / 5 + 1).next_power_of_two();
    let mask = size - 1;
    let mut tags = vec![0u8; size];
    let mut slots = vec![(0u32, 0u32, 0f32); size];
    for &(key, n, ln) in pairs {
        let (mut s, tag) = slot_of(key, mask);
        while tags[s] != 0 {
            s = (s + 1) & mask;
        }
        tags[s] = tag;
        slots[s] = (key, n, ln);
    }
    (tags, slots)
}

/// The blob, laid out ready to use (start-up only copies it into typed
/// arrays; no table is built): `ln_unseen`, `ln_uni` (65,536 × f32), `fold` (65,536 × u16), the number
/// of slots of [`table`] (u32, a power of two), its tags (one byte each),
/// then its slots as key, count (u32) and logarithm (f32); all
/// little-endian.
pub fn to_bytes(m: &Model) -> Vec<u8> {
    let (tags, slots) = table(&m.pairs);
    let mut out = Vec::with_capacity(4 + 0x10000 * 6 + 4 + tags.len() * 13);
    out.extend(m.ln_unseen.to_le_bytes());
    for x in &m.ln_uni {
        out.extend(x.to_le_bytes());
    }
    for x in &m.fold {
        out.extend(x.to_le_bytes());
    }
    out.extend((tags.len() as u32).to_le_bytes());
    out.extend(&tags);
    for &(k, n, ln) in &slots {
        out.extend(k.to_le_bytes());
        out.extend(n.to_le_bytes());
        out.extend(ln.to_le_bytes());
    }
    out
}
