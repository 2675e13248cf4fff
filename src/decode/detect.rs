//! Deciding how a prefix of the input is encoded: byte-order marks, binary
//! signatures, UTF-8 validity, UTF-16 without BOM, mixed UTF-8/legacy
//! files, and the legacy encodings (chardetng's guess weighed against the
//! Chinese readings by character frequency).
//!
//! Everything here looks at a bounded prefix; [`super::StreamDecoder`]
//! replays that prefix into the decoder that was chosen.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{BIG5, DecoderResult, Encoding, GB18030, GBK, UTF_16BE, UTF_16LE};

use super::freq;

/// How many bytes of a legacy input are decoded for scoring: enough
/// evidence for any real text, and it keeps detection cost independent of
/// the prefix size.
const SCORE_WINDOW: usize = 8 * 1024;

/// The bonus of chardetng's proposal, in half-bits.
const PROPOSAL_BONUS: u64 = 6;

/// A reading whose non-ASCII characters cost at most this on average looks
/// like ordinary Chinese (real text averages about 20; wrong readings 35
/// and more).
const CHINESE_AVG_COST: u64 = 26;

/// The lead (in half-bits) over the next reading that makes asking
/// chardetng unnecessary: 32 bits, odds of four billion to one.
const CLEAR_MARGIN: u64 = 64;

/// How many bytes chardetng sees.
const DETECTOR_WINDOW: usize = 16 * 1024;

/// Below this many non-ASCII bytes valid UTF-8 is weak evidence:
/// GBK text forms valid UTF-8 by chance up to about four hanzi.
const STRONG_UTF8: usize = 8;

/// A binary file has more than one control byte in this many bytes.
const CONTROL_RATIO: usize = 10;

/// What the prefix says about the input.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Verdict {
    /// A byte-order mark of `len` bytes decides it.
    Bom { encoding: &'static Encoding, len: usize },
    /// Valid UTF-8 (or ASCII). With a `fallback`, the prefix also had
    /// lines that are not UTF-8: those are decoded with the fallback.
    Utf8 { confidence: f32, fallback: Option<&'static Encoding> },
    /// A legacy encoding (or UTF-16 without BOM), chosen by detection.
    Legacy { encoding: &'static Encoding, confidence: f32 },
    /// Not text.
    Binary(String),
}

/// Decides how the input that starts with `prefix` is encoded. `complete`
/// says whether `prefix` is the whole input (otherwise a character may be
/// cut at its end, which is not an error).
pub(crate) fn sniff(prefix: &[u8], complete: bool) -> Verdict {
    if prefix.starts_with(b"\xFF\xFE\x00\x00") || prefix.starts_with(b"\x00\x00\xFE\xFF") {
        // encoding_rs has no UTF-32 decoder and such files are vanishingly
        // rare; reading one as UTF-16 would interleave NULs, so say so.
        return Verdict::Binary("UTF-32 text, which is not supported".into());
    }
    if let Some((encoding, len)) = Encoding::for_bom(prefix) {
        return Verdict::Bom { encoding, len };
    }
    if let Some(reason) = binary_signature(prefix) {
        return Verdict::Binary(reason);
    }
    let has_nul = memchr::memchr(0, prefix).is_some();
    let (stray, non_ascii) = byte_counts(prefix);
    let controls = stray * CONTROL_RATIO > prefix.len();
    if !has_nul && !controls && utf8_valid(prefix, complete) {
        if stray > 0 {
            // Valid UTF-8 with a control byte in it: short UTF-16 of CJK
            // text can look like that (`天師百歲少` in UTF-16LE is ASCII
            // and 0x11), so let the better reading win.
            if let Some(encoding) = utf16_beats_utf8(prefix, complete) {
                return Verdict::Legacy { encoding, confidence: 0.6 };
            }
        }
        let confidence = if non_ascii == 0 || non_ascii >= STRONG_UTF8 {
            1.0
        } else {
            0.5 + non_ascii as f32 / (2 * STRONG_UTF8) as f32
        };
        return Verdict::Utf8 { confidence, fallback: None };
    }
    if has_nul || controls {
        // Text never holds NUL bytes or many control bytes, except UTF-16,
        // where every ASCII character brings a NUL and many CJK characters
        // a byte below 0x20.
        let best = [UTF_16LE, UTF_16BE]
            .into_iter()
            .filter_map(|e| utf16_plausible(prefix, complete, e).map(|c| (c, e)))
            .min_by_key(|&(c, _)| c);
        return match best {
            Some((_, encoding)) => Verdict::Legacy { encoding, confidence: 0.9 },
            None if has_nul => Verdict::Binary("NUL bytes".into()),
            None => Verdict::Binary("control bytes".into()),
        };
    }
    if let Some(fallback) = mixed_fallback(prefix, complete) {
        return Verdict::Utf8 { confidence: 0.9, fallback: Some(fallback) };
    }
    let (encoding, confidence) = guess_legacy(prefix, complete, true);
    if encoding != UTF_16LE && encoding != UTF_16BE && utf8_reads_better(prefix, complete, encoding)
    {
        // Mostly UTF-8 with a few bad bytes: read it line by line, so that
        // the bad bytes cost one U+FFFD each rather than the whole file.
        return Verdict::Utf8 { confidence: 0.9, fallback: Some(encoding) };
    }
    Verdict::Legacy { encoding, confidence }
}

/// Whether the first [`SCORE_WINDOW`] bytes read better as UTF-8 with
/// replacements than with `legacy`.
fn utf8_reads_better(prefix: &[u8], complete: bool, legacy: &'static Encoding) -> bool {
    let window = &prefix[..prefix.len().min(SCORE_WINDOW)];
    let last = complete && window.len() == prefix.len();
    let (utf8, _) = decode_all(encoding_rs::UTF_8, window, last);
    let (other, _) = decode_all(legacy, window, last);
    freq::cost(&utf8) < freq::cost(&other)
}

/// The reason a forced encoding still refuses the input: a binary
/// signature, or NUL bytes (unless the forced encoding is UTF-16).
pub(crate) fn binary_despite(prefix: &[u8], encoding: &'static Encoding) -> Option<String> {
    if let Some(reason) = binary_signature(prefix) {
        return Some(reason);
    }
    let utf16 = encoding == UTF_16LE || encoding == UTF_16BE;
    if !utf16 && memchr::memchr(0, prefix).is_some() {
        return Some("NUL bytes".into());
    }
    None
}

/// Known signatures of binary formats at the start of a file.
fn binary_signature(prefix: &[u8]) -> Option<String> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1A\n", "PNG image"),
        (b"\xFF\xD8\xFF", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"%PDF-", "PDF document"),
        (b"PK\x03\x04", "ZIP archive"),
        (b"PK\x05\x06", "ZIP archive"),
        (b"\x1F\x8B", "gzip data"),
        (b"\xFD7zXZ\x00", "xz data"),
        (b"BZh", "bzip2 data"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
        (b"Rar!\x1A\x07", "RAR archive"),
        (b"\x28\xB5\x2F\xFD", "zstd data"),
        (b"\x7FELF", "ELF executable"),
        (b"MZ", "Windows executable"),
        (b"\xCA\xFE\xBA\xBE", "Java class or Mach-O file"),
        (b"\xCF\xFA\xED\xFE", "Mach-O executable"),
        (b"\x00asm", "WebAssembly module"),
        (b"SQLite format 3\x00", "SQLite database"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"OggS", "Ogg media"),
        (b"fLaC", "FLAC audio"),
        (b"ID3", "MP3 audio"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "MS Office (OLE) document"),
        (b"wOFF", "WOFF font"),
        (b"wOF2", "WOFF2 font"),
    ];
    for &(magic, name) in MAGIC {
        if !prefix.starts_with(magic) {
            continue;
        }
        // Short magics that are also plausible text need a second look.
        let confirmed = match name {
            "bzip2 data" => prefix.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)),
            "Windows executable" => prefix.len() >= 64 && prefix[2..64].contains(&0),
            "MP3 audio" => prefix.get(3).is_some_and(|&b| b <= 4),
            _ => true,
        };
        if confirmed {
            return Some(name.into());
        }
    }
    if prefix.len() >= 12 && &prefix[4..8] == b"ftyp" {
        return Some("MP4/ISO media".into());
    }
    if prefix.len() >= 12 && prefix.starts_with(b"RIFF") {
        return Some("RIFF media (WAV/AVI/WebP)".into());
    }
    None
}

/// How many bytes of `prefix` are C0 controls that text does not use
/// (all but tab, line feed, vertical tab, form feed, carriage return and
/// escape), and how many are 0x80 or above: one pass, in chunks whose
/// counts fit in bytes so that the loop vectorises (for a small file this
/// scan is a good part of the cost of the whole file).
fn byte_counts(prefix: &[u8]) -> (usize, usize) {
    let (mut stray, mut high) = (0, 0);
    for chunk in prefix.chunks(255) {
        let (mut s, mut h) = (0u8, 0u8);
        for &b in chunk {
            h += b >> 7;
            s += u8::from((b < 9) | ((b.wrapping_sub(14) < 18) & (b != 0x1B)));
        }
        stray += usize::from(s);
        high += usize::from(h);
    }
    (stray, high)
}

/// The UTF-16 reading of valid UTF-8 `prefix`, when one is plausible and
/// costs less than the UTF-8 reading.
fn utf16_beats_utf8(prefix: &[u8], complete: bool) -> Option<&'static Encoding> {
    let window = &prefix[..prefix.len().min(SCORE_WINDOW)];
    let (utf8, _) =
        decode_all(encoding_rs::UTF_8, window, complete && window.len() == prefix.len());
    let utf8_cost = freq::cost(&utf8);
    [UTF_16LE, UTF_16BE]
        .into_iter()
        .filter_map(|e| utf16_plausible(prefix, complete, e).map(|c| (c, e)))
        .filter(|&(c, _)| c < utf8_cost)
        .min_by_key(|&(c, _)| c)
        .map(|(_, e)| e)
}

/// Whether `bytes` is valid UTF-8, allowing a character cut at the end
/// when the input goes on.
pub(crate) fn utf8_valid(bytes: &[u8], complete: bool) -> bool {
    let valid = Encoding::utf8_valid_up_to(bytes);
    if valid == bytes.len() {
        return true;
    }
    // Only a character cut at the very end is allowed.
    !complete
        && bytes.len() - valid < 4
        && matches!(std::str::from_utf8(&bytes[valid..]), Err(e) if e.error_len().is_none())
}

/// The cost of reading `bytes` as UTF-16 (`encoding` is LE or BE) when that
/// reading is plausible: even length, no lone surrogate,
/// and either at least half the code units CJK, or NUL bytes that are the
/// high halves of ASCII characters in text that is nearly all letters.
fn utf16_plausible(bytes: &[u8], complete: bool, encoding: &'static Encoding) -> Option<u64> {
    if complete && !bytes.len().is_multiple_of(2) {
        return None;
    }
    let window = &bytes[..bytes.len().min(SCORE_WINDOW) & !1];
    if window.is_empty() {
        return None;
    }
    let be = encoding == UTF_16BE;
    let units = window.chunks_exact(2).map(|p| {
        if be { u16::from_be_bytes([p[0], p[1]]) } else { u16::from_le_bytes([p[0], p[1]]) }
    });
    let (mut total, mut cjk, mut texty, mut ascii) = (0usize, 0usize, 0usize, 0usize);
    let mut high_pending = false;
    for u in units {
        total += 1;
        match u {
            0xD800..=0xDBFF => {
                if high_pending {
                    return None;
                }
                high_pending = true;
                continue;
            }
            0xDC00..=0xDFFF => {
                if !high_pending {
                    return None;
                }
                high_pending = false;
                cjk += 1; // supplementary ideographs are the usual reason
                continue;
            }
            _ if high_pending => return None,
            // Control characters (NUL among them) are not text in any encoding.
            0x00..=0x08 | 0x0E..=0x1F => return None,
            0x3000..=0x303F | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF => cjk += 1,
            0x09 | 0x0A | 0x0D | 0x20..=0x7E => {
                ascii += 1;
                texty += 1;
            }
            0xA0..=0x24F | 0x2000..=0x206F => texty += 1,
            _ => {}
        }
    }
    // A high surrogate at the very end is a cut, not an error, when the
    // input goes on.
    if high_pending && (complete && window.len() == bytes.len()) {
        return None;
    }
    let plausible = cjk * 2 >= total || (ascii > 0 && (cjk + texty) * 10 >= total * 9);
    if !plausible {
        return None;
    }
    let (text, _) = decode_all(encoding, window, complete && window.len() == bytes.len());
    Some(freq::cost(&text))
}

/// Decodes `bytes` with `encoding` (no BOM handling), replacing each
/// malformed sequence with U+FFFD; returns the text and how many were
/// replaced. With `last` false, a sequence cut at the end is left out
/// rather than counted.
pub(crate) fn decode_all(encoding: &'static Encoding, bytes: &[u8], last: bool) -> (String, u64) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() * 3 / 2 + 16);
    let mut bad = 0;
    let mut src = bytes;
    loop {
        if let Some(need) = decoder.max_utf8_buffer_length_without_replacement(src.len()) {
            out.reserve(need);
        }
        let (result, read) = decoder.decode_to_string_without_replacement(src, &mut out, last);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => return (out, bad),
            DecoderResult::OutputFull => out.reserve(src.len() * 3 + 16),
            DecoderResult::Malformed(..) => {
                out.push('\u{FFFD}');
                bad += 1;
            }
        }
    }
}

/// The legacy encoding of `bytes` (not valid UTF-8) and how sure that is.
///
/// GB18030 and Big5 are always candidates, UTF-16 when `with_utf16` and
/// plausible; each decodes the first [`SCORE_WINDOW`] bytes and the reading
/// with the lowest character frequency cost wins. Unless that reading is
/// clearly Chinese and clearly ahead, chardetng (with no TLD hint: a `.cn`
/// hint rules Big5 out) proposes one more candidate and gets a bonus that
/// breaks near-ties.
pub(crate) fn guess_legacy(
    bytes: &[u8],
    complete: bool,
    with_utf16: bool,
) -> (&'static Encoding, f32) {
    let window_len = bytes.len().min(SCORE_WINDOW);
    let window = &bytes[..window_len];
    let window_last = complete && window_len == bytes.len();
    // (cost, encoding, cost per non-ASCII character)
    let mut scored: Vec<(u64, &'static Encoding, u64)> = Vec::with_capacity(6);
    let mut score = |encoding: &'static Encoding, bonus: u64| {
        let (text, _) = decode_all(encoding, window, window_last);
        let (cost, chars) = freq::cost_and_chars(&text);
        scored.push((cost.saturating_sub(bonus), encoding, cost / chars.max(1)));
    };
    score(GB18030, 0);
    score(BIG5, 0);
    if with_utf16 {
        for encoding in [UTF_16LE, UTF_16BE] {
            if let Some(c) = utf16_plausible(bytes, complete, encoding) {
                scored.push((c, encoding, 0));
            }
        }
    }
    scored.sort_by_key(|&(c, _, _)| c);
    let margin = |s: &[(u64, &'static Encoding, u64)]| s.get(1).map_or(64, |n| n.0 - s[0].0);

    // chardetng is the slow part of detection (about 2 MB/s here), so it is
    // only asked when the frequency table is not already sure: the best
    // reading must look like ordinary Chinese and beat the next by a wide
    // margin. Otherwise it sees up to 16 KiB and its proposal is scored too.
    let clear = scored[0].2 <= CHINESE_AVG_COST && margin(&scored) >= CLEAR_MARGIN;
    if !clear {
        let fed = &bytes[..bytes.len().min(DETECTOR_WINDOW)];
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        detector.feed(fed, complete && fed.len() == bytes.len());
        let proposed = canonical(detector.guess(None, Utf8Detection::Deny));
        // Three bits for the proposal: chardetng judges byte pairs and
        // has seen more of the input than the scoring window.
        match scored.iter_mut().find(|s| s.1 == proposed) {
            Some(s) => s.0 = s.0.saturating_sub(PROPOSAL_BONUS),
            None => {
                let (text, _) = decode_all(proposed, window, window_last);
                let (cost, chars) = freq::cost_and_chars(&text);
                scored.push((cost.saturating_sub(PROPOSAL_BONUS), proposed, cost / chars.max(1)));
            }
        }
        scored.sort_by_key(|&(c, e, _)| (c, e != proposed));
    }
    let encoding = scored[0].1;
    // The margin is in half-bits of evidence; 16 half-bits (8 bits, odds of
    // 256 to 1) give about 0.97.
    let confidence = 1.0 - 0.5 * (-(margin(&scored) as f32) / 6.0).exp2();
    (encoding, confidence.clamp(0.5, 0.999))
}

/// The name under which an encoding is decoded and reported: WHATWG's GBK
/// decoder is the GB18030 decoder, so detected GBK is called GB18030.
fn canonical(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == GBK { GB18030 } else { encoding }
}

/// For an input that is not valid UTF-8: when its lines that are valid
/// UTF-8 hold real UTF-8 text (enough non-ASCII bytes, and they read
/// better as UTF-8 than in the encoding of the other lines), the encoding
/// of the other lines.
fn mixed_fallback(prefix: &[u8], complete: bool) -> Option<&'static Encoding> {
    let body = if complete {
        prefix
    } else {
        &prefix[..memchr::memrchr(b'\n', prefix).map_or(0, |i| i + 1)]
    };
    let mut valid: Vec<&str> = Vec::new();
    let mut invalid: Vec<u8> = Vec::new();
    let mut valid_non_ascii = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        if line.is_ascii() {
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(s) => {
                valid_non_ascii += line.iter().filter(|&&b| b >= 0x80).count();
                valid.push(s);
            }
            Err(_) => invalid.extend_from_slice(line),
        }
    }
    if valid_non_ascii < STRONG_UTF8 || invalid.is_empty() {
        return None;
    }
    let (fallback, _) = guess_legacy(&invalid, true, false);
    let as_utf8: u64 = valid.iter().map(|s| freq::cost(s)).sum();
    let as_fallback: u64 =
        valid.iter().map(|s| freq::cost(&decode_all(fallback, s.as_bytes(), true).0)).sum();
    (as_utf8 < as_fallback).then_some(fallback)
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// The one-pass counts agree with the plain definitions, across the
        /// 255-byte chunks.
        #[test]
        fn byte_counts_agree(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..800)) {
            let stray = bytes
                .iter()
                .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1B))
                .count();
            let high = bytes.iter().filter(|&&b| b >= 0x80).count();
            proptest::prop_assert_eq!(super::byte_counts(&bytes), (stray, high));
        }
    }
}
