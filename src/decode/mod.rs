//! Bytes to text: byte-order marks, UTF-8, detected legacy encodings,
//! mixed UTF-8/legacy files, binary files (stage 1 of `docs/policy.md`).
//!
//! The decision is made once, on a bounded prefix of the input
//! ([`SNIFF_LEN`] bytes), in this order:
//!
//! 1. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE) decides, and is dropped;
//! 2. a binary signature (PNG, PDF, ZIP, ELF, RIFF, ICO...), NUL bytes
//!    outside UTF-16 (more than one per KiB: a stray NUL in text is text,
//!    removed later by the normaliser) or many control bytes make the input
//!    [binary](DecodeInfo::binary);
//! 3. valid UTF-8 is UTF-8, always (the goal is that no valid UTF-8 input is
//!    ever read as anything else; short inputs get a lower confidence);
//! 4. UTF-16 without BOM when the code units are mostly CJK (or NUL bytes
//!    pair with ASCII);
//! 5. a file whose valid-UTF-8 lines hold real UTF-8 text but which has
//!    other lines is *mixed*: it is read line by line, and each line that is
//!    not UTF-8 is decoded with the legacy encoding detected for those lines
//!    (counted in [`DecodeInfo::mixed_lines`]);
//! 6. otherwise the readings as GB18030, Big5, EUC-KR, Shift_JIS, EUC-JP,
//!    windows-1252, ISO-8859-2, windows-1251 and UTF-16 are each weighed under the model
//!    of their language (`lang.rs`: Chinese character frequency, a Hangul
//!    syllable table, kana, letters), which is what makes short inputs come
//!    out right; unless one reading is clearly Chinese and clearly ahead,
//!    chardetng (no TLD hint) proposes one more candidate.
//!
//! ISO-2022-JP and ISO-2022-KR (7-bit, with their designation escapes) are
//! recognised before step 2. Every decoded document gets a
//! [`Language`] class ([`DecodeInfo::language`]) from its decoded prefix:
//! the pipeline runs the [`CHINESE_ONLY`] rules only on Chinese text (and
//! text with nothing that tells), see [`Language::skipped_rules`].
//!
//! A forced encoding ([`decode`]'s `forced`) skips detection, but a
//! byte-order mark still wins over it (a UTF-8 BOM with `gbk` forced is
//! UTF-8), and only a binary signature refuses the input: NUL and control
//! bytes are decoded and kept, since the user said what the bytes are.
//!
//! Nothing is lost: every undecodable sequence becomes one U+FFFD and is
//! counted ([`Rule::Malformed`]). The GB family is always decoded with the
//! GB18030 decoder (a superset of GBK and GB2312; there is no strict GB2312
//! decoder here: GBK's `A1 A4` is `·` U+00B7) and Big5 with WHATWG Big5 (HKSCS
//! included), both from encoding_rs.
//!
//! [`StreamDecoder`] decodes in bounded memory, chunk by chunk, and gives
//! the same text however the input is cut; [`decode`] is the whole-buffer
//! convenience the pipeline uses.

mod detect;
mod freq;
mod iso2022kr;
mod lang;

pub use lang::{Language, classify};

use std::borrow::Cow;

use encoding_rs::{DecoderResult, Encoding, UTF_8};

use crate::error::{Error, Result};
use crate::rules::{Changes, Rule};

use detect::Verdict;

/// The rules that only make sense in Chinese text, skipped for a document
/// whose [`Language`] is not Chinese (see [`Language::skipped_rules`]): a
/// `?` between Japanese words is not a lost name dot, Korean commas are not
/// Chinese commas, and OpenCC conversion would rewrite Japanese kanji.
/// They are [`CHINESE_ONLY_AND_MOJIBAKE`] but its last rule.
pub const CHINESE_ONLY: &[Rule] = CHINESE_ONLY_AND_MOJIBAKE.split_at(9).0;
const _: () = assert!(
    CHINESE_ONLY_AND_MOJIBAKE.len() == 10 && matches!(CHINESE_ONLY_AND_MOJIBAKE[9], Rule::Mojibake)
);

/// [`CHINESE_ONLY`] and `mojibake`, skipped for Japanese, Korean,
/// Cyrillic and other non-Latin documents: the mojibake rule takes runs of
/// Cyrillic letters, kana or Hangul for Chinese read in the wrong encoding
/// (Cyrillic and kana are in GBK), which in such a document they are not.
/// In Latin-script documents it stays on (UTF-8 read as Latin-1, `fÃ¼r`).
pub const CHINESE_ONLY_AND_MOJIBAKE: &[Rule] = &[
    Rule::NameSeparator,
    Rule::LostSpace,
    Rule::CjkPunct,
    Rule::CjkParens,
    Rule::CjkPeriod,
    Rule::CjkQuotes,
    Rule::Ellipsis,
    Rule::NameDot,
    Rule::Convert,
    Rule::Mojibake,
];

/// What [`encoding_for_label`] gives for `iso-2022-kr`: WHATWG's
/// replacement encoding, standing for the ISO-2022-KR decoder of this
/// module (a forced ISO-2022-KR, and the name a report gives back).
pub const ISO_2022_KR: &Encoding = encoding_rs::REPLACEMENT;

/// How many bytes are looked at before deciding. Detection cost is bounded
/// by this, not by the size of the input.
pub const SNIFF_LEN: usize = 64 * 1024;

/// A line of a UTF-8 file longer than this is judged in pieces of this size
/// (cut at a UTF-8 character boundary), so that memory stays bounded.
const LINE_CAP: usize = 256 * 1024;

/// How much valid UTF-8 is validated at once on the fast path.
const WINDOW: usize = 1024 * 1024;

/// What decoding found out about an input, for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeInfo {
    /// The encoding's name (`UTF-8`, `GB18030`, `Big5`, `UTF-16LE`...). A
    /// mixed file is `UTF-8` with [`mixed_lines`](Self::mixed_lines) > 0;
    /// a binary input is `binary`.
    pub encoding: &'static str,
    /// How sure the decision was, from 0 to 1: 1 for a BOM, a forced
    /// encoding or UTF-8 with enough non-ASCII bytes (0.5 to 0.97 for short
    /// UTF-8); for a detected legacy encoding, `1 - 2^(-m/6) / 2` where `m`
    /// is the lead in half-bits of the best reading over the best one that
    /// gives another text (0.5 to 0.999), and at most 0.3 when the best
    /// reading is implausible under every language model: no reading
    /// convinced.
    pub confidence: f32,
    /// Whether a byte-order mark decided it (the mark is not in the text).
    pub bom: bool,
    /// How many U+FFFD were produced for undecodable bytes.
    pub replacements: u64,
    /// In a mixed file, how many lines were decoded with
    /// [`mixed_encoding`](Self::mixed_encoding) instead of UTF-8.
    pub mixed_lines: u64,
    /// The legacy encoding of the non-UTF-8 lines of a mixed file.
    pub mixed_encoding: Option<&'static str>,
    /// Why the input was judged not to be text (`PNG image`, `NUL bytes`);
    /// `None` for text. A binary input decodes to no text at all.
    pub binary: Option<String>,
    /// The language class of the decoded text (from its first 16 Ki
    /// characters); [`Language::Undetermined`] for binary input.
    pub language: Language,
}

impl DecodeInfo {
    fn new(encoding: &'static str, confidence: f32) -> DecodeInfo {
        DecodeInfo {
            encoding,
            confidence,
            bom: false,
            replacements: 0,
            mixed_lines: 0,
            mixed_encoding: None,
            binary: None,
            language: Language::Undetermined,
        }
    }
}

/// Looks up a forced encoding by its WHATWG label (`gbk`, `gb2312`, `big5`,
/// `utf-16le`, `shift_jis`...). GB2312 and GBK labels give the GB18030
/// decoder, as WHATWG says.
///
/// `iso-2022-kr` (and `csiso2022kr`) give [`ISO_2022_KR`]: WHATWG makes
/// those labels its "replacement" encoding, which decodes nothing, so
/// here that object stands for the hand-written ISO-2022-KR decoder. The
/// other replacement labels (`hz-gb-2312`, `iso-2022-cn`...) are unknown.
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    let label = label.trim();
    if matches!(label.to_ascii_lowercase().as_str(), "iso-2022-kr" | "csiso2022kr") {
        return Ok(ISO_2022_KR);
    }
    Encoding::for_label_no_replacement(label.as_bytes()).ok_or_else(|| Error::Unknown {
        kind: "encoding",
        name: label.to_string(),
        hint: "use a WHATWG label such as utf-8, gbk, gb18030, big5, utf-16le, utf-16be".into(),
    })
}

/// Decodes the whole of `bytes`, detecting the encoding unless `forced`,
/// and counts into `changes` (`bom`, `utf8` or `legacy`; `malformed` per
/// U+FFFD; `legacy` per mixed line; `binary`).
///
/// A binary input gives empty text and [`DecodeInfo::binary`] set. Valid
/// UTF-8 without BOM is returned borrowed.
pub fn decode<'a>(
    bytes: &'a [u8],
    forced: Option<&'static Encoding>,
    changes: &mut Changes,
) -> (Cow<'a, str>, DecodeInfo) {
    if forced.is_none()
        && let Some(text) = valid_str(bytes)
    {
        let prefix = &bytes[..bytes.len().min(SNIFF_LEN)];
        if let Verdict::Utf8 { confidence, fallback: None } =
            detect::sniff(prefix, prefix.len() == bytes.len())
        {
            // Exactly what the line decoder would give: every line is
            // valid UTF-8 and is copied as it is.
            changes.add(Rule::Utf8, 1);
            let mut info = DecodeInfo::new("UTF-8", confidence);
            info.language = classify(text);
            return (Cow::Borrowed(text), info);
        }
    }
    let mut decoder = StreamDecoder::new(forced);
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    decoder.feed(bytes, true, &mut out, changes);
    (Cow::Owned(out), decoder.into_info())
}

/// What [`decode`] would decide for an input that starts with `bytes`
/// (encoding, confidence, BOM, binary reason, language), looking at no
/// more than [`SNIFF_LEN`] bytes: its cost does not grow with the input.
/// Counts (`replacements`, `mixed_lines`) are zero, since they are only
/// known after decoding everything.
pub fn detect(bytes: &[u8], forced: Option<&'static Encoding>) -> DecodeInfo {
    let prefix = &bytes[..bytes.len().min(SNIFF_LEN)];
    let mut decoder = StreamDecoder::new(forced);
    let complete = prefix.len() == bytes.len();
    let mut changes = Changes::new();
    decoder.decide(prefix, complete, &mut changes);
    let mut text = String::new();
    decoder.run(prefix, complete, &mut text, &mut changes);
    let mut info = decoder.info;
    info.language = lang::classify_decoded(&text, info.encoding);
    info.replacements = 0;
    info.mixed_lines = 0;
    info
}

/// A decoder that takes the input in chunks of any size and appends text
/// to the caller's `String`, in bounded memory.
///
/// It holds back up to [`SNIFF_LEN`] bytes to decide the encoding, then
/// decodes them and everything after; in a UTF-8 file it also holds back
/// the current line (at most 256 KiB) because a line that turns out not to
/// be UTF-8 is decoded whole with a legacy encoding. However the input is
/// cut into chunks, the text is the same as [`decode`] gives.
///
/// ```
/// use zhclean::decode::StreamDecoder;
/// use zhclean::Changes;
///
/// let gbk = b"\xCF\xD4\xD6\xF8\xCF\xC2\xBD\xB5";
/// let (mut out, mut changes) = (String::new(), Changes::new());
/// let mut d = StreamDecoder::new(None);
/// d.feed(&gbk[..3], false, &mut out, &mut changes);
/// d.feed(&gbk[3..], true, &mut out, &mut changes);
/// assert_eq!(out, "显著下降");
/// assert_eq!(d.info().encoding, "GB18030");
/// ```
#[derive(Debug)]
pub struct StreamDecoder {
    forced: Option<&'static Encoding>,
    state: State,
    info: DecodeInfo,
    sniff_len: usize,
}

#[derive(Debug)]
enum State {
    /// Collecting the prefix.
    Sniffing(Vec<u8>),
    /// One decoder for everything: BOM, forced, or a detected encoding.
    Whole(encoding_rs::Decoder),
    /// ISO-2022-KR, which encoding_rs does not decode.
    Iso2022Kr(iso2022kr::Decoder),
    /// UTF-8, line by line (`pending` is the unfinished line).
    Lines { pending: Vec<u8>, fallback: Option<&'static Encoding> },
    /// Binary input: everything is ignored.
    Binary,
}

impl StreamDecoder {
    /// A decoder that detects the encoding, or uses `forced`.
    pub fn new(forced: Option<&'static Encoding>) -> StreamDecoder {
        StreamDecoder::with_sniff_len(forced, SNIFF_LEN)
    }

    /// Like [`new`](Self::new), deciding after `sniff_len` bytes instead of
    /// [`SNIFF_LEN`] (at least 64).
    pub fn with_sniff_len(forced: Option<&'static Encoding>, sniff_len: usize) -> StreamDecoder {
        StreamDecoder {
            forced,
            state: State::Sniffing(Vec::new()),
            info: DecodeInfo::new("UTF-8", 0.0),
            sniff_len: sniff_len.max(64),
        }
    }

    /// What was found so far (final after the call with `last`).
    pub fn info(&self) -> &DecodeInfo {
        &self.info
    }

    /// The findings, consuming the decoder.
    pub fn into_info(self) -> DecodeInfo {
        self.info
    }

    /// Decodes `chunk`, appending text to `out`; `last` marks the end of the
    /// input (the chunk may be empty). After the call with `last`, the
    /// decoder must not be fed again.
    pub fn feed(&mut self, chunk: &[u8], last: bool, out: &mut String, changes: &mut Changes) {
        if let State::Sniffing(buf) = &mut self.state {
            let room = self.sniff_len.saturating_sub(buf.len());
            if chunk.len() <= room && !last {
                buf.extend_from_slice(chunk);
                return;
            }
            // Decide on at most `sniff_len` bytes, and only once it is known
            // whether more follow, so that the decision does not depend on
            // how the input was cut.
            let take = room.min(chunk.len());
            buf.extend_from_slice(&chunk[..take]);
            let complete = last && take == chunk.len();
            let prefix = std::mem::take(buf);
            self.decide(&prefix, complete, changes);
            let start = out.len();
            self.run(&prefix, complete, out, changes);
            if self.info.binary.is_none() {
                self.info.language = lang::classify_decoded(&out[start..], self.info.encoding);
            }
            if !complete {
                self.run(&chunk[take..], last, out, changes);
            }
            return;
        }
        self.run(chunk, last, out, changes);
    }

    /// Chooses the state from the prefix and counts the decision.
    fn decide(&mut self, prefix: &[u8], complete: bool, changes: &mut Changes) {
        // A byte-order mark wins over a forced encoding: it says what the
        // bytes are more surely than a flag given for many files.
        let bom = self.forced.and_then(|_| Encoding::for_bom(prefix));
        let verdict = match (self.forced, bom) {
            (Some(_), Some((encoding, len))) => Verdict::Bom { encoding, len },
            (Some(e), None) if e == ISO_2022_KR => match detect::binary_despite(prefix, e) {
                Some(reason) => Verdict::Binary { reason, confidence: 1.0 },
                None => {
                    self.info = DecodeInfo::new("ISO-2022-KR", 1.0);
                    changes.add(Rule::Legacy, 1);
                    self.state = State::Iso2022Kr(iso2022kr::Decoder::new());
                    return;
                }
            },
            (Some(encoding), None) => match detect::binary_despite(prefix, encoding) {
                Some(reason) => Verdict::Binary { reason, confidence: 1.0 },
                None => {
                    self.info = DecodeInfo::new(display_name(encoding, true), 1.0);
                    changes.add(if encoding == UTF_8 { Rule::Utf8 } else { Rule::Legacy }, 1);
                    self.state = State::Whole(encoding.new_decoder_without_bom_handling());
                    return;
                }
            },
            (None, _) => detect::sniff(prefix, complete),
        };
        match verdict {
            Verdict::Bom { encoding, .. } => {
                self.info = DecodeInfo::new(display_name(encoding, false), 1.0);
                self.info.bom = true;
                changes.add(Rule::Bom, 1);
                self.state = State::Whole(encoding.new_decoder_with_bom_removal());
            }
            Verdict::Utf8 { confidence, fallback } => {
                self.info = DecodeInfo::new("UTF-8", confidence);
                changes.add(Rule::Utf8, 1);
                self.state = State::Lines { pending: Vec::new(), fallback };
            }
            Verdict::Legacy { encoding, confidence } => {
                self.info = DecodeInfo::new(display_name(encoding, false), confidence);
                changes.add(Rule::Legacy, 1);
                self.state = State::Whole(encoding.new_decoder_without_bom_handling());
            }
            Verdict::Iso2022Kr => {
                self.info = DecodeInfo::new("ISO-2022-KR", 0.99);
                changes.add(Rule::Legacy, 1);
                self.state = State::Iso2022Kr(iso2022kr::Decoder::new());
            }
            Verdict::Binary { reason, confidence } => {
                self.info = DecodeInfo::new("binary", confidence);
                self.info.binary = Some(reason);
                changes.add(Rule::Binary, 1);
                self.state = State::Binary;
            }
        }
    }

    /// Decodes `src` in the decided state.
    fn run(&mut self, src: &[u8], last: bool, out: &mut String, changes: &mut Changes) {
        let before = (self.info.replacements, self.info.mixed_lines);
        match &mut self.state {
            State::Sniffing(_) | State::Binary => {}
            State::Whole(decoder) => {
                self.info.replacements += decode_into(decoder, src, last, out);
            }
            State::Iso2022Kr(decoder) => {
                self.info.replacements += decoder.decode(src, last, out);
            }
            State::Lines { pending, fallback } => {
                let fallback = *fallback;
                let mut lines = LineDecoder { fallback, info: &mut self.info };
                let mut src = src;
                if !pending.is_empty() {
                    // Finish the held-back line with the head of `src` only,
                    // rather than copying all of `src` behind it.
                    let take = memchr::memchr(b'\n', src).map_or(src.len(), |i| i + 1);
                    pending.extend_from_slice(&src[..take]);
                    src = &src[take..];
                    let used = lines.run(pending, last && src.is_empty(), out);
                    pending.drain(..used);
                }
                // A held-back line that ends in `\n` is always used up, so
                // anything still pending means `src` is used up too.
                if pending.is_empty() {
                    let used = lines.run(src, last, out);
                    pending.extend_from_slice(&src[used..]);
                }
            }
        }
        changes.add(Rule::Malformed, self.info.replacements - before.0);
        changes.add(Rule::Legacy, self.info.mixed_lines - before.1);
    }
}

/// The name reported for `encoding`. The GB family is decoded by the
/// GB18030 decoder, so detected GBK is reported as `GB18030` (a forced
/// `gbk` keeps its name); names are in the usual capitals.
fn display_name(encoding: &'static Encoding, forced: bool) -> &'static str {
    match encoding.name() {
        "GBK" if forced => "GBK",
        "GBK" | "gb18030" => "GB18030",
        name => name,
    }
}

/// Streams `src` through `decoder`, pushing one U+FFFD per malformed
/// sequence; returns how many.
fn decode_into(
    decoder: &mut encoding_rs::Decoder,
    mut src: &[u8],
    last: bool,
    out: &mut String,
) -> u64 {
    let mut bad = 0;
    loop {
        match decoder.max_utf8_buffer_length_without_replacement(src.len()) {
            Some(need) => out.reserve(need),
            None => out.reserve(src.len() * 3 + 16),
        }
        let (result, read) = decoder.decode_to_string_without_replacement(src, out, last);
        src = &src[read..];
        match result {
            DecoderResult::InputEmpty => return bad,
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => {
                out.push('\u{FFFD}');
                bad += 1;
            }
        }
    }
}

/// The line-by-line UTF-8 decoder of [`State::Lines`].
///
/// Input is cut into segments: a line (with its `\n`), or [`LINE_CAP`]
/// bytes of a longer line moved back to a UTF-8 character start. The cuts
/// depend only on the bytes since the last cut, which is why chunking does
/// not change the result. A segment that is valid UTF-8 is copied; one
/// that is not is decoded both as UTF-8 (with U+FFFD) and with the legacy
/// encoding (the file's fallback, or one detected for the segment), and the
/// more plausible reading wins. In a mixed file a valid segment is weighed
/// the same way, because a short GBK line can be valid UTF-8 by chance.
struct LineDecoder<'a> {
    fallback: Option<&'static Encoding>,
    info: &'a mut DecodeInfo,
}

impl LineDecoder<'_> {
    /// Decodes the complete segments of `data` (all of it when `last`);
    /// returns how many bytes were used.
    fn run(&mut self, data: &[u8], last: bool, out: &mut String) -> usize {
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            if self.fallback.is_none() {
                // Fast path: whole lines of valid UTF-8 are copied as they
                // are, a window at a time.
                let window = &rest[..rest.len().min(WINDOW)];
                let valid = Encoding::utf8_valid_up_to(window);
                let upto = if valid == rest.len() && last {
                    valid
                } else {
                    memchr::memrchr(b'\n', &rest[..valid]).map_or(0, |i| i + 1)
                };
                if upto > 0 {
                    // SAFETY: `utf8_valid_up_to` found the first `valid`
                    // bytes valid UTF-8, and `upto` is `valid` or just after
                    // a line feed inside them, so a character boundary. (A
                    // second check here cost 1.4% of a whole run on clean
                    // text.)
                    out.push_str(unsafe { std::str::from_utf8_unchecked(&rest[..upto]) });
                    pos += upto;
                    continue;
                }
            }
            let Some(len) = segment_len(rest, last) else { break };
            self.segment(&rest[..len], out);
            pos += len;
        }
        pos
    }

    /// Decodes one segment.
    fn segment(&mut self, seg: &[u8], out: &mut String) {
        if let Some(text) = valid_str(seg) {
            if let Some(fallback) = self.fallback.filter(|_| !text.is_ascii()) {
                let (other, bad) = detect::decode_all(fallback, seg, true);
                if bad == 0 && lang::reading_cost(fallback, &other).1 < lang::best_model(text).1 {
                    out.push_str(&other);
                    self.info.mixed_lines += 1;
                    self.info.mixed_encoding.get_or_insert(display_name(fallback, false));
                    return;
                }
            }
            out.push_str(text);
            return;
        }
        let (utf8, utf8_bad) = detect::decode_all(UTF_8, seg, true);
        if detect::utf8_mostly_valid(seg, true) {
            // A UTF-8 line with a few bad sequences (overlong forms): one
            // U+FFFD each, never the whole line as another encoding.
            out.push_str(&utf8);
            self.info.replacements += utf8_bad;
            return;
        }
        let encoding = match self.fallback {
            Some(e) => e,
            None => detect::guess_legacy(seg, true, false).0,
        };
        let (legacy, legacy_bad) = detect::decode_all(encoding, seg, true);
        if lang::reading_cost(encoding, &legacy).1 < lang::best_model(&utf8).1 {
            out.push_str(&legacy);
            self.info.mixed_lines += 1;
            self.info.replacements += legacy_bad;
            self.info.mixed_encoding.get_or_insert(display_name(encoding, false));
        } else {
            out.push_str(&utf8);
            self.info.replacements += utf8_bad;
        }
    }
}

/// `bytes` as text when it is valid UTF-8. encoding_rs validates CJK text
/// several times faster than `std::str::from_utf8` (3.8 GiB/s against
/// 0.4 GiB/s in `benches/decode.rs`), which is what lets valid UTF-8 pass
/// at memory speed.
fn valid_str(bytes: &[u8]) -> Option<&str> {
    match UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(Cow::Borrowed(text)) => Some(text),
        _ => None,
    }
}

/// The length of the segment at the start of `rest`, or `None` when more
/// input is needed to know it.
fn segment_len(rest: &[u8], last: bool) -> Option<usize> {
    let head = &rest[..rest.len().min(LINE_CAP)];
    if let Some(i) = memchr::memchr(b'\n', head) {
        return Some(i + 1);
    }
    if rest.len() > LINE_CAP {
        let mut cut = LINE_CAP;
        while cut > LINE_CAP - 3 && rest[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        return Some(cut);
    }
    last.then_some(rest.len())
}

#[cfg(test)]
mod tests;
