//! The serialised form of one flattened dictionary. `build.rs` writes one
//! blob per distinct stage of the built-in configs; the library reads them
//! back without parsing any text.
//!
//! Shared with `build.rs` through `#[path]`: depends on `std` and crawdad.
//!
//! Layout (integers little-endian `u32`):
//!
//! ```text
//! "ZHCS" version flags n  offsets[n+1]  value-bytes
//! m  (char, entry)[m]  trie-length  trie  pair-words pairs[pair-words]
//! triple-words triples[triple-words]  identity-words identity[identity-words]
//! ```
//!
//! Key `i` (keys sorted) has the value `value-bytes[offsets[i]..offsets[i+1]]`.
//! The `(char, entry)` pairs describe every character that begins a key:
//! `entry & MULTI` says that a key of two or more characters begins with it,
//! and `entry & !MULTI`, when not zero, is one more than the index of the
//! one-character key that is the character itself. The trie (crawdad,
//! serialised) holds the keys of two or more characters, each with its
//! index. The pair and triple filters (`u64` words) are described in
//! `matcher.rs`; the
//! identity bit set (`u64` words) has bit `i` set when key `i` maps to
//! itself. Flag bit 0: some key contains a line feed.

/// The leading magic of a stage blob.
pub const MAGIC: &[u8; 4] = b"ZHCS";
/// The blob format version.
pub const VERSION: u32 = 4;
/// Entry bit: longer keys begin with this character.
pub const MULTI: u32 = 1 << 31;

/// log2 of the number of bits of the pair filter.
pub const PAIR_BITS: u32 = 20;

/// The filter slot of the character pair `c1 c2`.
#[inline(always)]
pub fn pair_hash(c1: u32, c2: u32) -> usize {
    ((((c1 as u64) << 21) | c2 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - PAIR_BITS))
        as usize
}

/// The filter slot of the character triple `c1 c2 c3`.
#[inline(always)]
pub fn triple_hash(c1: u32, c2: u32, c3: u32) -> usize {
    let x = ((c1 as u64) << 42) | ((c2 as u64) << 21) | c3 as u64;
    (x.wrapping_mul(0xD6E8_FEB8_6659_FD93).rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        >> (64 - PAIR_BITS)) as usize
}

/// A one-hash Bloom filter of the first two characters of every key of two
/// or more characters (see `matcher.rs` for why).
pub fn pair_filter<'a>(keys: impl Iterator<Item = &'a str>) -> Box<[u64]> {
    let mut bits = vec![0u64; 1 << (PAIR_BITS - 6)].into_boxed_slice();
    for k in keys {
        let mut cs = k.chars();
        if let (Some(a), Some(b)) = (cs.next(), cs.next()) {
            let h = pair_hash(a as u32, b as u32);
            bits[h >> 6] |= 1 << (h & 63);
        }
    }
    bits
}

/// A one-hash Bloom filter of the first three characters of every key of
/// three or more characters (see `matcher.rs`).
pub fn triple_filter<'a>(keys: impl Iterator<Item = &'a str>) -> Box<[u64]> {
    let mut bits = vec![0u64; 1 << (PAIR_BITS - 6)].into_boxed_slice();
    for k in keys {
        let mut cs = k.chars();
        if let (Some(a), Some(b), Some(c)) = (cs.next(), cs.next(), cs.next()) {
            let h = triple_hash(a as u32, b as u32, c as u32);
            bits[h >> 6] |= 1 << (h & 63);
        }
    }
    bits
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

/// The first-character entries of sorted, unique, non-empty `keys`.
pub fn first_entries<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<(char, u32)> {
    let mut map: std::collections::BTreeMap<char, u32> = std::collections::BTreeMap::new();
    for (i, k) in keys.enumerate() {
        let mut chars = k.chars();
        let Some(c) = chars.next() else { continue };
        let e = map.entry(c).or_insert(0);
        if chars.next().is_some() {
            *e |= MULTI;
        } else {
            *e |= i as u32 + 1;
        }
    }
    map.into_iter().collect()
}

/// The trie of the keys of two or more characters, valued by key index;
/// `None` when there are none.
pub fn build_trie(entries: &[(String, String)]) -> Result<Option<crawdad::Trie>, String> {
    let multi: Vec<(&str, u32)> = entries
        .iter()
        .enumerate()
        .filter(|(_, (k, _))| k.chars().nth(1).is_some())
        .map(|(i, (k, _))| (k.as_str(), i as u32))
        .collect();
    if multi.is_empty() {
        return Ok(None);
    }
    crawdad::Trie::from_records(multi).map(Some).map_err(|e| e.to_string())
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

/// Serialises `entries` (sorted, unique, non-empty keys) into a blob.
#[cfg_attr(not(test), allow(dead_code))] // used by build.rs and the tests
pub fn encode(entries: &[(String, String)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let put = |out: &mut Vec<u8>, x: u32| out.extend_from_slice(&x.to_le_bytes());
    out.extend_from_slice(MAGIC);
    put(&mut out, VERSION);
    put(&mut out, u32::from(entries.iter().any(|(k, _)| k.contains('\n'))));
    put(&mut out, entries.len() as u32);
    let mut offset = 0u32;
    put(&mut out, offset);
    for (_, v) in entries {
        offset += v.len() as u32;
        put(&mut out, offset);
    }
    for (_, v) in entries {
        out.extend_from_slice(v.as_bytes());
    }
    let firsts = first_entries(entries.iter().map(|(k, _)| k.as_str()));
    put(&mut out, firsts.len() as u32);
    for (c, e) in firsts {
        put(&mut out, c as u32);
        put(&mut out, e);
    }
    let trie = build_trie(entries)?.map(|t| t.serialize_to_vec()).unwrap_or_default();
    put(&mut out, trie.len() as u32);
    out.extend_from_slice(&trie);
    let pairs = pair_filter(entries.iter().map(|(k, _)| k.as_str()));
    put(&mut out, pairs.len() as u32);
    for w in pairs.iter() {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let triples = triple_filter(entries.iter().map(|(k, _)| k.as_str()));
    put(&mut out, triples.len() as u32);
    for w in triples.iter() {
        out.extend_from_slice(&w.to_le_bytes());
    }
    let identity = identity_bits(entries);
    put(&mut out, identity.len() as u32);
    for w in identity.iter() {
        out.extend_from_slice(&w.to_le_bytes());
    }
    Ok(out)
}
