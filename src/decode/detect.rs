//! Deciding how a prefix of the input is encoded: byte-order marks, binary
//! signatures, UTF-8 validity, UTF-16 without BOM, mixed UTF-8/legacy
//! files, and the legacy encodings (chardetng's guess weighed against the
//! Chinese readings by character frequency).
//!
//! Everything here looks at a bounded prefix; [`super::StreamDecoder`]
//! replays that prefix into the decoder that was chosen.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    BIG5, DecoderResult, EUC_JP, EUC_KR, Encoding, GB18030, GBK, ISO_2022_JP, ISO_8859_2,
    ISO_8859_5, ISO_8859_15, KOI8_R, SHIFT_JIS, UTF_16BE, UTF_16LE, WINDOWS_1250, WINDOWS_1251,
    WINDOWS_1252,
};

use super::iso2022kr;
use super::lang::{self, Model};

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

/// The fewest bytes per NUL byte in text (see [`sniff`]): one NUL in a KiB
/// or less of text is binary, one in 54 KB of text is a stray NUL. Binary
/// formats without a known signature have far more (compressed data about
/// one in 256, and many control bytes besides).
const NUL_SPACING: usize = 1024;

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
    /// ISO-2022-KR (its designation sequence, and ASCII bytes that decode
    /// with few errors); encoding_rs does not decode it.
    Iso2022Kr,
    /// Not text, for the reason given, as surely as `confidence` says: a
    /// file signature is sure; NUL or control bytes that no UTF-16
    /// reading explains could still be text with odd code units.
    Binary { reason: String, confidence: f32 },
}

/// Decides how the input that starts with `prefix` is encoded. `complete`
/// says whether `prefix` is the whole input (otherwise a character may be
/// cut at its end, which is not an error).
pub(crate) fn sniff(prefix: &[u8], complete: bool) -> Verdict {
    if prefix.starts_with(b"\xFF\xFE\x00\x00") || prefix.starts_with(b"\x00\x00\xFE\xFF") {
        // encoding_rs has no UTF-32 decoder and such files are vanishingly
        // rare; reading one as UTF-16 would interleave NULs, so say so.
        return Verdict::Binary {
            reason: "UTF-32 text, which is not supported".into(),
            confidence: 1.0,
        };
    }
    if let Some((encoding, len)) = Encoding::for_bom(prefix) {
        return Verdict::Bom { encoding, len };
    }
    if let Some(reason) = binary_signature(prefix) {
        return Verdict::Binary { reason, confidence: 1.0 };
    }
    if let Some(verdict) = iso2022(prefix, complete) {
        return verdict;
    }
    // A few NUL bytes in text are damage to remove (the normaliser does,
    // counted), as they are when they come past the prefix of a large file:
    // only NULs closer together than one per `NUL_SPACING` bytes say
    // binary (or UTF-16). The same rule for a file of any size.
    let nuls = memchr::memchr_iter(0, prefix).count();
    let has_nul = nuls > 0 && nuls * NUL_SPACING > prefix.len();
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
        let confidence = if non_ascii == 0 && complete && prefix.len() < SHORT_ASCII {
            // A short input of ASCII bytes can be UTF-16 of CJK text too
            // (`変数の名前とその` in UTF-16LE is `\tYpen0\rTMRh0]0n0`, no
            // byte over 0x7F and no stray control). It stays ASCII, as
            // valid UTF-8 does, but not as a sure thing when the UTF-16
            // reading explains the bytes as well or better: less the
            // prior a reading in another language than Chinese pays, which
            // is about which language is likelier, not about the bytes.
            match utf16_against_utf8(prefix, complete) {
                (utf8, Some((utf16, _))) if utf16 <= utf8 + lang::FOREIGN_PRIOR => 0.5,
                _ => 1.0,
            }
        } else if non_ascii == 0 || non_ascii >= STRONG_UTF8 {
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
            None if has_nul => {
                Verdict::Binary { reason: "NUL bytes".into(), confidence: UNEXPLAINED_BINARY }
            }
            None => {
                Verdict::Binary { reason: "control bytes".into(), confidence: UNEXPLAINED_BINARY }
            }
        };
    }
    if let Some(fallback) = mixed_fallback(prefix, complete) {
        return Verdict::Utf8 { confidence: 0.9, fallback: Some(fallback) };
    }
    if utf8_mostly_valid(prefix, complete) {
        // UTF-8 with a few invalid sequences (overlong forms, a cut
        // character): one U+FFFD each, not the whole text read as mojibake
        // of another encoding.
        return Verdict::Utf8 { confidence: 0.9, fallback: None };
    }
    let (encoding, confidence, cost) = guess_legacy_with(prefix, complete, true, true);
    if encoding != UTF_16LE && encoding != UTF_16BE && utf8_reads_better(prefix, complete, cost) {
        // Mostly UTF-8 with a few bad bytes: read it line by line, so that
        // the bad bytes cost one U+FFFD each rather than the whole file.
        return Verdict::Utf8 { confidence: 0.9, fallback: Some(encoding) };
    }
    Verdict::Legacy { encoding, confidence }
}

/// Whether the first [`SCORE_WINDOW`] bytes read better as UTF-8 with
/// replacements than in the legacy encoding whose reading of them costs
/// `legacy_cost` (what [`guess_legacy_with`] scored, not scored again).
fn utf8_reads_better(prefix: &[u8], complete: bool, legacy_cost: u64) -> bool {
    let window = &prefix[..prefix.len().min(SCORE_WINDOW)];
    let last = complete && window.len() == prefix.len();
    // The UTF-8 reading of legacy bytes is mostly U+FFFD: it is decoded and
    // scored a piece at a time, and only until every model has reached the
    // legacy cost, which for GBK is within the first tenth of the window.
    !reaches(encoding_rs::UTF_8, window, last, legacy_cost)
}

/// How many valid multi-byte UTF-8 characters must stand for each invalid
/// sequence for [`utf8_mostly_valid`]. Legacy text forms a valid UTF-8
/// sequence by chance only now and then (GBK: about one in a hundred
/// characters), so four to one never happens in real GBK, Big5 or Latin-1.
const MOSTLY_VALID_RATIO: u64 = 4;

/// Whether `bytes` is UTF-8 text with a few invalid sequences: at least
/// two valid multi-byte characters, and [`MOSTLY_VALID_RATIO`] of them per
/// invalid sequence.
pub(crate) fn utf8_mostly_valid(bytes: &[u8], complete: bool) -> bool {
    let window = &bytes[..bytes.len().min(SCORE_WINDOW)];
    let last = complete && window.len() == bytes.len();
    // Decoded a piece at a time, so that legacy input (mostly invalid) is
    // given up on as soon as the rest of the window, all valid two-byte
    // characters, could not make up the ratio.
    let mut decoder = encoding_rs::UTF_8.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(REACH_PIECE * 3 + 16);
    let (mut multi, mut bad) = (0u64, 0u64);
    let mut rest = window;
    while !rest.is_empty() {
        let (mut src, tail) = rest.split_at(rest.len().min(REACH_PIECE));
        rest = tail;
        out.clear();
        loop {
            if let Some(need) = decoder.max_utf8_buffer_length_without_replacement(src.len()) {
                out.reserve(need);
            }
            let (result, read) = decoder.decode_to_string_without_replacement(
                src,
                &mut out,
                last && rest.is_empty(),
            );
            src = &src[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => out.reserve(src.len() * 3 + 16),
                DecoderResult::Malformed(..) => bad += 1,
            }
        }
        multi += out.chars().filter(|&c| !c.is_ascii() && c != '\u{FFFD}').count() as u64;
        let possible = multi + rest.len() as u64 / 2;
        if possible < MOSTLY_VALID_RATIO * bad {
            return false;
        }
    }
    multi >= 2 && multi >= MOSTLY_VALID_RATIO * bad
}

/// The reason a forced encoding still refuses the input: a binary
/// signature only. The user said what the bytes are, so NUL bytes and
/// control bytes are decoded and kept (U+0000 is a character).
pub(crate) fn binary_despite(prefix: &[u8], _encoding: &'static Encoding) -> Option<String> {
    binary_signature(prefix)
}

/// ISO-2022-JP or ISO-2022-KR: only 7-bit bytes, an escape sequence that
/// designates the Japanese or Korean set, and no decoding error (for
/// ISO-2022-KR, few). Such a file is valid ASCII, so this comes before the
/// UTF-8 check (an ANSI colour code is `ESC [`, never one of these).
fn iso2022(prefix: &[u8], complete: bool) -> Option<Verdict> {
    memchr::memchr(0x1B, prefix)?;
    if !prefix.is_ascii() {
        return None;
    }
    let has = |seq: &[u8]| memchr::memmem::find(prefix, seq).is_some();
    if has(iso2022kr::DESIGNATION) {
        // A stray escape or a cut pair now and then is damage, not a sign
        // of another encoding: at most one error per four characters.
        let mut decoder = iso2022kr::Decoder::new();
        let mut out = String::new();
        let bad = decoder.decode(prefix, complete, &mut out) as usize;
        let korean = out.chars().filter(|c| !c.is_ascii() && *c != '\u{FFFD}').count();
        return (bad * 4 <= korean).then_some(Verdict::Iso2022Kr);
    }
    if has(b"\x1B$B") || has(b"\x1B$@") || has(b"\x1B(J") || has(b"\x1B(I") {
        let (_, bad) = decode_all(ISO_2022_JP, prefix, complete);
        if bad == 0 {
            return Some(Verdict::Legacy { encoding: ISO_2022_JP, confidence: 0.99 });
        }
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
        let kind = match &prefix[8..12] {
            b"WAVE" => "WAV audio",
            b"AVI " => "AVI video",
            b"WEBP" => "WebP image",
            _ => "RIFF data",
        };
        return Some(kind.into());
    }
    // ICO and CUR: reserved 0, type 1 or 2, a count of images, then 16-byte
    // entries whose fourth byte is reserved 0.
    if prefix.len() >= 22
        && prefix[..2] == [0, 0]
        && matches!(prefix[2..4], [1, 0] | [2, 0])
        && prefix[4..6] != [0, 0]
        && prefix[9] == 0
    {
        return Some(if prefix[2] == 1 { "Windows icon" } else { "Windows cursor" }.into());
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
    let (utf8_cost, best) = utf16_against_utf8(prefix, complete);
    best.filter(|&(c, _)| c < utf8_cost).map(|(_, e)| e)
}

/// The cost of the UTF-8 reading of valid UTF-8 `prefix`, and the cheaper
/// of its plausible UTF-16 readings with its cost.
fn utf16_against_utf8(prefix: &[u8], complete: bool) -> (u64, Option<(u64, &'static Encoding)>) {
    let window = &prefix[..prefix.len().min(SCORE_WINDOW)];
    let (utf8, _) =
        decode_all(encoding_rs::UTF_8, window, complete && window.len() == prefix.len());
    let utf8_cost = lang::best_model(&utf8).1;
    let best = [UTF_16LE, UTF_16BE]
        .into_iter()
        .filter_map(|e| utf16_plausible(prefix, complete, e).map(|c| (c, e)))
        .min_by_key(|&(c, _)| c);
    (utf8_cost, best)
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

/// The confidence of "not text" from NUL or control bytes alone: UTF-16
/// with more control code units than its plausibility check allows (a
/// message catalogue with U+001F separators) comes out this way too.
const UNEXPLAINED_BINARY: f32 = 0.9;

/// Under this many bytes, a whole input of ASCII is asked whether UTF-16
/// reads it better (see [`sniff`]): past it, UTF-16 text whose every byte
/// is below 0x80 does not occur (every code unit would have to be in
/// U+0000..U+7F7F with a low byte under 0x80).
const SHORT_ASCII: usize = 64;

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
    let mut controls = 0usize;
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
            // Control characters (NUL among them) are not text in any
            // encoding; one now and then is (a BEL in a message catalogue).
            0x00..=0x08 | 0x0E..=0x1F => controls += 1,
            0x3000..=0x30FF
            | 0x3400..=0x9FFF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFFEF => cjk += 1,
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
    if controls * 64 > total {
        return None;
    }
    let plausible = cjk * 2 >= total || (ascii > 0 && (cjk + texty) * 10 >= total * 9);
    if !plausible {
        return None;
    }
    let (text, _) = decode_all(encoding, window, complete && window.len() == bytes.len());
    Some(lang::best_model(&text).1)
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

/// The legacy encodings every legacy input is read in: the Chinese ones,
/// and the most common encodings of Korean, Japanese, Western and Central
/// European and Cyrillic text (chardetng proposes the rest: windows-1257,
/// ISO-8859-7...). ISO-8859-2 is here so that the confidence of a
/// Western European reading knows the Central European one exists;
/// windows-1250, because when chardetng proposed windows-1252 for Polish
/// or Hungarian windows-1250 text, that reading was never scored (its
/// quotes and `ś` are C1 controls in ISO-8859-2, so that reading could not
/// win either). ISO-8859-15, KOI8-R and ISO-8859-5 for the same reason:
/// French `œ` is `½` in windows-1252, lowercase KOI8-R is capitals in
/// windows-1251, and a confidence measured without the right reading in
/// the running was 1.0 for the wrong one.
const CANDIDATES: [&Encoding; 12] = [
    GB18030,
    BIG5,
    EUC_KR,
    SHIFT_JIS,
    EUC_JP,
    WINDOWS_1252,
    ISO_8859_15,
    ISO_8859_2,
    WINDOWS_1250,
    WINDOWS_1251,
    KOI8_R,
    ISO_8859_5,
];

/// A reading whose non-ASCII characters cost more than this on average
/// (half-bits) convinces under no model: its confidence is capped at
/// [`IMPLAUSIBLE_CONFIDENCE`].
const IMPLAUSIBLE_AVG_COST: u64 = 40;

/// The confidence of a reading that convinces under no model.
const IMPLAUSIBLE_CONFIDENCE: f32 = 0.3;

/// One scored reading.
struct Reading {
    /// The cost under its model, less any bonus.
    cost: u64,
    /// The cost under its model.
    raw: u64,
    encoding: &'static Encoding,
    model: Model,
    /// Cost per non-ASCII character (without bonus).
    avg: u64,
    /// Its language mismatch, for a reading with Latin letters beyond
    /// ASCII (`lang::Scorer::mismatch`).
    mismatch: Option<u64>,
    text: String,
}

/// The legacy encoding of `bytes` (not valid UTF-8) and how sure that is.
///
/// Each of [`CANDIDATES`] (and UTF-16 when `with_utf16` and plausible)
/// decodes the first [`SCORE_WINDOW`] bytes, and each reading is scored
/// under the model of its language (`lang.rs`); the cheapest wins. Unless
/// that reading is clearly Chinese and clearly ahead, chardetng (with no
/// TLD hint: a `.cn` hint rules Big5 out) proposes one more candidate and
/// gets a bonus that breaks near-ties (between windows-1251 and KOI8-R,
/// say, which read as letters alike).
///
/// Confidence: `1 - 2^(-m/6) / 2`, where `m` is the lead in half-bits over
/// the best reading that gives a different text (16 half-bits, odds of
/// 256 to 1, give 0.97), kept within 0.5..0.999; a winner that convinces
/// under no model (more than [`IMPLAUSIBLE_AVG_COST`] per non-ASCII
/// character) gets at most [`IMPLAUSIBLE_CONFIDENCE`].
pub(crate) fn guess_legacy(
    bytes: &[u8],
    complete: bool,
    with_utf16: bool,
) -> (&'static Encoding, f32) {
    let (encoding, confidence, _) = guess_legacy_with(bytes, complete, with_utf16, true);
    (encoding, confidence)
}

/// [`guess_legacy`], with the shortcut for clearly Chinese input (`fast`)
/// or without it (to test that the shortcut changes no answer); also gives
/// the cost, under its model and without bonus, of the reading of the
/// scoring window that was cheapest before the Latin readings paid their
/// language mismatch (the chosen one, or another reading when the mismatch
/// changed which Latin reading is chosen), which [`sniff`] weighs against
/// the UTF-8 reading.
fn guess_legacy_with(
    bytes: &[u8],
    complete: bool,
    with_utf16: bool,
    fast: bool,
) -> (&'static Encoding, f32, u64) {
    let window_len = bytes.len().min(SCORE_WINDOW);
    let window = &bytes[..window_len];
    let window_last = complete && window_len == bytes.len();
    let read = |encoding: &'static Encoding, bonus: u64| {
        let (text, _) = decode_all(encoding, window, window_last);
        let ((model, cost, chars, high), mismatch) = lang::reading_cost_mismatch(encoding, &text);
        Reading {
            cost: cost.saturating_sub(bonus),
            raw: cost,
            encoding,
            model,
            avg: high / chars.max(1),
            mismatch,
            text,
        }
    };
    let utf16: Vec<&'static Encoding> = if with_utf16 {
        [UTF_16LE, UTF_16BE]
            .into_iter()
            .filter(|&e| utf16_plausible(bytes, complete, e).is_some())
            .collect()
    } else {
        Vec::new()
    };
    // Most legacy input is Chinese and its Chinese reading wins by far:
    // score that reading first, and the others only until they are out of
    // the running (see `clearly_chinese`). The answer is the one the full
    // scoring below would give.
    let mut primes: Vec<Reading> = Vec::with_capacity(2);
    let short_len = window_len.min(SHORTCUT_WINDOW);
    let short = &window[..short_len];
    let short_last = window_last && short_len == window_len;
    for prime in [GB18030, BIG5].into_iter().filter(|_| fast) {
        let reading = read(prime, 0);
        if reading.avg <= CHINESE_AVG_COST {
            // The lead is judged on the first `SHORTCUT_WINDOW` bytes (the
            // whole window when it is no longer): that is where the other
            // readings are scored, each only until it is out of the running.
            let prime_short = if short_len == window_len {
                reading.cost
            } else {
                let (text, _) = decode_all(prime, short, short_last);
                lang::reading_cost(prime, &text).1
            };
            let limit = prime_short + CLEAR_MARGIN;
            let mut others = CANDIDATES.iter().chain(&utf16).filter(|&&e| e != prime);
            if others.all(|&e| reaches(e, short, short_last, limit)) {
                return (prime, clear_confidence(), reading.raw);
            }
        }
        primes.push(reading);
    }
    let mut scored: Vec<Reading> = CANDIDATES
        .iter()
        .map(|&e| match primes.iter().position(|r| r.encoding == e) {
            Some(i) => primes.swap_remove(i),
            None => read(e, 0),
        })
        .collect();
    scored.extend(utf16.iter().map(|&e| read(e, 0)));
    scored.sort_by_key(|r| r.cost);
    let lead = |s: &[Reading]| {
        s.iter().skip(1).find(|r| r.text != s[0].text).map_or(64, |r| r.cost - s[0].cost)
    };

    // chardetng is the slow part of detection (about 2 MB/s here), so it is
    // only asked when the scoring is not already sure: the best reading
    // must look like ordinary Chinese and beat every other by a wide
    // margin. Otherwise it sees up to 16 KiB and its proposal is scored too.
    let clear = scored[0].model.is_chinese()
        && scored[0].avg <= CHINESE_AVG_COST
        && lead(&scored) >= CLEAR_MARGIN;
    if !clear {
        let fed = &bytes[..bytes.len().min(DETECTOR_WINDOW)];
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        detector.feed(fed, complete && fed.len() == bytes.len());
        let proposal = canonical(detector.guess(None, Utf8Detection::Deny));
        // Three bits for the proposal: chardetng judges byte pairs and
        // has seen more of the input than the scoring window.
        match scored.iter_mut().find(|r| r.encoding == proposal) {
            Some(r) => r.cost = r.cost.saturating_sub(PROPOSAL_BONUS),
            None => scored.push(read(proposal, PROPOSAL_BONUS)),
        }
        scored.sort_by_key(|r| (r.cost, r.encoding != proposal));
    }
    // Which single-byte reading of Latin text: each pays its language
    // mismatch (`lang::Scorer::mismatch`: `veè` is Italian in Slovenian
    // ASCII, `več` is not), and then all of them are lowered alike, by as
    // much as the cheapest of them with its mismatch is over the cheapest
    // without: the cheapest Latin reading costs what it did, and takes the
    // place the cheapest had among the others. Whether the text is Latin
    // at all is not the mismatch's to say: that is decided as before, and
    // the cost returned (which `sniff` weighs against UTF-8) is the one
    // the best reading had before too.
    let before_raw = scored[0].raw;
    let raw_min = scored.iter().filter(|r| r.mismatch.is_some()).map(|r| r.cost).min();
    let paid_min = scored.iter().filter_map(|r| r.mismatch.map(|m| r.cost + m)).min();
    if let (Some(raw_min), Some(paid_min)) = (raw_min, paid_min) {
        // Where the Latin readings stand among the others on a tie: where
        // the first of them stood.
        let first_latin = scored.iter().position(|r| r.mismatch.is_some()).unwrap_or(0);
        let mut keyed: Vec<(usize, Reading)> = scored
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| match r.mismatch {
                Some(m) => {
                    r.cost = r.cost + m - (paid_min - raw_min);
                    (first_latin, r)
                }
                None => (i, r),
            })
            .collect();
        keyed.sort_by_key(|(place, r)| (r.cost, *place));
        scored = keyed.into_iter().map(|(_, r)| r).collect();
        debug_assert_eq!(
            scored.iter().filter(|r| r.mismatch.is_some()).map(|r| r.cost).min(),
            Some(raw_min)
        );
    }
    // Between single-byte encodings the proposal has only its bonus: the
    // alphabetic model weighs the letters each reading makes under the
    // language that explains them best (`lang::Scorer`), which on the
    // training set decides better than following chardetng outright.
    let best = &scored[0];
    // The next reading that makes another text: the lead is over it.
    let next = scored.iter().filter(|r| r.text != best.text).min_by_key(|r| r.cost);
    let margin = next.map_or(64, |r| r.cost.saturating_sub(best.cost));
    let mut confidence = margin_confidence(margin);
    if best.avg > IMPLAUSIBLE_AVG_COST {
        confidence = confidence.min(IMPLAUSIBLE_CONFIDENCE);
    }
    // KOI8 puts small Cyrillic letters where windows-1251 has capitals and
    // the other way round, so a word in capitals (`БРОЙ`, `ФАЙЛ`: the
    // placeholders of help texts) reads in the other as a word in small
    // letters, which the letter model, weighing how common each letter is,
    // can like better. When the next reading is such a swap of the case of
    // every Cyrillic letter and they are few (a word or two: longer text
    // has enough letters for their frequencies to tell), the lead says
    // little: not sure.
    if let Some(next) = next
        && let (Some((a, n)), Some((b, _))) = (cyrillic_case(&best.text), cyrillic_case(&next.text))
        && a != b
        && n < CASE_SWAP_LETTERS
    {
        confidence = confidence.min(UNSURE_CONFIDENCE);
    }
    // A Latin reading whose letters beyond ASCII belong to a language
    // that its ASCII letters fit worst (its mismatch at the most:
    // `quatričme`, French words with a Czech letter, windows-1250 reading
    // French windows-1252), against a next reading whose letters fit one
    // language much better (half that mismatch or less): the two say
    // different things about the language, and the letter costs alone
    // chose, so the lead is not sure.
    if best.mismatch.is_some_and(|m| m >= lang::LANGUAGE_MISMATCH)
        && next.is_some_and(|r| r.mismatch.is_some_and(|m| 2 * m <= lang::LANGUAGE_MISMATCH))
    {
        confidence = confidence.min(UNSURE_CONFIDENCE);
    }
    (best.encoding, confidence, before_raw)
}

/// The most a single-byte reading is sure of when its lead says little
/// (see [`guess_legacy_with`]): the next reading has every Cyrillic letter
/// in the other case, or the two disagree on the language of the letters.
const UNSURE_CONFIDENCE: f32 = 0.75;

/// Below how many Cyrillic letters a case swap makes a reading unsure.
const CASE_SWAP_LETTERS: usize = 16;

/// Whether the Cyrillic letters of `text` are all capitals (`true`) or all
/// small (`false`), and how many there are; `None` when it has none, or
/// both cases.
fn cyrillic_case(text: &str) -> Option<(bool, usize)> {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in text.chars().filter(|c| matches!(c, '\u{0400}'..='\u{04FF}') && c.is_alphabetic()) {
        upper += usize::from(c.is_uppercase());
        lower += usize::from(c.is_lowercase());
    }
    match (upper, lower) {
        (0, 0) => None,
        (n, 0) => Some((true, n)),
        (0, n) => Some((false, n)),
        _ => None,
    }
}

/// The confidence of a reading that leads the next different reading by
/// `margin` half-bits.
fn margin_confidence(margin: u64) -> f32 {
    (1.0 - 0.5 * (-(margin as f32) / 6.0).exp2()).clamp(0.5, 0.999)
}

/// The confidence of a Chinese reading that leads every other by
/// [`CLEAR_MARGIN`] or more: what the full scoring gives it (the lead is
/// past the point where the confidence is capped).
fn clear_confidence() -> f32 {
    margin_confidence(CLEAR_MARGIN)
}

/// How many bytes of the scoring window the shortcut for clearly Chinese
/// input compares the other readings on. A wrong reading of Chinese bytes
/// falls behind by hundreds of bits within them (the shortcut needs 32);
/// an input no longer than this gets exactly the full scoring's answer.
const SHORTCUT_WINDOW: usize = 256;

/// How many bytes [`reaches`] decodes at a time.
const REACH_PIECE: usize = 128;

/// Whether the reading of `window` in `encoding` costs at least `limit`
/// under its model (under every model for UTF-8 and UTF-16, whose language
/// is open): decodes and scores a piece at a time and stops as soon as the
/// limit is reached, which for a wrong reading of Chinese bytes is within
/// the first few dozen characters.
fn reaches(encoding: &'static Encoding, window: &[u8], last: bool, limit: u64) -> bool {
    let mut scorers: Vec<lang::Scorer> = match lang::model_for(encoding) {
        Some(model) => vec![lang::Scorer::new(model)],
        None => Model::ALL.into_iter().map(lang::Scorer::new).collect(),
    };
    scorers.retain(|s| !s.over(limit));
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(REACH_PIECE * 3 + 16);
    let mut rest = window;
    while !rest.is_empty() && !scorers.is_empty() {
        let take = rest.len().min(REACH_PIECE);
        let (mut src, tail) = rest.split_at(take);
        rest = tail;
        let piece_last = last && rest.is_empty();
        out.clear();
        loop {
            if let Some(need) = decoder.max_utf8_buffer_length_without_replacement(src.len()) {
                out.reserve(need);
            }
            let (result, read) =
                decoder.decode_to_string_without_replacement(src, &mut out, piece_last);
            src = &src[read..];
            match result {
                DecoderResult::InputEmpty => break,
                DecoderResult::OutputFull => out.reserve(src.len() * 3 + 16),
                DecoderResult::Malformed(..) => out.push('\u{FFFD}'),
            }
        }
        for scorer in &mut scorers {
            scorer.feed(&out);
        }
        scorers.retain(|s| !s.over(limit));
    }
    scorers.iter().all(|s| s.cost() >= limit)
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
    let as_utf8: u64 = valid.iter().map(|s| lang::best_model(s).1).sum();
    let as_fallback: u64 = valid
        .iter()
        .map(|s| lang::reading_cost(fallback, &decode_all(fallback, s.as_bytes(), true).0).1)
        .sum();
    (as_utf8 < as_fallback).then_some(fallback)
}

#[cfg(test)]
mod tests {
    use encoding_rs::{BIG5, EUC_KR, GBK, SHIFT_JIS, UTF_8, UTF_16LE, WINDOWS_1250, WINDOWS_1251};
    use proptest::prelude::*;

    use super::{SCORE_WINDOW, decode_all, guess_legacy_with, lang, reaches};

    /// Real text of every kind the detector meets, in its own encoding.
    fn samples() -> Vec<Vec<u8>> {
        let texts: [(&str, &'static encoding_rs::Encoding); 7] = [
            (
                "中共中央总书记、国家主席江泽民发表了1998年新年讲话。香港回归祖国以后，“一国两制”的方针得到了很好的贯彻落实。",
                GBK,
            ),
            ("床前明月光，疑是地上霜。舉頭望明月，低頭思故鄉。許功蓋三字都以5C結尾。", BIG5),
            ("서버에서 읽는데 오류가 발생했습니다. 패키지를 설치할 수 없습니다.", EUC_KR),
            ("パッケージを削除しなければなりません。設定ファイルが見つかりません。", SHIFT_JIS),
            ("Nie udało się wykonać operacji; érvénytelen kitöltési érték: %s", WINDOWS_1250),
            ("Следующие пакеты будут удалены: невозможно открыть файл", WINDOWS_1251),
            ("稀土磁铁（rare earth magnets）的出口量显著下降，市场价格上涨了15%。", GBK),
        ];
        let mut out = Vec::new();
        for (text, encoding) in texts {
            let whole = encoding.encode(&text.repeat(40)).0.into_owned();
            for len in [8, 12, 17, 24, 40, 63, 100, 255, 600, 2048, SCORE_WINDOW + 300] {
                out.push(whole[..len.min(whole.len())].to_vec());
            }
        }
        out
    }

    /// The shortcut for clearly Chinese input gives the answer of the full
    /// scoring on real text of every kind, cut at many lengths (beyond
    /// `SHORTCUT_WINDOW` too), complete or not.
    #[test]
    fn the_chinese_shortcut_changes_no_answer() {
        for bytes in samples() {
            for complete in [true, false] {
                for utf16 in [true, false] {
                    assert_eq!(
                        guess_legacy_with(&bytes, complete, utf16, true),
                        guess_legacy_with(&bytes, complete, utf16, false),
                        "{bytes:02X?}"
                    );
                }
            }
        }
    }

    proptest! {
        /// Giving up early on input that is mostly not UTF-8 changes no
        /// answer of [`super::utf8_mostly_valid`].
        #[test]
        fn mostly_valid_utf8_gives_up_only_when_it_must(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..900),
            text in "[\\u{4E00}-\\u{9FA5}a-z ]{0,300}",
            complete in proptest::bool::ANY,
        ) {
            let mut mixed = text.into_bytes();
            mixed.extend_from_slice(&bytes);
            for input in [&bytes, &mixed] {
                let window = &input[..input.len().min(SCORE_WINDOW)];
                let (decoded, bad) =
                    decode_all(encoding_rs::UTF_8, window, complete && window.len() == input.len());
                let multi =
                    decoded.chars().filter(|&c| !c.is_ascii() && c != '\u{FFFD}').count() as u64;
                prop_assert_eq!(
                    super::utf8_mostly_valid(input, complete),
                    multi >= 2 && multi >= super::MOSTLY_VALID_RATIO * bad
                );
            }
        }

        /// The same on arbitrary bytes and on random hanzi in GBK, exactly
        /// (up to `SHORTCUT_WINDOW` bytes the shortcut sees what the full
        /// scoring sees).
        #[test]
        fn the_shortcut_agrees_on_any_bytes(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 1..=256),
            hanzi in "[\\u{4E00}-\\u{9FA5}，。a-z ]{2,120}",
        ) {
            let gbk = GBK.encode(&hanzi).0.into_owned();
            for input in [&bytes, &gbk] {
                prop_assert_eq!(
                    guess_legacy_with(input, true, true, true),
                    guess_legacy_with(input, true, true, false)
                );
            }
        }

        /// Scoring a reading piece by piece, and stopping at a limit, agree
        /// with scoring it whole.
        #[test]
        fn capped_scoring_agrees_with_whole_scoring(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..700),
            limit in 0u64..3000,
        ) {
            for encoding in [GBK, BIG5, EUC_KR, SHIFT_JIS, WINDOWS_1251, WINDOWS_1250, UTF_8, UTF_16LE] {
                let (text, _) = decode_all(encoding, &bytes, true);
                let (_, cost, _, _) = lang::reading_cost(encoding, &text);
                prop_assert_eq!(reaches(encoding, &bytes, true, limit), cost >= limit);
            }
        }
    }

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
