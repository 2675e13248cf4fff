//! Python `str` to the pipeline's UTF-8 and back, for `clean_batch`, with
//! as little work as possible while the GIL is held.
//!
//! The limited API (abi3) does not let an extension read a `str`'s own
//! buffer. The usual way in, `PyUnicode_AsUTF8AndSize`, makes CPython
//! encode every non-ASCII string to UTF-8 on the calling thread, in two
//! allocations per string, and keeps that copy in the string for its whole
//! life. Instead, [`Window::gather`] copies the code points of many strings
//! into one buffer with `PyUnicode_AsUCS4` (a plain widening copy), and
//! the UTF-8 is made from it in Rust, with the GIL released and on the
//! pool's threads ([`ucs4_to_utf8`], into one reused buffer per thread).
//!
//! On the way out, a changed text is turned into `wchar_t` code units on
//! the pool's threads ([`push_wide`]) and made a `str` with
//! `PyUnicode_FromWideChar`, which only finds the largest code point and
//! narrows; `PyUnicode_FromStringAndSize` would decode the UTF-8 again
//! on the calling thread.

use pyo3::exceptions::{PyTypeError, PyUnicodeEncodeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyString;

/// The code unit of `PyUnicode_FromWideChar`: UTF-32 where `wchar_t` has
/// four bytes (Linux, macOS), UTF-16 where it has two (Windows).
pub(crate) type Wide = libc::wchar_t;

/// Code points gathered per window: 256 Ki (1 MiB of UCS-4). A window is
/// cleaned while the GIL is released. Bounding it bounds the copy that a
/// huge batch would otherwise make of all its strings at once, and one
/// buffer of this size, reused for every window, stays in the cache between
/// its copy in and its reading (a buffer for the whole batch was slower).
pub(crate) const WINDOW: usize = 1 << 18;

/// The code points of consecutive items of a batch, copied out of their
/// `str` objects with the GIL held.
pub(crate) struct Window {
    /// Every string's code points, one after the other.
    units: Vec<u32>,
    /// Each item's range in `units`; `None` for a `None` item.
    spans: Vec<Option<(usize, usize)>>,
}

impl Window {
    /// An empty window, whose buffers are reused by each [`Window::gather`].
    pub(crate) fn new() -> Window {
        Window { units: Vec::new(), spans: Vec::new() }
    }

    /// Replaces the window's contents with items from the start of `items`
    /// (whose first one is item `base` of the batch), until about `budget`
    /// code points are held, and always at least one item. `None` stays
    /// `None`; anything else than `str` raises the `TypeError` of
    /// `clean_batch`.
    pub(crate) fn gather(
        &mut self,
        items: &[Bound<'_, PyAny>],
        base: usize,
        budget: usize,
    ) -> PyResult<()> {
        self.units.clear();
        self.spans.clear();
        // Room for the whole window at once: growing the buffer as strings
        // arrive copied it over and over. (Pages not written to are never
        // touched.)
        self.units.reserve(budget);
        for (k, item) in items.iter().enumerate() {
            if item.is_none() {
                self.spans.push(None);
                continue;
            }
            let Ok(s) = item.cast::<PyString>() else {
                // An earlier string that cannot be encoded raised first
                // when every string was encoded in order; keep that order.
                self.first_unencodable(&items[..k])?;
                return Err(PyTypeError::new_err(format!(
                    "clean_batch: item {} is {}, not str",
                    base + k,
                    item.get_type().name().map(|n| n.to_string()).unwrap_or_default()
                )));
            };
            // SAFETY: `s` is a live str and the GIL is held.
            let len = unsafe { ffi::PyUnicode_GetLength(s.as_ptr()) };
            let len = usize::try_from(len).map_err(|_| PyErr::fetch(item.py()))?;
            let at = self.units.len();
            if k > 0 && at + len > budget {
                break;
            }
            if len > 0 {
                self.units.reserve(len);
                // SAFETY: `units` has room for `len` more code points past
                // `at`; `PyUnicode_AsUCS4` writes exactly the string's `len`
                // code points there (no terminator: copy_null is 0) or fails
                // without claiming any, and only then is the length set.
                unsafe {
                    let dst = self.units.as_mut_ptr().add(at);
                    if ffi::PyUnicode_AsUCS4(s.as_ptr(), dst, len as ffi::Py_ssize_t, 0).is_null() {
                        return Err(PyErr::fetch(item.py()));
                    }
                    self.units.set_len(at + len);
                }
            }
            self.spans.push(Some((at, at + len)));
        }
        Ok(())
    }

    /// How many items the window holds.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Each item's code points, in order; `None` for a `None` item.
    pub(crate) fn texts(&self) -> impl ExactSizeIterator<Item = Option<&[u32]>> + '_ {
        self.spans.iter().map(|s| s.map(|(a, b)| &self.units[a..b]))
    }

    /// The code points of item `k`, for the parallel map.
    pub(crate) fn text(&self, k: usize) -> Option<&[u32]> {
        self.spans[k].map(|(a, b)| &self.units[a..b])
    }

    /// Raises the error that UTF-8 encoding gives for the first string of
    /// `items` (this window's items so far) that holds a surrogate, if any.
    fn first_unencodable(&self, items: &[Bound<'_, PyAny>]) -> PyResult<()> {
        for (item, text) in items.iter().zip(self.texts()) {
            if text.is_some_and(|t| t.iter().any(|&c| !is_scalar(c))) {
                return Err(encode_error(item));
            }
        }
        Ok(())
    }
}

/// What cleaning made of one item of a window.
#[derive(Clone, Copy)]
pub(crate) enum Outcome {
    /// Unchanged, or a `None` item: the result is the item itself.
    Same,
    /// A new text, whose code units are this range of its run's `wide`.
    Changed(usize, usize),
    /// A string with a surrogate, which UTF-8 cannot hold.
    Unencodable,
}

/// The outcomes of a run of consecutive items of a window, and the code
/// units of its changed texts, one after the other in one buffer.
#[derive(Default)]
pub(crate) struct Cleaned {
    pub(crate) wide: Vec<Wide>,
    pub(crate) items: Vec<Outcome>,
}

/// Whether `c` is a Unicode scalar value (what UTF-8 can encode).
fn is_scalar(c: u32) -> bool {
    c < 0xD800 || (0xE000..=0x10FFFF).contains(&c)
}

/// The exception that encoding `item` (a str holding a surrogate) to UTF-8
/// raises: the same `UnicodeEncodeError` as before this path existed, with
/// CPython's own message and position.
pub(crate) fn encode_error(item: &Bound<'_, PyAny>) -> PyErr {
    match item.cast::<PyString>().map(|s| s.to_str()) {
        Ok(Err(e)) => e,
        // Not reached: the item held a surrogate.
        _ => PyUnicodeEncodeError::new_err("'utf-8' codec can't encode a surrogate"),
    }
}

/// Writes the UTF-8 of `src` into `out` (cleared first). Returns `false`,
/// with `out` empty, when `src` holds a surrogate or a value past U+10FFFF
/// (a `str` can hold lone surrogates; UTF-8 cannot).
///
/// Hand-written rather than `char::from_u32` and `String::push` (a capacity
/// check and a byte at a time for every character): this loop runs over
/// every code point of a batch. Room for four bytes per code point is
/// reserved once, so every sequence is written as one unaligned 4-byte
/// store (its spare bytes are overwritten by the next one or cut off).
///
/// Where AVX2 is there (checked at run time), eight code points are tried
/// at once first, the same way.
pub(crate) fn ucs4_to_utf8(src: &[u32], out: &mut String) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is there.
        return unsafe { ucs4_to_utf8_avx2(src, out) };
    }
    ucs4_to_utf8_with::<false>(src, out)
}

/// [`ucs4_to_utf8`] compiled with AVX2.
///
/// # Safety
///
/// AVX2 must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn ucs4_to_utf8_avx2(src: &[u32], out: &mut String) -> bool {
    ucs4_to_utf8_with::<true>(src, out)
}

/// The loop of [`ucs4_to_utf8`]; `AVX2` only when called from
/// [`ucs4_to_utf8_avx2`].
#[inline(always)]
fn ucs4_to_utf8_with<const AVX2: bool>(src: &[u32], out: &mut String) -> bool {
    out.clear();
    // SAFETY: only whole UTF-8 sequences of scalar values are counted in
    // the length, which is set to what was written (or left at 0 on
    // failure), so the String stays valid UTF-8.
    let bytes = unsafe { out.as_mut_vec() };
    bytes.reserve(src.len() * 4);
    let dst = bytes.as_mut_ptr();
    let mut n = 0usize;
    let mut i = 0usize;
    // Code points left to do one at a time before four are tried at once.
    let mut single = 0usize;
    while i < src.len() {
        #[cfg(target_arch = "x86_64")]
        if AVX2 && single == 0 && i + 8 <= src.len() {
            // SAFETY: AVX2 is there (AVX2 is only set by the caller that
            // checked); eight code points are left at `i`, and the 28
            // bytes written from `n` stay within the `4 * src.len()`
            // reserved (at most `4 * i` were written before).
            let w = unsafe { block8_avx2(src.as_ptr().add(i), dst.add(n)) };
            if w != 0 {
                n += w;
                i += 8;
                continue;
            }
        }
        #[cfg(target_arch = "x86_64")]
        if single == 0 && i + 4 <= src.len() {
            // SAFETY: four code points are left at `i`; before code point
            // `i` at most `4 * i` bytes were written, so the 16 bytes from
            // `n` stay within the `4 * src.len()` reserved.
            let w = unsafe { block4(src.as_ptr().add(i), dst.add(n)) };
            if w != 0 {
                n += w;
                i += 4;
                continue;
            }
            single = 4;
        }
        single = single.saturating_sub(1);
        let c = src[i];
        i += 1;
        let (seq, len) = if c < 0x80 {
            (c, 1)
        } else if c < 0x800 {
            (0x80C0 | (c >> 6) | ((c & 0x3F) << 8), 2)
        } else if c < 0x10000 {
            if (0xD800..0xE000).contains(&c) {
                return false;
            }
            (0x8080E0 | (c >> 12) | ((c >> 6 & 0x3F) << 8) | ((c & 0x3F) << 16), 3)
        } else if c <= 0x10FFFF {
            let s = 0x808080F0 | (c >> 18) | ((c >> 12 & 0x3F) << 8);
            (s | ((c >> 6 & 0x3F) << 16) | ((c & 0x3F) << 24), 4)
        } else {
            return false;
        };
        // SAFETY: before this code point at most `4 * (i - 1)` bytes were
        // written, so the 4 bytes stored at `n` stay within the `4 *
        // src.len()` reserved. The bytes are in memory order (first byte
        // lowest), whatever the target's endianness.
        unsafe { dst.add(n).cast::<[u8; 4]>().write_unaligned(seq.to_le_bytes()) };
        n += len;
    }
    // SAFETY: the first `n` bytes were written above.
    unsafe { bytes.set_len(n) };
    true
}

/// Four code points from `src` as UTF-8 at `dst`, with SSE2 (always there
/// on x86-64), when they are all ASCII (4 bytes written) or all take three
/// bytes (12): Chinese text is mostly runs of the latter. Returns how many
/// bytes are the UTF-8, or 0 (and nothing meaningful written) otherwise.
/// Writes up to 14 bytes at `dst`.
///
/// # Safety
///
/// `src` must have 4 readable code points, each at most U+10FFFF (as any
/// Python str's are), and `dst` 16 writable bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn block4(src: *const u32, dst: *mut u8) -> usize {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86-64; the loads and stores stay within
    // what the caller promised.
    unsafe {
        let c = _mm_loadu_si128(src.cast());
        // Signed compares, so a value of 2^31 or more is negative: it must
        // not pass for ASCII (it is refused below, as past U+10FFFF).
        let ascii = _mm_andnot_si128(
            _mm_cmplt_epi32(c, _mm_setzero_si128()),
            _mm_cmplt_epi32(c, _mm_set1_epi32(0x80)),
        );
        if _mm_movemask_ps(_mm_castsi128_ps(ascii)) == 0xF {
            let p = _mm_packs_epi32(c, c);
            let p = _mm_packus_epi16(p, p);
            dst.cast::<i32>().write_unaligned(_mm_cvtsi128_si32(p));
            return 4;
        }
        let wide = _mm_cmpgt_epi32(c, _mm_set1_epi32(0x7FF));
        let bmp = _mm_cmplt_epi32(c, _mm_set1_epi32(0x10000));
        let surrogate =
            _mm_cmpeq_epi32(_mm_and_si128(c, _mm_set1_epi32(0xF800)), _mm_set1_epi32(0xD800));
        let three = _mm_andnot_si128(surrogate, _mm_and_si128(wide, bmp));
        if _mm_movemask_ps(_mm_castsi128_ps(three)) != 0xF {
            return 0;
        }
        // Each lane: lead byte, then the two continuation bytes, in memory
        // order (x86 is little-endian).
        let lead = _mm_srli_epi32(c, 12);
        let mid = _mm_and_si128(_mm_slli_epi32(c, 2), _mm_set1_epi32(0x3F00));
        let last = _mm_slli_epi32(_mm_and_si128(c, _mm_set1_epi32(0x3F)), 16);
        let seq =
            _mm_or_si128(_mm_or_si128(lead, mid), _mm_or_si128(last, _mm_set1_epi32(0x0080_80E0)));
        // Close the gap between the two sequences of each 64-bit half, so
        // that its low 6 bytes are both, and store the halves 6 bytes apart.
        let low = _mm_and_si128(seq, _mm_set1_epi64x(0xFF_FFFF));
        let high = _mm_and_si128(_mm_srli_epi64(seq, 8), _mm_set1_epi64x(0xFFFF_FF00_0000));
        let packed = _mm_or_si128(low, high);
        _mm_storel_epi64(dst.cast(), packed);
        _mm_storel_epi64(dst.add(6).cast(), _mm_unpackhi_epi64(packed, packed));
        12
    }
}

/// [`block4`] for eight code points, with AVX2: each ASCII or three bytes
/// long (packed within each half of the register by a byte shuffle).
/// Returns how many bytes are the UTF-8, or 0 (and nothing written)
/// otherwise. Writes up to 28 bytes at `dst`.
///
/// # Safety
///
/// AVX2 must be available; `src` must have 8 readable code points, each at
/// most U+10FFFF, and `dst` 28 writable bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn block8_avx2(src: *const u32, dst: *mut u8) -> usize {
    use std::arch::x86_64::*;
    // SAFETY: the loads and stores stay within what the caller promised.
    unsafe {
        let c = _mm256_loadu_si256(src.cast());
        // Unsigned: a value of 2^31 or more is no ASCII (it is refused, as
        // past U+10FFFF). The compares below are signed, and such a value
        // fails them all.
        let ascii = _mm256_cmpeq_epi32(_mm256_min_epu32(c, _mm256_set1_epi32(0x7F)), c);
        let ascii_mask = _mm256_movemask_ps(_mm256_castsi256_ps(ascii));
        if ascii_mask == 0xFF {
            let p = _mm_packs_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256::<1>(c));
            _mm_storel_epi64(dst.cast(), _mm_packus_epi16(p, p));
            return 8;
        }
        let wide = _mm256_cmpgt_epi32(c, _mm256_set1_epi32(0x7FF));
        let bmp = _mm256_cmpgt_epi32(_mm256_set1_epi32(0x10000), c);
        let surrogate = _mm256_cmpeq_epi32(
            _mm256_and_si256(c, _mm256_set1_epi32(0xF800)),
            _mm256_set1_epi32(0xD800),
        );
        let three = _mm256_andnot_si256(surrogate, _mm256_and_si256(wide, bmp));
        if _mm256_movemask_ps(_mm256_castsi256_ps(three)) | ascii_mask != 0xFF {
            return 0;
        }
        // Each lane: lead byte, then the two continuation bytes, in memory
        // order; then each half's four sequences side by side in its low
        // 12 bytes.
        let lead = _mm256_srli_epi32(c, 12);
        let mid = _mm256_and_si256(_mm256_slli_epi32(c, 2), _mm256_set1_epi32(0x3F00));
        let last = _mm256_slli_epi32(_mm256_and_si256(c, _mm256_set1_epi32(0x3F)), 16);
        let seq = _mm256_or_si256(
            _mm256_or_si256(lead, mid),
            _mm256_or_si256(last, _mm256_set1_epi32(0x0080_80E0)),
        );
        // Three-byte lanes, with or without ASCII ones among them (Chinese
        // text with digits and Latin words: a fifth of the eight-code-point
        // blocks of the People's Daily records mix the two): an ASCII lane
        // is its code point, and each half is packed by the shuffle its
        // own mix picks (the second half's store overwrites the first's
        // spare bytes).
        let seq = _mm256_blendv_epi8(seq, c, ascii);
        let (lo, hi) = (ascii_mask as usize & 0xF, ascii_mask as usize >> 4);
        let pack = |m: usize| _mm_loadu_si128(MIXED_PACK[m].as_ptr().cast());
        let first = _mm_shuffle_epi8(_mm256_castsi256_si128(seq), pack(lo));
        let second = _mm_shuffle_epi8(_mm256_extracti128_si256::<1>(seq), pack(hi));
        let n = MIXED_LEN[lo] as usize;
        _mm_storeu_si128(dst.cast(), first);
        _mm_storeu_si128(dst.add(n).cast(), second);
        n + MIXED_LEN[hi] as usize
    }
}

/// For four lanes of one- and three-byte sequences (bit `j` of the index
/// set when lane `j` is ASCII): the byte shuffle that packs their bytes
/// side by side, and how many bytes that makes.
const MIXED_PACK: [[u8; 16]; 16] = mixed_pack();
const MIXED_LEN: [u8; 16] = mixed_len();

const fn mixed_pack() -> [[u8; 16]; 16] {
    let mut table = [[0x80u8; 16]; 16];
    let mut m = 0;
    while m < 16 {
        let (mut at, mut lane) = (0, 0);
        while lane < 4 {
            let width = if m >> lane & 1 == 1 { 1 } else { 3 };
            let mut k = 0;
            while k < width {
                table[m][at] = (4 * lane + k) as u8;
                at += 1;
                k += 1;
            }
            lane += 1;
        }
        m += 1;
    }
    table
}

const fn mixed_len() -> [u8; 16] {
    let mut len = [0u8; 16];
    let mut m = 0;
    while m < 16 {
        len[m] = 12 - 2 * (m as u32).count_ones() as u8;
        m += 1;
    }
    len
}

/// Appends `s` as `wchar_t` code units, for [`from_wide`], to `out`.
pub(crate) fn push_wide(s: &str, out: &mut Vec<Wide>) {
    if size_of::<Wide>() != 4 {
        out.extend(s.encode_utf16().map(|u| u as Wide));
        return;
    }
    // UTF-32, decoded by hand: extending by `s.chars()` checks the room for
    // every character. A character takes at least one byte, so `s.len()`
    // more code units are room enough.
    let b = s.as_bytes();
    out.reserve(b.len());
    let base = out.len();
    // SAFETY: `base + b.len()` code units are allocated, and at most one is
    // written per byte read.
    let dst = unsafe { out.as_mut_ptr().add(base) };
    let (mut i, mut k) = (0usize, 0usize);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is there; `dst` has room for `b.len()` code units.
        (i, k) = unsafe { wide32_avx2(b, dst) };
    }
    // Then (and without AVX2) eight bytes at a time while eight are left:
    // all ASCII (eight code units), or two three-byte sequences at their
    // start (two code units; Chinese text is mostly those). Anything else
    // goes one character at a time below, for one character.
    while i + 8 <= b.len() {
        // SAFETY: 8 bytes are readable at `i`.
        let w = u64::from_le_bytes(unsafe { b.as_ptr().add(i).cast::<[u8; 8]>().read_unaligned() });
        if w & 0x8080_8080_8080_8080 == 0 {
            for j in 0..8 {
                // SAFETY: 8 bytes read, 8 code units written (room: see above).
                unsafe { *dst.add(k + j) = (w >> (8 * j) & 0xFF) as Wide };
            }
            i += 8;
            k += 8;
            continue;
        }
        // Valid UTF-8: a lead byte 1110xxxx is followed by its two
        // continuation bytes, so checking bytes 0 and 3 finds two whole
        // three-byte sequences in bytes 0 to 5.
        if w & 0xF000_00F0 == 0xE000_00E0 {
            let three =
                |v: u64| ((v & 0x0F) << 12 | (v >> 8 & 0x3F) << 6 | (v >> 16 & 0x3F)) as Wide;
            // SAFETY: 6 bytes read, 2 code units written.
            unsafe {
                *dst.add(k) = three(w);
                *dst.add(k + 1) = three(w >> 24);
            }
            i += 6;
            k += 2;
            continue;
        }
        // SAFETY: `i` is at a character boundary of valid UTF-8.
        let (c, len) = unsafe { decode_one(b, i) };
        // SAFETY: `len` bytes read, one code unit written.
        unsafe { *dst.add(k) = c as Wide };
        i += len;
        k += 1;
    }
    while i < b.len() {
        // SAFETY: as above.
        let (c, len) = unsafe { decode_one(b, i) };
        unsafe { *dst.add(k) = c as Wide };
        i += len;
        k += 1;
    }
    // SAFETY: `k` code units were written after `base`, one per character.
    unsafe { out.set_len(base + k) };
}

/// The first part of [`push_wide`] with AVX2, while 32 bytes are left:
/// thirty-two ASCII bytes at once, or eight three-byte sequences at the
/// start of 24 bytes (each half of the register gathers four by a byte
/// shuffle), else four such sequences in 12 bytes, else one
/// character alone. Returns the bytes read and the code units written to
/// `dst`, at most one per byte read.
///
/// # Safety
///
/// AVX2 must be available, `b` be valid UTF-8 and `dst` have room for
/// `b.len()` code units.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn wide32_avx2(b: &[u8], dst: *mut Wide) -> (usize, usize) {
    use std::arch::x86_64::*;
    let (mut i, mut k) = (0usize, 0usize);
    // Lane j of each half gets bytes 3j+2, 3j+1, 3j of its 12 bytes.
    let g = _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10, 9, -1);
    let gather = _mm256_set_m128i(g, g);
    while i + 32 <= b.len() {
        // SAFETY: 32 bytes are readable at `i` (the loads below read
        // bytes `i` to `i + 31`); every store writes no more code units
        // than bytes were read, so stays in `dst`'s room.
        unsafe {
            let p = b.as_ptr().add(i);
            let out = dst.add(k);
            let ascii = _mm256_loadu_si256(p.cast());
            if _mm256_movemask_epi8(ascii) == 0 {
                for j in 0..4 {
                    let eight = _mm_loadl_epi64(p.add(8 * j).cast());
                    _mm256_storeu_si256(out.add(8 * j).cast(), _mm256_cvtepu8_epi32(eight));
                }
                i += 32;
                k += 32;
                continue;
            }
            let v =
                _mm256_set_m128i(_mm_loadu_si128(p.add(12).cast()), _mm256_castsi256_si128(ascii));
            let lanes = _mm256_shuffle_epi8(v, gather);
            // Valid UTF-8: a lead byte 1110xxxx at the start of every
            // three means whole three-byte sequences.
            let lead = _mm256_and_si256(lanes, _mm256_set1_epi32(0xF0_0000));
            let three = _mm256_cmpeq_epi32(lead, _mm256_set1_epi32(0xE0_0000));
            let m = _mm256_movemask_epi8(three) as u32;
            if m == 0xFFFF_FFFF || m & 0xFFFF == 0xFFFF {
                let c = _mm256_or_si256(
                    _mm256_or_si256(
                        _mm256_srli_epi32(_mm256_and_si256(lanes, _mm256_set1_epi32(0x0F_0000)), 4),
                        _mm256_srli_epi32(_mm256_and_si256(lanes, _mm256_set1_epi32(0x3F00)), 2),
                    ),
                    _mm256_and_si256(lanes, _mm256_set1_epi32(0x3F)),
                );
                if m == 0xFFFF_FFFF {
                    _mm256_storeu_si256(out.cast(), c);
                    i += 24;
                    k += 8;
                } else {
                    _mm_storeu_si128(out.cast(), _mm256_castsi256_si128(c));
                    i += 12;
                    k += 4;
                }
                continue;
            }
            let (c, len) = decode_one(b, i);
            *out = c as Wide;
            i += len;
            k += 1;
        }
    }
    (i, k)
}

/// The character whose UTF-8 starts at `b[i]`, and its length in bytes.
///
/// # Safety
///
/// `b` must be valid UTF-8 and `i` a character boundary below its length.
#[inline(always)]
unsafe fn decode_one(b: &[u8], i: usize) -> (u32, usize) {
    // SAFETY: valid UTF-8: a lead byte is followed by all its continuation
    // bytes.
    unsafe {
        let x = u32::from(*b.get_unchecked(i));
        let at = |j: usize| u32::from(*b.get_unchecked(i + j)) & 0x3F;
        if x < 0x80 {
            (x, 1)
        } else if x < 0xE0 {
            (((x & 0x1F) << 6) | at(1), 2)
        } else if x < 0xF0 {
            (((x & 0x0F) << 12) | (at(1) << 6) | at(2), 3)
        } else {
            (((x & 0x07) << 18) | (at(1) << 12) | (at(2) << 6) | at(3), 4)
        }
    }
}

/// A new `str` from code units made by [`push_wide`].
pub(crate) fn from_wide<'py>(py: Python<'py>, w: &[Wide]) -> PyResult<Bound<'py, PyAny>> {
    let len = ffi::Py_ssize_t::try_from(w.len())
        .map_err(|_| PyTypeError::new_err("text too long for a str"))?;
    // SAFETY: `w` holds `len` valid code units (scalar values, or UTF-16
    // of them); CPython copies them into a new object, owned by the result.
    unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_FromWideChar(w.as_ptr(), len)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mix of ASCII, two-, three- and four-byte code points, at every
    /// offset into the blocks the fast paths take, against the standard
    /// library's UTF-8; and a surrogate or a value past U+10FFFF anywhere
    /// is refused. (Without AVX2 only the SSE2 and scalar paths run.)
    #[test]
    fn ucs4_to_utf8_agrees_with_std() {
        let pool = ['a', '7', ' ', '·', 'é', '中', '，', '\u{FFFD}', '𠀀', '\u{7F}', '\u{800}'];
        // A small linear congruential generator: the same cases every run.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (state >> 33) as usize % n
        };
        let mut out = String::new();
        for len in 0..80 {
            for _ in 0..200 {
                // Mostly ASCII and Han, as real text is, so that long
                // runs of the two-kinds mix are common.
                let text: String = (0..len)
                    .map(|_| match next(4) {
                        0 => 'x',
                        1 => '文',
                        _ => pool[next(pool.len())],
                    })
                    .collect();
                let units: Vec<u32> = text.chars().map(|c| c as u32).collect();
                assert!(ucs4_to_utf8(&units, &mut out));
                assert_eq!(out, text);
                assert!(ucs4_to_utf8_with::<false>(&units, &mut out));
                assert_eq!(out, text);
                if len > 0 {
                    // A surrogate, or a value past U+10FFFF (`u32::MAX`
                    // and 2^31 among them, negative to a signed compare),
                    // anywhere.
                    let past = [0x11_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF];
                    for bad_unit in [0xD800 + next(0x800) as u32, past[next(past.len())]] {
                        let mut bad = units.clone();
                        bad[next(len)] = bad_unit;
                        assert!(!ucs4_to_utf8(&bad, &mut out), "{bad_unit:#x}");
                        assert!(out.is_empty());
                        assert!(!ucs4_to_utf8_with::<false>(&bad, &mut out), "{bad_unit:#x}");
                    }
                }
            }
        }
    }
}
