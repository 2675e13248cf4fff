//! The serialised form of one flattened dictionary. `build.rs` writes one
//! blob per distinct stage of the built-in configs; the library reads them
//! back without parsing any text, and without copying: the built-in blobs
//! are embedded 8-byte aligned and every table is laid out so that it can
//! be used in place (see `matcher::Stage::from_static_blob`).
//!
//! Shared with `build.rs` through `#[path]`: depends on `std` only.
//!
//! Layout (integers little-endian; the header is eight `u32`s, so every
//! table after it starts 8-byte aligned; `u64` tables come first):
//!
//! ```text
//! "ZHCS" version flags n m trie-bits trie-slots filter-bits
//! pairs[2^filter-bits / 64] longer[2^(filter-bits+1) / 64]   (u64)
//! identity[ceil(n / 64)]                                  (u64)
//! offsets[n+1]  (char, entry, direct)[m]  trie[3 * trie-slots] (u32)
//! words[65536]                                                 (u32)
//! value-bytes
//! ```
//!
//! Key `i` (keys sorted) has the value `value-bytes[offsets[i]..offsets[i+1]]`.
//! The `(char, entry, direct)` triples describe every character that begins a key:
//! `entry & MULTI` says that a key of two or more characters begins with it,
//! and `entry & !MULTI`, when not zero, is one more than the index of the
//! one-character key that is the character itself (the direct word: see
//! [`first_entries`]). The trie holds the keys
//! of two or more characters (see [`HashTrie`]); `words` are the direct
//! words of the whole BMP (see [`direct_words`]). The filters are
//! described at [`Filters`]; the identity bit set has bit `i`
//! set when key `i` maps to itself. Flag bit 0: some key contains a line
//! feed; flag bit 1: the longer-key filter has two bits per key (see
//! [`Filters`]).

use std::collections::HashMap;

/// The leading magic of a stage blob.
pub const MAGIC: &[u8; 4] = b"ZHCS";
/// The blob format version.
pub const VERSION: u32 = 11;
/// The number of `u32`s of the header.
pub const HEADER_WORDS: usize = 8;
/// Entry bit: longer keys begin with this character.
pub const MULTI: u32 = 1 << 31;
/// Direct-word bit: the character is a one-character key whose value is
/// one character of at most three UTF-8 bytes, held in the word.
pub const DIRECT: u32 = 1 << 31;
/// Direct-word bit: that value is the key itself.
pub const DIRECT_SAME: u32 = 1 << 30;

/// Direct-word bit, only in the table of [`direct_words`]: longer keys
/// begin with this character (`MULTI` of its entry).
pub const WORD_MULTI: u32 = 1 << 28;
/// Direct-word bit, only in the table of [`direct_words`]: the fast path
/// of `Stage::apply` must not be taken at this character although it has
/// a direct word. Set for U+FFFF, where `apply` looks up characters beyond
/// the BMP.
pub const SLOW: u32 = 1 << 29;

/// The parts of the BMP whose characters that are no one-character key
/// get a direct word of their own in [`direct_words`]: what Chinese text
/// is made of. Elsewhere such a character takes the general step of
/// `Stage::apply`, which is slower but gives the same result; a table
/// filled everywhere would only add pages to touch when a stage is built
/// at run time. IDS operators (U+2FF0..U+2FFF) must stay out: an unmatched
/// one may carry a whole sequence.
pub const FILLED: [(u32, u32); 5] =
    [(0, 0x800), (0x2000, 0x2400), (0x3000, 0x3400), (0x4E00, 0xA000), (0xF900, 0x10000)];

/// The direct words of U+0000..U+FFFF, for the first pass of
/// `Stage::apply`: the direct word of each one-character key (see
/// [`first_entries`]), and in the [`FILLED`] ranges, for each character
/// that is no one-character key, the direct word of a key that maps to
/// itself, so that the bytes to write at any position there come from the
/// word alone; plus `WORD_MULTI` and `SLOW`. Built-in stages carry the
/// table in their blob, computed at build time.
pub fn direct_words(firsts: &[(char, u32, u32)]) -> Vec<u32> {
    let mut words = vec![0u32; 0x10000];
    let mut single = vec![false; 0x10000];
    for &(c, e, d) in firsts {
        if let Some(w) = words.get_mut(c as usize) {
            *w = d | if e & MULTI != 0 { WORD_MULTI } else { 0 };
            single[c as usize] = e & !MULTI != 0;
        }
    }
    for (lo, hi) in FILLED {
        // `FILLED` holds no surrogates, so every code point is a character.
        for ch in (lo..hi).filter_map(char::from_u32) {
            if !single[ch as usize] {
                // The word of a key that maps to itself.
                let mut buf = [0u8; 4];
                let s = ch.encode_utf8(&mut buf);
                words[ch as usize] |= direct_word(s, s);
            }
        }
    }
    words[0xFFFF] |= SLOW;
    words
}

/// The direct word of a one-character key with the value `v` (see
/// [`first_entries`]), or 0.
pub fn direct_word(key: &str, v: &str) -> u32 {
    let mut cs = v.chars();
    match (cs.next(), cs.next()) {
        (Some(c), None) if c.len_utf8() <= 3 => {
            let mut w = [0u8; 4];
            c.encode_utf8(&mut w);
            let same = if key == v { DIRECT_SAME } else { 0 };
            DIRECT | same | ((c.len_utf8() as u32) << 24) | u32::from_le_bytes(w)
        }
        _ => 0,
    }
}

/// The largest and smallest log2 of the number of bits of a stage's
/// pair filter (the longer-key filter has twice as many).
pub const MAX_FILTER_BITS: u32 = 20;
pub const MIN_FILTER_BITS: u32 = 12;

/// log2 of the number of bits of the filters of a stage with `longer`
/// keys of two or more characters: about 32 bits per such key (for the
/// pair filter, one bit per key, a false "maybe" rate of about 3%; more
/// where [`MAX_FILTER_BITS`] caps the size, as for `s2t`), within
/// [`MIN_FILTER_BITS`, `MAX_FILTER_BITS`]. A stage with few such keys
/// (`t2s` has 477) gets filters of a few kilobytes that stay in the
/// first-level cache, where a fixed size would cost a cache miss per
/// look-up for nothing.
pub fn filter_bits(longer: usize) -> u32 {
    let want = (longer.max(1) * 32).next_power_of_two().trailing_zeros();
    want.clamp(MIN_FILTER_BITS, MAX_FILTER_BITS)
}

/// The multiplier of the hash of a character pair, `(c1 << 21 | c2) *
/// PAIR_MUL` (both filters).
pub const PAIR_MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// The multiplier of the hash of three characters in [`longer_slot`],
/// `(pair hash + c3) * TRIPLE_MUL`.
pub const TRIPLE_MUL: u64 = 0xD6E8_FEB8_6659_FD93;

/// The slot of the character pair `c1 c2` in a filter of `2^bits` bits.
#[inline(always)]
pub fn pair_hash(c1: u32, c2: u32, bits: u32) -> usize {
    ((((c1 as u64) << 21) | c2 as u64).wrapping_mul(PAIR_MUL) >> (64 - bits)) as usize
}

/// `BIT[i] == 1 << i`. [`longer_slot`] builds its masks from it: a shift
/// by a variable count takes several micro-operations on x86-64 without
/// BMI2, a load from this table (which stays in the first-level cache)
/// one.
const BIT: [u64; 64] = {
    let mut t = [0u64; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = 1 << i;
        i += 1;
    }
    t
};

/// Where the longer-key filter of `2^(bits + 1)` bits (see [`Filters`])
/// keeps what it knows about the pair `c1 c2` followed by `c3` (see
/// [`Slot`]). `TWO`: two bits per answer instead of one (a blocked Bloom
/// filter with two hash functions), which makes a false "maybe" rarer at
/// no extra load but a few more instructions, plus the strict bit (see
/// [`Filters`] for when a stage has them).
///
/// `simd::lookup8` computes the same for eight positions at a time: a
/// change here must be made there too (the tests of `Stage::apply`
/// compare the two).
#[inline(always)]
pub fn longer_slot<const TWO: bool>(c1: u32, c2: u32, c3: u32, bits: u32) -> Slot {
    let x = (((c1 as u64) << 21) | c2 as u64).wrapping_mul(PAIR_MUL);
    // `2^(bits - 5)` words: the top bits of the product pick the word,
    // the five below them the pair-key bit, the five below those the
    // second one, the five below those the strict bit.
    let word = (x >> (69 - bits)) as usize;
    let y = x.wrapping_add(c3 as u64).wrapping_mul(TRIPLE_MUL);
    let (p, t) = (((x >> (64 - bits)) & 31) as usize, (32 | y >> 59) as usize);
    if TWO {
        let (p2, t2) = (((x >> (59 - bits)) & 31) as usize, (32 | (y >> 54 & 31)) as usize);
        let p3 = ((x >> (54 - bits)) & 31) as usize;
        let pair = BIT[p] | BIT[p2];
        Slot { word, pair, strict: pair | BIT[p3], triple: BIT[t] | BIT[t2] }
    } else {
        Slot { word, pair: 1 << p, strict: 1 << p, triple: 1 << t }
    }
}

/// What [`longer_slot`] says about a pair `c1 c2` followed by `c3`: the
/// index of the filter word that holds every answer (so that a look-up is
/// one load), and three masks of bits that answer "maybe" when all set:
/// - `pair` (among bits 0..32): the pair may be a key;
/// - `strict` (`pair` and one more bit): the pair may be a key that is not
///   [`compositional`]; with one bit per answer, where no strict bits are
///   kept, the same as `pair`;
/// - `triple` (among bits 32..64): the three characters may begin a longer
///   key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub word: usize,
    pub pair: u64,
    pub strict: u64,
    pub triple: u64,
}

/// [`longer_slot`] for a filter whose kind is known at run time only.
#[inline]
pub fn longer_slot_for(two: bool, c1: u32, c2: u32, c3: u32, bits: u32) -> Slot {
    if two { longer_slot::<true>(c1, c2, c3, bits) } else { longer_slot::<false>(c1, c2, c3, bits) }
}

/// Whether the key `k` of two characters, with value `v`, converts as its
/// two characters do one by one: `v` is what the one-character keys of
/// the same stage make of them (`single`; a character with no key stays
/// as it is), at most one of the two changes, and the second is no IDS
/// operator. Where no key of two or more characters can begin at the
/// second character, matching such a key writes what two single steps
/// write, with the same count of changed keys, so `Stage::apply` may take
/// its fast path there (see the strict bit of [`Slot`]).
pub fn compositional(k: &str, v: &str, single: &HashMap<char, &str>) -> bool {
    let mut cs = k.chars();
    let (Some(a), Some(b), None) = (cs.next(), cs.next(), cs.next()) else { return false };
    if ('\u{2FF0}'..='\u{2FFF}').contains(&b) {
        return false;
    }
    let (mut ba, mut bb) = ([0u8; 4], [0u8; 4]);
    let (ka, kb) = (&*a.encode_utf8(&mut ba), &*b.encode_utf8(&mut bb));
    let va = single.get(&a).copied().unwrap_or(ka);
    let vb = single.get(&b).copied().unwrap_or(kb);
    usize::from(va != ka) + usize::from(vb != kb) <= 1 && v.strip_prefix(va) == Some(vb)
}

/// The two Bloom filters of a stage (see `matcher.rs` for how each is
/// used):
/// - `pairs`, of `2^size` bits: the first two characters of every key of
///   two or more characters (hashed as [`pair_hash`]);
/// - `longer`, of `2^(size + 1)` bits in words of two halves (see
///   [`longer_slot`]): the keys of exactly two characters, and the first
///   three characters of every key of three or more. It tells that no key
///   of two or more characters can match at a position: neither is the
///   pair there a whole key nor do the three characters there begin a
///   longer one (see `Stage::apply` for why that test and not the pair
///   filter's).
///
/// `longer` has two bits per key (`two`) when the stage has at least
/// [`TWO_BITS_MIN`] keys of two or more characters. On People's Daily
/// under `s2t` (49,243 such keys), of the positions whose character begins
/// a longer key but where neither a pair key nor a three-character prefix
/// is, one bit per key answers "maybe" at 5.5%, two bits at 1.95% (most
/// of those in the triple half, whose word every prefix that begins with
/// the same pair shares): a quarter fewer general steps in
/// `Stage::apply`. A stage with few longer keys (`t2s` has 477) has a
/// filter of a few kilobytes and few false "maybe"s either way, and there
/// the extra instructions cost more than they save (5% on `t2s`).
///
/// Two-bit filters also keep a strict bit for every pair key that is not
/// [`compositional`] (see [`Slot`]). Of the `s2t` pair keys, 12,498 of
/// 19,334 are compositional (what their characters become one by one:
/// `发展` → `發展`, `管理` → `管理`); at their positions `Stage::apply`
/// takes the fast path unless a longer key may begin at the next
/// character. On People's Daily that leaves 63,497 positions where a key
/// of two or more characters may begin instead of 136,201 (exact counts,
/// before false "maybe"s).
pub struct Filters {
    pub size: u32,
    pub two: bool,
    pub pairs: Box<[u64]>,
    pub longer: Box<[u64]>,
}

/// The number of keys of two or more characters from which a stage's
/// longer-key filter has two bits per key (see [`Filters`]).
pub const TWO_BITS_MIN: usize = 4096;

impl Filters {
    /// The filters of `entries`, sized by [`filter_bits`].
    pub fn build(entries: &[(String, String)]) -> Filters {
        let longer_keys = entries.iter().filter(|(k, _)| k.chars().nth(1).is_some()).count();
        let size = filter_bits(longer_keys);
        let two = longer_keys >= TWO_BITS_MIN;
        let mut pairs = vec![0u64; 1 << (size - 6)].into_boxed_slice();
        let mut longer = vec![0u64; 1 << (size - 5)].into_boxed_slice();
        // The one-character keys, for the strict bits (see `Slot`).
        let single: HashMap<char, &str> = if two {
            entries
                .iter()
                .filter_map(|(k, v)| {
                    let mut cs = k.chars();
                    let c = cs.next()?;
                    cs.next().is_none().then_some((c, v.as_str()))
                })
                .collect()
        } else {
            HashMap::new()
        };
        for (k, v) in entries {
            let mut cs = k.chars().map(|c| c as u32);
            let (Some(a), Some(b)) = (cs.next(), cs.next()) else { continue };
            let h = pair_hash(a, b, size);
            pairs[h >> 6] |= 1 << (h & 63);
            let (w, bits) = match cs.next() {
                Some(c) => {
                    let s = longer_slot_for(two, a, b, c, size);
                    (s.word, s.triple)
                }
                None => {
                    let s = longer_slot_for(two, a, b, 0, size);
                    (s.word, if two && !compositional(k, v, &single) { s.strict } else { s.pair })
                }
            };
            longer[w] |= bits;
        }
        Filters { size, two, pairs, longer }
    }
}

/// Bit `i` set when entry `i` maps its key to itself (such a match changes
/// nothing: it only blocks shorter and later matches).
pub fn identity_bits(entries: &[(String, String)]) -> Box<[u64]> {
    let mut bits = vec![0u64; entries.len().div_ceil(64)].into_boxed_slice();
    for (i, (k, v)) in entries.iter().enumerate() {
        if k == v {
            bits[i / 64] |= 1 << (i % 64);
        }
    }
    bits
}

/// The first-character entries of sorted, unique, non-empty keys: each
/// character that begins a key, its entry, and its direct word. The direct
/// word spares the walk the value lookup (two more cache misses: offsets
/// and value bytes) for the most common match, one character converted to
/// one character: `DIRECT`, `DIRECT_SAME` when the value is the key, the
/// value's UTF-8 length in bits 24..26 and its bytes in bits 0..24.
pub fn first_entries(entries: &[(String, String)]) -> Vec<(char, u32, u32)> {
    let mut map: std::collections::BTreeMap<char, (u32, u32)> = std::collections::BTreeMap::new();
    for (i, (k, v)) in entries.iter().enumerate() {
        let mut chars = k.chars();
        let Some(c) = chars.next() else { continue };
        let e = map.entry(c).or_insert((0, 0));
        if chars.next().is_some() {
            e.0 |= MULTI;
        } else {
            e.0 |= i as u32 + 1;
            e.1 = direct_word(k, v);
        }
    }
    map.into_iter().map(|(c, (e, d))| (c, e, d)).collect()
}

/// The keys of two or more characters as a trie whose nodes live in one
/// open-addressing hash table of `u32` triples `(parent, char, value)`.
///
/// Why hand-written rather than a double-array crate (crawdad was used
/// before): a double array has to be deserialised into owned vectors at
/// start-up (its character map alone spans every code point up to the
/// largest key character), which was most of the cost of loading a config.
/// This table is plain `u32`s with no pointers, so the embedded blob is
/// used where it lies and a lookup touches only the slots it probes. It is
/// also cheaper per lookup: the node of a two-character prefix is found by
/// one hash probe keyed on both characters, where the double array needs a
/// character-map load and a node load per character.
///
/// A node is the slot it was put in. The node of the first two characters
/// `c1 c2` of a key has the parent `ROOT_TAG | c1`; a deeper node has its
/// parent's slot index (slot indices stay below 2^30, characters below
/// 2^21, so the two never collide). `value & !HAS_CHILD` is one more than
/// the index of the key that ends at the node (0: none); `HAS_CHILD` says
/// that some longer key continues through it. An empty slot has the parent
/// `EMPTY`. Probing is linear; the table is at most 70% full.
pub struct HashTrie;

impl HashTrie {
    /// Parent tag of a depth-two node: the first character follows.
    pub const ROOT_TAG: u32 = 1 << 31;
    /// The parent word of an empty slot.
    pub const EMPTY: u32 = u32::MAX;
    /// Value bit: a longer key continues through this node.
    pub const HAS_CHILD: u32 = 1 << 31;

    /// The home slot of the child `ch` of `parent` in a table of `2^bits`
    /// slots.
    #[inline(always)]
    pub fn home(parent: u32, ch: u32, bits: u32) -> usize {
        let x = ((parent as u64) << 32) | ch as u64;
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29).wrapping_mul(0xBF58_476D_1CE4_E5B9)
            >> (64 - bits)) as usize
    }

    /// Builds the table of the keys of two or more characters of `entries`
    /// (sorted, unique): its slot-count bits and its words, three per slot
    /// (empty when there are no such keys).
    pub fn build(entries: &[(String, String)]) -> (u32, Vec<u32>) {
        let mut prefixes = std::collections::HashSet::new();
        for (k, _) in entries {
            let ends: Vec<usize> =
                k.char_indices().map(|(i, _)| i).skip(2).chain([k.len()]).collect();
            if k.chars().nth(1).is_some() {
                for e in ends {
                    prefixes.insert(&k[..e]);
                }
            }
        }
        if prefixes.is_empty() {
            return (0, Vec::new());
        }
        // At most 70% full: lookups mostly succeed, and a successful linear
        // probe stays within a slot or two of home at that load, while a
        // smaller table keeps more of it in cache. At least 2^4 slots.
        let want = prefixes.len() * 10 / 7 + 1;
        let bits = (usize::BITS - (want - 1).leading_zeros()).max(4);
        assert!(bits <= 30, "too many dictionary keys");
        let slots = 1usize << bits;
        let mut t = vec![0u32; 3 * slots];
        for s in 0..slots {
            t[3 * s] = Self::EMPTY;
        }
        for (i, (k, _)) in entries.iter().enumerate() {
            let cs: Vec<u32> = k.chars().map(|c| c as u32).collect();
            if cs.len() < 2 {
                continue;
            }
            let mut node = Self::ROOT_TAG | cs[0];
            for (d, &c) in cs.iter().enumerate().skip(1) {
                let mut s = Self::home(node, c, bits);
                loop {
                    if t[3 * s] == Self::EMPTY {
                        t[3 * s] = node;
                        t[3 * s + 1] = c;
                        break;
                    }
                    if t[3 * s] == node && t[3 * s + 1] == c {
                        break;
                    }
                    s = (s + 1) & (slots - 1);
                }
                if d + 1 == cs.len() {
                    t[3 * s + 2] |= i as u32 + 1;
                } else {
                    t[3 * s + 2] |= Self::HAS_CHILD;
                }
                node = s as u32;
            }
        }
        (bits, t)
    }
}

/// For each key of the segmentation dictionary `seg` (sorted), one more
/// than the index of the same key in the first conversion stage `first`
/// (sorted), or 0 when it is not a key there. A segment that is a whole
/// segmentation key which is also a stage-1 key converts, in stage 1, to
/// that key's value: the walk finds it at the segment's start and nothing
/// longer fits in the segment. The map saves that walk.
pub fn segment_map(seg: &[(String, String)], first: &[(String, String)]) -> Vec<u32> {
    seg.iter()
        .map(|(k, _)| {
            first.binary_search_by(|(f, _)| f.as_str().cmp(k)).map_or(0, |i| i as u32 + 1)
        })
        .collect()
}

/// Whether, in a config with segmentation dictionary `seg` and first
/// conversion stage `first` (both sorted), the text between segmentation
/// matches can be converted one character at a time
/// ([`Stage::apply_single`](super::matcher::Stage::apply_single)).
///
/// OpenCC converts each segment with the whole first stage. Text between
/// matches is walked character by character by the segmentation (no key
/// of `seg` starts at any of those positions), so if every key of `first`
/// with two or more characters is also a key of `seg`, none of them can
/// start there either, and only one-character keys can match. The
/// first-stage walk stops at the same positions when no one-character key
/// of `first` is an IDS operator (which the walk would otherwise step into
/// rather than over). s2t-like configs pass (their phrase dictionary is in
/// both); user dictionaries usually make this false, which only costs
/// speed.
pub fn gaps_single(seg: &[(String, String)], first: &[(String, String)]) -> bool {
    first.iter().all(|(k, _)| {
        let mut chars = k.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => !('\u{2FF0}'..='\u{2FFF}').contains(&c),
            _ => seg.binary_search_by(|(s, _)| s.as_str().cmp(k)).is_ok(),
        }
    })
}

/// Serialises `entries` (sorted, unique, non-empty keys) into a blob.
#[cfg_attr(not(test), allow(dead_code))] // used by build.rs and the tests
pub fn encode(entries: &[(String, String)]) -> Result<Vec<u8>, String> {
    if entries.len() >= (1 << 30) {
        return Err("too many dictionary keys".into());
    }
    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, x: u32| out.extend_from_slice(&x.to_le_bytes());
    let firsts = first_entries(entries);
    let (trie_bits, trie) = HashTrie::build(entries);
    out.extend_from_slice(MAGIC);
    put(&mut out, VERSION);
    let filters = Filters::build(entries);
    let newline = u32::from(entries.iter().any(|(k, _)| k.contains('\n')));
    put(&mut out, newline | u32::from(filters.two) << 1);
    put(&mut out, entries.len() as u32);
    put(&mut out, firsts.len() as u32);
    put(&mut out, trie_bits);
    put(&mut out, (trie.len() / 3) as u32);
    put(&mut out, filters.size);
    debug_assert_eq!(out.len(), 4 * HEADER_WORDS);
    let identity = identity_bits(entries);
    let Filters { pairs, longer, .. } = &filters;
    for w in pairs.iter().chain(longer.iter()).chain(identity.iter()) {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let mut offset = 0u32;
    put(&mut out, offset);
    for (_, v) in entries {
        offset = offset.checked_add(v.len() as u32).ok_or("values too long")?;
        put(&mut out, offset);
    }
    for &(c, e, d) in &firsts {
        put(&mut out, c as u32);
        put(&mut out, e);
        put(&mut out, d);
    }
    for w in trie {
        put(&mut out, w);
    }
    for w in direct_words(&firsts) {
        put(&mut out, w);
    }
    for (_, v) in entries {
        out.extend_from_slice(v.as_bytes());
    }
    Ok(out)
}
