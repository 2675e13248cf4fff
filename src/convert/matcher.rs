//! One conversion stage: a flattened dictionary and OpenCC's matching walk.
//!
//! OpenCC converts with greedy forward maximum matching: at each position it
//! takes the longest key that is a prefix of the rest of the text, and
//! otherwise copies one character (or one whole ideographic description
//! sequence, IDS) and moves on. [`Stage::walk`] is that loop.
//!
//! Why not a leftmost-longest Aho-Corasick automaton (daachorse), which
//! yields the same matches? It was the first version: callgrind counted
//! about 145 instructions per character for `s2t` on People's Daily text,
//! too slow for the speed this crate promises, and it needed extra logic to
//! keep keys from matching inside an IDS. The walk here looks the character
//! at each position up in a table covering the whole BMP (one load says
//! "begins no key", "is a one-character key with this value", or "begins
//! longer keys"); only in the last case does it look further, first in two
//! small Bloom filters, then in a hash trie of the longer keys
//! ([`blob::HashTrie`]). IDS pass-through becomes one comparison on the
//! unmatched path. [`Stage::apply`], which converts, runs the same walk in
//! blocks of two passes so that the look-ups of a block overlap instead of
//! waiting on each other (see there).

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::blob::{
    self, DIRECT, DIRECT_SAME, Filters, HashTrie, MAX_FILTER_BITS, MIN_FILTER_BITS, MULTI, SLOW,
    WORD_MULTI, identity_bits, longer_slot, longer_slot_for, pair_hash,
};
#[cfg(target_arch = "x86_64")]
use super::simd;

/// A decoded character: code point and UTF-8 length.
type Decoded = (u32, usize);

/// The characters [`Stage::apply`] looks up ahead in one pass. At most
/// 64: pass 1 keeps one bit per position in a `u64`.
const BLOCK: usize = 64;
const _: () = assert!(BLOCK <= 64);

/// Bits of the words [`Stage::apply`] prepares: the direct word in the
/// low half, then whether a longer key may begin at the position and the
/// answer of the longer-key filter's triple half there. A position takes
/// the fast path when its word has `DIRECT` and neither `SLOW` nor `HIT`,
/// the general step otherwise: a character with no direct word (a
/// one-character key with a longer value, one outside [`blob::FILLED`])
/// included.
pub(super) const HIT: u32 = 32;
pub(super) const TRIPLE: u32 = 33;
const FAST_MASK: u64 = DIRECT as u64 | SLOW as u64 | 1 << HIT;

/// Bytes after which [`Stage::apply`] starts no block: a block's last
/// character and the two after it are read whole (at most four bytes each).
const SLACK: usize = 12;

/// A piece of text as the walk sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes `start..end` matched no key (they may hold whole IDS).
    Gap(usize, usize),
    /// Bytes `start..end` are a key; the third field is its index.
    Match(usize, usize, u32),
}

/// One flattened dictionary, ready to match.
///
/// The tables of a built-in stage borrow the blob embedded in the binary
/// (`Cow::Borrowed`): loading one copies nothing but the first-character
/// table, and the pages of the rest are read only when a lookup touches
/// them. Stages built at run time own their tables.
pub struct Stage {
    /// First-character entries for U+0000..U+FFFF (see `blob.rs`).
    entries: Box<[u32]>,
    /// The direct words of U+0000..U+FFFF (see [`blob::direct_words`]).
    /// Apart from `entries` because the first pass of [`Stage::apply`]
    /// reads only these: half the cache footprint.
    words: Cow<'static, [u32]>,
    /// First-character entries beyond the BMP: the entry in the low half,
    /// the direct word in the high half.
    astral: HashMap<u32, u64>,
    /// Keys of two or more characters: `3 << trie_bits` words, or none.
    trie: Cow<'static, [u32]>,
    trie_bits: u32,
    offsets: Cow<'static, [u32]>,
    /// The values, one after the other; valid UTF-8, and every offset is a
    /// character boundary (checked when they come from outside).
    values: Cow<'static, [u8]>,
    newline_key: bool,
    /// The distinct two-byte beginnings of keys, when there are few (at
    /// most 16) and no key is a one-byte character, for
    /// [`Stage::cannot_match`].
    prefixes: Option<Vec<[u8; 2]>>,
    /// The same prefixes as at most four ranges `(first byte, lowest and
    /// highest second byte)`, when they fit, for `find_prefix`.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    prefix_ranges: Option<Vec<(u8, u8, u8)>>,
    /// Bit `i`: key `i` maps to itself.
    identity: Cow<'static, [u64]>,
    /// A one-hash Bloom filter over the first two characters of the keys
    /// of two or more characters. Most positions whose character begins
    /// some longer key are not followed by a character that continues one;
    /// the filter answers that from a table of at most 128 KiB instead of a
    /// probe into the trie's multi-megabyte table (a cache miss per
    /// position).
    pairs: Cow<'static, [u64]>,
    /// Bloom filter (one or two bits per key: see `two_bits`) over the
    /// keys of exactly two characters and the first three characters of
    /// the keys of three or more, in words that hold both answers for a
    /// pair (see [`blob::longer_slot`] and [`Stage::apply`]). Most
    /// character pairs that begin a longer key are not followed by a third
    /// character that continues one (91% of them in People's Daily under
    /// `s2t`); then the longest match has at most two characters and the
    /// trie is probed once.
    longer: Cow<'static, [u64]>,
    /// log2 of the number of bits of `pairs` (`longer` has twice as many).
    filter_bits: u32,
    /// `longer` has two bits per key (see [`blob::Filters`]).
    two_bits: bool,
}

/// What a stage is made of besides its first-character table.
struct Parts {
    words: Cow<'static, [u32]>,
    offsets: Cow<'static, [u32]>,
    values: Cow<'static, [u8]>,
    trie: Cow<'static, [u32]>,
    trie_bits: u32,
    pairs: Cow<'static, [u64]>,
    longer: Cow<'static, [u64]>,
    filter_bits: u32,
    two_bits: bool,
    identity: Cow<'static, [u64]>,
    newline_key: bool,
}

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stage").field("entries", &self.len()).finish()
    }
}

/// A plain little-endian integer a blob table is made of.
trait Word: Copy + 'static {
    fn from_le(b: &[u8]) -> Self;
}

impl Word for u32 {
    fn from_le(b: &[u8]) -> u32 {
        u32::from_le_bytes(b.try_into().unwrap())
    }
}

impl Word for u64 {
    fn from_le(b: &[u8]) -> u64 {
        u64::from_le_bytes(b.try_into().unwrap())
    }
}

impl Word for u8 {
    fn from_le(b: &[u8]) -> u8 {
        b[0]
    }
}

/// The table at `range` of a blob: borrowed from `keep` (the same blob,
/// when it lives for the whole program) when it is suitably aligned and the
/// machine is little-endian, else decoded into an owned copy.
fn table<T: Word>(
    bytes: &[u8],
    keep: Option<&'static [u8]>,
    range: Range<usize>,
) -> Cow<'static, [T]> {
    let size = size_of::<T>();
    if let Some(all) = keep
        && cfg!(target_endian = "little")
    {
        let sec = &all[range.clone()];
        if sec.as_ptr().align_offset(align_of::<T>()) == 0 {
            // SAFETY: the section is in bounds, aligned for `T`, and lives
            // for the whole program; `T` is a plain integer, valid for any
            // bit pattern, stored little-endian as the machine reads it.
            // The length is rounded down to whole `T`s (callers pass whole
            // multiples).
            return Cow::Borrowed(unsafe {
                std::slice::from_raw_parts(sec.as_ptr().cast::<T>(), sec.len() / size)
            });
        }
    }
    Cow::Owned(bytes[range].chunks_exact(size).map(T::from_le).collect())
}

/// Appends `src[from..to]` to `buf`. Most pieces the general step copies
/// are one to five characters: when sixteen bytes can be read at `from`,
/// they are moved as one block (the bytes past `to` land in spare capacity
/// and are not kept), instead of a call to `memcpy`.
#[inline(always)]
fn push_range(buf: &mut Vec<u8>, src: &[u8], from: usize, to: usize) {
    debug_assert!(from <= to && to <= src.len());
    let len = to - from;
    if len <= 16 && from + 16 <= src.len() {
        buf.reserve(16);
        // SAFETY: sixteen bytes are readable at `from` and writable at the
        // end of `buf` (reserved); only the `len` copied bytes are kept.
        unsafe {
            let block = std::ptr::read_unaligned(src.as_ptr().add(from).cast::<[u8; 16]>());
            let end = buf.len();
            std::ptr::write_unaligned(buf.as_mut_ptr().add(end).cast::<[u8; 16]>(), block);
            buf.set_len(end + len);
        }
    } else {
        buf.extend_from_slice(&src[from..to]);
    }
}

/// The code point and length of the UTF-8 character at `p` of valid UTF-8.
///
/// This is the innermost operation of conversion (several times per
/// character), so it reads without bounds checks.
///
/// # Safety
///
/// `b` must be valid UTF-8 (it always comes from a `&str`) and `p` must be
/// the start of a character in it: the lead byte then guarantees that its
/// continuation bytes are in bounds.
#[inline(always)]
unsafe fn decode_at(b: &[u8], p: usize) -> (u32, usize) {
    debug_assert!(p < b.len());
    // SAFETY: see the function's contract.
    unsafe {
        let x = *b.get_unchecked(p) as u32;
        if x < 0x80 {
            (x, 1)
        } else if x < 0xE0 {
            (((x & 0x1F) << 6) | (*b.get_unchecked(p + 1) as u32 & 0x3F), 2)
        } else if x < 0xF0 {
            let c = ((x & 0x0F) << 12)
                | ((*b.get_unchecked(p + 1) as u32 & 0x3F) << 6)
                | (*b.get_unchecked(p + 2) as u32 & 0x3F);
            (c, 3)
        } else {
            let c = ((x & 0x07) << 18)
                | ((*b.get_unchecked(p + 1) as u32 & 0x3F) << 12)
                | ((*b.get_unchecked(p + 2) as u32 & 0x3F) << 6)
                | (*b.get_unchecked(p + 3) as u32 & 0x3F);
            (c, 4)
        }
    }
}

/// [`decode_at`] for a position with at least four bytes after it, tried
/// for a three-byte character first (most characters of Chinese text): it
/// reads the four bytes in one load and tests one condition.
///
/// # Safety
///
/// As for [`decode_at`], and `p + 4 <= b.len()`.
#[inline(always)]
unsafe fn decode_wide(b: &[u8], p: usize) -> (u32, usize) {
    debug_assert!(p + 4 <= b.len());
    // SAFETY: the four bytes are in bounds (the function's contract).
    let w = u32::from_le(unsafe { std::ptr::read_unaligned(b.as_ptr().add(p).cast::<u32>()) });
    if w & 0xF0 == 0xE0 {
        let c = (w & 0x0F) << 12 | (w >> 2 & 0xFC0) | (w >> 16 & 0x3F);
        (c, 3)
    } else {
        // SAFETY: the function's contract.
        unsafe { decode_at(b, p) }
    }
}

impl Stage {
    fn assemble(firsts: impl Iterator<Item = (char, u32, u32)>, parts: Parts) -> Stage {
        // `entries` stays mostly untouched (pages of zeros the system
        // provides on first use).
        let mut entries = vec![0u32; 0x10000].into_boxed_slice();
        let mut astral = HashMap::new();
        let mut prefixes: Option<Vec<[u8; 2]>> = Some(Vec::new());
        for (c, e, d) in firsts {
            let e = u64::from(e) | u64::from(d) << 32;
            let mut buf = [0u8; 4];
            let enc = c.encode_utf8(&mut buf).as_bytes();
            if let Some(list) = &mut prefixes {
                match enc {
                    [a, b, ..] if list.len() < 16 || list.contains(&[*a, *b]) => {
                        if !list.contains(&[*a, *b]) {
                            list.push([*a, *b]);
                        }
                    }
                    _ => prefixes = None,
                }
            }
            if (c as u32) < 0x10000 {
                entries[c as usize] = e as u32;
            } else {
                astral.insert(c as u32, e);
            }
        }
        let prefix_ranges = prefixes.as_deref().and_then(prefix_ranges);
        Stage {
            prefix_ranges,
            entries,
            words: parts.words,
            astral,
            trie: parts.trie,
            trie_bits: parts.trie_bits,
            offsets: parts.offsets,
            values: parts.values,
            newline_key: parts.newline_key,
            prefixes,
            pairs: parts.pairs,
            longer: parts.longer,
            filter_bits: parts.filter_bits,
            two_bits: parts.two_bits,
            identity: parts.identity,
        }
    }

    /// Builds a stage from sorted entries with unique, non-empty keys.
    pub fn from_entries(entries: &[(String, String)]) -> Result<Stage, String> {
        let mut offsets = Vec::with_capacity(entries.len() + 1);
        let mut values = String::new();
        offsets.push(0);
        for (_, v) in entries {
            values.push_str(v);
            offsets.push(u32::try_from(values.len()).map_err(|_| "values too long")?);
        }
        let firsts = blob::first_entries(entries);
        let (trie_bits, trie) = HashTrie::build(entries);
        let newline_key = entries.iter().any(|(k, _)| k.contains('\n'));
        let filters = Filters::build(entries);
        let identity = identity_bits(entries);
        let parts = Parts {
            words: blob::direct_words(&firsts).into(),
            offsets: offsets.into(),
            values: values.into_bytes().into(),
            trie: trie.into(),
            trie_bits,
            pairs: filters.pairs.into_vec().into(),
            longer: filters.longer.into_vec().into(),
            filter_bits: filters.size,
            two_bits: filters.two,
            identity: identity.into_vec().into(),
            newline_key,
        };
        Ok(Stage::assemble(firsts.into_iter(), parts))
    }

    /// Reads a stage written by `blob::encode`, copying its tables and
    /// checking everything the walk relies on.
    pub fn from_blob(bytes: &[u8]) -> Result<Stage, String> {
        Stage::parse(bytes, None)
    }

    /// Reads a built-in stage written by `build.rs` (through
    /// `blob::encode`) and embedded 8-byte aligned: the tables are used in
    /// place. The contents are trusted (the build wrote them from checked
    /// dictionaries): only the layout is checked.
    pub(crate) fn from_static_blob(bytes: &'static [u8]) -> Result<Stage, String> {
        Stage::parse(bytes, Some(bytes))
    }

    fn parse(bytes: &[u8], keep: Option<&'static [u8]>) -> Result<Stage, String> {
        let word = |i: usize| -> Result<u32, String> {
            let b = bytes.get(4 * i..4 * i + 4).ok_or("truncated stage blob")?;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        if bytes.get(..4) != Some(&blob::MAGIC[..]) {
            return Err("not a stage blob".into());
        }
        if word(1)? != blob::VERSION {
            return Err("stage blob of another version".into());
        }
        let flags = word(2)?;
        let n = word(3)? as usize;
        let m = word(4)? as usize;
        let trie_bits = word(5)?;
        let slots = word(6)? as usize;
        if trie_bits > 30 || slots != if trie_bits == 0 { 0 } else { 1 << trie_bits } {
            return Err("bad trie size in stage blob".into());
        }
        let mut pos = 4 * blob::HEADER_WORDS;
        let mut take = |len: usize| -> Result<Range<usize>, String> {
            let end = pos.checked_add(len).filter(|&e| e <= bytes.len());
            let end = end.ok_or("truncated stage blob")?;
            let r = pos..end;
            pos = end;
            Ok(r)
        };
        let filter_bits = word(7)?;
        if !(MIN_FILTER_BITS..=MAX_FILTER_BITS).contains(&filter_bits) {
            return Err("bad filter size in stage blob".into());
        }
        let filter_words = 1usize << (filter_bits - 6);
        let pairs = table::<u64>(bytes, keep, take(8 * filter_words)?);
        let longer = table::<u64>(bytes, keep, take(16 * filter_words)?);
        let identity = table::<u64>(bytes, keep, take(8 * n.div_ceil(64))?);
        let offsets = table::<u32>(bytes, keep, take(4 * (n + 1))?);
        let firsts_range = take(12 * m)?;
        let trie = table::<u32>(bytes, keep, take(12 * slots)?);
        let words_range = take(4 * 0x10000)?;
        let vlen = *offsets.last().unwrap_or(&0) as usize;
        let values = table::<u8>(bytes, keep, take(vlen)?);
        if pos != bytes.len() {
            return Err("trailing bytes in stage blob".into());
        }
        let firsts = bytes[firsts_range].chunks_exact(12).map(|c| {
            let w = |i: usize| u32::from_le_bytes(c[4 * i..4 * i + 4].try_into().unwrap());
            (w(0), w(1), w(2))
        });
        if keep.is_none() {
            // Untrusted: check what the walk and `value` rely on.
            let text = std::str::from_utf8(&values).map_err(|e| e.to_string())?;
            if offsets.windows(2).any(|w| w[0] > w[1])
                || offsets.iter().any(|&o| !text.is_char_boundary(o as usize))
            {
                return Err("bad value offsets in stage blob".into());
            }
            for (c, e, d) in firsts.clone() {
                let len = (d >> 24) & 0x3F;
                let bad_direct = d & DIRECT != 0
                    && (e & !MULTI == 0
                        || !(1..=3).contains(&len)
                        || std::str::from_utf8(&d.to_le_bytes()[..len as usize]).is_err());
                if char::from_u32(c).is_none() || (e & !MULTI) as usize > n || bad_direct {
                    return Err("bad entry in stage blob".into());
                }
            }
            if trie.chunks_exact(3).any(|s| (s[2] & !HashTrie::HAS_CHILD) as usize > n) {
                return Err("bad trie entry in stage blob".into());
            }
        }
        let firsts = firsts.map(|(c, e, d)| (char::from_u32(c).unwrap_or('\0'), e, d));
        // The direct words of a built-in stage are used in place; those of
        // a blob from outside are computed again rather than checked.
        let words = match keep {
            Some(_) => table::<u32>(bytes, keep, words_range),
            None => blob::direct_words(&firsts.clone().collect::<Vec<_>>()).into(),
        };
        let newline_key = flags & 1 != 0;
        let two_bits = flags & 2 != 0;
        let parts = Parts {
            words,
            offsets,
            values,
            trie,
            trie_bits,
            pairs,
            longer,
            filter_bits,
            two_bits,
            identity,
            newline_key,
        };
        Ok(Stage::assemble(firsts, parts))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the stage has no keys (it then copies text unchanged).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether some key contains a line feed.
    pub fn has_newline_key(&self) -> bool {
        self.newline_key
    }

    /// The value of key number `i`.
    #[inline]
    pub fn value(&self, i: u32) -> &str {
        // SAFETY: `values` is valid UTF-8 and every offset is a character
        // boundary: checked in `from_blob`, true by construction in
        // `from_entries` and in the built-in blobs (written by `encode`
        // from `&str`s).
        unsafe { std::str::from_utf8_unchecked(self.value_bytes(i)) }
    }

    /// The value of key number `i`, as bytes (no character-boundary checks
    /// on the hot path: the offsets are boundaries by construction).
    #[inline(always)]
    fn value_bytes(&self, i: u32) -> &[u8] {
        let (a, b) = self.value_range(i);
        // SAFETY: see `value_range`.
        unsafe { self.values.get_unchecked(a..b) }
    }

    /// Where the value of key `i` lies in `values`.
    #[inline(always)]
    fn value_range(&self, i: u32) -> (usize, usize) {
        let i = i as usize;
        debug_assert!(i + 1 < self.offsets.len());
        // SAFETY: key indices come from the first-character entries and the
        // trie, which hold indices below `len()` (checked in `from_blob`,
        // true by construction otherwise), and `offsets` has `len() + 1`
        // ascending entries, the last one the length of `values`.
        unsafe {
            let a = *self.offsets.get_unchecked(i) as usize;
            let b = *self.offsets.get_unchecked(i + 1) as usize;
            debug_assert!(a <= b && b <= self.values.len());
            (a, b)
        }
    }

    /// The entry (low half) and direct word (high half) of character `c`.
    #[inline(always)]
    fn entry(&self, c: u32) -> u64 {
        match (self.entries.get(c as usize), self.words.get(c as usize)) {
            (Some(&e), Some(&w)) => u64::from(e) | u64::from(w) << 32,
            _ => self.astral.get(&c).copied().unwrap_or(0),
        }
    }

    /// Whether no key can match anywhere in `text`: no character of it
    /// begins a key. Fast when keys begin with few distinct bytes (the
    /// normalisation stage: compatibility ideographs).
    pub fn cannot_match(&self, text: &str) -> bool {
        let b = text.as_bytes();
        // SAFETY: `b` is a `&str`'s bytes; every `i` below is a character
        // start (a byte that can begin a key is never a continuation byte).
        let hit = |i: usize| self.entry(unsafe { decode_at(b, i) }.0) as u32 != 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(ranges) = &self.prefix_ranges {
            // One pass over the text instead of one per prefix.
            let mut from = 0;
            while let Some(i) = find_prefix(b, ranges, from) {
                if hit(i) {
                    return false;
                }
                from = i + 1;
            }
            return true;
        }
        if let Some(prefixes) = &self.prefixes {
            // Few two-byte prefixes (the compatibility ideographs: EF A4 to
            // EF AB, F0 AF): one vectorised search per prefix beats
            // stopping at every EF, which full-width punctuation makes
            // frequent in Chinese text.
            return prefixes.iter().all(|p| memchr::memmem::find_iter(b, p).all(|i| !hit(i)));
        }
        !text.char_indices().any(|(i, _)| hit(i))
    }

    /// Converts `text` with this stage, appending to `out`. Returns how many
    /// keys were replaced by a different text.
    ///
    /// The same walk as [`Stage::walk`], done a block of up to
    /// `BLOCK` characters at a time in two passes.
    ///
    /// At most positions of real text no key of two or more characters
    /// can match: the pair there is not a key and the three characters
    /// there begin no longer key (the longer-key filter says so for 91% of
    /// the positions of People's Daily under `s2t`, false "maybe"s
    /// included; the pair filter, which asks whether the pair begins any
    /// key, lets 81% pass). The character then becomes its one-character
    /// value or stays as it is, and every character of the BMP carries the
    /// four bytes to write for that in its table word (see `assemble`).
    ///
    /// The first pass decodes the block, then looks every character up:
    /// its table word and one word of the longer-key filter. These loads
    /// do not depend on each other, so the processor overlaps their cache
    /// misses, which a step-by-step walk waits for one after the other. It
    /// also starts loading the trie slots that the second pass will probe.
    /// The second pass walks the block: a position that passed writes its
    /// prepared word, with no branch on whether the character changed (a
    /// coin toss in real text); any other position (a possible longer key,
    /// a long value, an IDS operator, a character beyond the BMP) takes the
    /// general step, which is one step of [`Stage::walk`], told what the
    /// filter said. The last `SLACK` bytes of the text take general
    /// steps only.
    ///
    /// Measured against the step-by-step walk (same process, alternating
    /// runs, `examples/convert_speed.rs` on People's Daily and Tang poems):
    /// 1.13x on `s2t` and 1.31x on `t2s` for the first two-pass version;
    /// the decoding pass, the table words and the one-word filter then gave
    /// a further 1.25x on `s2t`.
    ///
    /// Where the processor has AVX2, both passes go eight characters at a
    /// time wherever they can (see `simd.rs`): pass 1 over runs of
    /// three-byte characters, pass 2 over runs of positions that take the
    /// fast path. That halves the instructions of `s2t` on People's Daily
    /// (133 to 67 per character under callgrind) and gave 1.18x on the
    /// whole `clean+s2t` pipeline and 1.68x on `t2s` (alternating runs as
    /// above). [`Stage::apply_portable`] is the loop without it.
    ///
    /// Where a stage keeps strict bits (two-bit filters, see
    /// `blob::Filters`), pass 1 also sends to the fast path the positions
    /// where only a compositional pair may begin (`发展` → `發展`: what the
    /// two characters become one by one) and no longer key may begin at
    /// the next position: the walk's match there writes what two fast
    /// steps write. On People's Daily under `s2t` that halves the positions
    /// that take the general step; instructions went from 62 to 56 per
    /// character under callgrind, and time by 1.08x on `s2t` and 1.04x on
    /// the `clean+s2t` pipeline.
    pub fn apply(&self, text: &str, out: &mut String) -> u64 {
        // The vector steps need eight characters and `SLACK` bytes after
        // them: shorter texts (the segments of configs with segmentation,
        // mostly) go straight to the portable loop.
        #[cfg(target_arch = "x86_64")]
        if text.len() >= 24 + SLACK && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2.
            return unsafe { self.apply_avx2(text, out) };
        }
        self.apply_portable(text, out)
    }

    /// [`Stage::apply`] without vector instructions: the same text and
    /// count on every processor.
    pub fn apply_portable(&self, text: &str, out: &mut String) -> u64 {
        // One copy of the loop per kind of longer-key filter, so that a
        // stage with one bit per key runs none of the second bit's code.
        if self.two_bits {
            self.apply_with::<true, false>(text, out)
        } else {
            self.apply_with::<false, false>(text, out)
        }
    }

    /// [`Stage::apply`] compiled with AVX2, and with the vector steps of
    /// `simd.rs`.
    ///
    /// # Safety
    ///
    /// The processor must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn apply_avx2(&self, text: &str, out: &mut String) -> u64 {
        if self.two_bits {
            self.apply_with::<true, true>(text, out)
        } else {
            self.apply_with::<false, true>(text, out)
        }
    }

    /// [`Stage::apply`] for a longer-key filter with two bits per key
    /// (`TWO`) or one, with the AVX2 steps (`SIMD`, only ever set in
    /// `apply_avx2`) or without.
    #[inline(always)]
    fn apply_with<const TWO: bool, const SIMD: bool>(&self, text: &str, out: &mut String) -> u64 {
        // SAFETY: only whole characters and keys of `text` (valid UTF-8)
        // and whole values are appended, so `out` stays valid UTF-8. The
        // four-byte stores of the fast path write past the new end, into
        // reserved capacity, bytes that later stores overwrite or
        // `set_len` leaves out.
        let buf = unsafe { out.as_mut_vec() };
        let b = text.as_bytes();
        let n = b.len();
        let longer = &*self.longer;
        let fb = self.filter_bits;
        let mut replaced = 0;
        // Blocks stop `SLACK` bytes before the end, so that the two
        // characters after a block's last one are there to read whole.
        let block_end = n.saturating_sub(SLACK);
        // Per position of a block: its byte offset and code point (with
        // two more code points after the block) and the prepared word (the
        // table word, then the `HIT` and `TRIPLE` bits).
        let mut pos = [0usize; BLOCK + 1];
        let mut cps = [0u32; BLOCK + 8];
        let mut prep = [0u64; BLOCK];
        let mut p = 0;
        while p < n {
            if p >= block_end {
                // The last bytes: general steps only.
                p = self.general_step(text, p, None, None, buf, &mut replaced);
                continue;
            }
            // Pass 1, decoding. SAFETY (every `decode_at` and
            // `decode_wide`): `b` is a `&str`'s bytes and the positions
            // advance by whole characters from `p`, a character start. The
            // block's characters start before `block_end = n - SLACK`, so
            // four bytes can be read at each, and the two characters after
            // the last one start before `n - 4` (characters have at most
            // four bytes).
            let mut k = 0;
            let mut q = p;
            while k < BLOCK && q < block_end {
                #[cfg(target_arch = "x86_64")]
                if SIMD && k + 8 <= BLOCK && q + 24 <= block_end {
                    // SAFETY: `q + 24 <= block_end = n - SLACK`, so 28
                    // bytes can be read at `q`; `k + 8 <= BLOCK` entries
                    // fit in `cps` and `pos`.
                    let got = unsafe {
                        simd::decode8(
                            b.as_ptr().add(q),
                            q,
                            cps.as_mut_ptr().add(k),
                            pos.as_mut_ptr().add(k),
                        )
                    };
                    k += got;
                    q += 3 * got;
                    if got == 8 {
                        continue;
                    }
                    // The character at `q`, if any, is not a three-byte one.
                    if !(k < BLOCK && q < block_end) {
                        break;
                    }
                }
                let (c, l) = unsafe { decode_wide(b, q) };
                cps[k] = c;
                pos[k] = q;
                k += 1;
                q += l;
            }
            pos[k] = q;
            let (c1, l1) = unsafe { decode_at(b, q) };
            cps[k] = c1;
            cps[k + 1] = unsafe { decode_at(b, q + l1) }.0;
            // Pass 1, look-ups. Bit `i` of `full`: a key of two or more
            // characters may begin at position `i`; of `strict`: one that
            // is not a compositional pair (see `blob::Slot`).
            let (mut full, mut strict) = (0u64, 0u64);
            // Where the scalar look-ups begin (after the vector ones).
            #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
            let mut i0 = 0;
            #[cfg(target_arch = "x86_64")]
            if SIMD {
                while i0 + 8 <= k {
                    // SAFETY: entries `i0..i0 + 10` of `cps` are decoded.
                    let (f, s) = unsafe {
                        simd::lookup8::<TWO>(
                            self.words.as_ptr(),
                            longer.as_ptr(),
                            fb,
                            cps.as_ptr().add(i0),
                            prep.as_mut_ptr().add(i0),
                        )
                    };
                    full |= u64::from(f) << i0;
                    strict |= u64::from(s) << i0;
                    i0 += 8;
                }
            }
            for i in i0..k {
                let (c, d, e) = (cps[i], cps[i + 1], cps[i + 2]);
                // Every character of the BMP has a direct word (see
                // `assemble`); one beyond it is looked up at U+FFFF, whose
                // word says "general step".
                // SAFETY: the index is at most 0xFFFF, the table's last.
                let word = unsafe { *self.words.get_unchecked(c.min(0xFFFF) as usize) };
                // A key of two or more characters can begin here only if
                // the pair is a key or the three characters begin a longer
                // one (Bloom filters: no false "no").
                let slot = longer_slot::<TWO>(c, d, e, fb);
                // SAFETY: `longer_slot` gives a word index below the
                // filter's length (checked when the stage was read).
                let w = unsafe { *longer.get_unchecked(slot.word) };
                let triple = w & slot.triple == slot.triple;
                let multi = word & WORD_MULTI != 0;
                let hit = multi & ((w & slot.pair == slot.pair) | triple);
                full |= u64::from(hit) << i;
                strict |= u64::from(multi & ((w & slot.strict == slot.strict) | triple)) << i;
                prep[i] = u64::from(word) | u64::from(hit) << HIT | u64::from(triple) << TRIPLE;
            }
            // A position where only a compositional pair may begin takes
            // the fast path when no key of two or more characters can
            // begin at the next one: the pair, if it is there, writes what
            // two single steps write (see `blob::compositional`). The
            // block's last position does not know about the next one (a
            // block has at least one position: `k >= 1`).
            let general = full & (strict | full >> 1 | 1 << (k - 1));
            let mut demoted = full & !general;
            while demoted != 0 {
                prep[demoted.trailing_zeros() as usize] &= !(1 << HIT);
                demoted &= demoted - 1;
            }
            let mut h = general;
            while h != 0 {
                let i = h.trailing_zeros() as usize;
                self.prefetch_pair(cps[i], cps[i + 1]);
                h &= h - 1;
            }
            // Pass 2. The reserve covers four bytes per position, and the
            // 28 bytes `fast8` stores at once.
            buf.reserve(4 * k + 32);
            let mut j = 0;
            while j < k {
                let mut len = buf.len();
                let dst = buf.as_mut_ptr();
                loop {
                    #[cfg(target_arch = "x86_64")]
                    if SIMD && j + 8 <= k {
                        // SAFETY: eight prepared words are read; 28 bytes
                        // are written at `len`, within the reserve (at
                        // least `4 * (k - j) + 32` bytes from `len`).
                        let (f, bytes, r) =
                            unsafe { simd::fast8(prep.as_ptr().add(j), dst.add(len)) };
                        len += bytes;
                        j += f;
                        replaced += r;
                        if f == 8 {
                            continue;
                        }
                        // Position `j` takes the general step.
                        break;
                    }
                    if !(j < k && prep[j] & FAST_MASK == u64::from(DIRECT)) {
                        break;
                    }
                    // SAFETY: `4 * k + 32` bytes were reserved and at
                    // most three are kept per position.
                    unsafe {
                        std::ptr::write_unaligned(dst.add(len).cast::<u32>(), prep[j] as u32)
                    };
                    len += (prep[j] >> 24 & 3) as usize;
                    replaced += !prep[j] >> 30 & 1;
                    j += 1;
                }
                // SAFETY: the bytes up to `len` were written.
                unsafe { buf.set_len(len) };
                if j == k {
                    break;
                }
                // What pass 1 learnt from the filters: whether a longer key
                // may begin here, and the answer of the triple half.
                let known = (prep[j] >> HIT & 1 != 0).then_some(prep[j] >> TRIPLE & 1 != 0);
                // A character with a usable direct word needs no look-up
                // in `entries`: see `general_step`.
                let w = prep[j] as u32;
                let at =
                    (w & (DIRECT | SLOW) == DIRECT).then_some(((cps[j], pos[j + 1] - pos[j]), w));
                let end = self.general_step(text, pos[j], at, known, buf, &mut replaced);
                while j < k && pos[j] < end {
                    j += 1;
                }
                if j == k {
                    q = end;
                    break;
                }
                buf.reserve(4 * (k - j) + 32);
            }
            p = q;
        }
        replaced
    }

    /// One step of the walk at `p` (a character start of `text`): appends
    /// what the longest key there becomes (or the unmatched character or
    /// IDS) to `buf` and returns where the next step starts. `known`: the
    /// filters were asked already (see [`Stage::longest_at`]).
    ///
    /// `at`: the character at `p` (code point and length) and its direct
    /// word, when pass 1 has them and the word has `DIRECT` without `SLOW`.
    /// The step then skips the decoding and the look-up in `entries` (a
    /// cache miss at most general steps): such a character is either a
    /// one-character key whose value the word holds or a character that
    /// stays as it is, and in both cases the walk writes the word's bytes
    /// when no longer key matches. The entry made up for it says "a
    /// one-character key" with index 0, which is never read, since `emit`
    /// takes the direct word first.
    #[inline(always)]
    fn general_step(
        &self,
        text: &str,
        p: usize,
        at: Option<(Decoded, u32)>,
        known: Option<bool>,
        buf: &mut Vec<u8>,
        replaced: &mut u64,
    ) -> usize {
        let b = text.as_bytes();
        let ((c, l), ed) = match at {
            Some((d, w)) => {
                let e = if w & WORD_MULTI != 0 { MULTI | 1 } else { 1 };
                (d, u64::from(e) | u64::from(w) << 32)
            }
            None => {
                // SAFETY: `b` is a `&str`'s bytes and `p` a character start.
                let d = unsafe { decode_at(b, p) };
                (d, self.entry(d.0))
            }
        };
        let (best, _) = unsafe { self.longest_at(b, p, (c, l), ed, known) };
        let next = p + l;
        if let Some((end, v)) = best {
            let direct = if end == next { (ed >> 32) as u32 } else { 0 };
            let mut from = p;
            *replaced += self.emit(buf, b, &mut from, (p, end, v), direct);
            if from == p {
                push_range(buf, b, p, end);
            }
            end
        } else {
            let end = unmatched_end(text, p, c, next);
            push_range(buf, b, p, end);
            end
        }
    }

    /// [`Stage::apply`] with one-character keys only: what `apply` gives on
    /// text where no longer key can match at any position the walk stops
    /// at. The converter uses it on the gaps of its segmentation when the
    /// config guarantees that (see `blob::gaps_single`): a second look for
    /// phrases there would find none.
    pub fn apply_single(&self, text: &str, out: &mut String) -> u64 {
        // SAFETY: as in `apply`, only whole characters of `text` and whole
        // values are appended.
        let buf = unsafe { out.as_mut_vec() };
        buf.reserve(text.len());
        let b = text.as_bytes();
        let n = b.len();
        let mut replaced = 0;
        let mut copy_from = 0;
        let mut p = 0;
        while p < n {
            // SAFETY: `p` advances by whole characters or IDS sequences.
            let (c, l) = unsafe { decode_at(b, p) };
            let ed = self.entry(c);
            let single = ed as u32 & !MULTI;
            if single != 0 {
                let direct = (ed >> 32) as u32;
                replaced += self.emit(buf, b, &mut copy_from, (p, p + l, single - 1), direct);
                p += l;
                continue;
            }
            p = unmatched_end(text, p, c, p + l);
        }
        buf.extend_from_slice(&b[copy_from..]);
        replaced
    }

    /// Writes the value of the match `(a, b, v)` of `bytes` into `buf`,
    /// after the unchanged text since `copy_from`; nothing when the value
    /// is the key. Returns 1 when the text changed.
    #[inline(always)]
    fn emit(
        &self,
        buf: &mut Vec<u8>,
        bytes: &[u8],
        copy_from: &mut usize,
        (a, b, v): (usize, usize, u32),
        direct: u32,
    ) -> u64 {
        if direct & DIRECT != 0 {
            // One character to one character, the value at hand.
            if direct & DIRECT_SAME != 0 {
                return 0;
            }
            if *copy_from < a {
                buf.extend_from_slice(&bytes[*copy_from..a]);
            }
            let w = direct.to_le_bytes();
            match (direct >> 24) & 3 {
                3 => buf.extend_from_slice(&w[..3]),
                2 => buf.extend_from_slice(&w[..2]),
                _ => buf.push(w[0]),
            }
            *copy_from = b;
            1
        } else if self.identity[v as usize / 64] & (1 << (v % 64)) == 0 {
            if *copy_from < a {
                buf.extend_from_slice(&bytes[*copy_from..a]);
            }
            let (from, to) = self.value_range(v);
            push_range(buf, &self.values, from, to);
            *copy_from = b;
            1
        } else {
            0
        }
    }

    /// Starts loading the trie slot where the look-up of the pair `c d`
    /// begins (a cache miss, most of the time, that the caller would
    /// otherwise wait for).
    #[inline(always)]
    fn prefetch_pair(&self, c: u32, d: u32) {
        #[cfg(target_arch = "x86_64")]
        if !self.trie.is_empty() {
            let s = HashTrie::home(HashTrie::ROOT_TAG | c, d, self.trie_bits);
            // SAFETY: `s` is below the slot count and the table has three
            // words per slot; prefetching has no other effect.
            unsafe {
                use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                _mm_prefetch::<_MM_HINT_T0>(self.trie.as_ptr().add(3 * s).cast());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (c, d);
    }

    /// The trie node (slot) of the child `ch` of `parent`, if there is one.
    #[inline(always)]
    fn trie_child(&self, parent: u32, ch: u32) -> Option<usize> {
        let t = &*self.trie;
        if t.is_empty() {
            return None;
        }
        let mask = (1usize << self.trie_bits) - 1;
        let mut s = HashTrie::home(parent, ch, self.trie_bits);
        loop {
            // SAFETY: `s <= mask` and the table has `3 * (mask + 1)` words
            // (checked when the stage was read or built).
            let (p, c) = unsafe { (*t.get_unchecked(3 * s), *t.get_unchecked(3 * s + 1)) };
            if p == parent && c == ch {
                return Some(s);
            }
            if p == HashTrie::EMPTY {
                return None;
            }
            s = (s + 1) & mask;
        }
    }

    /// The value word of trie node `s`.
    #[inline(always)]
    fn trie_value(&self, s: usize) -> u32 {
        debug_assert!(3 * s + 2 < self.trie.len());
        // SAFETY: `s` is a slot found by `trie_child`, below the slot count.
        unsafe { *self.trie.get_unchecked(3 * s + 2) }
    }

    /// The longest key at `p`, where character `c` (`l` bytes, first
    /// entry `ed`) begins: its end and index, if any; and the next
    /// character, decoded, when the look-up read it.
    ///
    /// `known` is `Some(triple)` when the caller has asked the filters
    /// already and they said a longer key may begin here; `triple` is the
    /// answer of the longer-key filter's triple half.
    /// The pair filter is then skipped: its answer would be yes, and the
    /// trie probe is the real test.
    ///
    /// # Safety
    ///
    /// `b` must be valid UTF-8 and `p` the start of character `c` in it.
    #[inline(always)]
    unsafe fn longest_at(
        &self,
        b: &[u8],
        p: usize,
        (c, l): (u32, usize),
        ed: u64,
        known: Option<bool>,
    ) -> (Option<(usize, u32)>, Option<Decoded>) {
        let n = b.len();
        let e = ed as u32;
        let next = p + l;
        let mut ahead = None;
        if e == 0 {
            return (None, None);
        }
        let single = e & !MULTI;
        let mut best = (single != 0).then(|| (next, single - 1));
        if e & MULTI != 0 && next < n {
            // SAFETY (every `decode_at`): positions advance by whole
            // characters of valid UTF-8 (the function's contract).
            let d = unsafe { decode_at(b, next) };
            ahead = Some(d);
            let pair = known.is_some() || bit(&self.pairs, pair_hash(c, d.0, self.filter_bits));
            if pair && let Some(s) = self.trie_child(HashTrie::ROOT_TAG | c, d.0) {
                // Trie keys have two or more characters: longer than
                // `single` when found.
                let third = next + d.1;
                let v = self.trie_value(s);
                if v & !HashTrie::HAS_CHILD != 0 {
                    best = Some((third, (v & !HashTrie::HAS_CHILD) - 1));
                }
                if v & HashTrie::HAS_CHILD != 0 && third < n {
                    let mut cc = unsafe { decode_at(b, third) };
                    let triple = known.unwrap_or_else(|| {
                        let s = longer_slot_for(self.two_bits, c, d.0, cc.0, self.filter_bits);
                        self.longer[s.word] & s.triple == s.triple
                    });
                    if triple {
                        let mut node = s;
                        let mut at = third;
                        while let Some(s) = self.trie_child(node as u32, cc.0) {
                            at += cc.1;
                            let v = self.trie_value(s);
                            if v & !HashTrie::HAS_CHILD != 0 {
                                best = Some((at, (v & !HashTrie::HAS_CHILD) - 1));
                            }
                            if v & HashTrie::HAS_CHILD == 0 || at >= n {
                                break;
                            }
                            cc = unsafe { decode_at(b, at) };
                            node = s;
                        }
                    }
                }
            }
        }
        (best, ahead)
    }

    /// Walks `text` as OpenCC does, reporting gaps and matches in order.
    /// Consecutive gaps may be reported separately; together the pieces
    /// cover `text` exactly.
    #[inline(always)]
    pub fn walk(&self, text: &str, mut f: impl FnMut(Piece)) {
        let b = text.as_bytes();
        let n = b.len();
        let mut p = 0;
        let mut gap = 0;
        // The character at `p`, decoded once: the look-ahead for the pair
        // filter decodes the next one, which the next step reuses.
        // SAFETY (every `decode_at` and `longest_at` below): `b` is a
        // `&str`'s bytes and the positions advance by whole characters (or
        // whole keys or IDS).
        let mut cur = if n > 0 { unsafe { decode_at(b, 0) } } else { (0, 0) };
        while p < n {
            let (c, l) = cur;
            let ed = self.entry(c);
            let next = p + l;
            let (best, ahead) = unsafe { self.longest_at(b, p, cur, ed, None) };
            if let Some((end, v)) = best {
                if gap < p {
                    f(Piece::Gap(gap, p));
                }
                f(Piece::Match(p, end, v));
                p = end;
                gap = end;
                cur = match ahead {
                    Some(d) if end == next => d,
                    _ if end < n => unsafe { decode_at(b, end) },
                    _ => (0, 0),
                };
                continue;
            }
            // Unmatched: the character (or IDS) joins the gap.
            p = unmatched_end(text, p, c, next);
            cur = match ahead {
                Some(d) if p == next => d,
                _ if p < n => unsafe { decode_at(b, p) },
                _ => (0, 0),
            };
        }
        if gap < n {
            f(Piece::Gap(gap, n));
        }
    }
}

/// Where an unmatched step at `p` ends, `c` being the character there and
/// `next` the start of the one after it: an IDS operator that starts a
/// complete sequence carries the whole sequence, as OpenCC does; any other
/// character is copied alone.
#[inline(always)]
fn unmatched_end(text: &str, p: usize, c: u32, next: usize) -> usize {
    let ids = if (0x2FF0..=0x2FFF).contains(&c) { ids_len(&text[p..]) } else { 0 };
    if ids > 0 { p + ids } else { next }
}

/// Bit `h` of the pair filter.
#[inline(always)]
fn bit(filter: &[u64], h: usize) -> bool {
    debug_assert!(h >> 6 < filter.len());
    // SAFETY: the filter hashes are below 2^filter_bits and every filter
    // of the stage has 2^filter_bits bits (the lengths are checked when a
    // stage is read).
    unsafe { *filter.get_unchecked(h >> 6) & (1 << (h & 63)) != 0 }
}

/// `prefixes` as ranges of second bytes under one first byte, when there
/// are at most four such ranges.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn prefix_ranges(prefixes: &[[u8; 2]]) -> Option<Vec<(u8, u8, u8)>> {
    let mut sorted = prefixes.to_vec();
    sorted.sort_unstable();
    let mut ranges: Vec<(u8, u8, u8)> = Vec::new();
    for [a, b] in sorted {
        match ranges.last_mut() {
            Some((l, _, hi)) if *l == a && hi.checked_add(1) == Some(b) => *hi = b,
            _ => ranges.push((a, b, b)),
        }
    }
    (ranges.len() <= 4).then_some(ranges)
}

/// The first position `i >= from` of `b` where `b[i]` is the first byte
/// of one of `ranges` and `b[i + 1]` lies in its second-byte range.
///
/// Sixteen positions at a time with SSE2 (part of every x86-64 CPU): the
/// normalisation stage's keys (compatibility ideographs) begin with
/// `EF A4..=AB` or `F0 AF`, and one pass testing both beats one `memmem`
/// pass per two-byte prefix (nine of them).
#[cfg(target_arch = "x86_64")]
fn find_prefix(b: &[u8], ranges: &[(u8, u8, u8)], from: usize) -> Option<usize> {
    // A fixed number of ranges lets the compiler keep every constant in a
    // register and unroll the tests.
    match ranges {
        [r] => find_prefix_n(b, [*r], from),
        [r, s] => find_prefix_n(b, [*r, *s], from),
        [r, s, t] => find_prefix_n(b, [*r, *s, *t], from),
        [r, s, t, u] => find_prefix_n(b, [*r, *s, *t, *u], from),
        _ => (from..b.len().saturating_sub(1)).find(|&j| in_ranges(b, ranges, j)),
    }
}

/// Whether a prefix of `ranges` starts at `b[j]` (`j + 1 < b.len()`).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn in_ranges(b: &[u8], ranges: &[(u8, u8, u8)], j: usize) -> bool {
    ranges.iter().any(|&(lead, lo, hi)| b[j] == lead && (lo..=hi).contains(&b[j + 1]))
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn find_prefix_n<const N: usize>(
    b: &[u8],
    ranges: [(u8, u8, u8); N],
    from: usize,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let mut i = from;
    // SAFETY: SSE2 is always available on x86_64; every load reads 16
    // bytes at `i` or `i + 1` with `i + 17 <= b.len()`, so in bounds, and
    // unaligned loads are allowed.
    unsafe {
        let splat = |x: u8| _mm_set1_epi8(x as i8);
        let consts = ranges.map(|(lead, lo, hi)| (splat(lead), splat(lo), splat(hi - lo)));
        while i + 17 <= b.len() {
            let p = b.as_ptr().add(i);
            let first = _mm_loadu_si128(p.cast());
            let second = _mm_loadu_si128(p.add(1).cast());
            let mut any = _mm_setzero_si128();
            for &(lead, lo, span) in &consts {
                let is_lead = _mm_cmpeq_epi8(first, lead);
                // second - lo <= hi - lo, unsigned: min(x, span) == x.
                let x = _mm_sub_epi8(second, lo);
                let in_range = _mm_cmpeq_epi8(_mm_min_epu8(x, span), x);
                any = _mm_or_si128(any, _mm_and_si128(is_lead, in_range));
            }
            let mask = _mm_movemask_epi8(any);
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    (i..b.len().saturating_sub(1)).find(|&j| in_ranges(b, &ranges, j))
}

/// The byte offset of the first ideographic description operator
/// (U+2FF0..U+2FFF, bytes `E2 BF B0..BF`) in `bytes[from..to]`.
#[inline]
pub fn find_ids_operator(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut at = from;
    while at < to {
        let i = at + memchr::memmem::find(&bytes[at..to], b"\xE2\xBF")?;
        if bytes.get(i + 2).is_some_and(|&b| b >= 0xB0) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

fn ids_arity(c: char) -> usize {
    match c {
        '\u{2FF2}' | '\u{2FF3}' => 3,
        '\u{2FFE}' | '\u{2FFF}' => 1,
        '\u{2FF0}'..='\u{2FFD}' => 2,
        _ => 0,
    }
}

/// The length in bytes of the complete IDS at the start of `s`, or 0 when
/// `s` does not start with an operator or the sequence is incomplete or
/// too long (OpenCC: depth 16, 64 code points).
pub fn ids_len(s: &str) -> usize {
    enum Status {
        Complete(usize),
        Incomplete,
        Invalid,
    }
    fn consume(s: &str, depth_left: usize, points: &mut usize) -> Status {
        let Some(c) = s.chars().next() else { return Status::Incomplete };
        if depth_left == 0 || *points >= 64 {
            return Status::Invalid;
        }
        *points += 1;
        let arity = ids_arity(c);
        let mut off = c.len_utf8();
        for _ in 0..arity {
            if off >= s.len() {
                return Status::Incomplete;
            }
            match consume(&s[off..], depth_left - 1, points) {
                Status::Complete(n) => off += n,
                other => return other,
            }
        }
        Status::Complete(off)
    }
    match s.chars().next() {
        Some(c) if ids_arity(c) > 0 => match consume(s, 16, &mut 0) {
            Status::Complete(n) => n,
            _ => 0,
        },
        _ => 0,
    }
}

/// Whether an IDS starting before byte `at` of `text` could reach past
/// `at`: true when an operator lies within the 64 characters before it.
pub fn ids_may_span(text: &str, at: usize) -> bool {
    let start = text[..at].char_indices().rev().nth(63).map_or(0, |(i, _)| i);
    find_ids_operator(text.as_bytes(), start, at).is_some()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn stage(pairs: &[(&str, &str)]) -> Stage {
        let mut e: Vec<(String, String)> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        e.sort();
        Stage::from_entries(&e).unwrap()
    }

    /// What `apply` and `apply_portable` make of `t`: text and count.
    pub(in crate::convert) fn loops(s: &Stage, t: &str) -> [(String, u64); 2] {
        let (mut a, mut b) = (String::new(), String::new());
        let n = s.apply(t, &mut a);
        let m = s.apply_portable(t, &mut b);
        [(a, n), (b, m)]
    }

    /// What [`Stage::walk`] (no fast path) makes of `t`: the text, and how
    /// many keys it replaced by a different text.
    pub(in crate::convert) fn walked(s: &Stage, t: &str) -> (String, u64) {
        let (mut out, mut replaced) = (String::new(), 0);
        s.walk(t, |piece| match piece {
            Piece::Gap(a, b) => out.push_str(&t[a..b]),
            Piece::Match(a, b, v) => {
                out.push_str(s.value(v));
                replaced += u64::from(s.value(v) != &t[a..b]);
            }
        });
        (out, replaced)
    }

    fn run(s: &Stage, t: &str) -> String {
        let mut o = String::new();
        s.apply(t, &mut o);
        o
    }

    /// The walk written the plain way, as OpenCC's loop: the reference the
    /// automaton walk is checked against. At each position the longest key
    /// (looked up by every prefix of up to the longest key's length), else
    /// one whole IDS or one character. Returns the text and how many keys
    /// were replaced by a different text.
    fn naive_counted<K: AsRef<str>>(pairs: &[(K, K)], t: &str) -> (String, u64) {
        let map: HashMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        let longest = map.keys().map(|k| k.chars().count()).max().unwrap_or(0);
        let (mut out, mut replaced) = (String::new(), 0);
        let mut p = 0;
        while p < t.len() {
            let ends = t[p..].char_indices().map(|(i, c)| p + i + c.len_utf8()).take(longest);
            if let Some((e, v)) = ends.filter_map(|e| map.get(&t[p..e]).map(|v| (e, *v))).last() {
                replaced += u64::from(v != &t[p..e]);
                out.push_str(v);
                p = e;
                continue;
            }
            let l = ids_len(&t[p..]);
            let l = if l > 0 { l } else { t[p..].chars().next().unwrap().len_utf8() };
            out.push_str(&t[p..p + l]);
            p += l;
        }
        (out, replaced)
    }

    /// [`naive_counted`]'s text.
    fn naive(pairs: &[(&str, &str)], t: &str) -> String {
        naive_counted(pairs, t).0
    }

    #[test]
    fn longest_match_and_copy() {
        let s = stage(&[("头", "頭"), ("发", "發"), ("头发", "頭髮")]);
        assert_eq!(run(&s, "头发 发展"), "頭髮 發展");
        assert_eq!(run(&s, ""), "");
    }

    #[test]
    fn ids_is_copied_whole() {
        let p = [("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("U盘", "隨身碟")];
        let s = stage(&p);
        for t in [
            "⿰头发",
            "头发⿰头发头发",
            "⿾头发",
            "⿲头发头发",
            "⿰U盘",
            "⿰头",
            "头⿰",
            "⿰⿱头发发头",
        ] {
            assert_eq!(run(&s, t), naive(&p, t), "{t}");
        }
        assert_eq!(run(&s, "头发⿰头发头发"), "頭髮⿰头发頭髮");
        assert_eq!(run(&s, "⿾头发"), "⿾头發");
        assert_eq!(run(&s, "⿲头发头发"), "⿲头发头發");
    }

    #[test]
    fn ids_limits() {
        // 65 code points of nested binary operators is too long: only the
        // operator is copied, the rest converts.
        let deep: String = "⿰".repeat(17) + &"头".repeat(18);
        assert_eq!(ids_len(&deep), 0);
        let ok: String = "⿰".repeat(15) + &"头".repeat(16);
        assert_eq!(ids_len(&ok), ok.len());
        assert_eq!(ids_len("⿰头"), 0);
        assert_eq!(ids_len("头"), 0);
    }

    #[test]
    fn cannot_match_is_conservative() {
        let s = stage(&[("\u{F900}", "\u{8C48}")]);
        assert!(s.cannot_match("头发 abc"));
        assert!(!s.cannot_match("x\u{F900}"));
        let s = stage(&[("a", "b")]);
        assert!(!s.cannot_match("xa"));
        assert!(!s.cannot_match("a"));
    }

    proptest::proptest! {
        /// The one-pass prefix search finds every place the per-prefix
        /// search finds, and `cannot_match` agrees with a plain scan.
        #[test]
        fn prefix_search_agrees(t in "[\u{F900}-\u{F902}\u{FA00}\u{FAFF}\u{FF0C}\u{FE30}\u{2F800}\u{2FA1D}\u{1F600}头a，。]{0,50}") {
            let s = stage(&[("\u{F901}", "x"), ("\u{FAFF}", "y"), ("\u{2F800}", "z"), ("\u{FA00}\u{F900}", "w")]);
            let want = !t.chars().any(|c| ['\u{F901}', '\u{FAFF}', '\u{2F800}', '\u{FA00}'].contains(&c));
            proptest::prop_assert_eq!(s.cannot_match(&t), want);
            #[cfg(target_arch = "x86_64")]
            {
                let ranges = s.prefix_ranges.clone().unwrap();
                let b = t.as_bytes();
                let mut got = Vec::new();
                let mut from = 0;
                while let Some(i) = find_prefix(b, &ranges, from) {
                    got.push(i);
                    from = i + 1;
                }
                let mut all: Vec<usize> = s.prefixes.as_ref().unwrap().iter()
                    .flat_map(|p| memchr::memmem::find_iter(b, p)).collect();
                all.sort_unstable();
                proptest::prop_assert_eq!(got, all);
            }
        }
    }

    #[test]
    fn blob_round_trip() {
        let mut e = vec![("头发".to_string(), "頭髮".to_string()), ("发".into(), "發".into())];
        e.sort();
        let b = blob::encode(&e).unwrap();
        let s = Stage::from_blob(&b).unwrap();
        assert_eq!(run(&s, "头发发"), "頭髮發");
        assert!(!s.has_newline_key());
        assert!(Stage::from_blob(b"nope").is_err());
        assert!(Stage::from_blob(&b[..b.len() - 1]).is_err());
        // A value cut inside a character is refused.
        let mut bad = b.clone();
        let last = bad.len() - 1;
        bad[last] = 0xE9;
        assert!(Stage::from_blob(&bad).is_err());
    }

    /// `len` bytes of `b` copied into 8-byte aligned memory that is never
    /// freed, as the built-in blobs are embedded.
    fn leak_aligned(b: &[u8]) -> &'static [u8] {
        let words: &'static mut [u64] = vec![0u64; b.len().div_ceil(8)].leak();
        // SAFETY: the words are initialised, live forever and are at least
        // `b.len()` bytes long; u8 has no alignment requirement.
        let bytes: &'static mut [u8] =
            unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), b.len()) };
        bytes.copy_from_slice(b);
        bytes
    }

    #[test]
    fn static_blob_borrows_and_agrees() {
        let p = [
            ("头", "頭"),
            ("发", "發"),
            ("头发", "頭髮"),
            ("U盘", "隨身碟"),
            ("a", ""),
            ("ab", "X"),
            ("头发丝", "頭髮絲"),
            ("发长长", "髮長長"),
            ("长头发丝丝", "Y"),
            ("丝丝", "絲絲"),
            ("U盘ab", "Z"),
            ("𠀀𠀁", "astral"),
            ("𠀀", "one"),
        ];
        let mut e: Vec<(String, String)> =
            p.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        e.sort();
        let b = leak_aligned(&blob::encode(&e).unwrap());
        let borrowed = Stage::from_static_blob(b).unwrap();
        assert!(matches!(borrowed.trie, Cow::Borrowed(_)));
        assert!(matches!(borrowed.pairs, Cow::Borrowed(_)));
        assert!(matches!(borrowed.values, Cow::Borrowed(_)));
        let copied = Stage::from_blob(b).unwrap();
        assert!(matches!(copied.trie, Cow::Owned(_)));
        let built = Stage::from_entries(&e).unwrap();
        for t in ["头发丝丝长头发丝丝", "U盘abU盘a", "𠀀𠀁𠀀x发长长长", "⿰头发丝头发丝", ""]
        {
            let want = naive(&p, t);
            assert_eq!(run(&borrowed, t), want, "{t}");
            assert_eq!(run(&copied, t), want, "{t}");
            assert_eq!(run(&built, t), want, "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn walk_equals_naive_walk(t in "[头发丝长⿰⿱⿲⿾U盘ab \n]{0,40}") {
            let p = [
                ("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("U盘", "隨身碟"), ("a", ""),
                ("ab", "X"), ("头发丝", "頭髮絲"), ("发长长", "髮長長"), ("长头发丝丝", "Y"),
                ("丝丝", "絲絲"), ("U盘ab", "Z"),
            ];
            let s = stage(&p);
            proptest::prop_assert_eq!(run(&s, &t), naive(&p, &t));
        }

        /// Long texts cross the blocks of `apply`'s two passes, and every
        /// kind of position meets its general step: a longer key, a value
        /// of several characters, an identity key, one- two- and four-byte
        /// characters, keys beyond the BMP and characters there that are
        /// no key, U+FFFF (where `apply` looks those up), IDS, the last
        /// bytes.
        #[test]
        fn apply_equals_naive_walk_across_blocks(t in "[头发丝长⿰⿱U盘ab \né😀𠀀𝄞\u{FFFF}z]{0,400}") {
            let p = [
                ("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("U盘", "隨身碟"), ("a", ""),
                ("ab", "X"), ("头发丝", "頭髮絲"), ("长", "长"), ("丝", "絲絲"), ("é", "e"),
                ("😀", "🙂"), ("𠀀", "𠀁"), ("𠀀头", "Q"), ("发长长", "髮長長"), ("⿰丝", "R"),
                (" ", "\u{3000}"), ("盘", "b"), ("\u{FFFF}", "F"),
            ];
            let s = stage(&p);
            let mut o = String::from("kept");
            let n = s.apply(&t, &mut o);
            proptest::prop_assert_eq!(&o[4..], naive(&p, &t));
            let mut portable = String::from("kept");
            proptest::prop_assert_eq!(s.apply_portable(&t, &mut portable), n);
            proptest::prop_assert_eq!(&portable, &o);
            // The count is that of the replacements the walk finds.
            proptest::prop_assert_eq!(n, walked(&s, &t).1);
        }
    }

    /// A stage with enough longer keys for a two-bit longer-key filter
    /// (see `blob::Filters`), over a small alphabet so that keys of every
    /// length overlap in the text: every character (one in three becomes
    /// the next one of the alphabet, the others stay), every pair of them,
    /// and 4,000 keys of three to five characters from a fixed
    /// pseudo-random sequence. Values of longer keys: for one pair in
    /// three, what its characters become one by one (compositional when at
    /// most one of them changes: see `blob::compositional`); otherwise the
    /// key reversed, or itself for one key in seven (identity keys).
    fn dense_entries() -> Vec<(String, String)> {
        let alphabet: Vec<char> = "一二三四五六七八九十百千万亿上下左右中大".chars().collect();
        let single = |c: char| {
            let i = alphabet.iter().position(|&a| a == c).unwrap();
            if i % 3 == 0 { alphabet[(i + 1) % alphabet.len()] } else { c }
        };
        let mut keys = std::collections::BTreeSet::new();
        for &a in &alphabet {
            keys.insert(a.to_string());
            for &b in &alphabet {
                keys.insert([a, b].iter().collect::<String>());
            }
        }
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        while keys.len() < 20 + 400 + 4000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 3 + (x % 3) as usize;
            let key: String =
                (0..len).map(|i| alphabet[(x >> (8 + 5 * i)) as usize % 20]).collect();
            keys.insert(key);
        }
        keys.into_iter()
            .enumerate()
            .map(|(i, k)| {
                let n = k.chars().count();
                let v = if n == 1 || (n == 2 && i % 3 == 0) {
                    k.chars().map(single).collect()
                } else if i % 7 == 0 {
                    k.clone()
                } else {
                    k.chars().rev().collect()
                };
                (k, v)
            })
            .collect()
    }

    /// [`dense_entries`], and their stage built and read back from a blob.
    type Dense = (Vec<(String, String)>, Stage, Stage);

    /// [`Dense`], built once for all the cases of the property test.
    fn dense() -> &'static Dense {
        static D: std::sync::OnceLock<Dense> = std::sync::OnceLock::new();
        D.get_or_init(|| {
            let e = dense_entries();
            let built = Stage::from_entries(&e).unwrap();
            let read = Stage::from_blob(&blob::encode(&e).unwrap()).unwrap();
            (e, built, read)
        })
    }

    #[test]
    fn dense_stage_has_a_two_bit_filter() {
        let (e, built, read) = dense();
        assert!(e.iter().filter(|(k, _)| k.chars().count() > 1).count() >= blob::TWO_BITS_MIN);
        assert!(built.two_bits && read.two_bits);
        let few: Vec<_> = e.iter().filter(|(k, _)| k.chars().count() < 3).cloned().collect();
        assert!(!Stage::from_entries(&few).unwrap().two_bits);
    }

    /// `simd::lookup8` prepares exactly the words and hits of the scalar
    /// look-up loop: a weaker filter there would only cost speed, which no
    /// output shows. Random code points from the dense stage's alphabet
    /// (two-bit filter) and from the whole BMP and beyond (one-bit).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_look_ups_equal_scalar_ones() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let (_, dense, _) = dense();
        let sparse = stage(&[("头", "頭"), ("头发", "頭髮"), ("发丝长", "X"), ("U盘", "Y")]);
        let alphabet: Vec<u32> =
            "一二三四五六七八九十百千万亿上下左右中大头发丝长U盘".chars().map(u32::from).collect();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let (mut hits, mut relaxed) = (0, 0);
        for round in 0..20_000 {
            let mut cps = [0u32; 10];
            for c in &mut cps {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *c = if round % 2 == 0 {
                    alphabet[(x >> 20) as usize % alphabet.len()]
                } else {
                    (x >> 40) as u32 % 0x2_0000
                };
            }
            for s in [dense, &sparse] {
                let mut prep = [0u64; 8];
                // SAFETY: AVX2 is there; ten code points, eight words, and
                // the stage's own tables.
                let lookup8: unsafe fn(_, _, _, _, _) -> _ =
                    if s.two_bits { simd::lookup8::<true> } else { simd::lookup8::<false> };
                let (full, strict) = unsafe {
                    lookup8(
                        s.words.as_ptr(),
                        s.longer.as_ptr(),
                        s.filter_bits,
                        cps.as_ptr(),
                        prep.as_mut_ptr(),
                    )
                };
                for i in 0..8 {
                    let word = s.words[cps[i].min(0xFFFF) as usize];
                    let slot =
                        longer_slot_for(s.two_bits, cps[i], cps[i + 1], cps[i + 2], s.filter_bits);
                    let w = s.longer[slot.word];
                    let triple = w & slot.triple == slot.triple;
                    let multi = word & WORD_MULTI != 0;
                    let hit = multi && (w & slot.pair == slot.pair || triple);
                    let sure = multi && (w & slot.strict == slot.strict || triple);
                    let want =
                        u64::from(word) | u64::from(hit) << HIT | u64::from(triple) << TRIPLE;
                    assert_eq!(prep[i], want, "{cps:?} {i}");
                    assert_eq!(full >> i & 1 != 0, hit, "{cps:?} {i}");
                    assert_eq!(strict >> i & 1 != 0, sure, "{cps:?} {i}");
                    hits += u64::from(hit);
                    relaxed += u64::from(hit && !sure);
                }
            }
        }
        assert!(hits > 1000, "{hits}");
        assert!(relaxed > 100, "{relaxed}");
    }

    proptest::proptest! {
        /// `apply` with a two-bit longer-key filter, built at run time and
        /// read back from a blob, gives what the walk gives.
        #[test]
        fn two_bit_filter_agrees_with_the_walk(t in "[一二三四五六七八九十百千万亿上下左右中大a ]{0,300}") {
            let (e, built, read) = dense();
            let (want, count) = naive_counted(e, &t);
            for s in [built, read] {
                for (o, n) in loops(s, &t) {
                    proptest::prop_assert_eq!(&o, &want);
                    proptest::prop_assert_eq!(n, count);
                }
            }
        }

        /// The AVX2 steps of `apply` (see `simd.rs`) on text made mostly of
        /// three-byte characters, so that runs of eight are common: runs
        /// broken by one-, two- and four-byte characters at every offset,
        /// one-character values of one, two and three bytes, identity keys,
        /// long values and longer keys, across blocks. The portable loop
        /// and the walk must agree with it, text and count.
        #[test]
        fn vector_steps_agree_with_the_walk(t in "[头发丝长干燥的中国人民们a1éü😀𠀀]{0,700}") {
            let p = [
                ("头", "頭"), ("发", "發"), ("头发", "頭髮"), ("丝", "s"), ("长", "é"),
                ("干", "干"), ("燥", "燥燥"), ("的", "的"), ("中国", "中國"), ("人民们", "R"),
                ("a", "ä"), ("é", "e"), ("😀", "😃"), ("国人", "國人"), ("民", "民"),
            ];
            let s = stage(&p);
            let (want, count) = naive_counted(&p, &t);
            for (o, n) in loops(&s, &t) {
                proptest::prop_assert_eq!(n, count);
                proptest::prop_assert_eq!(&o, &want);
            }
        }
    }
}
