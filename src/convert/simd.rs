//! The vector (AVX2) parts of [`Stage::apply`](super::Stage::apply): its
//! two passes for eight characters at a time.
//!
//! `apply` checks once per call that the processor has AVX2 and then runs
//! a copy of its loop compiled with AVX2 enabled (`apply_avx2`), which
//! calls these functions. Each does what the scalar loop does for eight
//! consecutive positions, with the same tables and the same hash (see
//! `blob::longer_slot`), so the two loops give the same text and the same
//! count; the tests compare them (`apply_portable` is the scalar loop).
//! No crate offers this: it is a few intrinsics over this crate's own
//! table layout.

use std::arch::x86_64::*;

use super::blob::{DIRECT, PAIR_MUL, SLOW, TRIPLE_MUL, WORD_MULTI};
use super::matcher::{HIT, TRIPLE};

/// Decodes the characters at `b` (byte offset `q` of the text) while
/// they are three-byte characters, at most eight: code points to
/// `cps`, offsets to `pos` (all eight entries are written). Returns
/// how many were decoded.
///
/// # Safety
///
/// 28 bytes can be read at `b`, which is a character start of valid
/// UTF-8; eight entries can be written at `cps` and `pos`.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn decode8(b: *const u8, q: usize, cps: *mut u32, pos: *mut usize) -> usize {
    // SAFETY: the function's contract.
    unsafe {
        let lo = _mm_loadu_si128(b.cast());
        let hi = _mm_loadu_si128(b.add(12).cast());
        let v = _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(lo), hi);
        // In each half, the three bytes of character i in the low
        // three bytes of dword i: the little-endian word `decode_wide`
        // reads.
        let shuf = _mm256_setr_epi8(
            0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7,
            8, -1, 9, 10, 11, -1,
        );
        let w = _mm256_shuffle_epi8(v, shuf);
        let lead = _mm256_cmpeq_epi32(
            _mm256_and_si256(w, _mm256_set1_epi32(0xF0)),
            _mm256_set1_epi32(0xE0),
        );
        let ok = _mm256_movemask_ps(_mm256_castsi256_ps(lead)) as u32;
        // Valid UTF-8: while the leads are three-byte leads, the
        // characters follow each other three bytes apart.
        let got = (!ok).trailing_zeros() as usize;
        let c = _mm256_or_si256(
            _mm256_or_si256(
                _mm256_slli_epi32::<12>(_mm256_and_si256(w, _mm256_set1_epi32(0x0F))),
                _mm256_and_si256(_mm256_srli_epi32::<2>(w), _mm256_set1_epi32(0xFC0)),
            ),
            _mm256_and_si256(_mm256_srli_epi32::<16>(w), _mm256_set1_epi32(0x3F)),
        );
        _mm256_storeu_si256(cps.cast(), c);
        let base = _mm256_set1_epi64x(q as i64);
        _mm256_storeu_si256(pos.cast(), _mm256_add_epi64(base, _mm256_setr_epi64x(0, 3, 6, 9)));
        _mm256_storeu_si256(
            pos.add(4).cast(),
            _mm256_add_epi64(base, _mm256_setr_epi64x(12, 15, 18, 21)),
        );
        got
    }
}

/// For each four lengths of at most three bytes (two bits each, the
/// low bits of the four in the low nibble, the high bits in the high
/// one), the `pshufb` mask that packs the first bytes of four dwords,
/// and their total length.
static PACK: [([u8; 16], u8); 256] = {
    let mut t = [([0x80u8; 16], 0u8); 256];
    let mut x = 0;
    while x < 256 {
        let mut n = 0;
        let mut lane = 0;
        while lane < 4 {
            let len = (x >> lane & 1) | (x >> (lane + 4) & 1) << 1;
            let mut b = 0;
            while b < len {
                t[x].0[n] = (4 * lane + b) as u8;
                n += 1;
                b += 1;
            }
            lane += 1;
        }
        t[x].1 = n as u8;
        x += 1;
    }
    t
};

/// Pass 2 of [`super::Stage::apply`] for eight prepared words: writes
/// the direct words' values of the leading positions that take the
/// fast path, and returns how many positions that is, how many bytes,
/// and how many of them change their character.
///
/// # Safety
///
/// Eight words can be read at `prep`, 28 bytes written at `dst`.
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn fast8(prep: *const u64, dst: *mut u8) -> (usize, usize, u64) {
    // SAFETY: the function's contract.
    unsafe {
        let a = _mm256_loadu_si256(prep.cast());
        let b = _mm256_loadu_si256(prep.add(4).cast());
        // The low halves (the direct words) of the eight.
        let lo = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
        let w = _mm256_blend_epi32::<0xF0>(
            _mm256_permutevar8x32_epi32(a, lo),
            _mm256_permutevar8x32_epi32(b, lo),
        );
        // The high halves, for the HIT bits.
        let hi = _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7);
        let h = _mm256_blend_epi32::<0xF0>(
            _mm256_permutevar8x32_epi32(a, hi),
            _mm256_permutevar8x32_epi32(b, hi),
        );
        let fast = _mm256_and_si256(
            _mm256_cmpeq_epi32(
                _mm256_and_si256(w, _mm256_set1_epi32((DIRECT | SLOW) as i32)),
                _mm256_set1_epi32(DIRECT as i32),
            ),
            _mm256_cmpeq_epi32(
                _mm256_and_si256(h, _mm256_set1_epi32(1 << (HIT - 32))),
                _mm256_setzero_si256(),
            ),
        );
        let fast = _mm256_movemask_ps(_mm256_castsi256_ps(fast)) as u32;
        let f = (!fast).trailing_zeros() as usize;
        let lead = (1u32 << f) - 1;
        // Bits 24 and 25 of each word: its value's length.
        let l1 = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<7>(w))) as u32;
        let l2 = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<6>(w))) as u32;
        let same = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<1>(w))) as u32;
        let bytes = ((l1 & lead).count_ones() + 2 * (l2 & lead).count_ones()) as usize;
        let changed = (!same & lead).count_ones();
        let (m0, n0) = &PACK[((l1 & 0xF) | (l2 & 0xF) << 4) as usize];
        let (m1, _) = &PACK[((l1 >> 4) | (l2 >> 4) << 4) as usize];
        let p0 = _mm_shuffle_epi8(_mm256_castsi256_si128(w), _mm_loadu_si128(m0.as_ptr().cast()));
        let p1 =
            _mm_shuffle_epi8(_mm256_extracti128_si256::<1>(w), _mm_loadu_si128(m1.as_ptr().cast()));
        _mm_storeu_si128(dst.cast(), p0);
        _mm_storeu_si128(dst.add(usize::from(*n0)).cast(), p1);
        (f, bytes, u64::from(changed))
    }
}

/// The low 64 bits of `a * k`, in each lane.
#[target_feature(enable = "avx2")]
#[inline]
fn mul64(a: __m256i, k: u64) -> __m256i {
    let klo = _mm256_set1_epi64x((k & 0xFFFF_FFFF) as i64);
    let khi = _mm256_set1_epi64x((k >> 32) as i64);
    let lo = _mm256_mul_epu32(a, klo);
    let cross = _mm256_add_epi64(
        _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), klo),
        _mm256_mul_epu32(a, khi),
    );
    _mm256_add_epi64(lo, _mm256_slli_epi64::<32>(cross))
}

/// The look-ups of pass 1 for the eight positions whose code points
/// begin at `cps` (followed by the next two): `prep` gets their prepared
/// words, and the results have bit `i` set when a key of two or more
/// characters may begin at position `i` (`HIT`), and when one that is no
/// compositional pair may (see `blob::Slot`). The same as the scalar
/// loop, with the hash of `blob::longer_slot` computed in 64-bit lanes.
///
/// # Safety
///
/// Ten entries can be read at `cps`, eight written at `prep`; `words`
/// has 65,536 entries and `longer` `2^(fb - 5)` (a stage's tables, with
/// `fb` its `filter_bits`).
#[target_feature(enable = "avx2")]
#[inline]
pub(super) unsafe fn lookup8<const TWO: bool>(
    words: *const u32,
    longer: *const u64,
    fb: u32,
    cps: *const u32,
    prep: *mut u64,
) -> (u8, u8) {
    // SAFETY: the function's contract.
    unsafe {
        let c = _mm256_loadu_si256(cps.cast());
        let d = _mm256_loadu_si256(cps.add(1).cast());
        let e = _mm256_loadu_si256(cps.add(2).cast());
        let idx = _mm256_min_epu32(c, _mm256_set1_epi32(0xFFFF));
        let word = _mm256_i32gather_epi32::<4>(words.cast(), idx);
        let one = _mm256_set1_epi64x(1);
        let low5 = _mm256_set1_epi64x(31);
        let s_word = _mm_cvtsi32_si128(69 - fb as i32);
        let s_p = _mm_cvtsi32_si128(64 - fb as i32);
        let s_p2 = _mm_cvtsi32_si128(59 - fb as i32);
        let s_p3 = _mm_cvtsi32_si128(54 - fb as i32);
        let (mut full, mut strict) = (0, 0);
        for h in 0..2 {
            let half = |v: __m256i| {
                if h == 0 {
                    _mm256_cvtepu32_epi64(_mm256_castsi256_si128(v))
                } else {
                    _mm256_cvtepu32_epi64(_mm256_extracti128_si256::<1>(v))
                }
            };
            let (c, d, e, word) = (half(c), half(d), half(e), half(word));
            let x = mul64(_mm256_or_si256(_mm256_slli_epi64::<21>(c), d), PAIR_MUL);
            let y = mul64(_mm256_add_epi64(x, e), TRIPLE_MUL);
            let wi = _mm256_srl_epi64(x, s_word);
            let w = _mm256_i64gather_epi64::<8>(longer.cast(), wi);
            let p = _mm256_and_si256(_mm256_srl_epi64(x, s_p), low5);
            let t = _mm256_or_si256(_mm256_srli_epi64::<59>(y), _mm256_set1_epi64x(32));
            let (pair, sure, triple) = if TWO {
                let p2 = _mm256_and_si256(_mm256_srl_epi64(x, s_p2), low5);
                let p3 = _mm256_and_si256(_mm256_srl_epi64(x, s_p3), low5);
                let t2 = _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi64::<54>(y), low5),
                    _mm256_set1_epi64x(32),
                );
                let pair = _mm256_and_si256(
                    _mm256_and_si256(_mm256_srlv_epi64(w, p), _mm256_srlv_epi64(w, p2)),
                    one,
                );
                (
                    pair,
                    _mm256_and_si256(pair, _mm256_srlv_epi64(w, p3)),
                    _mm256_and_si256(
                        _mm256_and_si256(_mm256_srlv_epi64(w, t), _mm256_srlv_epi64(w, t2)),
                        one,
                    ),
                )
            } else {
                let pair = _mm256_and_si256(_mm256_srlv_epi64(w, p), one);
                (pair, pair, _mm256_and_si256(_mm256_srlv_epi64(w, t), one))
            };
            let multi = _mm256_and_si256(
                _mm256_srli_epi64::<{ WORD_MULTI.trailing_zeros() as i32 }>(word),
                one,
            );
            let hit = _mm256_and_si256(multi, _mm256_or_si256(pair, triple));
            let pr = _mm256_or_si256(
                word,
                _mm256_or_si256(
                    _mm256_slli_epi64::<{ HIT as i32 }>(hit),
                    _mm256_slli_epi64::<{ TRIPLE as i32 }>(triple),
                ),
            );
            _mm256_storeu_si256(prep.add(4 * h).cast(), pr);
            let bits = |v: __m256i| {
                _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64::<63>(v))) as u8
            };
            full |= bits(hit) << (4 * h);
            strict |= bits(_mm256_and_si256(multi, _mm256_or_si256(sure, triple))) << (4 * h);
        }
        (full, strict)
    }
}
